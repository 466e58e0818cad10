"""SymPy proofs of the heavy-ball closed forms (C8, C9): velocity and position by induction on symbolic ``t``,
the constant-gradient limit and effective step, and the fixed point of GD.  The closed forms, the
symbols and the fast numerics are in ``optproof.mathcore.momentum``, which re-exports every ``prove_*``
here (``momentum.prove_gd_fixed_point`` is this module's function).
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.momentum import (constant_gradient_velocity, effective_lr, eta, g, heavy_ball_step, k, lam, m0,
                                        position_closed_form, t, theta0, velocity_closed_form)
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import geometric_sum, geometric_sum_branches, prove_geometric_sum, sums_equal

__all__ = ["prove_velocity_closed_form", "prove_position_closed_form", "prove_constant_gradient",
           "prove_gd_fixed_point"]


def _branches() -> tuple[tuple[str, Any, Any], ...]:
    """``(label, λ, G)`` for the ``λ = 1`` and the ``λ ≠ 1`` branch of the geometric sum."""
    return (
        ("lam = 1", sp.Integer(1), lambda n: geometric_sum_branches(1, n)[0]),
        ("lam != 1", lam, lambda n: geometric_sum_branches(lam, n)[1]),
    )


# =========================================================================== proofs
def _last_branch(expr: Any) -> Any:
    """Every ``Piecewise`` replaced by its last (``λ ≠ 1``) branch."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[-1][0])


def prove_velocity_closed_form() -> Proof:
    """Induction on symbolic ``t``: closed form at 0 is ``m_0``; closed(t+1) = λ·closed(t) − η g_{t+1}."""
    proof = Proof(r"m_t = \lambda^t m_0 - \eta \sum_{k=1}^{t} \lambda^{t-k} g_k \quad (t \ge 0)",
                  assumptions="m_t = lam m_{t-1} - eta g_t for t >= 1; t integer >= 0")
    closed = velocity_closed_form()
    proof.step("base case t = 0: lam^0 m0 and an empty sum", sp.Subs(closed, t, 0), m0,
               shows=r"\texttt{velocity\_closed\_form}(0) = \lambda^0 m_0 - \eta\sum_{k=1}^{0}\lambda^{-k} g_k = m_0")
    nxt = velocity_closed_form(t + 1)
    peeled = lam ** (t + 1) * m0 - eta * (sp.Sum(lam ** (t + 1 - k) * g[k], (k, 1, t)) + g[t + 1])
    proof.step("peel the k = t+1 term off the sum (lam^0 g_{t+1})", nxt, peeled, verified=sums_equal(nxt, peeled),
               shows=r"\lambda^{t+1} m_0 - \eta\sum_{k=1}^{t+1}\lambda^{t+1-k} g_k = \lambda^{t+1} m_0 - "
                     r"\eta\left(\sum_{k=1}^{t}\lambda^{t+1-k} g_k + g_{t+1}\right)")
    inner = sp.Sum(lam ** (t + 1 - k) * g[k], (k, 1, t))
    factored = lam * sp.Sum(lam ** (t - k) * g[k], (k, 1, t))
    proof.step("summands agree: lam^{t+1-k} g_k = lam * lam^{t-k} g_k, so lam factors out of the sum",
               inner, factored, verified=sums_equal(inner, factored),
               shows=r"\sum_{k=1}^{t}\lambda^{t+1-k} g_k = \lambda\sum_{k=1}^{t}\lambda^{t-k} g_k")
    recursion = lam * closed - eta * g[t + 1]
    proof.step("induction step: closed(t+1) = lam*closed(t) - eta g_{t+1}, the recursion",
               peeled, recursion, verified=sums_equal(peeled, recursion),
               shows=r"\lambda^{t+1} m_0 - \eta\left(\sum_{k=1}^{t}\lambda^{t+1-k} g_k + g_{t+1}\right) = "
                     r"\lambda m_t - \eta g_{t+1}")
    _, stepped = heavy_ball_step(theta0, closed, g[t + 1], eta, lam)
    proof.step("hence the library's closed form at t+1 is what the library's heavy_ball_step makes of it at t",
               nxt, stepped, verified=sums_equal(nxt, stepped),
               shows=r"\texttt{velocity\_closed\_form}(t+1) = \texttt{heavy\_ball\_step}(\theta, "
                     r"\texttt{velocity\_closed\_form}(t), g_{t+1}, \eta, \lambda)_1")
    return proof


def prove_position_closed_form() -> Proof:
    """Induction: θ-closed(0) = θ_0 and θ-closed(t+1) − θ-closed(t) = m_{t+1}, for λ = 1 and λ ≠ 1."""
    proof = Proof(r"\theta_t = \theta_0 + m_0 \lambda G(t) - \eta \sum_{k=1}^{t} G(t-k+1) g_k",
                  assumptions="theta_t = theta_{t-1} + m_t, m_t from prove_velocity_closed_form; "
                              "G(n) = sum_{j<n} lam^j (prove_geometric_sum)")
    geo = prove_geometric_sum()
    jj = sp.Symbol("j", integer=True, nonnegative=True)
    proof.cite("lemma: the library's geometric sum is G(n) = sum_{j<n} lam^j with both branches "
               "(prove_geometric_sum at x = lam)", geo, geometric_sum(lam, t), sp.Sum(lam**jj, (jj, 0, t - 1)),
               shows=r"\texttt{geometric\_sum}(\lambda, t) = \sum_{j=0}^{t-1}\lambda^j = G(t)")
    n = sp.Symbol("n", integer=True, nonnegative=True)
    for label, decay, G in _branches():
        cond = r"\lambda = 1" if decay == 1 else r"\lambda \ne 1"
        G_next = sp.Subs(G(n), n, n + 1)
        proof.step(f"recursion of the geometric sum: G(n+1) = 1 + lam G(n) ({label})", G_next, 1 + decay * G(n),
                   shows=rf"G(n+1) = 1 + \lambda G(n)\quad ({cond})")
        proof.step(f"difference of the geometric sum: G(n+1) - G(n) = lam^n ({label})", G_next - G(n), decay**n,
                   shows=rf"G(n+1) - G(n) = \lambda^n\quad ({cond})")
        pos = position_closed_form(t, decay, G)
        proof.step(f"base case t = 0 ({label}): G(0) = 0 and an empty sum", sp.Subs(pos, t, 0), theta0,
                   shows=r"\texttt{position\_closed\_form}(0) = \theta_0 + m_0\lambda G(0) - \eta\sum_{k=1}^{0} G(1-k) g_k"
                         rf" = \theta_0\quad ({cond})")
        nxt = position_closed_form(t + 1, decay, G)
        m_next = velocity_closed_form(t + 1, decay)
        proof.step(f"induction step ({label}): the m0 terms differ by m0 lam (G(t+1) - G(t)) = lam^(t+1) m0",
                   m0 * decay * (sp.Subs(G(n), n, t + 1) - G(t)), decay ** (t + 1) * m0,
                   shows=rf"m_0\lambda\left(G(t+1) - G(t)\right) = \lambda^{{t+1}} m_0\quad ({cond})")
        peeled = sp.Sum((G(t + 2 - k) - G(t + 1 - k)) * g[k], (k, 1, t)) + G(sp.Integer(1)) * g[t + 1]
        diff_sum = sp.Sum(G(t + 2 - k) * g[k], (k, 1, t + 1)) - sp.Sum(G(t + 1 - k) * g[k], (k, 1, t))
        proof.step(f"induction step ({label}): peel k = t+1 (G(1) = 1) and merge the sums over k <= t",
                   diff_sum, peeled, verified=sums_equal(diff_sum, peeled),
                   shows=r"\sum_{k=1}^{t+1} G(t+2-k) g_k - \sum_{k=1}^{t} G(t+1-k) g_k = "
                         rf"\sum_{{k=1}}^{{t}}\left(G(t+2-k) - G(t+1-k)\right) g_k + G(1) g_{{t+1}}\quad ({cond})")
        target = sp.Sum(decay ** (t + 1 - k) * g[k], (k, 1, t + 1))
        proof.step(f"induction step ({label}): summands G(t+2-k) - G(t+1-k) = lam^(t+1-k): the velocity sum",
                   peeled, target, verified=sums_equal(peeled, target),
                   shows=r"\sum_{k=1}^{t}\left(G(t+2-k) - G(t+1-k)\right) g_k + G(1) g_{t+1} = "
                         rf"\sum_{{k=1}}^{{t+1}}\lambda^{{t+1-k}} g_k\quad ({cond})")
        proof.step(f"induction step ({label}): the library's positions differ by the library's velocity, "
                   "theta(t+1) - theta(t) = m_{t+1}", nxt - pos, m_next, verified=sums_equal(nxt - pos, m_next),
                   shows=r"\texttt{position\_closed\_form}(t+1) - \texttt{position\_closed\_form}(t) = "
                         rf"\texttt{{velocity\_closed\_form}}(t+1)\quad ({cond})")
    return proof


def prove_constant_gradient() -> Proof:
    """``g_k ≡ g``: ``m_t = λ^t m_0 − η g G(t)``; limit ``−η g/(1−λ)`` for ``λ < 1``; transient; effective step."""
    gc = sp.Symbol("g", real=True)
    rho = sp.Symbol("rho", positive=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    proof = Proof(r"g_k \equiv g:\ m_t = \lambda^t m_0 - \eta g \frac{1-\lambda^t}{1-\lambda} \to "
                  r"-\frac{\eta}{1-\lambda} g,\quad m_t - m_\infty = \lambda^t (m_0 - m_\infty)",
                  assumptions="0 <= lam < 1 for the limit; lam = 1 gives m_t = m0 - eta g t")
    closed = velocity_closed_form().xreplace({g[k]: gc})
    weights = sp.Sum(lam ** (t - k), (k, 1, t))
    proof.step("constant gradient: g factors out of the sum", closed, lam**t * m0 - eta * gc * weights,
               verified=sums_equal(closed, lam**t * m0 - eta * gc * weights),
               shows=r"\lambda^t m_0 - \eta\sum_{k=1}^{t}\lambda^{t-k} g = \lambda^t m_0 - \eta g\sum_{k=1}^{t}\lambda^{t-k}")
    geo_sum = sp.Sum(lam**j, (j, 0, t - 1))
    proof.step("reindex j = t - k", weights, geo_sum, verified=weights.change_index(k, t - k, j) == geo_sum,
               shows=r"\sum_{k=1}^{t}\lambda^{t-k} = \sum_{j=0}^{t-1}\lambda^j\quad (j = t - k)")
    geo = prove_geometric_sum()
    proof.cite("lemma: = G(t), the library's geometric sum (prove_geometric_sum at x = lam, n = t)", geo,
               geometric_sum(lam, t), geo_sum,
               shows=r"\texttt{geometric\_sum}(\lambda, t) = \sum_{j=0}^{t-1}\lambda^j = G(t)")
    m_gen = lam**t * m0 - eta * gc * (1 - lam**t) / (1 - lam)
    m_one = m0 - eta * gc * t
    for label, decay, expr, tex in (("lam != 1", lam, m_gen, r"\lambda^t m_0 - \eta g\frac{1-\lambda^t}{1-\lambda}"),
                                    ("lam = 1", sp.Integer(1), m_one, r"m_0 - \eta g t,\ \lambda = 1")):
        proof.step(f"({label}) base case t = 0", sp.Subs(expr, t, 0), m0,
                   shows=rf"m_t\big|_{{t=0}} = m_0\quad \left(m_t = {tex}\right)")
        _, stepped = heavy_ball_step(sp.Integer(0), expr, gc, eta, decay)
        proof.step(f"({label}) induction step: the closed form satisfies the recursion m_(t+1) = lam m_t - eta g "
                   "(heavy_ball_step)", expr.subs(t, t + 1), stepped,
                   shows=rf"m_{{t+1}} = \texttt{{heavy\_ball\_step}}(\theta, m_t, g, \eta, \lambda)_1 = "
                         rf"\lambda m_t - \eta g\quad \left(m_t = {tex}\right)")
    m_inf = -eta * gc / (1 - lam)
    at_rho = {lam: 1 / (1 + rho)}
    proof.step("limit t -> oo for 0 < lam < 1 (lam = 1/(1+rho), rho > 0): lam^t -> 0",
               sp.Limit(m_gen.subs(at_rho), t, sp.oo), m_inf.subs(at_rho),
               shows=r"\lim_{t\to\infty}\left(\lambda^t m_0 - \eta g\frac{1-\lambda^t}{1-\lambda}\right) = "
                     r"-\frac{\eta g}{1-\lambda} = m_\infty\quad \left(\lambda = \tfrac{1}{1+\rho} < 1\right)")
    tp = sp.Symbol("t", integer=True, positive=True)
    proof.step("lam = 0: m_t = -eta g = m_oo already for t >= 1", sp.Subs(m_gen.subs(t, tp), lam, 0),
               m_inf.subs(lam, 0), shows=r"m_t\big|_{\lambda=0} = -\eta g = m_\infty\big|_{\lambda=0}\quad (t \ge 1)")
    proof.step("exact transient: m_t - m_oo = lam^t (m0 - m_oo)", m_gen - m_inf, lam**t * (m0 - m_inf),
               shows=r"m_t - m_\infty = \lambda^t\left(m_0 - m_\infty\right),\quad m_\infty = -\frac{\eta g}{1-\lambda}")
    proof.step("effective step: the limit is the library's effective_lr times -g",
               sp.Limit(m_gen.subs(at_rho), t, sp.oo), -effective_lr(eta, at_rho[lam]) * gc,
               shows=r"\lim_{t\to\infty} m_t = -\texttt{effective\_lr}(\eta, \lambda)\, g\quad (0 < \lambda < 1)")
    api = constant_gradient_velocity(t, gc, eta, lam, m0)
    proof.step("the library's constant_gradient_velocity is the library's velocity closed form with g_k = g, "
               "summed (lam != 1 branch)", _last_branch(api), _last_branch(closed.doit()),
               shows=r"\texttt{constant\_gradient\_velocity}(t, g, \eta, \lambda, m_0) = "
                     r"\texttt{velocity\_closed\_form}(t)\big|_{g_k \equiv g}\quad (\lambda \ne 1)")
    at_one, closed_one = sp.Subs(api, lam, 1), velocity_closed_form(t, sp.Integer(1)).xreplace({g[k]: gc})
    proof.step("the same at lam = 1 (G(1, t) = t)", at_one, closed_one, verified=equal(at_one.doit(), closed_one.doit()),
               shows=r"\texttt{constant\_gradient\_velocity}(t, g, \eta, 1, m_0) = "
                     r"\texttt{velocity\_closed\_form}(t)\big|_{g_k \equiv g,\ \lambda = 1} = m_0 - \eta g t")
    proof.check("effective_lr at lam = 0, lam -> 1", float_branch_agrees(
        effective_lr, (eta, lam), [(0.1, 0.0), (0.1, 0.9), (1.0, 0.999), (0.3, 0.5), (2.0, 0.999999), (1e-3, 0.25)]),
        shows=r"\texttt{effective\_lr}(\eta, \lambda)\ \text{in floats} \approx \frac{\eta}{1-\lambda}"
              r"\ (\text{relative } 10^{-9})")
    return proof


def prove_gd_fixed_point() -> Proof:
    """C8: with λ = 0 (GD) a zero-gradient point is fixed; with momentum too if ``m_0 = 0``; not if ``λ m_0 ≠ 0``."""
    star = sp.Symbol("theta_star", real=True)
    g_star = sp.Symbol("nabla_L", real=True)  # the gradient at theta*, then set to 0
    th, mv, gv = sp.symbols("theta m g_t", real=True)
    proof = Proof(r"\nabla L(\theta^*) = 0,\ m_0 = 0 \Rightarrow \theta_t = \theta^*\ \forall t",
                  assumptions="theta_t = theta_{t-1} + m_t, m_t = lam m_{t-1} - eta grad(theta_{t-1})")
    hb_theta, hb_m = heavy_ball_step(th, mv, gv, eta, lam)
    proof.step("lam = 0 is vanilla GD: the library's step gives theta_t = theta_{t-1} - eta g_t",
               sp.Subs(hb_theta, lam, 0), th - eta * gv,
               shows=r"\texttt{heavy\_ball\_step}(\theta, m, g_t, \eta, \lambda)_0\big|_{\lambda=0} = \theta - \eta g_t")
    proof.step("lam = 0: the old velocity is forgotten, m_t = -eta g_t", sp.Subs(hb_m, lam, 0), -eta * gv,
               shows=r"\texttt{heavy\_ball\_step}(\theta, m, g_t, \eta, \lambda)_1\big|_{\lambda=0} = -\eta g_t")
    at_zero = lambda e: sp.Subs(e, g_star, 0)  # noqa: E731 - grad L(theta*) = 0, evaluated by the check
    gd_theta, _ = heavy_ball_step(star, 0, g_star, eta, 0)
    proof.step("GD induction step: theta_{t-1} = theta* => theta_t = theta* - eta*0 = theta*", at_zero(gd_theta), star,
               shows=r"\texttt{heavy\_ball\_step}(\theta^*, 0, \nabla L(\theta^*), \eta, 0)_0 = \theta^* - \eta\cdot 0 = \theta^*")
    hb_theta, hb_m = heavy_ball_step(star, 0, g_star, eta, lam)
    proof.step("momentum, invariant (theta*, 0): m_t = lam*0 - eta*grad(theta*) = 0", at_zero(hb_m), 0,
               shows=r"\texttt{heavy\_ball\_step}(\theta^*, 0, \nabla L(\theta^*), \eta, \lambda)_1 = "
                     r"\lambda\cdot 0 - \eta\cdot 0 = 0")
    proof.step("momentum, invariant (theta*, 0): theta_t = theta* + 0", at_zero(hb_theta), star,
               shows=r"\texttt{heavy\_ball\_step}(\theta^*, 0, \nabla L(\theta^*), \eta, \lambda)_0 = \theta^* + 0 = \theta^*")
    moved, _ = heavy_ball_step(star, m0, g_star, eta, lam)
    proof.step("m0 != 0: the first step moves by lam m0 (non-zero when lam m0 != 0)", at_zero(moved) - star, lam * m0,
               shows=r"\texttt{heavy\_ball\_step}(\theta^*, m_0, \nabla L(\theta^*), \eta, \lambda)_0 - \theta^* = \lambda m_0")
    for label, decay, G in _branches():
        cond = r"\lambda = 1" if decay == 1 else r"\lambda \ne 1"
        still = position_closed_form(t, decay, G).xreplace({g[k]: 0, theta0: star})
        proof.step(f"({label}) with every gradient 0, the library's position is theta* + m0 lam G(t)", still,
                   star + m0 * decay * G(t),
                   shows=r"\texttt{position\_closed\_form}(t)\big|_{g_k = 0,\ \theta_0 = \theta^*} = "
                         rf"\theta^* + m_0\lambda G(t)\quad ({cond})")
    return proof
