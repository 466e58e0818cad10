"""Adapters from real optimizer libraries to the plain protocol of the conformance checker.

``factory(params: list[np.ndarray]) -> step`` and ``step(grads, lr) -> list[np.ndarray]``; the
lr is injected at every step.  torch / optax are imported inside the functions only, so this
module costs nothing without them.  Each factory carries ``.name`` and ``.dtype`` (the dtype the
checker should use); each step exposes ``has_state(i)`` and ``state()``.
"""
from __future__ import annotations

import copy
import inspect
import os
import sys
from functools import partial
from typing import Any

import numpy as np

from optproof.base.validation import check_choice
from optproof.proofs.conformance.tolerance import DTYPES as _DTYPES  # float32 and float64

__all__ = ["torch", "optax", "keras", "import_keras", "as_factory", "check_options", "torch_loader", "torch_accumulation"]


def _describe(obj: Any, hyper: dict) -> str:
    head = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}".lstrip(".")
    return f"{head}({', '.join(f'{k}={v!r}' for k, v in hyper.items())})"


def check_options(target: Any, options: dict, what: str, injected: tuple[str, ...] = ("params", "lr")) -> None:
    """Raise ``ValueError`` unless the callable ``target`` accepts every keyword in ``options``.

    Read from ``inspect.signature(target)`` (a class: its constructor), before anything is built:
    ``torch.optim.Adam`` with ``momentum=0.9`` is refused up front, naming the options it has
    (but ``injected``, which the checker supplies itself).
    """
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    params = sig.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    named = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
             and n not in injected]
    unknown = [k for k in options if k not in named]
    if unknown:
        raise ValueError(f"{what} does not accept {', '.join(unknown)}; its options are: {', '.join(named)}")


def _is_torch_optimizer_class(obj: Any) -> bool:
    """True for a ``torch.optim.Optimizer`` subclass (torch is not imported to find out)."""
    torch_mod = sys.modules.get("torch")
    return torch_mod is not None and isinstance(obj, type) and issubclass(obj, torch_mod.optim.Optimizer)


def as_factory(obj: Any, ref=None):
    """``obj`` as a plain-protocol factory: a ``torch.optim.Optimizer`` class is wrapped by ``torch``
    with the hyperparameters of ``ref`` (a ``Reference``; its non-default momentum, dampening,
    nesterov, weight_decay, maximize); anything else is returned as it is."""
    if not _is_torch_optimizer_class(obj):
        return obj
    hyper = {}
    if ref is not None:
        c = ref.convention
        hyper = {k: getattr(c, k) for k in ("momentum", "dampening", "nesterov", "weight_decay", "maximize")
                 if getattr(c, k) not in (0, 0.0, False)}
    return torch(obj, **hyper)


def torch(optim_cls, *, dtype=np.float64, roundtrip: bool = False, grad_scaler: bool = False, **hyperparameters):
    """Factory for any ``torch.optim`` class: ``adapters.torch(torch.optim.SGD, momentum=0.9)``.

    Gradients are handed to torch without a copy (``torch.from_numpy``), so an optimizer that
    writes into ``p.grad`` is caught.  ``roundtrip=True`` rebuilds the optimizer from a deep copy
    of its ``state_dict()`` after every step.  ``foreach=``/``fused=`` pass through to torch.

    ``grad_scaler=True`` drives every step through a real ``torch.amp.GradScaler("cpu")`` as mixed
    precision training does: ``p.grad = scaler.scale(g)`` (times a power of two, exact), then
    ``scaler.step(opt)`` (which unscales, or hands ``grad_scale``/``found_inf`` to the fused and
    foreach kernels) and ``scaler.update()``; the factory then has ``skips_overflow = True``, so
    ``check`` adds steps with inf/NaN gradients, which must leave everything unchanged.
    """
    import torch as _t

    if not (isinstance(optim_cls, type) and issubclass(optim_cls, _t.optim.Optimizer)):
        raise TypeError(f"optim_cls must be a torch.optim.Optimizer subclass; got {optim_cls!r}")
    dtype = check_choice("dtype", np.dtype(dtype), _DTYPES)
    if "lr" in hyperparameters:
        raise ValueError("lr must not be given: the checker injects it at every step")
    if hyperparameters.get("foreach") and hyperparameters.get("fused"):
        raise ValueError("foreach and fused exclude each other (torch runs one code path); got both True")
    check_choice("grad_scaler", grad_scaler, (False, True))
    check_options(optim_cls, hyperparameters, _describe(optim_cls, {}).removesuffix("()"))

    def factory(params: list[np.ndarray]):
        return _TorchStep(optim_cls, params, dtype, roundtrip, hyperparameters, grad_scaler)

    factory.name = (_describe(optim_cls, hyperparameters) + (" [state_dict round trip]" if roundtrip else "")
                    + (" [GradScaler]" if grad_scaler else ""))
    factory.dtype = dtype
    factory.skips_overflow = grad_scaler
    if _batchable(optim_cls) and not (roundtrip or grad_scaler):
        factory.run_batch = partial(_run_batch, optim_cls, dtype, hyperparameters)
    return factory


def _batchable(optim_cls) -> bool:
    """torch.optim's own classes: their ``step`` loops over the param groups, running the same
    functional on each group's tensors and keeping state per parameter, so one group per scenario
    computes every scenario with exactly the kernel calls of an optimizer of its own.  (Any other
    class -- a subclass elsewhere, a fault -- runs one optimizer per scenario; a GradScaler skips
    steps for all groups at once, so it does too, as does the round trip.)"""
    return (getattr(optim_cls, "__module__", None) or "").startswith("torch.optim.")


def _run_batch(optim_cls, dtype, hyper: dict, batch, scribble: bool) -> np.ndarray | None:
    """The parameters after every step of every scenario of ``batch`` (``strategies.ScenarioBatch``),
    (T, N) float64 (``runner.passes_all``): one optimizer with one param group per scenario, its lr set
    per step, every parameter a view of one flat array that torch updates in place, gradients views of
    a fresh array per step (overwritten with ``SCRIBBLE`` afterwards when ``scribble``), as
    ``_TorchStep`` hands them over.  None -- "cannot tell" -- when anything raises, a gradient is
    written into, or a parameter's storage moves."""
    import torch as _t

    from optproof.proofs.conformance.runner import SCRIBBLE

    if batch.params.dtype != dtype:
        return None
    flat = batch.params.copy()
    tensors = [_t.nn.Parameter(_t.from_numpy(flat[a:z].reshape(shape))) for a, z, shape in batch.slices]
    where = [p.data_ptr() for p in tensors]
    out = np.empty(batch.grads.shape)
    try:
        opt = optim_cls([{"params": [tensors[k] for k in ks]} for ks in batch.groups], lr=1.0, **hyper)
        for t, (lrs, row, present) in enumerate(zip(batch.lrs, batch.grads, batch.present)):
            for group, lr in zip(opt.param_groups, lrs.tolist()):
                group["lr"] = lr
            grads = row.copy()
            for p, (a, z, shape), has in zip(tensors, batch.slices, present.tolist()):
                p.grad = _t.from_numpy(grads[a:z].reshape(shape)) if has else None
            opt.step()
            if grads.tobytes() != row.tobytes() or [p.data_ptr() for p in tensors] != where:
                return None
            out[t] = flat
            if scribble:
                grads[...] = SCRIBBLE
    except Exception:  # noqa: BLE001 - not a verdict: the caller runs the scenarios one by one
        return None
    return out


class _TorchStep:
    def __init__(self, optim_cls, params, dtype, roundtrip: bool, hyper: dict, grad_scaler: bool = False) -> None:
        import torch as _t

        self.cls, self.hyper, self.roundtrip, self.dtype = optim_cls, hyper, roundtrip, dtype
        self.tensors = [_t.nn.Parameter(_t.from_numpy(np.array(p, dtype=dtype, copy=True))) for p in params]
        self.opt = optim_cls(self.tensors, lr=1.0, **hyper)
        self.scaler = _t.amp.GradScaler("cpu") if grad_scaler else None

    def __call__(self, grads: list[np.ndarray | None], lr: float) -> list[np.ndarray]:
        import torch as _t

        for group in self.opt.param_groups:
            group["lr"] = lr
        for p, g in zip(self.tensors, grads):
            p.grad = None if g is None else _t.from_numpy(g if g.dtype == self.dtype else g.astype(self.dtype))
            if self.scaler is not None and p.grad is not None:
                p.grad = self.scaler.scale(p.grad)
        if self.scaler is None or all(g is None for g in grads):  # GradScaler refuses a step with no
            self.opt.step()                                         # gradient ("No inf checks were recorded")
        else:
            self.scaler.scale(_t.zeros((), dtype=self.tensors[0].dtype))  # "the loss": starts the scale
            self.scaler.step(self.opt)
            self.scaler.update()
        if self.roundtrip:
            saved = copy.deepcopy(self.opt.state_dict())
            self.opt = self.cls(self.tensors, lr=lr, **self.hyper)
            self.opt.load_state_dict(saved)
        return [p.detach().numpy().copy() for p in self.tensors]

    def has_state(self, i: int) -> bool:
        return bool(self.opt.state.get(self.tensors[i]))

    def state(self) -> list[dict[str, np.ndarray]]:
        return [{k: v.detach().numpy().copy() for k, v in self.opt.state.get(p, {}).items()
                 if hasattr(v, "detach")} for p in self.tensors]


def optax(transform, *, dtype=None, **hyperparameters):
    """Factory for an optax optimizer builder taking ``learning_rate``: ``adapters.optax(optax.sgd, momentum=0.9)``.

    The lr is injected per step through ``optax.inject_hyperparams``.  optax updates have no
    holes, so a ``None`` gradient is passed as zeros (``Reference.optax`` has ``missing="zero"``).
    dtype: float32 unless JAX runs with ``jax_enable_x64``.
    """
    import jax

    if not callable(transform):
        raise TypeError(f"transform must be an optax optimizer builder such as optax.sgd; got {transform!r}")
    if "learning_rate" in hyperparameters:
        raise ValueError("learning_rate must not be given: the checker injects it at every step")
    check_options(transform, hyperparameters, _describe(transform, {}).removesuffix("()"), ("learning_rate",))
    x64 = bool(jax.config.read("jax_enable_x64"))
    dtype = check_choice("dtype", np.dtype(dtype or (np.float64 if x64 else np.float32)), _DTYPES)
    if dtype == np.float64 and not x64:
        raise ValueError("dtype must be float32 unless jax_enable_x64 is set; got float64")

    def factory(params: list[np.ndarray]):
        return _OptaxStep(transform, params, dtype, hyperparameters)

    factory.name = _describe(transform, hyperparameters)
    factory.dtype = dtype
    return factory


class _OptaxStep:
    def __init__(self, transform, params, dtype, hyper: dict) -> None:
        import jax.numpy as jnp
        import optax as _ox

        self.dtype = dtype
        self.opt = _ox.inject_hyperparams(transform)(learning_rate=1.0, **hyper)
        self.params = [jnp.asarray(np.asarray(p, dtype)) for p in params]
        self.opt_state = self.opt.init(self.params)

    def __call__(self, grads: list[np.ndarray | None], lr: float) -> list[np.ndarray]:
        import jax.numpy as jnp
        import optax as _ox

        self.opt_state.hyperparams["learning_rate"] = jnp.asarray(lr, self.dtype)
        g = [jnp.zeros_like(p) if gi is None else jnp.asarray(np.asarray(gi, self.dtype))
             for p, gi in zip(self.params, grads)]
        updates, self.opt_state = self.opt.update(g, self.opt_state, self.params)
        self.params = _ox.apply_updates(self.params, updates)
        return [np.asarray(p).copy() for p in self.params]


def import_keras():
    """Keras 3, imported on the torch backend: ``KERAS_BACKEND=torch`` is set before its first import
    (an import that already happened keeps its backend; ``keras`` then refuses anything but torch)."""
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "torch"
    import keras as _k

    return _k


def keras(optimizer_cls, *, dtype=np.float32, **hyperparameters):
    """Factory for a Keras 3 optimizer class on the torch backend: ``adapters.keras(keras.optimizers.SGD, momentum=0.9)``.

    Sets ``KERAS_BACKEND=torch`` before Keras is first imported (refuses another backend already
    loaded).  The lr is assigned to ``optimizer.learning_rate`` at every step; a ``None`` gradient is
    left out of ``apply_gradients`` (the variable and its slots stay untouched, ``Reference.keras``).
    """
    _k = import_keras()
    if _k.backend.backend() != "torch":
        raise ValueError(f"keras must run on the torch backend; it was imported with {_k.backend.backend()!r}")
    if not (isinstance(optimizer_cls, type) and issubclass(optimizer_cls, _k.optimizers.Optimizer)):
        raise TypeError(f"optimizer_cls must be a keras.optimizers.Optimizer subclass; got {optimizer_cls!r}")
    if "learning_rate" in hyperparameters:
        raise ValueError("learning_rate must not be given: the checker injects it at every step")
    dtype = check_choice("dtype", np.dtype(dtype), _DTYPES)
    check_options(optimizer_cls, hyperparameters, _describe(optimizer_cls, {}).removesuffix("()"), ("learning_rate",))

    def factory(params: list[np.ndarray]):
        return _KerasStep(optimizer_cls, params, dtype, hyperparameters)

    factory.name = _describe(optimizer_cls, hyperparameters)
    factory.dtype = dtype
    return factory


class _KerasStep:
    def __init__(self, optimizer_cls, params, dtype, hyper: dict) -> None:
        import keras as _k

        self.dtype = dtype
        self.vars = [_k.Variable(np.array(p, dtype=dtype, copy=True), dtype=dtype.name) for p in params]
        self.opt = optimizer_cls(learning_rate=1.0, **hyper)
        self.opt.build(self.vars)

    def __call__(self, grads: list[np.ndarray | None], lr: float) -> list[np.ndarray]:
        import keras as _k

        self.opt.learning_rate = lr
        pairs = [(_k.ops.convert_to_tensor(np.array(g, dtype=self.dtype)), v) for g, v in zip(grads, self.vars)
                 if g is not None]
        if pairs:
            self.opt.apply_gradients(pairs)
        return [v.value.detach().cpu().numpy().copy() for v in self.vars]  # torch backend: a torch tensor


from optproof.proofs.batches.torch_adapters import torch_accumulation, torch_loader  # noqa: E402  (issue 10)
