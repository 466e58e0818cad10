"""Bad input gets a clear error, up front (issue 9 item 5): one table across the API and the CLI.

Each row is a bad input, the exception type it must raise and a fragment of the message (which
names the parameter or the protocol).  CLI rows must exit 2 and print the fragment on stderr,
with ``optproof: error:`` for every usage error the program itself detects (argparse's own errors
-- an invalid choice or number -- keep argparse's ``optproof <command>: error:`` prefix).  Every
row fails before any real work: the whole table runs in a few seconds.
"""
from __future__ import annotations

import importlib.util
import re
from functools import partial

import numpy as np
import pytest
import sympy as sp

import optproof.sim as sim
from optproof.mathcore import noise as nz
from optproof.mathcore import quadratic as qd
from optproof.proofs import adapters, strategies
from optproof.proofs.cli import main
from optproof.proofs.conformance import Reference, assert_conforms, check, identify
from optproof.proofs.faulty import TorchLikeSGD
from optproof.sim import budget

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((16, 3))
Y = X @ np.ones(3)
LSQ = sim.LeastSquares(X, Y)
OPT = sim.HeavyBall(0.01, 0.9)
SMP = sim.Sampler("reshuffle", 4)
QUAD = sim.Quadratic(np.eye(2))
REF = Reference.pytorch(0.9)


def run(**kw):
    """``simulate`` on the small least-squares problem, with ``kw`` overriding the defaults."""
    args = dict(problem=LSQ, optimizer=OPT, sampler=SMP, n_traj=2, n_epochs=1)
    args.update(kw)
    return sim.simulate(args.pop("problem"), args.pop("optimizer"), args.pop("sampler"), **args)


def _raising_factory(params):
    raise RuntimeError("cannot build")


def _torch(name):
    import torch

    return getattr(torch.optim, name)


API = [
    # --- sim: optimizers, samplers, problems
    ("hb-lr-negative", lambda: sim.HeavyBall(-1.0), ValueError, "lr must be a finite real number in (0.0, inf)"),
    ("hb-lr-zero", lambda: sim.HeavyBall(0.0), ValueError, "lr must be"),
    ("hb-lr-nan", lambda: sim.HeavyBall(float("nan")), ValueError, "lr must be"),
    ("hb-lr-string", lambda: sim.HeavyBall("0.1"), ValueError, "lr must be"),
    ("hb-momentum-above-1", lambda: sim.HeavyBall(0.1, 1.5), ValueError, "momentum must be a finite real number in [0.0, 1.0]"),
    ("hb-momentum-negative", lambda: sim.HeavyBall(0.1, -0.1), ValueError, "momentum must be"),
    ("sgd-lr-inf", lambda: sim.SGD(float("inf")), ValueError, "lr must be"),
    ("sampler-kind", lambda: sim.Sampler("shuffle", 4), ValueError, "must be one of 'reshuffle'"),
    ("sampler-batch-zero", lambda: sim.Sampler("reshuffle", 0), ValueError, "batch_size"),
    ("sampler-batch-float", lambda: sim.Sampler("reshuffle", 2.5), ValueError, "batch_size"),
    ("lsq-complex-X", lambda: sim.LeastSquares(X + 1j, Y), ValueError, "X must be an array of real floating-point or integer numbers; got dtype complex128"),
    ("lsq-string-X", lambda: sim.LeastSquares(X.astype(str), Y), ValueError, "X must be an array of real floating-point"),
    ("lsq-object-X", lambda: sim.LeastSquares(np.array([[object()]]), [1.0]), ValueError, "object array holding object"),
    ("lsq-bool-X", lambda: sim.LeastSquares(X > 0, Y), ValueError, "got dtype bool"),
    ("lsq-complex-y", lambda: sim.LeastSquares(X, Y + 0j), ValueError, "y must be an array of real floating-point"),
    ("lsq-y-shape", lambda: sim.LeastSquares(X, Y[:-1]), ValueError, "y must have shape"),
    ("lsq-nan", lambda: sim.LeastSquares(np.full((4, 2), np.nan), np.ones(4)), ValueError, "finite"),
    ("lsq-1d-X", lambda: sim.LeastSquares(Y, Y), ValueError, "X must have ndim"),
    ("quad-not-square", lambda: sim.Quadratic(np.ones((2, 3))), ValueError, "shape"),
    ("quad-complex", lambda: sim.Quadratic(np.eye(2) * 1j), ValueError, "real floating-point"),
    ("quad-noise-negative", lambda: sim.Quadratic(np.eye(2), noise_std=-1.0), ValueError, "noise_std"),
    # --- mathcore.quadratic.rate: the proven domain h >= 0, lr > 0, momentum in MOMENTUM_RANGE = [0, 1]
    ("rate-momentum-above-1", lambda: qd.rate(1.0, 0.1, 1.5), ValueError,
     "momentum must be a finite real number in [0.0, 1.0]; got 1.5"),
    ("rate-momentum-negative", lambda: qd.rate(1.0, 0.1, -0.5), ValueError,
     "momentum must be a finite real number in [0.0, 1.0]; got -0.5"),
    ("rate-momentum-rational-negative", lambda: qd.rate(1, sp.Rational(1, 10), sp.Rational(-1, 2)), ValueError,
     "momentum must be a finite real number in [0.0, 1.0]"),
    ("rate-h-negative", lambda: qd.rate(-1.0, 0.1, 0.5), ValueError, "h must be a finite real number in [0.0, inf)"),
    ("rate-h-array-negative", lambda: qd.rate(np.array([1.0, -2.0]), 0.1, 0.5), ValueError,
     "h must contain only values in [0.0, inf)"),
    ("rate-lr-zero", lambda: qd.rate(1.0, 0.0, 0.5), ValueError, "lr must be a finite real number in (0.0, inf)"),
    # --- mathcore.noise: stationary moments need momentum in [0, 1) (MOMENTUM_RANGE, open at 1)
    ("noise-stationary-momentum-negative", lambda: nz.stationary_variance(1.0, 0.1, -0.5, 1.0), ValueError,
     "momentum must be a finite real number in [0.0, 1.0); got -0.5"),
    ("noise-stationary-momentum-one", lambda: nz.stationary_covariance(1.0, 0.1, 1.0, 1.0), ValueError,
     "momentum must be a finite real number in [0.0, 1.0); got 1.0"),
    ("noise-temperature-momentum-negative", lambda: nz.temperature(0.1, -0.1, 1.0), ValueError,
     "momentum must be a finite real number in [0.0, 1.0)"),
    ("noise-moments-momentum-above-1", lambda: nz.moments(1.0, 0.1, 1.5, 1.0, 0.0, 0.0, 3), ValueError,
     "momentum must be a finite real number in [0.0, 1.0]; got 1.5"),
    # --- sim: simulate
    ("sim-n_traj-zero", lambda: run(n_traj=0), ValueError, "n_traj must be an integer in [1,"),
    ("sim-n_traj-float", lambda: run(n_traj=2.5), ValueError, "n_traj must be an integer"),
    ("sim-epochs-and-steps", lambda: run(n_steps=3), ValueError, "exactly one of n_epochs and n_steps"),
    ("sim-neither", lambda: run(n_epochs=None), ValueError, "exactly one of n_epochs and n_steps"),
    ("sim-record-unknown", lambda: run(record=("loss",)), ValueError, "record must be a sequence of distinct names"),
    ("sim-record-string", lambda: run(record="theta"), ValueError, "record must be a sequence"),
    ("sim-record-int", lambda: run(record=5), ValueError, "record must be a sequence"),
    ("sim-record-duplicate", lambda: run(record=("theta", "theta")), ValueError, "distinct"),
    ("sim-every-word", lambda: run(every="month"), ValueError, "every must be one of"),
    ("sim-every-zero", lambda: run(every=0), ValueError, "every must be an integer"),
    ("sim-every-beyond-T", lambda: run(every=99), ValueError, "every must be"),
    ("sim-seed-negative", lambda: run(seed=-1), ValueError, "seed must be an integer"),
    ("sim-chunk-zero", lambda: run(chunk=0), ValueError, "chunk must be an integer"),
    ("sim-threshold-zero", lambda: run(diverge_threshold=0.0), ValueError, "diverge_threshold must be"),
    ("sim-loss-threshold", lambda: run(loss_threshold=-1.0), ValueError, "loss_threshold must be"),
    ("sim-cov-string", lambda: run(cov="yes"), ValueError, "cov must be one of"),
    ("sim-stats-only-int", lambda: run(stats_only=2), ValueError, "stats_only must be one of"),
    ("sim-progress-string", lambda: run(progress="yes"), ValueError, "progress must be one of"),
    ("sim-joint-cov", lambda: run(joint_cov=True, record=("theta",)), ValueError, "joint_cov=True needs"),
    ("sim-theta0-shape", lambda: run(theta0=np.zeros(5)), ValueError, "theta0 must have shape"),
    ("sim-theta0-complex", lambda: run(theta0=np.zeros(3) + 1j), ValueError, "theta0 must be an array of real"),
    ("sim-m0-string", lambda: run(m0=["a", "b", "c"]), ValueError, "m0 must be an array of real"),
    ("sim-problem", lambda: run(problem="lsq"), ValueError, "problem must be one of"),
    ("sim-optimizer", lambda: run(optimizer=0.1), ValueError, "optimizer must be a HeavyBall"),
    ("sim-sampler-with-quadratic", lambda: run(problem=QUAD), ValueError, "sampler must be None for a Quadratic"),
    ("sim-no-sampler", lambda: run(sampler=None), ValueError, "sampler must be a Sampler"),
    ("sim-batch-larger-than-N", lambda: run(sampler=sim.Sampler("reshuffle", 17)), ValueError, "batch_size"),
    ("sim-memory", lambda: run(n_traj=10**9, record=("theta",), every="step"), budget.InsufficientMemory,
     "pass stats_only=True"),
    ("sim-diverged-fraction", lambda: run().diverged_fraction(0), ValueError, "step must be an integer"),
    ("hb-stream-1d", lambda: sim.heavy_ball_stream(np.ones(3), 0.1), ValueError, "grads must have ndim"),
    # --- conformance checker: not usable (TypeError / ValueError naming the protocol) vs bad options
    ("check-ref-string", lambda: check(TorchLikeSGD, "pytorch"), TypeError, "ref must be a proofs.conformance.Reference"),
    ("check-factory-none", lambda: check(None, REF), TypeError, "factory must be callable (factory(params"),
    ("check-factory-returns-none", lambda: check(lambda params: None, REF), TypeError,
     "returned NoneType, not a step function (protocol: factory(params"),
    ("check-factory-raises", lambda: check(_raising_factory, REF), ValueError,
     "factory is not usable: factory([np.zeros(3)]) raised RuntimeError: cannot build"),
    ("check-max-examples", lambda: check(TorchLikeSGD, REF, max_examples=0), ValueError, "max_examples must be"),
    ("check-seed", lambda: check(TorchLikeSGD, REF, seed=-1), ValueError, "seed must be"),
    ("check-max-steps", lambda: check(TorchLikeSGD, REF, max_steps=5000), ValueError, "max_steps must be"),
    ("check-dtype", lambda: check(TorchLikeSGD, REF, dtype="float16"), ValueError, "dtype must be one of"),
    ("assert-conforms-none", lambda: assert_conforms(lambda params: 3, REF), TypeError, "returned int"),
    ("identify-returns-none", lambda: identify(lambda params: None), TypeError, "not a step function"),
    ("identify-max-examples", lambda: identify(TorchLikeSGD, max_examples=0), ValueError, "max_examples must be"),
    ("identify-step-raises", lambda: identify(lambda params: (lambda grads, lr: 1 / 0)), ValueError,
     "identify's probes"),
    ("check-scribble", lambda: check(TorchLikeSGD, REF, scribble="yes"), ValueError, "scribble must be one of"),
    ("check-allow-missing", lambda: check(TorchLikeSGD, REF, allow_missing=None), ValueError, "allow_missing must be"),
    # --- Hypothesis strategies: validated when built, not at the first draw
    ("strategy-dtype", lambda: strategies.scenarios(dtype="int8"), ValueError, "dtype must be a floating-point dtype"),
    ("strategy-max-steps", lambda: strategies.scenarios(max_steps=0), ValueError, "max_steps must be an integer"),
    ("strategy-max-params", lambda: strategies.parameter_lists(max_params=0), ValueError, "max_params must be"),
    ("strategy-shape", lambda: strategies.arrays((-1,)), ValueError, "shape must be a tuple of non-negative integers"),
    ("strategy-lr-steps", lambda: strategies.lr_schedules(0), ValueError, "n_steps must be"),
    ("strategy-grad-steps", lambda: strategies.gradient_streams([(3,)], 0), ValueError, "n_steps must be"),
    ("strategy-allow-missing", lambda: strategies.scenarios(allow_missing="no"), ValueError, "allow_missing must be"),
    ("ref-momentum", lambda: Reference.pytorch(momentum=1.5), ValueError, "momentum must be a finite real number in [0.0, 1.0]"),
    ("ref-missing", lambda: Reference.pytorch(0.9, missing="ignore"), ValueError, "missing must be one of"),
    ("ref-nesterov-no-momentum", lambda: Reference.pytorch(0.0, nesterov=True), ValueError, "nesterov must be False"),
    ("ref-keras-decay", lambda: Reference.keras(0.9, weight_decay=-1.0), ValueError, "weight_decay must be"),
    ("ref-ema-beta", lambda: Reference.ema(2.0), ValueError, "momentum must be"),
    ("ref-dampening", lambda: Reference.pytorch(0.9, dampening=2.0), ValueError, "dampening must be"),
    # --- adapters (torch)
    pytest.param("torch-adam-momentum", lambda: adapters.torch(_torch("Adam"), momentum=0.9), ValueError,
                 "torch.optim.adam.Adam does not accept momentum; its options are: betas", marks=needs_torch),
    pytest.param("torch-foreach-fused", lambda: adapters.torch(_torch("SGD"), foreach=True, fused=True), ValueError,
                 "foreach and fused exclude each other", marks=needs_torch),
    pytest.param("torch-lr", lambda: adapters.torch(_torch("SGD"), lr=0.1), ValueError, "lr must not be given",
                 marks=needs_torch),
    pytest.param("torch-not-an-optimizer", lambda: adapters.torch(print), TypeError,
                 "optim_cls must be a torch.optim.Optimizer subclass", marks=needs_torch),
    pytest.param("torch-dtype", lambda: adapters.torch(_torch("SGD"), dtype="float16"), ValueError,
                 "dtype must be one of", marks=needs_torch),
]

CLI = [
    # (id, argv, fragment on stderr, True if the message must start with "optproof: error:")
    ("check-unknown-option", ["check", "torch.optim.Adam", "--momentum", "0.9"], "does not accept momentum", True),
    ("check-foreach-fused", ["check", "torch.optim.SGD", "--momentum", "0.9", "--foreach", "--fused"],
     "--foreach and --fused exclude each other", True),
    ("check-not-a-factory", ["check", "math.pi"], "must be a torch.optim.Optimizer class, an optax builder or a plain-protocol factory", True),
    ("check-factory-returns-none", ["check", "builtins.print"], "returned NoneType, not a step function", True),
    ("check-factory-raises", ["check", "numpy.zeros"], "factory is not usable", True),
    ("check-no-module", ["check", "no_such_module.Thing"], "cannot import module 'no_such_module'", True),
    ("check-no-attribute", ["check", "optproof.proofs.faulty.NoSuchSGD"], "has no attribute 'NoSuchSGD'", True),
    ("check-not-dotted", ["check", "SGD"], "target must be a dotted path", True),
    ("check-momentum-above-1", ["check", "optproof.proofs.faulty.TorchLikeSGD", "--momentum", "1.5"],
     "--momentum must be a finite real number in [0.0, 1.0]", True),
    ("check-momentum-negative", ["check", "optproof.proofs.faulty.TorchLikeSGD", "--momentum", "-1"], "--momentum must be", True),
    ("check-max-examples", ["check", "optproof.proofs.faulty.TorchLikeSGD", "--max-examples", "0"], "--max-examples must be", True),
    ("check-seed", ["check", "optproof.proofs.faulty.TorchLikeSGD", "--seed", "-3"], "--seed must be", True),
    ("check-torch-flag-on-plain", ["check", "optproof.proofs.faulty.TorchLikeSGD", "--fused"],
     "--fused applies only to torch.optim classes", True),
    ("check-roundtrip-on-plain", ["check", "optproof.proofs.faulty.TorchLikeSGD", "--roundtrip"], "--roundtrip applies only", True),
    ("check-option-plain", ["check", "optproof.proofs.faulty.KerasLikeSGD", "--dampening", "0.5"],
     "KerasLikeSGD does not accept dampening", True),
    ("check-nesterov-no-momentum", ["check", "optproof.proofs.faulty.TorchLikeSGD", "--nesterov"], "nesterov must be False", True),
    ("check-dtype-choice", ["check", "torch.optim.SGD", "--dtype", "float16"], "invalid choice: 'float16'", False),
    ("check-reference-choice", ["check", "torch.optim.SGD", "--reference", "sgd"], "invalid choice: 'sgd'", False),
    ("check-momentum-not-a-number", ["check", "torch.optim.SGD", "--momentum", "abc"], "invalid float value: 'abc'", False),
    ("check-no-target", ["check"], "the following arguments are required: target", False),
    ("identify-unknown-option", ["identify", "torch.optim.Adam", "--momentum", "0.9"], "does not accept momentum", True),
    ("identify-returns-none", ["identify", "builtins.print"], "not a step function", True),
    ("identify-max-examples", ["identify", "optproof.proofs.faulty.TorchLikeSGD", "--max-examples", "0"],
     "--max-examples must be", True),
    ("report-unknown-claim", ["report", "--claims", "C99", "--no-progress"], "--claims must name claims among", True),
    ("report-out-is-a-file", ["report", "--out", "<file>", "--no-progress"], "--out must name a directory", True),
    ("report-out-under-a-file", ["report", "--out", "<file>/sub", "--no-progress"], "cannot be created", True),
    ("report-quick-and-full", ["report", "--quick", "--full"], "--quick and --full exclude each other", True),
    ("report-seed", ["report", "--seed", "-1", "--claims", "C8", "--out", "<dir>/r", "--no-progress"], "--seed must be", True),
    ("prove-unknown-claim", ["prove", "--claims", "C99"], "--claims must name claims among", True),
    ("prove-seed", ["prove", "--seed", "-2", "--claims", "C8"], "--seed must be", True),
    ("list-unknown-claim", ["list", "--claims", "C0"], "--claims must name claims among", True),
    ("no-command", [], "required", False),
    ("unknown-command", ["verify"], "invalid choice: 'verify'", False),
]


def _id(row):
    return row.values[0] if hasattr(row, "values") else row[0]


@pytest.mark.parametrize("name, thunk, exc, fragment", [r if hasattr(r, "values") else pytest.param(*r) for r in API],
                         ids=[_id(r) for r in API])
def test_api_bad_input(name, thunk, exc, fragment):
    with pytest.raises(exc, match=re.escape(fragment)):
        thunk()


@pytest.mark.parametrize("name, argv, fragment, ours", CLI, ids=[r[0] for r in CLI])
def test_cli_bad_input(name, argv, fragment, ours, tmp_path, capsys):
    if "torch.optim" in " ".join(argv) and not HAS_TORCH:
        pytest.skip("torch is not installed")
    afile = tmp_path / "afile"
    afile.write_text("not a directory")
    argv = [a.replace("<file>", str(afile)).replace("<dir>", str(tmp_path)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert fragment in err
    if ours:
        assert err.startswith("optproof: error: "), err
    assert not (tmp_path / "r").exists(), "a refused report must not start writing"


def test_the_table_holds_at_least_sixty_bad_inputs():
    assert len(API) + len(CLI) >= 60


def test_momentum_one_is_allowed_everywhere(capsys):
    """One rule (``optproof.base.validation.MOMENTUM_RANGE`` = [0, 1]) for sim, Reference and the CLI:
    λ = 1 is a proven branch of the closed forms (m_t = m_0 − η Σ g_k)."""
    from optproof.base.validation import MOMENTUM_RANGE

    assert MOMENTUM_RANGE == (0.0, 1.0)
    res = run(optimizer=sim.HeavyBall(0.01, 1.0), record=("velocity",), every="step")
    assert res.n_diverged == 0
    assert check(partial(TorchLikeSGD, momentum=1.0), Reference.pytorch(1.0), max_examples=5).ok
    assert Reference.keras(1.0).convention.momentum == Reference.ema(1.0).convention.momentum == 1.0
    assert main(["check", "optproof.proofs.faulty.TorchLikeSGD", "--momentum", "1", "--max-examples", "5"]) == 0
    assert "PASS" in capsys.readouterr().out
