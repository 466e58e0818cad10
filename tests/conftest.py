"""Shared test configuration: Hypothesis profiles and one-time Numba warm-up.

Profiles
--------
- ``dev`` (default locally): random exploration, 50 examples, no deadline (Numba compiles).
- ``ci``  (loaded when the ``CI`` environment variable is set, as in CI): derandomized, so a CI run
  is reproducible, no deadline, 30 examples, no example database.
Select explicitly with ``HYPOTHESIS_PROFILE=dev|ci``.

Statistical (Monte Carlo) tests never let Hypothesis choose an RNG seed: seeds are fixed
constants, and each such test states its false-failure rate next to it (the catalog's budget is in
``proofs/stats.py``).
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session", autouse=True)
def _warm_numba_kernels():
    """Compile (or load from cache) every Numba kernel once per test session."""
    try:
        import optproof.sim as sim
    except ImportError:  # pragma: no cover - sim not importable means the sim tests fail loudly anyway
        yield
        return
    warm = getattr(sim, "warmup", None)
    if warm is not None:
        warm()
    yield
