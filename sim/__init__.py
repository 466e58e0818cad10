"""sim: Numba simulators of mini-batch SGD and heavy-ball momentum (fast, reproducible, SymPy-free).

Modules: ``rng`` (counter-based SplitMix64 streams), ``samplers`` (data-loader semantics),
``problems`` (least squares, quadratic, generic finite sum), ``optimizers`` (heavy ball, SGD,
gradient-stream kernel), ``kernels`` (the parallel trajectory kernel), ``lsq_ir`` (its least-squares
batch sums in LLVM IR: fused multiply-adds in a fixed order), ``mlp`` + ``mlp_math`` (the small-MLP
``FiniteSum`` kernels and their vectorisable exp/tanh), ``stats`` (order-fixed mean/variance), ``simulate`` (entry point), ``reference`` (plain NumPy/Python reference).
The specs (``LeastSquares``, ``Quadratic``, ``FiniteSum``, ``HeavyBall``, ``SGD``, ``Sampler``) are
defined once in ``optproof.base.specs``, shared with mathcore's exact theory, and re-exported here.
"""
from __future__ import annotations

if __name__ != "optproof.sim":  # one namespace: e.g. run from a checkout, ``import sim`` would
    # load these files a second time under another name (and, for sim, poison Numba's cache)
    raise ImportError(f"import optproof.sim, not {__name__}: the folder sim/ installs as optproof.sim")

from . import _cache
from .optimizers import SGD, HeavyBall, PyTorchSGD, heavy_ball_stream
from .problems import FiniteSum, LeastSquares, Quadratic
from . import rng
from .samplers import SAMPLER_KINDS, Sampler, batch_indices, epoch_batches, epoch_order
from .simulate import JOINT, RECORDABLES, SimResult, simulate

__all__ = [
    "SGD", "HeavyBall", "PyTorchSGD", "heavy_ball_stream", "FiniteSum", "LeastSquares", "Quadratic",
    "SAMPLER_KINDS", "Sampler", "batch_indices", "epoch_batches", "epoch_order", "JOINT", "RECORDABLES",
    "SimResult", "simulate", "warmup",
]

_cache.refresh(rng.mix64.stats.cache_path)  # before anything is compiled or loaded from the cache


def warmup() -> None:
    """Compile (or load from the Numba cache) every kernel, running each on a tiny problem."""
    import numpy as np

    X = np.arange(6.0).reshape(3, 2)
    lsq = LeastSquares(X, np.ones(3))
    for kind in SAMPLER_KINDS:
        simulate(lsq, HeavyBall(0.01, 0.5), Sampler(kind, 2), n_traj=2, n_epochs=1,
                 record=RECORDABLES, cov=True, joint_cov=True)
    simulate(Quadratic(np.eye(2), noise_std=0.1), SGD(0.1), n_traj=2, n_steps=2, stats_only=True)
    simulate(Quadratic(np.eye(2), noise_cov=np.eye(2)), SGD(0.1), n_traj=2, n_steps=2, stats_only=True)
    heavy_ball_stream(np.ones((2, 2)), 0.1, 0.5)
    for kind in SAMPLER_KINDS:
        epoch_batches(Sampler(kind, 2), 3, 0, 0, 0)
