"""Real data for the experiments: scikit-learn's digits, with a fixed stratified train/test split.

``load_digits_split()`` returns the 1797 8×8 handwritten digits of ``sklearn.datasets.load_digits``
(the data ship inside the scikit-learn package: nothing is downloaded), split per class with a
NumPy ``default_rng(seed)`` permutation (round(test_fraction·n_c) test examples of each class c),
and standardised with the training set's per-pixel mean and standard deviation (pixels that are
constant on the training set are only centred).  The split does not depend on scikit-learn's
version: only the raw data come from it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optproof.base.validation import check_int, check_real

__all__ = ["Split", "load_digits_split"]


@dataclass(frozen=True)
class Split:
    """A classification data set split into training and test parts (features already scaled)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    description: str

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])


def load_digits_split(test_fraction: float = 0.25, seed: int = 0, n_train: int | None = None) -> Split:
    """Digits (64 features, 10 classes), stratified split, standardised on the training part.

    ``n_train`` (optional) keeps a stratified subset of that many training examples (for small
    tests); the test part is unchanged.
    """
    check_real("test_fraction", test_fraction, 0.0, 1.0, lo_open=True, hi_open=True)
    check_int("seed", seed, 0, None)
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("the real-data experiment needs scikit-learn (pip install scikit-learn)") from exc
    data = load_digits()
    X, y = np.asarray(data.data, dtype=float), np.asarray(data.target, dtype=np.int64)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(test_fraction * idx.size))
        test.append(idx[:k])
        train.append(idx[k:])
    tr, te = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    if n_train is not None:
        check_int("n_train", n_train, 10, tr.size)
        tr = np.sort(_stratified_subset(y, tr, n_train, rng))
    mu = X[tr].mean(0)
    sd = X[tr].std(0)
    sd[sd == 0.0] = 1.0
    Xs = (X - mu) / sd
    desc = (f"scikit-learn digits: {X.shape[0]} images 8x8, 10 classes; stratified split seed {seed}: "
            f"{tr.size} train / {te.size} test; features standardised with training mean/std")
    return Split(np.ascontiguousarray(Xs[tr]), y[tr], np.ascontiguousarray(Xs[te]), y[te], 10, desc)


def _stratified_subset(y, idx, n, rng):
    """n of the indices ``idx``, each class represented in proportion (largest remainders)."""
    classes, counts = np.unique(y[idx], return_counts=True)
    quota = counts * n / idx.size
    take = np.floor(quota).astype(int)
    take[np.argsort(-(quota - take), kind="stable")[: n - take.sum()]] += 1
    return np.concatenate([rng.permutation(idx[y[idx] == c])[:k] for c, k in zip(classes, take)])
