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
