"""The checker as a CI user meets it (issue 11, item 7): the documented API, the plugin under
``@given``, strategies at import, the CLI on a module in the current directory, and
counterexamples reduced to what matters and explained in words."""
from __future__ import annotations

import os
import sys

import numpy as np
from hypothesis import given, settings

import optproof
from optproof.proofs import faulty
from optproof.proofs.cli_conformance import main
from optproof.proofs.conformance import Reference, check, identify
from optproof.proofs.strategies import scenarios  # importable at module import, for @given


def test_identification_has_matches():
    found = identify(faulty.CORRECT[0].factory, 20, max_steps=8)
    assert found.matches == list(found) and all(hasattr(m, "reference") for m in found.matches)


def test_face_exposes_strategies():
    assert optproof.strategies.scenarios is scenarios


@settings(max_examples=5, deadline=None)
@given(sc=scenarios(max_steps=3))
def test_plugin_fixtures_are_safe_under_given(conformance, optimizer_strategies, sc):
    """Function-scoped fixtures here would fail Hypothesis's function_scoped_fixture health check."""
    assert optimizer_strategies.scenarios is scenarios
    entry = faulty.CORRECT[0]
    step = entry.factory(list(sc.params))
    out = step(list(sc.grads[0]), sc.lrs[0])
    assert len(out) == len(sc.params) and conformance.Reference is Reference


MODULE = '''
import numpy as np

class MySGD:
    def __init__(self, params, momentum=0.0):
        self.p = [np.array(x, copy=True) for x in params]
        self.b = [None] * len(self.p)
        self.mu = momentum

    def __call__(self, grads, lr):
        for i, g in enumerate(grads):
            if g is not None:
                self.b[i] = g.copy() if self.b[i] is None else self.mu * self.b[i] + g
                self.p[i] = self.p[i] - lr * self.b[i]
        return [x.copy() for x in self.p]
'''


def test_cli_imports_from_the_current_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_local_sgd.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    monkeypatch.delitem(sys.modules, "my_local_sgd", raising=False)
    assert main(["check", "my_local_sgd:MySGD", "--momentum", "0.9", "--max-examples", "20"]) == 0
    assert "PASS" in capsys.readouterr().out


def _entry(name):
    return next(e for e in faulty.FAULTS if e.name == name)


def test_counterexample_names_the_lr_change():
    ce = check(_entry("lr_inside_buffer").factory, _entry("lr_inside_buffer").reference, 100).counterexample
    assert "the first step at which the lr changes is step" in ce.summary
    assert "lr changes" in ce.table() and str(ce).startswith("minimal difference:")


def test_counterexample_drops_parameters_that_do_not_matter():
    for name in ("dampening_on_first_step", "weight_decay_after_momentum", "nesterov_sign_error"):
        entry = _entry(name)
        ce = check(entry.factory, entry.reference, 100).counterexample
        assert len(ce.scenario.params) == 1, name
        assert "other parameters" not in str(ce)


def test_counterexample_keeps_the_parameters_that_matter():
    entry = _entry("buffer_shared_between_parameters")
    ce = check(entry.factory, entry.reference, 100).counterexample
    assert len(ce.scenario.params) == 2 and "parameters together" in ce.summary


def test_counterexample_marks_a_step_without_gradient():
    entry = _entry("missing_gradient_as_zero")
    ce = check(entry.factory, entry.reference, 100).counterexample
    assert "no gradient" in ce.table() and "has no gradient at step" in ce.summary
