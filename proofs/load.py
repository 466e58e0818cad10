"""A machine made busy on purpose: ``busy_cores(n)`` keeps n CPU cores saturated while a block runs.

Used to show that no verdict depends on the load of the machine (the C2 stress test,
``benchmarks/flake.py``): n subprocesses spin in a pure-Python loop (one core each, the GIL
forbids more per process) and are killed, and reaped, when the block exits — also on error.
A safety deadline ends each spinner on its own should the parent die first.
"""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

from optproof.base.validation import check_int

__all__ = ["busy_cores"]

_SPIN = "import time\nend = time.monotonic() + {deadline}\nwhile time.monotonic() < end:\n    pass\n"


@contextmanager
def busy_cores(n: int | None = None, deadline: float = 3600.0) -> Iterator[list[subprocess.Popen]]:
    """Run the block with ``n`` (default: every core) busy-looping subprocesses beside it."""
    n = check_int("n", (os.cpu_count() or 1) if n is None else n, 0, 1024)
    procs = [subprocess.Popen([sys.executable, "-c", _SPIN.format(deadline=float(deadline))],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(n)]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
