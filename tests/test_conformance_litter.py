"""Issue 9 item 6, no litter: the CLI leaves nothing in the user's working directory.

Hypothesis keeps a cache of the constants it reads from local source files in its home directory
(``./.hypothesis`` by default), even with ``database=None``; during a check the home is the user
cache directory instead (``proofs.conformance.check.hypothesis_home``).
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

COMMANDS = {
    "check": ["check", "torch.optim.SGD", "--momentum", "0.9", "--max-examples", "10"],
    "identify": ["identify", "optproof.proofs.faulty.KerasLikeSGD", "--momentum", "0.9", "--max-examples", "5",
                 "--max-steps", "8"],
    "check-plain": ["check", "optproof.proofs.faulty.TorchLikeSGD", "--momentum", "0.9", "--max-examples", "10"],
    "report": ["report", "--quick", "--claims", "C8", "--out", "out", "--no-progress"],  # with the conformance matrix
}
LEFT = {"report": ["out"]}  # the requested output, nothing else


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_cli_leaves_cwd_empty(name, tmp_path):
    if name in ("check", "report"):
        pytest.importorskip("torch")
    cwd, cache = tmp_path / "cwd", tmp_path / "cache"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("HYPOTHESIS_STORAGE_DIRECTORY", "OPTPROOF_CACHE")}
    env["XDG_CACHE_HOME"] = str(cache)
    proc = subprocess.run([sys.executable, "-c", "import sys; from optproof.proofs.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", *COMMANDS[name]],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(cwd)) == LEFT.get(name, []), "the CLI left files in the working directory"
    assert (cache / "optproof" / "hypothesis").is_dir(), "Hypothesis's storage should be in the user cache"


def test_hypothesis_home_restored_after_check(tmp_path, monkeypatch):
    """A check inside a user's own process moves Hypothesis's home only while it runs."""
    from hypothesis import configuration

    from optproof.proofs.conformance import Reference, check
    from optproof.proofs.faulty import TorchLikeSGD

    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    before = vars(configuration).get("__hypothesis_home_directory")
    assert check(TorchLikeSGD, Reference.pytorch(), max_examples=3).ok
    assert vars(configuration).get("__hypothesis_home_directory") == before
