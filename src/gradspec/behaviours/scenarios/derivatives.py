"""Scenarios for double backward, forward-mode AD, type promotion, broadcasting and complex."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import (
    FLOAT_DTYPES,
    INT_DTYPES,
    arrays,
    broadcastable_pairs,
    complex_arrays,
    complex_dtypes,
    devices,
    float_dtypes,
    int_dtypes,
    nonempty_shapes,
    scalars,
    shapes,
    small_arrays,
)
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, tensor


def _pair(**kw):
    return shapes(**kw).flatmap(lambda s: st.tuples(arrays(s, bound=2.0), arrays(s, bound=2.0)))


# --- double backward ---------------------------------------------------------------------------


@scenario(
    "double-backward.create-graph",
    draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes(low_precision=False)),
)
def create_graph(T, x, dtype):
    w = leaf(T, x, dtype)
    (g,) = T.autograd.grad((w**3).sum(), w, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), w)
    return g, gg


@scenario(
    "double-backward.without-create-graph",
    draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes()),
)
def without_create_graph(T, x, dtype):
    w = leaf(T, x, dtype)
    (g,) = T.autograd.grad((w**3).sum(), w)
    return g, g.grad_fn is None


@scenario(
    "double-backward.hessian-vector",
    draws=dict(xv=_pair(), dtype=float_dtypes(low_precision=False)),
)
def hessian_vector(T, xv, dtype):
    x, v = xv
    w = leaf(T, x, dtype)
    vec = tensor(T, v, dtype)
    (g,) = T.autograd.grad((w.exp() * w).sum(), w, create_graph=True)
    (hv,) = T.autograd.grad((g * vec).sum(), w)
    return hv


# --- forward-mode AD ---------------------------------------------------------------------------


@scenario(
    "forward-ad.jvp",
    draws=dict(xt=_pair(), dtype=float_dtypes(low_precision=False)),
)
def jvp(T, xt, dtype):
    fwAD = T.autograd.forward_ad
    with fwAD.dual_level():
        d = fwAD.make_dual(tensor(T, xt[0], dtype), tensor(T, xt[1], dtype))
        primal, tangent = fwAD.unpack_dual(d.exp() * 2.0)
    return primal, tangent


@scenario(
    "forward-ad.no-level-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(low_precision=False)),
    raises="RuntimeError",
)
def no_level(T, x, dtype):
    T.autograd.forward_ad.make_dual(tensor(T, x, dtype), tensor(T, x, dtype))


@scenario(
    "forward-ad.size-mismatch-raises",
    draws=dict(dtype=float_dtypes(low_precision=False)),
    raises="RuntimeError",
)
def size_mismatch(T, dtype):
    fwAD = T.autograd.forward_ad
    with fwAD.dual_level():
        fwAD.make_dual(T.ones(2, dtype=getattr(T, dtype)), T.ones(3, dtype=getattr(T, dtype)))


@scenario(
    "forward-ad.non-float-raises",
    draws=dict(shape=shapes()),
    raises="ValueError",
)
def non_float(T, shape):
    fwAD = T.autograd.forward_ad
    with fwAD.dual_level():
        fwAD.make_dual(T.ones(shape, dtype=T.int64), T.ones(shape, dtype=T.int64))


# --- type promotion ----------------------------------------------------------------------------


@scenario("dtype-promotion.default-dtype", draws=dict(v=scalars(), i=st.integers(-9, 9)))
def default_dtype(T, v, i):
    return (
        T.get_default_dtype(),
        T.tensor(v).dtype,
        T.tensor([v, v]).dtype,
        T.tensor(i).dtype,
        T.tensor(bool(i)).dtype,
        T.tensor(complex(v, 1.0)).dtype,
        T.ones(2).dtype,
    )


@scenario(
    "dtype-promotion.python-scalar-same-category",
    draws=dict(
        shape=shapes(),
        fdtype=float_dtypes(),
        idtype=int_dtypes(with_bool=False),
        v=scalars(),
        i=st.integers(0, 9),
    ),
)
def python_scalar_same_category(T, shape, fdtype, idtype, v, i):
    f = T.ones(shape, dtype=getattr(T, fdtype))
    n = T.ones(shape, dtype=getattr(T, idtype))
    return (f * v).dtype, (f + i).dtype, (n + i).dtype, (n * i).dtype


@scenario(
    "dtype-promotion.python-scalar-higher-category",
    draws=dict(
        shape=shapes(),
        idtype=int_dtypes(),
        fdtype=float_dtypes(low_precision=False),
        v=scalars(),
    ),
)
def python_scalar_higher_category(T, shape, idtype, fdtype, v):
    n = T.ones(shape, dtype=getattr(T, idtype))
    b = T.ones(shape, dtype=T.bool)
    f = T.ones(shape, dtype=getattr(T, fdtype))
    return (n * v).dtype, (b + 1).dtype, (b * v).dtype, (f * 1j).dtype


#: the spacing of each floating dtype's values just above 2
_SPACING_AT_2 = {"bfloat16": 2**-6, "float16": 2**-9, "float32": 2**-22, "float64": 2**-51}


@scenario(
    "dtype-promotion.operands-cast-to-common-dtype",
    draws=dict(
        shape=shapes(),
        dtype=float_dtypes(),
        v=scalars(),
        op=st.sampled_from(["add", "sub", "mul", "div"]),
    ),
)
def operands_cast_to_common_dtype(T, shape, dtype, v, op):
    dt = getattr(T, dtype)
    # k lies between two values of dtype: 2 + k cancels, so rounding k first shows in the sum
    k = -(2 + 0.75 * _SPACING_AT_2[dtype])
    two = T.full(shape, 2.0, dtype=dt)
    return (
        two + k,
        two + T.tensor(k, dtype=T.float64),
        getattr(T.full(shape, 1.5, dtype=dt), op)(v if op != "div" or v else 1.0),
    )


_ALL_REAL = FLOAT_DTYPES + INT_DTYPES + ("bool",)


@scenario(
    "dtype-promotion.zero-dim-lower-priority",
    draws=dict(
        shape=nonempty_shapes(min_dims=1),
        a=st.sampled_from(_ALL_REAL),
        b=st.sampled_from(_ALL_REAL),
    ),
)
def zero_dim_lower_priority(T, shape, a, b):
    dims = T.ones(shape, dtype=getattr(T, a))
    zero_dim = T.ones((), dtype=getattr(T, b))
    return (dims + zero_dim).dtype, (zero_dim * dims).dtype


@scenario(
    "dtype-promotion.dimensioned-promote",
    draws=dict(shape=shapes(), a=st.sampled_from(_ALL_REAL), b=st.sampled_from(_ALL_REAL)),
)
def dimensioned_promote(T, shape, a, b):
    x = T.ones(shape, dtype=getattr(T, a))
    y = T.ones(shape, dtype=getattr(T, b))
    return (x + y).dtype, (y * x).dtype


@scenario(
    "dtype-promotion.integer-division-float",
    draws=dict(
        values=st.lists(st.integers(-50, 50), min_size=1, max_size=5),
        dtype=st.sampled_from(["int8", "int16", "int32", "int64"]),
    ),
)
def integer_division_float(T, values, dtype):
    n = T.tensor(values, dtype=getattr(T, dtype))
    return n / 4, n / T.tensor(values, dtype=getattr(T, dtype)).abs().clamp(min=1)


@scenario(
    "dtype-promotion.grad-follows-input-dtype",
    draws=dict(xy=_pair(), a=float_dtypes(), b=float_dtypes()),
)
def grad_follows_input_dtype(T, xy, a, b):
    u, v = leaf(T, xy[0], a), leaf(T, xy[1], b)
    y = u * v
    y.sum().backward()
    return y.dtype, u.grad, v.grad


# --- broadcasting ------------------------------------------------------------------------------


@scenario(
    "broadcasting.grad-summed-to-input-shape",
    draws=dict(
        ab=broadcastable_pairs(),
        dtype=float_dtypes(),
        op=st.sampled_from(["add", "mul", "sub"]),
        device=devices(),
    ),
    reduction_length=64,
)
def grad_summed_to_input_shape(T, ab, dtype, op, device):
    a, b = leaf(T, ab[0], dtype, device=device), leaf(T, ab[1], dtype, device=device)
    out = {"add": lambda: a + b, "mul": lambda: a * b, "sub": lambda: a - b}[op]()
    (out * out).sum().backward()
    return out, a.grad, b.grad


@scenario(
    "broadcasting.expand-grad-summed",
    draws=dict(
        x=nonempty_shapes(min_dims=1, max_dims=2).flatmap(lambda s: arrays((1,) + s)),
        lead=st.integers(0, 4),
        dtype=float_dtypes(),
    ),
    reduction_length=4,
)
def expand_grad_summed(T, x, lead, dtype):
    w = leaf(T, x, dtype)
    e = w.expand((lead,) + tuple(x.shape[1:]))
    (e * 2.0).sum().backward()
    return e, w.grad


# --- complex -----------------------------------------------------------------------------------


@scenario(
    "complex.conjugate-wirtinger",
    draws=dict(z=complex_arrays(bound=2.0), dtype=complex_dtypes()),
)
def conjugate_wirtinger(T, z, dtype):
    w = leaf(T, z, dtype)
    (w * w.conj()).real.sum().backward()
    return w.grad


@scenario(
    "complex.holomorphic-chain",
    draws=dict(
        zg=shapes().flatmap(
            lambda s: st.tuples(complex_arrays(s, bound=2.0), complex_arrays(s, bound=2.0))
        ),
        dtype=complex_dtypes(),
    ),
)
def holomorphic_chain(T, zg, dtype):
    z, g = zg
    w = leaf(T, z, dtype)
    (w * w * 3.0).backward(tensor(T, g, dtype))
    return w.grad


@scenario(
    "complex.abs-grad",
    draws=dict(
        z=complex_arrays(bound=2.0).filter(lambda a: (abs(a) > 0.1).all()),
        dtype=complex_dtypes(),
    ),
)
def complex_abs_grad(T, z, dtype):
    w = leaf(T, z, dtype)
    w.abs().sum().backward()
    return w.grad


@scenario(
    "forward-ad.detach-drops-tangent",
    draws=dict(
        x=arrays((3,)),
        t=arrays((3,)),
        dtype=st.sampled_from(["float32", "float64"]),
        how=st.sampled_from(["detach", "detach_", "no_grad"]),
    ),
)
def detach_drops_tangent(T, x, t, dtype, how):
    fw = T.autograd.forward_ad
    with fw.dual_level():
        dual = fw.make_dual(tensor(T, x, dtype), tensor(T, t, dtype))
        if how == "detach":
            out = dual.detach() * 2.0
        elif how == "detach_":
            copy = dual.clone()
            copy.detach_()
            out = copy * 2.0
        else:
            with T.no_grad():
                out = dual * 2.0
        primal, tangent = fw.unpack_dual(out)
        return primal * 1.0, None if tangent is None else tangent * 1.0
