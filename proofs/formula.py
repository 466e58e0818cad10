"""Formulas and proof text for the HTML report: LaTeX -> presentation MathML, offline.

The claims emit LaTeX (statements, display lines, ``sympy.latex`` of proof steps).  Each string is
mapped to reader-facing names (SymPy symbol ``lam`` -> ``\\lambda``, ``cSigma`` -> ``c\\,\\Sigma``,
...), converted by the maintained ``latex2mathml`` package and wrapped as
``<math><semantics>..<annotation encoding="application/x-tex">source</annotation></semantics></math>``,
which Chromium and Firefox render natively (no script, no network).  The LaTeX source survives
only inside ``<annotation>``.

A proof step ``lhs = rhs`` whose two sides print identically is an agreement check: it is shown
once, or hidden when it is as trivial as ``B = B``.  ``FormulaSet`` renders each formula at most
once per report (issue 9: "no formula appears twice").
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

from latex2mathml.converter import convert

__all__ = ["display_tex", "mathml", "FormulaSet", "step_formula", "prose"]

# SymPy symbol names of mathcore -> the typeset name a reader expects (whole tokens only)
_NAMES = (
    (r"trHSigma", r"\\operatorname{tr}(H\\Sigma)"), (r"trSigma", r"\\operatorname{tr}\\Sigma"),
    (r"tr_\{\\Sigma\}", r"\\operatorname{tr}\\Sigma"), (r"cSigma", r"c\\,\\Sigma"),
    (r"GHG", r"G^{\\top}HG"), (r"GG", r"\\|G\\|^{2}"), (r"DeltaV", r"\\Delta V"),
    (r"nabla_\{L\}", r"\\nabla L"), (r"var_\{a\}", r"\\operatorname{var}(a)"),
    (r"\\?theta_\{star\}", r"\\theta^{*}"), (r"\\?sigma_\{2\}", r"\\sigma^{2}"), (r"s_\{2\}", r"s^{2}"),
    (r"lam", r"\\lambda "),
)
_TOKEN = [(re.compile(r"(?<![\\A-Za-z])" + old + r"(?![A-Za-z])"), new) for old, new in _NAMES]
_TEX_COMMAND = re.compile(r"[{}]|\\[A-Za-z]+|\\.")
_TEXT_UNDERSCORE = re.compile(r"(\\text\{[^}]*?)\\_")


def display_tex(tex: str) -> str:
    """``tex`` with internal symbol names replaced by their typeset form (lam -> \\lambda, ...)."""
    for pat, new in _TOKEN:
        tex = pat.sub(new, tex)
    while _TEXT_UNDERSCORE.search(tex):
        tex = _TEXT_UNDERSCORE.sub(r"\1_", tex)
    return tex


@lru_cache(maxsize=4096)
def mathml(tex: str, block: bool = False) -> str:
    """Presentation MathML of ``tex`` with the source kept in an ``<annotation>``.

    A string latex2mathml cannot parse is shown as plain text with its backslashes removed, so no
    TeX command ever reaches the reader as text.
    """
    shown = display_tex(tex)
    try:
        body = convert(shown, display="block" if block else "inline")
    except Exception:  # noqa: BLE001 - any parser failure degrades to readable text
        plain = _TEX_COMMAND.sub(" ", tex)
        return f"<span class='tex-fallback'>{html.escape(plain)}</span>"
    head, rest = body.split(">", 1)
    inner = rest.rsplit("</math>", 1)[0]
    note = f"<annotation encoding='application/x-tex'>{html.escape(tex)}</annotation>"
    return f"{head}><semantics><mrow>{inner}</mrow>{note}</semantics></math>"


def _key(tex: str) -> str:
    return re.sub(r"\s+", "", display_tex(tex))


class FormulaSet:
    """Renders formulas for one report, each distinct formula once (later repeats render as '')."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, tex: str | None, block: bool = False) -> str:
        if not tex or not tex.strip():
            return ""
        key = _key(tex)
        if key in self.seen:
            return ""
        self.seen.add(key)
        return mathml(tex, block)


_OPERATOR = re.compile(r"[-+=<>/]|\\(frac|sum|sqrt|int|prod|left|begin|cdot|times|log|exp)")


def step_formula(tex: str) -> str | None:
    """The LaTeX to show for a proof step ``lhs = rhs`` (from ``Step.latex``).

    Distinct sides: the equality itself.  Identical sides (an agreement check such as
    ``\\frac{B}{N} = \\frac{B}{N}``): one side, or None when it has no operator at all
    ("B = B", "1 = 1", "lam = lam": a trivially true line the reader need not see).
    """
    lhs, sep, rhs = tex.partition(" = ")
    if not sep or _key(lhs) != _key(rhs):
        return tex
    return lhs if _OPERATOR.search(lhs) else None


# ----------------------------------------------------------------------------- prose of proof steps

_GREEK = {"lam": "λ", "lambda": "λ", "eta": "η", "theta": "θ", "Sigma": "Σ", "sigma": "σ", "nabla": "∇",
          "mu": "μ", "pi": "π", "tau": "τ", "xi": "ξ", "nu": "ν", "Delta": "Δ", "gamma": "γ", "chi": "χ",
          "rho": "ρ", "eps": "ε", "phi": "φ", "alpha": "α", "beta": "β", "delta": "δ"}
_GREEK_RE = re.compile(r"(?<![A-Za-z\\])(" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")(?![A-Za-z-])")
_SYMBOLS = (("!=", "≠"), ("<=", "≤"), (">=", "≥"), ("->", "→"), ("=>", "⇒"))
_PROVER = re.compile(r"(\()?\b(?:[a-z_]+\.)?prove_([a-z0-9_]+)(?(1)\))")


@lru_cache(maxsize=1)
def _function_names() -> frozenset[str]:
    """Names of mathcore's functions (``batch_loss_variance``, ...): code, not prose."""
    import importlib
    import inspect
    import pkgutil

    import optproof.mathcore as mc

    names = set()
    for info in pkgutil.iter_modules(mc.__path__):
        mod = importlib.import_module(f"optproof.mathcore.{info.name}")
        names |= {n for n, v in vars(mod).items() if inspect.isfunction(v) and "_" in n.strip("_")
                  and not n.startswith("_")}
    return frozenset(names)


def _words(name: str) -> str:
    return name.replace("_", " ")


def prose(text: str) -> str:
    """A proof step's reason for a reader: Greek letters, ≤/≠, and no code names.

    ``(prove_geometric_sum)`` becomes "(by the geometric sum proof)"; a mathcore function name
    such as ``batch_loss_variance`` becomes "the batch loss variance formula".
    """
    text = _PROVER.sub(lambda m: f"(by the {_words(m.group(2))} proof)" if m.group(1)
                       else f"the {_words(m.group(2))} proof", text)
    names = _function_names()
    if names:
        pat = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b(\([^)]*\))?")
        text = pat.sub(lambda m: f"the {_words(m.group(1))} formula", text)
    for old, new in _SYMBOLS:
        text = text.replace(old, new)
    return _GREEK_RE.sub(lambda m: _GREEK[m.group(1)], text)
