"""SymPy proofs of the exact maps between the momentum conventions (C9), for symbolic ``t`` and a general
schedule ``eta_t``: the summation lemma, PyTorch's buffer, optax = PyTorch, EMA = scaled PyTorch, the
dampening gap, Keras' reparametrisation and constant-lr equality, the gap under an lr change, and the
placement of weight decay.  Each ends on the library's ``reference_step`` (``mathcore.conventions_steps``).
``optproof.mathcore.conventions`` re-exports every ``prove_*`` here and collects them in ``convention_proofs``.
"""
from __future__ import annotations

import sympy as sp

from optproof.base.conventions import Convention
from optproof.mathcore.conventions import b, eta, eta_new, eta_old, g, k, lam, m, mu, s, t, tau
from optproof.mathcore.conventions_steps import (_GAP_STEPS, _LIB, _MU, _TAU, _closed_thetas, _library_step, _thetas,
                                                 _trajectory)
from optproof.mathcore.proof import Proof, equal
from optproof.mathcore.sums import geometric_sum, sums_equal

__all__ = ["prove_geometric_sum_lemma", "prove_pytorch_buffer_closed_form", "prove_optax_equals_pytorch",
           "prove_ema_equals_scaled_pytorch", "prove_dampening_first_step_gap", "prove_keras_reparametrisation",
           "prove_keras_equals_pytorch_constant_lr", "prove_lr_change_divergence", "prove_weight_decay_placement"]


def _decayed_sum(x, n, weight=1):
    r"""``\sum_{k=1}^{n} mu^{n-k} weight_k x_k`` (``weight`` may depend on ``k``)."""
    return sp.Sum(mu ** (n - k) * weight * x[k], (k, 1, n))


def prove_geometric_sum_lemma(x=g, weight=1) -> Proof:
    r"""Lemma: ``S_t = mu S_{t-1} + w_t x_t`` for ``S_t = \sum_{k=1}^t mu^{t-k} w_k x_k``, ``S_1 = w_1 x_1``."""
    S = lambda n: _decayed_sum(x, n, weight)  # noqa: E731
    last = sp.Sum(mu ** (t - k) * weight * x[k], (k, t, t))
    head = sp.Sum(mu ** (t - k) * weight * x[k], (k, 1, t - 1))
    p = Proof(r"S_t = \mu S_{t-1} + w_t x_t,\quad S_1 = w_1 x_1", assumptions="t >= 2 integer")
    p.step("base case: the sum with one term", S(1), (weight * x[k]).subs(k, 1),
           shows=r"S_1 = \sum_{k=1}^{1}\mu^{1-k} w_k x_k = w_1 x_1")
    p.step("split off the last term k = t", S(t), head + last,
           shows=r"\sum_{k=1}^{t}\mu^{t-k} w_k x_k = \sum_{k=1}^{t-1}\mu^{t-k} w_k x_k + \sum_{k=t}^{t}\mu^{t-k} w_k x_k")
    p.step("the last term", last, (weight * x[k]).subs(k, t), shows=r"\sum_{k=t}^{t}\mu^{t-k} w_k x_k = w_t x_t")
    p.step("pull one factor mu out of the head", head, mu * S(t - 1),
           shows=r"\sum_{k=1}^{t-1}\mu^{t-k} w_k x_k = \mu\sum_{k=1}^{t-1}\mu^{t-1-k} w_k x_k = \mu S_{t-1}")
    n = sp.Symbol("n", integer=True, positive=True)
    G = lambda q: geometric_sum(mu, q)  # noqa: E731
    p.step("instance x_k = w_k = 1: the library's geometric_sum has S_1 = 1 and the lemma's recursion, so it is S_t",
           sp.Tuple(sp.Subs(G(n), n, 1), G(t) - mu * G(t - 1)), sp.Tuple(1, 1),
           shows=r"x_k = w_k = 1:\ \texttt{geometric\_sum}(\mu, 1) = 1,\ \texttt{geometric\_sum}(\mu, t) - "
                 r"\mu\,\texttt{geometric\_sum}(\mu, t-1) = 1")
    return p


def prove_pytorch_buffer_closed_form() -> Proof:
    r"""``b_t = (1 - tau) \sum_{k=1}^t mu^{t-k} g_k + tau mu^{t-1} g_1`` (PyTorch buffer, any t).

    The second term is the first-step exception: without it (``b_1 = (1-tau) g_1``) the buffer
    would be exactly ``(1-tau)`` times the undamped one.
    """
    closed = lambda n: (1 - tau) * _decayed_sum(g, n) + tau * mu ** (n - 1) * g[1]  # noqa: E731
    p = Proof(r"b_t = (1-\tau)\sum_{k=1}^t \mu^{t-k} g_k + \tau \mu^{t-1} g_1",
              assumptions="b_1 = g_1, b_t = mu b_{t-1} + (1 - tau) g_t; induction on t >= 2")
    p.step("base case t = 1: the closed form gives g_1 = b_1", closed(1), g[1],
           shows=r"(1-\tau)\sum_{k=1}^{1}\mu^{1-k} g_k + \tau\mu^0 g_1 = g_1 = b_1")
    regrouped = (1 - tau) * (mu * _decayed_sum(g, t - 1) + g[t]) + tau * mu ** (t - 1) * g[1]
    p.step("induction step: mu * closed(t-1) + (1 - tau) g_t, regrouped", mu * closed(t - 1) + (1 - tau) * g[t],
           regrouped, shows=r"\mu b_{t-1} + (1-\tau) g_t = (1-\tau)\left(\mu\sum_{k=1}^{t-1}\mu^{t-1-k} g_k + g_t\right)"
                            r" + \tau\mu^{t-1} g_1")
    lemma = prove_geometric_sum_lemma()
    p.step("by the summation lemma (S_t = mu S_{t-1} + g_t) this is closed(t)", regrouped, closed(t),
           verified=lemma.holds and sums_equal(regrouped, closed(t)),
           shows=r"(1-\tau)\left(\mu S_{t-1} + g_t\right) + \tau\mu^{t-1} g_1 = (1-\tau) S_t + \tau\mu^{t-1} g_1")
    bufs = [buf for _, buf in _trajectory(lambda n: Convention("pytorch", _MU, _TAU), lambda n: eta[n])]
    _library_step(p, "the library's reference_step (pytorch) keeps exactly this buffer", sp.Tuple(*bufs),
           sp.Tuple(*[closed(n).subs({mu: _MU, tau: _TAU}) for n in range(1, _GAP_STEPS + 1)]),
           shows=r"b_n\ \text{of}\ \texttt{reference\_step}(\text{pytorch}, \mu, \tau) = (1-\tau)\sum_{k=1}^{n}\mu^{n-k} g_k"
                 r" + \tau\mu^{n-1} g_1,\ \tau = \tfrac12" + _LIB)
    return p


def prove_optax_equals_pytorch() -> Proof:
    """optax ``trace`` + ``scale(-eta_t)`` equals PyTorch with ``tau = 0`` for ANY schedule.

    ``tr_t = b_t`` by induction (``tr_1 = g_1 + mu 0 = b_1``; same recursion), and both step by
    ``-eta_t tr_t`` (Nesterov ``-eta_t (g_t + mu tr_t)``): the lr stays outside in both.
    Coupled weight decay (``add_decayed_weights`` chained first) feeds the same ``g + lam theta``.
    """
    tr_prev = sp.Symbol("tr_{t-1}")
    p = Proof(r"\mathrm{tr}_t = b_t \ \forall t,\ \text{any } \eta_t",
              assumptions="tau = 0; tr_0 = 0; induction hypothesis tr_{t-1} = b_{t-1}")
    p.step("base case: tr_1 = g_1 + mu * 0 = b_1", sp.Subs(g[1] + mu * tr_prev, tr_prev, 0), g[1],
           shows=r"\mathrm{tr}_1 = g_1 + \mu\,\mathrm{tr}_0\big|_{\mathrm{tr}_0 = 0} = g_1 = b_1")
    p.step("induction step: g_t + mu tr_{t-1} with tr_{t-1} = b_{t-1} is PyTorch's b_t",
           sp.Subs(g[t] + mu * tr_prev, tr_prev, b[t - 1]), mu * b[t - 1] + g[t],
           shows=r"\mathrm{tr}_t = g_t + \mu\,\mathrm{tr}_{t-1}\big|_{\mathrm{tr}_{t-1} = b_{t-1}} = \mu b_{t-1} + g_t = b_t")
    p.step("same Nesterov step", -eta[t] * (g[t] + mu * (g[t] + mu * b[t - 1])),
           -eta[t] * g[t] - eta[t] * mu * (mu * b[t - 1] + g[t]),
           shows=r"-\eta_t\left(g_t + \mu\,\mathrm{tr}_t\right) = -\eta_t\left(g_t + \mu b_t\right),\quad "
                 r"\mathrm{tr}_t = b_t = \mu b_{t-1} + g_t")
    lib = lambda fam, nest: _thetas(lambda n: Convention(fam, _MU, 0, nesterov=nest), lambda n: eta[n])  # noqa: E731
    _library_step(p, "the library's reference_step: optax and PyTorch (tau = 0) give the same parameters under the "
           "symbolic schedule eta_1..eta_4, plain and Nesterov",
           sp.Tuple(*[th for fam in ("optax", "pytorch") for nest in (False, True) for th in lib(fam, nest)]),
           sp.Tuple(*[th for _ in range(2) for nest in (False, True) for th in _closed_thetas(lambda j: eta[j], nest)]),
           shows=r"\theta_n\ \text{of}\ \texttt{reference\_step}(\text{optax}, \mu, \eta_n) = \theta_n\ \text{of}\ "
                 r"\texttt{reference\_step}(\text{pytorch}, \mu, \tau = 0, \eta_n) = \theta_0 - \sum_{j=1}^{n}\eta_j b_j"
                 r"\ (\text{Nesterov: } \eta_j(g_j + \mu b_j))" + _LIB)
    return p


def prove_ema_equals_scaled_pytorch() -> Proof:
    """EMA with lr ``eta_t`` equals PyTorch (``mu = beta``, ``tau = 0``) with lr ``(1 - beta) eta_t``.

    ``m_t = (1 - beta) b_t`` for all t, hence ``eta_t m_t = ((1 - beta) eta_t) b_t`` for any schedule.
    """
    beta = mu
    m_prev = sp.Symbol("m_0")
    p = Proof(r"m_t = (1-\beta) b_t,\ \ \eta_t m_t = \big((1-\beta)\eta_t\big) b_t",
              assumptions="m_0 = 0, b_1 = g_1; induction hypothesis m_{t-1} = (1 - beta) b_{t-1}")
    p.step("base case: m_1 = beta 0 + (1 - beta) g_1", sp.Subs(beta * m_prev + (1 - beta) * g[1], m_prev, 0),
           (1 - beta) * g[1], shows=r"m_1 = \beta m_0 + (1-\beta) g_1\big|_{m_0 = 0} = (1-\beta) g_1 = (1-\beta) b_1")
    p.step("induction step", beta * (1 - beta) * b[t - 1] + (1 - beta) * g[t], (1 - beta) * (beta * b[t - 1] + g[t]),
           shows=r"\beta(1-\beta) b_{t-1} + (1-\beta) g_t = (1-\beta)(\beta b_{t-1} + g_t) = (1-\beta) b_t")
    _library_step(p, "the library's reference_step: EMA at lr eta_n and PyTorch (tau = 0) at lr (1 - beta) eta_n give the "
           "same parameters", sp.Tuple(*_thetas(lambda n: Convention("ema", _MU), lambda n: eta[n]),
                                       *_thetas(lambda n: Convention("pytorch", _MU, 0), lambda n: (1 - _MU) * eta[n])),
           sp.Tuple(*_closed_thetas(lambda j: (1 - _MU) * eta[j]) * 2),
           shows=r"\theta_n\ \text{of}\ \texttt{reference\_step}(\text{ema}, \beta, \eta_n) = \theta_n\ \text{of}\ "
                 r"\texttt{reference\_step}(\text{pytorch}, \beta, \tau = 0, (1-\beta)\eta_n) = \theta_0 - "
                 r"\sum_{j=1}^{n}(1-\beta)\eta_j b_j,\ \beta = \tfrac{9}{10},\ n = 1..4")
    return p


def prove_dampening_first_step_gap() -> Proof:
    """PyTorch with ``mu = tau = beta`` is NOT the EMA: ``b_t - m_t = beta^t g_1`` exactly.

    The gap is the skipped dampening of the first step; after ``T`` steps the parameters differ by
    ``-g_1 sum_{t=1}^T eta_t beta^t`` (any schedule).
    """
    beta = mu
    d_prev = sp.Symbol("d_{t-1}")
    torch_buf = lambda prev, grad: grad if prev is None else beta * prev + (1 - beta) * grad  # tau = beta
    ema = lambda prev, grad: beta * prev + (1 - beta) * grad
    p = Proof(r"b_t - m_t = \beta^t g_1",
              assumptions="b_1 = g_1, m_0 = 0; induction hypothesis b_{t-1} - m_{t-1} = beta^(t-1) g_1")
    p.step("base case, from the recursions: b_1 - m_1 = g_1 - (beta 0 + (1 - beta) g_1) = beta^1 g_1",
           torch_buf(None, g[1]) - ema(0, g[1]), (beta ** t * g[1]).subs(t, 1),
           shows=r"b_1 - m_1 = g_1 - \left(\beta\cdot 0 + (1-\beta) g_1\right) = \beta g_1")
    p.step("the gap obeys d_t = beta d_{t-1} (the g_t terms cancel)",
           torch_buf(b[t - 1], g[t]) - ema(m[t - 1], g[t]), beta * (b[t - 1] - m[t - 1]),
           shows=r"b_t - m_t = \beta b_{t-1} + (1-\beta) g_t - \beta m_{t-1} - (1-\beta) g_t = \beta\,(b_{t-1} - m_{t-1})")
    p.step("induction step", sp.Subs(beta * d_prev, d_prev, beta ** (t - 1) * g[1]), beta ** t * g[1],
           shows=r"\beta d_{t-1}\big|_{d_{t-1} = \beta^{t-1} g_1} = \beta^t g_1")
    torch_ = _trajectory(lambda n: Convention("pytorch", _MU, _MU), lambda n: 1)
    ema_ = _trajectory(lambda n: Convention("ema", _MU), lambda n: 1)
    p.step(f"the library's reference_step (pytorch, mu = tau = 9/10) minus reference_step (ema, beta = 9/10), "
           f"t = 1..{_GAP_STEPS}", sp.Tuple(*[bt - mt for (_, bt), (_, mt) in zip(torch_, ema_)]),
           sp.Tuple(*[sp.Subs(beta ** t * g[1], (beta, t), (_MU, n)) for n in range(1, _GAP_STEPS + 1)]),
           shows=r"b_n - m_n\ \text{of}\ \texttt{reference\_step}(\text{pytorch}, \mu = \tau = \beta)\ \text{and}\ "
                 r"\texttt{reference\_step}(\text{ema}, \beta) = \beta^n g_1,\ \beta = \tfrac{9}{10},\ n = 1..4")
    return p


def prove_keras_reparametrisation() -> Proof:
    r"""PyTorch with lr ``eta_t`` equals Keras with momentum ``mu_t = mu eta_t / eta_{t-1}``.

    The velocity is ``m_t = -eta_t b_t`` (induction) and then ``theta_t`` agree for any schedule.
    """
    mu_t = mu * eta[t] / eta[t - 1]
    m_prev = sp.Symbol("m_0")
    p = Proof(r"m_t = -\eta_t b_t \text{ when Keras uses } \mu_t = \mu\,\eta_t/\eta_{t-1}",
              assumptions="tau = 0, no weight decay; m_0 = 0; hypothesis m_{t-1} = -eta_{t-1} b_{t-1}")
    p.step("base case: m_1 = mu_1 0 - eta_1 g_1 = -eta_1 b_1", sp.Subs(mu * m_prev - eta[1] * g[1], m_prev, 0),
           -eta[1] * g[1], shows=r"m_1 = \mu_1 m_0 - \eta_1 g_1\big|_{m_0 = 0} = -\eta_1 g_1 = -\eta_1 b_1")
    p.step("induction step: mu_t m_{t-1} - eta_t g_t", mu_t * (-eta[t - 1] * b[t - 1]) - eta[t] * g[t],
           -eta[t] * (mu * b[t - 1] + g[t]),
           shows=r"\mu\frac{\eta_t}{\eta_{t-1}}\left(-\eta_{t-1} b_{t-1}\right) - \eta_t g_t = "
                 r"-\eta_t\left(\mu b_{t-1} + g_t\right) = -\eta_t b_t")
    lr = lambda n: sp.Rational(1, n + 1)  # noqa: E731 - a decreasing schedule keeps mu_t in [0, 1]
    keras = _thetas(lambda n: Convention("keras", _MU * lr(n) / lr(n - 1) if n > 1 else _MU), lr)
    _library_step(p, "the library's reference_step: Keras with the reparametrised momentum and PyTorch (tau = 0) give "
           "the same parameters under the schedule eta_n = 1/(n+1)",
           sp.Tuple(*keras, *_thetas(lambda n: Convention("pytorch", _MU, 0), lr)), sp.Tuple(*_closed_thetas(lr) * 2),
           shows=r"\theta_n\ \text{of}\ \texttt{reference\_step}(\text{keras}, \mu\eta_n/\eta_{n-1}) = \theta_n\ \text{of}\ "
                 r"\texttt{reference\_step}(\text{pytorch}, \mu, \tau = 0) = \theta_0 - \sum_{j=1}^{n}\eta_j b_j,\ "
                 r"\eta_n = \tfrac{1}{n+1}" + _LIB)
    return p


def prove_keras_equals_pytorch_constant_lr() -> Proof:
    """For a constant lr Keras(mu) = PyTorch(mu, tau = 0), plain and Nesterov, with ``m_t = -eta b_t``."""
    eta_c = sp.Symbol("eta", positive=True)
    p = Proof(r"\eta_t \equiv \eta:\ \mu_t = \mu,\ m_t = -\eta b_t,\ \text{Nesterov steps equal}",
              assumptions="tau = 0, no weight decay")
    p.step("the reparametrised momentum is mu", sp.Subs(mu * eta[t] / eta[t - 1], (eta[t], eta[t - 1]), (eta_c, eta_c)),
           mu, shows=r"\mu\frac{\eta_t}{\eta_{t-1}}\Big|_{\eta_t = \eta_{t-1} = \eta} = \mu")
    b_t = mu * b[t - 1] + g[t]
    p.step("Nesterov: mu m_t - eta g_t = -eta (g_t + mu b_t)", mu * (-eta_c * b_t) - eta_c * g[t],
           -eta_c * (g[t] + mu * b_t), shows=r"\mu m_t - \eta g_t = \mu(-\eta b_t) - \eta g_t = -\eta\left(g_t + \mu b_t\right)")
    lib = lambda fam, nest: _thetas(lambda n: Convention(fam, _MU, 0, nesterov=nest), lambda n: eta_c)  # noqa: E731
    _library_step(p, "the library's reference_step: Keras and PyTorch (tau = 0) give the same parameters at a constant "
           "symbolic lr, plain and Nesterov",
           sp.Tuple(*[th for fam in ("keras", "pytorch") for nest in (False, True) for th in lib(fam, nest)]),
           sp.Tuple(*[th for _ in range(2) for nest in (False, True) for th in _closed_thetas(lambda j: eta_c, nest)]),
           shows=r"\theta_n\ \text{of}\ \texttt{reference\_step}(\text{keras}, \mu, \eta) = \theta_n\ \text{of}\ "
                 r"\texttt{reference\_step}(\text{pytorch}, \mu, \tau = 0, \eta) = \theta_0 - \eta\sum_{j=1}^{n} b_j"
                 r"\ (\text{Nesterov: } g_j + \mu b_j)" + _LIB)
    return p


def prove_lr_change_divergence() -> Proof:
    r"""The exact gap between PyTorch and Keras (same ``mu``) under a schedule.

    Open loop (both fed the same gradients), per step ``t``:
    ``Delta_t = step^P_t - step^K_t = -\sum_{k=1}^t mu^{t-k} (eta_t - eta_k) g_k``, zero for all
    streams iff the lr is constant.  At a single change from ``eta`` to ``eta'`` at step ``s``
    (both agreeing before): ``Delta_t = -(eta' - eta) mu^{t-s+1} b_{s-1}`` for ``t >= s``, so the
    parameters end ``-(eta' - eta) mu/(1 - mu) b_{s-1}`` apart.  The Nesterov gap at the change
    step is ``-mu^2 (eta_t - eta_{t-1}) b_{t-1}``.
    """
    p = Proof(r"\theta^P - \theta^K \to -(\eta'-\eta)\frac{\mu}{1-\mu} b_{s-1}",
              assumptions="tau = 0, no weight decay, 0 < mu < 1, same gradient stream (open loop)")
    lemma_w = prove_geometric_sum_lemma(g, eta[k])
    unrolled, m_t = mu * (-_decayed_sum(g, t - 1, eta[k])) - eta[t] * g[t], -_decayed_sum(g, t, eta[k])
    p.step("Keras unrolled: m_t = -sum mu^{t-k} eta_k g_k (summation lemma with weights eta_k)", unrolled, m_t,
           verified=lemma_w.holds and sums_equal(unrolled, m_t),
           shows=r"\mu m_{t-1} - \eta_t g_t = -\mu\sum_{k=1}^{t-1}\mu^{t-1-k}\eta_k g_k - \eta_t g_t = "
                 r"-\sum_{k=1}^{t}\mu^{t-k}\eta_k g_k = m_t")
    step_p = -eta[t] * _decayed_sum(g, t)
    gap = sp.Sum(mu ** (t - k) * (eta[t] - eta[k]) * g[k], (k, 1, t))
    p.step("per-step gap, any schedule", step_p + _decayed_sum(g, t, eta[k]), -gap,
           shows=r"-\eta_t\sum_{k=1}^{t}\mu^{t-k} g_k + \sum_{k=1}^{t}\mu^{t-k}\eta_k g_k = "
                 r"-\sum_{k=1}^{t}\mu^{t-k}(\eta_t - \eta_k) g_k")
    head = sp.Sum(mu ** (t - k) * (eta_new - eta_old) * g[k], (k, 1, s - 1))
    p.step("single change at s: only k < s contribute, as mu^{t-s+1} b_{s-1}", head,
           (eta_new - eta_old) * mu ** (t - s + 1) * _decayed_sum(g, s - 1),
           shows=r"\sum_{k=1}^{s-1}\mu^{t-k}(\eta' - \eta) g_k = (\eta' - \eta)\,\mu^{t-s+1}\sum_{k=1}^{s-1}\mu^{s-1-k} g_k")
    total = sp.Sum(mu ** (t - s + 1), (t, s, sp.oo))
    p.step("sum over t >= s of mu^{t-s+1} (geometric series, mu < 1)", total, mu / (1 - mu),
           verified=equal(_branch_where(total.doit(), mu < 1), mu / (1 - mu)),
           shows=r"\sum_{t=s}^{\infty}\mu^{t-s+1} = \frac{\mu}{1-\mu}\quad (0 < \mu < 1)")
    bp = sp.Symbol("b_{t-1}")
    nest_p = -eta[t] * (g[t] + mu * (mu * bp + g[t]))
    nest_k = mu * (-mu * eta[t - 1] * bp - eta[t] * g[t]) - eta[t] * g[t]
    p.step("Nesterov gap at the change step", nest_p - nest_k, -mu ** 2 * (eta[t] - eta[t - 1]) * bp,
           shows=r"-\eta_t\left(g_t + \mu(\mu b_{t-1} + g_t)\right) - \left(\mu(-\mu\eta_{t-1} b_{t-1} - \eta_t g_t) - "
                 r"\eta_t g_t\right) = -\mu^2(\eta_t - \eta_{t-1}) b_{t-1}")
    plain_p = -eta[t] * (mu * bp + g[t])
    plain_k = -mu * eta[t - 1] * bp - eta[t] * g[t]
    p.step("plain gap at the change step", plain_p - plain_k, -mu * (eta[t] - eta[t - 1]) * bp,
           shows=r"-\eta_t(\mu b_{t-1} + g_t) - \left(-\mu\eta_{t-1} b_{t-1} - \eta_t g_t\right) = "
                 r"-\mu(\eta_t - \eta_{t-1}) b_{t-1}")
    change, n_steps = 3, _GAP_STEPS + 1
    lr = lambda n: eta_old if n < change else eta_new  # noqa: E731
    gaps = [tp - tk for tp, tk in zip(_thetas(lambda n: Convention("pytorch", _MU, 0), lr, n_steps),
                                      _thetas(lambda n: Convention("keras", _MU), lr, n_steps))]
    b_before = _decayed_sum(g, change - 1).subs(mu, _MU).doit()
    j = sp.Symbol("j", integer=True)
    want = [-(eta_new - eta_old) * sp.Sum(_MU ** (j - change + 1), (j, change, max(n, change - 1))) * b_before for n in range(1, n_steps + 1)]
    _library_step(p, "the library's reference_step: PyTorch minus Keras parameters under one lr change at s = 3 are the "
           "accumulated per-step gaps", sp.Tuple(*gaps), sp.Tuple(*want),
           shows=r"\theta^P_n - \theta^K_n\ \text{of}\ \texttt{reference\_step} = -(\eta' - \eta)\sum_{j=s}^{n}"
                 r"\mu^{j-s+1} b_{s-1},\ s = 3,\ \mu = \tfrac{9}{10},\ n = 1..5\ (\text{empty sum for } n < s)")
    return p


def prove_weight_decay_placement() -> Proof:
    """Coupled (PyTorch/optax) vs decoupled (Keras) weight decay at a constant lr.

    With ``mu = 0`` the steps are equal.  With momentum, from an agreeing state
    (``m_{t-1} = -eta b_{t-1}``) the parameter step agrees but the velocity does not:
    ``m_t + eta b_t = eta lam theta_{t-1}``: the decay enters the PyTorch buffer and is carried by
    momentum, so the next step differs by ``mu eta lam theta_{t-1}``.
    """
    eta_c = sp.Symbol("eta", positive=True)
    th, bp = sp.symbols("theta_{t-1} b_{t-1}")
    p = Proof(r"\mu = 0:\ \text{coupled} = \text{decoupled};\quad m_t + \eta b_t = \eta\lambda\theta_{t-1}",
              assumptions="constant lr eta, tau = 0")
    p.step("mu = 0: theta - eta (g + lam theta) = (1 - eta lam) theta - eta g",
           th - eta_c * (g[t] + lam * th), (1 - eta_c * lam) * th - eta_c * g[t],
           shows=r"\theta_{t-1} - \eta(g_t + \lambda\theta_{t-1}) = (1 - \eta\lambda)\theta_{t-1} - \eta g_t")
    b_t = mu * bp + g[t] + lam * th
    m_t = mu * (-eta_c * bp) - eta_c * g[t]
    p.step("same parameter step", th - eta_c * b_t, (1 - eta_c * lam) * th + m_t,
           shows=r"\theta_{t-1} - \eta b_t = (1-\eta\lambda)\theta_{t-1} + m_t,\quad b_t = \mu b_{t-1} + g_t + "
                 r"\lambda\theta_{t-1},\ m_t = \mu(-\eta b_{t-1}) - \eta g_t")
    p.step("velocity gap", m_t + eta_c * b_t, eta_c * lam * th, shows=r"m_t + \eta b_t = \eta\lambda\theta_{t-1}")
    wd = sp.Rational(1, 10)
    one = lambda fam, mom, state: _trajectory(lambda n: Convention(fam, mom, 0, weight_decay=wd), lambda n: eta_c, 1,  # noqa: E731
                                              state, th)[0]
    (tp, bt), (tk, mk) = one("pytorch", _MU, bp), one("keras", _MU, -eta_c * bp)
    (tp0, _), (tk0, _) = one("pytorch", 0, None), one("keras", 0, 0)
    _library_step(p, "the library's reference_step with weight decay 1/10, from an agreeing state: same parameters, "
           "velocity gap eta lam theta (mu = 9/10); same parameters at mu = 0", sp.Tuple(tp - tk, mk + eta_c * bt, tp0 - tk0),
           sp.Tuple(0, eta_c * wd * th, 0),
           shows=r"\texttt{reference\_step}:\ \theta^P_t - \theta^K_t = 0,\ m^K_t + \eta b^P_t = \eta\lambda\theta_{t-1}"
                 r"\ (\mu = \tfrac{9}{10},\ m^K_{t-1} = -\eta b^P_{t-1});\ \theta^P_t = \theta^K_t\ (\mu = 0);\ "
                 r"\lambda = \tfrac{1}{10}")
    return p


def _branch_where(expr, condition):
    """The branch of every Piecewise in ``expr`` that holds under ``condition`` (e.g. ``mu < 1``)."""
    def pick(pw):
        for value, cond in pw.args:
            if cond == condition or cond is sp.true:
                return value
        raise ValueError(f"expr has no branch for {condition}; got {pw}")
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), pick)
