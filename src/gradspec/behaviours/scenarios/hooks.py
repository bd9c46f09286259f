"""Scenarios for tensor hooks, node hooks and post-accumulate-grad hooks."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import arrays, float_dtypes, scalars, small_arrays
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, tensor


@scenario(
    "hooks.tensor-hook-replaces-grad",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), k=scalars(), returns=st.booleans()),
)
def hook_replaces(T, x, dtype, k, returns):
    w = leaf(T, x, dtype)
    y = w * 2.0
    seen = []

    def hook(g):
        seen.append(g)
        return g * k if returns else None

    y.register_hook(hook)
    (y * 3.0).sum().backward()
    return seen, w.grad


@scenario("hooks.handle-remove", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def handle_remove(T, x, dtype):
    w = leaf(T, x, dtype)
    handle = w.register_hook(lambda g: g * 10.0)
    handle.remove()
    (w * 2.0).sum().backward()
    return w.grad


@scenario(
    "hooks.no-grad-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def hook_no_grad(T, x, dtype):
    tensor(T, x, dtype).register_hook(lambda g: g)


@scenario(
    "hooks.wrong-size-raises",
    draws=dict(x=arrays((3,)), dtype=float_dtypes()),
    raises="RuntimeError",
)
def hook_wrong_size(T, x, dtype):
    def bad_hook(g):
        return T.ones(4, dtype=getattr(T, dtype))

    w = leaf(T, x, dtype)
    w.register_hook(bad_hook)
    (w * 2.0).sum().backward()


@scenario("hooks.registration-order", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def registration_order(T, x, dtype):
    w = leaf(T, x, dtype)
    y = w * 1.0
    log = []
    y.register_hook(lambda g: (log.append("double"), g * 2.0)[1])
    y.register_hook(lambda g: (log.append("plus"), g + 1.0)[1])
    y.sum().backward()
    return log, w.grad


@scenario("hooks.execution-order", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def execution_order(T, x, dtype):
    log = []
    w = leaf(T, x, dtype)
    y = w * 2.0
    y.register_hook(lambda g: log.append("tensor hook 1"))
    y.register_hook(lambda g: log.append("tensor hook 2"))
    y.grad_fn.register_prehook(lambda grad_outputs: log.append("node pre-hook"))
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: log.append("node post-hook"))
    w.register_hook(lambda g: log.append("leaf tensor hook"))
    w.register_post_accumulate_grad_hook(lambda t: log.append("post-accumulate-grad hook"))
    y.sum().backward()
    return log


@scenario(
    "hooks.retain-grad-sees-hooked",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), retain_first=st.booleans()),
)
def retain_grad_sees_hooked(T, x, dtype, retain_first):
    w = leaf(T, x, dtype)
    y = w * 2.0
    if retain_first:
        y.retain_grad()
    y.register_hook(lambda g: g * 10.0)
    if not retain_first:
        y.retain_grad()
    y.sum().backward()
    return y.grad, w.grad


@scenario("hooks.leaf-hook-before-accumulate", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def leaf_hook(T, x, dtype):
    w = leaf(T, x, dtype)
    w.register_hook(lambda g: g * 10.0)
    (w * 2.0).sum().backward()
    (w * 2.0).sum().backward()
    return w.grad


@scenario("hooks.post-accumulate-grad", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def post_accumulate_grad(T, x, dtype):
    w = leaf(T, x, dtype)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad * 1.0)))
    (w * 2.0).sum().backward()
    (w * 3.0).sum().backward()
    return seen


@scenario(
    "hooks.post-accumulate-grad-nonleaf-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def post_accumulate_nonleaf(T, x, dtype):
    (leaf(T, x, dtype) * 2.0).register_post_accumulate_grad_hook(lambda t: None)


def _split_two(T, x, dtype):
    """A leaf of at least two elements and its two halves (two outputs of one split node)."""
    w = leaf(T, x, dtype)
    n = x.shape[0] // 2
    return w, w.split([n, x.shape[0] - n])


@scenario(
    "hooks.tensor-hook-undefined-grad",
    draws=dict(
        x=arrays(st.integers(2, 5).map(lambda n: (n,))),
        dtype=float_dtypes(),
        custom=st.booleans(),
    ),
)
def tensor_hook_undefined_grad(T, x, dtype, custom):
    seen = []
    if custom:
        # a custom backward that gives the first leaf no gradient
        class SecondOnly(T.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, g):
                return None, g

        a = leaf(T, x, dtype)
        b = leaf(T, x, dtype)
        a.register_hook(lambda g: seen.append(g))
        SecondOnly.apply(a, b).sum().backward()
        return seen, a.grad, b.grad
    w, (first, second) = _split_two(T, x, dtype)
    first.register_hook(lambda g: seen.append(g))
    (second * 2.0).sum().backward()
    return seen, w.grad


@scenario(
    "hooks.tensor-hook-undefined-grad-replace-raises",
    draws=dict(x=arrays(st.integers(2, 5).map(lambda n: (n,))), dtype=float_dtypes()),
    raises="RuntimeError",
)
def tensor_hook_undefined_replace(T, x, dtype):
    _, (first, second) = _split_two(T, x, dtype)
    first.register_hook(lambda g: T.ones(first.shape, dtype=first.dtype))
    second.sum().backward()


@scenario(
    "hooks.accumulate-grad-hook-order",
    draws=dict(
        x=small_arrays(),
        dtype=float_dtypes(),
        order=st.permutations(["tensor", "acc pre", "post-accumulate", "acc post"]),
    ),
)
def accumulate_grad_hook_order(T, x, dtype, order):
    w = leaf(T, x, dtype)
    acc = (w * 1.0).grad_fn.next_functions[0][0]
    log = []
    register = {
        "tensor": lambda: w.register_hook(lambda g: log.append("tensor")),
        "acc pre": lambda: acc.register_prehook(lambda go: log.append("acc pre")),
        "post-accumulate": lambda: w.register_post_accumulate_grad_hook(
            lambda t: log.append(("post-accumulate", t.grad * 1.0))
        ),
        "acc post": lambda: acc.register_hook(lambda gi, go: log.append("acc post")),
    }
    for name in order:
        register[name]()
    (w * 2.0).sum().backward()
    return log
