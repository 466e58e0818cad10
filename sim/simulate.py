"""``simulate``: run many trajectories of an optimizer on a problem and record what is asked.

Serves claims C1, C3–C9 (Monte Carlo side).  Trajectories are processed in chunks of ``chunk``;
per-trajectory records exist for one chunk at a time when ``stats_only=True`` (memory
independent of n_traj), and mean/variance are folded in trajectory order (``sim.stats``), so
every output is bitwise identical for any thread count and any chunk size.  With ``cov=True`` the
covariance across trajectories of each recorded vector is streamed too (memory O(records·d²)).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from optproof.base.validation import check_array, check_choice, check_int, check_real
from . import budget
from .kernels import HEAVY_BALL, PYTORCH, Outputs, ProblemArgs, RunArgs, get_kernel
from .optimizers import HeavyBall, PyTorchSGD
from .problems import PROBLEMS, Quadratic, pack
from .samplers import FIXED, FRESH, Sampler, check_n, steps_per_epoch
from .stats import FourthMoments, RunningStats

RECORDABLES = ("theta", "velocity", "grad", "batch_loss", "full_loss")
VECTOR_RECORDS = ("theta", "velocity", "grad")
JOINT = "theta+velocity"  # key of the joint covariance of (θ_t, m_t) in SimResult.cov


@dataclass
class SimResult:
    """Output of ``simulate``.

    records[name]: (n_traj, n_rec) or (n_traj, n_rec, d), NaN from a trajectory's divergence
    step on (empty dict when stats_only); mean/var[name]: (n_rec[, d]) over the trajectories
    still finite at that record (var with ddof=1); count[name]: (n_rec,) how many entered;
    cov[name]: (n_rec, d, d) covariance (ddof=1) of each recorded vector (theta, velocity, grad)
    over the same trajectories, when ``cov=True`` (diagonal == var bitwise); cov_se[name]: (n_rec, d, d)
    the standard error of each of those covariances from streamed fourth moments, when
    ``cov_se=True`` (``sim.stats.FourthMoments``); and
    cov["theta+velocity"]: (n_rec, 2d, 2d) of the stacked (θ_t, m_t) when ``joint_cov=True``;
    steps: (n_rec,) the step t of each record (θ_t, m_t, g_t, L(θ_t); batch_loss is L_b(θ_{t−1}));
    batch_sizes: (n_rec,) size of the mini-batch used at that step; diverged_traj/diverged_at:
    the diverged trajectories and their divergence steps; settings: the arguments.
    """

    records: dict[str, np.ndarray]
    mean: dict[str, np.ndarray]
    var: dict[str, np.ndarray]
    count: dict[str, np.ndarray]
    steps: np.ndarray
    batch_sizes: np.ndarray
    diverged_traj: np.ndarray
    diverged_at: np.ndarray
    settings: dict[str, Any] = field(default_factory=dict)
    cov: dict[str, np.ndarray] = field(default_factory=dict)
    cov_se: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def diverged_step(self) -> np.ndarray:
        """(n_traj,) first diverged step of each trajectory, −1 if it never diverged."""
        out = np.full(self.settings["n_traj"], -1, dtype=np.int64)
        out[self.diverged_traj] = self.diverged_at
        return out

    @property
    def n_diverged(self) -> int:
        return int(self.diverged_traj.size)

    def summary(self) -> str:
        """How many trajectories diverged and at which steps, in one line (every result states it)."""
        n, T = self.settings["n_traj"], self.settings["n_steps"]
        if not self.n_diverged:
            return f"none of {n} trajectories diverged in {T} steps"
        steps, counts = np.unique(self.diverged_at, return_counts=True)
        shown = ", ".join(f"{s} (x{c})" if c > 1 else str(s) for s, c in zip(steps[:6], counts[:6]))
        more = f", ... {steps[-1]}" if len(steps) > 6 else ""
        return (f"{self.n_diverged} of {n} trajectories diverged ({100 * self.n_diverged / n:.3g}%) at steps "
                f"{shown}{more}; median step {int(np.median(self.diverged_at))}; the statistics exclude each "
                f"from its divergence step on (count[...] says how many entered each record)")

    def __str__(self) -> str:
        st = self.settings
        sampler = "" if st["sampler"] is None else f", {st['sampler']}"
        return (f"SimResult({st['problem']}, {st['optimizer']}{sampler}: {st['n_traj']} trajectories x "
                f"{st['n_steps']} steps, records {', '.join(st['record'])} at {len(self.steps)} steps; "
                f"{self.summary()})")

    def diverged_fraction(self, step: Any = None) -> float | np.ndarray:
        """Fraction of the trajectories diverged at or before ``step`` (default: the last step T).

        ``step`` may be an int in [1, T] or an array of them (e.g. ``self.steps``); a trajectory
        diverges at the first step where some |θ_t,j| > diverge_threshold, a loss exceeds
        loss_threshold, or a value is not finite.
        For convergence-region counts pick the threshold for the run length: an unstable linear
        recursion with spectral radius ρ > 1 grows like ρ^t, so it is flagged within T steps only
        if ρ^T·|θ_0| exceeds the threshold (the default 1e100 suits gross blow-ups only).
        """
        T = self.settings["n_steps"]
        if step is None:
            step = T
        steps = np.asarray(step)
        if steps.dtype.kind not in "iu" or (steps < 1).any() or (steps > T).any():
            raise ValueError(f"step must be an integer (or integer array) in [1, {T}]; got {step!r}")
        at = np.sort(self.diverged_at)
        frac = np.searchsorted(at, steps, side="right") / self.settings["n_traj"]
        return float(frac) if frac.ndim == 0 else frac


def _initial(name: str, x: Any, n_traj: int, d: int) -> np.ndarray:
    if x is None:
        return np.zeros((1, d))
    a = check_array(name, x, ndim=(1, 2))
    if a.ndim == 1:
        return check_array(name, a, shape=(d,)).reshape(1, d)
    return check_array(name, a, shape=(n_traj, d))


def _every(every: Any, S: int, T: int) -> int:
    if every == "epoch":
        k = S
    elif every == "step":
        k = 1
    elif isinstance(every, str):
        check_choice("every", every, ("epoch", "step"))
    else:
        k = check_int("every", every, 1, T)
    if k > T:
        raise ValueError(f"every must be at most the number of steps T = {T} (an epoch is {S} steps); got {every!r}")
    return k


def _n_steps(n_epochs: Any, n_steps: Any, S: int) -> int:
    if (n_epochs is None) == (n_steps is None):
        raise ValueError("exactly one of n_epochs and n_steps must be given (an integer in [1, inf])")
    if n_steps is not None:
        return check_int("n_steps", n_steps, 1, 2**31 - 1)
    return check_int("n_epochs", n_epochs, 1, (2**31 - 1) // S) * S


def _check_setup(problem, optimizer, sampler, record, n_traj, chunk, seed, thr, lthr, flags):
    if not isinstance(problem, PROBLEMS):
        raise ValueError(f"problem must be one of {', '.join(p.__name__ for p in PROBLEMS)}; got {type(problem).__name__}")
    if not isinstance(optimizer, (HeavyBall, PyTorchSGD)):
        raise ValueError(f"optimizer must be a HeavyBall (or SGD(lr)) or a PyTorchSGD; got {type(optimizer).__name__}")
    if isinstance(problem, Quadratic):
        if sampler is not None:
            raise ValueError("sampler must be None for a Quadratic problem (it has no examples)")
    elif not isinstance(sampler, Sampler):
        raise ValueError(f"sampler must be a Sampler('reshuffle'|'replacement'|'fixed'|'fresh', batch_size); got {sampler!r}")
    try:
        names = tuple(record) if not isinstance(record, str) else None
    except TypeError:
        names = None
    if names is None or not all(r in RECORDABLES for r in names) or len(set(names)) != len(names):
        raise ValueError(f"record must be a sequence of distinct names from {RECORDABLES}; got {record!r}")
    check_int("n_traj", n_traj, 1, 2**62)
    check_int("chunk", chunk, 1, 2**31)
    check_int("seed", seed, 0, 2**64 - 1)
    check_real("diverge_threshold", thr, 0.0, None, lo_open=True)
    check_real("loss_threshold", lthr, 0.0, None, lo_open=True)
    for name, value in flags.items():
        check_choice(name, value, (False, True) if name != "progress" else (None, False, True))
    if flags["joint_cov"] and not {"theta", "velocity"} <= set(names):
        raise ValueError(f"joint_cov=True needs record to contain 'theta' and 'velocity'; got {record!r}")
    if flags["cov_se"] and not flags["cov"]:
        raise ValueError("cov_se=True needs cov=True (it is the standard error of those covariances)")
    return names


def simulate(
    problem: Any,
    optimizer: HeavyBall,
    sampler: Sampler | None = None,
    *,
    n_traj: int = 1,
    n_epochs: int | None = None,
    n_steps: int | None = None,
    seed: int = 0,
    theta0: Any = None,
    m0: Any = None,
    record: Sequence[str] = ("full_loss",),
    every: str | int = "epoch",
    stats_only: bool = False,
    chunk: int = 4096,
    diverge_threshold: float = 1e100,
    loss_threshold: float = 1e100,
    cov: bool = False,
    joint_cov: bool = False,
    cov_se: bool = False,
    progress: bool | None = None,
) -> SimResult:
    """Run ``n_traj`` trajectories of ``optimizer`` on ``problem`` with mini-batches from ``sampler``.

    T = n_steps, or n_epochs·S with S = steps per epoch (1 for a Quadratic).  θ_0 / m_0: (d,) for
    all trajectories or (n_traj, d); default 0.  ``record`` ⊆ RECORDABLES, stored at steps
    every, 2·every, … ≤ T (``every`` = "epoch" (S), "step" (1) or an integer).  ``cov``: also the
    covariance of each recorded vector; ``joint_cov``: of (θ, m) stacked (needs both recorded);
    ``cov_se``: the standard errors of the ``cov`` entries (streamed fourth moments, O(R·d²) memory).
    A trajectory diverges at the first step t where some |θ_t,j| > ``diverge_threshold``, the
    batch loss or a recorded full loss exceeds ``loss_threshold`` in absolute value, or one of
    them is not finite; it stops there and is excluded from the statistics from then on
    (``SimResult.summary()`` says how many and when).

    Before anything runs: the memory the records need is compared with the memory available
    (``sim.budget``; ``InsufficientMemory``, a ValueError, suggests ``stats_only=True``), and the
    duration is estimated; ``progress`` = True / False / None (auto: a tqdm bar on stderr when the
    estimate exceeds a few seconds and stderr is a terminal).  The bar changes no result bit.
    """
    flags = dict(stats_only=stats_only, cov=cov, joint_cov=joint_cov, cov_se=cov_se, progress=progress)
    record = _check_setup(problem, optimizer, sampler, record, n_traj, chunk, seed, diverge_threshold,
                          loss_threshold, flags)
    pk = pack(problem)
    if sampler is None:
        samp, B, drop_last = FIXED, 1, False
    else:
        samp, B, drop_last = sampler.code, sampler.batch_size, sampler.drop_last
        check_n(pk.n, B)
    S = steps_per_epoch(pk.n, B, drop_last)
    T = _n_steps(n_epochs, n_steps, S)
    k_every = _every(every, S, T)
    th0 = _initial("theta0", theta0, n_traj, pk.dim)
    if m0 is not None and isinstance(optimizer, PyTorchSGD):
        raise ValueError("m0 must be None for a PyTorchSGD (its momentum buffer starts as b_1 = g_1)")
    mm0 = _initial("m0", m0, n_traj, pk.dim)
    steps = k_every * np.arange(1, T // k_every + 1, dtype=np.int64)
    _check_budget(pk.dim, n_traj, len(steps), record, bool(stats_only), chunk, bool(cov), bool(joint_cov),
                  bool(cov_se))
    seconds = budget.estimated_seconds("quadratic" if isinstance(problem, Quadratic) else "sum", n_traj, T,
                                       pk.dim, B, pk.noise_factor.shape[0] > 0)
    sizes = np.full(len(steps), B) if samp == FRESH else np.minimum(pk.n - B * ((steps - 1) % S), B)
    bar = budget.make_bar(progress, seconds, n_traj)
    run = dict(samp=samp, B=B, drop_last=drop_last, seed=int(seed), n_traj=n_traj, T=T, every=k_every,
               thr=float(diverge_threshold), lthr=float(loss_threshold), record=record, R=len(steps),
               stats_only=bool(stats_only), chunk=chunk if bar is None else budget.progress_chunk(chunk, n_traj),
               cov=bool(cov), joint_cov=bool(joint_cov), cov_se=bool(cov_se))
    try:
        out = _run(pk, optimizer, th0, mm0, bar, **run)
    finally:
        if bar is not None:
            bar.close()
    settings = dict(problem=type(problem).__name__, optimizer=optimizer, sampler=sampler, n_traj=n_traj,
                    n_steps=T, steps_per_epoch=S, seed=seed, every=k_every, record=record,
                    stats_only=bool(stats_only), chunk=chunk, diverge_threshold=diverge_threshold,
                    loss_threshold=loss_threshold, cov=bool(cov), joint_cov=bool(joint_cov),
                    estimated_seconds=seconds)
    records, mean, var, count, covs, div_traj, div_at, ses = out
    return SimResult(records, mean, var, count, steps, sizes, div_traj, div_at, settings, covs, ses)


def _width(r: str, d: int) -> int:
    return d if r in VECTOR_RECORDS else 1


def _check_budget(d, n_traj, R, record, stats_only, chunk, cov, joint_cov, cov_se=False) -> None:
    widths = [_width(r, d) for r in record]
    need = budget.record_bytes(n_traj, R, widths, stats_only=stats_only, chunk=chunk,
                               cov_widths=[d for r in record if cov and r in VECTOR_RECORDS] * (1 + 3 * cov_se),
                               joint_width=2 * d if joint_cov else 0)
    what = (f"its records ({'chunk buffers of ' + str(min(chunk, n_traj)) if stats_only else n_traj} "
            f"trajectories x {R} records x {sum(widths)} values, float64, plus statistics)")
    budget.check_memory(need, what)


def _family(opt, T: int) -> tuple:
    """The kernel's optimizer fields (opt, damp, nesterov, wd, lrs) of an optimizer spec."""
    if isinstance(opt, PyTorchSGD):
        return (PYTORCH, opt.dampening, opt.nesterov, opt.weight_decay, np.ascontiguousarray(opt.lrs(T)))
    return (HEAVY_BALL, 0.0, False, 0.0, np.empty(0))


def _run(pk, opt, th0, mm0, bar, *, samp, B, drop_last, seed, n_traj, T, every, thr, lthr, record, R,
         stats_only, chunk, cov, joint_cov, cov_se=False):
    kernel = get_kernel()
    problem = ProblemArgs(pk.code, pk.A, pk.v, pk.G, pk.h, pk.c, pk.noise_std, pk.noise_factor)
    d = pk.dim
    shape = {r: (R, d) if r in VECTOR_RECORDS else (R,) for r in RECORDABLES}
    stats = {r: RunningStats(R, _width(r, d), cov and r in VECTOR_RECORDS) for r in record}
    joint = RunningStats(R, 2 * d, True) if joint_cov else None
    fourth = {r: FourthMoments(R, d) for r in record if cov_se and r in VECTOR_RECORDS}
    kept = {} if stats_only else {r: np.full((n_traj,) + shape[r], np.nan) for r in record}
    div_traj, div_at = [], []
    family = _family(opt, T)
    for start in range(0, n_traj, chunk):
        c = min(chunk, n_traj - start)
        rows = slice(start, start + c)
        outs = {r: kept[r][rows] if r in kept else np.full((c,) + shape[r], np.nan) for r in record}
        for r in RECORDABLES:
            outs.setdefault(r, np.empty((c, 0, 0) if r in VECTOR_RECORDS else (c, 0)))
        div = np.empty(c, dtype=np.int64)
        kernel(problem, pk.loss, pk.grad, RunArgs(samp, B, drop_last, opt.lr, opt.momentum, np.uint64(seed), start, T, every, thr,
                                lthr, *family),
               th0 if len(th0) == 1 else th0[rows], mm0 if len(mm0) == 1 else mm0[rows],
               Outputs(*(outs[r] for r in RECORDABLES)), div)
        for r in record:
            stats[r].fold(outs[r])
            if r in fourth:
                fourth[r].fold(outs[r])
        if joint is not None:
            joint.fold(np.concatenate([outs["theta"], outs["velocity"]], axis=2))
        bad = np.flatnonzero(div >= 0)
        div_traj.append(bad + start)
        div_at.append(div[bad])
        if bar is not None:
            bar.update(c)
    mean, var, count, covs = {}, {}, {}, {}
    for r in record:
        mean[r], var[r], count[r] = stats[r].result((d,) if r in VECTOR_RECORDS else ())
        if stats[r].c2.shape[0] > 0:
            covs[r] = stats[r].covariance()
    if joint is not None:
        covs[JOINT] = joint.covariance()
    ses = {r: f.covariance_se() for r, f in fourth.items()}
    return kept, mean, var, count, covs, np.concatenate(div_traj), np.concatenate(div_at), ses
