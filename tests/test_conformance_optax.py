"""optax.sgd against Reference.optax (and PyTorch, equal for any schedule); skipped without optax."""
from __future__ import annotations

import pytest

optax = pytest.importorskip("optax")

from optproof.proofs import adapters  # noqa: E402
from optproof.proofs.conformance import Reference, check  # noqa: E402


@pytest.mark.parametrize("nesterov", [False, True])
def test_optax_sgd_conforms(nesterov):
    factory = adapters.optax(optax.sgd, momentum=0.9, nesterov=nesterov)
    assert check(factory, Reference.optax(0.9, nesterov), 60).ok
    # the theorem optax_equals_pytorch, on the real libraries (None semantics aside)
    assert check(factory, Reference.pytorch(0.9, nesterov=nesterov), 60, allow_missing=False).ok


def test_optax_sgd_is_not_keras():
    factory = adapters.optax(optax.sgd, momentum=0.9)
    assert not check(factory, Reference.keras(0.9, missing="zero"), 60).ok
