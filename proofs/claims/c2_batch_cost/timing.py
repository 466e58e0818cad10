"""C2 measured: the simulator's time per update and per epoch against B (status ``measured``).

Timings never decide a verdict (the counts in ``counts.py`` do).  They are reported as measurements
with an interval and the machine they ran on, estimated robustly:

- per-epoch time by differencing runs of e and 3e epochs (removes the fixed cost of a call), e
  calibrated so that a run of e epochs lasts about ``seconds``;
- the batch sizes interleaved within every repeat (the order rotates between repeats), so a change
  of load affects all B alike; k repeats give per B the minimum, the median, and the distribution-free
  interval [x_(1), x_(k)] for the median (coverage 1 − 2^(1−k));
- CPU time of the measuring thread (``time.thread_time``, Numba set to one thread so the kernel runs
  on it), which other processes on a busy machine do not inflate; wall time alongside;
- the fit E(B) = t₀⌈N/B⌉ + cN of the medians and the seconds per counted operation.
"""
from __future__ import annotations

import os
import platform
import time

import numpy as np

from optproof.mathcore import cost as cm
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure
from optproof.proofs.claims.c2_batch_cost.counts import SHAPE_D, SHAPE_N

__all__ = ["CHECKS", "SIZES", "machine", "median_interval"]

SIZES = {"default": dict(repeats=7, seconds=0.04), "quick": dict(repeats=5, seconds=0.01)}
_BATCHES = (1, 4, 16, 64, 256, 1024, 4096)


def machine() -> dict:
    """Where the timings ran: platform, CPU, cores, Numba threads, load average."""
    import numba

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "numba": numba.__version__,
            "numba threads available": numba.config.NUMBA_NUM_THREADS,
            "load average (1, 5, 15 min)": list(load) if load else None}


def median_interval(x) -> dict:
    """Minimum, median and the order-statistic interval [x_(1), x_(k)] for the median, coverage 1 − 2^(1−k)."""
    x = np.sort(np.asarray(x, dtype=float))
    return {"min": float(x[0]), "median": float(np.median(x)), "interval": [float(x[0]), float(x[-1])],
            "coverage": 1.0 - 2.0 ** (1 - x.size), "k": int(x.size)}


class _Timer:
    """Per-epoch seconds of one batch size: (thread CPU, wall) by differencing e and 3e epochs."""

    def __init__(self, X, y, B: int, seed: int, seconds: float):
        from optproof.sim import SGD, LeastSquares, Sampler

        self.args = (LeastSquares(X, y), SGD(1e-4), Sampler("reshuffle", B))
        self.seed = seed
        self.e = 1
        while self._run(self.e)[1] < seconds and self.e < 1 << 20:
            self.e *= 4

    def _run(self, e: int) -> tuple[float, float]:
        from optproof.sim import simulate

        c, w = time.thread_time(), time.perf_counter()
        simulate(*self.args, n_traj=1, n_epochs=e, seed=self.seed, record=("full_loss",), every="epoch", stats_only=True)
        return time.thread_time() - c, time.perf_counter() - w

    def per_epoch(self) -> tuple[float, float]:
        (c1, w1), (c3, w3) = self._run(self.e), self._run(3 * self.e)
        return max((c3 - c1) / (2 * self.e), 1e-12), max((w3 - w1) / (2 * self.e), 1e-12)


def _measure(cfg: RunConfig, sizes: dict) -> tuple[np.ndarray, np.ndarray]:
    """(repeats, B) arrays of per-epoch thread-CPU and wall seconds, B interleaved within each repeat."""
    import numba

    rng = np.random.default_rng(cfg.seed_for("C2", "timing data"))
    X = rng.normal(size=(SHAPE_N, SHAPE_D))
    y = X @ rng.normal(size=SHAPE_D)
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        timers = [_Timer(X, y, B, cfg.seed_for("C2", "timing batches", B), sizes["seconds"]) for B in _BATCHES]
        cpu = np.empty((sizes["repeats"], len(_BATCHES)))
        wall = np.empty_like(cpu)
        for r in range(sizes["repeats"]):
            for k in np.roll(np.arange(len(_BATCHES)), r):
                cpu[r, k], wall[r, k] = timers[k].per_epoch()
    finally:
        numba.set_num_threads(old)
    return cpu, wall


def _simulation_timing(cfg: RunConfig) -> Outcome:
    from optproof.sim import Sampler, warmup

    warmup()
    sizes = SIZES["quick" if cfg.quick else "default"]
    before = machine()
    cpu, wall = _measure(cfg, sizes)
    med = np.median(cpu, axis=0)
    U = np.array([cm.updates_per_epoch(SHAPE_N, B) for B in _BATCHES], dtype=float)
    W = np.array([cm.epoch_work(Sampler("reshuffle", B).batch_sizes(SHAPE_N), SHAPE_D) for B in _BATCHES], float)
    fit = cm.fit_epoch_times(SHAPE_N, np.array(_BATCHES, float), med)
    per_B = {f"B={B}": {"epoch thread-CPU seconds": median_interval(cpu[:, k]),
                        "epoch wall seconds": median_interval(wall[:, k]),
                        "update thread-CPU seconds (median)": float(med[k] / U[k]),
                        "seconds per counted flop (median)": float(med[k] / W[k])} for k, B in enumerate(_BATCHES)}
    numbers = {"N": SHAPE_N, "d": SHAPE_D, "sampler": "reshuffle", "clock": "time.thread_time (Numba: 1 thread)",
               "repeats (interleaved over B)": sizes["repeats"], "seconds per calibrated run": sizes["seconds"],
               "per batch size": per_B,
               "fit of the medians": {"t0 (s per update)": fit.t0, "se t0": fit.se_t0, "c (s per example)": fit.c,
                                      "se c": fit.se_c, "R2 (log scale)": fit.r2},
               "machine": before, "load average after": machine()["load average (1, 5, 15 min)"]}
    figures = [("time_per_update_and_epoch", _figure(cpu, U, fit))] if cfg.make_figures else []
    lo, hi = per_B[f"B={_BATCHES[0]}"]["epoch thread-CPU seconds"]["interval"]
    lo_n, hi_n = per_B[f"B={_BATCHES[-1]}"]["epoch thread-CPU seconds"]["interval"]
    return Outcome.measured(
        f"measured, not a verdict ({before['processor']}, {before['cpu_count']} cores, load "
        f"{(before['load average (1, 5, 15 min)'] or ['?'])[0]}): epoch CPU time {med[0] * 1e3:.3g} ms "
        f"[{lo * 1e3:.3g}, {hi * 1e3:.3g}] at B = 1, {med[-1] * 1e3:.3g} ms [{lo_n * 1e3:.3g}, {hi_n * 1e3:.3g}] at "
        f"B = N (median, interval for the median over {sizes['repeats']} interleaved repeats); fit t0 = "
        f"{fit.t0 * 1e9:.0f} ± {fit.se_t0 * 1e9:.0f} ns/update, c = {fit.c * 1e9:.2g} ± {fit.se_c * 1e9:.1g} ns/example",
        numbers, [r"E(B) = t_0\lceil N/B\rceil + cN\ \text{(fitted to the median CPU times)}"], figures)


def _figure(cpu, U, fit):
    fig, axes = new_figure(10, 3.8, ncols=2)
    B = np.array(_BATCHES, float)
    med = np.median(cpu, axis=0)
    err = np.vstack([med - cpu.min(0), cpu.max(0) - med])
    model_E = fit.t0 * U + fit.c * SHAPE_N
    axes[0].errorbar(B, med / U * 1e6, yerr=err / U * 1e6, fmt="s", color="tab:red", capsize=3,
                     label="measured: median, min–max of repeats")
    axes[0].plot(B, model_E / U * 1e6, "k-", label=r"fit $t_0 + cN/\lceil N/B\rceil$")
    axes[0].set_ylabel("CPU time per update (µs)")
    axes[1].errorbar(B, med * 1e3, yerr=err * 1e3, fmt="s", color="tab:red", capsize=3, label="measured")
    axes[1].plot(B, model_E * 1e3, "k-", label=r"fit $t_0\lceil N/B\rceil + cN$")
    axes[1].set_ylabel("CPU time per epoch (ms)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"batch size B (N = {SHAPE_N}, d = {SHAPE_D})")
        ax.legend(fontsize=8)
    fig.suptitle("Simulator thread-CPU time vs batch size (measured; the verdict rests on the operation counts)")
    fig.tight_layout()
    return fig


CHECKS: tuple[Check, ...] = (
    Check("simulation", "measured CPU time per update and per epoch (a measurement, not a verdict)",
          _simulation_timing),
)
