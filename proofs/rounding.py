"""Numbers as a reader should see them: rounded to their uncertainty (issue 9, the report).

- ``with_se(est, se)``: ``est ± se`` with two significant digits of ``se`` and ``est`` rounded to
  the same decimal place (``0.25012 ± 0.0031234`` -> ``0.2501 ± 0.0031``);
- ``sig(x)``: a plain number to 4 significant digits;
- ``compact(v)``: any JSON value (nested lists / dicts) as one short line of such numbers.

``results.json`` keeps full precision; only the HTML is rounded.
"""
from __future__ import annotations

import math
import re
from numbers import Integral, Real

__all__ = ["sig", "with_se", "at_places", "compact", "se_places", "round_in_text"]

_LONG_NUMBER = re.compile(r"-?\d+\.\d{5,}(?:e[-+]?\d+)?")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def sig(x, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits (integers and non-numbers unchanged)."""
    if isinstance(x, bool) or not isinstance(x, Real):
        return str(x)
    if isinstance(x, Integral):
        return str(x)
    if not math.isfinite(x):
        return str(x)
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}×10{str(int(exp)).translate(_SUPERSCRIPT)}"
    return text


def se_places(se: float) -> int:
    """Decimal places that keep two significant digits of ``se`` (negative: round to tens, ...)."""
    return 1 - math.floor(math.log10(abs(se)))


def at_places(x: float, places: int) -> str:
    """``x`` rounded to ``places`` decimals (``places`` < 0 rounds to tens, hundreds ...)."""
    if not math.isfinite(x):
        return str(x)
    return f"{round(x, places):.{max(places, 0)}f}"


def with_se(est, se) -> str:
    """``estimate ± se``: two significant digits of ``se``, the estimate to the same place."""
    if not isinstance(est, Real) or not isinstance(se, Real) or not math.isfinite(se) or se <= 0:
        return f"{sig(est)} ± {sig(se)}"
    places = se_places(se)
    if -3 <= places <= 6 and abs(est) < 1e7:
        return f"{at_places(est, places)} ± {at_places(se, places)}"
    scale = math.floor(math.log10(abs(se))) + 1  # common power of ten for tiny / huge values
    factor = 10.0 ** scale
    exp = f"10{str(scale).translate(_SUPERSCRIPT)}"
    return f"({at_places(est / factor, 2)} ± {at_places(se / factor, 2)})×{exp}"


def compact(v, limit: int = 240, items: int = 8) -> str:
    """A JSON value on one short line, numbers to 4 significant digits."""
    text = _compact(v, items)
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def _compact(v, items: int) -> str:
    if isinstance(v, dict):
        parts = [f"{k}: {_compact(x, items)}" for k, x in list(v.items())[:items]]
        more = f"; … ({len(v)} entries)" if len(v) > items else ""
        return "; ".join(parts) + more
    if isinstance(v, (list, tuple)):
        parts = [_compact(x, items) for x in v[:items]]
        more = f", … ({len(v)} values)" if len(v) > items else ""
        return "[" + ", ".join(parts) + more + "]"
    return round_in_text(v) if isinstance(v, str) else sig(v)


def round_in_text(text: str) -> str:
    """Every decimal number with more than four decimals inside ``text`` to 4 significant digits."""
    return _LONG_NUMBER.sub(lambda m: sig(float(m.group(0))), text)
