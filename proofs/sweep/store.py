"""Cell files under ``DIR/cells/`` (issue 13, item 3): written atomically, checked when read.

A cell file is canonical JSON ``{"cell": ..., "sha256": hex}`` where ``sha256`` is the digest of
the canonical JSON of ``cell``.  It is written to a temporary file in the same directory, flushed
and fsynced, then ``os.replace``d onto ``<key>.json`` — so a SIGKILL at any point leaves either the
old state or the whole new file, never a partial one.  A file that fails to parse, whose checksum
or key does not match, counts as missing (the cell is recomputed and the file replaced).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .cell import canonical

__all__ = ["atomic_write", "cell_path", "write_cell", "read_cell", "clean_temporaries"]

TMP_PREFIX = ".tmp-"


def cell_path(out: Path, key: str) -> Path:
    return Path(out) / "cells" / f"{key}.json"


def encode(cell: dict[str, Any]) -> bytes:
    """The file's bytes: the cell with its checksum (identical for identical cells)."""
    return canonical({"cell": cell, "sha256": hashlib.sha256(canonical(cell)).hexdigest()}) + b"\n"


def atomic_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in its directory, fsync, os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_cell(out: Path, cell: dict[str, Any]) -> Path:
    """Atomically write ``cell`` as ``DIR/cells/<key>.json``."""
    return atomic_write(cell_path(out, cell["key"]), encode(cell))


def read_cell(out: Path, key: str) -> dict[str, Any] | None:
    """The stored cell for ``key``, or None when it is absent, partial or corrupt."""
    try:
        doc = json.loads(cell_path(out, key).read_bytes())
        cell = doc["cell"]
        ok = hashlib.sha256(canonical(cell)).hexdigest() == doc["sha256"] and cell["key"] == key
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return cell if ok else None


def clean_temporaries(out: Path) -> int:
    """Remove temporary files a killed run left in ``DIR`` and ``DIR/cells/``; returns how many."""
    n = 0
    for tmp in [*Path(out).glob(TMP_PREFIX + "*"), *(Path(out) / "cells").glob(TMP_PREFIX + "*")]:
        tmp.unlink(missing_ok=True)
        n += 1
    return n
