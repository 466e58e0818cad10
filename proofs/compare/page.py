"""The page of a ``Comparison``: ``index.html`` (jinja2, the report's stylesheet), ``results.json``
and two figures: E[θ_t] ± z·se against the exact mean, and Var[θ_t] against the exact variance,
over every step t (issue 12).  Numbers are rounded to their uncertainty (``proofs.rounding``);
figures are laid out by ``proofs.figures`` like the report's.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
import numpy as np

from optproof.proofs.figures import WIDTH_IN, save_png
from optproof.proofs.rounding import sig, with_se
from optproof.proofs.stats import critical_z

__all__ = ["write_page", "render"]

CSS = Path(__file__).resolve().parents[1] / "templates" / "report.css"

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>optproof compare</title><style>{{ css }}</style></head>
<body>
<h1>optproof compare: theory next to simulation</h1>
<p>Overall: <span class="badge {{ badge }}">{{ doc.status }}</span> · {{ s.problem }} (d = {{ s.dim }}{% if s.n %}, N = {{ s.n }}{% endif %})
· {{ s.optimizer }} · {{ s.sampler }} · {{ s.n_traj }} trajectories × {{ s.n_steps }} steps · seed {{ s.seed }}.
{{ s.simulation }}.</p>
<p>{% if doc.status == "no closed form" %}This sampler correlates the batches of an epoch and has no closed form here:
the simulation is reported alone, never compared with the i.i.d. formula.{% else %}Each row is a z-test with
α = {{ alpha }} (the run's false-failure budget {{ doc.suite_alpha }} split over {{ rows|length }} rows, union bound);
"smallest detectable" is the relative error of the exact value the test flags with probability ½.{% endif %}
Full precision in <a href="results.json">results.json</a>.</p>
{% for src in figures %}<figure><a href="{{ src }}"><img src="{{ src }}" alt="plot"></a></figure>{% endfor %}
<div class="wide"><table>
<tr><th>quantity</th><th>step</th><th>exact</th><th>simulated ± se</th><th>z</th><th>verdict</th><th>smallest detectable rel. error</th></tr>
{% for r in rows %}<tr><td>{{ r.name }}</td><td>{{ r.step }}</td><td>{{ r.exact }}</td><td>{{ r.estimate }}</td><td>{{ r.z }}</td>
<td><span class="badge {{ r.badge }}">{{ r.verdict }}</span></td><td>{{ r.detectable }}</td></tr>
{% endfor %}</table></div>
</body></html>
"""


def _row_view(r: dict) -> dict:
    return {"name": r["name"], "step": r["step"], "exact": "—" if r["exact"] is None else sig(r["exact"], 6),
            "estimate": with_se(r["estimate"], r["se"]), "z": "—" if r["z"] is None else f"{r['z']:+.2f}",
            "verdict": r["verdict"], "badge": r["verdict"] if r["verdict"] in ("pass", "fail") else "skipped",
            "detectable": "—" if r["detectable_relative_error"] is None else sig(r["detectable_relative_error"], 2)}


def render(cmp) -> str:
    """The HTML text of ``cmp``'s page (figures linked as ``figures/*.png``)."""
    doc = cmp.document()
    env = jinja2.Environment(autoescape=True)
    badge = {"pass": "pass", "fail": "fail"}.get(doc["status"], "skipped")
    return env.from_string(TEMPLATE).render(
        doc=doc, s=doc["settings"], css=CSS.read_text() if CSS.is_file() else "", badge=badge,
        alpha=sig(cmp.alpha, 2), rows=[_row_view(r) for r in cmp.rows],
        figures=["figures/mean.png", "figures/variance.png"])


def _panel(title: str, ylabel: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4.0))
    ax.set_title(title)
    ax.set_xlabel("step t")
    ax.set_ylabel(ylabel)
    return fig, ax


def _figures(cmp, out: Path) -> None:
    s = cmp.series
    t = np.arange(1, s["mean"].shape[0] + 1)
    z = critical_z(cmp.alpha)
    fig, ax = _panel(f"E[θ_t]: simulated mean ± {z:.2f}·se band, exact (dashed)", "E[θ_t,j]")
    for j in range(s["mean"].shape[1]):
        se = np.sqrt(s["var"][:, j] / np.maximum(s["count"], 1))
        line, = ax.plot(t, s["mean"][:, j], label=f"θ{j} simulated")
        ax.fill_between(t, s["mean"][:, j] - z * se, s["mean"][:, j] + z * se, color=line.get_color(), alpha=0.25)
        if s["exact_mean"] is not None:
            ax.plot(t, s["exact_mean"][:, j], "--", color="black", lw=1, label="exact" if j == 0 else None)
    ax.legend()
    save_png(fig, out / "mean.png")
    fig, ax = _panel("Var[θ_t]: simulated (solid), exact (dashed)", "Var[θ_t,j]")
    for j in range(s["var"].shape[1]):
        line, = ax.plot(t, s["var"][:, j], label=f"θ{j} simulated")
        if s["exact_var"] is not None:
            ax.plot(t, s["exact_var"][:, j], "--", color=line.get_color(), lw=1, label=f"θ{j} exact")
    ax.set_yscale("log")
    ax.legend()
    save_png(fig, out / "variance.png")


def write_page(cmp, out) -> Path:
    """Write ``out/index.html``, ``out/results.json`` and ``out/figures/{mean,variance}.png``."""
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    _figures(cmp, out / "figures")
    cmp.to_json(out / "results.json")
    (out / "index.html").write_text(render(cmp))
    return out / "index.html"
