"""Param groups, groups added mid-run and mixed dtypes: ``check_groups`` for torch optimizers (issue 11, item 2).

A ``GroupScenario`` is a ``Scenario`` whose parameters are split into 1-3 param groups, each with
its own ``momentum``, ``dampening``, ``nesterov``, ``weight_decay`` and lr (the step's lr times the
group's ``lr_scale``); groups after the first may join the optimizer later, through
``optimizer.add_param_group`` at step ``join`` (before it their parameters get no gradient); and
float32 and float64 parameters are mixed within one group -- the foreach and fused paths bucket
tensors by dtype, so a rule applied once per bucket instead of once per parameter shows up.

The expectation of each parameter is ``Reference.pytorch(**its group's hyperparameters)`` run on
that parameter alone (the PyTorch rule acts per parameter), compared in the parameter's own dtype
with the tolerance of ``proofs.conformance.tolerance``.  ``roundtrip=True`` saves ``state_dict()``
after every step and loads it into a fresh optimizer built differently: every group passed to the
constructor at once and no hyperparameters given (the defaults), so that everything -- the groups'
hyperparameters and the per-parameter state, keyed by index -- must come from the saved dict.
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass

import numpy as np
from hypothesis import find, strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from optproof.base.validation import check_choice, check_int
from optproof.proofs.conformance.check import CheckResult, _settings, _storage_outside_cwd, factory_name
from optproof.proofs.conformance.reference import Reference
from optproof.proofs.conformance.report import Counterexample
from optproof.proofs.conformance.runner import Failure
from optproof.proofs.conformance.tolerance import tolerance
from optproof.proofs.strategies import Scenario, arrays, lr_schedules

__all__ = ["GroupSpec", "GroupScenario", "group_scenarios", "check_groups"]

DTYPE_CHOICES = (np.dtype(np.float64), np.dtype(np.float32))
GROUP_SHAPES = ((3,), (1,), (2, 2), ())


@dataclass(frozen=True)
class GroupSpec:
    """One param group: its hyperparameters, lr multiplier, joining step (0-based) and parameters."""

    hyper: dict
    lr_scale: float
    join: int
    params: tuple[int, ...]

    def reference(self) -> Reference:
        return Reference.pytorch(**self.hyper)


@dataclass(frozen=True)
class GroupScenario:
    scenario: Scenario
    groups: tuple[GroupSpec, ...]

    def __str__(self) -> str:
        parts = [f"group {k}: params {list(g.params)} "
                 f"({', '.join(str(self.scenario.params[i].dtype) for i in g.params)}), lr x{g.lr_scale:g}, "
                 f"{g.reference().name}" + (f", added at step {g.join + 1}" if g.join else "")
                 for k, g in enumerate(self.groups)]
        return "; ".join(parts)


_HYPER = st.sampled_from([dict(momentum=0.0), dict(momentum=0.9), dict(momentum=0.9, dampening=0.5),
                          dict(momentum=0.9, nesterov=True)]).flatmap(
    lambda h: st.sampled_from([0.0, 0.1]).map(lambda wd: {**h, "weight_decay": wd}))


def group_scenarios(max_groups: int = 3, max_steps: int = 6, allow_missing: bool = True) -> st.SearchStrategy[GroupScenario]:
    """1..``max_groups`` groups of 1-2 parameters (float32 or float64), own hyperparameters, late joins;
    ``allow_missing=False``: every parameter of a joined group has a gradient at every step."""
    check_choice("allow_missing", allow_missing, (False, True))
    return _group_scenarios(check_int("max_groups", max_groups, 1), check_int("max_steps", max_steps, 1), allow_missing)


@st.composite
def _group_scenarios(draw, max_groups: int, max_steps: int, allow_missing: bool) -> GroupScenario:
    n_steps = draw(st.integers(1, max_steps))
    params, groups = [], []
    for k in range(draw(st.integers(1, max_groups))):
        count = draw(st.integers(1, 2))
        members = tuple(range(len(params), len(params) + count))
        for _ in members:
            params.append(draw(arrays(draw(st.sampled_from(GROUP_SHAPES)), draw(st.sampled_from(DTYPE_CHOICES)))))
        join = draw(st.integers(0, n_steps - 1)) if k else 0
        groups.append(GroupSpec(draw(_HYPER), draw(st.sampled_from((1.0, 0.5, 2.0))), join, members))
    joins = {i: g.join for g in groups for i in g.params}
    gap = lambda: allow_missing and draw(st.integers(0, 5)) == 5  # noqa: E731
    grads = tuple(tuple(None if t < joins[i] or gap() else draw(arrays(p.shape, p.dtype))
                        for i, p in enumerate(params)) for t in range(n_steps))
    return GroupScenario(Scenario(tuple(params), tuple(draw(lr_schedules(n_steps))), grads), tuple(groups))


def _run_torch(optim_cls, gs: GroupScenario, options: dict, roundtrip: bool) -> list[list[np.ndarray]]:
    """The parameters after every step (raises what torch raises)."""
    import torch

    sc = gs.scenario
    tensors = [torch.nn.Parameter(torch.from_numpy(np.array(p, copy=True))) for p in sc.params]
    entry = lambda g: {"params": [tensors[i] for i in g.params], "lr": 1.0, **g.hyper}  # noqa: E731
    joined = [g for g in gs.groups if g.join == 0]
    opt = optim_cls([entry(g) for g in joined], lr=1.0, **options)
    history = []
    for t, (lr, row) in enumerate(zip(sc.lrs, sc.grads)):
        for g in gs.groups:
            if g.join == t and t:
                opt.add_param_group(entry(g))
                joined.append(g)
        for group, spec in zip(opt.param_groups, joined):
            group["lr"] = lr * spec.lr_scale
        for p, g in zip(tensors, row):
            p.grad = None if g is None else torch.from_numpy(np.array(g, copy=True))
        opt.step()
        if roundtrip:
            saved = copy.deepcopy(opt.state_dict())
            opt = optim_cls([{"params": [tensors[i] for i in g.params]} for g in joined], lr=1.0, **options)
            opt.load_state_dict(saved)
        history.append([p.detach().numpy().copy() for p in tensors])
    return history


def _expected(gs: GroupScenario, i: int):
    sc, spec = gs.scenario, next(g for g in gs.groups if i in g.params)
    lrs = [lr * spec.lr_scale for lr in sc.lrs]
    alone = Scenario((sc.params[i],), tuple(lrs), tuple((row[i],) for row in sc.grads))
    return spec.reference(), alone, spec.reference().run([sc.params[i]], lrs, [[row[i]] for row in sc.grads])


def _first_failure(optim_cls, gs: GroupScenario, options: dict, roundtrip: bool) -> tuple[int, Failure] | None:
    """``(param, failure)`` of the first step where a parameter leaves its tolerance, or None."""
    try:
        history = _run_torch(optim_cls, gs, options, roundtrip)
    except Exception as exc:  # noqa: BLE001 - torch's error is the finding
        return 0, Failure("exception", 1, 0, f"{type(exc).__name__}: {exc}")
    expectations = [_expected(gs, i) for i in range(len(gs.scenario.params))]
    for t, outs in enumerate(history, start=1):
        for i, (actual, (_, _, exp)) in enumerate(zip(outs, expectations)):
            diff = np.abs(np.asarray(actual, np.float64) - exp.params[t - 1][0])
            tol = tolerance(exp.magnitudes[t - 1][0], t, actual.dtype)
            if not np.all(diff <= tol):
                trail = tuple(np.asarray(h[i], np.float64) for h in history[:t])
                return i, Failure("mismatch", t, 0, f"parameter {i} ({actual.dtype}) differs by up to "
                                  f"{float(np.nanmax(diff)):.3g} (tolerance {float(np.max(tol)):.3g})", trail,
                                  float(np.nanmax(diff)))
    return None


def check_groups(optim_cls, max_examples: int = 100, seed: int = 0, *, roundtrip: bool = False,
                 max_groups: int = 3, max_steps: int = 6, allow_missing: bool = True, **options) -> CheckResult:
    """Search group scenarios where the torch optimizer ``optim_cls`` departs from the PyTorch rule.

    ``options`` (``foreach=True``, ``fused=True``) go to every constructor.  The counterexample is
    that of the failing parameter on its own, with the group layout in its summary.
    """
    import torch

    if not (isinstance(optim_cls, type) and issubclass(optim_cls, torch.optim.Optimizer)):
        raise TypeError(f"optim_cls must be a torch.optim.Optimizer subclass; got {optim_cls!r}")
    check_int("max_examples", max_examples, 1)
    check_int("seed", seed, 0)
    check_choice("roundtrip", roundtrip, (False, True))
    strategy = group_scenarios(max_groups, max_steps, allow_missing)
    name = factory_name(optim_cls) + "".join(f" {k}={v}" for k, v in options.items()) + (
        " [state_dict round trip]" if roundtrip else "") + " [param groups]"
    base = dict(implementation=name, reference=Reference.pytorch(), dtype="float32+float64",
                max_examples=max_examples, seed=seed)
    fails = lambda gs: _first_failure(optim_cls, gs, options, roundtrip) is not None  # noqa: E731
    try:
        with _storage_outside_cwd():
            gs = find(strategy, fails, settings=_settings(max_examples), random=random.Random(seed))
    except (NoSuchExample, Unsatisfiable):
        return CheckResult(True, **base)
    i, failure = _first_failure(optim_cls, gs, options, roundtrip)
    ref, alone, _ = _expected(gs, i)
    summary = f"parameter {i} in the layout {gs}"
    return CheckResult(False, **{**base, "reference": ref}, counterexample=Counterexample(alone, failure, ref, summary))
