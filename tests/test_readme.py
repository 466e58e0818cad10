"""The README's set-up commands are the ones CI runs, so a green CI proves the README."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _ci_test_command() -> str:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    marker = next(i for i, line in enumerate(lines) if "README-TEST-COMMAND" in line)
    return lines[marker + 1].strip()


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = _ci_test_command()
    assert "pytest" in command
    assert f"\n{command}\n" in readme


def test_readme_main_job_command_runs_the_report():
    readme = (ROOT / "README.md").read_text()
    assert "optproof report --out report" in readme
