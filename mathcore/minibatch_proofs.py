"""SymPy proofs of the mini-batch noise, moment recursion, stationary variance, optimal step and
within-epoch covariance statements of ``minibatch_noise``, ``minibatch_moments``,
``minibatch_stationary`` and ``noise_scale`` (C1, C3, C5, C9)."""
from __future__ import annotations

from typing import Any

import sympy as sp

from optproof.mathcore.batching import batch_gradient_covariance, batch_size, batch_variance_factor, n_examples
from optproof.mathcore.batching_proofs import _centring_steps, prove_gradient_covariance, prove_unbiased
from optproof.mathcore.minibatch_noise import within_epoch_batch_covariance
from optproof.mathcore.minibatch_stationary import _v0, stationary_variance_1d
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import sums_equal
from optproof.base.validation import check_choice

__all__ = [
    "prove_multiplicative_noise", "prove_moment_recursions", "prove_stationary_variance_1d",
    "prove_optimal_step", "prove_within_epoch_covariance",
]


# =========================================================================== proofs: helpers
_n = sp.Symbol("n", integer=True, positive=True)  # dimension of θ (symbolic)
_eta = sp.Symbol("eta", positive=True)
_lam = sp.Symbol("lam", nonnegative=True)
_c = sp.Symbol("c", nonnegative=True)


def _canonical_scalar(term: sp.Expr) -> sp.Expr:
    """A 1×1 matrix product equals its transpose: pick one spelling of the pair."""
    flipped = sp.expand(sp.transpose(term).doit())
    return min(term, flipped, key=str)


def _matrix_equal(lhs: Any, rhs: Any) -> bool:
    """Dimension-free equality of matrix expressions (expansion; 1×1 terms compared up to transpose)."""
    diff = sp.expand(lhs - rhs)
    if diff == 0 or isinstance(diff, sp.ZeroMatrix):
        return True
    if diff.shape == (1, 1):
        terms = diff.args if isinstance(diff, sp.MatAdd) else (diff,)
        diff = sp.expand(sp.Add(*[_canonical_scalar(t) for t in terms]))
    return diff == 0 or isinstance(diff, sp.ZeroMatrix)


def _same_rational(lhs: Any, rhs: Any) -> bool:
    """Exact equality of rational functions: the difference cancels to 0 (fast where ``simplify`` is slow)."""
    return sp.cancel(sp.together(sp.sympify(lhs) - sp.sympify(rhs))) == 0


def _terms(expr: Any) -> tuple:
    expr = sp.expand(expr)
    return expr.args if isinstance(expr, sp.MatAdd) else (expr,)


def _replace_product(term: Any, left: Any, right: Any, value: Any) -> Any:
    """Replace the adjacent factors ``left·right`` of a matrix product by ``value``."""
    args = list(term.args) if isinstance(term, sp.MatMul) else [term]
    for k in range(len(args) - 1):
        if args[k] == left and args[k + 1] == right:
            return sp.MatMul(*args[:k], value, *args[k + 2:]).doit()
    return term


def _conditional_expectation(expr: Any, xi: sp.MatrixSymbol, noise: Any) -> Any:
    """``E[· | past]`` of a polynomial in ``ξ``: terms with one ``ξ`` vanish, ``ξξᵀ → noise``."""
    out = []
    for term in _terms(expr):
        count = sum(1 for f in sp.preorder_traversal(term) if f == xi)
        if count != 1:
            out.append(_replace_product(term, xi, xi.T, noise) if count == 2 else term)
    return sp.MatAdd(*out).doit() if out else sp.ZeroMatrix(*expr.shape)


def _outer_expectation(expr: Any, z: sp.MatrixSymbol, mean: Any, second: Any) -> Any:
    """``E`` over the past: ``z zᵀ → Z``, then ``z → ν`` (each term is linear in ``z`` or in ``z zᵀ``)."""
    terms = [_replace_product(t, z, z.T, second).xreplace({z: mean}) for t in _terms(expr)]
    return sp.expand(sp.MatAdd(*terms).doit())


# =========================================================================== proofs
def _cite_covariance(proof: Proof, why: str, lemma: Proof, N, B, replace: bool, c=None) -> None:
    """Cite ``prove_gradient_covariance`` at this instance: ``batch_gradient_covariance(N, B, Σ)`` is ``c Σ``
    entrywise (``c`` the factor used here, by default ``batch_variance_factor``)."""
    Sig = sp.Matrix(2, 2, sp.symbols("Sigma_11 Sigma_12 Sigma_12 Sigma_22", real=True))
    c = batch_variance_factor(N, B, replace) if c is None else c
    got = batch_gradient_covariance(N, B, Sig, replace)
    generic = lambda e: sp.sympify(e).replace(lambda x: isinstance(x, sp.Piecewise), lambda x: x.args[-1][0])  # N >= 2
    proof.cite(why, lemma, sp.Tuple(*got.applyfunc(generic)), sp.Tuple(*(generic(c) * Sig)))


def prove_multiplicative_noise(replace: bool = False) -> Proof:
    """``Cov[∇L_B(θ)] = c Σ(θ)`` with ``Σ`` quadratic in ``θ̃``; ``E[Σ(θ)]`` through ``S̃`` (C3, C5)."""
    check_choice("replace", replace, (False, True))
    N = n_examples
    i = sp.Symbol("i", integer=True, positive=True)
    a, bb = sp.IndexedBase("a"), sp.IndexedBase("b")
    x, th, mu = (sp.MatrixSymbol(s, _n, 1) for s in ("x", "theta", "mu"))
    xt, tht = sp.MatrixSymbol("xtilde", _n + 1, 1), sp.MatrixSymbol("thetatilde", _n + 1, 1)
    St, Pt, Qt = (sp.MatrixSymbol(s, _n + 1, _n + 1) for s in ("Stilde", "Ptilde", "Qtilde"))
    Ht = sp.MatrixSymbol("Htilde", _n, _n + 1)
    proof = Proof(r"\mathrm{Cov}[\nabla L_B(\theta)] = c\,\Sigma(\theta),\ \mathbb{E}\Sigma(\theta) = "
                  r"\frac1N\sum_i x_i(\tilde x_i^\top \tilde S \tilde x_i)x_i^\top - \tilde H\tilde S\tilde H^\top",
                  assumptions="least squares, r_i = x_i^T theta - y_i = xtilde_i^T thetatilde; " +
                  ("B i.i.d. indices" if replace else "uniform B-subset"))
    base = prove_gradient_covariance(replace)
    _cite_covariance(proof, "Cov of a batch mean of the vectors g_i(theta) is c Sigma(theta) "
                            "(prove_gradient_covariance)", base, N, batch_size, replace)
    mean_a, mean_b = sp.symbols("abar bbar", real=True)
    means = {sp.Sum(a[i], (i, 1, N)): N * mean_a, sp.Sum(bb[i], (i, 1, N)): N * mean_b}
    centred = sp.Sum((a[i] - mean_a) * (bb[i] - mean_b), (i, 1, N)) / N
    shortcut = sp.Sum(a[i] * bb[i], (i, 1, N)) / N - mean_a * mean_b
    spread = (sp.Sum(a[i] * bb[i], (i, 1, N)) - mean_b * sp.Sum(a[i], (i, 1, N)) - mean_a * sp.Sum(bb[i], (i, 1, N))
              + N * mean_a * mean_b) / N
    proof.step("entrywise, linearity: (1/N) sum (a_i - abar)(b_i - bbar) splits into four sums", centred, spread,
               verified=sums_equal(centred, spread))
    proof.step("with sum a_i = N abar, sum b_i = N bbar: = (1/N) sum a_i b_i - abar bbar", spread, shortcut,
               verified=sums_equal(spread, shortcut, given=means))
    r = xt.T * tht
    proof.step("g_i g_i^T = x_i r_i^2 x_i^T = x_i (xtilde^T thetatilde thetatilde^T xtilde) x_i^T",
               x * r * r.T * x.T, x * xt.T * (tht * tht.T) * xt * x.T,
               verified=_matrix_equal(x * r * r.T * x.T, x * xt.T * (tht * tht.T) * xt * x.T))
    lin = lambda M: x * xt.T * M * xt * x.T - Ht * M * Ht.T  # noqa: E731  Σ as a map of θ̃θ̃ᵀ
    al, be = sp.symbols("alpha beta", real=True)
    proof.step("Sigma is linear in thetatilde thetatilde^T (a quadratic form in theta): expectation passes "
               "inside, E Sigma = f(Stilde)", lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt),
               verified=_matrix_equal(lin(al * Pt + be * Qt), al * lin(Pt) + be * lin(Qt)))
    y, b, H = sp.MatrixSymbol("y", 1, 1), sp.MatrixSymbol("b", _n, 1), sp.MatrixSymbol("H", _n, _n)
    Sm = sp.MatrixSymbol("S", _n, _n)
    Sblk = sp.BlockMatrix([[Sm, mu], [mu.T, sp.Identity(1)]])
    xblk = sp.BlockMatrix([[x], [-y]])
    quad = sp.block_collapse(xblk.T * Sblk * xblk)
    quad = quad.blocks[0, 0] if isinstance(quad, sp.BlockMatrix) else quad
    target = x.T * Sm * x - 2 * y.T * mu.T * x + y.T * y
    proof.step("xtilde^T Stilde xtilde = x^T S x - 2 y mu^T x + y^2 (gives M4:S - 2 M3.mu + M2y)",
               quad, target, verified=_matrix_equal(quad, target))
    hblk = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * Sblk * sp.BlockMatrix([[H.T], [-b.T]]))
    hblk = hblk.blocks[0, 0] if isinstance(hblk, sp.BlockMatrix) else hblk
    proof.step("Htilde Stilde Htilde^T = H S H^T - H mu b^T - b mu^T H^T + b b^T (Htilde = [H, -b])",
               hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T,
               verified=_matrix_equal(hblk, H * Sm * H.T - H * mu * b.T - b * mu.T * H.T + b * b.T))
    grad = sp.block_collapse(sp.BlockMatrix([[H, -b]]) * sp.BlockMatrix([[th], [sp.Identity(1)]]))
    grad = grad.blocks[0, 0] if isinstance(grad, sp.BlockMatrix) else grad
    proof.step("nabla L = Htilde thetatilde = H theta - b", grad, H * th - b, verified=_matrix_equal(grad, H * th - b))
    return proof


def _recursion_steps(proof: Proof, label: str, z, drift, gain, u, xi, noise) -> None:
    """Mean and second-moment steps for ``z' = drift z + u − gain ξ`` with ``E[ξ|past] = 0``."""
    nu, Z = sp.MatrixSymbol("nu", *z.shape), sp.MatrixSymbol("Z", z.shape[0], z.shape[0])
    nxt = drift * z + u - _eta * gain * xi
    mean = _outer_expectation(_conditional_expectation(nxt, xi, noise), z, nu, Z)
    proof.step(f"{label}: E[z_t] = F nu + u (E[xi | past] = 0, tower property)", mean, drift * nu + u,
               verified=_matrix_equal(mean, drift * nu + u))
    second = _outer_expectation(_conditional_expectation(nxt * nxt.T, xi, noise), z, nu, Z)
    target = drift * Z * drift.T + drift * nu * u.T + u * nu.T * drift.T + u * u.T + _eta**2 * gain * noise * gain.T
    proof.step(f"{label}: E[z_t z_t^T] = F Z F^T + F nu u^T + u nu^T F^T + u u^T + eta^2 E (c Sigma) E^T "
               "(cross terms with one xi vanish; E[xi xi^T | past] = c Sigma(theta_{t-1}))",
               second, target, verified=_matrix_equal(second, target))


def prove_moment_recursions() -> Proof:
    """The conditional-mean-zero decomposition gives the exact mean / second-moment recursions (C3, C9)."""
    H, I = sp.MatrixSymbol("H", _n, _n), sp.Identity(_n)
    th, m, b, xi = (sp.MatrixSymbol(s, _n, 1) for s in ("theta", "m", "b", "xi"))
    proof = Proof(r"\nu_t = F\nu_{t-1} + u,\ Z_t = FZ_{t-1}F^\top + F\nu u^\top + u\nu^\top F^\top + uu^\top"
                  r" + \eta^2 c\,E\,\mathbb{E}[\Sigma(\theta_{t-1})]E^\top",
                  assumptions="g_t = nabla L(theta_{t-1}) + xi_t, fresh batch each step; symbolic eta, lam, c, dim n")
    for replace in (False, True):
        ok = prove_unbiased(replace).holds and prove_multiplicative_noise(replace).holds
        proof.step(f"replace={replace}: E[xi_t | past] = 0 (prove_unbiased), "
                   "E[xi xi^T | past] = c Sigma(theta_{t-1}) (prove_multiplicative_noise)",
                   sp.Integer(int(ok)), 1, verified=ok)
    F = sp.BlockMatrix([[I - _eta * H, _lam * I], [-_eta * H, _lam * I]])
    u, E = sp.BlockMatrix([[_eta * b], [_eta * b]]), sp.BlockMatrix([[I], [I]])
    step = sp.block_collapse(F * sp.BlockMatrix([[th], [m]]) + u - _eta * E * xi)
    m_new = _lam * m - _eta * (H * th - b + xi)
    proof.step("block form, velocity: m_t = lam m - eta (H theta - b + xi) (seed step, g = grad L + xi)",
               step.blocks[1, 0], m_new, verified=_matrix_equal(step.blocks[1, 0], m_new))
    proof.step("block form, position: theta_t = theta + m_t", step.blocks[0, 0], th + m_new,
               verified=_matrix_equal(step.blocks[0, 0], th + m_new))
    z = sp.MatrixSymbol("z", 2 * _n, 1)
    Fs, us, Es = sp.MatrixSymbol("F", 2 * _n, 2 * _n), sp.MatrixSymbol("u", 2 * _n, 1), sp.MatrixSymbol("E", 2 * _n, _n)
    _recursion_steps(proof, "heavy ball (joint state)", z, Fs, Es, us, xi, sp.MatrixSymbol("cSigma", _n, _n))
    A = sp.MatrixSymbol("A", _n, _n)
    _recursion_steps(proof, "SGD (lam = 0, A = I - eta H, u = eta b)", th, A, I, _eta * b, xi,
                     sp.MatrixSymbol("cSigma", _n, _n))
    return proof


def prove_stationary_variance_1d() -> Proof:
    """1-D: ``Var_∞ = η²cAV₀/(1 − η²cκV₀)``, additive error ``η²cκV₀``, stability condition (C3, C9)."""
    h, A, kappa, s2 = sp.symbols("h A kappa s2", positive=True)
    P, R, M = sp.symbols("P R M", real=True)
    proof = Proof(r"\mathrm{Var}_\infty = \frac{\eta^2 c A V_0}{1 - \eta^2 c \kappa V_0},\ "
                  r"V_0 = \frac{1+\lambda}{\eta h(1-\lambda)(2(1+\lambda)-\eta h)}",
                  assumptions="scalar x_i; h = mean x^2, kappa = mean x^4 - h^2, A = Sigma(theta*); "
                              "0 <= lam < 1, 0 < eta h < 2(1+lam)")
    F = sp.Matrix([[1 - _eta * h, _lam], [-_eta * h, _lam]])
    C = sp.Matrix([[P, R], [R, M]])
    lyap = C - F * C * F.T - _eta**2 * s2 * sp.ones(2, 2)
    sol = sp.solve([lyap[0, 0], lyap[0, 1], lyap[1, 1]], [P, R, M], dict=True)[0]
    v0 = _v0(h, _eta, _lam)
    proof.step("solve C = F C F^T + eta^2 s^2 [[1,1],[1,1]] (3 linear equations): Var theta = eta^2 s^2 V0",
               sol[P], _eta**2 * s2 * v0)
    proof.step("the solution satisfies the Lyapunov equation", lyap.subs(sol), sp.zeros(2, 2),
               verified=all(equal(e, 0) for e in lyap.subs(sol)))
    mid = 2 * (1 + _lam) - _eta * h
    proof.step("additive model (s^2 = c A): eta^2 c A V0 = eta c A (1+lam)/(h(1-lam)(2(1+lam) - eta h))",
               _eta**2 * _c * A * v0, _eta * _c * A * (1 + _lam) / (h * (1 - _lam) * mid))
    exact = stationary_variance_1d(h, kappa, A, _eta, _lam, _c)
    fixed = _eta**2 * _c * (A + kappa * exact) * v0
    proof.step("multiplicative: s^2 = c E[Sigma(theta)] = c (A + kappa P) at mean 0; P = eta^2 c (A + kappa P) V0",
               exact, fixed, verified=_same_rational(exact, fixed))
    add = stationary_variance_1d(h, 0, A, _eta, _lam, _c)
    proof.step("relative error of the additive model: (exact - additive)/exact = eta^2 c kappa V0",
               (exact - add) / exact, _eta**2 * _c * kappa * v0,
               verified=_same_rational((exact - add) / exact, _eta**2 * _c * kappa * v0))
    proof.step("stability: 1 - eta^2 c kappa V0 > 0  <=>  eta c kappa (1+lam) < h (1-lam)(2(1+lam) - eta h)",
               (1 - _eta**2 * _c * kappa * v0) * h * (1 - _lam) * mid,
               h * (1 - _lam) * mid - _eta * _c * kappa * (1 + _lam))
    proof.step("SGD (lam = 0): 1 - (1 - eta h)^2 - eta^2 c kappa = eta (2h - eta (h^2 + c kappa))",
               1 - (1 - _eta * h) ** 2 - _eta**2 * _c * kappa, _eta * (2 * h - _eta * (h**2 + _c * kappa)))
    proof.step("SGD (lam = 0): Var = eta^2 c A/(1 - (1 - eta h)^2 - eta^2 c kappa)",
               exact.subs(_lam, 0), _eta**2 * _c * A / (1 - (1 - _eta * h) ** 2 - _eta**2 * _c * kappa))
    return proof


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
    proof.step("E[g^T H g] = tr(H E[g g^T]) = G^T H G + c tr(H Sigma) (symbolic dimension d)", lhs, rhs,
               verified=sums_equal(lhs, rhs))
    W, th, g, y = (sp.MatrixSymbol("W", _n, _n), sp.MatrixSymbol("theta", _n, 1), sp.MatrixSymbol("g", _n, 1),
                   sp.MatrixSymbol("y", _n, 1))
    loss = lambda t: (W * t - y).T * (W * t - y) / 2  # noqa: E731  (H = W^T W, G = W^T(W theta - y))
    G = W.T * (W * th - y)
    taylor = loss(th - eps * g) - loss(th)
    proof.step("least squares is quadratic: L(theta - eps g) - L(theta) = -eps G^T g + eps^2/2 g^T H g exactly",
               taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g,
               verified=_matrix_equal(taylor, -eps * G.T * g + eps**2 / 2 * g.T * W.T * W * g))
    gain = eps * gg - eps**2 / 2 * (ghg + c * n_tr)
    e_opt = gg / (ghg + c * n_tr)
    proof.step("d/d eps E[Delta L] = 0 at eps_opt = |G|^2/(G^T H G + c tr H Sigma)",
               sp.diff(gain, eps).subs(eps, e_opt), 0)
    proof.step("second derivative -(G^T H G + c tr H Sigma) < 0: a maximum of the improvement",
               sp.diff(gain, eps, 2), -(ghg + c * n_tr))
    e_max, b_noise, dl_max = gg / ghg, n_tr / ghg, gg**2 / (2 * ghg)
    proof.step("eps_opt = eps_max/(1 + c B_noise), eps_max = |G|^2/G^T H G, B_noise = tr(H Sigma)/G^T H G",
               e_opt, e_max / (1 + c * b_noise))
    proof.step("Delta L_opt = Delta L_max/(1 + c B_noise), Delta L_max = |G|^4/(2 G^T H G)",
               gain.subs(eps, e_opt), dl_max / (1 + c * b_noise))
    factor = batch_variance_factor(N, B, replace)
    if replace:
        proof.step("with replacement c = 1/B: 1 + B_noise/B (McCandlish et al.)", 1 + factor * b_noise, 1 + b_noise / B)
    else:
        full = factor.subs(B, N)
        proof.step("finite population c(N, B): full batch B = N gives c = 0, eps_opt = eps_max",
                   (e_max / (1 + c * b_noise)).subs(c, full), e_max)
    h = sp.Symbol("h", positive=True)
    proof.step("H = h I: B_noise = h tr Sigma/(h |G|^2) = B_simple", (h * sp.Symbol("trSigma")) / (h * gg),
               sp.Symbol("trSigma") / gg)
    return proof


def prove_within_epoch_covariance() -> Proof:
    """``Cov[∇L_{B_j}, ∇L_{B_k}] = −Σ/(N−1)`` for ``j ≠ k`` in one epoch; epoch sum noiseless if ``B | N``."""
    N, B = n_examples, batch_size
    i, l, s, t = sp.symbols("i l s t", integer=True, positive=True)
    a, bb = sp.IndexedBase("a"), sp.IndexedBase("b")
    bj, bk, K = sp.symbols("b_j b_k K", integer=True, positive=True)
    s_pq = sp.Symbol("Sigma_pq", real=True)
    proof = Proof(r"\mathrm{Cov}[\nabla L_{B_j}, \nabla L_{B_k}] = -\frac{\Sigma}{N-1}\ (j \ne k)",
                  assumptions="batches j != k are disjoint slices (sizes b_j, b_k) of one uniform permutation pi; "
                              "a_i, b_i centred coordinates p, q of g_i; N >= 2")
    _centring_steps(proof, a)
    facts = {sp.Sum(a[i], (i, 1, N)): 0, sp.Sum(bb[i], (i, 1, N)): 0, sp.Sum(a[i] * bb[i], (i, 1, N)): N * s_pq}
    proof.step("positions s != t: (pi(s), pi(t)) is uniform on ordered distinct pairs, (N-2)!/N! = 1/(N(N-1))",
               sp.factorial(N - 2) / sp.factorial(N), 1 / (N * (N - 1)),
               verified=equal(sp.combsimp(sp.factorial(N - 2) / sp.factorial(N) * N * (N - 1)), 1))
    pairs = sp.Sum(sp.Sum(a[i] * bb[l], (l, 1, N)), (i, 1, N))
    proof.step("sum over all pairs factorises: sum_i sum_l a_i b_l = (sum a)(sum b) = 0", pairs, 0,
               verified=sums_equal(pairs, sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)))
               and sums_equal(sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)), 0, given=facts))
    distinct = sp.Sum(a[i], (i, 1, N)) * sp.Sum(bb[i], (i, 1, N)) - sp.Sum(a[i] * bb[i], (i, 1, N))
    proof.step("sum_{i != l} a_i b_l = 0 - N Sigma_pq", distinct, -N * s_pq,
               verified=sums_equal(distinct, -N * s_pq, given=facts))
    pair = -N * s_pq / (N * (N - 1))
    proof.step("E[a_pi(s) b_pi(t)] = -Sigma_pq/(N-1) for s != t", pair, -s_pq / (N - 1))
    cov = sp.Sum(sp.Sum(pair, (t, 1, bk)), (s, 1, bj)) / (bj * bk)
    proof.step("Cov of the batch means: (1/(b_j b_k)) sum_{s in B_j} sum_{t in B_k} = -Sigma_pq/(N-1), any sizes",
               cov, -s_pq / (N - 1), verified=sums_equal(cov, -s_pq / (N - 1)))
    proof.step("within_epoch_batch_covariance agrees", within_epoch_batch_covariance(N, B, s_pq), -s_pq / (N - 1))
    base = prove_gradient_covariance(False)
    c = (N - B) / ((N - 1) * B)
    _cite_covariance(proof, "each batch alone: Var = c Sigma (prove_gradient_covariance, uniform B-subset)",
                     base, N, B, False, c)
    epoch_var = (K * c + K * (K - 1) * (-1 / (N - 1))).subs(N, K * B)
    proof.step("B | N, K = N/B batches: Var[sum_k grad L_{B_k}] = K c Sigma - K(K-1) Sigma/(N-1) = 0",
               epoch_var, 0)
    return proof
