"""``identify``: which conventions, with which hyperparameters, an implementation follows.

1. Probes (fresh optimizer, one scalar parameter, float64, lr ``ETA = 2^-20`` so that weight
   decay barely perturbs the momentum probes) estimate, for every family at once:

   - impulse ``g = 1, 0, 0`` from ``theta_0 = 0``: steps ``s_1, s_2, s_3``;
     ``mu = s_3 / s_2`` in every family; ``|s_1|/ETA`` is 1 (plain), ``1 + mu`` (Nesterov)
     or ``1 - mu`` (EMA); the sign of ``s_1`` says whether it maximizes;
   - constant ``g = 1, 1``: ``|s_2|/ETA = mu + (1 - tau)`` gives the dampening ``tau``;
   - ``theta_0 = 1, g = 0``: ``|s_1|/ETA = lam`` (``lam (1 + mu)`` with PyTorch Nesterov);
   - ``g = 1, None``: does a missing gradient move the parameter (``"zero"``) or not (``"skip"``)?

2. Candidates -- every family with the estimates (rounded to 2..6 decimals, since
   hyperparameters are usually short decimals) -- must reproduce the probes, then pass a full
   ``check``: lr changes then separate the PyTorch family (lr outside) from Keras (lr inside),
   and coupled from decoupled weight decay.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from optproof.base.validation import MOMENTUM_RANGE, check_int
from optproof.proofs.conformance.check import check, factory_name
from optproof.proofs.conformance.reference import Reference
from optproof.proofs.conformance.runner import PROTOCOL, Factory, check_factory

__all__ = ["Match", "Identification", "identify", "ETA"]

ETA = 2.0 ** -20


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
    """The list of ``Match``es, plus the probe estimates (``.estimates``)."""

    def __init__(self, matches, implementation: str, estimates: dict) -> None:
        super().__init__(matches)
        self.implementation, self.estimates = implementation, estimates

    @property
    def matches(self) -> list[Match]:
        """The matching conventions (the list itself, as a plain list)."""
        return list(self)

    def __str__(self) -> str:
        est = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.estimates.items())
        head = f"{self.implementation}\n  probe estimates: {est}"
        if not self:
            return head + "\n  matches no known convention (check it against the closest reference for a counterexample)"
        return head + "\n" + "\n".join(f"  matches {m}" for m in self)


def _probe(factory: Factory, theta0: float, grads: list[float | None], lr: float = ETA) -> list[float]:
    """Steps ``theta_t - theta_{t-1}`` of a fresh scalar parameter."""
    step = factory([np.array([theta0])])
    thetas = [theta0]
    for g in grads:
        out = step([None if g is None else np.array([float(g)])], lr)
        thetas.append(float(np.asarray(out[0]).reshape(-1)[0]))
    return list(np.diff(thetas))


def _estimate(factory: Factory) -> dict:
    s1, s2, s3 = _probe(factory, 0.0, [1.0, 0.0, 0.0])
    mu = s3 / s2 if s2 else 0.0
    _, c2 = _probe(factory, 0.0, [1.0, 1.0])
    (w1,) = _probe(factory, 1.0, [0.0])
    _, miss = _probe(factory, 0.0, [1.0, None])
    return {"momentum": float(mu), "first_step": abs(s1) / ETA, "maximize": bool(s1 > 0),
            "dampening": float(1 + mu - abs(c2) / ETA), "decay_rate": abs(w1) / ETA,
            "missing": "zero" if miss != 0 else "skip"}


def _roundings(x: float, lo: float = 0.0, hi: float = 1.0) -> list[float]:
    """``x`` rounded to 1..6 decimals, then ``x`` itself: shortest first, inside ``[lo, hi)``."""
    vals = [round(x, d) for d in range(1, 7)] + [x]
    return list(dict.fromkeys(v for v in vals if lo <= v < hi))


def _candidates(est: dict) -> list[Reference]:
    """Every family with the estimated hyperparameters (and their short-decimal roundings)."""
    lo, hi = MOMENTUM_RANGE  # closed: momentum 1 is a candidate too
    mus = _roundings(est["momentum"], lo, hi + 1e-12) if abs(est["momentum"]) > 1e-9 else [0.0]
    taus = [0.0] + _roundings(est["dampening"], 1e-9, 1.0 + 1e-12)
    miss, maximize = est["missing"], est["maximize"]
    refs = []
    for mu, nesterov in product(mus, (False, True)):
        if nesterov and not mu:
            continue
        coupled = [0.0] + _roundings(est["decay_rate"] / ((1 + mu) if nesterov else 1.0), 1e-12, np.inf)
        decoupled = [0.0] + _roundings(est["decay_rate"], 1e-12, np.inf)
        refs += [Reference.pytorch(mu, tau, nesterov, lam, maximize, missing=miss)
                 for lam in coupled for tau in taus if not (nesterov and tau)]
        if not maximize:
            refs += [Reference.optax(mu, nesterov, lam, missing=miss) for lam in coupled]
            refs += [Reference.keras(mu, nesterov, lam, missing=miss) for lam in decoupled]
    if not maximize:
        refs += [Reference.ema(beta, missing=miss) for beta in mus if beta > 0]
    return list(dict.fromkeys(refs))


def _fits_probes(observed: dict, ref: Reference) -> bool:
    """The candidate reproduces the probes (relative 1e-6; float32 code reads ~1e-7)."""
    sim = _estimate(_reference_factory(ref))
    keys = ("momentum", "first_step", "dampening", "decay_rate")
    return sim["maximize"] == observed["maximize"] and all(
        abs(sim[k] - observed[k]) <= 1e-5 * max(1.0, abs(sim[k])) for k in keys)


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


def identify(factory: Factory, max_examples: int = 40, seed: int = 0) -> Identification:
    """The conventions ``factory`` matches (each confirmed by ``check`` with ``max_examples``).

    A factory that is not usable (``runner.check_factory``, or a step that fails on the probes)
    raises ``TypeError`` / ``ValueError`` naming the protocol."""
    check_int("max_examples", max_examples, 1)
    check_int("seed", seed, 0)
    from optproof.proofs.adapters import as_factory

    factory = as_factory(factory)
    check_factory(factory)
    try:
        est = _estimate(factory)
    except Exception as exc:  # noqa: BLE001 - the probes need a step that runs at all
        raise ValueError(f"factory is not usable: identify's probes (one float64 parameter of shape (1,), "
                         f"gradients 1, 0 or None) raised {type(exc).__name__}: {exc} (protocol: {PROTOCOL})") from exc
    fitting = _simplest_per_kind([r for r in _candidates(est) if _fits_probes(est, r)])
    matches = [Match(r) for r in fitting if check(factory, r, max_examples, seed).ok]
    return Identification(matches, factory_name(factory), est)
