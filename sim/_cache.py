"""Keep Numba's on-disk cache of ``sim`` consistent with the sources of *all* its modules.

Numba's ``cache=True`` checks only the source file of the cached function itself, but compiled
code also contains what it inlined or linked from other modules (``kernels`` contains ``rng``,
``samplers``, ``problems``, …).  Editing e.g. ``rng.py`` would leave a stale kernel in the cache.
``refresh()`` (run by ``import sim``, before anything is compiled or loaded) hashes the sources
of every ``sim/*.py`` and of ``optproof/base/specs.py`` (whose constants, e.g. the sampler kind
codes, are compiled into the kernels; base's validation and conventions never are); when the hash
differs from the one recorded next to the cache, it deletes the cache entries of the ``sim``
modules and records the new hash, so they are recompiled.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import optproof.base.specs

STAMP = "sim-sources.sha256"


SPECS = Path(optproof.base.specs.__file__).resolve()


def sources_digest(src_dir: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(src_dir.glob("*.py")) + [SPECS]:
        h.update(f.parent.name.encode() + b"/" + f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def refresh(cache_dir: str | os.PathLike) -> bool:
    """Drop the cache entries of sim's modules in ``cache_dir`` if any sim source changed; True if it did."""
    src_dir = Path(__file__).resolve().parent
    digest = sources_digest(src_dir)
    cache_dir = Path(cache_dir)
    stamp = cache_dir / STAMP
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    modules = {f.stem for f in src_dir.glob("*.py")}
    try:
        for f in cache_dir.glob("*.nb[ic]"):
            if f.name.split(".", 1)[0] in modules:
                f.unlink(missing_ok=True)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f"{STAMP}.{os.getpid()}"
        tmp.write_text(digest)
        os.replace(tmp, stamp)
    except OSError:  # read-only cache location: Numba then does not cache there either
        return False
    return True
