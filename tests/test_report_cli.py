"""The main job: ``optproof prove`` and ``optproof report`` end to end (quick mode)."""
from __future__ import annotations

import html
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
        assert f"<section id=\"{c['id']}\">" in page
    images = re.findall(r'<img src="([^"]+)"', page)
    assert images, "the report has plots"
    for src in images:
        assert (out / src).is_file() and (out / src).stat().st_size > 1000
    assert "Conformance matrix" in page and doc["conformance"]


def _text(page: str) -> str:
    """The page without the LaTeX sources kept in MathML <annotation> elements."""
    return re.sub(r"<annotation[^>]*>.*?</annotation>", "", page, flags=re.S)


def test_every_formula_typeset_once_and_no_tex_left_as_text(quick_report):
    _, out = quick_report
    page = (out / "index.html").read_text()
    assert not re.findall(r"\\[A-Za-z]+", _text(page)), "TeX command shown as text"
    sources = [re.sub(r"\s+", "", s) for s in re.findall(r"<annotation[^>]*>(.*?)</annotation>", page, flags=re.S)]
    assert len(sources) > 50 and len(sources) == len(set(sources)), "a formula appears twice"
    assert "<svg" not in page  # formulas are MathML, not inline SVG


def test_report_weighs_at_most_1_5_mb(quick_report):
    _, out = quick_report
    total = (out / "index.html").stat().st_size + sum(p.stat().st_size for p in (out / "figures").iterdir())
    assert total <= 1.5e6, f"index.html + figures = {total / 1e6:.2f} MB"


def test_numbers_rounded_and_no_internal_names(quick_report):
    _, out = quick_report
    text = re.sub(r"<[^>]+>", " ", _text((out / "index.html").read_text()))
    long = [x for x in re.findall(r"\d+\.\d+", text) if len(x.replace(".", "").lstrip("0")) > 6]
    assert not long, f"numbers printed with more than 6 significant digits: {long[:5]}"
    assert not re.search(r"\bprove_[a-z_]+|\blamm?_?\d?\b|\bbatch_loss_variance\b", text)
    for src in re.findall(r"<annotation[^>]*>(.*?)</annotation>", (out / "index.html").read_text(), flags=re.S):
        lhs, sep, rhs = html.unescape(src).partition(" = ")
        assert not (sep and lhs.strip() == rhs.strip()), src  # no "B = B"-style lines


def test_every_verdict_names_its_test_and_skips_never_show_as_passed(quick_report):
    from optproof.proofs.report import TESTS
    from optproof.proofs.stats import ALPHA_EACH, SUITE_ALPHA

    _, out = quick_report
    doc = json.loads((out / "results.json").read_text())
    page = (out / "index.html").read_text()
    checks = [(c["id"], k) for c in doc["claims"] for k in c["checks"]]
    assert all(k["test"] in TESTS or (k["status"] == "skipped" and not k["test"]) for _, k in checks)
    assert {k["test"] for cid, k in checks if cid == "C1" and k["kind"] == "simulation"} == {"chi-square"}
    assert {k["test"] for _, k in checks if k["kind"] == "symbolic"} == {"symbolic proof"}
    skipped = [k for _, k in checks if k["status"] == "skipped"]
    assert page.count('<span class="badge skipped">skipped</span>') >= len(skipped) + 1  # + the legend
    for k in skipped:
        assert k["reason"] and not k["passed"]
    box = page[page.index('id="how-to-read"'):]
    assert f"{ALPHA_EACH:g}" in box[:4000] and f"{SUITE_ALPHA:g}" in box[:4000]
    assert 'href="seed/README.md"' in page and (out / "seed" / "README.md").is_file()


def test_conformance_matrix_shows_the_faulty_catalogue_detected(quick_report):
    from optproof.proofs.faulty import FAULTS

    _, out = quick_report
    doc = json.loads((out / "results.json").read_text())
    rows = doc["conformance"]["rows"]
    faulty = [r for r in rows if r["group"] == "faulty"]
    assert len(faulty) >= len(FAULTS)
    detected = [r for r in faulty if "detected" in r["cells"].values()]
    assert len(detected) >= len(FAULTS) - 2, [r["implementation"] for r in faulty if r not in detected]
    assert all(r["detection"]["step"] >= 1 for r in detected)
    torch_rows = [r for r in rows if r["implementation"].startswith("torch.optim")]
    for r in torch_rows:  # the real library matches its own convention
        assert "match" in r["cells"].values()


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
