"""The main job: ``optproof prove`` and ``optproof report`` end to end (quick mode)."""
from __future__ import annotations

import json
import re

import pytest

from optproof.proofs import cli
from optproof.proofs.catalog import Check, Claim, Outcome

ISSUE_CLAIMS = {"C1", "C4", "C5", "C8", "C9"}


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    code = cli.main(["report", "--quick", "--out", str(out), "--no-progress"])
    return code, out


def test_report_passes_and_writes_json_for_every_claim(quick_report):
    code, out = quick_report
    doc = json.loads((out / "results.json").read_text())
    assert code == 0 and doc["status"] == "pass"
    by_id = {c["id"]: c for c in doc["claims"]}
    assert ISSUE_CLAIMS <= set(by_id)
    for c in by_id.values():
        assert c["status"] == "pass"
        kinds = {chk["kind"] for chk in c["checks"]}
        assert kinds == {"symbolic", "exact", "simulation"}, c["id"]  # all three side by side
        for chk in c["checks"]:
            assert isinstance(chk["numbers"], dict) and chk["summary"]


def test_every_check_declares_the_budget_its_comparisons_use(quick_report):
    """A Monte Carlo check may not run more comparisons than the false-failure share it declares."""
    from optproof.proofs.claims import CLAIMS

    _, out = quick_report
    declared = {(c.id, k.name): k.alpha for c in CLAIMS for k in c.checks}
    doc = json.loads((out / "results.json").read_text())
    for c in doc["claims"]:
        for chk in c["checks"]:
            used = sum(x["alpha"] for x in chk["numbers"].get("comparisons", []))
            assert used <= declared[(c["id"], chk["name"])] * (1 + 1e-9), (c["id"], chk["name"])


def test_html_shows_every_claim_and_every_image_exists(quick_report):
    _, out = quick_report
    page = (out / "index.html").read_text()
    doc = json.loads((out / "results.json").read_text())
    for c in doc["claims"]:
        assert f"id='{c['id']}'" in page
    images = re.findall(r"<img src='([^']+)'", page)
    assert images, "the report has plots"
    for src in images:
        assert (out / src).is_file() and (out / src).stat().st_size > 1000
    assert "Conformance matrix" in page and doc["conformance"]


def test_prove_exits_zero_and_prints_table(capsys):
    assert cli.main(["prove", "--claims", "C5,C8", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "C5" in text and "C8" in text and "2/2 claims pass" in text


def test_failing_claim_gives_exit_code_one(monkeypatch, tmp_path, capsys):
    import optproof.proofs.claims as claims

    bad = Claim("C0", "a false statement", "0", "1 = 2",
                (Check("symbolic", "wrong", lambda cfg: Outcome(False, "1 != 2")),
                 Check("exact", "raises", lambda cfg: 1 / 0)))
    monkeypatch.setattr(claims, "CLAIMS", (bad,))
    assert cli.main(["prove", "--no-progress"]) == 1
    assert cli.main(["report", "--out", str(tmp_path), "--no-progress", "--no-conformance"]) == 1
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["claims"][0]["status"] == "fail"
    assert "ZeroDivisionError" in doc["claims"][0]["checks"][1]["summary"]  # a crash is a failure, not a pass


def test_unknown_claim_is_rejected():
    with pytest.raises(SystemExit, match="--claims"):
        cli.main(["prove", "--claims", "C42"])
