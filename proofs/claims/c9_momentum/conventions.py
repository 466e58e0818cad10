"""Catalog checks (C9) for the momentum conventions of real libraries.

- symbolic:   every theorem of ``mathcore.conventions`` holds (symbolic t, general schedule eta_t);
- exact:      the conventions run in rational arithmetic on a small stream with an lr change:
              equal where the theorems say so, and the PyTorch-Keras gap equals the closed form;
- simulation: ``torch.optim.SGD`` checked against ``Reference.pytorch`` (if torch is installed),
              else the NumPy reference implementations checked against each other.
"""
from __future__ import annotations

import importlib.util
from fractions import Fraction as F

import numpy as np

from optproof.mathcore.conventions import Convention, convention_proofs, reference_step
from optproof.proofs.catalog import Check, Outcome, RunConfig

__all__ = ["CHECKS", "symbolic_conventions", "exact_conventions", "simulation_conventions"]


def symbolic_conventions(cfg: RunConfig) -> Outcome:
    proofs = convention_proofs()
    failed = [name for name, p in proofs.items() if not p.holds]
    return Outcome(not failed, f"{len(proofs) - len(failed)}/{len(proofs)} convention theorems proven",
                   {"proven": {n: p.holds for n, p in proofs.items()}},
                   latex=[p.statement for p in proofs.values()])


def _run_exact(conv: Convention, grads: list[F], lrs: list[F]) -> list[F]:
    """theta_t of one scalar coordinate in exact rational arithmetic, theta_0 = 0."""
    theta = np.array([F(0)], dtype=object)
    state = None if conv.family == "pytorch" else np.array([F(0)], dtype=object)
    out = []
    for g, lr in zip(grads, lrs):
        theta, state = reference_step(conv, theta, state, np.array([g], dtype=object), lr)
        out.append(theta[0])
    return out


def exact_conventions(cfg: RunConfig) -> Outcome:
    mu, beta = F(9, 10), F(9, 10)
    grads = [F(1), F(-2), F(3), F(1, 2), F(0), F(1)]
    lrs = [F(1, 10)] * 3 + [F(1, 2)] * 3  # lr change at s = 4
    torch_conv = Convention("pytorch", mu, dampening=F(0))  # a float 0.0 would leave Q
    pt, ke = _run_exact(torch_conv, grads, lrs), _run_exact(Convention("keras", mu), grads, lrs)
    ox, ema = _run_exact(Convention("optax", mu), grads, lrs), _run_exact(Convention("ema", beta), grads, lrs)
    pt_scaled = _run_exact(torch_conv.with_(momentum=beta), grads, [(1 - beta) * lr for lr in lrs])
    b3 = sum(mu ** (3 - k) * grads[k - 1] for k in range(1, 4))  # b_{s-1}
    gap_pred = [F(0)] * 3 + [-(lrs[3] - lrs[0]) * sum(mu ** (t - 4 + 1) for t in range(4, n + 1)) * b3 for n in (4, 5, 6)]
    gap = [p - k for p, k in zip(pt, ke)]
    facts = {
        "optax == pytorch (any schedule)": ox == pt,
        "ema(beta, eta) == pytorch(beta, (1-beta) eta)": ema == pt_scaled,
        "pytorch == keras before the lr change": pt[:3] == ke[:3],
        "pytorch != keras after the lr change": all(p != k for p, k in zip(pt[3:], ke[3:])),
        "gap == -(eta'-eta) b_{s-1} sum mu^{t-s+1}": gap == gap_pred,
    }
    return Outcome(all(facts.values()), f"{sum(facts.values())}/{len(facts)} exact facts hold",
                   {"facts": facts, "gap": [str(x) for x in gap], "predicted_gap": [str(x) for x in gap_pred]})


def simulation_conventions(cfg: RunConfig) -> Outcome:
    from optproof.proofs.conformance import Reference, check

    n, seed = (40 if cfg.quick else 200), cfg.seed_for("C9", "conformance")
    if importlib.util.find_spec("torch"):
        import torch

        from optproof.proofs import adapters
        cases = [(dict(momentum=0.9), Reference.pytorch(0.9)),
                 (dict(momentum=0.9, nesterov=True, weight_decay=0.1), Reference.pytorch(0.9, nesterov=True, weight_decay=0.1)),
                 (dict(momentum=0.9, dampening=0.5, maximize=True), Reference.pytorch(0.9, 0.5, maximize=True))]
        results = {str(ref): check(adapters.torch(torch.optim.SGD, foreach=False, **kw), ref, n, seed).ok
                   for kw, ref in cases}
        what = "torch.optim.SGD (for-loop) vs Reference.pytorch"
    else:
        from optproof.proofs.faulty import CORRECT
        results = {e.name: check(e.factory, e.reference, n, seed).ok for e in CORRECT}
        what = "NumPy implementations vs their references (torch not installed)"
    passed = sum(results.values())
    return Outcome(passed == len(results), f"{what}: {passed}/{len(results)} conform",
                   {"max_examples": n, "seed": seed, "results": results})


CHECKS: tuple[Check, ...] = (
    Check("symbolic", "momentum conventions: equivalences and exact divergences", symbolic_conventions),
    Check("exact", "conventions in rational arithmetic across an lr change", exact_conventions),
    Check("simulation", "optimizer conformance against the convention references", simulation_conventions),
)
