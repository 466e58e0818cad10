"""``compare``: the exact moments of the user's problem next to a simulation of it (issue 12).

For a ``LeastSquares`` / ``Quadratic`` problem, an optimizer spec and a sampler, at the compared
steps t:

- exact:    E[θ_t], Cov[θ_t], E[L(θ_t)] from ``optproof.mathcore.minibatch.moments`` (C3, C5, C9);
- estimate: the sample mean / covariance (ddof 1) / mean loss over ``n_traj`` trajectories of
  ``optproof.sim.simulate``;
- se:       s/√n for means, and for covariances √Var(s_ab) from streamed fourth moments
  (``simulate(cov_se=True)``);
- verdict:  the harness z-test of ``optproof.proofs.stats`` with α = SUITE_ALPHA / (number of
  compared rows) each, so a correct theory fails the whole table with probability ≤ SUITE_ALPHA
  (union bound); each row states its smallest detectable relative error z_{1−α/2}·se/|exact|.

Reshuffled and fixed-order epochs correlate the batches of an epoch: their exact moments come from
enumerating the epoch's batch sequences (``optproof.mathcore.epoch_moments``, small N); beyond that
the simulation is reported alone, every row marked "no closed form", never compared against the
i.i.d. formula.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from optproof.base.specs import LeastSquares, Quadratic, Sampler
from optproof.base.validation import check_int
from optproof.proofs import stats

__all__ = ["Comparison", "compare", "default_steps", "QUANTITIES", "NO_CLOSED_FORM"]

QUANTITIES = ("theta_mean", "theta_cov", "loss_mean")
NO_CLOSED_FORM = "no closed form"


def default_steps(n_steps: int, k: int = 6) -> list[int]:
    """A log-spaced handful of steps in [1, T] (``k`` points of geomspace(1, T)), plus T itself."""
    pts = np.unique(np.rint(np.geomspace(1, n_steps, k)).astype(int))
    return sorted(set(int(p) for p in pts) | {int(n_steps)})


def _check_steps(steps: Any, n_steps: int) -> list[int]:
    if steps is None:
        return default_steps(n_steps)
    try:
        out = sorted({check_int("steps", s, 1, n_steps) for s in steps})
    except TypeError:
        raise TypeError(f"steps must be a sequence of integers in [1, {n_steps}]; got {steps!r}") from None
    if not out:
        raise ValueError(f"steps must contain at least one integer in [1, {n_steps}]; got {steps!r}")
    return out


def _labels(d: int) -> list[tuple[str, tuple, str]]:
    """(quantity, index, display name) of every compared number of one step."""
    rows = [("theta_mean", (j,), f"E[θ{j}]") for j in range(d)]
    rows += [("theta_cov", (a, b), f"Var[θ{a}]" if a == b else f"Cov[θ{a}, θ{b}]")
             for a in range(d) for b in range(a, d)]
    return rows + [("loss_mean", (), "E[L]")]


@dataclass
class Comparison:
    """Theory next to simulation at ``steps``: dicts ``exact`` (None without a closed form),
    ``estimate``, ``se`` keyed by QUANTITIES with shapes (len(steps), d), (len(steps), d, d),
    (len(steps),); ``rows`` the table; ``passed`` the overall verdict (every compared row passes)."""

    steps: list[int]
    exact: dict[str, np.ndarray] | None
    estimate: dict[str, np.ndarray]
    se: dict[str, np.ndarray]
    rows: list[dict]
    alpha: float
    settings: dict
    series: dict = field(default_factory=dict, repr=False)  # every step 0..T, for the plots

    @property
    def passed(self) -> bool:
        return all(r["verdict"] != "fail" for r in self.rows)

    @property
    def status(self) -> str:
        """"pass", "fail", or "no closed form" (simulation reported alone)."""
        if self.exact is None:
            return NO_CLOSED_FORM
        return "pass" if self.passed else "fail"

    def against(self, exact: dict[str, np.ndarray]) -> "Comparison":
        """The same simulation judged against other theory values ``exact`` (same keys and shapes):
        e.g. a perturbed theory, to measure what the table would flag (issue 12, item 6)."""
        shapes = {q: np.shape(v) for q, v in self.estimate.items()}
        if not isinstance(exact, dict) or {q: np.shape(exact.get(q)) for q in QUANTITIES} != shapes:
            raise ValueError(f"exact must be a dict with keys {QUANTITIES} of shapes {shapes}")
        exact = {q: np.asarray(exact[q], dtype=float) for q in QUANTITIES}
        per_step = len(self.rows) // len(self.steps)  # rows are grouped by step
        counts = [self.rows[k * per_step]["n"] for k in range(len(self.steps))]
        rows = _rows(self.steps, exact, self.estimate, self.se, counts, self.alpha, self.settings["dim"])
        return Comparison(self.steps, exact, self.estimate, self.se, rows, self.alpha, self.settings, self.series)

    def document(self) -> dict:
        """The JSON-serialisable record (full precision)."""
        from optproof.proofs.report import _jsonable

        return _jsonable({"generator": "optproof compare", "status": self.status, "passed": self.passed,
                          "alpha_each": self.alpha, "suite_alpha": stats.SUITE_ALPHA, "settings": self.settings,
                          "steps": self.steps, "exact": self.exact, "estimate": self.estimate, "se": self.se,
                          "rows": self.rows})

    def to_json(self, path: Any = None) -> str:
        """The record as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.document(), indent=2)
        if path is not None:
            from pathlib import Path

            Path(path).write_text(text)
        return text

    def to_html(self, out: Any) -> Any:
        """Write ``out/index.html``, ``out/results.json`` and ``out/figures/``; return the index path."""
        from optproof.proofs.compare.page import write_page

        return write_page(self, out)


def _theory(problem, optimizer, sampler, n_steps):
    from optproof.mathcore.minibatch import moments

    if isinstance(problem, LeastSquares) and isinstance(sampler, Sampler) and sampler.kind not in ("fresh",
                                                                                                   "replacement"):
        from optproof.mathcore.epoch_moments import epoch_moments
        from optproof.mathcore.minibatch import _from_joint

        joint = epoch_moments(problem, optimizer, sampler, n_steps)  # None: too many sequences
        return None if joint is None else _from_joint(*joint, problem.G, problem.h, problem.c)
    return moments(problem, optimizer, sampler, n_steps)


def _simulate(problem, optimizer, sampler, n_steps, n_traj, seed):
    from optproof.sim import simulate

    return simulate(problem, optimizer, sampler, n_traj=n_traj, n_steps=n_steps, seed=seed,
                    record=("theta", "full_loss"), every="step", stats_only=True, cov=True, cov_se=True)


def _row(name, q, idx, step, exact, est, se, n, alpha, tol=0.0) -> dict:
    row = {"quantity": q, "index": list(idx), "name": name, "step": step, "estimate": est, "se": se, "n": n}
    if exact is None:
        return {**row, "exact": None, "z": None, "verdict": NO_CLOSED_FORM, "detectable_relative_error": None}
    if se == 0.0:  # every trajectory equal (deterministic state): compare within the rounding tolerance
        ok = abs(est - exact) <= tol
        return {**row, "exact": exact, "z": None, "verdict": "pass" if ok else "fail", "tolerance": tol,
                "detectable_relative_error": tol / abs(exact) if exact else None, "flags_2pct_error": None}
    c = stats.compare(f"{name} at t={step}", est, se, exact, n, alpha)
    det = c.detectable_relative_error
    return {**row, "exact": exact, "z": c.z, "verdict": "pass" if c.passed else "fail",
            "detectable_relative_error": None if math.isnan(det) else det, "ci": list(c.ci),
            "flags_2pct_error": c.flags_relative_error(0.02) if exact != 0.0 else None}


def _tolerance(exact: dict | None, n_steps: int) -> float:
    """Rounding tolerance for rows whose se is 0 (every trajectory equal): 64·T·ε·scale with
    scale = 1 + max|E θ|² + max|Cov θ| + max|E L|, a generous allowance (not a derived bound) for two
    float64 recursions of T steps computing the same value (a covariance as E[zzᵀ] − μμᵀ)."""
    if exact is None:
        return 0.0
    scale = 1 + np.max(np.abs(exact["theta_mean"])) ** 2 + np.max(np.abs(exact["theta_cov"])) \
        + np.max(np.abs(exact["loss_mean"]))
    return float(64 * max(n_steps, 1) * np.finfo(float).eps * scale)


def _rows(steps, exact, estimate, se, count, alpha, d) -> list[dict]:
    tol = _tolerance(exact, steps[-1])
    return [_row(name, q, idx, step, None if exact is None else float(exact[q][k][idx]),
                 float(estimate[q][k][idx]), float(se[q][k][idx]), int(count[k]), alpha, tol)
            for k, step in enumerate(steps) for q, idx, name in _labels(d)]


def compare(problem: Any, optimizer: Any, sampler: Sampler | None, *, n_steps: int, n_traj: int,
            steps: Sequence[int] | None = None, seed: int = 0) -> Comparison:
    """Exact E[θ_t], Cov[θ_t], E[L(θ_t)] against ``n_traj`` simulated trajectories at ``steps``
    (default: ``default_steps(n_steps)``), θ_0 = m_0 = 0 (C3, C5, C9; issue 12).

    ``problem``: ``LeastSquares`` or ``Quadratic`` (``sampler=None``); ``optimizer``: a spec the
    simulator runs (``HeavyBall``, ``SGD``, ``PyTorchSGD``).  Without a closed form (reshuffled or
    fixed epochs beyond exact enumeration) the simulation is reported alone (``status``
    "no closed form").  Raises ValueError/TypeError naming the bad parameter.
    """
    if not isinstance(problem, (LeastSquares, Quadratic)):
        raise ValueError(f"problem must be a LeastSquares or Quadratic (the exact moments need a quadratic loss); "
                         f"got {type(problem).__name__}")
    n_steps = check_int("n_steps", n_steps, 1, 10**6)
    n_traj = check_int("n_traj", n_traj, 3, 2**40)
    seed = check_int("seed", seed, 0, 2**64 - 1)
    steps = _check_steps(steps, n_steps)
    theory = _theory(problem, optimizer, sampler, n_steps)
    res = _simulate(problem, optimizer, sampler, n_steps, n_traj, seed)
    rec = np.asarray(steps) - 1  # record r holds step r + 1
    count = res.count["theta"][rec]
    estimate = {"theta_mean": res.mean["theta"][rec], "theta_cov": res.cov["theta"][rec],
                "loss_mean": res.mean["full_loss"][rec]}
    se = {"theta_mean": np.sqrt(res.var["theta"][rec] / count[:, None]), "theta_cov": res.cov_se["theta"][rec],
          "loss_mean": np.sqrt(res.var["full_loss"][rec] / res.count["full_loss"][rec])}
    exact = None if theory is None else {"theta_mean": theory.theta_mean[steps], "theta_cov": theory.theta_cov[steps],
                                         "loss_mean": theory.loss_mean[steps]}
    alpha = stats.SUITE_ALPHA / (len(_labels(problem.dim)) * len(steps))
    rows = _rows(steps, exact, estimate, se, count, alpha, problem.dim)
    settings = {"problem": type(problem).__name__, "dim": problem.dim, "n": getattr(problem, "n", None),
                "optimizer": repr(optimizer), "sampler": repr(sampler), "n_steps": n_steps, "n_traj": n_traj,
                "seed": seed, "diverged": res.n_diverged, "simulation": res.summary()}
    series = {"mean": res.mean["theta"], "var": res.var["theta"], "count": res.count["theta"],
              "exact_mean": None if theory is None else theory.theta_mean[1:],
              "exact_var": None if theory is None else np.einsum("tii->ti", theory.theta_cov[1:])}
    return Comparison(steps, exact, estimate, se, rows, alpha, settings, series)
