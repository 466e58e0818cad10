"""Checkers for the batch half of a training loop (claims C1, C4, C5).

    check_loader(batches, LoaderSpec(...))        data loaders and samplers: every epoch visits
                                                   each example once, reshuffled, sharded (C1)
    check_accumulation(step, "example_mean")       gradient accumulation and distributed averaging
                                                   against the gradient of the global mean (C4, C5)

The adapters from torch (``torch_loader``, ``torch_accumulation``) live in ``torch_adapters``;
torch is imported inside their functions only.  See docs/batches.md.
"""
from __future__ import annotations

from optproof.proofs.batches.spec import LoaderSpec
from optproof.proofs.batches.check_loader import LoaderResult, check_loader
#from optproof.proofs.batches.accumulation import AccumulationResult, check_accumulation

__all__ = ["LoaderSpec", "LoaderResult", "check_loader", "AccumulationResult", "check_accumulation"]
