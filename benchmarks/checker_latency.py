"""Wall time of ``optproof check torch.optim.SGD --momentum 0.9`` against its floors (issue 14, item 3).

Targets (issue 14, item 3): the check at most 2.5 s wall on this machine, i.e. at most 1 s beyond
``python -c "import torch"``; ``python -c "import optproof"`` at most 50 ms.

Every command runs ``--repeat`` times in a fresh subprocess (``sys.executable``, so the same
interpreter and venv), the commands interleaved round-robin so that a change of machine load hits
all of them alike.  Printed: median [min - max] per command, the differences of medians
``check - import torch`` and ``check - torch.optim floor``, the targets, and the load average
before and after.  The *torch.optim floor* is what any program that builds one ``torch.optim``
optimizer pays: ``torch.optim.Optimizer.__init__`` (``add_param_group``, wrapped by
``torch._disable_dynamo``) and ``step`` (``_use_grad``) import ``torch._dynamo`` -- and with it
SymPy -- on first use, whatever the caller does.

These are measurements, never verdicts: the exit status is 0 whatever the numbers are.

    python benchmarks/checker_latency.py [--repeat 5] [--max-examples 200]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TARGET_CHECK_S = 2.5
TARGET_BEYOND_TORCH_S = 1.0
TARGET_IMPORT_MS = 50.0

FLOOR = ("import torch; p = torch.zeros(1, requires_grad=True); p.grad = torch.ones(1); "
         "torch.optim.SGD([p], lr=0.1, momentum=0.9).step()")


def commands(max_examples: int) -> dict[str, list[str]]:
    """name -> argv; the check is run as ``python -m optproof.proofs.cli`` (what the script runs)."""
    py = sys.executable
    check = [py, "-m", "optproof.proofs.cli", "check", "torch.optim.SGD", "--momentum", "0.9"]
    if max_examples != 200:
        check += ["--max-examples", str(max_examples)]
    return {
        "python -c pass": [py, "-c", "pass"],
        "import optproof": [py, "-c", "import optproof"],
        "import torch": [py, "-c", "import torch"],
        "torch.optim floor": [py, "-c", FLOOR],
        "check": check,
    }


def wall(argv: list[str]) -> float:
    """Wall seconds of one run of ``argv`` (output discarded; a failing command raises)."""
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def measure(cmds: dict[str, list[str]], repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for name, argv in cmds.items():  # warm-up: page cache, __pycache__, Numba/Hypothesis caches
        wall(argv)
    for _ in range(repeat):
        for name, argv in cmds.items():
            times[name].append(wall(argv))
    return times


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(times: dict[str, list[float]]) -> str:
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [f"{'command':<20} {'median':>9}  [min - max] over {len(next(iter(times.values())))} runs"]
    for name, v in times.items():
        lines.append(f"{name:<20} {med[name]:8.3f}s  [{min(v):.3f} - {max(v):.3f}]")
    beyond = med["check"] - med["import torch"]
    lines += [
        "",
        f"check - import torch      = {beyond:6.3f} s   (target <= {TARGET_BEYOND_TORCH_S} s)",
        f"check - torch.optim floor = {med['check'] - med['torch.optim floor']:6.3f} s   "
        "(the checker's own share: imports, search, shrinking)",
        f"torch.optim floor - import torch = {med['torch.optim floor'] - med['import torch']:6.3f} s   "
        "(torch._dynamo, imported by torch.optim itself)",
        f"check                     = {med['check']:6.3f} s   (target <= {TARGET_CHECK_S} s)",
        f"import optproof           = {1e3 * med['import optproof']:6.1f} ms  (target <= {TARGET_IMPORT_MS:g} ms; "
        f"{1e3 * (med['import optproof'] - med['python -c pass']):.1f} ms beyond python -c pass)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5, help="runs per command (default 5)")
    p.add_argument("--max-examples", dest="max_examples", type=int, default=200,
                   help="examples of the check (default 200, the CLI default)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error(f"--repeat must be >= 1; got {args.repeat}")
    before = _load()
    times = measure(commands(args.max_examples), args.repeat)
    print(report(times))
    print(f"load average (1, 5, 15 min): {before} before, {_load()} after; {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
