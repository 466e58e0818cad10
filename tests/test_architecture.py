"""The layering rules: optproof.base is NumPy only; mathcore is SymPy + NumPy, sim is Numba + NumPy
(no SymPy); both may import optproof.base; none of them imports proofs."""
from __future__ import annotations

import ast
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
