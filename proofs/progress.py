"""A minimal progress bar on stderr for ``optproof report``.

Hand-written rather than a dependency (tqdm) because it is a dozen lines and the report needs
nothing more than "check k of n, name, elapsed"; it stays silent when stderr is not a terminal
unless forced, so CI logs get one line per check instead of carriage-return noise.
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, enabled: bool = True, stream=None) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self.t0 = time.perf_counter()

    def advance(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        line = f"[{bar}] {self.done}/{self.total} {time.perf_counter() - self.t0:6.1f}s {label}"
        end = "\r" if self.tty and self.done < self.total else "\n"
        self.stream.write(("\r\x1b[K" if self.tty else "") + line + end)
        self.stream.flush()
