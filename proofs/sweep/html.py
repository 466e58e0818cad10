"""``DIR/index.html`` (issue 13, item 5): heat maps over every pair of grid axes.

For each pair of axes with at least two values and each measure — the exact value, the simulated
value, their z = (simulated - exact) / se and the divergence fraction of the spec's ``[report]
quantity`` at the last compared step (its largest-|z| component for vectors and matrices) — one
figure per pair, a row per measure, a panel per setting of the other axes (the first ``MAX_PANELS``).  Figures go through the report's ``figures.save_png``; the page
reuses the report's stylesheet.
"""
from __future__ import annotations

import itertools
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .results import axis_value
from .store import atomic_write

__all__ = ["write_index", "summary"]

MEASURES = ("exact", "estimate", "z", "diverged_fraction")
TITLES = {"exact": "exact", "estimate": "simulated", "z": "z",
          "diverged_fraction": "divergence fraction"}
MAX_PANELS = 3

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>optproof sweep</title>
<style>{{ css }}</style></head><body>
<h1>Sweep: {{ n }} cells</h1>
<p>{{ passed }} of {{ n }} cells pass; quantity <b>{{ quantity }}</b> at its last compared step
(the largest-|z| component). Axes: {% for a, v in axes %}{{ a }} = {{ v|join(", ") }}{% if not loop.last %};
{% endif %}{% endfor %}. Full table: <code>results.parquet</code>; cells: <code>cells/</code>.</p>
{% for fig in figures %}<h2>{{ fig.title }}</h2><img src="{{ fig.file }}" alt="{{ fig.title }}" style="width:100%">
{% endfor %}</body></html>
"""


def summary(cell: dict[str, Any], quantity: str) -> dict[str, float]:
    """exact, estimate, z of ``quantity`` at the cell's last step (its largest-|z| component)."""
    rows = [r for r in cell["rows"] if r["quantity"] == quantity]
    last = max(r["step"] for r in rows)
    row = max((r for r in rows if r["step"] == last), key=lambda r: -1.0 if r["z"] is None else abs(r["z"]))
    nan = float("nan")
    return {"exact": nan if row["exact"] is None else row["exact"], "estimate": row["estimate"],
            "z": nan if row["z"] is None else row["z"],
            "diverged_fraction": cell["diverged_fraction"]}


def _panel(ax, grid, cells, a, b, fixed, measure, quantity):
    values = np.full((len(grid[a]), len(grid[b])), np.nan)
    for cell in cells:
        if all(axis_value(cell, k) == v for k, v in fixed.items()):
            i, j = grid[a].index(axis_value(cell, a)), grid[b].index(axis_value(cell, b))
            values[i, j] = summary(cell, quantity)[measure]
    finite = np.abs(values[np.isfinite(values)])
    top = max(3.0, float(finite.max()) if finite.size else 3.0)
    limits = {"z": (-top, top), "diverged_fraction": (0.0, 1.0)}.get(measure, (None, None))
    img = ax.imshow(values, origin="lower", aspect="auto", cmap="RdBu_r" if measure == "z" else "viridis",
                    vmin=limits[0], vmax=limits[1])
    ax.set_xticks(range(len(grid[b])), [str(v) for v in grid[b]])
    ax.set_yticks(range(len(grid[a])), [str(v) for v in grid[a]])
    ax.set_xlabel(b)
    ax.set_ylabel(a)
    ax.set_title(f"{TITLES[measure]}: " + (", ".join(f"{k}={v}" for k, v in fixed.items()) or "all cells"))
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=10,
                bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0, "pad": 1})
    ax.figure.colorbar(img, ax=ax)


def _figures(out: Path, grid: dict[str, list], cells: list[dict], quantity: str) -> list[dict[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from optproof.proofs.figures import WIDTH_IN, save_png

    figs = []
    axes = [a for a in grid if len(grid[a]) > 1]
    for a, b in itertools.combinations(axes, 2):
        others = [k for k in grid if k not in (a, b)]
        settings = list(itertools.product(*(grid[k] for k in others)))[:MAX_PANELS]
        fig, axs = plt.subplots(len(MEASURES), len(settings), squeeze=False,
                                figsize=(WIDTH_IN, 2.6 * len(MEASURES)))
        for row, measure in zip(axs, MEASURES):
            for ax, setting in zip(row, settings):
                _panel(ax, grid, cells, a, b, dict(zip(others, setting)), measure, quantity)
            row[0].set_ylabel(f"{TITLES[measure]}\n{a}")
        fig.tight_layout()
        name = f"heat_{a}_{b}.png"
        save_png(fig, out / name)
        figs.append({"title": f"{a} x {b}: " + ", ".join(TITLES[m] for m in MEASURES) + " (rows)", "file": name})
    return figs


def write_index(out: Path, grid: dict[str, list], cells: list[dict[str, Any]], quantity: str) -> Path:
    """Write ``DIR/index.html`` (and its PNGs) for the finished ``cells``."""
    import jinja2

    out = Path(out)
    css = resources.files("optproof.proofs").joinpath("templates/report.css").read_text(encoding="utf-8")
    page = jinja2.Environment(autoescape=True).from_string(PAGE).render(
        css=css, n=len(cells), passed=sum(c["passed"] for c in cells), quantity=quantity,
        axes=list(grid.items()), figures=_figures(out, grid, cells, quantity))
    return atomic_write(out / "index.html", page.encode("utf-8"))
