"""Honest statuses (issue 8 item 4): pass, fail, skipped (with its reason), error, measured.

A skipped check never counts as a pass: not in the claim's status, the summary line, the exit
code, or ``results.json``; a measured check never counts either way.
"""
from __future__ import annotations

import pytest

from optproof.proofs import cli
from optproof.proofs.catalog import Check, CheckRun, Claim, Outcome, RunConfig
from optproof.proofs.runner import ClaimResult, claim_status, exit_code, run_claims, summary_line


def _claim(cid: str, *outcomes) -> Claim:
    checks = tuple(Check("exact" if i else "symbolic", f"check {i}", (lambda cfg, o=o: o() if callable(o) else o))
                   for i, o in enumerate(outcomes))
    return Claim(cid, f"claim {cid}", "0", "x = x", checks)


PASS = Outcome(True, "fine")
FAIL = Outcome(False, "wrong")
SKIP = Outcome.skipped("needs torch")
MEAS = Outcome.measured("0.3 ms per update [0.29, 0.31]", {"seconds": [0.3]})


def _boom():
    raise RuntimeError("kaput")


def test_outcome_status_is_derived_from_passed_unless_given():
    assert PASS.status == "pass" and FAIL.status == "fail"
    assert SKIP.status == "skipped" and SKIP.reason == "needs torch" and not SKIP.passed
    assert SKIP.summary == "skipped: needs torch"
    assert MEAS.status == "measured" and not MEAS.passed


@pytest.mark.parametrize("kwargs, match", [
    (dict(passed=True, summary="x", status="skipped", reason="r"), "contradicts"),
    (dict(passed=False, summary="x", status="maybe"), "status must be one of"),
    (dict(passed=False, summary="x", status="skipped"), "reason"),
    (dict(passed=False, summary="x", reason="why"), "reason"),
])
def test_outcome_rejects_inconsistent_statuses(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Outcome(**kwargs)


def test_a_raising_check_ends_in_error_with_its_traceback():
    run = CheckRun.run(Check("exact", "raises", lambda cfg: _boom()), RunConfig())
    assert run.status == "error" and not run.outcome.passed
    assert "RuntimeError: kaput" in run.outcome.summary and "_boom" in run.outcome.numbers["traceback"]


@pytest.mark.parametrize("statuses, expected", [
    (["pass", "pass"], "pass"),
    (["pass", "skipped"], "pass"),
    (["pass", "measured"], "pass"),
    (["skipped", "skipped"], "skipped"),
    (["skipped", "measured"], "skipped"),
    (["measured"], "measured"),
    (["pass", "error"], "error"),
    (["error", "fail", "pass"], "fail"),
    (["skipped", "fail"], "fail"),
])
def test_claim_status_rule(statuses, expected):
    assert claim_status(statuses) == expected


def test_summary_line_and_exit_code_say_skips_plainly():
    results = run_claims([_claim("A", PASS, SKIP), _claim("B", SKIP), _claim("C", PASS, MEAS)], RunConfig())
    assert [r.status for r in results] == ["pass", "skipped", "pass"]
    assert summary_line(results) == "2/3 claims pass, 1 skipped (2/5 checks pass, 2 skipped, 1 measured)"
    assert exit_code(results) == 0
    bad = run_claims([_claim("D", PASS, FAIL), _claim("E", PASS, _boom)], RunConfig())
    assert [r.status for r in bad] == ["fail", "error"] and exit_code(bad) == 1
    assert summary_line(bad) == "0/2 claims pass, 1 failed, 1 error (2/4 checks pass, 1 failed, 1 error)"


def test_claim_result_passed_only_for_pass():
    assert not ClaimResult(_claim("S", SKIP), [CheckRun(_claim("S", SKIP).checks[0], SKIP, 0.0)]).passed


def test_cli_all_pass_but_skipped_exits_zero_and_says_so(monkeypatch, capsys):
    import optproof.proofs.claims as claims

    monkeypatch.setattr(claims, "CLAIMS", (_claim("C0", PASS, SKIP), _claim("C00", SKIP)))
    assert cli.main(["prove", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "1/2 claims pass, 1 skipped" in out and "skipped: needs torch" in out
    monkeypatch.setattr(claims, "CLAIMS", (_claim("C0", PASS, _boom),))
    assert cli.main(["prove", "--no-progress"]) == 1
    assert "ERROR" in capsys.readouterr().out


@pytest.mark.parametrize("argv, env, match", [
    (["prove", "--claims", "C99"], None, "--claims must name claims"),
    (["prove", "--seed", "-3"], None, "--seed must be an integer >= 0"),
    (["prove"], "minus one", "OPTPROOF_SEED must be an integer >= 0"),
    (["report", "--quick", "--full"], None, "exclude each other"),
])
def test_usage_errors_exit_2_with_a_message(argv, env, match, monkeypatch, capsys):
    if env is not None:
        monkeypatch.setenv("OPTPROOF_SEED", env)
    with pytest.raises(SystemExit, match=match) as info:
        cli.main(argv + ["--no-progress"])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("optproof: error: ")


def test_report_out_naming_a_file_is_a_usage_error_before_any_work(tmp_path, monkeypatch):
    import optproof.proofs.claims as claims

    ran = []
    monkeypatch.setattr(claims, "CLAIMS", (_claim("C0", lambda: ran.append(1) or PASS),))
    target = tmp_path / "a_file"
    target.write_text("x")
    with pytest.raises(SystemExit, match="--out must name a directory") as info:
        cli.main(["report", "--out", str(target), "--no-progress", "--no-conformance"])
    assert info.value.code == 2 and not ran


def test_optproof_seed_sets_the_default_run_seed(monkeypatch):
    seen = []
    import optproof.proofs.claims as claims

    monkeypatch.setattr(claims, "CLAIMS", (_claim("C0", lambda: PASS),))
    from optproof.proofs import runner

    real = runner.run_claims  # the seed of the RunConfig the command runs with, wherever the cli imports it
    monkeypatch.setattr(runner, "run_claims",
                        lambda claims, cfg, *a, **k: seen.append(cfg.seed) or real(claims, cfg, *a, **k))
    monkeypatch.setenv("OPTPROOF_SEED", "1234")
    assert cli.main(["prove", "--no-progress"]) == 0
    assert cli.main(["prove", "--no-progress", "--seed", "7"]) == 0  # an explicit --seed wins
    monkeypatch.delenv("OPTPROOF_SEED")
    assert cli.main(["prove", "--no-progress"]) == 0
    assert seen == [1234, 7, 0]
