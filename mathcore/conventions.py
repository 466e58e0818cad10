"""The momentum conventions of real libraries: the exact maps between them, proven in SymPy (C9).

The four families (PyTorch, Keras / Sutskever / the seed, optax, EMA) and their update rules are
written out in ``optproof.base.conventions``, beside their numeric reference steps.

The theorems (each a ``Proof`` for symbolic ``t`` and a general schedule ``eta_t``, an
``IndexedBase``) are in ``mathcore.conventions_proofs`` and ``mathcore.conventions_steps``, share the
symbols defined here, are re-exported here and collected by ``convention_proofs()``; ``EQUIVALENCES`` lists which pairs
agree for any schedule, which only for a constant lr, and where they part.

The numeric reference steps (``Convention``, ``reference_step``, ``Arith``, ``OPS_PER_STEP``) are
NumPy-only and live in ``optproof.base.conventions`` (the conformance checker's run-time core);
they are re-exported here, and ``prove_reference_steps_follow_the_closed_forms`` runs them on SymPy
symbols to state that they agree with the theorems.
"""
from __future__ import annotations

import importlib
from typing import Any

import sympy as sp

from optproof.base.conventions import (EXACT, FAMILIES, MAGNITUDE, OPS_PER_STEP, Arith, Convention, init_state,
                                       reference_step)
from optproof.mathcore.proof import Proof

__all__ = [
    "FAMILIES",
    "Convention",
    "Arith",
    "EXACT",
    "MAGNITUDE",
    "init_state",
    "reference_step",
    "OPS_PER_STEP",
    "EQUIVALENCES",
    "convention_proofs",
    "prove_geometric_sum_lemma",
    "prove_pytorch_buffer_closed_form",
    "prove_optax_equals_pytorch",
    "prove_ema_equals_scaled_pytorch",
    "prove_dampening_first_step_gap",
    "prove_keras_reparametrisation",
    "prove_keras_equals_pytorch_constant_lr",
    "prove_lr_change_divergence",
    "prove_weight_decay_placement",
    "prove_reference_steps_follow_the_closed_forms",
]


# ---------------------------------------------------------------------------------------------
# Symbols (shared by mathcore.conventions_proofs and mathcore.conventions_steps)
# ---------------------------------------------------------------------------------------------

t, k, s = sp.symbols("t k s", integer=True, positive=True)
mu, tau, lam = sp.symbols("mu tau lambda", positive=True)
g, eta, b, m, theta = (sp.IndexedBase(n) for n in ("g", "eta", "b", "m", "theta"))
eta_old, eta_new = sp.symbols("eta eta'", positive=True)

#: where each re-exported prover lives (both modules import this one, so they load on first use)
_PROOF_MODULES = {"conventions_proofs": ("prove_geometric_sum_lemma", "prove_pytorch_buffer_closed_form",
                                         "prove_optax_equals_pytorch", "prove_ema_equals_scaled_pytorch",
                                         "prove_dampening_first_step_gap", "prove_keras_reparametrisation",
                                         "prove_keras_equals_pytorch_constant_lr", "prove_lr_change_divergence",
                                         "prove_weight_decay_placement"),
                  "conventions_steps": ("prove_reference_steps_follow_the_closed_forms",)}


def __getattr__(name: str) -> Any:
    """The proofs live in ``mathcore.conventions_proofs`` / ``conventions_steps``; re-exported on first use."""
    for module, names in _PROOF_MODULES.items():
        if name in names:
            return getattr(importlib.import_module(f"optproof.mathcore.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def convention_proofs() -> dict[str, Proof]:
    """Every theorem about the conventions, by name."""
    prove = lambda name: __getattr__(name)()  # noqa: E731 - the provers are re-exported, not module globals
    return {
        "geometric_sum_lemma": prove("prove_geometric_sum_lemma"),
        "pytorch_buffer_closed_form": prove("prove_pytorch_buffer_closed_form"),
        "optax_equals_pytorch": prove("prove_optax_equals_pytorch"),
        "ema_equals_scaled_pytorch": prove("prove_ema_equals_scaled_pytorch"),
        "dampening_first_step_gap": prove("prove_dampening_first_step_gap"),
        "keras_reparametrisation": prove("prove_keras_reparametrisation"),
        "keras_equals_pytorch_constant_lr": prove("prove_keras_equals_pytorch_constant_lr"),
        "lr_change_divergence": prove("prove_lr_change_divergence"),
        "weight_decay_placement": prove("prove_weight_decay_placement"),
        "reference_steps_follow_the_closed_forms": prove("prove_reference_steps_follow_the_closed_forms"),
    }


#: (convention A, convention B, when they produce the same parameters, the proof that says so)
EQUIVALENCES: tuple[tuple[str, str, str, str], ...] = (
    ("pytorch(mu, tau=0)", "optax(mu)", "any schedule (plain and Nesterov)", "optax_equals_pytorch"),
    ("ema(beta) at lr eta_t", "pytorch(beta, tau=0) at lr (1-beta) eta_t", "any schedule",
     "ema_equals_scaled_pytorch"),
    ("pytorch(mu) at lr eta_t", "keras(mu eta_t/eta_{t-1}) at lr eta_t", "any schedule (plain)",
     "keras_reparametrisation"),
    ("pytorch(mu)", "keras(mu)", "constant lr only; gap -mu (eta_t - eta_{t-1}) b_{t-1} at a change",
     "lr_change_divergence"),
    ("pytorch(mu, nesterov)", "keras(mu, nesterov)", "constant lr only; gap -mu^2 (eta_t - eta_{t-1}) b_{t-1}",
     "lr_change_divergence"),
    ("pytorch(beta, tau=beta)", "ema(beta)", "never: buffers differ by beta^t g_1", "dampening_first_step_gap"),
    ("pytorch(mu, wd)", "keras(mu, wd)", "only when mu = 0 (coupled vs decoupled decay)",
     "weight_decay_placement"),
)
