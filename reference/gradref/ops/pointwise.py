"""Elementwise ops: forwards in NumPy, VJPs in gradref ops (one line each), torch's node names.

Gradients of complex ops follow torch's convention, the conjugate Wirtinger derivative: for a
holomorphic f the VJP is ``grad * f'(z).conj()``. ``.conj()`` is free on real tensors.
Conventions at non-differentiable points are explicit here (relu'(0)=0, abs'(0)=0, clamp passes
the gradient at its bounds, sqrt'(0)=inf), following torch's derivatives.yaml.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._ops import common_device, compute, is_scalar, record, wrap
from .._tensor import Tensor
from ._table import register

_FLOAT = 2


def broadcast_shapes(*shapes) -> tuple:
    """torch's broadcasting (infer_size folded over the shapes), with torch's error message."""
    out: tuple = ()
    for k, shape in enumerate(shapes):
        out = _infer_size(out, tuple(shape)) if k else tuple(shape)
    return out


def _infer_size(a: tuple, b: tuple) -> tuple:
    ndim = max(len(a), len(b))
    out = []
    for i in range(ndim - 1, -1, -1):
        offset = ndim - 1 - i
        size_a = a[len(a) - 1 - offset] if len(a) - 1 - offset >= 0 else 1
        size_b = b[len(b) - 1 - offset] if len(b) - 1 - offset >= 0 else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                f"non-singleton dimension {i}"
            )
        out.append(size_b if size_a == 1 else size_a)
    return tuple(reversed(out))


def _float_result(dt):
    """Ops like exp promote integers and bool to the default float dtype."""
    return dt if dt.category >= _FLOAT else _dtypes.get_default_dtype()


def _check_tensor(name: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}"
        )
    return x


def unary(
    name,
    node,
    fwd,
    vjp,
    uses=("self",),
    *,
    to_float=True,
    out_dtype=None,
    inplace=True,
    method=True,
    aliases=(),
):
    """Define an elementwise unary op ``name(input)`` with gradient ``vjp(grad, ctx)``."""

    def op(input):
        x = _check_tensor(name, input)
        dt = x.dtype
        rdt = out_dtype(dt) if out_dtype else (_float_result(dt) if to_float else dt)
        y = compute(fwd, [x], rdt if rdt.category >= dt.category else dt, rdt, x.device)
        record(node, [x], [y], [vjp], [uses], {"self": x, "result": y})
        return y

    op.__doc__ = f"{name}(input) -> Tensor; backward node {node}."
    return register(name, node=node, inplace=inplace, method=method, aliases=aliases)(op)


def binary_args(input, other):
    """Promote, place and wrap the two operands of a binary op; returns (a, b, dtype, device)."""
    dt = _dtypes.result_type(input, other)
    dev = common_device(input, other)
    a, b = wrap(input, dt, dev), wrap(other, dt, dev)
    broadcast_shapes(tuple(a.shape), tuple(b.shape))
    return a, b, dt, dev


# --------------------------------------------------------------------------------------- unary
neg = unary(
    "neg", "NegBackward0", np.negative, lambda g, c: -g, (), to_float=False, aliases=("negative",)
)
exp = unary("exp", "ExpBackward0", np.exp, lambda g, c: g * c.result.conj(), ("result",))
log = unary("log", "LogBackward0", np.log, lambda g, c: g / c.self.conj())
sqrt = unary("sqrt", "SqrtBackward0", np.sqrt, lambda g, c: g / (2 * c.result.conj()), ("result",))
sin = unary("sin", "SinBackward0", np.sin, lambda g, c: g * c.self.cos().conj())
cos = unary("cos", "CosBackward0", np.cos, lambda g, c: g * -c.self.sin().conj())
tanh = unary(
    "tanh", "TanhBackward0", np.tanh, lambda g, c: g * (1 - c.result * c.result).conj(), ("result",)
)
sigmoid = unary(
    "sigmoid",
    "SigmoidBackward0",
    lambda x: 1 / (1 + np.exp(-x)),
    lambda g, c: g * (c.result * (1 - c.result)).conj(),
    ("result",),
)
relu = unary(
    "relu",
    "ReluBackward0",
    lambda x: np.maximum(x, 0),
    lambda g, c: g * (c.result > 0),
    ("result",),
    to_float=False,
)
reciprocal = unary(
    "reciprocal",
    "ReciprocalBackward0",
    lambda x: 1 / x,
    lambda g, c: g * -(c.result * c.result).conj(),
    ("result",),
)


def _sgn(x: Tensor) -> Tensor:
    """x / |x| with 0 at 0 (torch.sgn; sign for real inputs)."""
    return sgn(x)


def _np_sgn(x):
    if np.iscomplexobj(x):
        mag = np.abs(x)
        return np.where(mag == 0, 0, x / np.where(mag == 0, 1, mag))
    return np.sign(x)


sgn = unary("sgn", "SgnBackward0", _np_sgn, lambda g, c: g * 0, (), to_float=False)
sign = unary("sign", "SignBackward0", np.sign, lambda g, c: g * 0, (), to_float=False)
abs = unary(
    "abs",
    "AbsBackward0",
    np.abs,
    lambda g, c: g * _sgn(c.self),  # noqa: A001
    to_float=False,
    out_dtype=lambda d: d.to_real(),
    aliases=("absolute",),
)


@register("positive")
def positive(input):
    return input


# -------------------------------------------------------------------------------------- binary


@register("add", node="AddBackward0", inplace=True)
def add(input, other, *, alpha=1):
    """input + alpha * other; AddBackward0."""
    a, b, dt, dev = binary_args(input, other)
    if alpha != 1 and dt.category < _FLOAT and isinstance(alpha, float):
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    y = compute(lambda x, z: x + alpha * z, [a, b], dt, dt, dev)
    record(
        "AddBackward0",
        [a, b],
        [y],
        [lambda g, c: g, lambda g, c: g * np.conj(alpha) if alpha != 1 else g],
        [(), ()],
    )
    return y


@register("sub", node="SubBackward0", inplace=True, aliases=("subtract",))
def sub(input, other, *, alpha=1):
    """input - alpha * other; SubBackward0."""
    if _dtypes.result_type(input, other) is _dtypes.bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    a, b, dt, dev = binary_args(input, other)
    y = compute(lambda x, z: x - alpha * z, [a, b], dt, dt, dev)
    record(
        "SubBackward0",
        [a, b],
        [y],
        [lambda g, c: g, lambda g, c: -g * np.conj(alpha) if alpha != 1 else -g],
        [(), ()],
    )
    return y


@register("rsub", node="RsubBackward1")
def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    a, b, dt, dev = binary_args(input, other)
    node = "RsubBackward1" if not isinstance(other, Tensor) else "RsubBackward0"
    y = compute(lambda x, z: z - alpha * x, [a, b], dt, dt, dev)
    record(
        node,
        [a, b],
        [y],
        [lambda g, c: -g * np.conj(alpha) if alpha != 1 else -g, lambda g, c: g],
        [(), ()],
    )
    return y


@register("mul", node="MulBackward0", inplace=True, aliases=("multiply",))
def mul(input, other):
    """input * other; MulBackward0."""
    a, b, dt, dev = binary_args(input, other)
    y = compute(np.multiply, [a, b], dt, dt, dev)
    record(
        "MulBackward0",
        [a, b],
        [y],
        [lambda g, c: g * c.other.conj(), lambda g, c: g * c.self.conj()],
        [("other",), ("self",)],
        {"self": a, "other": b},
    )
    return y


@register("div", node="DivBackward0", inplace=True, aliases=("divide", "true_divide"))
def div(input, other, *, rounding_mode=None):
    """input / other (true, 'trunc' or 'floor' rounding); DivBackward0 / DivBackward1."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    a, b, dt, dev = binary_args(input, other)
    if rounding_mode is None:
        rdt = _float_result(dt)
        y = compute(np.divide, [a, b], rdt, rdt, dev)
        record(
            "DivBackward0",
            [a, b],
            [y],
            [
                lambda g, c: g / c.other.conj(),
                lambda g, c: -g * ((c.self / c.other) / c.other).conj(),
            ],
            [("other",), ("self", "other")],
            {"self": a, "other": b},
        )
        return y
    if dt.category < _FLOAT and np.any(b._data == 0):
        raise RuntimeError("ZeroDivisionError")
    fn = np.floor_divide if rounding_mode == "floor" else (lambda x, z: np.trunc(x / z))
    y = compute(fn, [a, b], dt, dt, dev)
    record("DivBackward1", [a, b], [y], [lambda g, c: g * 0, lambda g, c: g * 0], [(), ()])
    return y


@register("floor_divide")
def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


@register("remainder", node="RemainderBackward0")
def remainder(input, other):
    a, b, dt, dev = binary_args(input, other)
    y = compute(np.mod, [a, b], dt, dt, dev)
    record(
        "RemainderBackward0",
        [a, b],
        [y],
        [lambda g, c: g, lambda g, c: -g * (c.self / c.other).floor()],
        [(), ("self", "other")],
        {"self": a, "other": b},
    )
    return y


@register("pow", node="PowBackward0", inplace=True)
def pow(input, exponent):  # noqa: A001 - torch's name
    """input ** exponent; PowBackward0 (scalar exponent), PowBackward1 (tensor exponent),
    PowBackward2 (scalar base)."""
    if not isinstance(input, Tensor):
        return _pow_scalar_base(input, exponent)
    if is_scalar(exponent):
        dt = _dtypes.result_type(input, exponent)
        if dt.category < _FLOAT and not isinstance(exponent, bool) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        y = compute(lambda x: np.power(x, exponent), [input], dt, dt, input.device)

        def vjp(g, c):
            if exponent == 0:
                return g * 0
            return g * (exponent * c.self.pow(exponent - 1)).conj()

        record("PowBackward0", [input], [y], [vjp], [("self",)], {"self": input})
        return y
    a, b, dt, dev = binary_args(input, exponent)
    y = compute(np.power, [a, b], dt, dt, dev)

    def vjp_exp(g, c):
        mask = (
            (c.self == 0) & (c.exponent.real >= 0)
            if c.exponent.dtype.is_complex
            else (c.self == 0) & (c.exponent >= 0)
        )
        return g * where(mask, 0.0, c.result * c.self.log()).conj()

    record(
        "PowBackward1",
        [a, b],
        [y],
        [lambda g, c: g * (c.exponent * c.self.pow(c.exponent - 1)).conj(), vjp_exp],
        [("self", "exponent"), ("self", "exponent", "result")],
        {"self": a, "exponent": b, "result": y},
    )
    return y


def _pow_scalar_base(base, exponent: Tensor) -> Tensor:
    dt = _dtypes.result_type(base, exponent)
    y = compute(lambda e: np.power(base, e), [exponent], dt, dt, exponent.device)

    with np.errstate(all="ignore"):
        log_base = np.log(base) if isinstance(base, complex) or base >= 0 else float("nan")
    log_base = complex(log_base) if isinstance(log_base, complex) else float(log_base)

    def vjp(g, c):
        if base == 0:
            return g * where(c.exponent >= 0, 0.0, c.result * log_base)
        return g * (c.result * log_base).conj()

    record(
        "PowBackward2",
        [exponent],
        [y],
        [vjp],
        [("result", "exponent")],
        {"result": y, "exponent": exponent},
    )
    return y


# ----------------------------------------------------------------------------------- comparisons


def _comparison(name, fn, aliases=()):
    def op(input, other):
        a, b, dt, dev = binary_args(input, other)
        return compute(fn, [a, b], dt, _dtypes.bool, dev)

    op.__doc__ = f"{name}(input, other) -> bool Tensor (not differentiable)."
    return register(name, aliases=aliases, inplace=False)(op)


eq = _comparison("eq", np.equal)
ne = _comparison("ne", np.not_equal, aliases=("not_equal",))
lt = _comparison("lt", np.less, aliases=("less",))
le = _comparison("le", np.less_equal, aliases=("less_equal",))
gt = _comparison("gt", np.greater, aliases=("greater",))
ge = _comparison("ge", np.greater_equal, aliases=("greater_equal",))


def _logical(name, fn):
    def op(input, other):
        a, b, dt, dev = binary_args(input, other)
        return compute(fn, [a, b], dt, _dtypes.bool, dev)

    return register(name, inplace=False)(op)


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


@register("logical_not")
def logical_not(input):
    return compute(np.logical_not, [input], input.dtype, _dtypes.bool, input.device)


def _bitwise(name, fn):
    def op(input, other):
        a, b, dt, dev = binary_args(input, other)
        if dt.category >= _FLOAT:
            raise RuntimeError(
                f"\"{name}_cpu\" not implemented for '{_dtypes.scalar_type_name(dt)}'"
            )
        return compute(fn, [a, b], dt, dt, dev)

    return register(name, inplace=True)(op)


bitwise_and = _bitwise("bitwise_and", np.bitwise_and)
bitwise_or = _bitwise("bitwise_or", np.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor)


# --------------------------------------------------------------------------------- clamp, where


@register("clamp", node="ClampBackward1", inplace=True, aliases=("clip",))
def clamp(input, min=None, max=None):  # noqa: A002 - torch's names
    """Clamp to [min, max]; the gradient passes where min <= input <= max (bounds included)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    dt = _dtypes.result_type(input, *(v for v in (min, max) if v is not None))
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max

    def fwd(x):
        r = x
        if min is not None:
            r = np.where(np.isnan(r), r, np.maximum(r, lo))
        if max is not None:
            r = np.where(np.isnan(r), r, np.minimum(r, hi))
        return r

    y = compute(fwd, [input], dt, dt, input.device)

    def vjp(g, c):
        mask = ones_mask(c.self)
        if min is not None:
            mask = mask & (c.self >= min)
        if max is not None:
            mask = mask & (c.self <= max)
        return g * mask

    record("ClampBackward1", [input], [y], [vjp], [("self",)], {"self": input})
    return y


def ones_mask(x: Tensor) -> Tensor:
    return Tensor._from_array(np.ones(x.shape, np.bool_), _dtypes.bool, x.device)


def _clamp_tensor(input, min, max):  # noqa: A002
    dt = _dtypes.result_type(input, *(v for v in (min, max) if v is not None))
    dev = common_device(input, min, max)
    x = wrap(input, dt, dev)
    lo = wrap(min, dt, dev) if min is not None else None
    hi = wrap(max, dt, dev) if max is not None else None
    args = [x] + [t for t in (lo, hi) if t is not None]
    broadcast_shapes(*[tuple(t.shape) for t in args])

    def fwd(xa, *bounds):
        r = xa
        k = 0
        if lo is not None:
            r = np.where(np.isnan(r) | np.isnan(bounds[k]), np.nan, np.maximum(r, bounds[k]))
            k += 1
        if hi is not None:
            r = np.where(np.isnan(r) | np.isnan(bounds[k]), np.nan, np.minimum(r, bounds[k]))
        return r

    y = compute(fwd, args, dt, dt, dev)

    def vjp_self(g, c):
        mask = ones_mask(c.self)
        if c.min is not None:
            mask = mask & (c.self >= c.min)
        if c.max is not None:
            mask = mask & (c.self <= c.max)
        return g * mask

    def vjp_min(g, c):
        return g * (c.self < c.min)

    def vjp_max(g, c):
        return g * (c.self > c.max)

    record(
        "ClampBackward0",
        [x, lo, hi],
        [y],
        [vjp_self, vjp_min, vjp_max],
        [("self", "min", "max"), ("self", "min"), ("self", "max")],
        {"self": x, "min": lo, "max": hi},
    )
    return y


@register("clamp_min", node="ClampMinBackward0", inplace=True)
def clamp_min(input, min):  # noqa: A002
    return clamp(input, min=min)


@register("clamp_max", node="ClampMaxBackward0", inplace=True)
def clamp_max(input, max):  # noqa: A002
    return clamp(input, max=max)


@register("where", node="WhereBackward0", method=False)
def where(condition, input=None, other=None):
    """Elementwise select; the gradient goes to the chosen branch."""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor) or condition.dtype is not _dtypes.bool:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{_dtypes.scalar_type_name(getattr(condition, 'dtype', _dtypes.float32))}"
        )
    dt = _dtypes.result_type(input, other)
    dev = common_device(condition, input, other)
    a, b = wrap(input, dt, dev), wrap(other, dt, dev)
    broadcast_shapes(tuple(condition.shape), tuple(a.shape), tuple(b.shape))
    y = compute(lambda c, x, z: np.where(c, x, z), [condition, a, b], dt, dt, dev)
    record(
        "WhereBackward0",
        [a, b],
        [y],
        [lambda g, c: where(c.condition, g, 0.0), lambda g, c: where(c.condition, 0.0, g)],
        [("condition",), ("condition",)],
        {"condition": condition},
    )
    return y


def _tensor_where(self, condition, y):
    return where(condition, self, y)


Tensor.where = _tensor_where
