"""The momentum conventions of real libraries: the exact maps between them, proven in SymPy (C9).

The four families (PyTorch, Keras / Sutskever / the seed, optax, EMA) and their update rules are
written out in ``optproof.base.conventions``, beside their numeric reference steps.

The theorems (each a ``Proof`` for symbolic ``t`` and a general schedule ``eta_t``, an
``IndexedBase``) are collected by ``convention_proofs()``; ``EQUIVALENCES`` lists which pairs
agree for any schedule, which only for a constant lr, and where they part.

The numeric reference steps (``Convention``, ``reference_step``, ``Arith``, ``OPS_PER_STEP``) are
NumPy-only and live in ``optproof.base.conventions`` (the conformance checker's run-time core);
they are re-exported here, and ``prove_reference_steps_follow_the_closed_forms`` runs them on SymPy
symbols to state that they agree with the theorems.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from optproof.base.conventions import (EXACT, FAMILIES, MAGNITUDE, OPS_PER_STEP, Arith, Convention, init_state,
                                       reference_step)
from optproof.mathcore.proof import Proof

__all__ = [
    "FAMILIES",
    "Convention",
    "Arith",
    "EXACT",
    "MAGNITUDE",
    "init_state",
    "reference_step",
    "OPS_PER_STEP",
    "EQUIVALENCES",
    "convention_proofs",
    "prove_geometric_sum_lemma",
    "prove_pytorch_buffer_closed_form",
    "prove_optax_equals_pytorch",
    "prove_ema_equals_scaled_pytorch",
    "prove_dampening_first_step_gap",
    "prove_keras_reparametrisation",
    "prove_keras_equals_pytorch_constant_lr",
    "prove_lr_change_divergence",
    "prove_weight_decay_placement",
    "prove_reference_steps_follow_the_closed_forms",
]


# ---------------------------------------------------------------------------------------------
# Symbols and the summation lemma
# ---------------------------------------------------------------------------------------------

t, k, s = sp.symbols("t k s", integer=True, positive=True)
mu, tau, lam = sp.symbols("mu tau lambda", positive=True)
g, eta, b, m, theta = (sp.IndexedBase(n) for n in ("g", "eta", "b", "m", "theta"))
eta_old, eta_new = sp.symbols("eta eta'", positive=True)


def _decayed_sum(x, n, weight=1):
    r"""``\sum_{k=1}^{n} mu^{n-k} weight_k x_k`` (``weight`` may depend on ``k``)."""
    return sp.Sum(mu ** (n - k) * weight * x[k], (k, 1, n))


def prove_geometric_sum_lemma(x=g, weight=1) -> Proof:
    r"""Lemma: ``S_t = mu S_{t-1} + w_t x_t`` for ``S_t = \sum_{k=1}^t mu^{t-k} w_k x_k``, ``S_1 = w_1 x_1``."""
    S = lambda n: _decayed_sum(x, n, weight)  # noqa: E731
    last = sp.Sum(mu ** (t - k) * weight * x[k], (k, t, t))
    head = sp.Sum(mu ** (t - k) * weight * x[k], (k, 1, t - 1))
    p = Proof(r"S_t = \mu S_{t-1} + w_t x_t,\quad S_1 = w_1 x_1", assumptions="t >= 2 integer")
    p.step("base: the sum with one term", S(1).doit(), (weight * x[k]).subs(k, 1))
    p.step("split off the last term k = t", S(t), head + last)
    p.step("the last term", last.doit(), (weight * x[k]).subs(k, t))
    p.step("pull one factor mu out of the head", head, mu * S(t - 1))
    return p


def prove_pytorch_buffer_closed_form() -> Proof:
    r"""``b_t = (1 - tau) \sum_{k=1}^t mu^{t-k} g_k + tau mu^{t-1} g_1`` (PyTorch buffer, any t).

    The second term is the first-step exception: without it (``b_1 = (1-tau) g_1``) the buffer
    would be exactly ``(1-tau)`` times the undamped one.
    """
    closed = lambda n: (1 - tau) * _decayed_sum(g, n) + tau * mu ** (n - 1) * g[1]  # noqa: E731
    p = Proof(r"b_t = (1-\tau)\sum_{k=1}^t \mu^{t-k} g_k + \tau \mu^{t-1} g_1",
              assumptions="b_1 = g_1, b_t = mu b_{t-1} + (1 - tau) g_t; induction on t >= 2")
    p.step("base t = 1: the closed form gives g_1 = b_1", closed(1).doit(), g[1])
    p.step("induction: mu * closed(t-1) + (1 - tau) g_t, regrouped",
           mu * closed(t - 1) + (1 - tau) * g[t],
           (1 - tau) * (mu * _decayed_sum(g, t - 1) + g[t]) + tau * mu ** (t - 1) * g[1])
    lemma = prove_geometric_sum_lemma()
    p.step("by the summation lemma this is closed(t)",
           (1 - tau) * (mu * _decayed_sum(g, t - 1) + g[t]) + tau * mu ** (t - 1) * g[1],
           closed(t), verified=lemma.holds)
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
    p.step("base: tr_1 = g_1 + mu * 0 = b_1", g[1] + mu * 0, g[1])
    p.step("induction: g_t + mu tr_{t-1} with tr_{t-1} = b_{t-1}",
           (g[t] + mu * tr_prev).subs(tr_prev, b[t - 1]), mu * b[t - 1] + g[t])
    p.step("same step: -eta_t tr_t = -eta_t b_t", -eta[t] * (mu * b[t - 1] + g[t]),
           -eta[t] * (g[t] + mu * b[t - 1]))
    p.step("same Nesterov step", -eta[t] * (g[t] + mu * (g[t] + mu * b[t - 1])),
           -eta[t] * g[t] - eta[t] * mu * (mu * b[t - 1] + g[t]))
    return p


def prove_ema_equals_scaled_pytorch() -> Proof:
    """EMA with lr ``eta_t`` equals PyTorch (``mu = beta``, ``tau = 0``) with lr ``(1 - beta) eta_t``.

    ``m_t = (1 - beta) b_t`` for all t, hence ``eta_t m_t = ((1 - beta) eta_t) b_t`` for any schedule.
    """
    beta = mu
    p = Proof(r"m_t = (1-\beta) b_t,\ \ \eta_t m_t = \big((1-\beta)\eta_t\big) b_t",
              assumptions="m_0 = 0, b_1 = g_1; induction hypothesis m_{t-1} = (1 - beta) b_{t-1}")
    p.step("base: m_1 = beta 0 + (1 - beta) g_1", beta * 0 + (1 - beta) * g[1], (1 - beta) * g[1])
    p.step("induction step", beta * (1 - beta) * b[t - 1] + (1 - beta) * g[t],
           (1 - beta) * (beta * b[t - 1] + g[t]))
    p.step("the parameter step", eta[t] * (1 - beta) * b[t], ((1 - beta) * eta[t]) * b[t])
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
    p.step("base, from the recursions: b_1 - m_1 = g_1 - (beta 0 + (1 - beta) g_1) = beta^1 g_1",
           torch_buf(None, g[1]) - ema(0, g[1]), (beta ** t * g[1]).subs(t, 1))
    p.step("the gap obeys d_t = beta d_{t-1} (the g_t terms cancel)",
           torch_buf(b[t - 1], g[t]) - ema(m[t - 1], g[t]), beta * (b[t - 1] - m[t - 1]))
    p.step("induction", (beta * d_prev).subs(d_prev, beta ** (t - 1) * g[1]), beta ** t * g[1])
    p.step(f"reference_step (pytorch, mu = tau = 9/10) minus reference_step (ema, beta = 9/10), t = 1..{_GAP_STEPS}",
           sp.Tuple(*_reference_gap(_GAP_STEPS)), sp.Tuple(*[sp.Rational(9, 10) ** n * g[1]
                                                              for n in range(1, _GAP_STEPS + 1)]))
    return p


_GAP_STEPS = 4


def _reference_gap(n_steps: int) -> list:
    """``b_t − m_t`` of the library's own ``reference_step`` (PyTorch with τ = μ, EMA) on symbolic gradients."""
    from fractions import Fraction
    beta_ = Fraction(9, 10)
    torch_c, ema_c = Convention("pytorch", beta_, beta_), Convention("ema", beta_)
    th, buf, mm = np.array([sp.Integer(0)], dtype=object), None, np.array([sp.Integer(0)], dtype=object)
    th_e, out = th.copy(), []
    for n in range(1, n_steps + 1):
        grad = np.array([g[n]], dtype=object)
        th, buf = reference_step(torch_c, th, buf, grad, 1)
        th_e, mm = reference_step(ema_c, th_e, mm, grad, 1)
        out.append(sp.nsimplify(sp.expand(buf[0] - mm[0])))
    return out


def prove_keras_reparametrisation() -> Proof:
    r"""PyTorch with lr ``eta_t`` equals Keras with momentum ``mu_t = mu eta_t / eta_{t-1}``.

    The velocity is ``m_t = -eta_t b_t`` (induction) and then ``theta_t`` agree for any schedule.
    """
    mu_t = mu * eta[t] / eta[t - 1]
    p = Proof(r"m_t = -\eta_t b_t \text{ when Keras uses } \mu_t = \mu\,\eta_t/\eta_{t-1}",
              assumptions="tau = 0, no weight decay; m_0 = 0; hypothesis m_{t-1} = -eta_{t-1} b_{t-1}")
    p.step("base: m_1 = mu_1 0 - eta_1 g_1 = -eta_1 b_1", -eta[1] * g[1], -eta[1] * g[1])
    p.step("induction: mu_t m_{t-1} - eta_t g_t", mu_t * (-eta[t - 1] * b[t - 1]) - eta[t] * g[t],
           -eta[t] * (mu * b[t - 1] + g[t]))
    p.step("same parameter step: theta + m_t = theta - eta_t b_t",
           theta[t - 1] + (-eta[t] * (mu * b[t - 1] + g[t])), theta[t - 1] - eta[t] * (mu * b[t - 1] + g[t]))
    return p


def prove_keras_equals_pytorch_constant_lr() -> Proof:
    """For a constant lr Keras(mu) = PyTorch(mu, tau = 0), plain and Nesterov, with ``m_t = -eta b_t``."""
    eta_c = sp.Symbol("eta", positive=True)
    p = Proof(r"\eta_t \equiv \eta:\ \mu_t = \mu,\ m_t = -\eta b_t,\ \text{Nesterov steps equal}",
              assumptions="tau = 0, no weight decay")
    p.step("the reparametrised momentum is mu", (mu * eta[t] / eta[t - 1]).subs({eta[t]: eta_c, eta[t - 1]: eta_c}), mu)
    b_t = mu * b[t - 1] + g[t]
    p.step("Nesterov: mu m_t - eta g_t = -eta (g_t + mu b_t)", mu * (-eta_c * b_t) - eta_c * g[t],
           -eta_c * (g[t] + mu * b_t))
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
    p.step("Keras unrolled: m_t = -sum mu^{t-k} eta_k g_k (lemma with weights eta_k)",
           mu * (-_decayed_sum(g, t - 1, eta[k])) - eta[t] * g[t], -_decayed_sum(g, t, eta[k]),
           verified=lemma_w.holds)
    step_p = -eta[t] * _decayed_sum(g, t)
    gap = sp.Sum(mu ** (t - k) * (eta[t] - eta[k]) * g[k], (k, 1, t))
    p.step("per-step gap, any schedule", step_p + _decayed_sum(g, t, eta[k]), -gap)
    head = sp.Sum(mu ** (t - k) * (eta_new - eta_old) * g[k], (k, 1, s - 1))
    p.step("single change at s: only k < s contribute, as mu^{t-s+1} b_{s-1}", head,
           (eta_new - eta_old) * mu ** (t - s + 1) * _decayed_sum(g, s - 1))
    total = _branch_where(sp.summation(mu ** (t - s + 1), (t, s, sp.oo)), mu < 1)
    p.step("sum over t >= s of mu^{t-s+1} (geometric, mu < 1)", total, mu / (1 - mu))
    bp = sp.Symbol("b_{t-1}")
    nest_p = -eta[t] * (g[t] + mu * (mu * bp + g[t]))
    nest_k = mu * (-mu * eta[t - 1] * bp - eta[t] * g[t]) - eta[t] * g[t]
    p.step("Nesterov gap at the change step", nest_p - nest_k, -mu ** 2 * (eta[t] - eta[t - 1]) * bp)
    plain_p = -eta[t] * (mu * bp + g[t])
    plain_k = -mu * eta[t - 1] * bp - eta[t] * g[t]
    p.step("plain gap at the change step", plain_p - plain_k, -mu * (eta[t] - eta[t - 1]) * bp)
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
           th - eta_c * (g[t] + lam * th), (1 - eta_c * lam) * th - eta_c * g[t])
    b_t = mu * bp + g[t] + lam * th
    m_t = mu * (-eta_c * bp) - eta_c * g[t]
    p.step("same parameter step", th - eta_c * b_t, (1 - eta_c * lam) * th + m_t)
    p.step("velocity gap", m_t + eta_c * b_t, eta_c * lam * th)
    return p


def _branch_where(expr, condition):
    """The branch of every Piecewise in ``expr`` that holds under ``condition`` (e.g. ``mu < 1``)."""
    def pick(pw):
        for value, cond in pw.args:
            if cond == condition or cond is sp.true:
                return value
        raise ValueError(f"expr has no branch for {condition}; got {pw}")
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), pick)


def prove_reference_steps_follow_the_closed_forms(n_steps: int = 4) -> Proof:
    r"""The numeric ``reference_step`` of every family, run on SymPy symbols, equals the closed forms.

    With ``mu = 9/10``, ``tau = 1/2`` (PyTorch), symbolic ``theta_0``, ``eta`` and ``g_1..g_T``:
    ``theta_T = theta_0 - eta \sum_t b_t`` with the buffer of ``prove_pytorch_buffer_closed_form``;
    optax and Keras (constant lr) give the undamped buffer, EMA ``(1 - beta)`` times it.
    """
    mu_ = sp.Rational(9, 10)
    tau_ = sp.Rational(1, 2)
    grads = sp.symbols(f"g1:{n_steps + 1}")
    lr, th0 = sp.symbols("eta theta_0")
    undamped = [sum(mu_ ** (n - k) * grads[k - 1] for k in range(1, n + 1)) for n in range(1, n_steps + 1)]
    damped = [(1 - tau_) * u + tau_ * mu_ ** (n - 1) * grads[0] for n, u in enumerate(undamped, start=1)]
    expected = {"pytorch": th0 - lr * sum(damped), "optax": th0 - lr * sum(undamped),
                "keras": th0 - lr * sum(undamped), "ema": th0 - lr * (1 - mu_) * sum(undamped)}
    proof = Proof(r"\theta_T = \theta_0 - \eta\sum_{t=1}^T b_t\ \text{for every family's reference step}",
                  assumptions=f"mu = 9/10, PyTorch dampening 1/2; T = {n_steps} symbolic gradients, constant lr")
    for family, closed in expected.items():
        conv = Convention(family, mu_, tau_ if family == "pytorch" else 0)
        theta = np.array([th0], dtype=object)  # one coordinate, as the checker's object arrays
        state = init_state(conv, theta)
        for grad in grads:
            theta, state = reference_step(conv, theta, state, np.array([grad], dtype=object), lr)
        proof.step(f"{family}: reference_step x {n_steps} = closed form", sp.expand(theta[0]), sp.expand(closed))
    return proof


def convention_proofs() -> dict[str, Proof]:
    """Every theorem about the conventions, by name."""
    return {
        "geometric_sum_lemma": prove_geometric_sum_lemma(),
        "pytorch_buffer_closed_form": prove_pytorch_buffer_closed_form(),
        "optax_equals_pytorch": prove_optax_equals_pytorch(),
        "ema_equals_scaled_pytorch": prove_ema_equals_scaled_pytorch(),
        "dampening_first_step_gap": prove_dampening_first_step_gap(),
        "keras_reparametrisation": prove_keras_reparametrisation(),
        "keras_equals_pytorch_constant_lr": prove_keras_equals_pytorch_constant_lr(),
        "lr_change_divergence": prove_lr_change_divergence(),
        "weight_decay_placement": prove_weight_decay_placement(),
        "reference_steps_follow_the_closed_forms": prove_reference_steps_follow_the_closed_forms(),
    }


#: (convention A, convention B, when they produce the same parameters, the proof that says so)
EQUIVALENCES: tuple[tuple[str, str, str, str], ...] = (
    ("pytorch(mu, tau=0)", "optax(mu)", "any schedule (plain and Nesterov)", "optax_equals_pytorch"),
    ("ema(beta) at lr eta_t", "pytorch(beta, tau=0) at lr (1-beta) eta_t", "any schedule",
     "ema_equals_scaled_pytorch"),
    ("pytorch(mu) at lr eta_t", "keras(mu eta_t/eta_{t-1}) at lr eta_t", "any schedule (plain)",
     "keras_reparametrisation"),
    ("pytorch(mu)", "keras(mu)", "constant lr only; gap -mu (eta_t - eta_{t-1}) b_{t-1} at a change",
     "lr_change_divergence"),
    ("pytorch(mu, nesterov)", "keras(mu, nesterov)", "constant lr only; gap -mu^2 (eta_t - eta_{t-1}) b_{t-1}",
     "lr_change_divergence"),
    ("pytorch(beta, tau=beta)", "ema(beta)", "never: buffers differ by beta^t g_1", "dampening_first_step_gap"),
    ("pytorch(mu, wd)", "keras(mu, wd)", "only when mu = 0 (coupled vs decoupled decay)",
     "weight_decay_placement"),
)
