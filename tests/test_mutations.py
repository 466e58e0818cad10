"""Planted errors must be caught (issue 15): per claim, a table of mutants of the public closed forms.

Each mutant replaces one public function (in every ``optproof`` module that imported it) by a wrong
version -- a changed exponent, a dropped factor, x1.02 on a variance (both branches or the float
branch only), a shifted boundary, a wrong default branch -- and names the cheapest check that must
then fail: a symbolic proof (``Proof.holds`` False), or an exact / simulation check of the catalog
(``Outcome.passed`` False, or the check raising) run at quick sizes.  ``KILL_TABLE`` is printed by
``test_kill_table``.  The mutants are written for this test only; nothing here is used by the library.
"""
from __future__ import annotations

import sys
from fractions import Fraction
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest
import sympy as sp

from optproof.proofs.catalog import RunConfig

QUICK = RunConfig(quick=True)


def _times(x: Any, k: str) -> Any:
    """``x·k`` in x's own arithmetic (SymPy Rational, Fraction or float; arrays elementwise)."""
    if isinstance(x, sp.Basic):
        return x * sp.Rational(k)
    if isinstance(x, Fraction):
        return x * Fraction(k)
    if isinstance(x, tuple):
        return tuple(_times(v, k) for v in x)
    return x * float(Fraction(k))


def _symbolic_call(args) -> bool:
    return any(isinstance(a, sp.Basic) for a in args)


def scaled(k: str = "1.02", float_only: bool = False) -> Callable:
    """Mutant maker: the result times ``k`` (only for numeric arguments when ``float_only``)."""
    def make(orig):
        def mutant(*args, **kw):
            out = orig(*args, **kw)
            return out if float_only and _symbolic_call(list(args) + list(kw.values())) else _times(out, k)
        return mutant
    return make


def _module(path: str):
    __import__(path)
    return sys.modules[path]


def _plant(monkeypatch, target: str, make: Callable) -> None:
    """Replace ``module:function`` by ``make(original)`` wherever an optproof module holds the original."""
    mod_name, fn_name = target.split(":")
    orig = getattr(_module(mod_name), fn_name)
    new = make(orig)
    for name, mod in list(sys.modules.items()):
        if name.startswith("optproof") and getattr(mod, fn_name, None) is orig:
            monkeypatch.setattr(mod, fn_name, new)


# --------------------------------------------------------------------------- structural mutants
def _rate_tau_not_abs(orig):
    """Real-root branch ``(τ + √Δ)/2`` instead of ``(|τ| + √Δ)/2``."""
    from optproof.mathcore import quadratic as qd

    def rate(h, lr, momentum):
        if _symbolic_call((h, lr, momentum)):
            r = orig(h, lr, momentum)
            (e0, c0), (e1, c1) = r.args
            return sp.Piecewise((e0.replace(sp.Abs, lambda a: a), c0), (e1, c1))
        x = lr * np.asarray(h, float)
        d = qd._disc(x, momentum)
        out = np.where(d >= 0, ((1.0 + momentum - x) + np.sqrt(np.maximum(d, 0.0))) / 2, np.sqrt(abs(momentum)))
        return out if np.ndim(out) else float(out)
    return rate


def _rate_third(orig):
    """Real-root branch divided by 3 instead of 2 (both branches of the code)."""
    def rate(h, lr, momentum):
        r = orig(h, lr, momentum)
        if isinstance(r, sp.Piecewise):
            (e0, c0), (e1, c1) = r.args
            return sp.Piecewise((e0 * sp.Rational(2, 3), c0), (e1, c1))
        d = _module("optproof.mathcore.quadratic").discriminant(h, lr, momentum)
        return np.where(np.asarray(d) >= 0, r * 2 / 3, r) if np.ndim(r) else (r * 2 / 3 if d >= 0 else r)
    return rate


def _converges_shifted(orig):
    """Boundary ``ηh < 2.1(1 + λ)`` instead of ``2(1 + λ)``."""
    def converges(h, lr, momentum):
        if _symbolic_call((h, lr, momentum)):
            hs, ls, ms = map(sp.sympify, (h, lr, momentum))
            return sp.And(sp.Abs(ms) < 1, ls * hs > 0, ls * hs < sp.Rational(21, 10) * (1 + ms))
        x = lr * np.asarray(h, float)
        ok = (abs(momentum) < 1) & (x > 0) & (x < 2.1 * (1 + momentum))
        return ok if np.ndim(ok) else bool(ok)
    return converges


def _lucas_ge(orig):
    """Default branch ``Δ ≥ 0`` for the distinct-root form (NaN at critical damping)."""
    def lucas_closed_form(n=None, which=None):
        n = _module("optproof.mathcore.momentum").t if n is None else n
        out = orig(n, which)
        if which is None and isinstance(out, sp.Piecewise):
            (e0, c0), rest = out.args[0], out.args[1:]
            return sp.Piecewise((e0, c0.lhs <= c0.rhs if isinstance(c0, sp.StrictLessThan) else c0), *rest)
        return out
    return lucas_closed_form


def _critical_cubed(orig):
    """``(1 − √(ηh))³`` instead of the square (changed exponent)."""
    def critical_momentum(h, lr):
        out = orig(h, lr)
        return out ** sp.Rational(3, 2) if isinstance(out, sp.Basic) else np.asarray(out) ** 1.5 if np.ndim(out) \
            else out ** 1.5
    return critical_momentum


def _factor_drops_n_minus_1(orig):
    """``(N − B)/(N B)``: the finite-population factor without ``N − 1`` (a dropped factor)."""
    def batch_variance_factor(N, batch_size, replace=False):
        out = orig(N, batch_size, replace)
        if replace:
            return out
        if isinstance(out, sp.Basic):
            return out * (sp.sympify(N) - 1) / sp.sympify(N)
        return out * Fraction(N - 1, N)
    return batch_variance_factor


def _always_drop_last(orig):
    """The short batch is always dropped (``drop_last`` ignored)."""
    return lambda N, batch_size, drop_last=False: orig(N, batch_size, True)


def _gd_forgets_lr(orig):
    """``m ← λ m − grad``: the learning rate dropped from the reference step (a dropped factor)."""
    return lambda theta, m, grad, lr, momentum: orig(theta, m, grad, 1, momentum) if lr != 0 else orig(
        theta, m, grad, lr, momentum)


def _proof(module: str, name: str, *args) -> Callable[[], bool]:
    return lambda: getattr(_module(module), name)(*args).holds


def _check(claim: str, check_name: str, cfg: RunConfig = QUICK) -> Callable[[], bool]:
    def passes() -> bool:
        from optproof.proofs.claims import CLAIMS
        chk = next(c for cl in CLAIMS if cl.id == claim for c in cl.checks if c.name == check_name)
        try:
            return bool(chk.fn(cfg).passed)
        except Exception:  # noqa: BLE001 -- a check that raises under a mutant has caught it
            return False
    return passes


class Mutant(NamedTuple):
    claim: str
    name: str
    target: str
    make: Callable
    killer: str
    passes: Callable[[], bool]


M, B_ = "optproof.mathcore", "optproof.mathcore.batching"
_C3_NOISE = "batch-gradient noise and within-epoch correlation, enumerated"
_C3_MOMENTS = "moment recursions and optimal step, enumerated"
MUTANTS = [
    Mutant("C1", "epoch_batch_sizes drops the short batch", f"{B_}:epoch_batch_sizes", _always_drop_last,
           "exact: all reshuffles of a 6-example epoch", _check("C1", "all reshuffles of a 6-example epoch")),
    Mutant("C1", "epoch_batch_sizes: short batch one example too large", f"{B_}:epoch_batch_sizes",
           lambda orig: lambda N, batch_size, drop_last=False: (lambda s: s[:-1] + [s[-1] + 1] if len(s) > 1 and
                                                                 s[-1] < batch_size else s)(orig(N, batch_size, drop_last)),
           "exact: all reshuffles of a 6-example epoch", _check("C1", "all reshuffles of a 6-example epoch")),
    Mutant("C8", "heavy_ball_step: momentum term with the wrong sign", f"{M}.momentum:heavy_ball_step",
           lambda orig: lambda theta, m, grad, lr, momentum: orig(theta, -m, grad, lr, momentum),
           "prove_gd_fixed_point", _proof(f"{M}.momentum", "prove_gd_fixed_point")),
    Mutant("C3", "stationary_variance_1d x1.02", f"{M}.minibatch_stationary:stationary_variance_1d", scaled(),
           "prove_stationary_variance_1d", _proof(f"{M}.minibatch_proofs", "prove_stationary_variance_1d")),
    Mutant("C4", "stationary_step_second_moment x1.02", f"{B_}:stationary_step_second_moment", scaled(),
           "prove_stationary_point_moves", _proof(f"{M}.batching_proofs", "prove_stationary_point_moves", False)),
    Mutant("C5", "batch_variance_factor without N - 1", f"{B_}:batch_variance_factor", _factor_drops_n_minus_1,
           "prove_variance", _proof(f"{M}.batching_proofs", "prove_variance", False)),
    Mutant("C5", "batch_loss_variance x1.02 (float branch only)", f"{B_}:batch_loss_variance",
           scaled(float_only=True), "prove_variance", _proof(f"{M}.batching_proofs", "prove_variance", False)),
    Mutant("C5", "batch_loss_variance x1.02 (with replacement, float only)", f"{B_}:batch_loss_variance",
           scaled(float_only=True), "prove_variance(replace)", _proof(f"{M}.batching_proofs", "prove_variance", True)),
    Mutant("C5", "unweighted_epoch_bias x1.02", f"{B_}:unweighted_epoch_bias", scaled(),
           "prove_unweighted_bias", _proof(f"{M}.batching_proofs", "prove_unweighted_bias")),
    Mutant("C5", "drop_last_deviation x1.02", f"{B_}:drop_last_deviation", scaled(),
           "prove_unweighted_bias", _proof(f"{M}.batching_proofs", "prove_unweighted_bias")),
    Mutant("C7", "bump_depth x1.02", f"{M}.inertia:bump_depth", scaled(), "prove_bump_geometry",
           _proof(f"{M}.inertia", "prove_bump_geometry")),
    Mutant("C7", "bump_critical_points x1.02", f"{M}.inertia:bump_critical_points", scaled(), "prove_bump_geometry",
           _proof(f"{M}.inertia", "prove_bump_geometry")),
    Mutant("C8", "heavy_ball_step drops the learning rate", f"{M}.momentum:heavy_ball_step", _gd_forgets_lr,
           "prove_gd_fixed_point", _proof(f"{M}.momentum", "prove_gd_fixed_point")),
    Mutant("C2", "updates_per_epoch: floor instead of ceil", f"{M}.cost:updates_per_epoch",
           lambda orig: lambda N, B, drop_last=False: N // B,
           "exact: counts enumerated", _check("C2", "updates per epoch, examples seen and the epoch-time bound, "
                                                    "enumerated")),
    Mutant("C2", "epoch_time x1.02", f"{M}.cost:epoch_time", scaled(),
           "exact: counts enumerated", _check("C2", "updates per epoch, examples seen and the epoch-time bound, "
                                                    "enumerated")),
    Mutant("C3", "saddle second_moment x1.02 (float branch only)", f"{M}.saddle:second_moment",
           scaled(float_only=True), "prove_second_moment", _proof(f"{M}.saddle", "prove_second_moment")),
    Mutant("C3", "saddle second_moment x1.02", f"{M}.saddle:second_moment", scaled(),
           "exact: saddle E y_t^2", _check("C3", "saddle: enumerated batch gradients; E y_t^2 = rational moment "
                                                 "recursion")),
    Mutant("C3", "gradient_noise_covariance x1.02", f"{M}.minibatch_noise:gradient_noise_covariance", scaled(),
           "exact: batch-gradient noise enumerated", _check("C3", _C3_NOISE)),
    Mutant("C3", "within_epoch_batch_covariance x1.02", f"{M}.minibatch_noise:within_epoch_batch_covariance",
           scaled(), "prove_within_epoch_covariance", _proof(f"{M}.minibatch_proofs", "prove_within_epoch_covariance")),
    Mutant("C3", "optimal_step x1.02", f"{M}.noise_scale:optimal_step", scaled(),
           "exact: moment recursions and optimal step", _check("C3", _C3_MOMENTS)),
    Mutant("C3", "minibatch_moments x1.02", f"{M}.minibatch_moments:minibatch_moments", scaled(),
           "exact: moment recursions and optimal step", _check("C3", _C3_MOMENTS)),
    Mutant("C3", "minibatch_stationary.stationary_covariance x1.02", f"{M}.minibatch_stationary:stationary_covariance",
           scaled(), "exact: stationary covariance = enumerated rational fixed point", _check("C3", _C3_MOMENTS)),
    Mutant("C3", "amplitude_variance x1.02", f"{M}.saddle:amplitude_variance", scaled(),
           "prove_escape_law", _proof(f"{M}.saddle", "prove_escape_law")),
    Mutant("C3", "escape_time_leading x1.02 (float branch only)", f"{M}.saddle:escape_time_leading",
           scaled(float_only=True), "prove_escape_law", _proof(f"{M}.saddle", "prove_escape_law")),
    Mutant("C4", "stationary_step_second_moment x1.02 (float branch only)",
           f"{B_}:stationary_step_second_moment", scaled(float_only=True), "prove_stationary_point_moves",
           _proof(f"{M}.batching_proofs", "prove_stationary_point_moves", False)),
    Mutant("C7", "crossing_step one step late", f"{M}.inertia:crossing_step",
           lambda orig: lambda *a, **kw: orig(*a, **kw) + 1, "exact: rational heavy ball on a slope",
           _check("C7", "rational heavy ball on a slope: closed form and crossing step")),
    Mutant("C9", "polyak_parameters x1.02 (float branch only)", f"{M}.quadratic:polyak_parameters",
           scaled(float_only=True), "prove_polyak", _proof(f"{M}.quadratic_proofs", "prove_polyak")),
    Mutant("C9", "critical_momentum x1.02 (float branch only)", f"{M}.quadratic:critical_momentum",
           scaled(float_only=True), "prove_critical_damping", _proof(f"{M}.quadratic_proofs", "prove_critical_damping")),
    Mutant("C6", "landscape temperature x1.02", f"{M}.landscape:temperature", scaled(),
           "prove_temperature", _proof(f"{M}.landscape_proofs", "prove_temperature")),
    Mutant("C6", "kramers_rate x1.02", f"{M}.landscape:kramers_rate", scaled(),
           "prove_kramers", _proof(f"{M}.landscape_proofs", "prove_kramers")),
    Mutant("C6", "laplace_ratio x1.02", f"{M}.landscape:laplace_ratio", scaled(),
           "prove_occupancy_ratio", _proof(f"{M}.landscape_proofs", "prove_occupancy_ratio")),
    Mutant("C7", "plateau_position x1.02 (float branch only)", f"{M}.inertia:plateau_position",
           scaled(float_only=True), "prove_plateau_position", _proof(f"{M}.inertia", "prove_plateau_position")),
    Mutant("C7", "terminal_velocity x1.02 (float branch only)", f"{M}.inertia:terminal_velocity",
           scaled(float_only=True), "prove_plateau_position", _proof(f"{M}.inertia", "prove_plateau_position")),
    Mutant("C9", "trajectory x1.02", f"{M}.quadratic:trajectory", scaled(),
           "prove_trajectory_closed_form", _proof(f"{M}.quadratic_proofs", "prove_trajectory_closed_form")),
    Mutant("C9", "velocity_trajectory x1.02", f"{M}.quadratic:velocity_trajectory", scaled(),
           "prove_trajectory_closed_form", _proof(f"{M}.quadratic_proofs", "prove_trajectory_closed_form")),
    Mutant("C9", "discriminant: 4 lam -> 3 lam", f"{M}.quadratic:discriminant",
           lambda orig: lambda h, lr, m: orig(h, lr, m) + (sp.sympify(m) if _symbolic_call((h, lr, m)) else m),
           "prove_critical_damping", _proof(f"{M}.quadratic_proofs", "prove_critical_damping")),
    Mutant("C9", "effective_lr x1.02 (float branch only)", f"{M}.momentum:effective_lr", scaled(float_only=True),
           "prove_constant_gradient", _proof(f"{M}.momentum", "prove_constant_gradient")),
    Mutant("C9", "effective_lr: exponent (1 - lam)^2", f"{M}.momentum:effective_lr",
           lambda orig: lambda lr, momentum: orig(lr, momentum) / (1 - momentum),
           "prove_constant_gradient", _proof(f"{M}.momentum", "prove_constant_gradient")),
    Mutant("C9", "rate: |tau| -> tau in the real-root branch", f"{M}.quadratic:rate", _rate_tau_not_abs,
           "prove_rate", _proof(f"{M}.quadratic_proofs", "prove_rate")),
    Mutant("C9", "rate: /2 -> /3 in the real-root branch", f"{M}.quadratic:rate", _rate_third,
           "prove_rate", _proof(f"{M}.quadratic_proofs", "prove_rate")),
    Mutant("C9", "rate x1.02 (float branch only)", f"{M}.quadratic:rate", scaled(float_only=True),
           "prove_rate", _proof(f"{M}.quadratic_proofs", "prove_rate")),
    Mutant("C9", "converges: boundary 2.1(1 + lam)", f"{M}.quadratic:converges", _converges_shifted,
           "prove_convergence_region", _proof(f"{M}.quadratic_proofs", "prove_convergence_region")),
    Mutant("C9", "converges: boundary 2.1(1 + lam), float branch only", f"{M}.quadratic:converges",
           lambda orig: (lambda h, lr, mom: orig(h, lr, mom) if _symbolic_call((h, lr, mom))
                         else _converges_shifted(orig)(h, lr, mom)),
           "simulation: convergence region", _check("C9", "convergence region in (eta h, lambda): simulated "
                                                           "divergence vs theory")),
    Mutant("C9", "lucas_closed_form default branch Delta >= 0", f"{M}.quadratic:lucas_closed_form", _lucas_ge,
           "prove_trajectory_closed_form", _proof(f"{M}.quadratic_proofs", "prove_trajectory_closed_form")),
    Mutant("C9", "critical_momentum exponent 3", f"{M}.quadratic:critical_momentum", _critical_cubed,
           "prove_critical_damping", _proof(f"{M}.quadratic_proofs", "prove_critical_damping")),
    Mutant("C9", "stationary_variance x1.02 (float branch only)", f"{M}.noise:stationary_variance",
           scaled(float_only=True), "prove_stationary_covariance", _proof(f"{M}.noise", "prove_stationary_covariance")),
]

#: Simulation checks that kill their mutant only at the default sample sizes (run with ``-m slow``).
SLOW_MUTANTS = [
    Mutant("C9", "stationary_variance x1.02 (float branch only)", f"{M}.noise:stationary_variance",
           scaled(float_only=True), "simulation: stationary variance against momentum (default sizes)",
           _check("C9", "stationary variance against momentum", RunConfig())),
    Mutant("C5", "batch_loss_variance x1.02 (float branch only)", f"{B_}:batch_loss_variance",
           scaled(float_only=True), "simulation: batch-loss mean and variance vs B (default sizes)",
           _check("C5", "batch-loss mean and variance vs B", RunConfig())),
]


def _ids(ms):
    return [f"{m.claim}-{m.name}-by-{m.killer}" for m in ms]


def _killed(monkeypatch, mutant: Mutant) -> None:
    assert mutant.passes(), f"{mutant.killer} must hold without the mutant"
    _plant(monkeypatch, mutant.target, mutant.make)
    assert not mutant.passes(), f"{mutant.name} survived {mutant.killer}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=_ids(MUTANTS))
def test_mutant_is_killed(monkeypatch, mutant):
    _killed(monkeypatch, mutant)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", SLOW_MUTANTS, ids=_ids(SLOW_MUTANTS))
def test_mutant_is_killed_at_default_sizes(monkeypatch, mutant):
    _killed(monkeypatch, mutant)


def test_kill_table(capsys):
    """Every claim with public closed forms has mutants; print the table (claim, mutant, killer)."""
    claims = {m.claim for m in MUTANTS}
    assert claims == {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9"}
    with capsys.disabled():
        for m in MUTANTS + SLOW_MUTANTS:
            print(f"{m.claim} | {m.name} | {m.killer}")
