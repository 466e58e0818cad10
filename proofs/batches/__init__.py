"""Checkers for the batch half of a training loop (claims C1, C4, C5).

    check_loader(batches, LoaderSpec(...))        data loaders and samplers: every epoch visits
                                                   each example once, reshuffled, sharded (C1)
    check_accumulation(step, "example_mean")       gradient accumulation and distributed averaging
                                                   against the gradient of the global mean (C4, C5)

The adapters from torch (``torch_loader``, ``torch_accumulation``) live in ``torch_adapters``;
torch is imported inside their functions only.  Names resolve lazily (PEP 562), so importing the
package (the CLI does) costs nothing.  See docs/batches.md.
"""
from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "LoaderSpec": "optproof.proofs.batches.spec",
    "LoaderResult": "optproof.proofs.batches.loader_check",
    "check_loader": "optproof.proofs.batches.loader_check",
    "AccumulationResult": "optproof.proofs.batches.accumulation",
    "check_accumulation": "optproof.proofs.batches.accumulation",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'optproof.proofs.batches' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
