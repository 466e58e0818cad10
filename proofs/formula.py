"""LaTeX formulas as inline SVG for the offline HTML report (matplotlib mathtext), LaTeX source as fallback.

mathtext covers the subset the catalog uses (fractions, sums, sub/superscripts, Greek, \\mathbb,
\\mathrm); ``\\text{..}`` is mapped to ``\\mathrm{..}`` and unsupported commands fall back to showing
the LaTeX source in a code box, so a formula is never silently dropped.
"""
from __future__ import annotations

import hashlib
import html
import io
import os
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["formula_html"]

_VERSION = 1  # bump when the rendering changes, to invalidate the disk cache

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


def _cache_file(tex: str) -> Path | None:
    """Rendered formulas are kept on disk (``$OPTPROOF_CACHE`` or ``~/.cache/optproof``) across runs."""
    import matplotlib

    root = os.environ.get("OPTPROOF_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "optproof")
    key = hashlib.sha256(f"{matplotlib.__version__}|{_VERSION}|{tex}".encode()).hexdigest()[:32]
    return Path(root) / "formulas" / f"{key}.svg"


@lru_cache(maxsize=1024)
def _svg(tex: str) -> str | None:
    path = _cache_file(tex)
    try:
        return path.read_text() or None  # an empty file records "not renderable"
    except OSError:
        pass
    svg = _render(tex)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(svg or "")
        os.replace(tmp, path)
    except OSError:  # read-only home: render every time
        pass
    return svg


def _render(tex: str) -> str | None:
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
