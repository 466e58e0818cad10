"""Report figures that are readable where they are shown (issue 9: full width, >= 9 pt, no legend on data).

Every figure is laid out for the report's content column: ``WIDTH_IN`` inches at ``DPI`` dots per
inch gives a PNG of ``WIDTH_IN * DPI`` px that the page shows at (about) its natural size, so a
font of ``MIN_PT`` points is displayed at ``MIN_PT * shown_px / natural_px * DPI / 96`` pt
(>= 9 pt for ``MIN_PT = 10`` and a column of at least 864 px).  ``readable`` raises every text to
``MIN_PT`` and moves each axes legend outside the axes, to the right, so it never covers data;
``save_png`` writes a 256-colour PNG (about a third of the RGBA size) that records its dpi.
"""
from __future__ import annotations

import io
from pathlib import Path

__all__ = ["WIDTH_IN", "DPI", "MIN_PT", "panel_height", "readable", "save_png"]

WIDTH_IN = 9.6
DPI = 100
MIN_PT = 10.0


def panel_height(height: float) -> float:
    """The height of one full-width panel: the caller's wish, clamped to 3.2..4.8 in."""
    return min(max(float(height), 3.2), 4.8)


def _move_legend(ax) -> None:
    """Re-place the legend of ``ax`` (if any) outside the axes, right of it, at ``MIN_PT``."""
    leg = ax.get_legend()
    if leg is None:
        return
    handles = list(getattr(leg, "legend_handles", None) or leg.legendHandles)
    labels = [t.get_text() for t in leg.get_texts()]
    title = leg.get_title().get_text() or None
    leg.remove()
    ax.legend(handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0, fontsize=MIN_PT, title_fontsize=MIN_PT, frameon=False)


def readable(fig) -> None:
    """Full content width, every text at least ``MIN_PT``, legends outside the data area."""
    from matplotlib.text import Text

    w, h = fig.get_size_inches()
    if abs(w - WIDTH_IN) > 1e-6:
        fig.set_size_inches(WIDTH_IN, min(max(h, 3.2), 4.8 * max(1, len(fig.axes))))
    for ax in fig.axes:
        ax.tick_params(axis="both", which="both", labelsize=MIN_PT)
        _move_legend(ax)
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_PT:
            text.set_fontsize(MIN_PT)
    try:
        fig.set_layout_engine("constrained")
    except RuntimeError:  # a colorbar made under another engine: keep the figure's own layout
        pass


def save_png(fig, path: Path) -> None:
    """Save ``fig`` (made ``readable``) as a palette PNG at ``DPI``, then close it."""
    import matplotlib.pyplot as plt
    from PIL import Image

    readable(fig)
    buf = io.BytesIO()
    tight = fig.get_layout_engine() is None or type(fig.get_layout_engine()).__name__ != "ConstrainedLayoutEngine"
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight" if tight else None, facecolor="white")
    plt.close(fig)
    buf.seek(0)
    img = Image.open(buf).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    img.save(path, format="PNG", optimize=True, dpi=(DPI, DPI))
