"""Scenarios for graph leaves, requires_grad rules, graph structure and detach."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.observe import attempt
from gradspec.behaviours.scenarios._draws import (
    complex_arrays,
    complex_dtypes,
    devices,
    float_dtypes,
    int_dtypes,
    nonempty_arrays,
    shapes,
    small_arrays,
)
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, node_name, tensor

# --- leaves -----------------------------------------------------------------------------------


@scenario(
    "leaves.user-created-is-leaf",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), rg=st.booleans(), device=devices()),
)
def user_created_is_leaf(T, x, dtype, rg, device):
    t = tensor(T, x, dtype, requires_grad=rg, device=device)
    z = T.zeros(x.shape, dtype=getattr(T, dtype), requires_grad=rg, device=device)
    return t, t.grad_fn is None, z, z.grad_fn is None


@scenario("leaves.op-result-is-nonleaf", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def op_result_is_nonleaf(T, x, dtype):
    w = leaf(T, x, dtype)
    y = w * 2.0 + 1.0
    return y, y.is_leaf, y.requires_grad, y.grad_fn is not None


@scenario(
    "leaves.no-record-without-requires-grad",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def no_record_without_requires_grad(T, x, dtype):
    t = tensor(T, x, dtype)
    y = (t * 2.0).exp()
    return y, y.grad_fn is None, y.is_leaf


@scenario("leaves.only-leaves-get-grad", draws=dict(x=nonempty_arrays(), dtype=float_dtypes()))
def only_leaves_get_grad(T, x, dtype):
    w = leaf(T, x, dtype)
    h = w * 2.0
    (h * h).sum().backward()
    return w.grad, h.grad


@scenario(
    "leaves.zero-size",
    draws=dict(shape=shapes(min_dims=1).filter(lambda s: 0 in s), dtype=float_dtypes()),
)
def zero_size(T, shape, dtype):
    w = T.zeros(shape, dtype=getattr(T, dtype), requires_grad=True)
    (w * 2.0).sum().backward()
    return w.grad


# --- requires_grad ------------------------------------------------------------------------------


@scenario(
    "requires-grad.nonleaf-cannot-be-unset",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def nonleaf_cannot_be_unset(T, x, dtype):
    y = leaf(T, x, dtype) * 2.0
    y.requires_grad = False


@scenario(
    "requires-grad.nonleaf-attribute-set-true-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def nonleaf_attribute_set_true(T, x, dtype):
    y = leaf(T, x, dtype) * 2.0
    y.requires_grad = True


@scenario(
    "requires-grad.nonleaf-method-true-accepted",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def nonleaf_method_true(T, x, dtype):
    y = leaf(T, x, dtype) * 2.0
    r = y.requires_grad_(True)
    return r is y, y.requires_grad, y.is_leaf


@scenario(
    "requires-grad.factory-integer-raises",
    draws=dict(shape=shapes(), dtype=int_dtypes(), factory=st.sampled_from(["ones", "zeros"])),
    raises="RuntimeError",
)
def factory_integer_raises(T, shape, dtype, factory):
    getattr(T, factory)(shape, dtype=getattr(T, dtype), requires_grad=True)


@scenario(
    "requires-grad.factory-integer-raises",
    draws=dict(values=st.lists(st.integers(0, 100), max_size=4), dtype=int_dtypes()),
    raises="RuntimeError",
)
def tensor_integer_raises(T, values, dtype):
    T.tensor(values, dtype=getattr(T, dtype), requires_grad=True)


@scenario(
    "requires-grad.attribute-integer-raises",
    draws=dict(shape=shapes(), dtype=int_dtypes()),
    raises="RuntimeError",
)
def attribute_integer_raises(T, shape, dtype):
    t = T.zeros(shape, dtype=getattr(T, dtype))
    t.requires_grad = True


@scenario(
    "requires-grad.method-integer-raises",
    draws=dict(shape=shapes(), dtype=int_dtypes()),
    raises="RuntimeError",
)
def method_integer_raises(T, shape, dtype):
    T.zeros(shape, dtype=getattr(T, dtype)).requires_grad_()


@scenario(
    "requires-grad.complex-allowed",
    draws=dict(z=complex_arrays(), dtype=complex_dtypes()),
)
def complex_allowed(T, z, dtype):
    t = tensor(T, z, dtype, requires_grad=True)
    u = tensor(T, z, dtype).requires_grad_()
    return t, u, (t * t).requires_grad


@scenario(
    "requires-grad.integer-outputs-never-require-grad",
    draws=dict(x=nonempty_arrays(), dtype=float_dtypes()),
)
def integer_outputs(T, x, dtype):
    w = leaf(T, x, dtype)
    return (w > 0.0), (w * 2.0).argmax(), (w * 1.0).to(T.int64), (w == w)


# --- graph structure ------------------------------------------------------------------------

_UNARY_NAMES = {
    "mul": (lambda w: w * 2.0, "MulBackward0"),
    "mul_tensor": (lambda w: w * w, "MulBackward0"),
    "add": (lambda w: w + 1.0, "AddBackward0"),
    "sub": (lambda w: w - w, "SubBackward0"),
    "div": (lambda w: w / 2.0, "DivBackward0"),
    "neg": (lambda w: -w, "NegBackward0"),
    "exp": (lambda w: w.exp(), "ExpBackward0"),
    "tanh": (lambda w: w.tanh(), "TanhBackward0"),
    "sigmoid": (lambda w: w.sigmoid(), "SigmoidBackward0"),
    "relu": (lambda w: w.relu(), "ReluBackward0"),
    "sum": (lambda w: w.sum(), "SumBackward0"),
    "mean": (lambda w: w.mean(), "MeanBackward0"),
    "pow": (lambda w: w**2, "PowBackward0"),
}


@scenario(
    "graph.node-names",
    draws=dict(x=nonempty_arrays(), dtype=float_dtypes(), op=st.sampled_from(sorted(_UNARY_NAMES))),
)
def node_names(T, x, dtype, op):
    fn, _ = _UNARY_NAMES[op]
    return fn(leaf(T, x, dtype)).grad_fn.name()


@scenario("graph.next-functions", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def next_functions(T, x, dtype):
    w = leaf(T, x, dtype)
    c = tensor(T, x, dtype)
    nf = (w * c).grad_fn.next_functions
    nf2 = (c * w).grad_fn.next_functions
    return [(node_name(n), i) for n, i in nf], [(node_name(n), i) for n, i in nf2]


@scenario("graph.accumulate-grad-node", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def accumulate_grad_node(T, x, dtype):
    w = leaf(T, x, dtype)
    node = (w * 2.0).grad_fn.next_functions[0][0]
    return node.name(), node.variable is w


@scenario("graph.chain-next-functions", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def chain_next_functions(T, x, dtype):
    w = leaf(T, x, dtype)
    y = (w * 2.0).exp().sum()
    names = []
    node = y.grad_fn
    while node is not None:
        names.append(node.name())
        nxt = node.next_functions
        node = nxt[0][0] if nxt else None
    return names


# --- detach ------------------------------------------------------------------------------------


@scenario("detach.no-grad-shares-storage", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def detach_shares_storage(T, x, dtype):
    w = leaf(T, x, dtype)
    d = w.detach()
    facts = (d.requires_grad, d.is_leaf, d.grad_fn is None)
    d.mul_(2.0)
    return facts, w, d


@scenario(
    "detach.shares-version-counter",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def detach_version_counter(T, x, dtype):
    y = leaf(T, x, dtype).exp()
    y.detach().mul_(2.0)
    y.sum().backward()


@scenario(
    "detach.inplace-on-view-raises",
    draws=dict(x=nonempty_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def detach_inplace_view(T, x, dtype):
    y = leaf(T, x.reshape(-1), dtype) * 2.0
    y[0:1].detach_()


@scenario("detach.inplace-makes-leaf", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def detach_inplace_leaf(T, x, dtype):
    y = leaf(T, x, dtype) * 2.0
    r = y.detach_()
    return r is y, y, y.grad_fn is None


@scenario(
    "detach.inplace-then-saved-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def detach_inplace_then_saved(T, x, dtype):
    mid = leaf(T, x, dtype) * 2.0
    out = mid * mid  # saves mid, a non-leaf
    mid.detach_()
    out.sum().backward()


@scenario(
    "leaves.legacy-variable",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), requires_grad=st.booleans()),
)
def legacy_variable(T, x, dtype, requires_grad):
    source = tensor(T, x, dtype)
    v = T.autograd.Variable(source, requires_grad=requires_grad)
    with T.no_grad():
        v.add_(1.0)  # shares memory with the source
    return (
        v is source,
        v.requires_grad,
        v.is_leaf,
        source.requires_grad,
        source * 1.0,
        isinstance(source, T.autograd.Variable),
    )


@scenario("leaves.volatile-removed", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def volatile_removed(T, x, dtype):
    return tensor(T, x, dtype).volatile, leaf(T, x, dtype).volatile


@scenario(
    "leaves.attribute-deletion-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def attribute_deletion(T, x, dtype):
    w = leaf(T, x, dtype)
    (w * 2.0).sum().backward()
    had = w.grad * 1.0
    del w.grad

    def delete(name):
        def run():
            delattr(w, name)

        return run

    def assign_data():
        w.data = None

    return (
        had,
        w.grad,
        attempt(delete("data")),
        attempt(assign_data),
        attempt(delete("requires_grad")),
        attempt(delete("_grad_fn")),
        w.requires_grad,
        w * 1.0,
    )


@scenario(
    "requires-grad.numpy-raises-while-recording",
    draws=dict(x=small_arrays(), dtype=st.sampled_from(["float16", "float32", "float64"])),
    raises="RuntimeError",
)
def numpy_requires_grad(T, x, dtype):  # NumPy has no bfloat16
    w = leaf(T, x, dtype)
    with T.no_grad():
        allowed = w.numpy().copy()
    forced = w.numpy(force=True).copy()
    assert (allowed == forced).all()
    w.numpy()
