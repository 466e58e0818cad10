"""Keras 3 (torch backend) against Reference.keras in every momentum / Nesterov / weight-decay
combination (issue 11, item 6), and its row of the conformance matrix.  Not marked slow: the whole
file takes ~14 s here (Keras import ~7 s of it), measured with `time pytest tests/test_conformance_keras.py`."""
from __future__ import annotations

import itertools
import importlib.util

import pytest

from optproof.proofs import adapters
from optproof.proofs.conformance import Reference, check
from optproof.proofs.conformance.matrix import _cell, matrix_implementations, matrix_references


@pytest.fixture(scope="module")
def keras():
    """Imported only when a test runs (not at collection, where -m 'not slow' would still pay for it)."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed (the [keras] extra)")
    return adapters.import_keras()  # on the torch backend, before anything else imports it

COMBOS = [dict(momentum=mu, nesterov=nest, weight_decay=wd)
          for mu, nest, wd in itertools.product((0.0, 0.9), (False, True), (0.0, 0.1)) if not (nest and not mu)]


@pytest.mark.parametrize("kw", COMBOS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_keras_sgd_conforms(kw, keras):
    hyper = {k: v for k, v in kw.items() if v}
    result = check(adapters.keras(keras.optimizers.SGD, **hyper), Reference.keras(**kw), 40, max_steps=40)
    assert result.ok, str(result)


def test_keras_is_not_pytorch_under_an_lr_change(keras):
    result = check(adapters.keras(keras.optimizers.SGD, momentum=0.9), Reference.pytorch(0.9), 40)
    assert not result.ok and "lr changes" in result.counterexample.summary


def test_the_matrix_has_a_keras_row_matching_only_the_keras_convention(keras):
    """The report's cross-convention cells: Keras SGD = Reference.keras, != PyTorch / optax / EMA."""
    impls = matrix_implementations()
    name = next(n for n in impls if "keras" in n and "SGD" in n)
    cells = {rn: _cell(impls[name], r, 5, 0) for rn, r in matrix_references().items()}
    assert cells.pop("keras(momentum=0.9)") == "match"
    assert set(cells.values()) == {"mismatch"}, cells
