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

__all__ = ["WIDTH_IN", "DPI", "MIN_PT", "panel_height", "readable", "png_bytes", "save_png", "wrap"]

WIDTH_IN = 9.6
DPI = 100
MIN_PT = 10.0
LEGEND_CHARS = 34  # a legend line beside the axes
TITLE_CHARS = 80  # a title line over a full-width axes


def panel_height(height: float) -> float:
    """The height of one full-width panel: the caller's wish, clamped to 3.2..4.8 in."""
    return min(max(float(height), 3.2), 4.8)


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters, never inside ``$...$`` math."""
    lines, line, in_math = [], "", False
    for word in text.split(" "):
        if line and not in_math and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
        in_math ^= word.count("$") % 2 == 1
    return "\n".join(lines + [line])


def _move_legend(ax) -> None:
    """Move the legend of ``ax`` (if any) outside the axes, right of it, with ``MIN_PT`` text.

    The legend itself is kept (its handler map draws error bars, markers and patches as the caller
    made them); only its anchor, font size and frame change.
    """
    leg = ax.get_legend()
    if leg is None:
        return
    leg.set_loc("upper left")
    leg.set_bbox_to_anchor((1.01, 1.0), transform=ax.transAxes)
    leg.borderaxespad = 0.0
    leg.set_frame_on(False)
    for text in [*leg.get_texts(), leg.get_title()]:
        text.set_fontsize(max(text.get_fontsize(), MIN_PT))
        text.set_text(wrap(text.get_text(), LEGEND_CHARS))


def readable(fig) -> None:
    """Full content width, every text at least ``MIN_PT``, legends outside the data area."""
    from matplotlib.text import Text

    w, h = fig.get_size_inches()
    if abs(w - WIDTH_IN) > 1e-6:
        fig.set_size_inches(WIDTH_IN, min(max(h, 3.2), 4.8 * max(1, len(fig.axes))))
    for ax in fig.axes:
        ax.tick_params(axis="both", which="both", labelsize=MIN_PT)
        _move_legend(ax)
        ax.title.set_text(wrap(ax.title.get_text(), TITLE_CHARS))
    for text in fig.findobj(Text):
        if text.get_fontsize() < MIN_PT:
            text.set_fontsize(MIN_PT)
    try:
        fig.set_layout_engine("constrained")
    except RuntimeError:  # a colorbar made under another engine: keep the figure's own layout
        pass


def png_bytes(fig) -> bytes:
    """``fig`` made ``readable``, as a palette PNG at ``DPI`` (the bytes ``save_png`` writes); closes it."""
    import matplotlib.pyplot as plt
    from PIL import Image

    readable(fig)
    buf = io.BytesIO()
    tight = fig.get_layout_engine() is None or type(fig.get_layout_engine()).__name__ != "ConstrainedLayoutEngine"
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight" if tight else None, facecolor="white")
    plt.close(fig)
    buf.seek(0)
    img = Image.open(buf).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True, dpi=(DPI, DPI))
    return out.getvalue()


def save_png(fig, path: Path) -> None:
    """Write ``fig`` -- a matplotlib figure, or ``png_bytes`` already rendered (by a worker) -- to ``path``."""
    Path(path).write_bytes(fig if isinstance(fig, bytes) else png_bytes(fig))
