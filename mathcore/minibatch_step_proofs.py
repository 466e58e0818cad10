"""SymPy proof of McCandlish et al.'s (2018) optimal step under mini-batch noise (C3):
``ε_opt = ε_max/(1 + c B_noise)``, ``ΔL_opt = ΔL_max/(1 + c B_noise)``, symbolic dimension.
Statement: ``optproof.mathcore.noise_scale.optimal_step``."""
from __future__ import annotations

import sympy as sp

from optproof.base.validation import check_choice
from optproof.mathcore.batching import batch_size, batch_variance_factor, n_examples
from optproof.mathcore.minibatch_algebra import dim, matrix_equal
from optproof.mathcore.minibatch_library_checks import optimal_step_library
from optproof.mathcore.proof import Proof
from optproof.mathcore.sums import sums_equal

__all__ = ["prove_optimal_step"]


def prove_optimal_step(replace: bool = False) -> Proof:
    """McCandlish et al. (2018): ``ε_opt = ε_max/(1 + c B_noise)``, ``ΔL_opt = ΔL_max/(1 + c B_noise)`` (C3)."""
    check_choice("replace", replace, (False, True))
    N, B = n_examples, batch_size
    eps = sp.Symbol("epsilon", positive=True)
    gg, ghg, n_tr, c = sp.symbols("GG GHG trHSigma c", positive=True)
    p, q, D = sp.symbols("p q d", integer=True, positive=True)
    Hs, Gs, Ss = sp.IndexedBase("H"), sp.IndexedBase("G"), sp.IndexedBase("Sigma")
    proof = Proof(r"\epsilon_{opt} = \frac{\epsilon_{max}}{1 + c\,B_{noise}},\ "
                  r"\Delta L_{opt} = \frac{\Delta L_{max}}{1 + c\,B_{noise}}",
                  assumptions="E g = G, E g g^T = G G^T + c Sigma, c = " + ("1/B" if replace else "(N-B)/((N-1)B)"))
    lhs = sp.Sum(sp.Sum(Hs[p, q] * (Gs[q] * Gs[p] + c * Ss[q, p]), (q, 1, D)), (p, 1, D))
    rhs = sp.Sum(sp.Sum(Gs[p] * Hs[p, q] * Gs[q], (q, 1, D)), (p, 1, D)) + c * sp.Sum(
        sp.Sum(Hs[p, q] * Ss[q, p], (q, 1, D)), (p, 1, D))
    proof.step("E[g^T H g] = tr(H E[g g^T]) = G^T H G + c tr(H Sigma) (linearity of trace and E, symbolic dimension d)",
               lhs, rhs, verified=sums_equal(lhs, rhs),
               shows=r"\mathbb{E}[g^\top H g] = \sum_{p=1}^{d}\sum_{q=1}^{d} H_{pq}(G_q G_p + c\Sigma_{qp}) = "
                     r"G^\top H G + c\operatorname{tr}(H\Sigma)")
    W, th, g, y = (sp.MatrixSymbol("W", dim, dim), sp.MatrixSymbol("theta", dim, 1), sp.MatrixSymbol("g", dim, 1),
                   sp.MatrixSymbol("y", dim, 1))
    loss = lambda t: (W * t - y).T * (W * t - y) / 2  # noqa: E731  (H = W^T W, G = W^T(W theta - y))
    G = W.T * (W * th - y)
    taylor = loss(th - eps * g) - loss(th)
    proof.step("least squares is quadratic: L(theta - eps g) - L(theta) = -eps G^T g + eps^2/2 g^T H g exactly",
               taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g,
               verified=matrix_equal(taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g),
               shows=r"L(\theta - \epsilon g) - L(\theta) = -\epsilon G^\top g + \frac{\epsilon^2}{2} g^\top H g,\ "
                     r"H = W^\top W")
    gain = eps * gg - eps**2 / 2 * (ghg + c * n_tr)
    e_opt = gg / (ghg + c * n_tr)
    proof.step("first-order condition: d/d eps E[Delta L] = 0 at eps_opt = |G|^2/(G^T H G + c tr H Sigma)",
               sp.Subs(sp.Derivative(gain, eps), eps, e_opt), 0,
               shows=r"\frac{d}{d\epsilon}\Big(\epsilon|G|^2 - \frac{\epsilon^2}{2}(G^\top H G + c\operatorname{tr}"
                     r"H\Sigma)\Big)\Big|_{\epsilon = \epsilon_{opt}} = 0")
    proof.step("second-order condition: second derivative -(G^T H G + c tr H Sigma) < 0, a maximum of the improvement",
               sp.Derivative(gain, eps, 2), -(ghg + c * n_tr),
               shows=r"\frac{d^2}{d\epsilon^2}\,\mathbb{E}[L(\theta) - L(\theta - \epsilon g)] = -(G^\top H G + "
                     r"c\operatorname{tr}H\Sigma) < 0")
    e_max, b_noise, dl_max = gg / ghg, n_tr / ghg, gg**2 / (2 * ghg)
    proof.step("eps_opt = eps_max/(1 + c B_noise), eps_max = |G|^2/G^T H G, B_noise = tr(H Sigma)/G^T H G",
               e_opt, e_max / (1 + c * b_noise),
               shows=r"\epsilon_{opt} = \frac{|G|^2}{G^\top H G + c\operatorname{tr}H\Sigma} = "
                     r"\frac{\epsilon_{max}}{1 + c B_{noise}}")
    proof.step("Delta L_opt = Delta L_max/(1 + c B_noise), Delta L_max = |G|^4/(2 G^T H G)",
               gain.subs(eps, e_opt), dl_max / (1 + c * b_noise),
               shows=r"\Delta L_{opt} = \epsilon_{opt}|G|^2 - \frac{\epsilon_{opt}^2}{2}(G^\top H G + c\operatorname{tr}"
                     r"H\Sigma) = \frac{\Delta L_{max}}{1 + c B_{noise}}")
    factor = batch_variance_factor(N, B, replace)
    if replace:
        proof.step("with replacement c = batch_variance_factor = 1/B: 1 + B_noise/B (McCandlish et al.)",
                   sp.Subs(1 + c * b_noise, c, factor), 1 + b_noise / B,
                   shows=r"1 + c B_{noise}\big|_{c = 1/B} = 1 + \frac{B_{noise}}{B}")
    else:
        proof.step("finite population c(N, B): full batch B = N gives c = 0, eps_opt = eps_max",
                   sp.Subs(e_max / (1 + c * b_noise), c, factor.subs(B, N)), e_max,
                   shows=r"\frac{\epsilon_{max}}{1 + c(N, N) B_{noise}} = \epsilon_{max},\ c(N, N) = 0")
    h, tr_sigma = sp.Symbol("h", positive=True), sp.Symbol("trSigma")
    proof.step("H = h I: B_noise = h tr Sigma/(h |G|^2) = B_simple",
               sp.Subs(n_tr / ghg, (n_tr, ghg), (h * tr_sigma, h * gg)), tr_sigma / gg,
               shows=r"B_{noise}\big|_{H = hI} = \frac{h\operatorname{tr}\Sigma}{h|G|^2} = "
                     r"\frac{\operatorname{tr}\Sigma}{|G|^2} = B_{simple}")
    optimal_step_library(proof, e_opt, gain.subs(eps, e_opt), (gg, ghg, n_tr, c), replace)
    return proof
