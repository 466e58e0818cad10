"""Bitwise reproducibility (records, mean/var, streamed covariances) across thread counts
(subprocesses) and chunk sizes; no SymPy import."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import optproof.sim as sim

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys, numpy as np, numba
import optproof.sim as sim
rng = np.random.default_rng(0)
X = rng.standard_normal((50, 4)); y = rng.standard_normal(50)
r = sim.simulate(sim.LeastSquares(X, y), sim.HeavyBall(0.05, 0.9), sim.Sampler("reshuffle", 8),
                 n_traj=37, n_epochs=3, seed=11, record=sim.RECORDABLES, every="step", chunk=int(sys.argv[1]))
q = sim.simulate(sim.Quadratic(np.eye(3), noise_std=0.3), sim.HeavyBall(0.1, 0.5), n_traj=37, n_steps=9,
                 record=("theta",), stats_only=True, chunk=5)
c = sim.simulate(sim.Quadratic(np.diag([1.0, 0.5]), noise_cov=[[1.0, 0.3], [0.3, 0.2]]), sim.HeavyBall(0.1, 0.5),
                 n_traj=37, n_steps=9, record=("theta", "velocity", "grad"), stats_only=True, cov=True,
                 joint_cov=True, every="step", chunk=int(sys.argv[1]))
assert numba.get_num_threads() == int(sys.argv[2])
out = [r.records[k] for k in sim.RECORDABLES] + [r.mean["full_loss"], r.var["theta"], q.mean["theta"], q.var["theta"]]
out += [c.cov[k] for k in sorted(c.cov)]
sys.stdout.write(b"".join(np.ascontiguousarray(a).tobytes() for a in out).hex())
"""


def _run(threads: int, chunk: int) -> str:
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(chunk), str(threads)], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_bitwise_identical_across_thread_counts_and_chunks():
    outs = {_run(1, 37), _run(2, 37), _run(2, 4)}
    assert len(outs) == 1 and len(next(iter(outs))) > 1000


def test_stats_only_is_bitwise_identical_across_chunk_sizes():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 3))
    prob, opt, smp = sim.LeastSquares(X, rng.standard_normal(40)), sim.HeavyBall(0.05, 0.9), sim.Sampler("replacement", 6)
    res = [sim.simulate(prob, opt, smp, n_traj=53, n_epochs=4, record=sim.RECORDABLES, stats_only=True, chunk=c)
           for c in (1, 7, 53, 1000)]
    full = sim.simulate(prob, opt, smp, n_traj=53, n_epochs=4, record=sim.RECORDABLES)
    assert res[0].records == {}
    for r in res[1:] + [full]:
        for k in sim.RECORDABLES:
            assert r.mean[k].tobytes() == res[0].mean[k].tobytes()
            assert r.var[k].tobytes() == res[0].var[k].tobytes()
            assert (r.count[k] == 53).all()
    np.testing.assert_allclose(full.mean["full_loss"], full.records["full_loss"].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(full.var["theta"], full.records["theta"].var(axis=0, ddof=1), rtol=1e-10)


def test_import_sim_does_not_import_sympy():
    code = "import sys, optproof.sim as sim; sim.warmup(); sys.exit('sympy' in sys.modules)"
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT, check=True)


def test_cache_refresh_drops_only_sim_entries_when_sources_change(tmp_path):
    from optproof.sim import _cache

    for name in ("kernels.trajectory-1.py311.nbi", "rng.mix64-2.py311.1.nbc", "other.f-3.py311.nbi"):
        (tmp_path / name).write_text("x")
    assert _cache.refresh(tmp_path)  # no stamp yet: sim entries dropped, stamp written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.f-3.py311.nbi", _cache.STAMP]
    (tmp_path / "kernels.trajectory-1.py311.nbi").write_text("x")
    assert not _cache.refresh(tmp_path)  # sources unchanged: entries kept
    (tmp_path / _cache.STAMP).write_text("digest of older sources")
    assert _cache.refresh(tmp_path) and not (tmp_path / "kernels.trajectory-1.py311.nbi").exists()
