"""The one vocabulary of an experiment: problem, optimizer and sampler specs (NumPy only).

The same objects are the inputs of the Numba simulator (``optproof.sim.simulate``) and of the exact
theory (``optproof.mathcore.minibatch.moments``); every claim (C1, C3-C9) describes its experiment
with them.  Each spec validates its arguments in its constructor; sim adds only the kernel
encoding (``optproof.sim.problems.pack``) and compiled user kernels, never new fields.

Problems
- ``LeastSquares(X, y, gram=True)``: l_i(theta) = 1/2 (x_i^T theta - y_i)^2, L = (1/N) sum_i l_i,
  with G = X^T X / N, h = X^T y / N, c = y^T y / (2N), so L(theta) = 1/2 theta^T G theta - h^T theta + c.
- ``Quadratic(H, b=None, noise_std=0, noise_cov=None)``: f = 1/2 theta^T H theta - b^T theta; the
  gradient H theta - b plus sigma z (``noise_std``) or xi ~ N(0, C) (``noise_cov``), xi = F z with
  F F^T = C (``noise_factor``).
- ``FiniteSum(loss, grad, data, dim)``: l_i(theta) = loss(theta, data[i]); ``grad(theta, row, out)``
  adds grad l_i to ``out``.

Optimizers (the seed's convention, C8/C9): ``HeavyBall(lr, momentum)``
    m_t = lambda m_{t-1} - eta g_t,   theta_t = theta_{t-1} + m_t      (eta = lr, lambda = momentum),
and ``SGD(lr)`` = ``HeavyBall(lr, 0.0)``; ``PyTorchSGD(lr, momentum, dampening, nesterov,
weight_decay, lr_schedule)`` follows ``torch.optim.SGD`` (buffer b_1 = g_1, then
b_t = mu b_{t-1} + (1 - tau) g_t; see ``optproof.base.conventions``) with per-step lr eta_t.

Samplers (C1): ``Sampler(kind, batch_size, drop_last=False)`` with kind in ``SAMPLER_KINDS``; an
epoch has S = floor(N/B) (drop_last) or ceil(N/B) steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from optproof.base.validation import check_array, check_choice, check_int, check_momentum, check_real

__all__ = [
    "LeastSquares", "Quadratic", "FiniteSum", "PROBLEMS", "noise_factor",
    "HeavyBall", "SGD", "PyTorchSGD", "SCHEDULES", "OPTIMIZERS",
    "Sampler", "SAMPLER_KINDS", "MAX_N", "check_n",
]

# =========================================================================== problems


class LeastSquares:
    """l_i(theta) = 1/2 (x_i^T theta - y_i)^2, L(theta) = (1/N) sum_i l_i, with its Gram form G, h, c.

    ``gram`` only chooses how the simulator evaluates the full loss (Gram form O(d^2), or the sum
    over examples as written); the problem is the same.
    """

    def __init__(self, X: Any, y: Any, gram: bool = True) -> None:
        self.X = check_array("X", X, ndim=2, min_size=1)
        self.y = check_array("y", y, shape=(self.X.shape[0],))
        self.gram = bool(check_choice("gram", gram, (False, True)))
        n = self.X.shape[0]
        self.G = np.ascontiguousarray(self.X.T @ self.X / n)
        self.h = np.ascontiguousarray(self.X.T @ self.y / n)
        self.c = float(self.y @ self.y / (2 * n))

    @property
    def n(self) -> int:
        """N, the number of examples."""
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        """d, the number of parameters."""
        return self.X.shape[1]


def _symmetric(name: str, M: Any, d: int | None = None) -> np.ndarray:
    M = check_array(name, M, ndim=2, min_size=1)
    d = M.shape[0] if d is None else d
    check_array(name, M, shape=(d, d))
    if not np.allclose(M, M.T, rtol=1e-12, atol=0.0):
        raise ValueError(f"{name} must be symmetric ({name} == {name}.T up to rtol 1e-12)")
    return np.ascontiguousarray((M + M.T) / 2)


def noise_factor(C: np.ndarray) -> np.ndarray:
    """F with F F^T = C for symmetric C: Cholesky if C is positive definite, else V diag(sqrt w).

    Raises ValueError (naming ``noise_cov``) when an eigenvalue of C is below -1e-12 max|eig|.
    """
    w, V = np.linalg.eigh(C)
    scale = max(float(np.abs(w).max()), np.finfo(float).tiny)
    if w.min() < -1e-12 * scale:
        raise ValueError(f"noise_cov must be symmetric positive semi-definite (eigenvalues >= 0); "
                         f"got smallest eigenvalue {w.min():.3g}")
    if w.min() > 1e-12 * scale:
        try:
            return np.ascontiguousarray(np.linalg.cholesky(C))
        except np.linalg.LinAlgError:
            pass
    return np.ascontiguousarray(V * np.sqrt(np.clip(w, 0.0, None)))


class Quadratic:
    """f(theta) = 1/2 theta^T H theta - b^T theta with H symmetric; gradient H theta - b, plus
    sigma N(0, I) if ``noise_std`` sigma > 0 or N(0, C) if ``noise_cov`` C (symmetric PSD, may be
    singular) is given (not both)."""

    def __init__(self, H: Any, b: Any = None, noise_std: float = 0.0, noise_cov: Any = None) -> None:
        self.H = _symmetric("H", H)
        d = self.H.shape[0]
        self.b = np.zeros(d) if b is None else check_array("b", b, shape=(d,))
        self.noise_std = check_real("noise_std", noise_std, 0.0, None)
        self.noise_cov = None if noise_cov is None else _symmetric("noise_cov", noise_cov, d)
        if self.noise_cov is not None and self.noise_std > 0:
            raise ValueError("noise_std must be 0 when noise_cov is given (noise_std σ means noise_cov = σ²·I)")
        self.noise_factor = None if self.noise_cov is None else noise_factor(self.noise_cov)

    @property
    def dim(self) -> int:
        """d, the number of parameters."""
        return self.H.shape[0]

    @property
    def gradient_noise_cov(self) -> np.ndarray:
        """C = Cov of the additive gradient noise: ``noise_cov``, or sigma^2 I (zeros when noiseless)."""
        if self.noise_cov is not None:
            return self.noise_cov
        return self.noise_std**2 * np.eye(self.dim)


def _callable(name: str, f: Any) -> Callable:
    if not callable(f):
        raise ValueError(f"{name} must be a callable (an @njit function or a plain Python function)")
    return f


class FiniteSum:
    """L(theta) = (1/N) sum_i loss(theta, data[i]); ``grad(theta, data[i], out)`` adds grad l_i to ``out``.

    ``loss``/``grad`` may be Python functions or ``@njit`` dispatchers; the simulator compiles them
    (once per function, see ``optproof.sim.problems.compiled``).
    """

    def __init__(self, loss: Callable, grad: Callable, data: Any, dim: int) -> None:
        self.data = check_array("data", data, ndim=2, min_size=1)
        self.dim = check_int("dim", dim, 1, None)
        self.loss = _callable("loss", loss)
        self.grad = _callable("grad", grad)

    @property
    def n(self) -> int:
        """N, the number of examples."""
        return self.data.shape[0]


PROBLEMS = (LeastSquares, Quadratic, FiniteSum)

# =========================================================================== optimizers


@dataclass(frozen=True)
class HeavyBall:
    """Heavy ball m_t = lambda m_{t-1} - eta g_t, theta_t = theta_{t-1} + m_t, with ``lr`` eta > 0
    and ``momentum`` lambda in [0, 1] (C8 is lambda = 0, C9 the rest)."""

    lr: float
    momentum: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_real("lr", self.lr, 0.0, None, lo_open=True))
        object.__setattr__(self, "momentum", check_momentum(self.momentum))


def SGD(lr: float) -> HeavyBall:
    """Plain (stochastic) gradient descent theta_t = theta_{t-1} - eta g_t, i.e. ``HeavyBall(lr, 0.0)``."""
    return HeavyBall(lr, 0.0)


SCHEDULES = ("step", "cosine", "linear_warmup")
_SCHEDULE_DEFAULTS = {"step": {"step_size": 30, "gamma": 0.1}, "cosine": {"t_max": None, "eta_min": 0.0},
                      "linear_warmup": {"start_factor": 1.0 / 3.0, "total_iters": 5}}


def _schedule(value: Any) -> Any:
    """None, a name of SCHEDULES, (name, {params}) or a 1-D array of positive per-step multipliers."""
    if value is None:
        return None
    if isinstance(value, str):
        value = (value, {})
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        name, params = check_choice("lr_schedule", value[0], SCHEDULES), dict(value[1])
        unknown = set(params) - set(_SCHEDULE_DEFAULTS[name])
        if unknown:
            raise ValueError(f"lr_schedule {name!r} takes parameters {sorted(_SCHEDULE_DEFAULTS[name])}; "
                             f"got {sorted(unknown)}")
        full = {**_SCHEDULE_DEFAULTS[name], **params}
        if name == "step":
            check_int("step_size", full["step_size"], 1)
            check_real("gamma", full["gamma"], 0.0, None, lo_open=True)
        elif name == "cosine":
            if full["t_max"] is not None:
                check_int("t_max", full["t_max"], 1)
            check_real("eta_min", full["eta_min"], 0.0)
        else:
            check_real("start_factor", full["start_factor"], 0.0, 1.0, lo_open=True)
            check_int("total_iters", full["total_iters"], 1)
        return (name, tuple(sorted(full.items())))
    arr = check_array("lr_schedule", value, ndim=1, min_size=1)
    if (arr < 0).any():
        raise ValueError("lr_schedule multipliers must be >= 0")
    return tuple(float(v) for v in arr)


@dataclass(frozen=True)
class PyTorchSGD:
    """torch.optim.SGD: g <- g + wd theta; b_1 = g_1, b_t = mu b_{t-1} + (1 - tau) g_t;
    theta_t = theta_{t-1} - eta_t (b_t, or g_t + mu b_t with Nesterov); eta_t = lr * multiplier_t.

    ``lr_schedule``: None (constant), "step" (StepLR: gamma^floor((t-1)/step_size)), "cosine"
    (CosineAnnealingLR: eta_min/lr + (1 - eta_min/lr)(1 + cos(pi (t-1)/t_max))/2, t_max default
    the run length), "linear_warmup" (LinearLR: start + (1 - start) min(t-1, total_iters)/total_iters),
    each as a name or (name, {params}), or an array of per-step multipliers (its last value is
    kept beyond its end).
    """

    lr: float
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    lr_schedule: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_real("lr", self.lr, 0.0, None, lo_open=True))
        object.__setattr__(self, "momentum", check_momentum(self.momentum))
        object.__setattr__(self, "dampening", check_real("dampening", self.dampening, 0.0, 1.0))
        check_choice("nesterov", self.nesterov, (False, True))
        object.__setattr__(self, "nesterov", bool(self.nesterov))
        object.__setattr__(self, "weight_decay", check_real("weight_decay", self.weight_decay, 0.0))
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov must be False unless momentum > 0 and dampening == 0 (as torch.optim.SGD); "
                             f"got momentum={self.momentum}, dampening={self.dampening}")
        object.__setattr__(self, "lr_schedule", _schedule(self.lr_schedule))

    def multipliers(self, n_steps: int) -> np.ndarray:
        """The lr multiplier of each step t = 1..n_steps (float64)."""
        n_steps = check_int("n_steps", n_steps, 0)
        k = np.arange(n_steps, dtype=float)  # t - 1
        sch = self.lr_schedule
        if sch is None:
            return np.ones(n_steps)
        if not isinstance(sch[0], str):
            arr = np.asarray(sch)
            return arr[np.minimum(np.arange(n_steps), arr.size - 1)]
        name, p = sch[0], dict(sch[1])
        if name == "step":
            return p["gamma"] ** np.floor(k / p["step_size"])
        if name == "cosine":
            t_max = p["t_max"] or max(n_steps, 1)
            floor = p["eta_min"] / self.lr
            return floor + (1 - floor) * (1 + np.cos(np.pi * np.minimum(k, t_max) / t_max)) / 2
        total = p["total_iters"]
        return p["start_factor"] + (1 - p["start_factor"]) * np.minimum(k, total) / total

    def lrs(self, n_steps: int) -> np.ndarray:
        """eta_t = lr * multiplier_t for t = 1..n_steps, each rounded once to float64."""
        return self.lr * self.multipliers(n_steps)


OPTIMIZERS = (HeavyBall, PyTorchSGD)

# =========================================================================== samplers

# kind -> the integer code the simulator's kernel switches on
SAMPLER_KINDS = {"reshuffle": 0, "replacement": 1, "fixed": 2, "fresh": 3}
MAX_N = 1 << 31  # < 2^32: the simulator's bounded draws use 32-bit halves


def check_n(n: int, batch_size: int) -> int:
    """Validate the data-set size N and that ``batch_size`` lies in [1, N]."""
    n = check_int("N", n, 1, MAX_N)
    check_int("batch_size", batch_size, 1, n)
    return n


@dataclass(frozen=True)
class Sampler:
    """How mini-batches are drawn (C1): ``kind`` in SAMPLER_KINDS, ``batch_size`` B >= 1, ``drop_last``.

    "reshuffle": a fresh permutation per epoch cut into slices of B; "replacement": i.i.d. uniform
    indices; "fixed": 0..N-1 every epoch; "fresh": every step an independent uniform B-subset.
    """

    kind: str = "reshuffle"
    batch_size: int = 1
    drop_last: bool = False

    def __post_init__(self) -> None:
        check_choice("sampler", self.kind, tuple(SAMPLER_KINDS))
        object.__setattr__(self, "batch_size", check_int("batch_size", self.batch_size, 1, MAX_N))
        check_choice("drop_last", self.drop_last, (False, True))
        object.__setattr__(self, "drop_last", bool(self.drop_last))

    @property
    def code(self) -> int:
        return SAMPLER_KINDS[self.kind]

    def steps_per_epoch(self, n: int) -> int:
        """S = floor(N/B) if drop_last else ceil(N/B)."""
        n, b = check_n(n, self.batch_size), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def batch_sizes(self, n: int) -> np.ndarray:
        """Sizes of the S batches of one epoch (all B except possibly the last; all B for "fresh")."""
        s = self.steps_per_epoch(n)
        if self.kind == "fresh":
            return np.full(s, self.batch_size, dtype=np.int64)
        return np.minimum(n - self.batch_size * np.arange(s), self.batch_size).astype(np.int64)
