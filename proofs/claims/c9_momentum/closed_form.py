"""C9 (seed 2.2): momentum is a decayed sum of all past gradients.

    m_t = λ m_{t−1} − η g_t  ⇒  m_t = λ^t m_0 − η Σ_{k=1}^t λ^{t−k} g_k,
    θ_t = θ_0 + m_0 λ G(t) − η Σ_k G(t−k+1) g_k,  G(n) = Σ_{j<n} λ^j,
    constant gradient: m_t → −η g/(1−λ) (effective step η/(1−λ)), transient λ^t (m_0 − m_∞).

The conventions of real libraries (PyTorch, Keras, optax, EMA) and their conversions are
checked by ``conventions.py`` beside it and merged into this claim.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from optproof.mathcore import momentum as mm
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure, proof_check

_STREAM = [Fraction(3), Fraction(-1, 2), Fraction(0), Fraction(7, 5), Fraction(2), Fraction(-9, 4), Fraction(1, 3),
           Fraction(5), Fraction(-2), Fraction(1, 7), Fraction(4), Fraction(0), Fraction(-3, 8), Fraction(6)]


def _exact(cfg: RunConfig) -> Outcome:
    """Rational recursion versus the SymPy closed forms at t = 1..14 for λ ∈ {0, 9/10, 1}."""
    lr, m_start, th_start = Fraction(1, 10), Fraction(1, 3), Fraction(2)
    ok, rows = True, []
    for decay in (Fraction(0), Fraction(9, 10), Fraction(1)):
        m, th = m_start, th_start
        subs = {mm.eta: sp.Rational(lr), mm.m0: sp.Rational(m_start), mm.theta0: sp.Rational(th_start)}
        subs.update({mm.g[i + 1]: sp.Rational(v) for i, v in enumerate(_STREAM)})
        for step, grad in enumerate(_STREAM, 1):
            m = decay * m - lr * grad
            th = th + m
            vel = mm.velocity_closed_form(step, sp.Rational(decay)).doit().subs(subs)
            pos = mm.position_closed_form(step, sp.Rational(decay)).doit().subs(subs)
            ok &= sp.Rational(m) == vel and sp.Rational(th) == pos
        rows.append({"lambda": str(decay), "m_T": str(m), "theta_T": str(th)})
    g = Fraction(3, 2)
    m_inf = -lr * g / (1 - Fraction(9, 10))
    transient = [(Fraction(9, 10) ** t) * (m_start - m_inf) + m_inf for t in range(30)]
    m = m_start
    for t in range(30):
        ok &= m == transient[t]
        m = Fraction(9, 10) * m - lr * g
    return Outcome(ok, f"{len(_STREAM)} steps of a rational gradient stream: recursion = closed forms exactly for "
                       "lambda = 0, 9/10, 1; constant gradient: m_t = m_inf + lambda^t (m_0 - m_inf) exactly, "
                       f"m_inf = {m_inf}", {"runs": rows, "m_inf (g=3/2, eta=1/10, lambda=9/10)": str(m_inf)})


def _kernel_vs_closed_form(cfg: RunConfig) -> Outcome:
    """The trajectory kernel's recorded velocities/positions equal the closed form of its recorded gradients."""
    from optproof.sim import HeavyBall, LeastSquares, Sampler, simulate

    rng = np.random.default_rng(cfg.seed_for("C9", "kernel data"))
    X = rng.normal(size=(64, 4))
    y = X @ rng.normal(size=4) + 0.3 * rng.normal(size=64)
    numbers, ok = {}, True
    th_start, m_start = rng.normal(size=4), 0.1 * rng.normal(size=4)
    for decay in (0.0, 0.5, 0.9, 0.99, 1.0):
        res = simulate(LeastSquares(X, y), HeavyBall(0.01, decay), Sampler("reshuffle", 8), n_traj=6, n_epochs=8,
                       seed=cfg.seed_for("C9", "kernel batches"), record=("theta", "velocity", "grad"), every="step",
                       theta0=th_start, m0=m_start)
        worst_m = worst_th = 0.0
        for j in range(6):
            grads = res.records["grad"][j]
            vel = mm.velocities(grads, 0.01, decay, m_start)
            pos = mm.positions(grads, 0.01, decay, th_start, m_start)
            tol_m = 2 * mm.closed_form_error_bound(grads, 0.01, decay, m_start)
            tol_th = 2 * mm.positions_error_bound(grads, 0.01, decay, th_start, m_start)
            worst_m = max(worst_m, float(np.max(np.abs(vel - res.records["velocity"][j]) / tol_m)))
            worst_th = max(worst_th, float(np.max(np.abs(pos - res.records["theta"][j]) / tol_th)))
        ok &= worst_m <= 1.0 and worst_th <= 1.0
        numbers[f"lambda={decay}"] = {"max |m_sim - m_closed| / bound": worst_m,
                                      "max |theta_sim - theta_closed| / bound": worst_th}
    return Outcome(ok, "heavy ball on least squares (B=8, 64 steps, 6 trajectories, 5 values of lambda): "
                       "kernel = closed form within the float64 error bound (ratios <= 1 in numbers)", numbers)


def _stream_response(cfg: RunConfig) -> Outcome:
    """Impulse and constant-gradient responses of the Numba stream kernel against the weights λ^{t−k}."""
    from optproof.sim import heavy_ball_stream

    T, lr, numbers, ok = 80, 0.1, {}, True
    responses = {}
    for decay in (0.5, 0.9, 0.99):
        impulse = np.zeros((T, 1))
        impulse[0] = 1.0
        m_imp, _ = heavy_ball_stream(impulse, lr, decay)
        weights = mm.velocity_weights(T, decay)[::-1]  # λ^{t-1}: weight of g_1 in m_t
        tol = 2 * mm.closed_form_error_bound(impulse, lr, decay)[:, 0]
        err_imp = float(np.max(np.abs(m_imp[1:, 0] + lr * weights) / tol))
        const = np.full((T, 1), 1.0)
        m_const, _ = heavy_ball_stream(const, lr, decay)
        theory = np.array([mm.constant_gradient_velocity(t, 1.0, lr, decay) for t in range(1, T + 1)])
        tol_c = 2 * mm.closed_form_error_bound(const, lr, decay)[:, 0]
        err_c = float(np.max(np.abs(m_const[1:, 0] - theory) / tol_c))
        terminal = -mm.effective_lr(lr, decay)
        ok &= err_imp <= 1.0 and err_c <= 1.0
        numbers[f"lambda={decay}"] = {"impulse max |error|/bound": err_imp, "constant max |error|/bound": err_c,
                                      "m_T simulated": float(m_const[-1, 0]), "terminal -eta g/(1-lambda)": terminal,
                                      "m_T closed form": float(theory[-1])}
        responses[decay] = (m_imp[1:, 0], weights, m_const[1:, 0], theory, terminal)
    figures = []
    if cfg.make_figures:
        figures = [("impulse_weights", _impulse_figure(responses, lr)),
                   ("constant_gradient", _constant_figure(responses, lr))]
    return Outcome(ok, "impulse response = -eta lambda^(t-1) and constant-gradient velocity = closed form "
                       "(terminal velocity -eta g/(1-lambda)) within the float64 error bound", numbers,
                   [r"m_t = \lambda^t m_0 - \eta \sum_{k=1}^{t} \lambda^{t-k} g_k"], figures)


def _impulse_figure(responses, lr):
    fig, ax = new_figure()
    for decay, (m_imp, weights, *_rest) in responses.items():
        t = np.arange(1, m_imp.size + 1)
        line, = ax.semilogy(t, lr * weights, "-", label=rf"theory $\eta\lambda^{{t-1}}$, $\lambda$={decay}")
        ax.semilogy(t[::4], -m_imp[::4], "o", ms=4, color=line.get_color(), label=f"simulated $-m_t$, λ={decay}")
    ax.set_xlabel("step t")
    ax.set_ylabel(r"weight of $g_1$ in $-m_t$")
    ax.set_title("Velocity = decayed sum of past gradients (impulse g_1 = 1)")
    ax.legend(fontsize=7, ncol=2)
    return fig


def _constant_figure(responses, lr):
    fig, ax = new_figure()
    for decay, (_, _, m_const, theory, terminal) in responses.items():
        t = np.arange(1, m_const.size + 1)
        line, = ax.plot(t, theory, "-", label=f"closed form, λ={decay}")
        ax.plot(t[::4], m_const[::4], "o", ms=4, color=line.get_color())
        ax.axhline(terminal, ls=":", color=line.get_color())
    ax.set_xlabel("step t")
    ax.set_ylabel(r"velocity $m_t$ (g = 1, $\eta$ = %g)" % lr)
    ax.set_title(r"Constant gradient: $m_t \to -\eta g/(1-\lambda)$ (dotted); dots simulated")
    ax.legend(fontsize=8)
    return fig


CHECKS: tuple[Check, ...] = (
    proof_check("closed forms of m_t and theta_t; constant gradient", (
        mm.prove_velocity_closed_form, mm.prove_position_closed_form, mm.prove_constant_gradient)),
    Check("exact", "rational recursion vs closed forms", _exact),
    Check("simulation", "trajectory kernel vs closed form", _kernel_vs_closed_form),
    Check("simulation", "impulse and constant-gradient response", _stream_response),
)
