"""SymPy proofs of heavy ball on a quadratic: characteristic polynomial, convergence region, rate,
critical damping, Polyak's parameters and their optimality, the closed-form trajectories (C9).
The statements and numeric forms are in ``optproof.mathcore.quadratic``."""
from __future__ import annotations

from typing import Any
import sympy as sp

from optproof.mathcore.momentum import eta, lam, m0, t, theta0
from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.quadratic import lucas_closed_form, trajectory, trajectory_closed_form, velocity_trajectory, _lucas_complex, _lucas_generic, _lucas_repeated, _regime_parameters, _theta_from_lucas, characteristic_polynomial, converges, critical_momentum, discriminant, h, polyak_parameters, rate, transition_matrix, z

__all__ = [
    "prove_characteristic_polynomial",
    "prove_convergence_region",
    "prove_rate",
    "prove_critical_damping",
    "prove_polyak",
    "prove_polyak_optimal",
    "prove_trajectory_closed_form",
]

def prove_characteristic_polynomial() -> Proof:
    """``det(zI − A) = z² − (1+λ−ηh)z + λ``; eliminating ``m`` gives ``θ_{t+1} = τθ_t − λθ_{t−1}``."""
    proof = Proof(r"\det(zI - A) = z^2 - (1+\lambda-\eta h) z + \lambda,\quad "
                  r"\theta_{t+1} = (1+\lambda-\eta h)\theta_t - \lambda\theta_{t-1}",
                  assumptions="m_t = lam m_{t-1} - eta h theta_{t-1}, theta_t = theta_{t-1} + m_t")
    th, mv = sp.symbols("theta_prev m_prev", real=True)
    A = transition_matrix(h, eta, lam)
    m_new = lam * mv - eta * h * th
    stepped, wanted = A * sp.Matrix([th, mv]), sp.Matrix([th + m_new, m_new])
    proof.step("state form: A (theta, m) is (theta + m_new, m_new)", stepped, wanted,
               verified=sp.expand(stepped - wanted) == sp.zeros(2, 1))
    proof.step("det(zI - A) is the characteristic polynomial", (z * sp.eye(2) - A).det(), characteristic_polynomial())
    proof.step("trace A = 1 + lam - eta h", A.trace(), 1 + lam - eta * h)
    proof.step("det A = lam", A.det(), lam)
    th1, m1 = A * sp.Matrix([th, mv])
    th2 = (A * sp.Matrix([th1, m1]))[0]
    proof.step("eliminate m: theta_{t+1} = tau theta_t - lam theta_{t-1} with theta_{t-1} = theta_t - m_t",
               th2, (1 + lam - eta * h) * th1 - lam * (th1 - m1))
    proof.step("at t = 0 the recursion holds with theta_{-1} := theta_0 - m_0",
               th1, (1 + lam - eta * h) * th - lam * (th - mv))
    return proof
def prove_convergence_region() -> Proof:
    """Jury/Schur–Cohn for ``p(z) = z² + a₁z + a₀``: both roots in ``|z| < 1`` ⇔ ``p(1) > 0, p(−1) > 0, |a₀| < 1``.

    Lemma (real quadratic, leading coefficient 1). ⇒: ``p(±1) = (1∓z₁)(1∓z₂)`` is ``|1∓z₁|² > 0`` for a
    complex pair and a product of positive factors for real roots in ``(−1, 1)``; ``|a₀| = |z₁z₂| < 1``.
    ⇐: complex pair: ``|z|² = z₁z₂ = a₀ < 1``.  Real roots: ``p(1) > 0`` means an even number (0 or 2) of
    roots exceed 1, ``p(−1) > 0`` an even number lie below −1; two roots beyond the same end would give
    ``|z₁z₂| > 1``; a root at ±1 would make ``p(±1) = 0``.  So both lie in ``(−1, 1)``.
    """
    proof = Proof(r"\rho(A) < 1 \iff |\lambda| < 1 \wedge 0 < \eta h < 2(1+\lambda)",
                  assumptions="h, eta, lam real; Jury lemma for monic real quadratics (docstring)")
    z1, z2 = sp.symbols("z1 z2")
    p = characteristic_polynomial()
    proof.step("Vieta: tau = z1 + z2, lam = z1 z2 make p(z) = (z - z1)(z - z2)",
               p.subs({lam: z1 * z2, h: (1 + z1 * z2 - z1 - z2) / eta}), sp.expand((z - z1) * (z - z2)))
    proof.step("p(1) = (1 - z1)(1 - z2)", sp.expand((z - z1) * (z - z2)).subs(z, 1), (1 - z1) * (1 - z2))
    proof.step("p(-1) = (1 + z1)(1 + z2)", sp.expand((z - z1) * (z - z2)).subs(z, -1), (1 + z1) * (1 + z2))
    proof.step("p(1) = eta h: Jury condition p(1) > 0 is eta h > 0", p.subs(z, 1), eta * h)
    proof.step("p(-1) = 2(1 + lam) - eta h: p(-1) > 0 is eta h < 2(1 + lam)", p.subs(z, -1), 2 * (1 + lam) - eta * h)
    proof.step("a0 = p(0) = lam: |a0| < 1 is |lam| < 1", p.subs(z, 0), lam)
    jury = sp.And(p.subs(z, 1) > 0, p.subs(z, -1) > 0, sp.Abs(p.subs(z, 0)) < 1)
    same = _positive_parts(jury) == _positive_parts(converges(h, eta, lam))
    proof.step("the Jury conditions are exactly converges(h, eta, lam) (same set of 'expr > 0')",
               sp.Integer(int(same)), 1, verified=same)
    return proof
def _positive_parts(cond: sp.Basic) -> set:
    """``And`` of strict inequalities as the set of expanded ``e`` with ``e > 0``."""
    return {sp.expand(r.gts - r.lts) for r in sp.And.make_args(cond)}
def prove_rate() -> Proof:
    """Spectral radius: complex roots have ``|z|² = λ``; real roots ``max|τ/2 ± √Δ/2| = |τ|/2 + √Δ/2``.

    Both branches agree on ``Δ = 0``, so the rate is continuous.
    """
    proof = Proof(r"\rho(A) = \begin{cases}(|\tau|+\sqrt{\Delta})/2 & \Delta\ge 0\\ \sqrt{\lambda} & \Delta<0\end{cases}",
                  assumptions="tau = 1 + lam - eta h, Delta = tau^2 - 4 lam")
    tau, w = sp.symbols("tau w", real=True)
    zc = tau / 2 + sp.I * w / 2
    proof.step("complex regime: roots tau/2 +- i w/2 with w^2 = 4 lam - tau^2 > 0 solve p",
               sp.expand(zc**2 - tau * zc + lam).subs(w, sp.sqrt(4 * lam - tau**2)), 0)
    proof.step("complex regime: |z|^2 = z conj(z) = lam", sp.expand(zc * sp.conjugate(zc)).subs(w**2, 4 * lam - tau**2), lam)
    a, b = sp.symbols("a b", real=True)
    proof.step("real regime: (a + b)^2 - (a - b)^2 = 4ab, so the root of sign(tau) dominates (b = sqrt(Delta) >= 0)",
               (a + b) ** 2 - (a - b) ** 2, 4 * a * b)
    proof.step("real regime: |a| + |b| = |a + b| when a b >= 0: (|a| + |b|)^2 = (a + b)^2",
               (sp.Abs(a) + sp.Abs(b)) ** 2 - (a + b) ** 2, 2 * sp.Abs(a * b) - 2 * a * b)
    proof.step("Delta factors: tau^2 - 4 lam = ((1 - sqrt lam)^2 - eta h)((1 + sqrt lam)^2 - eta h)",
               (1 + lam - eta * h) ** 2 - 4 * lam,
               ((1 - sp.sqrt(lam)) ** 2 - eta * h) * ((1 + sp.sqrt(lam)) ** 2 - eta * h))
    proof.step("continuity at Delta = 0: |tau|/2 = sqrt(lam) when tau^2 = 4 lam",
               (sp.Abs(tau) / 2) ** 2 - lam, (tau**2 - 4 * lam) / 4)
    _rate_is_the_spectral_radius(proof)
    return proof


#: (h, lr, momentum) with τ > 0, τ < 0, Δ = 0 (critical damping, both signs of τ), λ → 1, λ = 0, divergent;
#: λ ≥ 0 because the symbol ``lam`` is declared nonnegative (the proven statement's domain).
QUADRATIC_POINTS = [(1.0, 0.1, 0.5), (1.0, 1.9, 0.2), (1.0, 3.5, 0.9), (1.0, 0.25, 0.25), (1.0, 2.25, 0.25),
                    (2.0, 0.01, 0.999), (1.0, 1.5, 0.0), (3.0, 0.2, 0.1), (1.0, 3.9, 0.95),
                    (1.0, 0.04, 0.64), (1.0, 4.5, 0.9999), (0.5, 4.1, 0.05), (1.0, 1.0, 0.0)]


def _rate_is_the_spectral_radius(proof: Proof) -> None:
    """``rate(h, η, λ)`` itself, for symbolic arguments: each branch equals max |root| in its regime."""
    r = rate(h, eta, lam)
    tau_s, s, D = sp.Symbol("tau", positive=True), sp.Symbol("s", positive=True), sp.Symbol("D", nonnegative=True)
    real = lambda tau_: sp.simplify(r.args[0].expr.subs(h, (1 + lam - tau_) / eta).subs(lam, (tau_**2 - D) / 4))
    proof.step("rate(h, eta, lam), Delta = D >= 0, tau > 0: the root (tau + sqrt D)/2 of larger modulus",
               real(tau_s), (tau_s + sp.sqrt(D)) / 2)
    proof.step("rate(h, eta, lam), Delta = D >= 0, tau = -s < 0: |(tau - sqrt D)/2| = (s + sqrt D)/2",
               real(-s), (s + sp.sqrt(D)) / 2)
    proof.step("rate(h, eta, lam), Delta < 0: sqrt(lam) = |z|", r.args[1].expr, sp.sqrt(lam))
    cond = r.args[0].cond
    proof.step("rate(h, eta, lam) switches branch exactly at Delta = 0 (its condition is Delta >= 0)",
               cond.gts - cond.lts, discriminant(h, eta, lam),
               verified=isinstance(cond, (sp.GreaterThan, sp.LessThan)) and equal(cond.gts - cond.lts,
                                                                                  discriminant(h, eta, lam)))
    for fn in (rate, discriminant, converges):
        proof.check(f"{fn.__name__} at tau < 0, Delta = 0, lam -> 1, lam = 0",
                    float_branch_agrees(fn, (h, eta, lam), QUADRATIC_POINTS, atol=1e-7))
def prove_critical_damping() -> Proof:
    """``λ = (1 − √(ηh))²`` ⇒ ``Δ = 0`` and the repeated root is ``1 − √(ηh)`` with ``|root| = √λ``."""
    proof = Proof(r"\lambda = (1-\sqrt{\eta h})^2 \Rightarrow \Delta = 0,\ z_{1,2} = 1 - \sqrt{\eta h}",
                  assumptions="eta h >= 0 (a = sqrt(eta h))")
    a = sp.Symbol("a", nonnegative=True)
    at = {lam: (1 - a) ** 2, h: a**2 / eta}
    proof.step("Delta = 0 at lam = (1 - a)^2, eta h = a^2", discriminant(h, eta, lam).subs(at), 0)
    proof.step("p(z) = (z - (1 - a))^2: repeated root 1 - a", characteristic_polynomial().subs(at), (z - (1 - a)) ** 2)
    proof.step("critical_momentum(h, eta) = (1 - sqrt(eta h))^2", critical_momentum(h, eta).subs(h, a**2 / eta), (1 - a) ** 2)
    proof.step("|root|^2 = lam (rate sqrt(lam) from both sides of the boundary)", (1 - a) ** 2, lam.subs(at))
    proof.step("the repeated root is tau/2", (1 + lam - eta * h).subs(at) / 2, 1 - a)
    proof.check("critical_momentum at eta h -> 0, eta h = 1, eta h -> 4", float_branch_agrees(
        critical_momentum, (h, eta), [(1.0, 1e-4), (1.0, 0.25), (2.0, 0.5), (1.0, 1.0), (1.0, 3.9), (0.5, 2.0)]))
    return proof
def _polyak_symbols() -> tuple[sp.Symbol, sp.Symbol, dict]:
    a, c = sp.symbols("a c", positive=True)  # a = √μ, c = √L
    lr, mom, q = polyak_parameters(a**2, c**2)
    return a, c, {"lr": lr, "momentum": mom, "q": q}
def prove_polyak() -> Proof:
    """Polyak's parameters make ``Δ(h) = η²(h − μ)(h − L)``: repeated roots at μ and L, complex inside, rate ``q``."""
    proof = Proof(r"\eta^* = \tfrac{4}{(\sqrt L+\sqrt\mu)^2},\ \lambda^* = q^2:\ \rho(A_h) = q = "
                  r"\tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\ \forall h\in[\mu, L]",
                  assumptions="0 < mu <= L; a = sqrt(mu), c = sqrt(L)")
    a, c, par = _polyak_symbols()
    q = (c - a) / (c + a)
    proof.step("rate q = (sqrt(kappa) - 1)/(sqrt(kappa) + 1) = (c - a)/(c + a)", par["q"], q)
    proof.step("momentum = q^2", par["momentum"], q**2)
    proof.step("(1 - q)^2 = eta mu", (1 - q) ** 2, par["lr"] * a**2)
    proof.step("(1 + q)^2 = eta L", (1 + q) ** 2, par["lr"] * c**2)
    d = discriminant(h, par["lr"], q**2)
    proof.step("Delta(h) = eta^2 (h - mu)(h - L) for every h (polynomial identity in h)", d,
               par["lr"] ** 2 * (h - a**2) * (h - c**2))
    proof.step("h = mu: Delta = 0, critical damping lam = (1 - sqrt(eta mu))^2",
               critical_momentum(a**2, par["lr"]), par["momentum"])
    proof.step("h = L: Delta = 0, critical damping lam = (1 - sqrt(eta L))^2",
               critical_momentum(c**2, par["lr"]), par["momentum"])
    proof.step("Delta <= 0 on [mu, L]: rate there is sqrt(lam) = q (prove_rate); at h = mu the root is q",
               (1 + par["momentum"] - par["lr"] * a**2) / 2, q)
    proof.step("at h = L the repeated root is -q: |root| = q", (1 + par["momentum"] - par["lr"] * c**2) / 2, -q)
    proof.step("converges: 2(1 + q^2) - eta L = (1 - q)^2 > 0 (and q < 1)",
               2 * (1 + q**2) - par["lr"] * c**2, (1 - q) ** 2)
    mu_s, L_s = sp.symbols("mu L", positive=True)
    for i, name in enumerate(("lr", "momentum", "rate")):
        proof.check(f"polyak_parameters(mu, L)[{i}] ({name}) at kappa = 1, 10, 1e4", float_branch_agrees(
            lambda m_, l_, i=i: polyak_parameters(m_, l_)[i], (mu_s, L_s), [(1.0, 1.0), (0.1, 1.0), (1e-4, 1.0),
                                                                            (2.0, 7.0)],
            symbolic=polyak_parameters(mu_s, L_s)[i]))
    return proof
def prove_polyak_optimal() -> Proof:
    """No ``(η, λ)`` has worst-case rate ``r < q`` on ``{μ, L}``.

    If both roots at ``h`` have ``|z| ≤ r < 1``: ``(1 − z₁)(1 − z₂)`` and ``(1 + z₁)(1 + z₂)`` lie in
    ``[(1−r)², (1+r)²]`` (each factor ``|1 ∓ z| ≥ 1 − r``; a complex pair gives ``|1 ∓ z|²``) and
    ``λ = z₁z₂ ≤ r²``.  So ``ημ = p_μ(1) ≥ (1 − r)²`` and ``ηL = 2(1+λ) − p_L(−1) ≤ 2(1+r²) − (1−r)² =
    (1 + r)²``; dividing, ``√κ ≤ (1+r)/(1−r)``, increasing in ``r``, equal to ``√κ`` at ``r = q``.
    """
    proof = Proof(r"\max_{h\in\{\mu,L\}}\rho(A_h) \ge \tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\ \forall (\eta,\lambda)",
                  assumptions="heavy ball with constant (eta, lam); 0 < mu <= L; inequalities in the docstring")
    r = sp.Symbol("r", nonnegative=True)
    a, c, par = _polyak_symbols()
    p = characteristic_polynomial()
    proof.step("p_h(1) = eta h (so eta mu = (1 - z1)(1 - z2) >= (1 - r)^2)", p.subs(z, 1), eta * h)
    proof.step("eta h = 2(1 + lam) - p_h(-1) (so eta L <= 2(1 + r^2) - (1 - r)^2)", 2 * (1 + lam) - p.subs(z, -1), eta * h)
    proof.step("2(1 + r^2) - (1 - r)^2 = (1 + r)^2", 2 * (1 + r**2) - (1 - r) ** 2, (1 + r) ** 2)
    proof.step("d/dr (1 + r)/(1 - r) = 2/(1 - r)^2 > 0: the bound sqrt(kappa) <= (1+r)/(1-r) is monotone in r",
               sp.diff((1 + r) / (1 - r), r), 2 / (1 - r) ** 2)
    proof.step("equality at r = q: (1 + q)/(1 - q) = c/a = sqrt(kappa)", (1 + par["q"]) / (1 - par["q"]), c / a)
    return proof
def _lucas_recursion_gap(S: Any, n: Any, tau: Any, decay: Any) -> sp.Expr:
    return S(n + 2) - tau * S(n + 1) + decay * S(n)
def prove_trajectory_closed_form() -> Proof:
    """Induction on symbolic ``t`` that the closed forms satisfy the recursion in every regime (C9)."""
    proof = Proof(r"\theta_t = S_{t+1}\theta_0 + \lambda S_t (m_0-\theta_0),\ "
                  r"A^t = S_{t+1} I + S_t (A - \tau I)",
                  assumptions="S_0 = 0, S_1 = 1, S_{n+2} = tau S_{n+1} - lam S_n; t integer >= 0")
    tau = 1 + lam - eta * h
    A = transition_matrix(h, eta, lam)
    S = sp.Function("S")
    power = lambda n: S(n + 1) * sp.eye(2) + S(n) * (A - tau * sp.eye(2))
    proof.step("Cayley-Hamilton: A^2 - tau A + lam I = 0", sp.simplify(A * A - tau * A + lam * sp.eye(2)), sp.zeros(2, 2),
               verified=sp.simplify(A * A - tau * A + lam * sp.eye(2)) == sp.zeros(2, 2))
    base = power(0).subs({S(0): 0, S(1): 1})
    proof.step("A^0 = S_1 I + S_0 (A - tau I) = I", base, sp.eye(2), verified=base == sp.eye(2))
    step = (A * power(t) - power(t + 1)).subs(S(t + 2), tau * S(t + 1) - lam * S(t))
    ok = sp.simplify(step) == sp.zeros(2, 2)
    proof.step("induction: A * A^t = A^{t+1} using S_{t+2} = tau S_{t+1} - lam S_t", sp.simplify(step),
               sp.zeros(2, 2), verified=ok)
    x0 = sp.Matrix([theta0, m0])
    proof.step("theta_t is the first row of A^t (theta0, m0)", (power(t) * x0)[0], _theta_from_lucas(S))
    proof.step("m_t is the second row", (power(t) * x0)[1], S(t + 1) * m0 - S(t) * (eta * h * theta0 + (1 - eta * h) * m0))
    _prove_lucas_regimes(proof, tau)
    _prove_lucas_default_branch(proof)
    _numeric_trajectories_agree(proof)
    return proof


def _numeric_trajectories_agree(proof: Proof, T: int = 7) -> None:
    """``trajectory`` / ``velocity_trajectory`` (the float evaluation) against the proven SymPy forms at t = T."""
    start = {theta0: 1, m0: sp.Rational(1, 2)}
    S_T = lambda n: lucas_closed_form(n)  # noqa: E731
    theta_T = trajectory_closed_form(None, T).subs(start)
    m_T = (S_T(T + 1) * m0 - S_T(T) * (eta * h * theta0 + (1 - eta * h) * m0)).subs(start)
    pts = [p for p in QUADRATIC_POINTS if p[2] > 0]  # lam = 0: phi = acos(tau/0) in the unused branch
    proof.check(f"trajectory(h, eta, lam, 1, 1/2, {T})[{T}] = theta_{T} of the closed form", float_branch_agrees(
        lambda a, b, c: trajectory(a, b, c, 1.0, 0.5, T)[T], (h, eta, lam), pts, symbolic=theta_T, atol=1e-9))
    proof.check(f"velocity_trajectory(h, eta, lam, 1, 1/2, {T})[{T}] = m_{T} of the closed form", float_branch_agrees(
        lambda a, b, c: velocity_trajectory(a, b, c, 1.0, 0.5, T)[T], (h, eta, lam), pts, symbolic=m_T, atol=1e-9))


def _prove_lucas_default_branch(proof: Proof) -> None:
    """``lucas_closed_form()`` (the Piecewise) picks the right regime: conditions Δ > 0, Δ = 0, else;
    at exact points of each regime it equals ``S_n`` computed from the recursion."""
    pieces = lucas_closed_form().args
    d = discriminant(h, eta, lam)
    conds = sp.Tuple(*[c for _, c in pieces])
    wanted = sp.Tuple(*[c for _, c in sp.Piecewise((1, d > 0), (2, sp.Eq(d, 0)), (3, True)).args])  # canonical
    proof.step("lucas_closed_form(): conditions are Delta > 0, Delta = 0, otherwise", conds, wanted,
               verified=conds == wanted)
    R = sp.Rational
    points = [(1, R(1, 4), R(1, 4)), (1, R(9, 4), R(1, 4)), (1, R(1, 10), R(1, 2)), (1, R(19, 10), R(1, 5)),
              (1, R(1, 10), R(1, 100)), (1, R(17, 10), R(1, 100))]
    n_max = 6
    for hv, lv, mv in points:  # Δ = 0 (τ = ±1), Δ < 0 (τ = ±), Δ > 0 (τ = ±); numeric to 30 digits
        at = {h: hv, eta: lv, lam: mv}
        tau_v = (1 + lam - eta * h).subs(at)
        rec = [sp.Integer(0), sp.Integer(1)]
        for _ in range(n_max - 1):
            rec.append(tau_v * rec[-1] - mv * rec[-2])
        got = [sp.N(lucas_closed_form(sp.Integer(n)).subs(at), 30) for n in range(n_max + 1)]
        proof.step(f"lucas_closed_form() at (h, eta, lam) = {hv, lv, mv} (Delta = {d.subs(at)}) equals S_0..S_{n_max} "
                   "of the recursion", sp.Tuple(*got), sp.Tuple(*rec),
                   verified=all(abs(complex(a - b)) < 1e-20 for a, b in zip(got, rec)))
def _prove_lucas_regimes(proof: Proof, tau: sp.Expr) -> None:
    z1, z2 = sp.symbols("z1 z2")
    n = sp.Symbol("n", integer=True, nonnegative=True)
    gen = lambda k: _lucas_generic(k, z1, z2)
    p = _regime_parameters()
    proof.step("distinct: roots sum to tau", p["z1"] + p["z2"], tau)
    proof.step("distinct: roots multiply to lam", p["z1"] * p["z2"], lam)
    for k_, want in ((0, 0), (1, 1)):
        proof.step(f"distinct: S_{k_} = {want}", gen(sp.Integer(k_)), want)
    gap = _lucas_recursion_gap(gen, n, z1 + z2, z1 * z2)
    proof.step("distinct: S_{n+2} - (z1+z2) S_{n+1} + z1 z2 S_n = 0 (symbolic n)",
               sp.simplify(sp.expand(gap, power_exp=True)), 0)
    proof.step("repeated root is the limit z2 -> z1 of the distinct form: n z1^(n-1)",
               sp.limit(gen(n), z2, z1), _lucas_repeated(n, z1))
    r, phi = sp.symbols("r phi", positive=True)
    comp = lambda k: _lucas_complex(k, r, phi)
    proof.step("complex: S_0 = 0, S_1 = 1", comp(sp.Integer(0)) + comp(sp.Integer(1)), 1)
    gap = sp.expand_trig(_lucas_recursion_gap(comp, n, 2 * r * sp.cos(phi), r**2) * sp.sin(phi) / r ** (n + 1))
    proof.step("complex: sin((n+2)phi) - 2cos(phi) sin((n+1)phi) + sin(n phi) = 0 (tau = 2r cos phi, lam = r^2)",
               sp.simplify(sp.expand(sp.expand_trig(sp.expand(gap, power_exp=True)))), 0)
    proof.step("complex: 2 r cos(phi) = tau with r = sqrt(lam), cos(phi) = tau/(2 sqrt(lam))",
               2 * p["r"] * sp.cos(p["phi"]), tau)
    rep = lambda k: _lucas_repeated(k, r)
    proof.step("repeated: S_0 = 0, S_1 = 1", rep(sp.Integer(0)) + rep(sp.Integer(1)), 1)
    proof.step("repeated: S_{n+2} - 2r S_{n+1} + r^2 S_n = 0",
               sp.expand(_lucas_recursion_gap(rep, n, 2 * r, r**2), power_exp=True), 0)
    rr = sp.Symbol("rr", real=True)
    form = _theta_from_lucas(lambda k: _lucas_repeated(k, rr), t, rr**2)
    proof.step("repeated: theta_t = r^t (theta0 + t((1 - r) theta0 + r m0)), the (a + b t) r^t form",
               sp.expand(form, power_exp=True), sp.expand(rr**t * (theta0 + t * ((1 - rr) * theta0 + rr * m0)), power_exp=True))
