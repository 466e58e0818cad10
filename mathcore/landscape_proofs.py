"""SymPy proofs of the sharp/flat landscape statements: Gibbs stationarity, Laplace and Kramers
asymptotics, the shifted test loss (C6).  Statements and numerics: ``optproof.mathcore.landscape``."""
from __future__ import annotations

import sympy as sp

from optproof.mathcore.batching import batch_variance_factor
from optproof.mathcore.noise import stationary_variance
from optproof.mathcore.agreement import float_branch_agrees
from optproof.mathcore.proof import Proof
from optproof.mathcore.landscape import kramers_rate, laplace_ratio, T_sym, laplace_correction, quadratic_test_loss, temperature, theta

__all__ = [
    "prove_gibbs_stationary",
    "prove_laplace",
    "prove_occupancy_ratio",
    "prove_kramers",
    "prove_temperature",
    "prove_test_loss",
]

def prove_gibbs_stationary() -> Proof:
    """Zero probability flux for p = e^{−f/T}: f'p + T p' = 0, for an arbitrary smooth f (symbolic)."""
    f = sp.Function("f")
    p = sp.exp(-f(theta) / T_sym)
    proof = Proof(r"p \propto e^{-f/T}\ \text{solves}\ \partial_\theta(f'p) + T\partial_\theta^2 p = 0",
                  assumptions="overdamped SDE d theta = -f' dt + sqrt(2T) dW (small-eta SGD), f smooth and confining")
    flux = sp.diff(f(theta), theta) * p + T_sym * sp.diff(p, theta)
    proof.step("probability current J = -(f' p + T p') vanishes identically", flux, 0)
    proof.step("so the Fokker-Planck right-hand side d/dtheta(f'p + T p') = 0", sp.diff(flux, theta), 0)
    q, v = sp.symbols("q v", real=True)
    H = f(theta) + v**2 / 2  # underdamped: the marginal of e^{-(f + v^2/2)/T} in theta is e^{-f/T}
    rho = sp.exp(-H / T_sym)
    gam = sp.Symbol("gamma", positive=True)
    gen = (-v * sp.diff(rho, theta) + sp.diff((sp.diff(f(theta), theta) + gam * v) * rho, v)
           + gam * T_sym * sp.diff(rho, v, 2))
    proof.step("heavy ball (underdamped Langevin, friction gamma): Kramers' equation is stationary for "
               "e^{-(f + v^2/2)/T}, whose theta-marginal is e^{-f/T}", gen, 0)
    return proof
def prove_laplace() -> Proof:
    """∫e^{−f/T} over a well = √(2πT/f₂)e^{−f₀/T}(1 + T(5f₃²/(24f₂³) − f₄/(8f₂²)) + O(T²)) (symbolic)."""
    x, s = sp.symbols("x s", real=True)
    f0, f3, f4 = sp.symbols("f0 f3 f4", real=True)
    f2 = sp.Symbol("f2", positive=True)
    proof = Proof(r"\int e^{-f/T} = \sqrt{2\pi T/f_2}\,e^{-f_0/T}\left(1 + T\left(\tfrac{5f_3^2}{24f_2^3} - "
                  r"\tfrac{f_4}{8f_2^2}\right) + O(T^2)\right)",
                  assumptions="f = f0 + f2 x^2/2 + f3 x^3/6 + f4 x^4/24 + ... near the minimum, T -> 0")
    gauss = sp.integrate(sp.exp(-f2 * x**2 / (2 * T_sym)), (x, -sp.oo, sp.oo))
    proof.step("Gaussian integral", gauss, sp.sqrt(2 * sp.pi * T_sym / f2))
    # x = sqrt(T) s: e^{-(f3 x^3/6 + f4 x^4/24)/T} = 1 - sqrt(T)(f3 s^3/6) + T(f3^2 s^6/72 - f4 s^4/24) + ...
    eps = sp.Symbol("epsilon", positive=True)  # eps = sqrt(T)
    pert = sp.exp(-(f3 * eps * s**3 / 6 + f4 * eps**2 * s**4 / 24))
    series = sp.series(pert, eps, 0, 3).removeO()
    w = sp.exp(-f2 * s**2 / 2)
    norm = sp.integrate(w, (s, -sp.oo, sp.oo))
    moments = sp.expand(sp.integrate(sp.expand(series * w), (s, -sp.oo, sp.oo)) / norm)
    c1 = 5 * f3**2 / (24 * f2**3) - f4 / (8 * f2**2)
    proof.step("odd Gaussian moments vanish and E s^4 = 3/f2^2, E s^6 = 15/f2^3: the O(sqrt T) term is 0, "
               "the O(T) coefficient is 5 f3^2/(24 f2^3) - f4/(8 f2^2)", moments, 1 + c1 * eps**2)
    proof.step("laplace_correction implements c1", laplace_correction(2.0, 3.0, 5.0),
               c1.subs({f2: 2, f3: 3, f4: 5}), verified=abs(laplace_correction(2.0, 3.0, 5.0) -
                                                            float(c1.subs({f2: 2, f3: 3, f4: 5}))) < 1e-15)
    return proof
def prove_occupancy_ratio() -> Proof:
    """P_flat/P_sharp = √(h_s/h_f)e^{−(f_f − f_s)/T}; crossover T* = 2(f_f − f_s)/log(h_s/h_f)."""
    hs, hf = sp.symbols("h_s h_f", positive=True)
    fs, ff = sp.symbols("f_s f_f", real=True)
    proof = Proof(r"\frac{P_{flat}}{P_{sharp}} \approx \sqrt{h_s/h_f}\,e^{-(f_f - f_s)/T}",
                  assumptions="leading Laplace approximation of each well (T small against the barrier)")
    Z = lambda h, f0: sp.sqrt(2 * sp.pi * T_sym / h) * sp.exp(-f0 / T_sym)  # noqa: E731
    ratio = Z(hf, ff) / Z(hs, fs)
    proof.step("ratio of the two Laplace weights", ratio, sp.sqrt(hs / hf) * sp.exp(-(ff - fs) / T_sym))
    Tc = 2 * (ff - fs) / sp.log(hs / hf)
    proof.step("equal occupancy at T* = 2(f_f - f_s)/log(h_s/h_f): ratio = 1", sp.simplify(ratio.subs(T_sym, Tc)), 1,
               verified=sp.simplify(sp.log(ratio.subs(T_sym, Tc))) == 0 or
               sp.simplify(sp.expand_log(sp.log(ratio).subs(T_sym, Tc), force=True)) == 0)
    dlog = sp.diff(sp.log(sp.sqrt(hs / hf)) - (ff - fs) / T_sym, T_sym)
    proof.step("d log(ratio)/dT = (f_f - f_s)/T^2 > 0 when the flat minimum is higher: hotter (smaller B) "
               "favours the flat minimum", dlog, (ff - fs) / T_sym**2)
    proof.check("laplace_ratio(h_s, h_f, f_s, f_f, T) is that ratio", float_branch_agrees(
        laplace_ratio, (hs, hf, fs, ff, T_sym), [(4.0, 1.0, 0.0, 0.1, 0.05), (10.0, 0.5, -0.2, 0.3, 1.0),
                                                  (1.0, 1.0, 0.0, 0.0, 0.3), (2.0, 8.0, 0.5, -0.5, 0.2)],
        symbolic=sp.sqrt(hs / hf) * sp.exp(-(ff - fs) / T_sym)))
    return proof
def prove_kramers() -> Proof:
    """Overdamped Kramers rate from the mean first-passage time in the Laplace approximation."""
    x, y = sp.symbols("x y", real=True)
    hm, hb, dV = sp.symbols("h_m h_b DeltaV", positive=True)
    proof = Proof(r"k = \frac{\sqrt{h_m |h_b|}}{2\pi} e^{-\Delta V/T}",
                  assumptions="dtheta = -f'dt + sqrt(2T)dW; MFPT tau = (1/T) int_{barrier} e^{f/T} int_{well} "
                              "e^{-f/T}; both integrals by Laplace (Delta V / T >> 1)")
    well = sp.integrate(sp.exp(-hm * x**2 / (2 * T_sym)), (x, -sp.oo, sp.oo))
    top = sp.integrate(sp.exp(-hb * y**2 / (2 * T_sym)), (y, -sp.oo, sp.oo)) * sp.exp(dV / T_sym)
    tau = top * well / T_sym
    proof.step("tau = (1/T) * sqrt(2 pi T/|h_b|) e^{Delta V/T} * sqrt(2 pi T/h_m)", tau,
               2 * sp.pi / sp.sqrt(hm * hb) * sp.exp(dV / T_sym))
    proof.step("k = 1/tau", 1 / tau, sp.sqrt(hm * hb) / (2 * sp.pi) * sp.exp(-dV / T_sym))
    g = sp.Symbol("gamma", positive=True)
    general = sp.sqrt(hm) / (2 * sp.pi * sp.sqrt(hb)) * (sp.sqrt(g**2 / 4 + hb) - g / 2)
    proof.step("Kramers with friction gamma -> overdamped limit: gamma * k_gamma -> sqrt(h_m h_b)/(2 pi)",
               sp.limit(g * general, g, sp.oo), sp.sqrt(hm * hb) / (2 * sp.pi))
    arr = sp.exp(-dV / T_sym)
    proof.check("kramers_rate(h_m, h_b, DeltaV, T) = sqrt(h_m h_b)/(2 pi) e^{-DeltaV/T}", float_branch_agrees(
        kramers_rate, (hm, hb, dV, T_sym), _KRAMERS_POINTS, symbolic=sp.sqrt(hm * hb) / (2 * sp.pi) * arr))
    proof.check("kramers_rate with friction gamma (small and large gamma)", float_branch_agrees(
        lambda a, b, c, d, e: kramers_rate(a, b, c, d, friction=e), (hm, hb, dV, T_sym, g),
        [p + (gam,) for p in _KRAMERS_POINTS for gam in (0.01, 1.0, 300.0)], symbolic=general * arr))
    return proof


#: (h_m, h_b, DeltaV, T): barriers from 1 to 20 temperatures, curvatures 0.1..10.
_KRAMERS_POINTS = [(1.0, 1.0, 1.0, 1.0), (4.0, 0.25, 2.0, 0.1), (10.0, 0.1, 0.5, 0.05), (0.1, 10.0, 3.0, 0.5)]
def prove_temperature() -> Proof:
    """T = ησ²/(2(1 − λ)): the η → 0 limit of h·Var θ for heavy ball on a quadratic (``noise``)."""
    eta, lam, h, s2 = sp.symbols("eta lambda h s2", positive=True)
    proof = Proof(r"T = \frac{\eta\sigma_B^2}{2(1-\lambda)},\ \sigma_B^2 = \frac{N-B}{(N-1)B}\,\mathrm{var}(a)",
                  assumptions="additive noise of variance s2 per step; |lambda| < 1, 0 < eta h < 2(1 + lambda)")
    var = stationary_variance(h, eta, lam, s2)
    T = temperature(eta, lam, s2)
    proof.step("h Var theta / T = 2(1+lambda)/(2(1+lambda) - eta h) exactly", h * var / T,
               2 * (1 + lam) / (2 * (1 + lam) - eta * h))
    proof.step("-> 1 as eta -> 0", sp.limit(h * var / T, eta, 0), 1)
    N, B = sp.symbols("N B", integer=True, positive=True)
    va = sp.Symbol("var_a", positive=True)
    proof.step("batch noise of l_i = f + a_i theta: Var(abar_B) = c(N,B) var(a) (mathcore.batching, C5)",
               batch_variance_factor(N, B).args[1][0] * va, (N - B) / ((N - 1) * B) * va)
    return proof
def prove_test_loss() -> Proof:
    """E[f_test] = f_i + hδ²/2 + T/2 in a quadratic well with θ ~ N(θ_i, T/h)."""
    h, d, fi = sp.Symbol("h", positive=True), sp.Symbol("delta", real=True), sp.Symbol("f_i", real=True)
    proof = Proof(r"\mathbb{E}[f(\theta - \delta)] = f_i + \frac{h\delta^2}{2} + \frac{T}{2}",
                  assumptions="theta ~ N(theta_i, T/h) (Laplace) and f = f_i + h (theta - theta_i)^2/2 in the well")
    x = sp.Symbol("x", real=True)
    dens = sp.sqrt(h / (2 * sp.pi * T_sym)) * sp.exp(-h * x**2 / (2 * T_sym))
    val = sp.integrate((fi + h * (x - d) ** 2 / 2) * dens, (x, -sp.oo, sp.oo))
    proof.step("Gaussian expectation of the shifted quadratic", val, fi + h * d**2 / 2 + T_sym / 2)
    got = quadratic_test_loss(0.5, 4.0, 0.25, 0.3)
    proof.step("quadratic_test_loss implements it (f_i = 1/2, h = 4, delta = 1/4, T = 3/10)", sp.Float(got),
               sp.Rational(31, 40), verified=abs(got - 31 / 40) < 1e-15)
    return proof
