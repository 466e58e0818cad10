"""``optproof compare``: one command from a user's data file to an HTML/JSON comparison (issue 12)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from optproof.proofs.cli import UsageExit, main


@pytest.fixture(scope="module")
def user_npz(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    path = tmp_path_factory.mktemp("data") / "user.npz"
    np.savez(path, X=X, y=X @ np.array([1.0, 2.0, -1.0, 0.5]) + rng.normal(size=200))
    return path


def _run(*argv):
    return main(["compare", *map(str, argv)])


def test_npz_to_html_and_json(user_npz, tmp_path, capsys):
    out = tmp_path / "out"
    rc = _run("--data", user_npz, "--lr", 0.05, "--momentum", 0.9, "--steps", 60, "--batch-size", 8,
              "--sampler", "fresh", "--traj", 4000, "--out", out)
    assert rc == 0 and "compare: pass" in capsys.readouterr().out
    doc = json.loads((out / "results.json").read_text())
    assert doc["status"] == "pass" and all(r["se"] > 0 for r in doc["rows"])
    assert (out / "index.html").is_file() and (out / "figures" / "mean.png").is_file()


def test_pytorch_options_and_csv(user_npz, tmp_path):
    z = np.load(user_npz)
    csv = tmp_path / "d.csv"
    np.savetxt(csv, np.column_stack([z["X"], z["y"]]), delimiter=",", header="x0,x1,x2,x3,y", comments="")
    rc = _run("--data", csv, "--lr", 0.05, "--momentum", 0.9, "--nesterov", "--weight-decay", 0.01,
              "--schedule", "cosine", "--steps", 40, "--traj", 4000, "--out", tmp_path / "o")
    doc = json.loads((tmp_path / "o" / "results.json").read_text())
    assert rc == 0 and "PyTorchSGD" in doc["settings"]["optimizer"]


def test_quadratic_from_hessian_and_noise_cov(tmp_path):
    np.save(tmp_path / "H.npy", np.diag([1.0, 2.0]))
    np.savetxt(tmp_path / "C.csv", 0.1 * np.eye(2), delimiter=",")
    np.save(tmp_path / "b.npy", np.ones(2))
    rc = _run("--hessian", tmp_path / "H.npy", "--noise-cov", tmp_path / "C.csv", "--b", tmp_path / "b.npy",
              "--lr", 0.1, "--momentum", 0.5, "--steps", 30, "--traj", 4000, "--out", tmp_path / "o")
    assert rc == 0


def _bad_files(tmp):
    (tmp / "nan.csv").write_text("x,y\n1,nan\n2,3\n")
    (tmp / "one.csv").write_text("1\n2\n")
    np.savez(tmp / "nokey.npz", A=np.ones((3, 2)))
    np.savez(tmp / "shape.npz", X=np.ones((3, 2)), y=np.ones(4))
    np.savez(tmp / "text.npz", X=np.array([["a", "b"]] * 3), y=np.ones(3))
    (tmp / "data.json").write_text("{}")
    return {"nan.csv": "must be finite", "one.csv": "at least 2 columns", "nokey.npz": "missing",
            "shape.npz": "X must be n×d", "text.npz": "must be a real 2-D array", "data.json": "must be a .npz",
            "absent.npz": "does not exist"}


def test_bad_data_exits_2_with_a_clear_error(tmp_path, capsys):
    for name, message in _bad_files(tmp_path).items():
        with pytest.raises(UsageExit) as exc:
            _run("--data", tmp_path / name, "--lr", 0.1, "--out", tmp_path / "o")
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("optproof: error: ") and message in err, (name, err)


def test_bad_optimizer_argument_exits_2(user_npz, tmp_path, capsys):
    with pytest.raises(UsageExit):
        _run("--data", user_npz, "--lr", 0.1, "--nesterov", "--out", tmp_path / "o")  # nesterov needs momentum
    assert "nesterov" in capsys.readouterr().err
