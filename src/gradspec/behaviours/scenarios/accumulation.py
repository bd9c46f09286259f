"""Scenarios for gradient accumulation, retain_graph and freed buffers, and None/zero grads."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import arrays, devices, float_dtypes, small_arrays
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, square_function, tensor

# --- accumulation ------------------------------------------------------------------------------


@scenario("accumulation.grad-none-initially", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def grad_none_initially(T, x, dtype):
    w = leaf(T, x, dtype)
    y = (w * 2.0).sum()
    return w.grad, y.requires_grad


@scenario(
    "accumulation.leaf-sums",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), times=st.integers(1, 3), device=devices()),
)
def accumulate_twice(T, x, dtype, times, device):
    w = leaf(T, x, dtype, device=device)
    y = (w * 3.0).sum()
    for _ in range(times):
        y.backward(retain_graph=True)
    return w.grad


@scenario(
    "accumulation.in-place-without-create-graph",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def in_place_without_create_graph(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * 2.0).sum().backward()
    first = w.grad
    (w * w).sum().backward()
    return first is w.grad, w.grad


@scenario(
    "accumulation.out-of-place-with-create-graph",
    draws=dict(x=small_arrays(), dtype=float_dtypes(low_precision=False)),
    # torch warns about the reference cycle once per process only.
    compare_warnings=False,
)
def out_of_place_with_create_graph(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * w).sum().backward(create_graph=True)
    first = w.grad
    (w * w).sum().backward(create_graph=True)
    return first is w.grad, first, w.grad, w.grad.grad_fn is not None


@scenario("accumulation.nonleaf-grad-warns", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def nonleaf_grad_warns(T, x, dtype):
    return (leaf(T, x, dtype) * 2.0).grad


@scenario("accumulation.retain-grad", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def retain_grad(T, x, dtype):
    w = leaf(T, x, dtype)
    y = w * 2.0
    before = y.retains_grad
    y.retain_grad()
    (y * y).sum().backward()
    return before, y.retains_grad, y.grad, w.grad


@scenario("accumulation.retain-grad-leaf-noop", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def retain_grad_leaf(T, x, dtype):
    w = leaf(T, x, dtype)
    w.retain_grad()
    (w * 2.0).sum().backward()
    return w.retains_grad, w.grad


@scenario(
    "accumulation.retain-grad-no-grad-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def retain_grad_no_grad(T, x, dtype):
    tensor(T, x, dtype).retain_grad()


@scenario(
    "accumulation.grad-setter-size-check",
    draws=dict(x=arrays((3,)), dtype=float_dtypes()),
    raises="RuntimeError",
)
def grad_setter_size(T, x, dtype):
    w = leaf(T, x, dtype)
    w.grad = T.ones(4, dtype=getattr(T, dtype))


@scenario("accumulation.grad-setter-none", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def grad_setter_none(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * 2.0).sum().backward()
    w.grad = None
    cleared = w.grad
    (w * 5.0).sum().backward()
    return cleared, w.grad


@scenario(
    "accumulation.grad-dtype-is-leaf-dtype",
    draws=dict(x=small_arrays(), dtype=st.sampled_from(["float16", "bfloat16", "float32"])),
)
def grad_dtype_is_leaf_dtype(T, x, dtype):
    class Double(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, g):
            return g.to(T.float64) * 2.0

    w = leaf(T, x, dtype)
    Double.apply(w).sum().backward()
    return w.grad


@scenario(
    "accumulation.shared-leaf-sums-paths",
    draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes()),
)
def shared_leaf_sums_paths(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * 2.0 + w * w + w.exp()).sum().backward()
    return w.grad


# --- retain_graph ------------------------------------------------------------------------------


@scenario(
    "retain-graph.second-backward-raises",
    draws=dict(
        x=small_arrays(bound=2.0),
        dtype=float_dtypes(),
        op=st.sampled_from(["exp", "mul", "sigmoid", "tanh"]),
    ),
    raises="RuntimeError",
)
def second_backward_raises(T, x, dtype, op):
    w = leaf(T, x, dtype)
    h = {"exp": w.exp, "mul": lambda: w * w, "sigmoid": w.sigmoid, "tanh": w.tanh}[op]()
    y = h.sum()
    y.backward()
    y.backward()


@scenario(
    "retain-graph.retain-allows-second",
    draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes()),
)
def retain_allows_second(T, x, dtype):
    w = leaf(T, x, dtype)
    y = w.exp().sum()
    y.backward(retain_graph=True)
    first = w.grad * 1.0
    y.backward()
    return first, w.grad


@scenario(
    "retain-graph.no-saved-tensors-allows-second",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def no_saved_tensors_allows_second(T, x, dtype):
    w = leaf(T, x, dtype)
    y = (w + 1.0).sum()
    y.backward()
    y.backward()
    return w.grad


@scenario(
    "retain-graph.saved-tensors-after-free-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def saved_tensors_after_free(T, x, dtype):
    Square = square_function(T)
    w = leaf(T, x, dtype)
    y = Square.apply(w)
    y.sum().backward()
    y.sum().backward()


# --- None, zero and materialized grads ---------------------------------------------------------


@scenario(
    "none-grads.unreached-leaf-stays-none", draws=dict(x=small_arrays(), dtype=float_dtypes())
)
def unreached_leaf(T, x, dtype):
    a, b = leaf(T, x, dtype), leaf(T, x, dtype)
    c = b * 2.0  # b is used, but not on the path to the loss
    (a * 2.0).sum().backward()
    return a.grad, b.grad, c.requires_grad


@scenario("none-grads.custom-backward-none", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def custom_backward_none(T, x, dtype):
    class Blocked(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return None, g

    a, b = leaf(T, x, dtype), leaf(T, x, dtype)
    Blocked.apply(a, b).sum().backward()
    return a.grad, b.grad


def _two_outputs(T, materialize):
    seen = []

    class TwoOut(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(materialize)
            return a * 2.0, a * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1, g2))
            out = g1 * 2.0
            if g2 is not None:
                out = out + g2 * 3.0
            return out

    return TwoOut, seen


@scenario(
    "none-grads.materialize-default-zeros", draws=dict(x=small_arrays(), dtype=float_dtypes())
)
def materialize_default_zeros(T, x, dtype):
    TwoOut, seen = _two_outputs(T, True)
    w = leaf(T, x, dtype)
    o1, o2 = TwoOut.apply(w)
    o1.sum().backward()
    return seen, w.grad


@scenario("none-grads.no-materialize-none", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def no_materialize_none(T, x, dtype):
    TwoOut, seen = _two_outputs(T, False)
    w = leaf(T, x, dtype)
    o1, o2 = TwoOut.apply(w)
    o1.sum().backward()
    return seen, w.grad


@scenario(
    "none-grads.builtin-undefined-grad",
    draws=dict(
        n=st.integers(1, 3),
        seed=st.integers(0, 2**16),
        dtype=float_dtypes(low_precision=False),
    ),
)
def builtin_undefined_grad(T, n, seed, dtype):
    # a real matrix's sign is locally constant: torch's slogdet_backward returns an undefined
    # gradient when log|det| got none, so A is left without one (not a zero gradient)
    a = np.random.default_rng(seed).uniform(-1.0, 1.0, (n, n)) + 3.0 * np.eye(n)
    A = leaf(T, a, dtype)
    sign, _ = T.linalg.slogdet(A)
    unused = T.autograd.grad(sign.sum(), A, allow_unused=True)
    sign, logabs = T.linalg.slogdet(A)
    sign.sum().backward()
    return unused, A.grad, sign.requires_grad


@scenario(
    "none-grads.non-tensor-output-grad-none",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), k=st.integers(-3, 3)),
)
def non_tensor_output_grad(T, x, dtype, k):
    seen = []

    class WithInt(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0, k

        @staticmethod
        def backward(ctx, g, gk):
            seen.append(gk)
            return g * 2.0

    w = leaf(T, x, dtype)
    o, kk = WithInt.apply(w)
    o.sum().backward()
    return kk, seen, w.grad
