"""C1 (seed 1.1): mini-batches of size B, epochs, reshuffling before every epoch.

Symbolic: an epoch's batch sizes sum to N (N − r with drop_last), every slice of a uniform
permutation is a uniform subset.  Exact: all N! permutations of a small epoch enumerated.
Simulation: the sampler streams that the Numba kernels use (``sim.epoch_order``, proven bitwise
equal to the kernel's in tests) checked over many trajectories and epochs: permutations, and
chi-square goodness of fit for uniformity.
"""
from __future__ import annotations

from collections import Counter
from fractions import Fraction
from itertools import combinations, permutations

import numpy as np

from optproof.mathcore.batching import epoch_batch_sizes
from optproof.mathcore.sampling import prove_epoch_partition, prove_uniform_batches
from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure, proof_check
from optproof.proofs.stats import ALPHA_EACH, compare



def _exact(cfg: RunConfig) -> Outcome:
    """Enumerate all 6! reshuffles of N = 6, B = 4: coverage, and each slice uniform over subsets."""
    N, B = 6, 4
    numbers = {"N": N, "B": B, "permutations": 0}
    ok = True
    for drop_last in (False, True):
        sizes = epoch_batch_sizes(N, B, drop_last)
        slices = np.cumsum([0] + sizes)
        slice_counts = [Counter() for _ in sizes]
        seen_count = Counter()
        n_perm = 0
        for perm in permutations(range(N)):
            n_perm += 1
            seen = [i for k in range(len(sizes)) for i in perm[slices[k]:slices[k + 1]]]
            ok &= len(seen) == len(set(seen)) == sum(sizes)
            seen_count.update(seen)
            for k in range(len(sizes)):
                slice_counts[k][frozenset(perm[slices[k]:slices[k + 1]])] += 1
        for k, b in enumerate(sizes):  # every b-subset occurs equally often: P = 1/C(N, b)
            probs = {Fraction(c, n_perm) for c in slice_counts[k].values()}
            n_sub = len(list(combinations(range(N), b)))
            ok &= len(slice_counts[k]) == n_sub and probs == {Fraction(1, n_sub)}
        unseen = {Fraction(n_perm - seen_count[i], n_perm) for i in range(N)}
        r = N % B if drop_last else 0
        ok &= unseen == {Fraction(r, N)}
        numbers[f"drop_last={drop_last}"] = {"batch_sizes": sizes, "P(example unseen)": str(unseen.pop())}
        numbers["permutations"] = n_perm
    return Outcome(ok, f"all {numbers['permutations']} reshuffles of N={N}, B={B}: every slice is a uniform "
                       "subset exactly; drop_last leaves each example out with probability r/N exactly", numbers)


def _orders(sampler, n, seed, n_traj, n_epochs):
    from optproof.sim import epoch_order

    return np.array([[epoch_order(sampler, n, seed, j, e) for e in range(n_epochs)] for j in range(n_traj)])


def _chi_square(counts: np.ndarray, expected: np.ndarray, name: str):
    """Chi-square statistic turned into a z-like comparison through its exact p-value."""
    from scipy.stats import chi2, norm

    stat = float(((counts - expected) ** 2 / expected).sum())
    df = counts.size - 1
    p = float(chi2.sf(stat, df))
    z = float(norm.isf(p / 2)) if p > 0 else float("inf")
    # Expressed as |z| against the two-sided critical value: pass iff p >= alpha.
    return compare(name, z, 1.0, 0.0, int(counts.sum()), ALPHA_EACH), stat, df, p


def _simulation(cfg: RunConfig) -> Outcome:
    from optproof.sim import Sampler

    N, B = 37, 8
    n_traj, n_epochs = (40, 25) if cfg.quick else (200, 50)
    numbers, comps, ok = {}, [], True
    for drop_last in (False, True):
        orders = _orders(Sampler("reshuffle", B, drop_last), N, cfg.seed_for("C1", "reshuffle", int(drop_last)),
                         n_traj, n_epochs)
        seen = orders[..., : B * (N // B)] if drop_last else orders
        perms = bool(np.all(np.sort(orders, axis=-1) == np.arange(N)))
        distinct = bool(np.all(np.diff(np.sort(seen, axis=-1), axis=-1) > 0))
        reshuffled = float(np.mean(np.any(orders[:, 1:] != orders[:, :-1], axis=-1)))
        numbers[f"reshuffle drop_last={drop_last}"] = {"epochs": n_traj * n_epochs, "every epoch a permutation": perms,
                                                       "no example twice": distinct,
                                                       "fraction of epochs reordered": reshuffled}
        ok &= perms and distinct and reshuffled == 1.0
    # position of each example in the first batch of a reshuffled epoch: uniform, P = B/N
    orders = _orders(Sampler("reshuffle", B), N, cfg.seed_for("C1", "first batch"), n_traj, n_epochs)
    first = np.bincount(orders[..., :B].ravel(), minlength=N)
    comps.append(_chi_square(first, np.full(N, first.sum() / N), "first batch membership (reshuffle)"))
    # with replacement: every index uniform
    orders = _orders(Sampler("replacement", B), N, cfg.seed_for("C1", "replacement"), n_traj, n_epochs)
    counts = np.bincount(orders.ravel(), minlength=N)
    comps.append(_chi_square(counts, np.full(N, counts.sum() / N), "index frequency (replacement)"))
    # fixed order never changes
    orders = _orders(Sampler("fixed", B), N, cfg.seed_for("C1", "fixed"), 3, 3)
    ok &= bool(np.all(orders == np.arange(N)))
    for c, stat, df, p in comps:
        numbers[c.name] = {"chi2": stat, "df": df, "p_value": p, "alpha": c.alpha, "passed": c.passed}
        ok &= c.passed
    figures = []
    if cfg.make_figures:
        fig, ax = new_figure()
        ax.bar(np.arange(N), first / first.sum(), color="tab:blue", alpha=0.7, label="simulated")
        ax.axhline(1 / N, color="k", lw=1.5, label="theory 1/N")
        ax.set_xlabel("example index i")
        ax.set_ylabel("share of first-batch slots")
        ax.set_title(f"Reshuffled epochs: first batch is a uniform subset (N={N}, B={B})")
        ax.legend()
        figures.append(("first_batch_uniform", fig))
    return Outcome(ok, f"{2 * n_traj * n_epochs} reshuffled epochs are permutations; chi-square p-values "
                       + ", ".join(f"{p:.3g}" for _, _, _, p in comps) + f" (alpha {ALPHA_EACH:g} each)",
                   numbers, figures=figures)


CHECKS: tuple[Check, ...] = (
    proof_check("epoch partition and uniform batches", (prove_epoch_partition, prove_uniform_batches)),
    Check("exact", "all reshuffles of a 6-example epoch", _exact),
    Check("simulation", "sampler streams of the Numba kernels", _simulation, alpha=2 * ALPHA_EACH),
)
