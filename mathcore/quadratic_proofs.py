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

#: The momentum domain the symbolic forms rely on (``lam`` is declared nonnegative; MOMENTUM_RANGE).
LAM_RANGE = "lam in [0, 1] (MOMENTUM_RANGE; the symbol lam is declared nonnegative)"


def prove_characteristic_polynomial() -> Proof:
    """``det(zI − A) = z² − (1+λ−ηh)z + λ``; eliminating ``m`` gives ``θ_{t+1} = τθ_t − λθ_{t−1}``."""
    proof = Proof(r"\det(zI - A) = z^2 - (1+\lambda-\eta h) z + \lambda,\quad "
                  r"\theta_{t+1} = (1+\lambda-\eta h)\theta_t - \lambda\theta_{t-1}",
                  assumptions="m_t = lam m_{t-1} - eta h theta_{t-1}, theta_t = theta_{t-1} + m_t; " + LAM_RANGE)
    th, mv = sp.symbols("theta_prev m_prev", real=True)
    A = transition_matrix(h, eta, lam)
    m_new = lam * mv - eta * h * th
    stepped, wanted = A * sp.Matrix([th, mv]), sp.Matrix([th + m_new, m_new])
    proof.step("state form of the heavy-ball recursion m_t = lam m_{t-1} - eta h theta_{t-1}, theta_t = theta_{t-1} + m_t: "
               "x_t = A x_{t-1} with A = transition_matrix(h, eta, lam)", stepped, wanted,
               verified=sp.expand(stepped - wanted) == sp.zeros(2, 1),
               shows=r"A \begin{pmatrix}\theta_{t-1}\\ m_{t-1}\end{pmatrix} = \begin{pmatrix}\theta_{t-1} + m_t\\ m_t"
                     r"\end{pmatrix},\ m_t = \lambda m_{t-1} - \eta h\,\theta_{t-1}")
    proof.step("trace of the transition matrix: tau = tr A = 1 + lam - eta h (the sum of the roots)", sp.Trace(A),
               1 + lam - eta * h, shows=r"\tau = \operatorname{tr} A = 1 + \lambda - \eta h")
    proof.step("determinant of the transition matrix: det A = lam (the product of the roots)", sp.Determinant(A), lam,
               shows=r"\det A = \lambda")
    th1, m1 = A * sp.Matrix([th, mv])
    th2 = (A * sp.Matrix([th1, m1]))[0]
    proof.step("two steps of x_t = A x_{t-1} eliminate m: theta_{t+1} = tau theta_t - lam theta_{t-1}, "
               "using theta_{t-1} = theta_t - m_t", th2, (1 + lam - eta * h) * th1 - lam * (th1 - m1),
               shows=r"\theta_{t+1} = \tau\,\theta_t - \lambda\,\theta_{t-1},\ \theta_{t-1} = \theta_t - m_t")
    proof.step("base case t = 0, from one step of the recursion: it holds with theta_{-1} := theta_0 - m_0",
               th1, (1 + lam - eta * h) * th - lam * (th - mv),
               shows=r"\theta_1 = \tau\,\theta_0 - \lambda\,\theta_{-1},\ \theta_{-1} := \theta_0 - m_0")
    proof.step("the library's characteristic polynomial is det(zI - A) of the transition matrix",
               (z * sp.eye(2) - A).det(), characteristic_polynomial(),
               shows=r"\det(zI - A) = \texttt{characteristic\_polynomial}(h, \eta, \lambda)")
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
                  assumptions="h, eta, lam real; Jury lemma for monic real quadratics (docstring); " + LAM_RANGE)
    z1, z2 = sp.symbols("z1 z2")
    p = characteristic_polynomial()
    proof.step("Vieta's formulas: with tau = z1 + z2 and lam = z1 z2, p(z) = (z - z1)(z - z2)",
               p.subs({lam: z1 * z2, h: (1 + z1 * z2 - z1 - z2) / eta}), sp.expand((z - z1) * (z - z2)),
               shows=r"z^2 - (z_1 + z_2) z + z_1 z_2 = (z - z_1)(z - z_2)")
    proof.step("p at z = 1 in terms of the roots (Jury lemma, docstring)",
               sp.expand((z - z1) * (z - z2)).subs(z, 1), (1 - z1) * (1 - z2), shows=r"p(1) = (1 - z_1)(1 - z_2)")
    proof.step("p at z = -1 in terms of the roots (Jury lemma, docstring)",
               sp.expand((z - z1) * (z - z2)).subs(z, -1), (1 + z1) * (1 + z2), shows=r"p(-1) = (1 + z_1)(1 + z_2)")
    proof.step("Jury condition p(1) > 0 is eta h > 0", sp.Subs(p, z, 1), eta * h, shows=r"p(1) = \eta h")
    proof.step("Jury condition p(-1) > 0 is eta h < 2(1 + lam)", sp.Subs(p, z, -1), 2 * (1 + lam) - eta * h,
               shows=r"p(-1) = 2(1 + \lambda) - \eta h")
    proof.step("Jury condition |a0| < 1 with a0 = p(0) = lam is |lam| < 1", sp.Subs(p, z, 0), lam,
               shows=r"a_0 = p(0) = \lambda")
    jury = sp.And(p.subs(z, 1) > 0, p.subs(z, -1) > 0, sp.Abs(p.subs(z, 0)) < 1)
    library = converges(h, eta, lam)
    same = _positive_parts(jury) == _positive_parts(library)
    proof.step("the library's converges(h, eta, lam) is exactly the Jury conditions (same set of 'expr > 0')",
               jury, library, verified=same,
               shows=r"p(1) > 0 \wedge p(-1) > 0 \wedge |p(0)| < 1 \iff \texttt{converges}(h, \eta, \lambda)")
    return proof
def _positive_parts(cond: sp.Basic) -> set:
    """``And`` of strict inequalities as the set of expanded ``e`` with ``e > 0``."""
    return {sp.expand(r.gts - r.lts) for r in sp.And.make_args(cond)}
def prove_rate() -> Proof:
    """Spectral radius: complex roots have ``|z|² = λ``; real roots ``max|τ/2 ± √Δ/2| = |τ|/2 + √Δ/2``.

    Both branches agree on ``Δ = 0``, so the rate is continuous.
    """
    proof = Proof(r"\rho(A) = \begin{cases}(|\tau|+\sqrt{\Delta})/2 & \Delta\ge 0\\ \sqrt{\lambda} & \Delta<0\end{cases}",
                  assumptions="tau = 1 + lam - eta h, Delta = tau^2 - 4 lam; " + LAM_RANGE +
                              " (sqrt(lam) is real and |z|^2 = lam >= 0)")
    tau, w = sp.symbols("tau w", real=True)
    zc = tau / 2 + sp.I * w / 2
    root_w = sp.sqrt(4 * lam - tau**2)
    proof.step("complex regime (Delta < 0): z = (tau + i w)/2 with w = sqrt(4 lam - tau^2) > 0 is a root of "
               "p(z) = z^2 - tau z + lam (its conjugate too: real coefficients)",
               (zc**2 - tau * zc + lam).subs(w, root_w), 0,
               shows=r"z^2 - \tau z + \lambda = 0 \text{ for } z = \frac{\tau + i\sqrt{4\lambda - \tau^2}}{2}")
    proof.step("complex regime: the modulus of the pair, |z|^2 = z conj(z) = lam", (zc * sp.conjugate(zc)).subs(w, root_w),
               lam, shows=r"|z|^2 = z\bar{z} = \frac{\tau^2 + (4\lambda - \tau^2)}{4} = \lambda")
    a, b = sp.symbols("a b", real=True)
    proof.step("real regime (Delta >= 0): the roots are a +- b with a = tau/2, b = sqrt(Delta)/2 >= 0; "
               "(a + b)^2 - (a - b)^2 = 4ab, so the root a + sign(a) b has the larger modulus",
               (a + b) ** 2 - (a - b) ** 2, 4 * a * b, shows=r"(a + b)^2 - (a - b)^2 = 4ab")
    proof.step("real regime: |a| + |b| = |a + b| when a b >= 0, since (|a| + |b|)^2 - (a + b)^2 = 2|ab| - 2ab",
               (sp.Abs(a) + sp.Abs(b)) ** 2 - (a + b) ** 2, 2 * sp.Abs(a * b) - 2 * a * b,
               shows=r"(|a| + |b|)^2 - (a + b)^2 = 2|ab| - 2ab")
    proof.step("the discriminant factors (difference of squares, uses lam >= 0): "
               "Delta = ((1 - sqrt lam)^2 - eta h)((1 + sqrt lam)^2 - eta h)",
               (1 + lam - eta * h) ** 2 - 4 * lam,
               ((1 - sp.sqrt(lam)) ** 2 - eta * h) * ((1 + sp.sqrt(lam)) ** 2 - eta * h),
               shows=r"\tau^2 - 4\lambda = ((1 - \sqrt{\lambda})^2 - \eta h)((1 + \sqrt{\lambda})^2 - \eta h)")
    _rate_is_the_spectral_radius(proof, tau, zc, w)
    return proof


#: (h, lr, momentum) with τ > 0, τ < 0, Δ = 0 (critical damping, both signs of τ), λ → 1, λ = 0, divergent;
#: λ ≥ 0 because the symbol ``lam`` is declared nonnegative (the proven statement's domain).
QUADRATIC_POINTS = [(1.0, 0.1, 0.5), (1.0, 1.9, 0.2), (1.0, 3.5, 0.9), (1.0, 0.25, 0.25), (1.0, 2.25, 0.25),
                    (2.0, 0.01, 0.999), (1.0, 1.5, 0.0), (3.0, 0.2, 0.1), (1.0, 3.9, 0.95),
                    (1.0, 0.04, 0.64), (1.0, 4.5, 0.9999), (0.5, 4.1, 0.05), (1.0, 1.0, 0.0)]


def _rate_is_the_spectral_radius(proof: Proof, tau: sp.Symbol, zc: sp.Expr, w: sp.Symbol) -> None:
    """``rate(h, η, λ)`` itself, for symbolic arguments: each branch equals max |root| in its regime."""
    r = rate(h, eta, lam)
    tau_s, s, D = sp.Symbol("tau", positive=True), sp.Symbol("s", positive=True), sp.Symbol("D", nonnegative=True)
    real = lambda tau_: sp.Subs(r.args[0].expr.subs(h, (1 + lam - tau_) / eta), lam, (tau_**2 - D) / 4)  # noqa: E731
    proof.step("the library's rate, real-root branch, Delta = D >= 0, tau > 0: the root (tau + sqrt D)/2 of larger "
               "modulus", real(tau_s), (tau_s + sp.sqrt(D)) / 2,
               shows=r"\texttt{rate}(h, \eta, \lambda) = \frac{\tau + \sqrt{\Delta}}{2} \text{ for } \Delta \ge 0,\ \tau > 0")
    proof.step("the library's rate, real-root branch, Delta = D >= 0, tau = -s < 0: |(tau - sqrt D)/2| = (s + sqrt D)/2",
               real(-s), (s + sp.sqrt(D)) / 2,
               shows=r"\texttt{rate}(h, \eta, \lambda) = \left|\frac{\tau - \sqrt{\Delta}}{2}\right| = "
                     r"\frac{s + \sqrt{\Delta}}{2} \text{ for } \Delta \ge 0,\ \tau = -s < 0")
    proof.step("the library's rate, complex branch (Delta < 0): sqrt(lam) = |z| of the complex pair",
               r.args[1].expr, sp.Subs(sp.Abs(zc), w, sp.sqrt(4 * lam - tau**2)),
               shows=r"\texttt{rate}(h, \eta, \lambda) = \sqrt{\lambda} = \left|\frac{\tau + i\sqrt{4\lambda - \tau^2}}{2}"
                     r"\right| \text{ for } \Delta < 0")
    at_zero = lambda e: sp.Subs(e.subs(h, (1 + lam - tau) / eta), lam, tau**2 / 4)  # noqa: E731
    proof.step("continuity at Delta = 0 (lam = tau^2/4): the two branches of the library's rate agree, both |tau|/2",
               at_zero(r.args[0].expr), at_zero(r.args[1].expr),
               shows=r"\left.\frac{|\tau| + \sqrt{\Delta}}{2}\right|_{\lambda = \tau^2/4} = "
                     r"\left.\sqrt{\lambda}\right|_{\lambda = \tau^2/4} = \frac{|\tau|}{2}")
    cond, disc_p = r.args[0].cond, sp.discriminant(characteristic_polynomial(), z)
    proof.step("the library's rate switches branch exactly at Delta = 0: its condition is Delta >= 0, Delta the "
               "discriminant of p computed by SymPy", cond.gts - cond.lts, disc_p,
               verified=isinstance(cond, (sp.GreaterThan, sp.LessThan)) and equal(cond.gts - cond.lts, disc_p),
               shows=r"\texttt{rate}\text{ takes the real-root branch} \iff \Delta \ge 0,\ "
                     r"\Delta = \operatorname{disc}_z p(z) = \tau^2 - 4\lambda")
    for fn in (rate, discriminant, converges):
        proof.check(f"the float branch of {fn.__name__} equals its proven SymPy branch at tau < 0, Delta = 0, "
                    "lam -> 1, lam = 0", float_branch_agrees(fn, (h, eta, lam), QUADRATIC_POINTS, atol=1e-7),
                    call=rf"\texttt{{{fn.__name__}}}(h, \eta, \lambda)")


def prove_critical_damping() -> Proof:
    """``λ = (1 − √(ηh))²`` ⇒ ``Δ = 0`` and the repeated root is ``1 − √(ηh)`` with ``|root| = √λ``."""
    proof = Proof(r"\lambda = (1-\sqrt{\eta h})^2 \Rightarrow \Delta = 0,\ z_{1,2} = 1 - \sqrt{\eta h}",
                  assumptions="eta h >= 0 (a = sqrt(eta h)); " + LAM_RANGE)
    a = sp.Symbol("a", nonnegative=True)
    at = {lam: (1 - a) ** 2, h: a**2 / eta}
    where = r" \text{ at } \lambda = (1 - a)^2,\ \eta h = a^2"
    proof.step("critical damping: the library's discriminant vanishes at lam = (1 - a)^2, eta h = a^2",
               discriminant(h, eta, lam).subs(at), 0, shows=r"\texttt{discriminant}(h, \eta, \lambda) = 0" + where)
    proof.step("the characteristic polynomial is a perfect square: repeated root 1 - a",
               characteristic_polynomial().subs(at), (z - (1 - a)) ** 2, shows=r"p(z) = (z - (1 - a))^2" + where)
    roots = sp.solve(discriminant(h, eta, lam).subs(h, a**2 / eta), lam)  # (1 - a)^2 and (1 + a)^2
    proof.step("the library's critical_momentum(h, eta) is the smaller root lam of Delta = 0 (SymPy's solve; the "
               "other root (1 + a)^2 >= 1 is outside the convergence region)",
               critical_momentum(h, eta).subs(h, a**2 / eta), min(roots, key=lambda v: v.subs(a, sp.Rational(1, 2))),
               shows=r"\texttt{critical\_momentum}(h, \eta) = \min\{\lambda : \Delta = 0\} = (1 - \sqrt{\eta h})^2")
    proof.step("at critical damping the library's real-root rate (|tau| + sqrt Delta)/2 equals sqrt(lam), the "
               "complex-branch value: the rate is continuous across the boundary",
               rate(h, eta, lam).args[0].expr.subs(at), sp.sqrt(lam.subs(at)),
               shows=r"\frac{|\tau| + \sqrt{\Delta}}{2} = \sqrt{\lambda} = |1 - a|" + where)
    proof.step("the repeated root is tau/2 (Vieta: the two equal roots sum to tau)", (1 + lam - eta * h).subs(at) / 2,
               1 - a, shows=r"\frac{\tau}{2} = \frac{1 + \lambda - \eta h}{2} = 1 - a" + where)
    proof.check("the float branch of critical_momentum equals its proven SymPy branch at eta h -> 0, eta h = 1, "
                "eta h -> 4", float_branch_agrees(critical_momentum, (h, eta), [(1.0, 1e-4), (1.0, 0.25), (2.0, 0.5),
                                                                                (1.0, 1.0), (1.0, 3.9), (0.5, 2.0)]),
                call=r"\texttt{critical\_momentum}(h, \eta)")
    return proof
def _polyak_symbols() -> tuple[sp.Symbol, sp.Symbol, dict]:
    a, c = sp.symbols("a c", positive=True)  # a = √μ, c = √L
    lr, mom, q = polyak_parameters(a**2, c**2)
    return a, c, {"lr": lr, "momentum": mom, "q": q}
def prove_polyak() -> Proof:
    """Polyak's parameters make ``Δ(h) = η²(h − μ)(h − L)``: repeated roots at μ and L, complex inside, rate ``q``."""
    proof = Proof(r"\eta^* = \tfrac{4}{(\sqrt L+\sqrt\mu)^2},\ \lambda^* = q^2:\ \rho(A_h) = q = "
                  r"\tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\ \forall h\in[\mu, L]",
                  assumptions="0 < mu <= L; a = sqrt(mu), c = sqrt(L); " + LAM_RANGE + " (lam* = q^2 in [0, 1))")
    a, c, par = _polyak_symbols()
    q = (c - a) / (c + a)
    lib = r",\ (\eta^*, \lambda^*, q) = \texttt{polyak\_parameters}(\mu, L)"
    proof.step("the library's rate q = (sqrt(kappa) - 1)/(sqrt(kappa) + 1) in terms of a = sqrt(mu), c = sqrt(L)",
               par["q"], q, shows=r"q = \frac{\sqrt{L} - \sqrt{\mu}}{\sqrt{L} + \sqrt{\mu}}" + lib)
    proof.step("the library's momentum is q^2", par["momentum"], q**2, shows=r"\lambda^* = q^2" + lib)
    proof.step("(1 - q)^2 = eta* mu: the lower end of the spectrum", (1 - q) ** 2, par["lr"] * a**2,
               shows=r"(1 - q)^2 = \eta^* \mu" + lib)
    proof.step("(1 + q)^2 = eta* L: the upper end of the spectrum", (1 + q) ** 2, par["lr"] * c**2,
               shows=r"(1 + q)^2 = \eta^* L" + lib)
    d = discriminant(h, par["lr"], q**2)
    proof.step("the library's discriminant at Polyak's parameters is eta*^2 (h - mu)(h - L) for every h "
               "(polynomial identity in h): <= 0 on [mu, L]", d, par["lr"] ** 2 * (h - a**2) * (h - c**2),
               shows=r"\texttt{discriminant}(h, \eta^*, q^2) = (\eta^*)^2 (h - \mu)(h - L)")
    proof.step("h = mu: Delta = 0, critical damping lam* = (1 - sqrt(eta* mu))^2",
               critical_momentum(a**2, par["lr"]), par["momentum"],
               shows=r"\texttt{critical\_momentum}(\mu, \eta^*) = \lambda^*")
    proof.step("h = L: Delta = 0, critical damping lam* = (1 - sqrt(eta* L))^2",
               critical_momentum(c**2, par["lr"]), par["momentum"],
               shows=r"\texttt{critical\_momentum}(L, \eta^*) = \lambda^*")
    proof.step("Delta <= 0 on [mu, L]: the rate there is sqrt(lam*) = q (prove_rate); at h = mu the repeated root "
               "tau/2 is q", (1 + par["momentum"] - par["lr"] * a**2) / 2, q,
               shows=r"\frac{1 + \lambda^* - \eta^* \mu}{2} = q")
    proof.step("at h = L the repeated root tau/2 is -q: |root| = q", (1 + par["momentum"] - par["lr"] * c**2) / 2, -q,
               shows=r"\frac{1 + \lambda^* - \eta^* L}{2} = -q")
    proof.step("Jury condition p(-1) > 0 at h = L: 2(1 + q^2) - eta* L = (1 - q)^2 > 0 (and q < 1): converges",
               2 * (1 + q**2) - par["lr"] * c**2, (1 - q) ** 2, shows=r"2(1 + q^2) - \eta^* L = (1 - q)^2")
    mu_s, L_s = sp.symbols("mu L", positive=True)
    for i, name in enumerate(("lr", "momentum", "rate")):
        proof.check(f"the float branch of polyak_parameters(mu, L)[{i}] ({name}) equals its proven SymPy branch at "
                    "kappa = 1, 10, 1e4", float_branch_agrees(
                        lambda m_, l_, i=i: polyak_parameters(m_, l_)[i], (mu_s, L_s), [(1.0, 1.0), (0.1, 1.0),
                                                                                        (1e-4, 1.0), (2.0, 7.0)],
                        symbolic=polyak_parameters(mu_s, L_s)[i]),
                    call=rf"\texttt{{polyak\_parameters}}(\mu, L)[{i}]")
    return proof


def prove_polyak_optimal() -> Proof:
    """No ``(η, λ)`` has worst-case rate ``r < q`` on ``{μ, L}``.

    If both roots at ``h`` have ``|z| ≤ r < 1``: ``(1 − z₁)(1 − z₂)`` and ``(1 + z₁)(1 + z₂)`` lie in
    ``[(1−r)², (1+r)²]`` (each factor ``|1 ∓ z| ≥ 1 − r``; a complex pair gives ``|1 ∓ z|²``) and
    ``λ = z₁z₂ ≤ r²``.  So ``ημ = p_μ(1) ≥ (1 − r)²`` and ``ηL = 2(1+λ) − p_L(−1) ≤ 2(1+r²) − (1−r)² =
    (1 + r)²``; dividing, ``√κ ≤ (1+r)/(1−r)``, increasing in ``r``, equal to ``√κ`` at ``r = q``.
    """
    proof = Proof(r"\max_{h\in\{\mu,L\}}\rho(A_h) \ge \tfrac{\sqrt\kappa-1}{\sqrt\kappa+1}\ \forall (\eta,\lambda)",
                  assumptions="heavy ball with constant (eta, lam); 0 < mu <= L; inequalities in the docstring; "
                              + LAM_RANGE)
    r = sp.Symbol("r", nonnegative=True)
    a, c, par = _polyak_symbols()
    p = characteristic_polynomial()
    proof.step("p_h(1) = eta h (so eta mu = (1 - z1)(1 - z2) >= (1 - r)^2)", sp.Subs(p, z, 1), eta * h,
               shows=r"p_h(1) = \eta h")
    proof.step("eta h = 2(1 + lam) - p_h(-1) (so eta L <= 2(1 + r^2) - (1 - r)^2)", 2 * (1 + lam) - sp.Subs(p, z, -1),
               eta * h, shows=r"2(1 + \lambda) - p_h(-1) = \eta h")
    proof.step("the upper bound on eta L: 2(1 + r^2) - (1 - r)^2 = (1 + r)^2", 2 * (1 + r**2) - (1 - r) ** 2,
               (1 + r) ** 2, shows=r"2(1 + r^2) - (1 - r)^2 = (1 + r)^2")
    proof.step("d/dr (1 + r)/(1 - r) = 2/(1 - r)^2 > 0: the bound sqrt(kappa) <= (1+r)/(1-r) is monotone in r",
               sp.Derivative((1 + r) / (1 - r), r), 2 / (1 - r) ** 2,
               shows=r"\frac{d}{dr}\frac{1 + r}{1 - r} = \frac{2}{(1 - r)^2}")
    proof.step("equality at r = q, the library's Polyak rate: (1 + q)/(1 - q) = c/a = sqrt(kappa)",
               (1 + par["q"]) / (1 - par["q"]), c / a,
               shows=r"\frac{1 + q}{1 - q} = \sqrt{L/\mu} = \sqrt{\kappa},\ "
                     r"(\eta^*, \lambda^*, q) = \texttt{polyak\_parameters}(\mu, L)")
    return proof
def _lucas_recursion_gap(S: Any, n: Any, tau: Any, decay: Any) -> sp.Expr:
    return S(n + 2) - tau * S(n + 1) + decay * S(n)


def prove_trajectory_closed_form() -> Proof:
    """Induction on symbolic ``t`` that the closed forms satisfy the recursion in every regime (C9)."""
    proof = Proof(r"\theta_t = S_{t+1}\theta_0 + \lambda S_t (m_0-\theta_0),\ "
                  r"A^t = S_{t+1} I + S_t (A - \tau I)",
                  assumptions="S_0 = 0, S_1 = 1, S_{n+2} = tau S_{n+1} - lam S_n; t integer >= 0; " + LAM_RANGE +
                              " (complex regime: r = sqrt(lam) real)")
    tau = 1 + lam - eta * h
    A = transition_matrix(h, eta, lam)
    S = sp.Function("S")
    power = lambda n: S(n + 1) * sp.eye(2) + S(n) * (A - tau * sp.eye(2))  # noqa: E731
    cayley = A * A - tau * A + lam * sp.eye(2)
    proof.step("Cayley-Hamilton theorem for the transition matrix: A^2 - tau A + lam I = 0", cayley, sp.zeros(2, 2),
               verified=sp.simplify(cayley) == sp.zeros(2, 2), shows=r"A^2 - \tau A + \lambda I = 0")
    proof.step("base case t = 0 of A^t = S_{t+1} I + S_t (A - tau I), with the initial values S_0 = 0, S_1 = 1 of "
               "the recursion", power(0), sp.eye(2), verified=power(0).subs({S(0): 0, S(1): 1}) == sp.eye(2),
               shows=r"S_1 I + S_0 (A - \tau I) = I = A^0 \text{ for } S_0 = 0,\ S_1 = 1")
    lhs, rhs = A * power(t), power(t + 1).subs(S(t + 2), tau * S(t + 1) - lam * S(t))
    proof.step("induction step: A A^t = A^{t+1}, using Cayley-Hamilton and S_{t+2} = tau S_{t+1} - lam S_t", lhs, rhs,
               verified=sp.simplify(lhs - rhs) == sp.zeros(2, 2),
               shows=r"A\,(S_{t+1} I + S_t (A - \tau I)) = S_{t+2} I + S_{t+1} (A - \tau I),\ "
                     r"S_{t+2} = \tau S_{t+1} - \lambda S_t")
    x0 = sp.Matrix([theta0, m0])
    proof.step("theta_t is the first row of A^t (theta_0, m_0): the library's Lucas form of theta_t",
               (power(t) * x0)[0], _theta_from_lucas(S),
               shows=r"\theta_t = (A^t x_0)_1 = S_{t+1}\theta_0 + \lambda S_t (m_0 - \theta_0)")
    proof.step("m_t is the second row of A^t (theta_0, m_0)", (power(t) * x0)[1],
               S(t + 1) * m0 - S(t) * (eta * h * theta0 + (1 - eta * h) * m0),
               shows=r"m_t = (A^t x_0)_2 = S_{t+1} m_0 - S_t (\eta h\,\theta_0 + (1 - \eta h) m_0)")
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
    proof.check(f"the library's float trajectory(h, eta, lam, 1, 1/2, {T})[{T}] equals theta_{T} of the proven closed "
                "form", float_branch_agrees(lambda a, b, c: trajectory(a, b, c, 1.0, 0.5, T)[T], (h, eta, lam), pts,
                                            symbolic=theta_T, atol=1e-9),
                call=rf"\texttt{{trajectory}}(h, \eta, \lambda, 1, \tfrac{{1}}{{2}}, {T})_{{{T}}}")
    proof.check(f"the library's float velocity_trajectory(h, eta, lam, 1, 1/2, {T})[{T}] equals m_{T} of the proven "
                "closed form", float_branch_agrees(lambda a, b, c: velocity_trajectory(a, b, c, 1.0, 0.5, T)[T],
                                                   (h, eta, lam), pts, symbolic=m_T, atol=1e-9),
                call=rf"\texttt{{velocity\_trajectory}}(h, \eta, \lambda, 1, \tfrac{{1}}{{2}}, {T})_{{{T}}}")


def _same_conditions(got: sp.Tuple, wanted: sp.Tuple) -> bool:
    """Entry-wise: both ``True``, or the same relation type with equal ``lhs − rhs``."""
    return len(got) == len(wanted) and all(
        (a == b == sp.true) or (type(a) is type(b) and a != sp.true and equal(a.lhs - a.rhs, b.lhs - b.rhs))
        for a, b in zip(got, wanted))


def _prove_lucas_default_branch(proof: Proof) -> None:
    """``lucas_closed_form()`` (the Piecewise) picks the right regime: conditions Δ > 0, Δ = 0, else;
    at exact points of each regime it equals ``S_n`` computed from the recursion."""
    pieces = lucas_closed_form().args
    d = discriminant(h, eta, lam)
    disc_p = sp.discriminant(characteristic_polynomial(), z)
    conds = sp.Tuple(*[c for _, c in pieces])
    wanted = sp.Tuple(*[c for _, c in sp.Piecewise((1, disc_p > 0), (2, sp.Eq(disc_p, 0)), (3, True)).args])
    proof.step("the library's lucas_closed_form() branches on Delta > 0 (distinct roots), Delta = 0 (repeated), "
               "otherwise (complex), Delta the discriminant of p computed by SymPy", conds, wanted,
               verified=_same_conditions(conds, wanted),
               shows=r"\texttt{lucas\_closed\_form}(n)\text{: distinct if } \Delta > 0,\ \text{repeated if } \Delta = 0,\ "
                     r"\text{complex otherwise},\ \Delta = \operatorname{disc}_z p(z)")
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
        delta = d.subs(at)
        proof.step(f"the library's lucas_closed_form() at (h, eta, lam) = {hv, lv, mv} (Delta = {delta}) equals "
                   f"S_0..S_{n_max} computed from the recursion (30 digits, |error| < 1e-20)", sp.Tuple(*got),
                   sp.Tuple(*rec), verified=all(abs(complex(a - b)) < 1e-20 for a, b in zip(got, rec)),
                   shows=rf"\texttt{{lucas\_closed\_form}}(n) = S_n,\ n = 0, \dots, {n_max},\ "
                         rf"(h, \eta, \lambda) = ({sp.latex(hv)}, {sp.latex(lv)}, {sp.latex(mv)}),\ "
                         rf"\Delta = {sp.latex(delta)}")


def _prove_lucas_regimes(proof: Proof, tau: sp.Expr) -> None:
    z1, z2 = sp.symbols("z1 z2")
    n = sp.Symbol("n", integer=True, nonnegative=True)
    gen = lambda k: _lucas_generic(k, z1, z2)  # noqa: E731
    p = _regime_parameters()
    proof.step("distinct roots z_{1,2} = (tau +- sqrt Delta)/2: Vieta's formula for the sum", sp.Add(p["z1"], p["z2"],
               evaluate=False), tau, shows=r"z_1 + z_2 = \frac{\tau + \sqrt{\Delta}}{2} + \frac{\tau - \sqrt{\Delta}}{2} = \tau")
    proof.step("distinct roots: Vieta's formula for the product", p["z1"] * p["z2"], lam,
               shows=r"z_1 z_2 = \frac{\tau + \sqrt{\Delta}}{2} \cdot \frac{\tau - \sqrt{\Delta}}{2} = \lambda")
    proof.step("distinct roots: initial values of S_n = (z1^n - z2^n)/(z1 - z2), evaluated at n = 0, 1",
               sp.Tuple(sp.Subs(gen(n), n, 0), sp.Subs(gen(n), n, 1)), sp.Tuple(0, 1),
               shows=r"S_0 = \frac{z_1^0 - z_2^0}{z_1 - z_2} = 0,\ S_1 = \frac{z_1 - z_2}{z_1 - z_2} = 1")
    gap = _lucas_recursion_gap(gen, n, z1 + z2, z1 * z2)
    proof.step("distinct roots: S_n = (z1^n - z2^n)/(z1 - z2) satisfies the recursion for symbolic n", gap, 0,
               verified=sp.simplify(sp.expand(gap, power_exp=True)) == 0,
               shows=r"S_{n+2} - (z_1 + z_2) S_{n+1} + z_1 z_2 S_n = 0,\ S_n = \frac{z_1^n - z_2^n}{z_1 - z_2}")
    proof.step("the repeated-root form is the limit z2 -> z1 of the distinct form", sp.Limit(gen(n), z2, z1),
               _lucas_repeated(n, z1), verified=equal(sp.limit(gen(n), z2, z1), _lucas_repeated(n, z1)),
               shows=r"\lim_{z_2 \to z_1} \frac{z_1^n - z_2^n}{z_1 - z_2} = n z_1^{n-1}")
    r, phi = sp.symbols("r phi", positive=True)
    comp = lambda k: _lucas_complex(k, r, phi)  # noqa: E731
    proof.step("complex roots r e^{+-i phi}: initial values of S_n = r^{n-1} sin(n phi)/sin(phi) at n = 0, 1",
               sp.Tuple(sp.Subs(comp(n), n, 0), sp.Subs(comp(n), n, 1)), sp.Tuple(0, 1),
               shows=r"S_0 = \frac{r^{-1}\sin 0}{\sin\varphi} = 0,\ S_1 = \frac{\sin\varphi}{\sin\varphi} = 1")
    gap = _lucas_recursion_gap(comp, n, 2 * r * sp.cos(phi), r**2)
    scaled = sp.expand_trig(gap * sp.sin(phi) / r ** (n + 1))
    proof.step("complex roots: S_n satisfies the recursion with tau = 2r cos(phi), lam = r^2 (angle addition: "
               "sin((n+2)phi) - 2cos(phi) sin((n+1)phi) + sin(n phi) = 0)", gap, 0,
               verified=sp.simplify(sp.expand(sp.expand_trig(sp.expand(scaled, power_exp=True)))) == 0,
               shows=r"S_{n+2} - 2r\cos\varphi\, S_{n+1} + r^2 S_n = 0,\ S_n = \frac{r^{n-1}\sin(n\varphi)}{\sin\varphi}")
    proof.step("complex roots: the library's r = sqrt(lam), phi = arccos(tau/(2 sqrt lam)) give 2 r cos(phi) = tau",
               sp.Mul(2, p["r"], sp.cos(p["phi"], evaluate=False), evaluate=False), tau,
               shows=r"2r\cos\varphi = 2\sqrt{\lambda}\cos\left(\arccos\frac{\tau}{2\sqrt{\lambda}}\right) = \tau")
    rep = lambda k: _lucas_repeated(k, r)  # noqa: E731
    proof.step("repeated root r: initial values of S_n = n r^{n-1} at n = 0, 1",
               sp.Tuple(sp.Subs(rep(n), n, 0), sp.Subs(rep(n), n, 1)), sp.Tuple(0, 1),
               shows=r"S_0 = 0 \cdot r^{-1} = 0,\ S_1 = 1 \cdot r^0 = 1,\ S_n = n r^{n-1}")
    gap = _lucas_recursion_gap(rep, n, 2 * r, r**2)
    proof.step("repeated root r: S_n = n r^{n-1} satisfies the recursion with tau = 2r, lam = r^2", gap, 0,
               verified=sp.expand(gap, power_exp=True) == 0,
               shows=r"S_{n+2} - 2r S_{n+1} + r^2 S_n = 0,\ S_n = n r^{n-1}")
    rr = sp.Symbol("rr", real=True)
    form = _theta_from_lucas(lambda k: _lucas_repeated(k, rr), t, rr**2)
    proof.step("repeated root: theta_t = r^t (theta0 + t((1 - r) theta0 + r m0)), the (a + b t) r^t form",
               sp.expand(form, power_exp=True), sp.expand(rr**t * (theta0 + t * ((1 - rr) * theta0 + rr * m0)), power_exp=True),
               shows=r"S_{t+1}\theta_0 + r^2 S_t (m_0 - \theta_0) = r^t(\theta_0 + t((1 - r)\theta_0 + r m_0)),\ "
                     r"S_n = n r^{n-1}")
