"""Where each claim lives: the ``file:function`` implementing a check, and its named sources checked.

A ``Claim.sources`` entry is either ``"optproof.<package>.<module>:<function>"`` (a mathcore
function or a sim entry point the claim rests on) or ``"tests/<file>.py"`` (a test file covering
it).  ``optproof list`` prints them; ``missing_sources`` is what the catalog test asserts empty.
"""
from __future__ import annotations

import functools
import importlib
from pathlib import Path
from typing import Callable, Iterable

from optproof.proofs.catalog import Check, Claim

__all__ = ["module_file", "qualified", "implementation", "source_exists", "missing_sources", "REPO_ROOT"]

REPO_ROOT = Path(__file__).resolve().parent.parent  # proofs/ sits at the repository's top level


def module_file(module: str) -> str:
    """``optproof.proofs.claims.c1_sampling.checks`` -> ``proofs/claims/c1_sampling/checks.py`` (repository path)."""
    mod = importlib.import_module(module)
    path = Path(mod.__file__).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:  # installed elsewhere (not an editable checkout): the module name says where
        return module.removeprefix("optproof.").replace(".", "/") + ".py"


def qualified(fn: Callable) -> str:
    """``file:function`` of ``fn`` (a ``functools.partial`` names its function and its arguments)."""
    args = ""
    while isinstance(fn, functools.partial):
        args = ", ".join(map(repr, fn.args)) + args
        fn = fn.func
    return f"{module_file(fn.__module__)}:{fn.__qualname__}" + (f"({args})" if args else "")


def implementation(check: Check) -> str:
    """What implements ``check``: its function, and for a symbolic check the provers it runs."""
    provers = getattr(check.fn, "provers", ())
    if provers:
        return "; ".join(qualified(p) for p in provers)
    return qualified(check.fn)


def source_exists(source: str, root: Path = REPO_ROOT) -> bool:
    """True when a ``module:function`` source imports and has the function, or a test file exists."""
    if ":" not in source:
        return source.startswith("tests/") and source.endswith(".py") and (root / source).is_file()
    module, _, attr = source.partition(":")
    try:
        obj = importlib.import_module(module)
    except ImportError:
        return False
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return False
    return callable(obj)


def missing_sources(claims: Iterable[Claim], root: Path = REPO_ROOT) -> list[str]:
    """``"C5: <source>"`` for every named source that does not exist, and for claims naming none."""
    missing = []
    for c in claims:
        if not any(s.startswith("tests/") for s in c.sources) or not any(":" in s for s in c.sources):
            missing.append(f"{c.id}: names no test file or no code source")
        missing += [f"{c.id}: {s}" for s in c.sources if not source_exists(s, root)]
    return missing
