"""The progress bar of ``optproof report`` / ``prove``: tqdm on a terminal, one line per check otherwise.

On a terminal, tqdm (the maintained library ``sim.simulate`` uses too) shows "check k of n, rate,
time left" with the current check as its postfix; when stderr is not a terminal (CI logs) each
finished check is one plain line instead of carriage-return noise.
"""
from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    """``advance(label)`` after each of ``total`` checks; silent when ``enabled`` is False."""

    def __init__(self, total: int, enabled: bool = True, stream=None) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.bar = None
        if enabled and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="check", dynamic_ncols=True, leave=True)

    def advance(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix_str(label[:60], refresh=False)
            self.bar.update(1)
            if self.done >= self.total:
                self.bar.close()
            return
        self.stream.write(f"[{self.done}/{self.total}] {time.perf_counter() - self.t0:6.1f}s {label}\n")
        self.stream.flush()
