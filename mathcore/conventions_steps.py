"""The library's numeric ``reference_step`` run on SymPy symbols, against the closed forms (C9).

The helpers here feed symbolic gradients ``g_1..g_n``, ``theta_0`` and learning rates through
``optproof.base.conventions.reference_step`` (one coordinate, object arrays, as the conformance
checker does) and compare the result with a closed form; the theorems of ``mathcore.conventions_proofs``
end on such a step.  ``prove_reference_steps_follow_the_closed_forms`` states it for every family.
Re-exported by ``optproof.mathcore.conventions``.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from optproof.base.conventions import Convention, init_state, reference_step
from optproof.mathcore.conventions import g, k, theta
from optproof.mathcore.proof import Proof, equal

__all__ = ["prove_reference_steps_follow_the_closed_forms"]


#: the library checks: reference_step at mu = 9/10 (PyTorch dampening 1/2) on symbolic g_1..g_T, theta_0, lrs
_MU, _TAU, _GAP_STEPS = sp.Rational(9, 10), sp.Rational(1, 2), 4
_LIB = r",\ \mu = \tfrac{9}{10},\ n = 1..4"


def _trajectory(conv, lr, n_steps: int = _GAP_STEPS, state=None, theta_0=theta[0]) -> list:
    """``[(theta_n, state_n)]``, n = 1..n_steps: the library's ``reference_step`` on symbolic ``g_n``.

    ``conv`` and ``lr`` are functions of the step ``n`` (a schedule; Keras' momentum may change per step);
    ``state`` a symbolic starting state (default: the family's ``init_state``).  Nothing is simplified.
    """
    th = np.array([theta_0], dtype=object)  # one coordinate, as the checker's object arrays
    st = init_state(conv(1), th) if state is None else np.array([state], dtype=object)
    out = []
    for n in range(1, n_steps + 1):
        th, st = reference_step(conv(n), th, st, np.array([g[n]], dtype=object), lr(n))
        out.append((th[0], None if st is None else st[0]))
    return out


def _thetas(conv, lr, n_steps: int = _GAP_STEPS) -> list:
    return [th for th, _ in _trajectory(conv, lr, n_steps)]


def _agree(lhs: sp.Tuple, rhs: sp.Tuple) -> bool:
    """``equal`` entry-wise after evaluating the unevaluated sums (fast: linear forms in the ``g_k``)."""
    return equal([sp.expand(sp.sympify(x).doit()) for x in lhs], [sp.expand(sp.sympify(x).doit()) for x in rhs])


def _library_step(p: Proof, why: str, lhs: sp.Tuple, rhs: sp.Tuple, *, shows: str) -> None:
    """A step comparing the library's ``reference_step`` with the closed form, verified by ``_agree``."""
    p.step(why, lhs, rhs, verified=_agree(lhs, rhs), shows=shows)


def _closed_thetas(lr, nesterov: bool = False, n_steps: int = _GAP_STEPS) -> list:
    r"""``theta_n = theta_0 - \sum_{j<=n} lr(j) d_j`` with the undamped buffer ``b_j = \sum_k mu^{j-k} g_k``
    (``d_j = b_j``, Nesterov ``g_j + mu b_j``) at ``mu = 9/10``: the closed form, sums left unevaluated."""
    buf = lambda j: sp.Sum(_MU ** (j - k) * g[k], (k, 1, j))  # noqa: E731
    step = (lambda j: g[j] + _MU * buf(j)) if nesterov else buf
    return [theta[0] - sum(lr(j) * step(j) for j in range(1, n + 1)) for n in range(1, n_steps + 1)]


#: what each family's closed form is, for the statement of ``prove_reference_steps_follow_the_closed_forms``
_CLOSED_TEX = {"pytorch": r"\left((1-\tau)\sum_{k=1}^{t}\mu^{t-k} g_k + \tau\mu^{t-1} g_1\right)",
               "optax": r"\sum_{k=1}^{t}\mu^{t-k} g_k", "keras": r"\sum_{k=1}^{t}\mu^{t-k} g_k",
               "ema": r"(1-\mu)\sum_{k=1}^{t}\mu^{t-k} g_k"}


def prove_reference_steps_follow_the_closed_forms(n_steps: int = 4) -> Proof:
    r"""The numeric ``reference_step`` of every family, run on SymPy symbols, equals the closed forms.

    With ``mu = 9/10``, ``tau = 1/2`` (PyTorch), symbolic ``theta_0``, ``eta`` and ``g_1..g_T``:
    ``theta_T = theta_0 - eta \sum_t b_t`` with the buffer of ``prove_pytorch_buffer_closed_form``;
    optax and Keras (constant lr) give the undamped buffer, EMA ``(1 - beta)`` times it.
    """
    grads = [g[n] for n in range(1, n_steps + 1)]
    lr = sp.Symbol("eta")
    undamped = [sum(_MU ** (n - k) * grads[k - 1] for k in range(1, n + 1)) for n in range(1, n_steps + 1)]
    damped = [(1 - _TAU) * u + _TAU * _MU ** (n - 1) * grads[0] for n, u in enumerate(undamped, start=1)]
    expected = {"pytorch": theta[0] - lr * sum(damped), "optax": theta[0] - lr * sum(undamped),
                "keras": theta[0] - lr * sum(undamped), "ema": theta[0] - lr * (1 - _MU) * sum(undamped)}
    proof = Proof(r"\theta_T = \theta_0 - \eta\sum_{t=1}^T b_t\ \text{for every family's reference step}",
                  assumptions=f"mu = 9/10, PyTorch dampening 1/2; T = {n_steps} symbolic gradients, constant lr")
    for family, closed in expected.items():
        conv = Convention(family, _MU, _TAU if family == "pytorch" else 0)
        theta_T = _thetas(lambda n: conv, lambda n: lr, n_steps)[-1]
        proof.step(f"{family}: the library's reference_step x {n_steps} = the closed form", theta_T, closed,
                   shows=rf"\theta_T\ \text{{of}}\ \texttt{{reference\_step}}(\text{{{family}}}) = \theta_0 - "
                         rf"\eta\sum_{{t=1}}^{{T}}{_CLOSED_TEX[family]},\ \mu = \tfrac{{9}}{{10}},\ \tau = \tfrac12,\ T = {n_steps}")
    return proof
