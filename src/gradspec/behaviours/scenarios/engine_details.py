"""Scenarios for finer engine behaviour: node hooks, hooks around in-place ops, views of views,
CopySlices, gradient layout, retain_grad accumulation, autograd.grad inputs, custom Functions
with several outputs, higher-order gradients, and the autograd part of a tensor's repr."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import arrays, float_dtypes, nonempty_arrays, small_arrays
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, node_name, tensor

_VEC = arrays((3,), bound=2.0)


@scenario("hooks.node-post-hook-replaces", draws=dict(x=_VEC, y=_VEC, dtype=float_dtypes()))
def node_post_hook(T, x, y, dtype):
    a, b = leaf(T, x, dtype), leaf(T, y, dtype)
    z = a * b
    z.grad_fn.register_hook(lambda gi, go: (gi[0] * 10.0, None))
    z.sum().backward()
    return a.grad, b.grad


@scenario("hooks.node-prehook-replaces", draws=dict(x=_VEC, dtype=float_dtypes()))
def node_prehook(T, x, dtype):
    a = leaf(T, x, dtype)
    y = a * 2.0
    y.grad_fn.register_prehook(lambda go: (go[0] + 1.0,))
    y.grad_fn.next_functions[0][0].register_prehook(lambda go: (go[0] * 3.0,))
    y.sum().backward()
    return a.grad


@scenario("hooks.inplace-old-and-new-value", draws=dict(x=_VEC, dtype=float_dtypes()))
def hooks_inplace(T, x, dtype):
    a = leaf(T, x, dtype)
    y = a * 1.0
    seen = []
    y.register_hook(lambda g: seen.append(("before", g)))
    y.mul_(3.0)
    y.register_hook(lambda g: seen.append(("after", g)))
    y.retain_grad()
    (y * y).sum().backward()
    return seen, y.grad, a.grad


@scenario("hooks.multi-grad-hook", draws=dict(x=_VEC, y=_VEC, dtype=float_dtypes()))
def multi_grad_hook(T, x, y, dtype):
    a, b, c = leaf(T, x, dtype), leaf(T, y, dtype), leaf(T, x, dtype)
    seen = []
    T.autograd.graph.register_multi_grad_hook((a, b, c), lambda grads: seen.append(list(grads)))
    (a * b).sum().backward()
    return seen


@scenario("hooks.fire-order-across-graph", draws=dict(x=_VEC, dtype=float_dtypes()))
def fire_order(T, x, dtype):
    log = []
    a, b = leaf(T, x, dtype), leaf(T, x, dtype)
    c = a * b
    d = c * 2.0
    e = c * 3.0
    for name, t in (("a", a), ("b", b), ("c", c), ("d", d), ("e", e)):
        t.register_hook(lambda g, name=name: log.append(name))
    (d + e).sum().backward()
    return log


@scenario(
    "views.base-inplace-regenerates-grad-fn", draws=dict(x=arrays((4,)), dtype=float_dtypes())
)
def view_regenerated(T, x, dtype):
    a = leaf(T, x, dtype)
    base = a * 1.0
    v = base[1:]
    base.mul_(2.0)
    v.sum().backward()
    return node_name(v.grad_fn), v._version, a.grad


@scenario("views.inplace-on-view-of-view", draws=dict(x=arrays((3, 4)), dtype=float_dtypes()))
def view_of_view(T, x, dtype):
    a = leaf(T, x, dtype)
    b = a * 1.0
    v = b[1:]
    w = v[:, 1:3]
    w.mul_(2.0)
    (b * b).sum().backward()
    return node_name(b.grad_fn), node_name(v.grad_fn), node_name(w.grad_fn), a.grad, b


@scenario(
    "inplace.view-created-in-no-grad-raises",
    draws=dict(x=nonempty_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def view_no_grad(T, x, dtype):
    a = leaf(T, x, dtype)
    with T.no_grad():
        v = a.view(-1)
    v.mul_(2.0)


@scenario(
    "inplace.multi-output-view-raises",
    draws=dict(x=arrays((3, 2)), dtype=float_dtypes()),
    raises="RuntimeError",
)
def multi_output_view(T, x, dtype):
    a = leaf(T, x, dtype)
    (a * 1.0).unbind(0)[0].mul_(2.0)


@scenario(
    "inplace.setitem-copyslices", draws=dict(x=arrays((2, 3)), w=arrays((2,)), dtype=float_dtypes())
)
def setitem(T, x, w, dtype):
    a, b = leaf(T, x, dtype), leaf(T, w, dtype)
    y = a * 1.0
    y[0, 1:] = b
    y[1] = 5.0
    y[:, 0] += b
    (y * y).sum().backward()
    return node_name(y.grad_fn), y, a.grad, b.grad


@scenario("inplace.uses-original-value", draws=dict(x=_VEC, w=_VEC, dtype=float_dtypes()))
def original_value(T, x, w, dtype):
    a, b = leaf(T, x, dtype), leaf(T, w, dtype)
    y = a * 1.0
    y.mul_(b)
    y.sum().backward()
    return a.grad, b.grad, node_name(y.grad_fn)


@scenario(
    "inplace.inference-tensor-outside-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def inference_inplace(T, x, dtype):
    with T.inference_mode():
        t = tensor(T, x, dtype)
    t.add_(1.0)


@scenario(
    "accumulation.grad-layout-follows-leaf", draws=dict(x=arrays((2, 3)), dtype=float_dtypes())
)
def grad_layout(T, x, dtype):
    a = tensor(T, np.ascontiguousarray(x.T), dtype).t().requires_grad_()
    (a * 2.0).sum().backward()
    return a.grad, a.grad.stride(), a.grad.is_contiguous()


@scenario(
    "accumulation.retain-grad-accumulates", draws=dict(x=small_arrays(), dtype=float_dtypes())
)
def retain_grad_accumulates(T, x, dtype):
    a = leaf(T, x, dtype)
    y = a * 2.0
    y.retain_grad()
    s = (y * y).sum()
    s.backward(retain_graph=True)
    first = y.grad
    s.backward()
    return first, y.grad, first is y.grad


@scenario("autograd-grad.nonleaf-and-repeated-inputs", draws=dict(x=_VEC, dtype=float_dtypes()))
def grad_inputs(T, x, dtype):
    a = leaf(T, x, dtype)
    b = a * 2.0
    c = (b**2).sum()
    g_b = T.autograd.grad(c, b, retain_graph=True)
    g_twice = T.autograd.grad(c, [a, a])
    return g_b, g_twice


@scenario("custom-function.multi-output-shared-node", draws=dict(x=_VEC, dtype=float_dtypes()))
def multi_output(T, x, dtype):
    seen = []

    class Two(T.autograd.Function):
        @staticmethod
        def forward(ctx, u):
            return u * 2.0, u * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1, g2))
            return g1 * 2.0 + g2 * 3.0

    a = leaf(T, x, dtype)
    p, q = Two.apply(a)
    p.sum().backward()
    return p.grad_fn is q.grad_fn, node_name(p.grad_fn), q.grad_fn.name(), seen, a.grad


@scenario(
    "custom-function.ctx-attribute-escapes-version-check", draws=dict(x=_VEC, dtype=float_dtypes())
)
def ctx_attribute(T, x, dtype):
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, u):
            ctx.u = u
            return u * u

        @staticmethod
        def backward(ctx, g):
            return 2.0 * ctx.u * g

    a = leaf(T, x, dtype)
    b = a * 1.0
    y = Square.apply(b)
    b.add_(1.0)
    y.sum().backward()
    return a.grad


@scenario(
    "double-backward.higher-order",
    draws=dict(x=arrays((2, 3), bound=1.5), dtype=float_dtypes(low_precision=False)),
)
def higher_order(T, x, dtype):
    a = leaf(T, x, dtype)
    y = (a.t()[1:] ** 3).sum() + (a[:, None, 1] * a.expand(2, 2, 3)).sum() + (a.sin() * a).sum()
    (g1,) = T.autograd.grad(y, a, create_graph=True)
    (g2,) = T.autograd.grad((g1**2).sum(), a, create_graph=True)
    b = a * 1.0
    b.mul_(a)
    b.exp_()
    (g3,) = T.autograd.grad(b.sum(), a, create_graph=True)
    (g4,) = T.autograd.grad(g3.sum(), a)
    return g1, g2, g4


@scenario("tensor-repr.autograd-suffix", draws=dict(x=arrays((2,), bound=100.0)))
def repr_suffix(T, x):
    a = leaf(T, x, "float32")
    y = a * 2.0
    return (
        repr(a).rsplit(",", 1)[-1],
        repr(y).rsplit(",", 1)[-1],
        repr(a.detach() + 1).endswith("])"),
    )


@scenario(
    "tensor-repr.tangent-suffix",
    draws=dict(
        n=st.integers(1, 9),
        dtype=st.sampled_from(["float32", "float64"]),
        scale=st.sampled_from([1.0, 0.5, 1.123456]),
    ),
)
def repr_tangent_suffix(T, n, dtype, scale):
    fw = T.autograd.forward_ad
    values = np.arange(n, dtype=np.float64) * scale
    with fw.dual_level():
        dual = fw.make_dual(tensor(T, values, dtype), tensor(T, values * 0.5, dtype))
        inside = repr(dual), repr(fw.unpack_dual(dual).primal)
    return inside, repr(dual)
