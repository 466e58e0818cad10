"""After shrinking: drop what does not matter to a mismatch, then say in words what does.

Hypothesis shrinks the drawn choices; ``reduce`` then deletes whole parameters and blocks of
steps from the scenario itself (delta debugging: blocks of half, a quarter, ... of the steps)
while the same kind of failure remains.  ``describe`` asks counterfactual questions of the
reduced scenario -- does it still fail with a constant lr? with zero gradients instead of the
missing ones? with finite gradients instead of inf/NaN? -- and names the difference that
matters, e.g. "differs from the first step at which the lr changes (step 3: lr 0.1 -> 1)".
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from optproof.proofs.strategies import Scenario

__all__ = ["reduce", "describe", "step_notes", "nonfinite"]

Fails = Callable[[Scenario], "str | None"]  # the failure kind, or None when the scenario passes


def nonfinite(g) -> bool:
    """True for a gradient holding inf or NaN (a step that mixed precision skips)."""
    return g is not None and not bool(np.all(np.isfinite(g)))


def _subset(sc: Scenario, keep_params: list[int], keep_steps: list[int]) -> Scenario:
    return Scenario(tuple(sc.params[i] for i in keep_params), tuple(sc.lrs[t] for t in keep_steps),
                    tuple(tuple(sc.grads[t][i] for i in keep_params) for t in keep_steps))


def reduce(sc: Scenario, kind_of: Fails, kind: str) -> Scenario:
    """The smallest scenario found by deleting parameters, then blocks of steps, that still fails as ``kind``."""
    params, steps = list(range(len(sc.params))), list(range(sc.n_steps))
    for i in list(params):
        trial = [j for j in params if j != i]
        if trial and kind_of(_subset(sc, trial, steps)) == kind:
            params = trial
    block = max(1, len(steps) // 2)
    while block >= 1:
        start = 0
        while start < len(steps) and len(steps) > 1:
            trial = steps[:start] + steps[start + block:]
            if trial and kind_of(_subset(sc, params, trial)) == kind:
                steps = trial
            else:
                start += block
        block //= 2
    return _subset(sc, params, steps)


def step_notes(sc: Scenario, param: int) -> list[str]:
    """Per step, what is special for ``param``: an lr change, a skipped (missing or inf/NaN) gradient."""
    notes = []
    for t, (lr, row) in enumerate(zip(sc.lrs, sc.grads)):
        marks = []
        if t and lr != sc.lrs[t - 1]:
            marks.append("lr changes")
        g = row[param]
        if g is None:
            marks.append("no gradient")
        elif nonfinite(g):
            marks.append("inf/NaN gradient")
        if any(nonfinite(h) for h in row) and not nonfinite(g):
            marks.append("overflow step")
        notes.append(", ".join(marks))
    return notes


def _with(sc: Scenario, lrs=None, grad=None) -> Scenario:
    grads = sc.grads if grad is None else tuple(tuple(grad(g, p) for g, p in zip(row, sc.params)) for row in sc.grads)
    return Scenario(sc.params, sc.lrs if lrs is None else tuple(lrs), grads)


def _first(sc: Scenario, test) -> int | None:
    for t, row in enumerate(sc.grads):
        if any(test(g) for g in row):
            return t + 1
    return None


def describe(sc: Scenario, kind_of: Fails, kind: str, step: int) -> str:
    """One sentence: what the minimal difference is (``step`` = the 1-based failing step)."""
    if step == 0:
        return "the factory fails before the first step"
    if kind in ("exception", "output", "gradient_modified"):
        what = {"exception": "the step raises", "output": "the step returns the wrong structure",
                "gradient_modified": "the step writes into the caller's gradient"}[kind]
        return f"{what} at step {step}" + _cause(sc, kind_of, kind)
    return f"differs {'from the very first step' if step == 1 else f'first at step {step}'}" + _cause(sc, kind_of, kind)


def _cause(sc: Scenario, kind_of: Fails, kind: str) -> str:
    """Counterfactuals on the reduced scenario, most specific first."""
    changes = [t + 1 for t in range(1, sc.n_steps) if sc.lrs[t] != sc.lrs[t - 1]]
    if changes and kind_of(_with(sc, lrs=[sc.lrs[0]] * sc.n_steps)) != kind:
        t = changes[0]
        return f", and only because the lr changes: the first step at which the lr changes is step {t} " \
               f"(lr {sc.lrs[t - 2]:g} -> {sc.lrs[t - 1]:g})"
    bad = _first(sc, nonfinite)
    if bad and kind_of(_with(sc, grad=lambda g, p: np.zeros_like(p) if nonfinite(g) else g)) != kind:
        return f", and only because of the inf/NaN gradient at step {bad} (a step mixed precision must skip)"
    gap = _first(sc, lambda g: g is None)
    if gap and kind_of(_with(sc, grad=lambda g, p: np.zeros_like(p) if g is None else g)) != kind:
        return f", and only because a parameter has no gradient at step {gap} (a zero gradient instead agrees)"
    if len(sc.params) > 1:
        return f", and only with {len(sc.params)} parameters together (one alone agrees): state leaks between them"
    if sc.n_steps > 8:
        return f", after {sc.n_steps - 1} agreeing steps that cannot be removed (a late bug: step counter, schedule or restart)"
    return ""
