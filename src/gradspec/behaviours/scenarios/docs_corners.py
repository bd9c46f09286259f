"""Scenarios for corners of torch's docs and tutorials: views made under no_grad, what hooks
may return, forward AD in custom Functions, gradient edges, create_graph accumulation,
once_differentiable's error node, in-place ops on inference tensors."""

from __future__ import annotations

import warnings

from hypothesis import strategies as st

from gradspec.behaviours.observe import attempt, graph_record
from gradspec.behaviours.scenarios._draws import arrays, float_dtypes, nonempty_shapes, scalars
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, tensor

_VIEWS = {
    "slice": lambda t: t[:1],
    "select": lambda t: t[0],
    "unsqueeze": lambda t: t.unsqueeze(0),
    "view": lambda t: t.view(-1),
    "transpose": lambda t: t.t() if t.dim() <= 2 else t.transpose(0, 1),
    "expand": lambda t: t.expand(2, *t.shape),
    "alias": lambda t: t[...],
    "unbind": lambda t: t.unbind(0)[0],
}


@scenario(
    "views.no-grad-view-requires-grad",
    draws=dict(
        x=arrays(nonempty_shapes(min_dims=1, max_dims=2)),
        dtype=float_dtypes(low_precision=False),
        view=st.sampled_from(sorted(_VIEWS)),
        nonleaf=st.booleans(),
        then=st.sampled_from(["mul", "view", "backward", "grad", "retain", "requires_grad_"]),
    ),
)
def no_grad_view(T, x, dtype, view, nonleaf, then):
    w = leaf(T, x, dtype)
    base = w * 2.0 if nonleaf else w
    with T.no_grad():
        v = _VIEWS[view](base)
    seen = (v.requires_grad, v.is_leaf, v.grad_fn is None, v._base is not None)
    if then == "mul":
        y = v * 3.0
        return seen, y.requires_grad, graph_record(y, known=(w, base, v))
    if then == "view":
        y = v[None]
        return seen, y.requires_grad, y.is_leaf, graph_record(y, known=(w, base, v))
    if then == "backward":
        return seen, attempt(lambda: ((v * 3.0).sum().backward(), w.grad, v.grad))
    if then == "grad":
        return seen, attempt(lambda: T.autograd.grad((v * 3.0).sum(), [v, w], allow_unused=True))
    if then == "retain":
        return seen, attempt(lambda: (v.retain_grad(), v.retains_grad))
    return seen, attempt(lambda: (v.requires_grad_(False), v.requires_grad))


_TO = {
    "float64": lambda T, g: g.to(T.float64),
    "float32": lambda T, g: g.to(T.float32),
    "float16": lambda T, g: g.to(T.float16),
    "bfloat16": lambda T, g: g.to(T.bfloat16),
    "complex": lambda T, g: g * 1j,
    "int": lambda T, g: g.to(T.int64),
    "bool": lambda T, g: g > 0,
    "sum": lambda T, g: g.sum(),
    "unsqueeze": lambda T, g: g.unsqueeze(0),
    "flatten": lambda T, g: g.reshape(-1) if g.dim() != 1 else g[:0],
}


@scenario(
    "hooks.changed-type-raises",
    draws=dict(
        x=arrays(nonempty_shapes(min_dims=1, max_dims=2)),
        dtype=float_dtypes(),
        change=st.sampled_from(sorted(_TO)),
        where=st.sampled_from(["leaf", "nonleaf", "prehook", "posthook"]),
    ),
)
def hook_changes_type(T, x, dtype, change, where):
    if change == "complex" and dtype in ("float16", "bfloat16"):
        # torch promotes float16 * 1j to complex32 and bfloat16 * 1j to its internal
        # BComplex32, for which mul raises NotImplementedError: dtypes gradref does not have,
        # and not what this scenario is about
        change = "float64"
    w = leaf(T, x, dtype)
    y = w * 2.0

    def bad_hook(*args):
        if where == "prehook":
            return (_TO[change](T, args[0][0]),)
        if where == "posthook":
            grad_inputs = args[0]
            return (_TO[change](T, grad_inputs[0]),) + tuple(grad_inputs[1:])
        return _TO[change](T, args[0])

    if where == "leaf":
        w.register_hook(bad_hook)
    elif where == "nonleaf":
        y.register_hook(bad_hook)
    elif where == "prehook":
        y.grad_fn.register_prehook(bad_hook)
    else:
        y.grad_fn.register_hook(bad_hook)
    return attempt(lambda: (y.sum().backward(), w.grad)[1])


@scenario(
    "hooks.changed-type-raises",
    draws=dict(x=arrays((3,)), dtype=float_dtypes(), where=st.sampled_from(["pre", "post"])),
)
def hook_fills_none_gradient(T, x, dtype, where):
    w = leaf(T, x, dtype)
    if where == "post":
        y = w * tensor(T, x, dtype)  # the second input needs no gradient: its slot is None
        y.grad_fn.register_hook(lambda gi, go: (gi[0], T.ones_like(gi[0])))
        return attempt(lambda: (y.sum().backward(), w.grad)[1])
    first, unused, _ = (w * 1.0).unbind(0)  # no gradient reaches the second output
    first.grad_fn.register_prehook(lambda go: tuple(T.ones_like(first) for _ in go))
    return attempt(lambda: (first.backward(), w.grad)[1])


@scenario(
    "hooks.post-accumulate-returns-none",
    draws=dict(x=arrays((3,)), dtype=float_dtypes(), k=scalars()),
    raises="RuntimeError",
)
def post_accumulate_returns(T, x, dtype, k):
    w = leaf(T, x, dtype)
    w.register_post_accumulate_grad_hook(lambda p: p.grad * k)
    (w * 2.0).sum().backward()


@scenario(
    "custom-function.jvp-saved-for-forward",
    draws=dict(
        x=arrays(nonempty_shapes(max_dims=2), bound=2.0),
        dtype=float_dtypes(low_precision=False),
        style=st.sampled_from(["ctx", "setup_context"]),
        also_backward=st.booleans(),
    ),
)
def jvp_saved_for_forward(T, x, dtype, style, also_backward):
    fwAD = T.autograd.forward_ad

    def setup(ctx, inp, out):
        ctx.save_for_forward(inp, out)
        if also_backward:
            ctx.save_for_backward(out * 2.0)

    def jvp(ctx, t):
        inp, out = ctx.saved_tensors
        return t * out + 0.0 * inp

    def backward(ctx, g):
        (twice,) = ctx.saved_tensors
        return g * twice * 0.5

    if style == "ctx":

        def forward(ctx, i):
            out = i.exp()
            setup(ctx, i, out)
            return out

        Exp = type(
            "Exp",
            (T.autograd.Function,),
            {
                "forward": staticmethod(forward),
                "jvp": staticmethod(jvp),
                "backward": staticmethod(backward),
            },
        )
    else:
        Exp = type(
            "Exp",
            (T.autograd.Function,),
            {
                "forward": staticmethod(lambda i: i.exp()),
                "setup_context": staticmethod(lambda ctx, inputs, out: setup(ctx, inputs[0], out)),
                "jvp": staticmethod(jvp),
                "backward": staticmethod(backward),
            },
        )
    primal = tensor(T, x, dtype)
    with fwAD.dual_level():
        dual = fwAD.make_dual(primal, T.ones_like(primal))
        result = attempt(lambda: fwAD.unpack_dual(Exp.apply(dual)))
    backward_result = None
    if also_backward:
        w = leaf(T, x, dtype)
        Exp.apply(w).sum().backward()
        backward_result = w.grad
    return result, backward_result


@scenario(
    "autograd-grad.gradient-edge-inputs",
    draws=dict(
        x=arrays((3,)),
        dtype=float_dtypes(low_precision=False),
        as_edge=st.lists(st.booleans(), min_size=3, max_size=3),
        api=st.sampled_from(["grad", "grad-single", "grad-dict", "backward", "unused"]),
    ),
)
def gradient_edge_inputs(T, x, dtype, as_edge, api):
    G = T.autograd.graph
    w = leaf(T, x, dtype)
    h = w * 3.0
    parts = h.unbind(0)
    y = (h * h).sum() + parts[1] * 2.0
    candidates = [w, h, parts[1]]
    inputs = [G.get_gradient_edge(t) if e else t for t, e in zip(candidates, as_edge)]
    if api == "grad":
        return attempt(lambda: T.autograd.grad(y, inputs))
    if api == "grad-single":
        return attempt(lambda: T.autograd.grad(y, inputs[1]))
    if api == "grad-dict":
        return attempt(lambda: T.autograd.grad(y, {"w": inputs[0], "h": inputs[1]}))
    if api == "unused":
        z = leaf(T, x, dtype)
        edge = G.get_gradient_edge(z)
        return (
            attempt(
                lambda: T.autograd.grad(y, [inputs[0], edge], allow_unused=True, retain_graph=True)
            ),
            attempt(lambda: T.autograd.grad(y, [edge], materialize_grads=True, retain_graph=True)),
            attempt(lambda: T.autograd.grad(y, [edge])),
        )
    return attempt(lambda: (y.backward(inputs=inputs), w.grad)[1])


@scenario(
    "accumulation.create-graph-copies-first-grad",
    draws=dict(
        x=arrays(nonempty_shapes(min_dims=1, max_dims=2)),
        dtype=float_dtypes(low_precision=False),
        hook=st.sampled_from([None, "scale", "const"]),
        layout=st.sampled_from(["contiguous", "transposed", "strided"]),
        twice=st.booleans(),
    ),
    compare_warnings=False,
)
def create_graph_accumulation(T, x, dtype, hook, layout, twice):
    base = tensor(T, x, dtype)
    if layout == "transposed":
        base = base.t() if base.dim() == 2 else base
    elif layout == "strided":
        base = T.cat([base, base], -1)[..., ::2]
    w = base.detach().requires_grad_()
    returned = []
    if hook is not None:

        def h(g):
            r = g * 3.0 if hook == "scale" else T.ones_like(g)
            returned.append(r)
            return r

        w.register_hook(h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (w * w).sum().backward(create_graph=True)
        first = (w.grad is (returned[0] if returned else None), w.grad.stride() == w.stride())
        record = graph_record(w.grad, known=(w, *returned))
        if twice:
            (w * w).sum().backward(create_graph=True)
    return first, record, w.grad, graph_record(w.grad, known=(w,))


@scenario(
    "custom-function.once-differentiable-error-node",
    draws=dict(
        x=arrays(nonempty_shapes(max_dims=2)),
        dtype=float_dtypes(low_precision=False),
        outputs=st.sampled_from([1, 2]),
    ),
)
def once_differentiable_error_node(T, x, dtype, outputs):
    once = T.autograd.function.once_differentiable

    class Twice(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return (a * 2.0, b * 1.0) if outputs == 2 else a * 2.0 + b

        @staticmethod
        @once
        def backward(ctx, *grads):
            return grads[0] * 2.0, grads[-1]

    a, b = leaf(T, x, dtype), tensor(T, x, dtype)
    out = Twice.apply(a, b)
    outs = out if isinstance(out, tuple) else (out,)
    vs = tuple(leaf(T, x, dtype) for _ in outs)
    (g,) = T.autograd.grad(outs, a, vs, create_graph=True)
    return g, graph_record(g, known=(a, b) + vs), attempt(lambda: g.sum().backward())


_INPLACE = {
    "add_": lambda T, t: t.add_(1.5),
    "mul_": lambda T, t: t.mul_(2.0),
    "exp_": lambda T, t: t.exp_(),
    "zero_": lambda T, t: t.zero_(),
    "fill_": lambda T, t: t.fill_(0.25),
    "copy_": lambda T, t: t.copy_(T.ones_like(t) * 3.0),
    "clamp_": lambda T, t: t.clamp_(min=0.0),
    "setitem": lambda T, t: t.__setitem__(0, 7.0),
    "view-add_": lambda T, t: t[:1].add_(1.0),
    "bad-shape": lambda T, t: t.add_(T.ones(5, 7)),
}


@scenario(
    "grad-mode.inference-inplace-writes-then-raises",
    draws=dict(
        x=arrays(nonempty_shapes(min_dims=1, max_dims=2)),
        dtype=float_dtypes(low_precision=False),
        op=st.sampled_from(sorted(_INPLACE)),
        grad_enabled=st.booleans(),
    ),
)
def inference_inplace(T, x, dtype, op, grad_enabled):
    with T.inference_mode():
        t = tensor(T, x, dtype)
    with T.set_grad_enabled(grad_enabled):
        raised = attempt(lambda: _INPLACE[op](T, t))
    return raised, t.clone()
