"""``optproof ... | head``: a reader that leaves early ends the command quietly (no traceback), status 141."""
from __future__ import annotations

import subprocess
import sys


def test_closed_stdout_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-c", "from optproof.proofs.cli import main; raise SystemExit(main(['list']))"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the command writes anything
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert proc.returncode == 141
