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

#: how a ``Proof.check`` step reads: the float branch equals the proven SymPy expression to this tolerance
_FLOATS = r"\ (\text{floats, relative } 10^{-9})"


def prove_gibbs_stationary() -> Proof:
    """Zero probability flux for p = e^{−f/T}: f'p + T p' = 0, for an arbitrary smooth f (symbolic)."""
    f = sp.Function("f")
    p = sp.exp(-f(theta) / T_sym)
    proof = Proof(r"p \propto e^{-f/T}\ \text{solves}\ \partial_\theta(f'p) + T\partial_\theta^2 p = 0",
                  assumptions="overdamped SDE d theta = -f' dt + sqrt(2T) dW (small-eta SGD), f smooth and confining")
    drift, diffusion = sp.diff(f(theta), theta) * p, T_sym * sp.Derivative(p, theta)
    proof.step("zero probability current: the drift flux f' p balances the diffusion flux T p' "
               "(J = -(f' p + T p') = 0)", drift, -diffusion,
               shows=r"f'(\theta)\,p = -T\,\partial_\theta p,\quad p = e^{-f(\theta)/T}")
    proof.step("so the Fokker-Planck right-hand side, the divergence of the current, vanishes: p is stationary",
               sp.Derivative(drift + diffusion, theta), 0,
               shows=r"\partial_t p = \partial_\theta\left(f' p + T\,\partial_\theta p\right) = 0")
    v = sp.Symbol("v", real=True)
    rho = sp.exp(-(f(theta) + v**2 / 2) / T_sym)  # the theta-marginal of e^{-(f + v^2/2)/T} is e^{-f/T}
    gam = sp.Symbol("gamma", positive=True)
    gen = (-v * sp.Derivative(rho, theta) + sp.Derivative((sp.diff(f(theta), theta) + gam * v) * rho, v)
           + gam * T_sym * sp.Derivative(rho, (v, 2)))
    proof.step("heavy ball (underdamped Langevin, friction gamma): Kramers' equation is stationary for "
               "e^{-(f + v^2/2)/T}, whose theta-marginal is e^{-f/T}", gen, 0,
               shows=r"-v\,\partial_\theta\rho + \partial_v\big((f' + \gamma v)\rho\big) + \gamma T\,\partial_v^2\rho = 0,"
                     r"\quad \rho = e^{-(f + v^2/2)/T}")
    eta, lam, h, s2 = sp.symbols("eta lambda h s2", positive=True)
    gibbs = sp.exp(-h * theta**2 / (2 * T_sym))  # f = h theta^2/2: the Gibbs law is N(0, T/h)
    var_gibbs = sp.integrate(theta**2 * gibbs, (theta, -sp.oo, sp.oo)) / sp.integrate(gibbs, (theta, -sp.oo, sp.oo))
    proof.step("instance f = h theta^2/2: the Gibbs law at the library's temperature is the small-step limit of the "
               "library's exact stationary variance of heavy ball", sp.Limit(
                   stationary_variance(h, eta, lam, s2) / var_gibbs.subs(T_sym, temperature(eta, lam, s2)), eta, 0), 1,
               shows=r"\lim_{\eta\to 0}\frac{\texttt{stationary\_variance}(h, \eta, \lambda, s^2)}"
                     r"{\int\theta^2 e^{-h\theta^2/(2T)}d\theta \big/ \int e^{-h\theta^2/(2T)}d\theta} = 1,\quad "
                     r"T = \texttt{temperature}(\eta, \lambda, s^2)")
    return proof


def prove_laplace() -> Proof:
    """∫e^{−f/T} over a well = √(2πT/f₂)e^{−f₀/T}(1 + T(5f₃²/(24f₂³) − f₄/(8f₂²)) + O(T²)) (symbolic)."""
    x, s = sp.symbols("x s", real=True)
    f0, f3, f4 = sp.symbols("f0 f3 f4", real=True)
    f2 = sp.Symbol("f2", positive=True)
    proof = Proof(r"\int e^{-f/T} = \sqrt{2\pi T/f_2}\,e^{-f_0/T}\left(1 + T\left(\tfrac{5f_3^2}{24f_2^3} - "
                  r"\tfrac{f_4}{8f_2^2}\right) + O(T^2)\right)",
                  assumptions="f = f0 + f2 x^2/2 + f3 x^3/6 + f4 x^4/24 + ... near the minimum, T -> 0")
    proof.step("Gaussian integral (the leading Laplace term)",
               sp.Integral(sp.exp(-f2 * x**2 / (2 * T_sym)), (x, -sp.oo, sp.oo)), sp.sqrt(2 * sp.pi * T_sym / f2),
               shows=r"\int_{-\infty}^{\infty} e^{-f_2 x^2/(2T)}\,dx = \sqrt{2\pi T/f_2}")
    # x = sqrt(T) s: e^{-(f3 x^3/6 + f4 x^4/24)/T} = 1 - sqrt(T)(f3 s^3/6) + T(f3^2 s^6/72 - f4 s^4/24) + ...
    eps = sp.Symbol("epsilon", positive=True)  # eps = sqrt(T)
    pert = sp.exp(-(f3 * eps * s**3 / 6 + f4 * eps**2 * s**4 / 24))
    series = sp.series(pert, eps, 0, 3).removeO()
    w = sp.exp(-f2 * s**2 / 2)
    norm = sp.integrate(w, (s, -sp.oo, sp.oo))
    moments = sp.expand(sp.integrate(sp.expand(series * w), (s, -sp.oo, sp.oo)) / norm)
    c1 = 5 * f3**2 / (24 * f2**3) - f4 / (8 * f2**2)
    proof.step("Gaussian moments of the expanded exponential (x = sqrt(T) s): odd moments vanish and "
               "E s^4 = 3/f2^2, E s^6 = 15/f2^3, so the O(sqrt T) term is 0 and the O(T) coefficient is "
               "5 f3^2/(24 f2^3) - f4/(8 f2^2)", moments, 1 + c1 * eps**2,
               shows=r"\frac{\int e^{-f_2 s^2/2}\left(1 - \epsilon\frac{f_3 s^3}{6} + \epsilon^2\left(\frac{f_3^2 s^6}{72}"
                     r" - \frac{f_4 s^4}{24}\right)\right)ds}{\int e^{-f_2 s^2/2}\,ds} = 1 + \left(\frac{5 f_3^2}{24 f_2^3}"
                     r" - \frac{f_4}{8 f_2^2}\right)\epsilon^2,\quad \epsilon = \sqrt{T}")
    proof.check("the library function laplace_correction is the derived O(T) coefficient", float_branch_agrees(
        laplace_correction, (f2, f3, f4), [(2.0, 3.0, 5.0), (0.5, -1.0, 2.0), (10.0, 0.1, -3.0), (1.0, 0.0, 0.0)],
        symbolic=moments.coeff(eps, 2)),
        shows=r"\texttt{laplace\_correction}(f_2, f_3, f_4) \approx \frac{5 f_3^2}{24 f_2^3} - \frac{f_4}{8 f_2^2}" + _FLOATS)
    return proof


def prove_occupancy_ratio() -> Proof:
    """P_flat/P_sharp = √(h_s/h_f)e^{−(f_f − f_s)/T}; crossover T* = 2(f_f − f_s)/log(h_s/h_f)."""
    hs, hf = sp.symbols("h_s h_f", positive=True)
    fs, ff = sp.symbols("f_s f_f", real=True)
    proof = Proof(r"\frac{P_{flat}}{P_{sharp}} \approx \sqrt{h_s/h_f}\,e^{-(f_f - f_s)/T}",
                  assumptions="leading Laplace approximation of each well (T small against the barrier)")
    Z = lambda h, f0: sp.sqrt(2 * sp.pi * T_sym / h) * sp.exp(-f0 / T_sym)  # noqa: E731
    ratio = Z(hf, ff) / Z(hs, fs)
    proof.step("ratio of the two leading Laplace weights", ratio, sp.sqrt(hs / hf) * sp.exp(-(ff - fs) / T_sym),
               shows=r"\frac{\sqrt{2\pi T/h_f}\,e^{-f_f/T}}{\sqrt{2\pi T/h_s}\,e^{-f_s/T}} = "
                     r"\sqrt{h_s/h_f}\,e^{-(f_f - f_s)/T}")
    Tc = 2 * (ff - fs) / sp.log(hs / hf)
    proof.step("equal occupancy at the crossover temperature T*: the ratio is 1 (its logarithm is 0)",
               sp.Subs(ratio, T_sym, Tc), 1,
               verified=sp.simplify(sp.log(ratio.subs(T_sym, Tc))) == 0 or
               sp.simplify(sp.expand_log(sp.log(ratio).subs(T_sym, Tc), force=True)) == 0,
               shows=r"\frac{P_{flat}}{P_{sharp}}\Big|_{T = T^*} = 1,\quad T^* = \frac{2(f_f - f_s)}{\log(h_s/h_f)}")
    proof.step("d log(ratio)/dT = (f_f - f_s)/T^2 > 0 when the flat minimum is higher: hotter (smaller B) "
               "favours the flat minimum", sp.Derivative(sp.log(sp.sqrt(hs / hf)) - (ff - fs) / T_sym, T_sym),
               (ff - fs) / T_sym**2,
               shows=r"\frac{\partial}{\partial T}\log\frac{P_{flat}}{P_{sharp}} = \frac{\partial}{\partial T}"
                     r"\left(\tfrac12\log\frac{h_s}{h_f} - \frac{f_f - f_s}{T}\right) = \frac{f_f - f_s}{T^2}")
    proof.check("the library function laplace_ratio(h_s, h_f, f_s, f_f, T) is the derived ratio", float_branch_agrees(
        laplace_ratio, (hs, hf, fs, ff, T_sym), [(4.0, 1.0, 0.0, 0.1, 0.05), (10.0, 0.5, -0.2, 0.3, 1.0),
                                                  (1.0, 1.0, 0.0, 0.0, 0.3), (2.0, 8.0, 0.5, -0.5, 0.2)],
        symbolic=ratio),
        shows=r"\texttt{laplace\_ratio}(h_s, h_f, f_s, f_f, T) \approx \sqrt{h_s/h_f}\,e^{-(f_f - f_s)/T}" + _FLOATS)
    return proof


def prove_kramers() -> Proof:
    """Overdamped Kramers rate from the mean first-passage time in the Laplace approximation."""
    x, y = sp.symbols("x y", real=True)
    hm, hb, dV = sp.symbols("h_m h_b DeltaV", positive=True)
    proof = Proof(r"k = \frac{\sqrt{h_m |h_b|}}{2\pi} e^{-\Delta V/T}",
                  assumptions="dtheta = -f'dt + sqrt(2T)dW; MFPT tau = (1/T) int_{barrier} e^{f/T} int_{well} "
                              "e^{-f/T}; both integrals by Laplace (Delta V / T >> 1)")
    well = sp.Integral(sp.exp(-hm * x**2 / (2 * T_sym)), (x, -sp.oo, sp.oo))
    top = sp.Integral(sp.exp(-hb * y**2 / (2 * T_sym)), (y, -sp.oo, sp.oo)) * sp.exp(dV / T_sym)
    tau = top * well / T_sym
    proof.step("mean first-passage time, both integrals by Laplace (Gaussian integrals)", tau,
               2 * sp.pi / sp.sqrt(hm * hb) * sp.exp(dV / T_sym),
               shows=r"\tau = \frac1T\int e^{-h_b y^2/(2T)}dy\ e^{\Delta V/T}\int e^{-h_m x^2/(2T)}dx = "
                     r"\frac{2\pi}{\sqrt{h_m h_b}}e^{\Delta V/T}")
    rate = (1 / tau).doit()
    proof.step("the rate is the inverse mean first-passage time", 1 / tau,
               sp.sqrt(hm * hb) / (2 * sp.pi) * sp.exp(-dV / T_sym),
               shows=r"k = \frac{1}{\tau} = \frac{\sqrt{h_m h_b}}{2\pi}e^{-\Delta V/T}")
    g = sp.Symbol("gamma", positive=True)
    general = sp.sqrt(hm) / (2 * sp.pi * sp.sqrt(hb)) * (sp.sqrt(g**2 / 4 + hb) - g / 2)
    proof.step("Kramers' rate with friction gamma has the overdamped limit: gamma * k_gamma -> sqrt(h_m h_b)/(2 pi)",
               sp.Limit(g * general, g, sp.oo), sp.sqrt(hm * hb) / (2 * sp.pi),
               shows=r"\lim_{\gamma\to\infty} \gamma\,\frac{\sqrt{h_m}}{2\pi\sqrt{h_b}}\left(\sqrt{\frac{\gamma^2}{4} + h_b}"
                     r" - \frac{\gamma}{2}\right) = \frac{\sqrt{h_m h_b}}{2\pi}")
    arr = sp.exp(-dV / T_sym)
    proof.check("the library function kramers_rate(h_m, h_b, DeltaV, T) is the derived rate", float_branch_agrees(
        kramers_rate, (hm, hb, dV, T_sym), _KRAMERS_POINTS, symbolic=rate),
        shows=r"\texttt{kramers\_rate}(h_m, h_b, \Delta V, T) \approx \frac{\sqrt{h_m h_b}}{2\pi} e^{-\Delta V/T}" + _FLOATS)
    proof.check("the library function kramers_rate with friction gamma (small and large gamma)", float_branch_agrees(
        lambda a, b, c, d, e: kramers_rate(a, b, c, d, friction=e), (hm, hb, dV, T_sym, g),
        [p + (gam,) for p in _KRAMERS_POINTS for gam in (0.01, 1.0, 300.0)], symbolic=general * arr),
        shows=r"\texttt{kramers\_rate}(h_m, h_b, \Delta V, T, \gamma) \approx \frac{\sqrt{h_m}}{2\pi\sqrt{h_b}}"
              r"\left(\sqrt{\frac{\gamma^2}{4} + h_b} - \frac{\gamma}{2}\right) e^{-\Delta V/T}" + _FLOATS)
    return proof


#: (h_m, h_b, DeltaV, T): barriers from 1 to 20 temperatures, curvatures 0.1..10.
_KRAMERS_POINTS = [(1.0, 1.0, 1.0, 1.0), (4.0, 0.25, 2.0, 0.1), (10.0, 0.1, 0.5, 0.05), (0.1, 10.0, 3.0, 0.5)]


def prove_temperature() -> Proof:
    """T = ησ²/(2(1 − λ)): the η → 0 limit of h·Var θ for heavy ball on a quadratic (``noise``)."""
    eta, lam, h, s2 = sp.symbols("eta lambda h s2", positive=True)
    proof = Proof(r"T = \frac{\eta\sigma_B^2}{2(1-\lambda)},\ \sigma_B^2 = \frac{N-B}{(N-1)B}\,\mathrm{var}(a)",
                  assumptions="additive noise of variance s2 per step; |lambda| < 1, 0 < eta h < 2(1 + lambda)")
    ratio = h * stationary_variance(h, eta, lam, s2) / temperature(eta, lam, s2)
    proof.step("the library's exact stationary variance over the library's temperature", ratio,
               2 * (1 + lam) / (2 * (1 + lam) - eta * h),
               shows=r"\frac{h\,\texttt{stationary\_variance}(h, \eta, \lambda, s^2)}{\texttt{temperature}(\eta, \lambda, s^2)}"
                     r" = \frac{2(1+\lambda)}{2(1+\lambda) - \eta h}")
    proof.step("small-step limit: h Var theta / T -> 1 as eta -> 0", sp.Limit(ratio, eta, 0), 1,
               shows=r"\lim_{\eta\to 0}\frac{h\operatorname{Var}\theta}{T} = 1")
    N, B = sp.symbols("N B", integer=True, positive=True)
    va = sp.Symbol("var_a", positive=True)
    sampled = (B * va + B * (B - 1) * (-va / (N - 1))) / B**2  # Cov(a_i, a_j) = -var(a)/(N - 1) without replacement
    proof.step("the library's batch_variance_factor (C5) is the variance of a batch mean without replacement, "
               "from B variances and B(B-1) covariances -var(a)/(N-1) (sum a_i fixed)",
               batch_variance_factor(N, B).args[1][0] * va, sampled,
               shows=r"\texttt{batch\_variance\_factor}(N, B)\operatorname{var}(a) = \frac{B\operatorname{var}(a) + "
                     r"B(B-1)\left(-\frac{\operatorname{var}(a)}{N-1}\right)}{B^2} = \operatorname{Var}(\bar a_B)")
    return proof


def prove_test_loss() -> Proof:
    """E[f_test] = f_i + hδ²/2 + T/2 in a quadratic well with θ ~ N(θ_i, T/h)."""
    h, d, fi = sp.Symbol("h", positive=True), sp.Symbol("delta", real=True), sp.Symbol("f_i", real=True)
    proof = Proof(r"\mathbb{E}[f(\theta - \delta)] = f_i + \frac{h\delta^2}{2} + \frac{T}{2}",
                  assumptions="theta ~ N(theta_i, T/h) (Laplace) and f = f_i + h (theta - theta_i)^2/2 in the well")
    x = sp.Symbol("x", real=True)
    dens = sp.sqrt(h / (2 * sp.pi * T_sym)) * sp.exp(-h * x**2 / (2 * T_sym))
    val = sp.integrate((fi + h * (x - d) ** 2 / 2) * dens, (x, -sp.oo, sp.oo))
    proof.step("Gaussian expectation of the shifted quadratic (mean 0, variance T/h)", val,
               fi + h * d**2 / 2 + T_sym / 2,
               shows=r"\int_{-\infty}^{\infty}\left(f_i + \frac{h(x-\delta)^2}{2}\right)\sqrt{\frac{h}{2\pi T}}"
                     r"e^{-hx^2/(2T)}\,dx = f_i + \frac{h\delta^2}{2} + \frac{T}{2}")
    proof.check("the library function quadratic_test_loss is the derived expectation", float_branch_agrees(
        quadratic_test_loss, (fi, h, d, T_sym), [(0.5, 4.0, 0.25, 0.3), (-1.0, 0.1, 2.0, 0.0), (0.0, 10.0, -0.5, 1.5)],
        symbolic=sp.simplify(val)),
        shows=r"\texttt{quadratic\_test\_loss}(f_i, h, \delta, T) \approx f_i + \frac{h\delta^2}{2} + \frac{T}{2}" + _FLOATS)
    return proof
