"""C6 on real data (seed 1.4): does small-batch SGD generalise better than large-batch SGD?

The experiment itself (training loop, ε-sharpness, Lanczos λ_max; design and caveats) is
``proofs.real_data``; this module turns its result into the check's ``Outcome`` and figures.  The
result is a measured effect, reported whatever its sign; the check passes when the experiment ran
as designed (no divergence, every run reached the target, Lanczos converged), not when small batch
wins.  It runs only with ``--full`` and is ``skipped`` otherwise.
"""
from __future__ import annotations

import numpy as np

from optproof.proofs.catalog import Check, Outcome, RunConfig
from optproof.proofs.claims._common import new_figure
from optproof.proofs.real_data import FULL, KESKAR_F1, run_experiment

__all__ = ["experiment_outcome", "CHECKS"]


def _fmt_gap(s: dict, unit: str = "", fmt: str = "+.3g") -> str:
    lo, hi = s["ci"]
    return f"{s['mean']:{fmt}}{unit} [{lo:{fmt}}, {hi:{fmt}}]"


def _fmt_metric(sm: dict, key: str, label: str, unit: str = "", fmt: str = ".3g", gap_fmt: str = "+.3g",
                gap_unit: str | None = None) -> str:
    m = sm[key]
    gap_unit = unit if gap_unit is None else gap_unit
    return (f"{label} {m['small']['mean']:{fmt}}{unit} vs {m['large']['mean']:{fmt}}{unit}, small - large = "
            f"{_fmt_gap(m['small - large (paired 95% t-interval)'], gap_unit, gap_fmt)}")


def _simulation(cfg: RunConfig) -> Outcome:
    """The real-data experiment (only with ``--full``)."""
    if not cfg.full:
        return Outcome.skipped("runs only with --full (trains 2 x 10 MLPs on digits, about 1.5 minutes on 2 "
                               "idle cores)")
    return experiment_outcome(run_experiment(FULL, cfg.seed_for("C6", "digits")), cfg.make_figures)


def experiment_outcome(res: dict, make_figures: bool = False) -> Outcome:
    """Turn ``run_experiment``'s result into the check's Outcome (pass = ran as designed)."""
    runs, sm = res["runs"], res["summary"]
    ran_ok = all(not any(runs[g]["diverged"]) and all(runs[g]["reached target"]) for g in runs)
    resid_ok = all(r <= 1e-6 * max(1.0, abs(lam)) for g in runs
                   for r, lam in zip(runs[g]["lambda_max residual"], runs[g]["lambda_max"]))
    n = sm["test accuracy (%)"]["small"]["n"]
    B = res["batch sizes"]
    eps_keys = [k for k in sm if k.startswith("eps-sharpness") and "first-order" not in k]
    summary = (f"measured on digits ({n} seeds, B = {B['small']} vs {B['large']}, both stopped at train loss <= "
               f"{res['design']['target_loss']:g}; small vs large, gaps with paired 95% t-intervals): "
               f"{_fmt_metric(sm, 'test accuracy (%)', 'test accuracy', '%', '.2f', '+.2f', ' pp')}; "
               f"{_fmt_metric(sm, 'lambda_max', 'lambda_max')}; "
               + "; ".join(_fmt_metric(sm, k, k.replace('eps-sharpness ', 'eps-sharpness eps='), '%') for k in eps_keys)
               + f"; Keskar et al. F1: {KESKAR_F1['test accuracy SB (%)']}% vs {KESKAR_F1['test accuracy LB (%)']}% "
               "(as quoted in issue 5)")
    if not ran_ok:
        summary = "experiment did not run as designed (divergence or target loss not reached): " + summary
    if not resid_ok:
        summary = "Lanczos did not converge to residual <= 1e-6 |lambda|: " + summary
    latex = [r"\phi_\epsilon(\theta) = 100\,\frac{\max_{z\in C_\epsilon} L(\theta+z) - L(\theta)}{1 + L(\theta)},"
             r"\ C_\epsilon = \{z : |z_i| \le \epsilon(|\theta_i| + 1)\}",
             r"\bar d \pm t_{0.975,\,n-1}\, s_d/\sqrt{n},\ d_s = m_s^{\mathrm{small}} - m_s^{\mathrm{large}}"]
    figures = _figures(res) if make_figures else []
    gap = sm["test accuracy (%)"]["small - large (paired 95% t-interval)"]
    numbers = dict(res)
    numbers["effect"] = {"name": "test-accuracy gap small - large batch (points)", "estimate": gap["mean"],
                         "ci": list(gap["ci"])}
    return Outcome(bool(ran_ok and resid_ok), summary, numbers, latex, figures)


def _figures(res: dict):
    runs = res["runs"]
    B = res["batch sizes"]
    seeds = np.arange(len(runs["small"]["test accuracy (%)"]))
    fig, ax = new_figure()
    for g, mk in (("small", "o"), ("large", "s")):
        ax.plot(seeds, runs[g]["test accuracy (%)"], mk, label=f"{g} batch (B = {B[g]})")
    for s in seeds:
        ax.plot([s, s], [runs["small"]["test accuracy (%)"][s], runs["large"]["test accuracy (%)"][s]], "k-", lw=0.5)
    ax.set_xlabel("seed (same initialisation for both batch sizes)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Digits MLP: test accuracy per seed ({res['n_test']} test images)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    acc_fig = fig
    keys = [k for k in runs["small"] if k.startswith("eps-sharpness") and "first-order" not in k] + ["lambda_max"]
    fig, axes = new_figure(height=3.2, ncols=len(keys))  # stacked panels, full width
    for ax, k in zip(np.atleast_1d(axes), keys):
        for g, mk in (("small", "o"), ("large", "s")):
            ax.plot(seeds, runs[g][k], mk, label=f"{g} batch (B = {B[g]})")
        ax.set_xlabel("seed")
        ax.set_ylabel(k.replace("eps", "ε").replace("lambda_max", "λ_max of ∇²L (Lanczos)")
                      + (" (%)" if k.startswith("eps") else ""))
        ax.legend(fontsize=7)
    fig.suptitle("Sharpness of the trained networks per seed (training loss)")
    fig.tight_layout()
    return [("c6_real_test_accuracy", acc_fig), ("c6_real_sharpness", fig)]


CHECKS = (
    Check("simulation", "small vs large batch on digits: accuracy and sharpness (--full)", _simulation),
)
