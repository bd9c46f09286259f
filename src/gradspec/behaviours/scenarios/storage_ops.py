"""Scenarios for ops that change a tensor's storage or geometry in place (Tensor.set_,
Tensor.as_strided_) and for out= under autograd."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import arrays, float_dtypes, small_arrays
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, node_name, tensor

_OUT_OPS = st.sampled_from(["add", "mul", "sum", "cat", "exp"])


def _vector(n_min: int = 1):
    """1-d arrays of at least ``n_min`` elements."""
    return arrays(st.integers(n_min, 8).map(lambda n: (n,)))


@scenario("inplace.set-leaf-raises", draws=dict(x=small_arrays(), dtype=float_dtypes()),
          raises="RuntimeError")  # fmt: skip
def set_leaf_raises(T, x, dtype):
    leaf(T, x, dtype).set_(tensor(T, x, dtype))


@scenario(
    "inplace.set-history-not-implemented",
    draws=dict(x=small_arrays(), y=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def set_history_not_implemented(T, x, y, dtype):
    h = leaf(T, x, dtype) * 2
    before = h._version
    h.set_(tensor(T, y, dtype))
    assert h._version == before + 1, "set_ bumps the version"
    assert node_name(h.grad_fn) == "torch::autograd::NotImplemented", node_name(h.grad_fn)
    h.sum().backward()


@scenario(
    "inplace.set-shares-source",
    draws=dict(x=small_arrays(), y=small_arrays(), dtype=float_dtypes()),
)
def set_shares_source(T, x, y, dtype):
    t = tensor(T, x, dtype)
    src = tensor(T, y, dtype)
    t.set_(src)
    shape_after = tuple(t.shape)
    src.add_(1.0)  # shared memory: t sees the write
    e = tensor(T, x, dtype)
    e.set_()
    return t.clone(), shape_after, tuple(e.shape), t.requires_grad


@scenario(
    "inplace.as-strided-inplace",
    draws=dict(
        x=_vector(4), dtype=float_dtypes(), step=st.sampled_from([1, 2]), length=st.integers(1, 2)
    ),  # fmt: skip
)
def as_strided_inplace(T, x, dtype, step, length):
    w = leaf(T, x, dtype)
    h = w * 1
    z = h.as_strided_((length, 2), (step, 1))
    same = z is h
    (z * z).sum().backward()
    return z.detach().clone(), same, node_name(z.grad_fn), w.grad


@scenario("inplace.as-strided-leaf-raises", draws=dict(x=_vector(2), dtype=float_dtypes()),
          raises="RuntimeError")  # fmt: skip
def as_strided_leaf_raises(T, x, dtype):
    leaf(T, x, dtype).as_strided_((1,), (1,))


def _call_out(T, op, x, out):
    if op == "add":
        return T.add(x, 1.0, out=out)
    if op == "mul":
        return T.mul(x, 2.0, out=out)
    if op == "sum":
        return T.sum(x, 0, out=out)
    if op == "cat":
        return T.cat([x, x], out=out)
    return T.exp(x, out=out)


def _out_like(T, op, x):
    if op == "sum":
        return T.empty(tuple(x.shape[1:]), dtype=x.dtype)
    if op == "cat":
        return T.empty((2 * x.shape[0],) + tuple(x.shape[1:]), dtype=x.dtype)
    return T.empty(tuple(x.shape), dtype=x.dtype)


@scenario(
    "grad-mode.out-requires-grad-raises",
    draws=dict(x=_vector(1), dtype=float_dtypes()),
    raises="RuntimeError",
)
def out_requires_grad_raises(T, x, dtype):
    # the message names the op (add here); the op errors check others (ops.errors.out-*)
    w = leaf(T, x, dtype)
    T.add(w, 1.0, out=T.empty(tuple(w.shape), dtype=w.dtype))


@scenario(
    "grad-mode.out-no-grad-writes",
    draws=dict(x=_vector(1), dtype=float_dtypes(), op=_OUT_OPS),
)
def out_no_grad_writes(T, x, dtype, op):
    w = leaf(T, x, dtype)
    out = _out_like(T, op, w)
    with T.no_grad():
        r = _call_out(T, op, w, out)
    return out, r is out, out.requires_grad
