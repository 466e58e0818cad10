"""``identify``: which conventions, with which hyperparameters, an implementation follows.

1. Probes (fresh optimizer, one scalar parameter, lr ``probe_lr(dtype)``: ``ETA = 2^-20`` in
   float32, ``ETA^2`` in float64, so that weight decay barely perturbs the momentum probes) estimate, for every family at once:

   - impulse ``g = 1, 0, 0`` from ``theta_0 = 0``: steps ``s_1, s_2, s_3``;
     ``mu = s_3 / s_2`` in every family; ``|s_1|/ETA`` is 1 (plain), ``1 + mu`` (Nesterov)
     or ``1 - mu`` (EMA); the sign of ``s_1`` says whether it maximizes;
   - constant ``g = 1, 1``: ``|s_2|/ETA = mu + (1 - tau)`` gives the dampening ``tau``;
   - ``theta_0 = 1, g = 0`` at lr ``DECAY_ETA = 2^-4`` (one step: exact for every family, and
     large enough to be read in float32, where ``theta_0 + 2^-20 lam`` rounds back to 1):
     ``|s_1|/DECAY_ETA = lam`` (``lam (1 + mu)`` with PyTorch Nesterov);
   - ``g = 1, None``: does a missing gradient move the parameter (``"zero"``) or not (``"skip"``)?

   The probes run in the implementation's dtype (``factory.dtype``, float64 by default); every
   estimate is *snapped* to the shortest decimal (1..6 digits) within ``snap_tolerance(dtype)``
   = ``2^12 u`` (float32 ~2.4e-4, float64 ~4.5e-13), so probe noise never reads ``dampening=-1e-08``.

2. Candidates -- every family with the snapped estimates -- must reproduce the probes, then pass
   the full ``check`` with the same budget as ``check`` itself (``max_examples``, ``max_steps``):
   lr changes then separate the PyTorch family (lr outside) from Keras (lr inside), and coupled
   from decoupled weight decay.

3. When nothing matches, the nearest convention is the candidate whose shrunk counterexample
   departs latest (then by the least): ``Identification.nearest`` names it, with the first
   departing step and the size of the departure.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from optproof.base.validation import MOMENTUM_RANGE, check_int
from optproof.proofs.conformance.check import CheckResult, check, factory_name
from optproof.proofs.conformance.tolerance import DTYPES, unit_roundoff
from optproof.proofs.conformance.reference import Reference
from optproof.proofs.conformance.runner import PROTOCOL, Factory, check_factory

__all__ = ["Match", "Identification", "identify", "ETA", "DECAY_ETA", "probe_lr", "snap_tolerance"]

ETA = 2.0 ** -20
DECAY_ETA = 2.0 ** -4


def probe_lr(dtype) -> float:
    """The momentum probes' lr: ``ETA`` in float32, ``ETA^2`` in float64 (decay then shifts the
    estimates by ~``lam * lr``, far inside ``snap_tolerance``)."""
    return ETA if np.dtype(dtype) == np.float32 else ETA ** 2


def snap_tolerance(dtype) -> float:
    """How far a probe estimate may sit from an exact hyperparameter: ``2^12 u`` of ``dtype``
    (float32 ~2.4e-4, float64 ~4.5e-13)."""
    return 2.0 ** 12 * unit_roundoff(dtype)


@dataclass(frozen=True)
class Match:
    """A convention the implementation agrees with, and what that means in words."""

    reference: Reference

    def __str__(self) -> str:
        c, ref = self.reference.convention, self.reference
        words = {"pytorch": "PyTorch family: lr outside the buffer, b_1 = g_1",
                 "keras": "Keras/Sutskever family: lr inside the velocity m = mu m - lr g",
                 "optax": "optax family: trace then scale by lr",
                 "ema": "EMA form: m = beta m + (1 - beta) g"}[c.family]
        parts = [words, f"momentum {c.momentum:g}"]
        if c.family == "pytorch":
            parts.append(f"dampening {c.dampening:g}" + (" (skipped on the first step)" if c.dampening else ""))
        if c.family != "ema":
            parts.append("Nesterov" if c.nesterov else "no Nesterov")
        if c.weight_decay:
            place = "decoupled: theta <- (1 - lr lam) theta" if c.family == "keras" else "coupled: g + lam theta enters the buffer"
            parts.append(f"weight decay {c.weight_decay:g} ({place})")
        if c.maximize:
            parts.append("maximize (gradient negated before the decay)")
        parts.append("missing gradient skips the parameter" if ref.missing == "skip" else "missing gradient counts as zero")
        return f"{ref.name}: " + "; ".join(parts)


class Identification(list):
    """The list of ``Match``es, plus the snapped probe estimates (``.estimates``) and, when nothing
    matches, the ``nearest`` convention's failed ``CheckResult`` (``None`` otherwise)."""

    def __init__(self, matches, implementation: str, estimates: dict, nearest: CheckResult | None = None) -> None:
        super().__init__(matches)
        self.implementation, self.estimates, self.nearest = implementation, estimates, nearest

    @property
    def matches(self) -> list[Match]:
        """The matching conventions (the list itself, as a plain list)."""
        return list(self)

    def __str__(self) -> str:
        est = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.estimates.items())
        head = f"{self.implementation}\n  probe estimates: {est}"
        if not self:
            return head + "\n  matches no known convention" + self._nearest_text()
        return head + "\n" + "\n".join(f"  matches {m}" for m in self)


    def _nearest_text(self) -> str:
        if self.nearest is None:
            return ""
        f, ce = self.nearest.counterexample.failure, self.nearest.counterexample
        return (f"\n  nearest convention: {self.nearest.reference.name}, departing first at step {f.step} "
                f"by up to {f.size:.3g} ({f.relative:.0%} of the expected value)\n  minimal difference: {ce.summary}")


def _probe(factory: Factory, theta0: float, grads: list[float | None], lr: float, dtype=np.float64) -> list[float]:
    """Steps ``theta_t - theta_{t-1}`` of a fresh scalar parameter in ``dtype`` (differences in float64)."""
    step = factory([np.array([theta0], dtype=dtype)])
    thetas = [theta0]
    for g in grads:
        out = step([None if g is None else np.array([float(g)], dtype=dtype)], lr)
        thetas.append(float(np.asarray(out[0], np.float64).reshape(-1)[0]))
    return list(np.diff(thetas))


def _estimate(factory: Factory, dtype=np.float64) -> dict:
    eta = probe_lr(dtype)
    s1, s2, s3 = _probe(factory, 0.0, [1.0, 0.0, 0.0], eta, dtype)
    mu = s3 / s2 if s2 else 0.0
    _, c2 = _probe(factory, 0.0, [1.0, 1.0], eta, dtype)
    (w1,) = _probe(factory, 1.0, [0.0], DECAY_ETA, dtype)
    _, miss = _probe(factory, 0.0, [1.0, None], eta, dtype)
    tol = snap_tolerance(dtype)
    return {"momentum": _snap(mu, tol), "first_step": _snap(abs(s1) / eta, tol), "maximize": bool(s1 > 0),
            "dampening": _snap(1 + mu - abs(c2) / eta, tol), "decay_rate": _snap(abs(w1) / DECAY_ETA, tol),
            "missing": "zero" if miss != 0 else "skip"}


def _snap(x: float, tol: float) -> float:
    """The shortest decimal (0..6 digits) within ``tol * max(1, |x|)`` of ``x``, else ``x``."""
    for digits in range(7):
        r = round(float(x), digits)
        if abs(r - x) <= tol * max(1.0, abs(x)):
            return r + 0.0  # no -0.0
    return float(x)


def _candidates(est: dict) -> list[Reference]:
    """Every family with the estimated hyperparameters (and their short-decimal roundings)."""
    lo, hi = MOMENTUM_RANGE  # closed: momentum 1 is a candidate too
    mus = [est["momentum"]] if lo <= est["momentum"] <= hi else []
    # the dampening as estimated, and as a first step of 1 - tau would imply (dampened b_1: nearest only)
    taus = [0.0] + [tau for tau in dict.fromkeys((est["dampening"], _snap(1 - est["first_step"], 1e-12)))
                    if 0 < tau <= 1]
    miss, maximize = est["missing"], est["maximize"]
    refs = []
    for mu, nesterov in product(mus, (False, True)):
        if nesterov and not mu:
            continue
        lam = est["decay_rate"]
        coupled = [0.0] + ([_snap(lam / (1 + mu), 1e-12) if nesterov else lam] if lam > 0 else [])
        decoupled = [0.0] + ([lam] if lam > 0 else [])
        refs += [Reference.pytorch(mu, tau, nesterov, lam, maximize, missing=miss)
                 for lam in coupled for tau in taus if not (nesterov and tau) and not (tau and not mu)]
        if not maximize:
            refs += [Reference.optax(mu, nesterov, lam, missing=miss) for lam in coupled]
            refs += [Reference.keras(mu, nesterov, lam, missing=miss) for lam in decoupled]
    if not maximize:
        refs += [Reference.ema(beta, missing=miss) for beta in mus if beta > 0]
    return list(dict.fromkeys(refs))


def _fits_probes(observed: dict, ref: Reference, dtype) -> bool:
    """The candidate reproduces the (snapped) probes within ``snap_tolerance(dtype)``."""
    sim = _estimate(_reference_factory(ref))
    keys = ("momentum", "first_step", "dampening", "decay_rate")
    tol = snap_tolerance(dtype)
    return sim["maximize"] == observed["maximize"] and all(
        abs(sim[k] - observed[k]) <= tol * max(1.0, abs(sim[k])) for k in keys)


def _reference_factory(ref: Reference) -> Factory:
    """The reference itself as a plain-protocol implementation (used to simulate the probes)."""
    from optproof.base.conventions import init_state, reference_step

    def factory(params):
        theta = [np.asarray(p, np.float64).copy() for p in params]
        state = [init_state(ref.convention, p) for p in theta]

        def step(grads, lr):
            for i, g in enumerate(grads):
                if g is None and ref.missing == "skip":
                    continue
                g = np.zeros_like(theta[i]) if g is None else g
                theta[i], state[i] = reference_step(ref.convention, theta[i], state[i], g, lr)
            return [p.copy() for p in theta]
        return step
    return factory


def _simplest_per_kind(refs: list[Reference]) -> list[Reference]:
    """One candidate per (family, Nesterov, dampening?, decay?): the first, i.e. shortest decimals."""
    kinds: dict[tuple, Reference] = {}
    for r in refs:
        c = r.convention
        kinds.setdefault((c.family, c.nesterov, bool(c.dampening), bool(c.weight_decay)), r)
    return list(kinds.values())


def identify(factory: Factory, max_examples: int = 200, seed: int = 0, *, max_steps: int = 200) -> Identification:
    """The conventions ``factory`` matches, each confirmed by ``check`` with the same budget
    (``max_examples``, ``max_steps``, ``seed``); when none does, ``.nearest`` says how close one comes.

    A factory that is not usable (``runner.check_factory``, or a step that fails on the probes)
    raises ``TypeError`` / ``ValueError`` naming the protocol."""
    check_int("max_examples", max_examples, 1)
    check_int("seed", seed, 0)
    from optproof.proofs.adapters import as_factory

    factory = as_factory(factory)
    dtype = np.dtype(getattr(factory, "dtype", None) or np.float64)
    dtype = dtype if dtype in DTYPES else np.dtype(np.float64)
    check_factory(factory, dtype)
    try:
        est = _estimate(factory, dtype)
    except Exception as exc:  # noqa: BLE001 - the probes need a step that runs at all
        raise ValueError(f"factory is not usable: identify's probes (one float64 parameter of shape (1,), "
                         f"gradients 1, 0 or None) raised {type(exc).__name__}: {exc} (protocol: {PROTOCOL})") from exc
    candidates = _candidates(est)
    fitting = _simplest_per_kind([r for r in candidates if _fits_probes(est, r, dtype)])
    results = [check(factory, r, max_examples, seed, dtype=dtype, max_steps=max_steps) for r in fitting]
    matches = [Match(r.reference) for r in results if r.ok]
    if matches:
        return Identification(matches, factory_name(factory), est)
    if not results:  # nothing fits the probes: the nearest among every kind, on a smaller budget
        results = [check(factory, r, min(max_examples, 50), seed, dtype=dtype, max_steps=max_steps)
                   for r in candidates]
    return Identification([], factory_name(factory), est, _nearest(results))


def _nearest(results: list[CheckResult]) -> CheckResult | None:
    """The failed check whose counterexample departs latest, then by the least (relative to the expected value)."""
    failed = [r for r in results if not r.ok]
    size = lambda f: f.relative if f.relative == f.relative else np.inf  # noqa: E731 - NaN (no mismatch) last
    key = lambda r: (-r.counterexample.failure.step, size(r.counterexample.failure))  # noqa: E731
    return min(failed, key=key) if failed else None
