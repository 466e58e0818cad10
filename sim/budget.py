"""What a ``simulate`` run will cost, known before it starts: memory of its records, time, progress.

Memory (bytes, float64 = 8 bytes), for R records of widths w_r (d for θ, m, g; 1 for a loss):

    kept records   n_traj · R · Σ_r w_r · 8                  (none when stats_only)
    chunk buffers  min(chunk, n_traj) · R · Σ_r w_r · 8      (only when stats_only)
    statistics     R · Σ_r (2 w_r + [cov] w_r²) · 8  +  [joint_cov] R · (2d)² · 8

``check_memory`` refuses a run whose need exceeds the memory available now (``MemAvailable`` of
``/proc/meminfo``, else ``os.sysconf``), before anything is allocated, suggesting ``stats_only=True``.

Time: a run performs about n_traj · T · u work units, u = 2·B·d + 4d for least squares / finite
sums (the batch's dot products and gradient sums, the update), d² + 4d for a quadratic (twice d²
with a noise factor).  ``estimated_seconds`` divides by ``RATE`` units per second (a conservative
figure below W1's measured ≈ 7e9 on 2 cores); runs estimated above ``PROGRESS_AFTER`` seconds get a
tqdm progress bar over the trajectories.  The bar only splits the run into more chunks, which
leaves every result bitwise unchanged (the chunking rule of ``simulate``).
"""
from __future__ import annotations

import math
import os
import sys

__all__ = ["InsufficientMemory", "available_memory", "record_bytes", "check_memory", "estimated_seconds",
           "progress_chunk", "make_bar", "RATE", "PROGRESS_AFTER"]

RATE = 2e9  # work units per second, deliberately below W1's measured rate
PROGRESS_AFTER = 3.0  # seconds: longer runs show a progress bar
_MIN_UPDATES = 20  # a shown bar advances at least this many times


class InsufficientMemory(ValueError, MemoryError):
    """The records of a run would not fit in the available memory (a ValueError and a MemoryError)."""


def available_memory() -> int | None:
    """Bytes of memory available now: ``MemAvailable`` of /proc/meminfo, else sysconf; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def record_bytes(n_traj: int, n_rec: int, widths: list[int], *, stats_only: bool, chunk: int,
                 cov_widths: list[int] = (), joint_width: int = 0) -> int:
    """Bytes the records and statistics of a run need (see the module docstring)."""
    per_traj = n_rec * sum(widths) * 8
    held = (min(chunk, n_traj) if stats_only else n_traj) * per_traj
    stats = n_rec * 8 * (sum(2 * w for w in widths) + sum(w * w for w in cov_widths) + joint_width ** 2)
    return held + stats


def _gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB"


def check_memory(need: int, what: str, available: int | None = None) -> None:
    """Raise ``InsufficientMemory`` when ``need`` bytes exceed the available memory."""
    available = available_memory() if available is None else available
    if available is None or need <= available:
        return
    raise InsufficientMemory(
        f"simulate would need {_gib(need)} for {what}, more than the {_gib(available)} available; "
        f"pass stats_only=True (mean, variance and count only: memory independent of n_traj), "
        f"or record fewer quantities, at a coarser every, or fewer trajectories")


def estimated_seconds(kind: str, n_traj: int, n_steps: int, dim: int, batch: int, noise_factor: bool) -> float:
    """Rough duration of a run: n_traj · T · u / RATE (u: work units per trajectory-step)."""
    if kind == "quadratic":
        unit = dim * dim * (2 if noise_factor else 1) + 4 * dim
    else:
        unit = 2 * batch * dim + 4 * dim
    return n_traj * n_steps * unit / RATE


def progress_chunk(chunk: int, n_traj: int) -> int:
    """A chunk size giving a shown bar at least ``_MIN_UPDATES`` updates (never above ``chunk``,
    never below a few trajectories per thread, so the threads stay busy)."""
    threads = max(os.cpu_count() or 1, 1)
    return max(min(chunk, math.ceil(n_traj / _MIN_UPDATES)), min(chunk, 8 * threads), 1)


def make_bar(progress: bool | None, seconds: float, n_traj: int):
    """A tqdm bar over trajectories, or None: always (True), never (False), or when ``seconds`` >
    ``PROGRESS_AFTER`` and stderr is a terminal (None)."""
    show = progress if progress is not None else seconds > PROGRESS_AFTER and sys.stderr.isatty()
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=n_traj, unit="traj", desc=f"simulate (estimated {seconds:.0f} s)", leave=False,
                file=sys.stderr, dynamic_ncols=True)
