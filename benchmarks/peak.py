"""The machine's fp64 peak, for the benchmarks' "share of peak" column (issue 14, item 5).

peak = cores × clock × fp64 lanes per vector × 2 (one FMA = 2 FLOP per lane per cycle, one FMA
pipe per core; Zen 4/5 and most Intel server cores have two, which would double it).  Cores come
from ``os.cpu_count()``; the clock from /proc/cpuinfo's "cpu MHz" or, in a VM that hides it (this one),
BogoMIPS / 2; the lanes from the flags: 8 with avx512f, 4 with avx2/fma, else 2.
"""
from __future__ import annotations

import os
import time
import re


def machine_peak(cpuinfo: str = "/proc/cpuinfo") -> dict:
    """{'flops', 'cores', 'ghz', 'lanes', 'model'} of this machine (see the module docstring)."""
    try:
        text = open(cpuinfo).read()
    except OSError:
        text = ""

    def field(name):
        m = re.search(rf"^{name}\s*:\s*(.+)$", text, re.M)
        return m.group(1).strip() if m else ""

    mhz = float(field("cpu MHz") or 0.0) or float(field("bogomips") or 0.0) / 2 or 2000.0
    flags = field("flags").split()
    lanes = 8 if "avx512f" in flags else 4 if "avx2" in flags else 2
    cores = os.cpu_count() or 1
    return dict(flops=cores * mhz * 1e6 * lanes * 2, cores=cores, ghz=mhz / 1e3, lanes=lanes,
                model=field("model name") or "unknown CPU")


def peak_line(flops_per_s: float, peak: dict) -> str:
    """'x.x GFLOP/s = y.y% of peak' for a measured rate."""
    return f"{flops_per_s / 1e9:6.2f} GFLOP/s = {100 * flops_per_s / peak['flops']:5.2f}% of peak"


def describe(peak: dict) -> str:
    return (f"peak: {peak['model']}, {peak['cores']} cores x {peak['ghz']:.2f} GHz x {peak['lanes']} fp64 lanes x 2 "
            f"(one FMA pipe) = {peak['flops'] / 1e9:.0f} GFLOP/s (two FMA pipes would double it)")


def timed(f, repeat: int):
    """Best wall time of ``repeat`` calls of ``f`` (the minimum: the least disturbed run) and its output."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out
