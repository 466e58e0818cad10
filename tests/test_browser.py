"""The report in a real browser: headless Chromium (Debian's ``chromium`` + ``chromium-driver``) via Selenium.

Builds a small report (``--quick --claims C8,C5`` with the quick conformance matrix), loads it at
1280 px and asserts what a reader sees: no horizontal overflow, every image loaded, formulas
rendered as MathML with no TeX left in any text node, every selected claim present, figure fonts
at least 9 pt at their displayed size.  A full-page screenshot is saved to the test's tmp_path.
Skipped, with the reason, when Chromium, its driver or selenium is missing (``.ci/run`` installs
them when apt can).
"""
from __future__ import annotations

import base64
import shutil

import pytest

from optproof.proofs import cli

CLAIMS = ("C8", "C5")
WIDTH = 1280


def _find(*names: str) -> str | None:
    return next((p for p in map(shutil.which, names) if p), None)


@pytest.fixture(scope="module")
def browser():
    chromium = _find("chromium", "chromium-browser", "google-chrome")
    driver_path = _find("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("headless Chromium not installed (apt-get install chromium chromium-driver); browser test skipped")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={WIDTH},1000"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(browser, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser_report")
    code = cli.main(["report", "--quick", "--claims", ",".join(CLAIMS), "--out", str(out), "--no-progress"])
    assert code == 0
    browser.get((out / "index.html").as_uri())
    browser.execute_script("return document.readyState")
    return browser, out


def test_no_horizontal_overflow_at_1280px(page):
    driver, _ = page
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= WIDTH, f"page is {width}px wide at a {WIDTH}px window"


def test_every_image_loaded_and_readable(page):
    from optproof.proofs.figures import DPI, MIN_PT

    driver, _ = page
    imgs = driver.execute_script(
        "return [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.clientWidth])")
    assert imgs, "the report has plots"
    for src, complete, natural, shown in imgs:
        assert complete and natural > 0, f"{src} did not load"
        displayed_pt = MIN_PT * shown / natural * DPI / 96  # smallest font of the figure, as displayed
        assert displayed_pt >= 9, f"{src}: fonts shown at {displayed_pt:.1f} pt"


def test_no_tex_text_nodes_and_formulas_render_as_mathml(page):
    driver, _ = page
    leaks = driver.execute_script(r"""
        const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const bad = [];
        for (let n = w.nextNode(); n; n = w.nextNode()) {
          if (n.parentElement.closest('annotation, style, script')) continue;
          if (/\\[A-Za-z]+/.test(n.textContent)) bad.push(n.textContent.slice(0, 80));
        }
        return bad;""")
    assert not leaks, leaks[:5]
    maths = driver.execute_script(
        "return [...document.querySelectorAll('section math')].filter(m => m.getClientRects().length)"
        ".map(m => m.getBoundingClientRect().width)")
    assert maths and all(w > 0 for w in maths), "MathML formulas have no rendered width"


def test_every_selected_claim_and_the_conformance_matrix_present(page, tmp_path):
    driver, _ = page
    for cid in CLAIMS:
        assert driver.execute_script(f"return !!document.getElementById('{cid}')"), cid
    assert driver.execute_script("return document.querySelectorAll('#conformance td.detected').length") > 0
    assert driver.execute_script("return !!document.getElementById('how-to-read')")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}})
    path = tmp_path / "report.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.stat().st_size > 10_000
