"""Scenarios for in-place ops, the version counter, and views."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import (
    arrays,
    float_dtypes,
    nonempty_arrays,
    scalars,
    small_arrays,
)
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, tensor

_INPLACE = st.sampled_from(["add_", "sub_", "mul_", "div_"])


def _vector(**kw):
    """Non-empty 1-d arrays (for slicing)."""
    return nonempty_arrays(**kw).map(lambda a: a.reshape(-1))


@scenario(
    "inplace.leaf-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), op=_INPLACE),
    raises="RuntimeError",
)
def leaf_raises(T, x, dtype, op):
    getattr(leaf(T, x, dtype), op)(2.0)


@scenario(
    "inplace.view-of-leaf-raises",
    draws=dict(x=_vector(), dtype=float_dtypes(), op=_INPLACE),
    raises="RuntimeError",
)
def view_of_leaf_raises(T, x, dtype, op):
    getattr(leaf(T, x, dtype)[0:1], op)(2.0)


@scenario(
    "inplace.no-grad-allowed",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), op=_INPLACE),
)
def no_grad_allowed(T, x, dtype, op):
    w = leaf(T, x, dtype)
    with T.no_grad():
        getattr(w, op)(2.0)
    return w, w._version


@scenario(
    "inplace.version-counter-bumps",
    draws=dict(
        x=small_arrays(), dtype=float_dtypes(), ops=st.lists(_INPLACE, max_size=4), k=scalars()
    ),
)
def version_counter_bumps(T, x, dtype, ops, k):
    t = tensor(T, x, dtype)
    versions = [t._version]
    for op in ops:
        getattr(t, op)(2.0)
        versions.append(t._version)
    _ = t * k  # out-of-place ops leave the version alone
    versions.append(t._version)
    return versions


@scenario(
    "inplace.saved-tensor-modified-raises",
    draws=dict(
        x=small_arrays(bound=2.0),
        dtype=float_dtypes(),
        op=st.sampled_from(["exp", "sigmoid", "tanh", "mul"]),
    ),
    raises="RuntimeError",
)
def saved_tensor_modified(T, x, dtype, op):
    w = leaf(T, x, dtype)
    if op == "mul":
        h = w * 1.0
        y = h * h  # saves h
        h.add_(1.0)
    else:
        y = getattr(w, op)()  # saves its result
        y.add_(1.0)
    y.sum().backward()


@scenario(
    "inplace.nonleaf-correct-gradient",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), k=scalars(), op=_INPLACE),
)
def nonleaf_correct_gradient(T, x, dtype, k, op):
    w = leaf(T, x, dtype)
    y = w * 2.0
    getattr(y, op)(k if op != "div_" else 2.0)
    (y * 3.0).sum().backward()
    return y, y._version, w.grad


# --- views -------------------------------------------------------------------------------------


@scenario("views.share-data", draws=dict(x=_vector(), dtype=float_dtypes()))
def share_data(T, x, dtype):
    t = tensor(T, x, dtype)
    v = t[0:1]
    v.mul_(0.0)
    t.add_(1.0)
    return t, v


@scenario("views.base", draws=dict(x=_vector(), dtype=float_dtypes()))
def view_base(T, x, dtype):
    t = tensor(T, x, dtype)
    w = leaf(T, x, dtype)
    v, vw = t[0:1], w[1:]
    return (v._base is t, t._base is None, v.is_leaf, vw._base is w, vw.is_leaf, vw.requires_grad)


@scenario(
    "views.inplace-through-view-gradient",
    draws=dict(x=_vector(), dtype=float_dtypes(), k=scalars()),
)
def inplace_through_view(T, x, dtype, k):
    w = leaf(T, x, dtype)
    b = w * 1.0
    b[1:].mul_(k)
    (b * 2.0).sum().backward()
    return b, w.grad


@scenario("views.shared-version-counter", draws=dict(x=_vector(), dtype=float_dtypes()))
def shared_version_counter(T, x, dtype):
    t = tensor(T, x, dtype)
    v = t[0:1]
    v.add_(1.0)
    after_view = (t._version, v._version)
    t.mul_(2.0)
    return after_view, (t._version, v._version)


@scenario(
    "views.no-grad-view-of-view-inplace-raises",
    draws=dict(x=nonempty_arrays(), dtype=float_dtypes(), outer_no_grad=st.booleans()),
    raises="RuntimeError",
)
def no_grad_view_of_view(T, x, dtype, outer_no_grad):
    base = leaf(T, x, dtype) * 1.0
    if outer_no_grad:
        with T.no_grad():
            vv = base[...][...]
    else:
        v = base[...]
        with T.no_grad():
            vv = v[...]
    seen = (vv.requires_grad, vv.is_leaf, vv._base is base)
    vv.mul_(2.0)
    return seen


@scenario(
    "inplace.multi-output-view-no-grad-raises",
    draws=dict(
        x=arrays(st.integers(1, 3).map(lambda n: (2, n))),
        dtype=float_dtypes(),
        op=st.sampled_from(["unbind", "split"]),
    ),
    raises="RuntimeError",
)
def multi_output_view_no_grad(T, x, dtype, op):
    base = tensor(T, x, dtype)
    first = base.unbind()[0] if op == "unbind" else base.split(1)[0][0]
    first.mul_(2.0)  # nothing requires grad: allowed
    first.copy_(leaf(T, x[0], dtype))
