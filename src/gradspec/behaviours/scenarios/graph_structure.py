"""Scenarios for the autograd graph as tools see it: the views indexing records, node classes,
saved fields, saved outputs. Each returns ``observe.graph_record`` of what it built: node
classes, names, edges and ``_saved_*`` values from the outputs down to the leaves."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.behaviours.observe import attempt, graph_record
from gradspec.behaviours.scenarios._draws import (
    arrays,
    float_dtypes,
    nonempty_shapes,
    scalars,
    shapes,
    small_arrays,
)
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, tensor

# --------------------------------------------------------------------------------- indexing keys

_bound = st.one_of(st.none(), st.integers(-6, 6), st.sampled_from([-(2**40), 2**40]))


def _basic_part() -> st.SearchStrategy[tuple]:
    """One element of a basic key, as plain data: an int, a slice, None or ``...``."""
    return st.one_of(
        st.tuples(st.just("int"), st.integers(-4, 3)),
        st.tuples(st.just("slice"), _bound, _bound, st.one_of(st.none(), st.integers(1, 3))),
        st.just(("none",)),
        st.just(("ellipsis",)),
    )


def _advanced_part() -> st.SearchStrategy[tuple]:
    """An element of an advanced key: an index list, an index tensor, a mask or a bool."""
    return st.one_of(
        st.tuples(st.just("list"), st.lists(st.integers(-2, 1), min_size=0, max_size=3)),
        st.tuples(st.just("tensor"), st.lists(st.integers(-2, 1), min_size=1, max_size=3)),
        st.tuples(st.just("scalar-tensor"), st.integers(-2, 1)),
        st.tuples(st.just("mask"), st.lists(st.booleans(), min_size=1, max_size=4)),
        st.tuples(st.just("bool"), st.booleans()),
    )


def basic_keys() -> st.SearchStrategy:
    """A key of basic parts: one alone (the one-index path) or a tuple of 1-4 of them."""
    parts = st.lists(_basic_part(), min_size=1, max_size=4).filter(
        lambda ps: sum(p[0] == "ellipsis" for p in ps) <= 1
    )
    return st.tuples(st.booleans(), parts)


def advanced_keys() -> st.SearchStrategy:
    """A tuple key mixing basic parts with one or two advanced ones."""
    parts = st.lists(st.one_of(_basic_part(), _advanced_part()), min_size=1, max_size=4).filter(
        lambda ps: sum(p[0] == "ellipsis" for p in ps) <= 1
    )
    return st.tuples(st.just(False), parts)


def build_key(T, spec):
    """The Python key a tutorial would write, from the drawn ``(alone, parts)``."""
    alone, parts = spec
    built = []
    for p in parts:
        kind = p[0]
        if kind == "int":
            built.append(p[1])
        elif kind == "slice":
            built.append(slice(p[1], p[2], p[3]))
        elif kind == "none":
            built.append(None)
        elif kind == "ellipsis":
            built.append(Ellipsis)
        elif kind == "list":
            built.append(list(p[1]))
        elif kind == "tensor":
            built.append(T.tensor(p[1]))
        elif kind == "scalar-tensor":
            built.append(T.tensor(p[1]))
        elif kind == "mask":
            built.append(T.tensor(p[1]))
        else:
            built.append(p[1])
    return built[0] if alone and len(built) == 1 else tuple(built)


def _source(T, x, dtype, nonleaf):
    h = leaf(T, x, dtype)
    return h, (h * 1.0 if nonleaf else h)


@scenario(
    "graph.basic-indexing-views",
    draws=dict(
        x=arrays(nonempty_shapes(min_dims=1, max_dims=3)),
        dtype=float_dtypes(low_precision=False),
        key=basic_keys(),
        nonleaf=st.booleans(),
    ),
)
def basic_indexing(T, x, dtype, key, nonleaf):
    h, src = _source(T, x, dtype, nonleaf)

    def index():
        y = src[build_key(T, key)]
        return y, y._base is h or y._base is src, graph_record(y, known=(h, src))

    return attempt(index)


@scenario(
    "graph.advanced-indexing-views",
    draws=dict(
        x=arrays(shapes(min_dims=1, max_dims=3, min_side=2)),
        dtype=float_dtypes(low_precision=False),
        key=advanced_keys(),
    ),
    compare_warnings=True,
)
def advanced_indexing(T, x, dtype, key):
    h = leaf(T, x, dtype)

    def index():
        k = build_key(T, key)
        y = h[k]
        tensors = tuple(e for e in (k if isinstance(k, tuple) else (k,)) if hasattr(e, "dtype"))
        return y, graph_record(y, known=(h, *tensors))

    return attempt(index)


@scenario(
    "graph.setitem-views",
    draws=dict(
        x=arrays(shapes(min_dims=1, max_dims=3, min_side=2)),
        dtype=float_dtypes(low_precision=False),
        key=st.one_of(basic_keys(), advanced_keys()),
        value=st.one_of(scalars(), arrays((1,)), arrays(())),
        value_requires_grad=st.booleans(),
    ),
)
def setitem(T, x, dtype, key, value, value_requires_grad):
    h = leaf(T, x, dtype)
    base = h.clone()

    def assign():
        v = value
        if isinstance(value, np.ndarray):
            v = tensor(T, value, dtype, requires_grad=value_requires_grad)
        base[build_key(T, key)] = v
        record = graph_record(base, known=(h,) + ((v,) if hasattr(v, "dtype") else ()))
        base.sum().backward()
        return base, record, h.grad

    return attempt(assign)


# ----------------------------------------------------------------------------- nodes as objects

#: ops with non-tensor arguments that their nodes save (exponent, alpha, dims, bounds...)
_OPS = {
    "pow-int": lambda T, x, a: x.pow(int(round(a)) or 2),
    "pow-float": lambda T, x, a: (x * x + 1.0).pow(a),
    "rpow": lambda T, x, a: abs(a) ** x,
    "add-alpha": lambda T, x, a: x.add(x, alpha=a),
    "sub-int-alpha": lambda T, x, a: x.sub(x * 2.0, alpha=2),
    "mul-number": lambda T, x, a: x * a,
    "div-number": lambda T, x, a: x / (abs(a) + 1.0),
    "rsub": lambda T, x, a: a - x,
    "clamp": lambda T, x, a: x.clamp(min=-abs(a)),
    "clamp-both": lambda T, x, a: x.clamp(-1, 1),
    "leaky-relu": lambda T, x, a: T.nn.functional.leaky_relu(x, a),
    "elu": lambda T, x, a: T.nn.functional.elu(x),
    "softplus": lambda T, x, a: T.nn.functional.softplus(x),
    "gelu-tanh": lambda T, x, a: T.nn.functional.gelu(x, approximate="tanh"),
    "sum-last": lambda T, x, a: x.sum(-1),
    "sum-dims": lambda T, x, a: x.sum((0, -1), keepdim=True),
    "mean-keep": lambda T, x, a: x.mean(-1, keepdim=True),
    "var": lambda T, x, a: x.var(-1),
    "std-corr0": lambda T, x, a: x.std(correction=0),
    "softmax": lambda T, x, a: x.softmax(-1),
    "log-softmax": lambda T, x, a: x.log_softmax(0),
    "logsumexp": lambda T, x, a: x.logsumexp(-1),
    "max-dim": lambda T, x, a: x.max(-1).values,
    "amax": lambda T, x, a: x.amax(-1),
    "cumsum": lambda T, x, a: x.cumsum(-1),
    "prod-dim": lambda T, x, a: x.prod(0),
    "norm": lambda T, x, a: x.norm(),
    "norm-inf": lambda T, x, a: x.norm(float("inf"), dim=-1),
    "transpose": lambda T, x, a: x.transpose(0, -1),
    "permute": lambda T, x, a: x.permute(-1, 0),
    "unsqueeze": lambda T, x, a: x.unsqueeze(-1),
    "squeeze-dim": lambda T, x, a: x.unsqueeze(1).squeeze(1),
    "expand": lambda T, x, a: x.unsqueeze(0).expand(3, -1, -1),
    "repeat": lambda T, x, a: x.repeat(2, 1),
    "flip": lambda T, x, a: x.flip(-1),
    "narrow": lambda T, x, a: x.narrow(-1, 0, 1),
    "select": lambda T, x, a: x.select(-1, -1),
    "view": lambda T, x, a: x.view(-1),
    "reshape-copy": lambda T, x, a: x.t().reshape(-1),
    "split": lambda T, x, a: x.split(1, -1)[0],
    "unbind": lambda T, x, a: x.unbind(-1)[-1],
    "stack": lambda T, x, a: T.stack([x, x], -1),
    "cat": lambda T, x, a: T.cat([x, x], -1),
    "mm": lambda T, x, a: x.mm(x.t()),
    "matmul-fold": lambda T, x, a: x.unsqueeze(0).expand(2, -1, -1).contiguous() @ x.t(),
    "linear": lambda T, x, a: T.nn.functional.linear(x, x, x[0]),
    "mse": lambda T, x, a: T.nn.functional.mse_loss(x, x.detach() * 0.5, reduction="sum"),
    "cross-entropy": lambda T, x, a: T.nn.functional.cross_entropy(x, T.tensor([0, 1])),
    "layer-norm": lambda T, x, a: T.nn.functional.layer_norm(x, (x.shape[-1],)),
    "where": lambda T, x, a: T.where(x > 0, x, 0.0),
    "masked-fill": lambda T, x, a: x.masked_fill(x > 0, a),
    "gather": lambda T, x, a: x.gather(-1, T.tensor([[0], [1]])),
    "index-select": lambda T, x, a: x.index_select(-1, T.tensor([1, 0])),
    "pad": lambda T, x, a: T.nn.functional.pad(x, (1, -1)),
    "real": lambda T, x, a: (x * 1j).imag,
}


@scenario(
    "graph.saved-fields",
    draws=dict(
        x=arrays((2, 2), away_from_zero=0.25),
        dtype=float_dtypes(low_precision=False),
        op=st.sampled_from(sorted(_OPS)),
        a=scalars(2.0, away_from_zero=0.25),
    ),
)
def saved_fields(T, x, dtype, op, a):
    w = leaf(T, x, dtype)
    y = _OPS[op](T, w, a)
    saved = sorted(n for n in dir(y.grad_fn) if n.startswith(("_saved_", "_raw_saved_")))
    return saved, graph_record(y, known=(w,))


@scenario(
    "graph.node-classes",
    # x in [-4, -2]: up to four exps, doublings and sums in a row stay well conditioned there
    # (in [-4, 4] exp(2 exp(x)) turns torch's 1-ulp float32 exp into 60 ulps: a flaky verdict)
    draws=dict(
        x=arrays((3,), bound=1.0).map(lambda a: a - 3.0),
        dtype=float_dtypes(low_precision=False),
        ops=st.lists(
            st.sampled_from(["exp", "mul", "sum", "custom", "setitem", "view"]), max_size=4
        ),
    ),
)
def node_classes(T, x, dtype, ops):
    class MyExp(T.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            r = i.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    w = leaf(T, x, dtype)
    y = w
    for op in ops:
        if op == "exp":
            y = y.exp()
        elif op == "mul":
            y = y * 2.0
        elif op == "sum":
            y = y.sum(-1, keepdim=True) if y.dim() else y
        elif op == "custom":
            y = MyExp.apply(y)
        elif op == "setitem":
            y = y.clone()
            y[..., :1] = 0.5
        else:
            y = y.view(-1)
    node = y.grad_fn
    nodes = []
    while node is not None:
        nodes.append((type(node).__name__, node.name(), repr(node).split(" object at")[0]))
        node = node.next_functions[0][0] if node.next_functions else None
    return nodes, graph_record(y, known=(w,))


@scenario(
    "graph.saved-output-new-tensor",
    draws=dict(
        x=arrays(nonempty_shapes(max_dims=2)),
        dtype=float_dtypes(low_precision=False),
        op=st.sampled_from(["exp", "tanh", "sigmoid", "sqrt", "pow", "custom"]),
    ),
)
def saved_output(T, x, dtype, op):
    w = leaf(T, x, dtype)
    if op == "custom":

        class Exp(T.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                r = i.exp()
                ctx.save_for_backward(i, r)
                return r

            @staticmethod
            def backward(ctx, g):
                _, r = ctx.saved_tensors
                return g * r

        y = Exp.apply(w)
        saved_in, saved_out = y.grad_fn.saved_tensors
    elif op == "pow":
        y = w.pow(2)
        saved_in, saved_out = y.grad_fn._saved_self, None
    else:
        y = getattr(w.abs() + 1.0 if op == "sqrt" else w, op)()
        saved_in, saved_out = None, y.grad_fn._saved_result
    out = {}
    if saved_out is not None:
        out["output"] = (
            saved_out is y,
            saved_out.data_ptr() == y.data_ptr(),
            saved_out.grad_fn is y.grad_fn,
            saved_out._version == y._version,
            saved_out._is_view(),
            saved_out,
        )
    if saved_in is not None:
        out["input"] = (saved_in is w, saved_in)
    return out


# ----------------------------------------------------------------------------- tutorial graphs

_HEADS = {
    "slice": lambda h: h[:, :1],
    "select": lambda h: h[:, 1],
    "all": lambda h: h[:, :],
    "last": lambda h: h[..., -1],
    "none": lambda h: h[:, None, 0],
    "step": lambda h: h[:, ::2],
}


@scenario(
    "graph.structure-visible-to-tools",
    draws=dict(
        x=arrays((3, 4), bound=2.0),
        w1=arrays((5, 4), bound=1.0),
        w2=arrays((2, 5), bound=1.0),
        dtype=float_dtypes(low_precision=False),
        head=st.sampled_from(sorted(_HEADS)),
        loss=st.sampled_from(["mse", "cross-entropy", "sum", "mean"]),
        custom=st.booleans(),
        backward=st.booleans(),
    ),
    reduction_length=8,
)
def tutorial_mlp(T, x, w1, w2, dtype, head, loss, custom, backward):
    """An MLP as the tutorials write it: linear layers, an activation, indexing, a loss."""
    F = T.nn.functional

    class MyReLU(T.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            ctx.save_for_backward(i)
            return i.clamp(min=0)

        @staticmethod
        def backward(ctx, g):
            (i,) = ctx.saved_tensors
            return g * (i > 0)

    inp = tensor(T, x, dtype)
    a, b = leaf(T, w1, dtype), leaf(T, w2, dtype)
    bias = leaf(T, np.zeros(5), dtype)
    h = F.linear(inp, a, bias)
    h = MyReLU.apply(h) if custom else F.relu(h)
    out = (h @ b.t()).view(3, 2)
    picked = _HEADS[head](out)
    if loss == "mse":
        y = F.mse_loss(picked, T.zeros_like(picked))
    elif loss == "cross-entropy":
        y = F.cross_entropy(out, T.tensor([0, 1, 1]))
    else:
        y = getattr(picked, loss)()
    record = graph_record(y, known=(inp, a, b, bias))
    if backward:
        y.backward()
        return record, graph_record(y, known=(inp, a, b, bias)), a.grad, b.grad, bias.grad
    return record


@scenario(
    "graph.linear-flatten",
    draws=dict(
        batch=st.sampled_from([(), (2,), (2, 3), (1, 2, 2)]),
        layout=st.sampled_from(["contiguous", "transposed", "expanded"]),
        bias=st.sampled_from(["contiguous", "strided", "none", "row"]),
        dtype=float_dtypes(low_precision=False),
        x=arrays((4, 3), bound=2.0),
    ),
)
def linear_flatten(T, batch, layout, bias, dtype, x):
    w = leaf(T, x[:3], dtype)  # (3 out, 3 in)
    n = 1
    for s in batch:
        n *= s
    flat = tensor(T, np.resize(x, (max(n, 1), 3)), dtype)
    inp = flat[0].expand(*batch, 3) if layout == "expanded" else flat[:n].reshape(*batch, 3)
    if layout == "transposed" and inp.dim() >= 2:
        inp = inp.transpose(-1, -2).contiguous().transpose(-1, -2)
    inp = inp.requires_grad_() if inp.is_leaf else inp
    b = {
        "contiguous": lambda: leaf(T, x[3], dtype),
        "strided": lambda: leaf(T, np.concatenate([x[3], x[3]]), dtype)[::2],
        "none": lambda: None,
        "row": lambda: leaf(T, x[3:4], dtype),
    }[bias]()
    y = T.nn.functional.linear(inp, w, b)
    return y, graph_record(y, known=(w, inp) + ((b,) if b is not None else ()))


@scenario(
    "graph.node-call-arity-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="TypeError",
)
def node_call_arity(T, x, dtype):
    w = leaf(T, x, dtype)
    y = w * w
    g = tensor(T, x, dtype)
    y.grad_fn(g)  # one gradient per output: accepted
    y.grad_fn(g, g)


@scenario(
    "graph.forward-ad-dual-views",
    draws=dict(
        x=arrays(nonempty_shapes(max_dims=2)),
        dtype=float_dtypes(low_precision=False),
        requires_grad=st.booleans(),
    ),
)
def dual_views(T, x, dtype, requires_grad):
    fw = T.autograd.forward_ad
    h = tensor(T, x, dtype, requires_grad=requires_grad)
    with fw.dual_level():
        dual = fw.make_dual(h, tensor(T, x * 0.5, dtype))
        primal, tangent = fw.unpack_dual(dual)
        plain, none = fw.unpack_dual(h * 2.0)
        bases = (dual._base is h, primal._base is h, plain is not None, none is None)
        record = graph_record(primal, plain, dual, known=(h,))
    outside = fw.unpack_dual(h).primal is h
    grad = T.autograd.grad((primal * dual).sum(), h) if requires_grad else None
    return record, bases, tangent, outside, grad
