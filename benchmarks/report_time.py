"""Wall time of ``optproof report --quick`` and of the default report against their targets (issue 14, item 4).

Targets (issue 14, item 4): ``optproof report --quick`` at most 30 s wall, the default report at
most 3 min, on this 2-core machine.

Each report runs once in a fresh subprocess (``sys.executable -m optproof.proofs.cli``, the same
interpreter and venv), writing into a temporary directory.  Printed per report: the wall time, the
CPU time of the whole process tree (user + system, workers included: under load the wall time grows,
the CPU time much less), the load average before and after, and a breakdown read from its
``results.json``: the seconds of the checks summed by kind, the slowest checks, the conformance and
batch-checker matrices (their rows' seconds summed, and the wall ``seconds`` recorded by
``conformance_matrix`` / ``batch_matrix`` from queueing to result: the report queues them before the
claims, so that is most of the run) and the report's own phases (figures, HTML).  Check seconds are measured inside the worker processes,
so with ``OPTPROOF_WORKERS=2`` their sum exceeds the wall time they took.

These are measurements, never verdicts: the exit status is 0 whatever the numbers are.

    python benchmarks/report_time.py [--only quick|default] [--workers N] [--keep DIR]

``--workers N`` sets ``OPTPROOF_WORKERS`` for the reports (1 = serial, the comparison run).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TARGETS = {"quick": 30.0, "default": 180.0}


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_report(mode: str, out: Path, workers: int | None) -> dict:
    """Run one report in a subprocess; wall and CPU seconds, load before/after, exit code."""
    cmd = [sys.executable, "-m", "optproof.proofs.cli", "report", "--out", str(out), "--no-progress"]
    cmd += ["--quick"] if mode == "quick" else []
    env = dict(os.environ, **({"OPTPROOF_WORKERS": str(workers)} if workers else {}))
    load0, cpu0, t0 = os.getloadavg()[0], _cpu_children(), time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _cpu_children() - cpu0
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr[-3000:])
    return {"mode": mode, "wall": wall, "cpu": cpu, "load": (load0, os.getloadavg()[0]), "code": proc.returncode}


def breakdown(doc: dict) -> list[str]:
    """Lines: check seconds by kind, the five slowest checks, the matrices' seconds."""
    by_kind: dict[str, float] = defaultdict(float)
    checks = []
    for claim in doc["claims"]:
        for chk in claim["checks"]:
            by_kind[chk["kind"]] += chk["seconds"]
            checks.append((chk["seconds"], claim["id"], chk["name"]))
    lines = ["  checks (seconds inside their process): " + ", ".join(f"{k} {v:.1f}" for k, v in by_kind.items())
             + f"; total {sum(by_kind.values()):.1f}"]
    lines += [f"    {s:6.2f}s {cid} {name[:70]}" for s, cid, name in sorted(checks, reverse=True)[:5]]
    for key, label, rows in (("conformance", "conformance matrix", ("rows",)),
                             ("batch_checker", "batch-checker matrix", ("loaders", "accumulators"))):
        part = doc.get(key) or {}
        if "seconds" in part:
            inside = sum(r.get("seconds", 0.0) for k in rows for r in part.get(k, []))
            lines.append(f"  {label}: rows {inside:.1f}s inside their process; {part['seconds']:.1f}s wall from "
                         "queueing (beside the claims) to its result")
    if "seconds" in doc:
        lines.append("  phases (wall): " + ", ".join(f"{k} {v:.1f}s" for k, v in doc["seconds"].items()))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=sorted(TARGETS), help="run only this report")
    ap.add_argument("--workers", type=int, default=None, help="OPTPROOF_WORKERS for the reports")
    ap.add_argument("--keep", type=Path, default=None, help="write the reports under this directory")
    args = ap.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="report_time_"))
    for mode in [args.only] if args.only else ["quick", "default"]:
        r = run_report(mode, base / mode, args.workers)
        verdict = "within" if r["wall"] <= TARGETS[mode] else "OVER"
        print(f"{mode:8s} wall {r['wall']:6.1f}s (target <= {TARGETS[mode]:.0f}s: {verdict})  cpu {r['cpu']:6.1f}s  "
              f"load {r['load'][0]:.2f} -> {r['load'][1]:.2f}  exit {r['code']}"
              + (f"  OPTPROOF_WORKERS={args.workers}" if args.workers else ""))
        results = base / mode / "results.json"
        if results.is_file():
            print("\n".join(breakdown(json.loads(results.read_text()))))
    print(f"reports in {base}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
