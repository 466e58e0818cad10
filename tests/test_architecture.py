"""The layering rules: optproof.base is NumPy only; mathcore is SymPy + NumPy, sim is Numba + NumPy
(no SymPy); both may import optproof.base; none of them imports proofs."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STDLIB = set(sys.stdlib_module_names)
ALLOWED = {
    "mathcore": {"numpy", "sympy", "optproof.mathcore", "optproof.base"},
    "sim": {"numpy", "numba", "tqdm", "optproof.sim", "optproof.base"},  # tqdm: simulate's progress bar
    "optproof/base": {"numpy", "optproof.base"},
}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_its_layer(package):
    allowed = ALLOWED[package]
    for path in sorted((ROOT / package).glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            ok = top in STDLIB or top == "__future__" or top in allowed or name in allowed \
                or any(name.startswith(a + ".") for a in allowed if a.count(".") == 1)
            assert ok, f"{path.name} imports {name}, outside the {package} layer"


def test_importing_sim_does_not_load_sympy():
    code = "import sys, optproof.sim; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_conformance_checker_loads_neither_sympy_nor_numba():
    """The checker users put in their test suites runs on NumPy only (issue 8 item 2): its reference
    steps live in optproof.base.conventions, not in SymPy's mathcore nor in Numba's sim."""
    code = ("import sys, optproof.proofs.conformance; "
            "print(sorted({m.split('.')[0] if not m.startswith('optproof.') else '.'.join(m.split('.')[:2]) "
            "for m in sys.modules} & {'sympy', 'numba', 'optproof.sim', 'optproof.mathcore'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_base_loads_neither_sympy_nor_numba():
    code = "import sys, optproof.base.specs, optproof.base.conventions; print('sympy' in sys.modules, 'numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False False"



# ``optproof check``: what the command loads (issue 14, item 3).  A test on *which* modules load,
# never on time; the time is measured by benchmarks/checker_latency.py.
CHECK_PATH_EXCLUDES = ("sympy", "numba", "scipy", "matplotlib", "jinja2", "optproof.mathcore", "optproof.sim",
                       "optproof.proofs.claims", "optproof.proofs.catalog", "optproof.proofs.report",
                       "optproof.proofs.figures", "optproof.proofs.sweep", "optproof.proofs.compare")
_PRINT_MODULES = "import json, sys; print(json.dumps(sorted(sys.modules)))"


def _loaded(code: str, names) -> set[str]:
    """Which of ``names`` (packages: a submodule counts) ``code`` leaves in ``sys.modules``."""
    out = subprocess.run([sys.executable, "-c", code + "; " + _PRINT_MODULES], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    mods = json.loads(out.stdout.strip().splitlines()[-1])
    return {x for x in names if any(m == x or m.startswith(x + ".") for m in mods)}


def _check_command(*argv: str) -> str:
    return f"from optproof.proofs.cli import main; assert main({list(argv) + ['--max-examples', '3']!r}) == 0"


def test_check_command_on_a_plain_factory_loads_nothing_heavy():
    """NumPy, Hypothesis and the checker only: not SymPy, Numba, SciPy, matplotlib, Jinja2, the claims,
    the report -- and not torch, which a plain target does not need."""
    code = _check_command("check", "optproof.proofs.faulty.TorchLikeSGD", "--momentum", "0.9")
    assert _loaded(code, CHECK_PATH_EXCLUDES + ("torch",)) == set()


def test_check_command_on_torch_loads_only_what_torch_optim_loads():
    """With a torch.optim target the one heavy module is SymPy, and torch.optim loads it itself: an
    optimizer's construction and step import torch._dynamo, which imports SymPy.  The command loads no
    heavy module that a bare ``torch.optim.SGD(...).step()`` does not."""
    pytest.importorskip("torch")
    floor = ("import torch; p = torch.zeros(1, requires_grad=True); p.grad = torch.ones(1); "
             "torch.optim.SGD([p], lr=0.1, momentum=0.9).step()")
    assert _loaded(_check_command("check", "torch.optim.SGD", "--momentum", "0.9"), CHECK_PATH_EXCLUDES) \
        <= _loaded(floor, CHECK_PATH_EXCLUDES)
