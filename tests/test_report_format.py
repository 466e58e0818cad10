"""The report's formatting pieces: MathML formulas, proof-step display, prose, rounding, figures."""
from __future__ import annotations

import re

import pytest

from optproof.proofs.formula import FormulaSet, display_tex, mathml, prose, step_formula
from optproof.proofs.rounding import compact, sig, with_se

TEX_COMMAND = re.compile(r"\\[A-Za-z]+")


def _outside_annotations(page: str) -> str:
    return re.sub(r"<annotation[^>]*>.*?</annotation>", "", page, flags=re.S)


@pytest.mark.parametrize("tex", [
    r"\frac{N - B}{N - 1}\,\frac{\sigma^2}{B}", r"\mathrm{Cov}[\nabla L_B(\theta)] = c\,\Sigma",
    r"\left[\begin{matrix}0 & 1\\1 & 0\end{matrix}\right]", r"\int e^{-f/T}\,d\theta",
    r"\rho(A) < 1 \iff 0 < \eta h < 2(1 + \lambda)", r"\sum_k b_k = N\ (\text{drop\_last off})",
    r"\mathbb{E}[L_B] = L", r"\begin{cases} 1 & t = 0 \\ 0 & \text{otherwise} \end{cases}",
])
def test_formulas_become_mathml_with_no_tex_left_as_text(tex):
    out = mathml(tex)
    assert out.startswith("<math") and "<annotation encoding='application/x-tex'>" in out
    assert not TEX_COMMAND.search(_outside_annotations(out)), out


def test_internal_symbol_names_are_typeset():
    assert display_tex(r"\frac{\eta}{1 - lam}") == r"\frac{\eta}{1 - \lambda }"
    assert r"\lambda" not in display_tex(r"\lambda")[1:] or display_tex(r"\lambda") == r"\lambda"
    shown = display_tex(r"trHSigma + cSigma + \theta_{star} + lam^{t}")
    assert "lam" not in shown.replace(r"\lambda", "") and r"\theta^{*}" in shown and r"\Sigma" in shown


def test_trivial_steps_hidden_agreements_shown_once_equalities_kept():
    assert step_formula("B = B") is None and step_formula("1 = 1") is None and step_formula("lam = lam") is None
    assert step_formula(r"\frac{B}{N} = \frac{B}{N}") == r"\frac{B}{N}"
    assert step_formula(r"a + b = c") == r"a + b = c"


def test_formula_set_renders_each_formula_once():
    f = FormulaSet()
    assert f(r"\frac{a}{b}") and not f(r"\frac{a}{ b}") and f("x")


def test_prose_has_greek_and_no_code_names():
    text = prose("(lam != 1) recursion m_(t+1) = lam m_t - eta g (prove_geometric_sum); batch_loss_variance agrees")
    assert "λ ≠ 1" in text and "η g" in text and "prove_" not in text and "batch_loss_variance" not in text


@pytest.mark.parametrize("est, se, text", [
    (0.25012, 0.0031234, "0.2501 ± 0.0031"), (1234.5, 12.3, "1234 ± 12"), (-0.0123, 0.00012, "-0.01230 ± 0.00012"),
    (123456.7, 2345.6, "123500 ± 2300"), (1.2e-7, 3.4e-9, "(12.00 ± 0.34)×10⁻⁸"),
])
def test_estimates_rounded_to_two_digits_of_their_se(est, se, text):
    assert with_se(est, se) == text


def test_plain_numbers_have_four_significant_digits():
    assert sig(0.123456789) == "0.1235" and sig(12) == "12" and sig(1e-9) == "1×10⁻⁹"
    assert compact([0.1234567] * 10).endswith("… (10 values)]")
    assert not re.search(r"\d\.\d{6,}", compact({"a": [1 / 3, 2 / 3], "b": {"c": 3.14159265358979}}))


def test_figures_are_full_width_palette_pngs_with_readable_fonts(tmp_path):
    from PIL import Image

    from optproof.proofs.claims._common import new_figure
    from optproof.proofs.figures import DPI, MIN_PT, WIDTH_IN, save_png

    fig, axes = new_figure(10, 3.8, ncols=2)
    assert len(axes) == 2 and axes[0].get_position().y0 > axes[1].get_position().y1  # stacked, not side by side
    for ax in axes:
        ax.plot([0, 1], [0, 1], label="data")
        ax.legend(fontsize=6)
        ax.set_title("title", fontsize=7)
    save_png(fig, tmp_path / "f.png")
    img = Image.open(tmp_path / "f.png")
    assert img.mode == "P" and img.size[0] == round(WIDTH_IN * DPI)
    assert round(img.info["dpi"][0]) == DPI
    assert all(t.get_fontsize() >= MIN_PT for t in fig.findobj(lambda a: hasattr(a, "get_fontsize")))
    for ax in axes:  # the legend sits right of the data area
        assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1
