"""Scenarios for Tensor.backward / autograd.backward and autograd.grad."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from gradspec.behaviours.observe import attempt
from gradspec.behaviours.scenarios._draws import (
    arrays,
    complex_arrays,
    float_dtypes,
    shapes,
    small_arrays,
)
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, tensor


def _pair(**kw):
    """Two arrays of the same drawn shape."""
    return shapes(**kw).flatmap(lambda s: st.tuples(arrays(s), arrays(s)))


# --- backward() ------------------------------------------------------------------------------


@scenario(
    "backward-api.implicit-scalar-grad",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    reduction_length=4,
)
def implicit_scalar_grad(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * w).sum().backward()
    return w.grad


@scenario(
    "backward-api.implicit-nonscalar-raises",
    draws=dict(shape=shapes().filter(lambda s: math.prod(s) != 1), dtype=float_dtypes()),
    raises="RuntimeError",
)
def implicit_nonscalar_raises(T, shape, dtype):
    w = T.ones(shape, dtype=getattr(T, dtype), requires_grad=True)
    (w * 2.0).backward()


@scenario(
    "backward-api.implicit-complex-raises",
    draws=dict(z=complex_arrays(shape=(1,))),
    raises="RuntimeError",
)
def implicit_complex_raises(T, z):
    w = tensor(T, z, "complex64", requires_grad=True)
    (w * 2.0).sum().backward()


@scenario(
    "backward-api.explicit-gradient",
    draws=dict(xg=_pair(), dtype=float_dtypes()),
)
def explicit_gradient(T, xg, dtype):
    x, g = xg
    w = leaf(T, x, dtype)
    y = w * w * 3.0
    y.backward(tensor(T, g, dtype))
    return w.grad


@scenario(
    "backward-api.gradient-shape-mismatch-raises",
    draws=dict(x=arrays((3,)), dtype=float_dtypes()),
    raises="RuntimeError",
)
def gradient_shape_mismatch(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * 2.0).backward(T.ones(4, dtype=getattr(T, dtype)))


@scenario(
    "backward-api.gradient-non-tensor-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="TypeError",
)
def gradient_non_tensor(T, x, dtype):
    w = leaf(T, x, dtype)
    T.autograd.backward([w * 2.0], [1])


@scenario(
    "backward-api.gradient-dtype-accepted",
    draws=dict(x=small_arrays(), dtype=st.sampled_from(["float16", "bfloat16", "float32"])),
)
def gradient_dtype_accepted(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * 2.0).backward(T.ones(x.shape, dtype=T.float64))
    return w.grad


@scenario(
    "backward-api.no-graph-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def no_graph_raises(T, x, dtype):
    (tensor(T, x, dtype) * 2.0).sum().backward()


@scenario(
    "backward-api.inputs-restricts",
    draws=dict(xy=_pair(), dtype=float_dtypes()),
)
def inputs_restricts(T, xy, dtype):
    a, b = leaf(T, xy[0], dtype), leaf(T, xy[1], dtype)
    (a * b).sum().backward(inputs=[a])
    return a.grad, b.grad


@scenario(
    "backward-api.inputs-nonleaf",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def inputs_nonleaf(T, x, dtype):
    a = leaf(T, x, dtype)
    b = a * 2.0
    (b * b).sum().backward(inputs=[b])
    return b.grad, a.grad


@scenario(
    "backward-api.inputs-empty-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def inputs_empty_raises(T, x, dtype):
    a = leaf(T, x, dtype)
    (a * 2.0).sum().backward(inputs=[])


@scenario(
    "backward-api.function-form",
    draws=dict(xg=_pair(), dtype=float_dtypes(low_precision=False)),
)
def function_form(T, xg, dtype):
    x, g = xg
    w = leaf(T, x, dtype)
    T.autograd.backward([w * 2.0, w.exp()], [tensor(T, g, dtype), tensor(T, g, dtype)])
    return w.grad


@scenario(
    "backward-api.grad-mode-independent",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), mode=st.sampled_from(["no_grad", "off"])),
)
def grad_mode_independent(T, x, dtype, mode):
    w = leaf(T, x, dtype)
    y = (w * 3.0).sum()
    if mode == "no_grad":
        with T.no_grad():
            y.backward()
    else:
        with T.set_grad_enabled(False):
            y.backward()
    return w.grad


# --- autograd.grad -----------------------------------------------------------------------------


@scenario("autograd-grad.returns-grads", draws=dict(xy=_pair(), dtype=float_dtypes()))
def returns_grads(T, xy, dtype):
    a, b = leaf(T, xy[0], dtype), leaf(T, xy[1], dtype)
    g = T.autograd.grad((a * b).sum(), [a, b])
    return g, a.grad, b.grad


@scenario(
    "autograd-grad.unused-raises",
    draws=dict(xy=_pair(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def unused_raises(T, xy, dtype):
    a, b = leaf(T, xy[0], dtype), leaf(T, xy[1], dtype)
    T.autograd.grad((a * 2.0).sum(), [a, b])


@scenario("autograd-grad.allow-unused-none", draws=dict(xy=_pair(), dtype=float_dtypes()))
def allow_unused_none(T, xy, dtype):
    a, b = leaf(T, xy[0], dtype), leaf(T, xy[1], dtype)
    return T.autograd.grad((a * 2.0).sum(), [a, b], allow_unused=True)


@scenario(
    "autograd-grad.materialize-grads-zeros",
    draws=dict(xy=_pair(), dtype=float_dtypes(), explicit=st.booleans()),
)
def materialize_grads_zeros(T, xy, dtype, explicit):
    a, b = leaf(T, xy[0], dtype), leaf(T, xy[1], dtype)
    kw = dict(allow_unused=True) if explicit else {}
    return T.autograd.grad((a * 2.0).sum(), [a, b], materialize_grads=True, **kw)


@scenario(
    "autograd-grad.materialize-without-allow-unused-raises",
    draws=dict(xy=_pair(), dtype=float_dtypes()),
    raises="ValueError",
)
def materialize_without_allow_unused(T, xy, dtype):
    a, b = leaf(T, xy[0], dtype), leaf(T, xy[1], dtype)
    T.autograd.grad((a * 2.0).sum(), [a, b], materialize_grads=True, allow_unused=False)


@scenario(
    "autograd-grad.input-not-requiring-grad-raises",
    draws=dict(xy=_pair(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def input_not_requiring_grad(T, xy, dtype):
    a, b = leaf(T, xy[0], dtype), tensor(T, xy[1], dtype)
    T.autograd.grad((a * b).sum(), [a, b])


@scenario("autograd-grad.grad-outputs", draws=dict(xg=_pair(), dtype=float_dtypes()))
def grad_outputs(T, xg, dtype):
    x, g = xg
    a = leaf(T, x, dtype)
    return T.autograd.grad(a * a, a, grad_outputs=tensor(T, g, dtype))


@scenario(
    "autograd-grad.retain-graph-defaults-to-create-graph",
    draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes(low_precision=False)),
)
def retain_defaults_to_create_graph(T, x, dtype):
    a = leaf(T, x, dtype)
    y = a.exp().sum()
    (g,) = T.autograd.grad(y, a, create_graph=True)
    (g2,) = T.autograd.grad(y, a)
    return g, g2


@scenario(
    "backward-api.queue-callback",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), n=st.integers(1, 3)),
)
def queue_callback(T, x, dtype, n):
    log = []
    w = leaf(T, x, dtype)

    class Queues(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, g):
            for k in range(n):
                T.autograd.Variable._execution_engine.queue_callback(
                    lambda k=k: log.append(("callback", k, w.grad is None))
                )
            log.append("backward")
            return g * 2.0

    Queues.apply(w).sum().backward()
    log.append("after")
    return log, w.grad


@scenario("backward-api.queue-callback-outside-raises", raises="RuntimeError")
def queue_callback_outside(T):
    T.autograd.Variable._execution_engine.queue_callback(lambda: None)


@scenario(
    "autograd-grad.grads-batched",
    draws=dict(
        x=arrays(st.integers(1, 4).map(lambda n: (n,))),
        dtype=st.sampled_from(["float32", "float64"]),
        batch=st.integers(1, 3),
        seed=st.integers(0, 2**16),
    ),
    reduction_length=4,
)
def grads_batched(T, x, dtype, batch, seed):
    rng = np.random.default_rng(seed)
    w = leaf(T, x, dtype)
    out = w.sin() * w
    gos = tensor(T, rng.uniform(-2.0, 2.0, (batch,) + x.shape), dtype)
    return T.autograd.grad(out, w, gos, is_grads_batched=True)


@scenario(
    "backward-api.reentrant",
    draws=dict(x=small_arrays(), y=small_arrays(), dtype=float_dtypes(), fail=st.booleans()),
)
def reentrant(T, x, y, dtype, fail):
    inner_leaf = leaf(T, y, dtype)

    class InnerFails(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            raise ValueError("inner backward failed on purpose")

    inner = inner_leaf * 3.0
    inner_root = (InnerFails.apply(inner) if fail else inner).sum()

    class Reenters(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, g):
            inner_root.backward()
            return g * 2.0

    w = leaf(T, x, dtype)
    outcome = attempt(lambda: Reenters.apply(w).sum().backward())
    return outcome, w.grad, inner_leaf.grad
