"""A one-hidden-layer MLP classifier as a ``FiniteSum`` (claim C6, real data), plus its NumPy reference.

Model (float64): h = tanh(W1 x + b1), z = W2 h + b2, ℓ(θ; x, y) = logsumexp(z) − z_y (softmax
cross-entropy), L(θ) = (1/N) Σ_i ℓ(θ; x_i, y_i).  θ is the flat vector

    θ = [W1 (n_hidden × n_in, column-major, i.e. W1ᵀ row-major), b1 (n_hidden), W2 (n_out × n_hidden,
         row-major), b2 (n_out)],

dim = n_hidden·(n_in + 1) + n_out·(n_hidden + 1).  A data row is [x_0 … x_{n_in−1}, y] with the
class label y stored as a float (0.0 … n_out − 1).

- ``mlp_kernels(shape)``: per-example ``loss(θ, row)`` and ``grad(θ, row, out)`` (adds ∇ℓ to ``out``)
  as ``njit(cache=True)`` closures over the layer sizes (compile-time constants), built once per
  shape and compiled for ``FiniteSum``'s signatures, which ``problems.compiled`` uses as they are;
  a new process loads them from Numba's on-disk cache, keyed by the sizes.  W1 is stored
  column-major so the kernels' inner loops (over the hidden units) are contiguous.
- ``mlp_problem(X, y, shape)``: the ``FiniteSum`` for ``sim.simulate``.
- NumPy full-batch reference: ``loss``, ``loss_grad``, ``hvp`` (exact Hessian-vector product by
  forward-over-reverse differentiation, Pearlmutter's R-operator), ``predict``, ``accuracy``.

tanh (not ReLU) keeps L twice continuously differentiable, so the Hessian, its top eigenvalue and
finite-difference checks are well defined everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import carray, njit

from optproof.base.validation import check_array, check_int
from .mlp_math import exp_shifted_inplace, fdiv, stack_buffer, tanh_inplace
from .problems import GRAD_SIG, LOSS_SIG, FiniteSum

__all__ = ["MLPShape", "mlp_kernels", "mlp_problem", "init_params", "unpack", "loss", "loss_grad", "hvp",
           "predict", "accuracy", "data_rows"]


@dataclass(frozen=True)
class MLPShape:
    """Layer sizes n_in → n_hidden (tanh) → n_out (softmax)."""

    n_in: int
    n_hidden: int
    n_out: int

    def __post_init__(self) -> None:
        for name in ("n_in", "n_hidden", "n_out"):
            object.__setattr__(self, name, check_int(name, getattr(self, name), 1, None))
        if self.n_out < 2:
            raise ValueError(f"n_out must be an integer in [2, inf) (at least two classes); got {self.n_out}")

    @property
    def dim(self) -> int:
        return self.n_hidden * (self.n_in + 1) + self.n_out * (self.n_hidden + 1)


def unpack(shape: MLPShape, theta: np.ndarray):
    """Views (W1, b1, W2, b2) into the flat parameter vector ``theta`` (no copy)."""
    a, h, o = shape.n_in, shape.n_hidden, shape.n_out
    theta = check_array("theta", theta, shape=(shape.dim,))
    i1 = h * a
    i2 = i1 + h
    i3 = i2 + o * h
    return theta[:i1].reshape(a, h).T, theta[i1:i2], theta[i2:i3].reshape(o, h), theta[i3:]


def init_params(shape: MLPShape, rng: np.random.Generator) -> np.ndarray:
    """Glorot-uniform weights (U(±√(6/(fan_in + fan_out)))), zero biases, as a flat vector."""
    theta = np.zeros(shape.dim)
    W1, _, W2, _ = unpack(shape, theta)
    W1[:] = rng.uniform(-1, 1, W1.shape) * np.sqrt(6.0 / (shape.n_in + shape.n_hidden))
    W2[:] = rng.uniform(-1, 1, W2.shape) * np.sqrt(6.0 / (shape.n_hidden + shape.n_out))
    return theta


def data_rows(X, y, shape: MLPShape) -> np.ndarray:
    """The FiniteSum data matrix: rows [x_i, y_i] (N × (n_in + 1), C-contiguous float64)."""
    X = check_array("X", X, ndim=2, min_size=1)
    if X.shape[1] != shape.n_in:
        raise ValueError(f"X must have n_in = {shape.n_in} columns; got {X.shape[1]}")
    y = _labels(y, X.shape[0], shape.n_out)
    return np.ascontiguousarray(np.column_stack([X, y.astype(float)]))


def _labels(y, n: int, n_out: int) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,) or not np.all(np.isfinite(y)) or np.any(y != np.round(y)) or y.min() < 0 or y.max() >= n_out:
        raise ValueError(f"y must be {n} integer class labels in [0, {n_out - 1}]; got shape {y.shape}")
    return y.astype(np.int64)


@njit(inline="always")
def _forward(theta, row, hid, z, A, H, O):
    """hid ← h, z ← e^{z − max z}; returns (max z, Σ e^{z − max z}, z_y, h) with h = H at run time
    (read from θ's length, so the loops have a runtime trip count for the vectoriser).  Inlined into
    ``mlp_kernels``' closures, where A, H, O are compile-time constants."""
    I1 = H * A
    I2 = I1 + H
    I3 = I2 + O * H
    h = (theta.shape[0] - O) // (A + 1 + O)  # dim = H·(A + 1 + O) + O
    for j in range(h):
        hid[j] = theta[I1 + j]
    k = 0
    while k + 8 <= A:  # eight inputs per pass: hid[j] is loaded and stored once per eight terms
        x0, x1, x2, x3 = row[k], row[k + 1], row[k + 2], row[k + 3]
        x4, x5, x6, x7 = row[k + 4], row[k + 5], row[k + 6], row[k + 7]
        w = k * H
        for j in range(h):
            a = (((hid[j] + theta[w + j] * x0) + theta[w + H + j] * x1) + theta[w + 2 * H + j] * x2) + theta[w + 3 * H + j] * x3
            hid[j] = (((a + theta[w + 4 * H + j] * x4) + theta[w + 5 * H + j] * x5) + theta[w + 6 * H + j] * x6) + theta[w + 7 * H + j] * x7
        k += 8
    while k < A:
        xk = row[k]
        for j in range(h):
            hid[j] += theta[k * H + j] * xk
        k += 1
    tanh_inplace(hid, h)
    for c in range(O):
        z[c] = theta[I3 + c]
    for j in range(h):
        hj = hid[j]
        for c in range(O):
            z[c] += theta[I2 + c * H + j] * hj
    zmax = -np.inf
    for c in range(O):
        if z[c] > zmax:
            zmax = z[c]
    zy = z[int(row[A])]
    return zmax, exp_shifted_inplace(z, O, zmax), zy, h


@lru_cache(maxsize=None)
def mlp_kernels(shape: MLPShape):
    """Per-example (loss, grad) for ``FiniteSum``: ``loss(θ, row)`` = ℓ, ``grad(θ, row, out)``: out += ∇ℓ.

    Built once per shape (cached) and loaded from disk in a new process (see below).  Every sum runs
    in index order: a_j = (b1_j + W1_j0 x_0) + W1_j1 x_1 + …, z_c = b2_c + Σ_j W2_cj h_j,
    s_j = Σ_c W2_cj δ_c; the loops are ordered so the innermost one runs over j (contiguous in the
    W1ᵀ layout, independent accumulators), which the loop vectoriser turns into SIMD without
    reordering any sum.  tanh and the softmax's exp are ``sim.mlp_math``'s (vectorisable, ≤ 2 ulp);
    the softmax is shifted by max z (no overflow).  Work arrays live on the stack (no allocation).

    The closures capture nothing but the three layer sizes (ints; ``_forward`` is module-level), so
    Numba's on-disk cache (``cache=True``) keys each shape's compiled code by those values: a
    direct call (the C6 checks) loads it in a new process instead of compiling it (about 2 s).
    """
    A, H, O = shape.n_in, shape.n_hidden, shape.n_out

    def loss(theta, row):
        hid = carray(stack_buffer(H), H)
        z = carray(stack_buffer(O), O)
        zmax, se, zy, _ = _forward(theta, row, hid, z, A, H, O)
        return np.log(se) + zmax - zy

    def grad(theta, row, out):
        I1 = H * A
        I2 = I1 + H
        I3 = I2 + O * H
        hid = carray(stack_buffer(H), H)
        z = carray(stack_buffer(O), O)
        d = carray(stack_buffer(H), H)
        zmax, se, _, h = _forward(theta, row, hid, z, A, H, O)
        for c in range(O):  # z ← δ = dℓ/dz = softmax(z) − e_y
            z[c] = fdiv(z[c], se)
        z[int(row[A])] -= 1.0
        for j in range(h):
            d[j] = 0.0
        for c in range(O):
            dc = z[c]
            out[I3 + c] += dc
            for j in range(h):
                out[I2 + c * H + j] += dc * hid[j]
                d[j] += theta[I2 + c * H + j] * dc
        for j in range(h):  # d ← dℓ/da_j = (1 − h_j²) Σ_c W2_cj δ_c
            d[j] = d[j] * (1.0 - hid[j] * hid[j])
            out[I1 + j] += d[j]
        for k in range(A):
            xk = row[k]
            for j in range(h):
                out[k * H + j] += d[j] * xk

    # compiled for FiniteSum's signatures (loaded from Numba's disk cache after the first process),
    # which ``problems.compiled`` then uses as they are; a direct call with other argument types
    # compiles (or loads) its own overload
    loss_d, grad_d = njit(cache=True)(loss), njit(cache=True)(grad)
    loss_d.compile(LOSS_SIG)
    grad_d.compile(GRAD_SIG)
    return loss_d, grad_d


def mlp_problem(X, y, shape: MLPShape):
    """``FiniteSum`` with ℓ_i = the MLP's cross-entropy on example i (for ``sim.simulate``)."""
    loss_k, grad_k = mlp_kernels(shape)
    return FiniteSum(loss_k, grad_k, data_rows(X, y, shape), shape.dim)


# ---------------------------------------------------------------------------------------------
# NumPy full-batch reference


def _forward_np(shape, theta, X):
    W1, b1, W2, b2 = unpack(shape, theta)
    Hd = np.tanh(X @ W1.T + b1)
    Z = Hd @ W2.T + b2
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    S = E.sum(axis=1, keepdims=True)
    return Hd, Z, E / S, np.log(S[:, 0])


def loss(shape: MLPShape, theta, X, y) -> float:
    """L(θ) = (1/N) Σ_i [logsumexp(z_i) − z_{i,y_i}]."""
    y = _labels(y, X.shape[0], shape.n_out)
    _, Z, _, lse = _forward_np(shape, theta, X)
    return float(np.mean(lse - Z[np.arange(len(y)), y]))


def loss_grad(shape: MLPShape, theta, X, y) -> tuple[float, np.ndarray]:
    """(L(θ), ∇L(θ)) over the rows of X (backpropagation, vectorised)."""
    y = _labels(y, X.shape[0], shape.n_out)
    n = len(y)
    W1, b1, W2, b2 = unpack(shape, theta)
    Hd, Z, P, lse = _forward_np(shape, theta, X)
    L = float(np.mean(lse - Z[np.arange(n), y]))
    D2 = P.copy()
    D2[np.arange(n), y] -= 1.0
    D2 /= n
    D1 = (D2 @ W2) * (1.0 - Hd * Hd)
    g = np.concatenate([(X.T @ D1).ravel(), D1.sum(0), (D2.T @ Hd).ravel(), D2.sum(0)])  # W1ᵀ layout
    return L, g


def hvp(shape: MLPShape, theta, v, X, y) -> np.ndarray:
    """Exact ∇²L(θ)·v by the R-operator (directional derivative of the backward pass along v)."""
    y = _labels(y, X.shape[0], shape.n_out)
    n = len(y)
    W1, b1, W2, b2 = unpack(shape, theta)
    V1, c1, V2, c2 = unpack(shape, np.asarray(v, dtype=float))
    Hd, _, P, _ = _forward_np(shape, theta, X)
    T = 1.0 - Hd * Hd  # tanh'
    RA = X @ V1.T + c1  # R{a}
    RH = T * RA  # R{h}
    RZ = RH @ W2.T + Hd @ V2.T + c2  # R{z}
    RP = P * (RZ - np.sum(P * RZ, axis=1, keepdims=True))  # R{softmax}
    D2 = P.copy()
    D2[np.arange(n), y] -= 1.0
    D2 /= n
    RD2 = RP / n
    G = D2 @ W2  # dL/dh
    RG = RD2 @ W2 + D2 @ V2
    RD1 = RG * T + G * (-2.0 * Hd * RH)
    return np.concatenate([(X.T @ RD1).ravel(), RD1.sum(0), (RD2.T @ Hd + D2.T @ RH).ravel(), RD2.sum(0)])


def predict(shape: MLPShape, theta, X) -> np.ndarray:
    """Predicted class (argmax of the logits) of each row of X."""
    _, Z, _, _ = _forward_np(shape, theta, X)
    return np.argmax(Z, axis=1)


def accuracy(shape: MLPShape, theta, X, y) -> float:
    """Fraction of rows of X classified correctly."""
    y = _labels(y, X.shape[0], shape.n_out)
    return float(np.mean(predict(shape, theta, X) == y))
