"""``DIR/results.parquet`` (issue 13, item 3): one row per cell x compared number.

Columns: cell (its key), one column per grid axis, quantity, step, index (the component, e.g.
"0,1" of a covariance), exact, estimate, se, z, verdict and diverged_fraction.  Rows follow the grid
order, then the cell's own row order, so the file's bytes depend only on the cells' contents.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .store import atomic_write

__all__ = ["axis_value", "write_parquet", "COLUMNS"]

COLUMNS = ("quantity", "step", "index", "exact", "estimate", "se", "z", "verdict", "diverged_fraction")


def axis_value(cell: dict[str, Any], axis: str) -> Any:
    """The value of grid ``axis`` in a stored cell, or in a cell's parameters (batch_size lives in
    the sampler)."""
    section = "sampler" if axis == "batch_size" else "optimizer"
    return cell.get("params", cell)[section].get(axis)


def write_parquet(path: Path, cells: list[dict[str, Any]], axes: list[str]) -> Path:
    """Write the consolidated table of ``cells`` (in grid order) to ``path`` atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols: dict[str, list] = {"cell": [], **{a: [] for a in axes}, **{c: [] for c in COLUMNS}}
    for cell in cells:
        for row in cell["rows"]:
            cols["cell"].append(cell["key"])
            for a in axes:
                cols[a].append(axis_value(cell, a))
            for c in COLUMNS:
                value = cell[c] if c == "diverged_fraction" else row[c]
                cols[c].append(",".join(map(str, value)) if c == "index" else value)
    table = pa.table(cols)
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    return atomic_write(path, buf.getvalue().to_pybytes())
