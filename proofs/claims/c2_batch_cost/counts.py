"""C2 (seed 1.1, 1.2) decided on exact counts: updates, examples touched and operations per epoch.

``mathcore.cost``: U(B) = ⌈N/B⌉ updates per epoch (⌊N/B⌋ with drop_last), work per update
t(B) = t₀ + c⌈B/P⌉, per epoch E(B) = U(B)·t(B) ≥ N t₀/B + N c/P.  For the simulator's least-squares
step, t₀ = 5d + 1 and c = 4d + 7 floating-point operations (``cost.update_flops``, ``cost.example_flops``).

Two checks, neither of which reads a clock:

- ``exact``: the counting formulas against the samplers' batch sizes for every 1 ≤ B ≤ N ≤ 40, and the
  epoch-time bound and its minimiser in rational arithmetic;
- ``simulation``: the kernel itself, run on a counting problem (ℓ_i(θ) = θ_i, so the batch gradient
  is the vector of how often each example's gradient was evaluated, divided by the batch size), uses
  exactly the batches ``sim.batch_indices`` names — every gradient evaluation accounted for, bitwise —
  so its updates per epoch, examples touched and operation counts W(B) = Σ_k (t₀ + c·b_k) are exact
  integers; W(B) falls with B while the work per update rises, and P parallel lanes shorten the
  critical path to the model's E(B).
"""
from __future__ import annotations

from fractions import Fraction as F

import numpy as np

from optproof.mathcore import cost as cm
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import proof_check

__all__ = ["CHECKS", "SHAPE_N", "SHAPE_D"]

SHAPE_N, SHAPE_D = 4096, 8  # the data set whose epoch work is tabulated (also timed in ``timing``)
_COUNT_SIZES = {"quick": ((37, (1, 2, 5, 8, 37)),), "default": ((37, (1, 2, 5, 8, 37)), (64, (1, 3, 16, 64)))}
_SAMPLERS = (("reshuffle", False), ("reshuffle", True), ("fixed", False), ("fresh", False), ("replacement", False))


# =========================================================================== exact
def _exact_counts(cfg: RunConfig) -> Outcome:
    """For all N ≤ 40 and B ≤ N: the samplers' updates per epoch and examples seen = the model, both
    drop_last settings; the exact (Fraction) epoch time is minimised at B = N whenever P | N."""
    from optproof.sim import Sampler

    bad = []
    for N in range(1, 41):
        for B in range(1, N + 1):
            for drop in (False, True):
                s = Sampler("reshuffle", B, drop)
                U, seen = s.steps_per_epoch(N), int(s.batch_sizes(N).sum())
                if U != cm.updates_per_epoch(N, B, drop) or seen != cm.examples_per_epoch(N, B, drop):
                    bad.append((N, B, drop))
    t0, c = F(3, 2), F(1, 7)
    for N in range(1, 41):
        for P in (1, 2, 4, 8):
            best = cm.best_batch_size(N, t0, c, P)
            if N % P == 0 and cm.epoch_time(N, best, t0, c, P) != cm.epoch_time(N, N, t0, c, P):
                bad.append(("best", N, P))
            for B in range(1, N + 1):  # lower bound N t0/B + N c/P, with equality when B | N and P | B
                low = N * t0 / B + N * c / P
                E = cm.epoch_time(N, B, t0, c, P)
                if E < low or ((N % B == 0 and B % P == 0) and E != low):
                    bad.append(("bound", N, B, P))
    return Outcome(not bad, f"updates per epoch, examples seen (1 <= B <= N <= 40, drop_last on/off) and the epoch-time "
                            f"bound hold exactly; {len(bad)} mismatches", {"mismatches": bad[:20]})


# =========================================================================== the kernel's own counts
def _count_loss(th, row):
    return th[int(row[0])]


def _count_grad(th, row, out):
    out[int(row[0])] += 1.0


def _counting_problem(N: int):
    """ℓ_i(θ) = θ_i on θ ∈ R^N: the batch gradient is (number of times example i was used)/b."""
    from optproof.sim import FiniteSum

    return FiniteSum(_count_loss, _count_grad, np.arange(N, dtype=np.float64)[:, None], N)


def _kernel_batches(N: int, sampler, seed: int, n_epochs: int = 2, n_traj: int = 2) -> tuple[bool, list[list[int]]]:
    """Run the kernel on the counting problem; True if every step's gradient is exactly
    counts(batch)/|batch| for the batch ``sim.batch_indices`` names.  Also the batch sizes per epoch."""
    from optproof.sim import SGD, batch_indices, simulate

    res = simulate(_counting_problem(N), SGD(1.0), sampler, n_traj=n_traj, n_epochs=n_epochs, seed=seed,
                   record=("grad",), every="step")
    S = sampler.steps_per_epoch(N)
    exact, sizes = res.records["grad"].shape[1] == n_epochs * S, [[] for _ in range(n_epochs)]
    for j in range(n_traj):
        for t in range(1, n_epochs * S + 1):
            batch = batch_indices(sampler, N, seed, j, t)
            expected = np.bincount(batch, minlength=N) / batch.size
            exact &= bool(np.array_equal(res.records["grad"][j, t - 1], expected))
            if j == 0:
                sizes[(t - 1) // S].append(int(batch.size))
    return exact, sizes


def _kernel_counts(cfg: RunConfig) -> Outcome:
    """The kernel's gradient evaluations per step, per epoch and in operations, counted exactly."""
    from optproof.sim import Sampler

    ok, rows = True, {}
    for N, Bs in _COUNT_SIZES["quick" if cfg.quick else "default"]:
        for kind, drop in _SAMPLERS:
            for B in Bs:
                samp = Sampler(kind, B, drop)
                exact, sizes = _kernel_batches(N, samp, cfg.seed_for("C2", f"kernel batches {kind} {drop}", N, B))
                U, seen = cm.updates_per_epoch(N, B, drop), cm.examples_per_epoch(N, B, drop)
                if kind == "fresh":
                    seen = U * B  # B fresh draws every step; "examples touched" counts gradient evaluations
                counts_ok = all(len(e) == U and sum(e) == seen for e in sizes)
                work_ok = all(cm.epoch_work(e, 1) == U * cm.update_flops(1) + seen * cm.example_flops(1) for e in sizes)
                ok &= exact and counts_ok and work_ok
                rows[f"N={N} {kind}{' drop_last' if drop else ''} B={B}"] = {
                    "gradient = counts/b at every step (bitwise)": exact, "updates per epoch": U,
                    "gradient evaluations per epoch": [sum(e) for e in sizes], "counts = model": counts_ok}
    shape_ok, shape = _work_shape()
    ok &= shape_ok
    return Outcome(bool(ok), f"the kernel evaluated exactly the gradients of the batches the samplers name (every "
                             f"step, {len(rows)} sampler settings); updates and examples per epoch = the model; on "
                             f"N = {SHAPE_N}, d = {SHAPE_D}: work per epoch falls {shape['W(1)/W(N)']:.2f}x from B = 1 "
                             f"to B = N while work per update rises, and 2 lanes cut the full-batch critical path "
                             f"{shape['S_1(N)/S_2(N)']:.2f}x", {"kernel": rows, "work on the timed data set": shape},
                   [r"W(B) = \sum_k (t_0 + c\,b_k),\ t_0 = 5d + 1,\ c = 4d + 7;\ "
                    r"S_P(B) = \sum_k (t_0 + c\lceil b_k/P\rceil)"])


def _work_shape() -> tuple[bool, dict]:
    """Exact operation counts per epoch on the timed data set from the sampler's real batch sizes."""
    from optproof.sim import Sampler

    N, d = SHAPE_N, SHAPE_D
    Bs = [2**k for k in range(13) if 2**k <= N] + [3, 100]
    Bs.sort()
    W = {B: cm.epoch_work(Sampler("reshuffle", B).batch_sizes(N), d) for B in Bs}
    per_update = {B: F(W[B], cm.updates_per_epoch(N, B)) for B in Bs}
    t0, c = cm.update_flops(d), cm.example_flops(d)
    span = {P: cm.epoch_span(Sampler("reshuffle", N).batch_sizes(N), d, P) for P in (1, 2, 4)}
    facts = {
        "W(B) strictly falls along B": all(W[a] > W[b] for a, b in zip(Bs, Bs[1:])),
        "work per update strictly rises along B": all(per_update[a] < per_update[b] for a, b in zip(Bs, Bs[1:])),
        "W(B) = E(B) of the model (t0 = 5d+1, c = 4d+7, P = 1) where B | N":
            all(W[B] == cm.epoch_time(N, B, t0, c) for B in Bs if N % B == 0),
        "W(B) >= N t0/B + N c (the bound), = where B | N":
            all(W[B] >= F(N * t0, B) + N * c and (N % B or W[B] == F(N * t0, B) + N * c) for B in Bs),
        "full batch: S_P(N) = t0 + c N/P for P | N": all(span[P] == t0 + c * N // P for P in span),
    }
    return all(facts.values()), {"N": N, "d": d, "t0 (flops per update)": t0, "c (flops per example)": c,
                                 "B": Bs, "W(B) flops per epoch": [W[B] for B in Bs],
                                 "W(B)/U(B) flops per update": [float(per_update[B]) for B in Bs],
                                 "S_P(N) for P = 1, 2, 4": [span[P] for P in span], "facts": facts,
                                 "W(1)/W(N)": W[1] / W[N], "S_1(N)/S_2(N)": span[1] / span[2]}


CHECKS: tuple[Check, ...] = (
    proof_check("epoch time, per-example cost and updates per epoch against B", (cm.prove_cost_model,)),
    Check("exact", "updates per epoch, examples seen and the epoch-time bound, enumerated", _exact_counts),
    Check("simulation", "the kernel's gradient evaluations and operation counts per epoch (exact)", _kernel_counts),
)
