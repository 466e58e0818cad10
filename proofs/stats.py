"""The statistical comparison harness: Monte Carlo estimate versus theory, with a stated error rate.

Every theory-vs-simulation check that is random reports the estimate, its standard error, a
confidence interval, the theory value, the z-score ``(estimate - theory) / se`` and pass/fail.

False-failure budget
--------------------
The whole catalog may fail by chance with probability at most ``SUITE_ALPHA = 1e-3`` per run.
Each Monte Carlo comparison draws a share ``alpha`` from that budget (``ALPHA_EACH`` = 5e-6 by
default, so up to 200 comparisons fit) and passes when ``|z| <= z_{1 - alpha/2}``; a catalog check
declares the sum of its comparisons' shares.  By the union (Bonferroni) bound the suite's
false-failure probability is at most the sum of the shares; the tests assert
that the sum does not exceed ``SUITE_ALPHA``.  Seeds are fixed, never searched over, so a given
version of the code either passes or fails deterministically; the budget bounds the chance that
a correct implementation was unlucky with the fixed seed.

The normal approximation is used for means of many (>= 10^4) i.i.d. bounded draws, where the
Berry-Esseen error is far below the shares used here.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

from optproof.base.validation import check_array, check_real

__all__ = ["SUITE_ALPHA", "ALPHA_EACH", "Comparison", "compare", "compare_mean", "critical_z", "comparisons_outcome",
           "paired_t_interval", "power_verdict", "CONFIRM_RELATIVE_ERROR"]

SUITE_ALPHA = 1e-3
ALPHA_EACH = 5e-6  # per comparison: 200 comparisons fit in the budget
# Floating-point allowance of a comparison: the theory values are float64 recursions of at most a few
# hundred steps (relative forward error <= ~ c·T·u with u = 2^-53, i.e. well below 1e-12 for T <= 1000)
# and the estimate is a float64 mean (relative error <= n·u ~ 1e-11 only in pathological cancellation;
# typically ~ sqrt(n)·u).  A difference within ROUNDING_REL of the larger magnitude is rounding, not
# evidence: without this, a degenerate sample (every value equal, se ~ 1e-20) fails on the last bit.
# It is eight orders of magnitude (and more) below any detectable error the harness reports (>= 1e-4).
ROUNDING_REL = 1e-12


def critical_z(alpha: float) -> float:
    """Two-sided critical value: P(|Z| > z) = alpha for a standard normal Z."""
    check_real("alpha", alpha, 0.0, 1.0, lo_open=True, hi_open=True)
    return NormalDist().inv_cdf(1.0 - alpha / 2.0)


@dataclass(frozen=True)
class Comparison:
    """Estimate versus theory: the numbers behind a Monte Carlo verdict."""

    name: str
    estimate: float
    se: float
    theory: float
    n: int
    alpha: float

    @property
    def z(self) -> float:
        diff = self.estimate - self.theory
        if abs(diff) <= ROUNDING_REL * max(abs(self.estimate), abs(self.theory)):
            return 0.0  # rounding, not evidence (see ROUNDING_REL)
        if self.se == 0.0:
            return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
        return diff / self.se

    @property
    def ci(self) -> tuple[float, float]:
        h = critical_z(self.alpha) * self.se
        return (self.estimate - h, self.estimate + h)

    @property
    def passed(self) -> bool:
        return abs(self.z) <= critical_z(self.alpha)

    @property
    def detectable_relative_error(self) -> float:
        """Smallest relative error of the theory value flagged with probability >= 1/2 (power 50%)."""
        if self.theory == 0.0:
            return math.nan
        return critical_z(self.alpha) * self.se / abs(self.theory)

    def flags_relative_error(self, rel: float) -> bool:
        """Would this very estimate have failed had the theory value been off by ``±rel`` (relative)?

        The power statement of the harness: with the default sample sizes a 2% error in a theory
        value is flagged when ``|estimate − (1 ± 0.02)·theory| > z_crit·se`` for both signs.
        """
        z = critical_z(self.alpha)
        return all(abs(self.estimate - self.theory * (1 + s * rel)) > z * self.se for s in (1, -1))

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(z=self.z, ci=list(self.ci), passed=self.passed,
                 detectable_relative_error=self.detectable_relative_error,
                 flags_2pct_error=self.flags_relative_error(0.02) if self.theory != 0.0 else None)
        return d

    def __str__(self) -> str:
        lo, hi = self.ci
        return (f"{self.name}: simulated {self.estimate:.6g} ± {self.se:.2g} (CI [{lo:.6g}, {hi:.6g}], n={self.n}), "
                f"theory {self.theory:.6g}, z = {self.z:+.2f} -> {'pass' if self.passed else 'FAIL'}")


def compare(name: str, estimate: float, se: float, theory: float, n: int,
            alpha: float = ALPHA_EACH) -> Comparison:
    """Compare an estimate with known standard error against a theory value."""
    check_real("se", se, 0.0)
    check_real("estimate", estimate)
    check_real("theory", theory)
    check_real("alpha", alpha, 0.0, SUITE_ALPHA, lo_open=True)
    return Comparison(name, float(estimate), float(se), float(theory), int(n), float(alpha))


def compare_mean(name: str, samples, theory: float, alpha: float = ALPHA_EACH) -> Comparison:
    """Sample mean of i.i.d. draws against the theoretical mean; se = s / sqrt(n)."""
    x = check_array("samples", samples, ndim=1, min_size=2)
    se = float(np.std(x, ddof=1) / math.sqrt(x.size))
    return compare(name, float(np.mean(x)), se, theory, x.size, alpha)


def comparisons_outcome(comps: list[Comparison], what: str, extra: dict | None = None,
                        latex: list[str] | None = None, figures=None, deterministic_ok: bool = True):
    """An ``Outcome`` for a Monte Carlo check made of comparisons: pass iff all pass (and the
    check's deterministic parts, summarised by ``deterministic_ok``, hold).

    ``numbers["comparisons"]`` lists every comparison (estimate, se, CI, theory, z, verdict,
    smallest detectable relative error, whether a 2% theory error would be flagged): the report's
    power table reads it.
    """
    from optproof.proofs.catalog import Outcome

    ok = deterministic_ok and all(c.passed for c in comps)
    worst = max((abs(c.z) for c in comps), default=0.0)
    numbers = dict(extra or {})
    numbers["comparisons"] = [c.as_dict() for c in comps]
    verdict = power_verdict(comps) if ok else "not confirmed"
    numbers["power verdict"] = verdict
    return Outcome(ok, f"{what}: {sum(c.passed for c in comps)}/{len(comps)} comparisons within their interval, "
                       f"max |z| = {worst:.2f}; {verdict}", numbers, list(latex or []), list(figures or []))


#: A passing Monte Carlo check says "confirmed by simulation" only if every comparison would flag this error.
CONFIRM_RELATIVE_ERROR = 0.02


def power_verdict(comps: list[Comparison]) -> str:
    """``"confirmed by simulation"`` when every comparison detects a ``CONFIRM_RELATIVE_ERROR`` (2%)
    error of its theory value (``detectable_relative_error <= 2%``, zero theory values by their
    standard error alone: skipped); otherwise ``"consistent with simulation (detectable error k%)"``
    with ``k`` the largest detectable relative error among the comparisons (issue 15)."""
    rel = [c.detectable_relative_error for c in comps if c.theory != 0.0]
    k = max(rel, default=0.0)
    if comps and k <= CONFIRM_RELATIVE_ERROR:
        return "confirmed by simulation"
    pct = 100 * k
    return f"consistent with simulation (detectable error {pct:.0f}%)" if pct >= 10 else \
        f"consistent with simulation (detectable error {pct:.2g}%)"


def paired_t_interval(diff, level: float = 0.95) -> dict:
    """Mean of paired differences d_s with its two-sided t interval  d̄ ± t_{(1+level)/2, n−1} · s_d/√n.

    Used for measured effects (C6 on real data: small − large batch over seeds), which are reported
    with their interval whatever their sign and never decide a verdict.  With one difference the
    standard error and the interval are NaN.
    """
    from scipy.stats import t as student_t

    check_real("level", level, 0.0, 1.0, lo_open=True, hi_open=True)
    x = check_array("diff", diff, ndim=1, finite=False, min_size=1)  # a diverged run gives NaN, kept
    n = x.size
    mean = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    q = float(student_t.ppf(0.5 + level / 2, n - 1)) if n > 1 else math.nan
    return {"mean": mean, "se": se, "ci": [mean - q * se, mean + q * se], "n": int(n), "level": level,
            "t quantile": q}
