"""The machine's fp64 peak, for the benchmarks' "share of peak" column (issue 14, item 5).

Measured, not assumed: ``measured_peak`` runs C independent chains acc_k ← fma(acc_k, a, b) of
<L x double> vectors (llvm.fma emitted as LLVM IR through a Numba ``@intrinsic``), one per core
(``prange``), for L = 4 (256-bit, what ``sim.lsq_ir`` uses) and L = 8 (512-bit), and takes the best
rate: FLOP/s = cores · (threads · n · C · L · 2) / CPU seconds of the process (CPU time, not wall time,
so that other processes on the machine do not lower the figure: it is the rate of a core while it runs).  C = 30 chains hide the FMA latency (4 cycles) on
two pipes, so the rate is the FMA pipes' throughput.  The nominal figure, cores × clock × lanes × 2
(one FMA pipe; clock from /proc/cpuinfo's "cpu MHz", or BogoMIPS / 2 in a VM that hides it), is
printed beside it: on this Zen 5 machine the measured 512-bit rate is about twice the nominal one
(two 512-bit FMA pipes per core), and the 256-bit rate about equal to it.
"""
from __future__ import annotations

import os
import re
import time

import numpy as np

CHAINS = 30  # independent accumulators: enough to fill two FMA pipes of latency 4 with room to spare


def nominal_peak(cpuinfo: str = "/proc/cpuinfo") -> dict:
    """{'flops', 'cores', 'ghz', 'lanes', 'model'}: cores × clock × lanes × 2, one FMA pipe (see above)."""
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


def _fma_burst(lanes: int):
    """A compiled ``run(n, out)``: out[k] = a lane of CHAINS fma chains of n steps, one k per thread."""
    from numba import njit, prange, types
    from numba.core import cgutils
    from numba.core.cgutils import ir
    from numba.extending import intrinsic

    vec = ir.VectorType(ir.DoubleType(), lanes)

    @intrinsic
    def burst(typingctx, n):
        def codegen(context, builder, sig, args):
            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * 3), f"llvm.fma.v{lanes}f64")
            # x -> ax + b drifts towards 1 without reaching it (a chain starting at 1.0, a fixed point, LLVM folds)
            a, b = ir.Constant(vec, [0.9999999] * lanes), ir.Constant(vec, [1e-7] * lanes)
            starts = [ir.Constant(vec, [1.0 + 1e-3 * (k + 1)] * lanes) for k in range(CHAINS)]
            accs = [cgutils.alloca_once_value(builder, x0) for x0 in starts]
            with cgutils.for_range(builder, args[0]):
                for acc in accs:
                    builder.store(builder.call(fma, [builder.load(acc), a, b]), acc)
            total = builder.load(accs[0])
            for acc in accs[1:]:
                total = builder.fadd(total, builder.load(acc))
            return builder.extract_element(total, ir.Constant(ir.IntType(32), 0))

        return types.float64(types.int64), codegen

    @njit(parallel=True)
    def run(n, out):
        for k in prange(out.shape[0]):
            out[k] = burst(n)

    return run


def measured_peak(seconds: float = 0.2, repeat: int = 5) -> dict:
    """{lanes: FLOP/s} of the fma bursts, per CPU second times the core count (best of ``repeat``, each
    about ``seconds`` of wall time on a quiet machine)."""
    from numba import get_num_threads

    threads = get_num_threads()
    out = {}
    for lanes in (4, 8):
        run, res = _fma_burst(lanes), np.empty(threads)
        run(10, res)
        t = time.perf_counter()
        run(100_000, res)
        n = max(100_000, int(100_000 * seconds / max(time.perf_counter() - t, 1e-9)))
        best = min(_seconds(run, n, res) for _ in range(repeat))
        out[lanes] = (os.cpu_count() or 1) * threads * n * CHAINS * lanes * 2 / best
    return out


def _seconds(run, n, res) -> float:
    """CPU seconds (all threads of this process) of one ``run``."""
    t = time.process_time()
    run(n, res)
    return time.process_time() - t


def machine_peak(cpuinfo: str = "/proc/cpuinfo") -> dict:
    """The nominal peak's fields, plus 'measured' {lanes: FLOP/s}; 'flops' = the best measured rate."""
    peak = nominal_peak(cpuinfo)
    peak["nominal"] = peak["flops"]
    peak["measured"] = measured_peak()
    peak["flops"] = max(peak["measured"].values())
    return peak


def peak_line(flops_per_s: float, peak: dict) -> str:
    """'x.x GFLOP/s = y.y% of peak' for a measured rate (peak = the measured fma throughput)."""
    return f"{flops_per_s / 1e9:6.2f} GFLOP/s = {100 * flops_per_s / peak['flops']:5.2f}% of peak"


def describe(peak: dict) -> str:
    rates = ", ".join(f"{lanes * 64}-bit {r / 1e9:.0f}" for lanes, r in sorted(peak["measured"].items()))
    return (f"peak: {peak['model']}, {peak['cores']} cores; measured fp64 fma throughput (GFLOP/s, all cores, "
            f"{CHAINS} chains): {rates}; share of peak below is of {peak['flops'] / 1e9:.0f} GFLOP/s "
            f"(nominal one-pipe figure: {peak['cores']} x {peak['ghz']:.2f} GHz x {peak['lanes']} lanes x 2 = "
            f"{peak['nominal'] / 1e9:.0f} GFLOP/s)")


def timed(f, repeat: int):
    """Best wall time of ``repeat`` calls of ``f`` (the minimum: the least disturbed run) and its output."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out
