"""Exact theory in the simulator's vocabulary: ``moments(problem, optimizer, sampler, n_steps)`` (C3, C5, C9).

The inputs are the specs of ``optproof.base.specs`` that ``optproof.sim.simulate`` runs, so an
experiment is described once and both sides read it:

- ``LeastSquares(X, y)`` with ``Sampler("fresh", B)`` (a uniform B-subset every step) or
  ``Sampler("replacement", B)`` (i.i.d. indices; a short last batch of size ``N − (S−1)B`` per
  epoch unless ``drop_last``): the multiplicative-noise recursion of ``minibatch_moments`` with
  factor ``c_t = (N − B)/((N − 1)B)`` or ``1/|b_t|``;
- ``Quadratic(H, b, noise_std | noise_cov)`` with ``sampler=None``: the additive-noise recursion of
  ``noise.moments`` with ``C = noise_cov`` or ``σ² I``;

for ``HeavyBall(lr, momentum)`` (``m_t = λ m_{t−1} − η g_t``, ``θ_t = θ_{t−1} + m_t``), ``SGD(lr)`` and
``PyTorchSGD`` (``mathcore.pytorch_moments``; its velocity is PyTorch's buffer b).
The expected full loss is exact because L is quadratic: with ``S_t = Cov θ_t + μ_t μ_tᵀ``,

    E[L(θ_t)] = ½ tr(G S_t) − hᵀμ_t + c        (least squares: G = XᵀX/N, h = Xᵀy/N, c = yᵀy/(2N))
    E[f(θ_t)] = ½ tr(H S_t) − bᵀμ_t            (quadratic)

Reshuffled and fixed-order epochs correlate the batches of an epoch (``within_epoch_batch_covariance``),
so they have no i.i.d. closed form here and are refused.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from optproof.base.specs import FiniteSum, HeavyBall, LeastSquares, PyTorchSGD, Quadratic, Sampler, check_n
from optproof.base.validation import check_array, check_int
from optproof.mathcore.minibatch_moments import initial_state, joint_moment_recursion
from optproof.mathcore.minibatch_noise import _data, _factor
from optproof.mathcore.noise import moments as additive_moments

__all__ = ["Moments", "moments", "EXACT_SAMPLERS"]

EXACT_SAMPLERS = ("fresh", "replacement")  # i.i.d. batches, independent of the past


class Moments(NamedTuple):
    """Exact moments at steps 0..T: ``theta_mean`` (T+1, d), ``theta_cov`` (T+1, d, d), ``loss_mean``
    (T+1,) = E[L(θ_t)], ``velocity_mean`` (T+1, d), ``velocity_cov`` (T+1, d, d) and ``joint_cov``
    (T+1, 2d, 2d) of the state (θ_t, m_t)."""

    theta_mean: np.ndarray
    theta_cov: np.ndarray
    loss_mean: np.ndarray
    velocity_mean: np.ndarray
    velocity_cov: np.ndarray
    joint_cov: np.ndarray


def _expected_quadratic(G: np.ndarray, h: np.ndarray, c: float, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """E[½θᵀGθ − hᵀθ + c] = ½ tr(G (Cov + μμᵀ)) − hᵀμ + c for each step (rows of ``mean``)."""
    second = cov + np.einsum("ti,tj->tij", mean, mean)
    return 0.5 * np.einsum("ij,tji->t", G, second) - mean @ h + c


def _from_joint(mean: np.ndarray, cov: np.ndarray, G: np.ndarray, h: np.ndarray, c: float) -> Moments:
    d = mean.shape[1] // 2
    th, m = mean[:, :d].copy(), mean[:, d:].copy()
    th_cov, m_cov = cov[:, :d, :d].copy(), cov[:, d:, d:].copy()
    return Moments(th, th_cov, _expected_quadratic(G, h, c, th, th_cov), m, m_cov, cov)


def _step_factors(problem: LeastSquares, sampler: Any, n_steps: int) -> list[float]:
    """Noise factor c_t of each step t = 1..T for an i.i.d. batch sampler (ValueError otherwise)."""
    if not isinstance(sampler, Sampler):
        raise ValueError("sampler must be Sampler('fresh'|'replacement', batch_size) for a LeastSquares problem; "
                         f"got {sampler!r}")
    if sampler.kind not in EXACT_SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(map(repr, EXACT_SAMPLERS))}: the exact theory is for "
                         f"i.i.d. batches, independent of the past (a {sampler.kind!r} epoch correlates its "
                         f"batches); got {sampler.kind!r}")
    n = check_n(problem.n, sampler.batch_size)
    if sampler.kind == "fresh":
        return [_factor(n, sampler.batch_size, False, False)] * n_steps
    sizes = sampler.batch_sizes(n)
    return [_factor(n, int(sizes[t % sizes.size]), True, False) for t in range(n_steps)]


def _start(name: str, v: Any, d: int) -> np.ndarray:
    return np.zeros(d) if v is None else check_array(name, v, shape=(d,))


def _pytorch(problem: Any, optimizer: PyTorchSGD, sampler: Any, n_steps: int, theta0: Any, m0: Any) -> Moments:
    """``PyTorchSGD``: the time-varying linear recursion of ``mathcore.pytorch_moments`` (velocity = buffer b)."""
    from optproof.mathcore.pytorch_moments import pytorch_moments

    if m0 is not None:
        raise ValueError("m0 must be None for a PyTorchSGD (its momentum buffer starts as b_1 = g_1)")
    if isinstance(problem, LeastSquares):
        factors = _step_factors(problem, sampler, n_steps)
        G, h, c = problem.G, problem.h, problem.c
    elif isinstance(problem, Quadratic):
        if sampler is not None:
            raise ValueError("sampler must be None for a Quadratic problem (it has no examples)")
        factors, G, h, c = None, problem.H, problem.b, 0.0
    else:
        raise ValueError(f"problem must be a LeastSquares or Quadratic for the exact moments; got {type(problem).__name__}")
    mean, cov = pytorch_moments(problem, optimizer, factors, n_steps, _start("theta0", theta0, problem.dim))
    return _from_joint(mean, cov, G, h, c)


def moments(problem: Any, optimizer: HeavyBall, sampler: Sampler | None, n_steps: int,
            theta0: Any = None, m0: Any = None) -> Moments:
    """Exact E[θ_t], Cov[θ_t], E[L(θ_t)] (and the velocity's) for t = 0..``n_steps`` (C3, C5, C9).

    ``problem``: ``LeastSquares`` (with ``Sampler("fresh"|"replacement", batch_size)``) or
    ``Quadratic`` (``sampler=None``); ``optimizer``: ``HeavyBall`` / ``SGD``; θ_0, m_0 deterministic,
    default 0, shape (d,).  The same inputs as ``optproof.sim.simulate``.
    """
    if isinstance(optimizer, PyTorchSGD):
        return _pytorch(problem, optimizer, sampler, check_int("n_steps", n_steps, 0), theta0, m0)
    if not isinstance(optimizer, HeavyBall):
        raise ValueError(f"optimizer must be a HeavyBall (or SGD(lr)) or a PyTorchSGD; got {type(optimizer).__name__}")
    n_steps = check_int("n_steps", n_steps, 0)
    lr, momentum = optimizer.lr, optimizer.momentum
    if isinstance(problem, LeastSquares):
        factors = _step_factors(problem, sampler, n_steps)
        data = _data(problem.X, problem.y, False)
        state = initial_state(data, _start("theta0", theta0, problem.dim), _start("m0", m0, problem.dim))
        mean, cov = joint_moment_recursion(data, lr, momentum, factors, state)
        return _from_joint(mean, cov, problem.G, problem.h, problem.c)
    if isinstance(problem, Quadratic):
        if sampler is not None:
            raise ValueError("sampler must be None for a Quadratic problem (it has no examples)")
        d = problem.dim
        sm = additive_moments(problem.H, lr, momentum, problem.gradient_noise_cov, _start("theta0", theta0, d),
                              _start("m0", m0, d), n_steps, b=problem.b)
        return _from_joint(np.concatenate([sm.theta_mean, sm.m_mean], axis=1), sm.cov, problem.H, problem.b, 0.0)
    kind = "FiniteSum (no closed form: its losses need not be quadratic)" if isinstance(problem, FiniteSum) \
        else type(problem).__name__
    raise ValueError(f"problem must be a LeastSquares or Quadratic for the exact moments; got {kind}")
