"""LaTeX formulas as inline SVG for the offline HTML report (matplotlib mathtext), LaTeX source as fallback.

mathtext covers the subset the catalog uses (fractions, sums, sub/superscripts, Greek, \\mathbb,
\\mathrm); ``\\text{..}`` is mapped to ``\\mathrm{..}`` and unsupported commands fall back to showing
the LaTeX source in a code box, so a formula is never silently dropped.
"""
from __future__ import annotations

import html
import io
import re
from functools import lru_cache

__all__ = ["formula_html"]

_TEXT = re.compile(r"\\text\{([^}]*)\}")
_GE_LE = re.compile(r"\\(ge|le|ne)(?![a-zA-Z])")
_PLAIN = ((r"\qquad", r"\ \ \ \ "), (r"\quad", r"\ \ "), (r"\;", r"\ "), (r"\left\|", r"\|"),
          (r"\right\|", r"\|"))


def _mathtext(tex: str) -> str:
    tex = _TEXT.sub(lambda m: r"\mathrm{" + m.group(1).replace(" ", r"\ ") + "}", tex)
    tex = _GE_LE.sub(lambda m: "\\" + m.group(1) + "q", tex)
    for old, new in _PLAIN:
        tex = tex.replace(old, new)
    return tex


@lru_cache(maxsize=512)
def _svg(tex: str) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buf = io.StringIO()
    try:
        mathtext.math_to_image(f"${_mathtext(tex)}$", buf, prop=FontProperties(size=15), format="svg", dpi=100)
    except Exception:  # unsupported construct: show the source instead
        return None
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def formula_html(tex: str) -> str:
    """Inline SVG of ``tex`` (with the source as its title), or the escaped source in a code box."""
    svg = _svg(tex)
    source = html.escape(tex)
    if svg is None:
        return f"<code class='tex'>{source}</code>"
    return f"<span class='formula' title='{source}'>{svg}</span>"
