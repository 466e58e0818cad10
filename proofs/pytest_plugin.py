"""pytest plugin (entry point ``pytest11``): fixtures and Hypothesis strategies for users' suites.

Kept tiny so pytest loads it cheaply: nothing heavy is imported at module import time (no
torch, jax, numba; not even Hypothesis or the checker until a fixture is used).

Fixtures
--------
Both are session-scoped (stateless namespaces), so they are safe inside ``@given`` tests, which
Hypothesis's ``function_scoped_fixture`` health check refuses for function-scoped fixtures.

- ``conformance``: the checker's namespace -- ``conformance.check``, ``.assert_conforms``,
  ``.identify``, ``.Reference``, ``.adapters``::

      def test_my_sgd(conformance):
          conformance.assert_conforms(MySGD, conformance.Reference.pytorch(momentum=0.9))

- ``optimizer_strategies``: the module ``proofs.strategies`` (``scenarios``, ``gradient_streams``,
  ``lr_schedules``, ``parameter_lists``) for your own ``@given`` tests.
"""
from __future__ import annotations

import types

import pytest


@pytest.fixture(scope="session")
def conformance() -> types.SimpleNamespace:
    """The conformance checker API (imported on first use)."""
    from optproof.proofs import adapters
    from optproof.proofs.conformance import Reference, assert_conforms, check, identify

    return types.SimpleNamespace(check=check, assert_conforms=assert_conforms, identify=identify,
                                 Reference=Reference, adapters=adapters)


@pytest.fixture(scope="session")
def optimizer_strategies() -> types.ModuleType:
    """``proofs.strategies``: Hypothesis strategies for gradient streams, lr schedules, parameters."""
    from optproof.proofs import strategies

    return strategies
