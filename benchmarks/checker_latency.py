"""Wall time of ``optproof check torch.optim.SGD --momentum 0.9`` against its floors (issue 14, item 3).

Targets (issue 14, item 3): the check at most 2.5 s wall on this machine, i.e. at most 1 s beyond
``python -c "import torch"``; ``python -c "import optproof"`` at most 50 ms.

Every command runs ``--repeat`` times in a fresh subprocess (``sys.executable``, so the same
interpreter and venv), the commands interleaved round-robin so that a change of machine load hits
all of them alike.  Printed: median [min - max] of the wall time and of the child's CPU time
(user + system) per command, the differences of medians ``check - import torch`` and
``check - torch.optim floor``, the targets, and the load average before and after.  The *torch.optim floor* is what any program that builds one ``torch.optim``
optimizer pays: ``torch.optim.Optimizer.__init__`` (``add_param_group``, wrapped by
``torch._disable_dynamo``) and ``step`` (``_use_grad``) import ``torch._dynamo`` -- and with it
SymPy -- on first use, whatever the caller does.

These are measurements, never verdicts: the exit status is 0 whatever the numbers are.

    python benchmarks/checker_latency.py [--repeat 5] [--max-examples 200] [--breakdown]

``--breakdown`` adds one run timed phase by phase in-process: ``import torch``; NumPy, Hypothesis
and the CLI; the first ``torch.optim`` step (``torch._dynamo``) -- these three with the cyclic garbage
collector paused, as the command pauses it while it loads -- then the check itself.  The *floor, GC
paused* is the torch.optim floor under that same policy: what the command's loading cannot go below.
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
#: the same with Python's cyclic collector paused, as ``optproof check`` pauses it while it loads
FLOOR_NO_GC = "import gc; gc.disable(); " + FLOOR


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
        "floor, GC paused": [py, "-c", FLOOR_NO_GC],
        "check": check,
    }


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``argv``, CPU = the child's user + system time (``os.wait4``),
    which a loaded machine inflates far less than the wall time.  Output discarded; a failure raises."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return elapsed, usage.ru_utime + usage.ru_stime


def measure(cmds: dict[str, list[str]], repeat: int) -> dict[str, list[tuple[float, float]]]:
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for argv in cmds.values():  # warm-up: page cache, __pycache__, Hypothesis's cache
        timed(argv)
    for _ in range(repeat):
        for name, argv in cmds.items():
            times[name].append(timed(argv))
    return times


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _stats(runs: list[tuple[float, float]], k: int) -> tuple[float, float, float]:
    values = [r[k] for r in runs]
    return statistics.median(values), min(values), max(values)


def report(times: dict[str, list[tuple[float, float]]]) -> str:
    lines = [f"{'command':<20} {'wall median':>11}  [min - max]       {'CPU median':>10}  [min - max]"
             f"   over {len(next(iter(times.values())))} runs"]
    for name, runs in times.items():
        (w, w0, w1), (c, c0, c1) = _stats(runs, 0), _stats(runs, 1)
        lines.append(f"{name:<20} {w:10.3f}s  [{w0:.3f} - {w1:.3f}]   {c:9.3f}s  [{c0:.3f} - {c1:.3f}]")
    for k, what in ((0, "wall"), (1, "CPU")):
        med = {name: _stats(runs, k)[0] for name, runs in times.items()}
        lines += [
            "",
            f"{what}: check - import torch             = {med['check'] - med['import torch']:6.3f} s   "
            f"(target <= {TARGET_BEYOND_TORCH_S} s)",
            f"{what}: torch.optim floor - import torch = {med['torch.optim floor'] - med['import torch']:6.3f} s   "
            "(torch._dynamo, imported by torch.optim itself)",
            f"{what}: check - torch.optim floor        = {med['check'] - med['torch.optim floor']:6.3f} s   "
            "(the checker's own share: imports, search, shrinking)",
            f"{what}: check - floor, GC paused         = {med['check'] - med['floor, GC paused']:6.3f} s   "
            "(the same, against the floor under the command's GC policy)",
            f"{what}: check                            = {med['check']:6.3f} s   (target <= {TARGET_CHECK_S} s)",
            f"{what}: import optproof                  = {1e3 * med['import optproof']:6.1f} ms  "
            f"(target <= {TARGET_IMPORT_MS:g} ms; {1e3 * (med['import optproof'] - med['python -c pass']):.1f} ms "
            "beyond python -c pass)",
        ]
    return "\n".join(lines)


BREAKDOWN = """
import sys, time
def mark(what, t=[time.perf_counter(), time.process_time()]):
    now = [time.perf_counter(), time.process_time()]
    print(f"  {what:<46} wall {now[0] - t[0]:6.3f} s   CPU {now[1] - t[1]:6.3f} s")
    t[:] = now
from optproof.proofs import cli_conformance  # stdlib only, counted below
command = cli_conformance._collector(); loaded = command.__enter__()  # as the command loads: collector paused
import torch; mark("import torch (collector paused)")
from optproof.proofs import cli; cli_conformance._import_checker()  # as the command does
mark("import Hypothesis, the checker, the CLI")
p = torch.zeros(1, requires_grad=True); p.grad = torch.ones(1); torch.optim.SGD([p], lr=0.1).step()
mark("first torch.optim step (imports torch._dynamo)")
loaded()  # the loaded heap frozen, collection resumed, as the command does before its search
assert cli.main(sys.argv[1:]) == 0; mark("optproof check (the search, output)")
command.__exit__(None, None, None)
"""


def breakdown(max_examples: int) -> str:
    """One run of the check with its phases timed in-process (wall and CPU of each, in order)."""
    argv = commands(max_examples)["check"][3:]  # after "python -m optproof.proofs.cli"
    out = subprocess.run([sys.executable, "-c", BREAKDOWN, *argv], capture_output=True, text=True, check=True)
    return "phases of one check, in-process:\n" + "\n".join(l for l in out.stdout.splitlines() if l.startswith("  "))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=5, help="runs per command (default 5)")
    p.add_argument("--max-examples", dest="max_examples", type=int, default=200,
                   help="examples of the check (default 200, the CLI default)")
    p.add_argument("--breakdown", action="store_true", help="also time the phases of one check in-process")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error(f"--repeat must be >= 1; got {args.repeat}")
    before = _load()
    times = measure(commands(args.max_examples), args.repeat)
    print(report(times))
    if args.breakdown:
        print(breakdown(args.max_examples))
    print(f"load average (1, 5, 15 min): {before} before, {_load()} after; {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
