"""Elementwise ops: forwards in NumPy, VJPs in gradref ops (one line each), torch's node names.

Gradients of complex ops follow torch's convention, the conjugate Wirtinger derivative: for a
holomorphic f the VJP is ``grad * f'(z).conj()``. ``.conj()`` is free on real tensors.
Conventions at non-differentiable points are explicit here (relu'(0)=0, abs'(0)=0, clamp passes
the gradient at its bounds, sqrt'(0)=inf), following torch's derivatives.yaml.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes, _grad_mode
from .._factories import zeros_like
from .._forward import add_defined, or_zeros
from .._ops import common_device, compute, in_opmath, is_scalar, opmath_scalar, record, wrap
from .._ops import inplace as _run_inplace
from .._ops import retype as _retype
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
    kernel=None,
    low_precision=True,
):
    """Define an elementwise unary op ``name(input)`` with gradient ``vjp(grad, ctx)``, and
    forward-mode derivative ``vjp(tangent, ctx)``.
    ``kernel``: the name of torch's CPU kernel, which refuses complex inputs (and float16 /
    bfloat16 ones unless ``low_precision``) with NotImplementedError."""

    def op(input):
        x = _check_tensor(name, input)
        dt = x.dtype
        if kernel and (dt.is_complex or (not low_precision and dt in _LOW_PRECISION)):
            not_implemented(kernel, dt)
        rdt = out_dtype(dt) if out_dtype else (_float_result(dt) if to_float else dt)
        y = compute(fwd, [x], rdt if rdt.category >= dt.category else dt, rdt, x.device)
        record(node, [x], [y], [vjp], [uses], {"self": x, "result": y}, jvp=jvp)
        return y

    def jvp(t, c):
        # torch's ``auto_element_wise``: the backward formula with the tangent for the gradient
        # (gradref's forward mode is real, so no conjugation)
        return vjp(t[0], c)

    op.__doc__ = f"{name}(input) -> Tensor; backward node {node}."
    return register(name, node=node, inplace=inplace, method=method, aliases=aliases)(op)


_LOW_PRECISION = (_dtypes.float16, _dtypes.bfloat16)


def not_implemented(kernel: str, dt) -> None:
    """torch's error for a dtype its kernel has no implementation for."""
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dtypes.scalar_type_name(dt)}'")


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
    # threshold_backward: ``result <= 0 ? 0 : grad`` (NaN gradients dropped there, and the
    # gradient passes at a NaN input)
    lambda g, c: where(c.result <= 0, 0.0, g),
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
    return _np_sign(x)


def _np_sign(x):
    """sign with torch's 0 at NaN (so abs'(NaN) = 0 too)."""
    return np.where(np.isnan(x), 0, np.sign(x)).astype(np.asarray(x).dtype)


def _sgn_backward(g, c):
    """Real: zero. Complex: sgn(z) = z / |z| has VJP (g - s Re(conj(s) g)) / |z|, 0 at 0."""
    if not c.self.dtype.is_complex:
        return _zero_grad(g, c)
    a = c.self.abs()
    s = c.result
    return where(a == 0, 0.0, (g - s * (s.conj() * g).real) / a)


sgn = unary("sgn", "SgnBackward0", _np_sgn, _sgn_backward, ("self", "result"), to_float=False)
sign = unary("sign", "SignBackward0", _np_sign, lambda g, c: _zero_grad(g, c), (), to_float=False)
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
        {"alpha": alpha},
        # self_t + alpha * other_t (the JVP the VJPs give, bit for bit, without a backward)
        jvp=lambda t, c: add_defined(t[0], _scaled(t[1], alpha)),
    )
    return y


def _scaled(t, alpha):
    """``alpha * t`` for a tangent (None stays None; alpha 1 is t itself)."""
    return t if t is None or alpha == 1 else t * alpha


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
        {"alpha": alpha},
        jvp=lambda t, c: add_defined(t[0], None if t[1] is None else -_scaled(t[1], alpha)),
    )
    return y


@register("rsub", node="RsubBackward1")
def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    a, b, dt, dev = binary_args(input, other)
    y = compute(lambda x, z: z - alpha * x, [a, b], dt, dt, dev)
    vjp_self = lambda g, c: -g * np.conj(alpha) if alpha != 1 else -g  # noqa: E731
    if isinstance(other, Tensor):
        record("RsubBackward0", [a, b], [y], [vjp_self, lambda g, c: g], [(), ()], {"alpha": alpha})
    else:  # rsub(Tensor, Scalar): the number is no input of the node
        record("RsubBackward1", [a], [y], [vjp_self], [()], {"alpha": alpha})
    return y


@register("mul", node="MulBackward0", inplace=True, aliases=("multiply",))
def mul(input, other):
    """input * other; MulBackward0."""
    a, b, dt, dev = binary_args(input, other)
    b_op = opmath_scalar(b, dt)
    y = compute(in_opmath(np.multiply, b_op), [a, b_op], dt, dt, dev)
    record(
        "MulBackward0",
        [a, b],
        [y],
        [lambda g, c: g * c.other.conj(), lambda g, c: g * c.self.conj()],
        [("other",), ("self",)],
        {"self": a, "other": b},
        # self_t * other + other_t * self (real dtypes only, as forward mode)
        jvp=lambda t, c: add_defined(
            None if t[0] is None else t[0] * c.other, None if t[1] is None else t[1] * c.self
        ),
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
        b_op = opmath_scalar(b, rdt)
        y = compute(in_opmath(np.divide, b_op), [a, b_op], rdt, rdt, dev)
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
            # (self_t - other_t * result) / other: an undefined tangent's term is skipped
            jvp=lambda t, c: add_defined(t[0], None if t[1] is None else -(t[1] * y)) / c.other,
        )
        return y
    if dt.category < _FLOAT and np.any(b._data == 0):
        raise RuntimeError("ZeroDivisionError")
    fn = np.floor_divide if rounding_mode == "floor" else (lambda x, z: np.trunc(x / z))
    y = compute(fn, [a, b], dt, dt, dev)
    # zero gradients, but torch saves both operands (version-checked) all the same
    record(
        "DivBackward2",
        [a, b],
        [y],
        [_zero_grad, _zero_grad],
        [("other",), ("other", "self")],
        {"self": a, "other": b, "rounding_mode": rounding_mode},
    )
    return y


def mul_scalar(input: Tensor, other) -> Tensor:
    """``input * number`` as torch's C++ composites do it (mul.Scalar): MulBackward1, whose
    only input is ``input`` and which saves the number."""
    dt = _dtypes.result_type(input, other)
    y = compute(lambda x: x * other, [input], dt, dt, input.device)
    record("MulBackward1", [input], [y], [lambda g, c: g * np.conj(other)], [()], {"other": other})
    return y


def div_scalar(input: Tensor, other) -> Tensor:
    """``input / number`` as torch's C++ composites do it (div.Scalar): DivBackward1."""
    rdt = _float_result(_dtypes.result_type(input, other))
    y = compute(lambda x: x / other, [input], rdt, rdt, input.device)
    record("DivBackward1", [input], [y], [lambda g, c: g / np.conj(other)], [()], {"other": other})
    return y


def add_scalar(input: Tensor, other) -> Tensor:
    """``input + number`` as torch's C++ composites do it (add.Scalar): AddBackward1."""
    dt = _dtypes.result_type(input, other)
    y = compute(lambda x: x + other, [input], dt, dt, input.device)
    record("AddBackward1", [input], [y], [lambda g, c: g], [()])
    return y


@register("floor_divide")
def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


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
                return _zero_grad(g, c)
            return g * (exponent * c.self.pow(exponent - 1)).conj()

        record(
            "PowBackward0", [input], [y], [vjp], [("self",)], {"self": input, "exponent": exponent}
        )
        return y
    a, b, dt, dev = binary_args(input, exponent)
    y = compute(np.power, [a, b], dt, dt, dev)

    def vjp_self(g, c):  # torch: 0 where the exponent is 0 (0^0 included)
        zero = c.exponent == 0  # a safe exponent there keeps the derived JVP 0, not NaN
        e = where(zero, 1.0, c.exponent)
        return where(zero, 0.0, g * (e * c.self.pow(e - 1)).conj())

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
        [vjp_self, vjp_exp],
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
        {"result": y, "exponent": exponent, "self": base},
    )
    return y


# ----------------------------------------------------------------------------------- comparisons


def _comparison(name, fn, aliases=()):
    def op(input, other):
        a, b, dt, dev = binary_args(input, other)
        # compared in the common dtype, as torch: a float64 0-dim operand rounds to float32
        return compute(
            lambda x, z: fn(x.astype(dt.np), z.astype(dt.np)), [a, b], dt, _dtypes.bool, dev
        )

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
    """Clamp to [min, max]. The gradient passes strictly inside (min < input < max): at a scalar
    bound it is 0; with tensor bounds a tie splits it in half between input and bound, as
    maximum/minimum do (torch 2.14's convention, see CONVENTIONS)."""
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
            mask = mask & (c.self > min)
        if max is not None:
            mask = mask & (c.self < max)
        return where(mask, g, 0.0)  # a NaN gradient where clamped is dropped, as torch does

    record(
        "ClampBackward1", [input], [y], [vjp], [("self",)], {"self": input, "min": min, "max": max}
    )
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
        x, lo, hi = c.self, c.min, c.max
        if lo is None or hi is None:  # one bound: as maximum (min) or minimum (max)
            bnd = hi if lo is None else lo
            return _extremum_grad(g, x > bnd if lo is None else x < bnd, x == bnd)
        half = ((x == lo) & (x < hi)) | ((x == hi) & (x > lo))
        return where(half, g / 2, g).masked_fill((x < lo) | (x > hi), 0.0)

    def vjp_min(g, c):
        x, lo, hi = c.self, c.min, c.max
        if hi is None:
            return _extremum_grad(g, x > lo, x == lo)
        half = (x == lo) & (x < hi)
        return where(half, g / 2, where((x < lo) & (lo <= hi), g, 0.0))

    def vjp_max(g, c):
        x, lo, hi = c.self, c.min, c.max
        if lo is None:
            return _extremum_grad(g, x < hi, x == hi)
        half = (x == hi) & (x > lo)
        return where(half, g / 2, where((lo > hi) | ((x > hi) & (lo <= hi)), g, 0.0))

    record(
        "ClampBackward0",
        [x, lo, hi],
        [y],
        [vjp_self, vjp_min, vjp_max],
        [("self", "min", "max"), ("self", "min", "max"), ("self", "min", "max")],
        {"self": x, "min": lo, "max": hi},
        jvp=_clamp_tangent,
    )
    return y


def _clamp_tangent(t, c):
    """torch's forward-mode clamp with tensor bounds. One bound acts as maximum (min) or
    minimum (max). With both: max's tangent where min > max, else the tangent of the bound the
    input lies beyond, the mean of the input's and a bound's at a tie with that bound alone
    (x == min < max, min < max == x), the input's elsewhere (inside, at x == min == max, and
    where a NaN fails every comparison)."""
    x = c.self
    tx = or_zeros(t[0], x)
    if c.min is None or c.max is None:
        bnd, k = (c.max, 2) if c.min is None else (c.min, 1)
        return _extremum_tangent([tx, t[k]], x, bnd, x < bnd if c.min is None else x > bnd)
    lo, hi = c.min, c.max
    tlo, thi = or_zeros(t[1], lo), or_zeros(t[2], hi)
    inside = where((x == hi) & (x > lo), (tx + thi) / 2, tx)
    inside = where((x == lo) & (x < hi), (tx + tlo) / 2, inside)
    return where(lo > hi, thi, where(x < lo, tlo, where(x > hi, thi, inside)))


@register("clamp_min", node="ClampMinBackward0", inplace=True)
def clamp_min(input, min):  # noqa: A002
    if isinstance(min, Tensor):
        return _clamp_one_tensor(input, min, "min")
    return _renamed(clamp(input, min=min), "ClampMinBackward0")


def _clamp_one_tensor(input, bound, side: str):
    """clamp_min / clamp_max with a tensor bound (ClampMinBackward1 / ClampMaxBackward1): a tie
    splits the gradient in half between input and bound."""
    dt = _dtypes.result_type(input, bound)
    dev = common_device(input, bound)
    x, b = wrap(input, dt, dev), wrap(bound, dt, dev)
    broadcast_shapes(tuple(x.shape), tuple(b.shape))
    fn = np.maximum if side == "min" else np.minimum
    y = compute(fn, [x, b], dt, dt, dev)
    sign = 1 if side == "min" else -1

    def vjp_self(g, c):
        bnd = getattr(c, side)
        lose = c.self < bnd if sign > 0 else c.self > bnd
        return where(c.self == bnd, g / 2, g).masked_fill(lose, 0.0)

    def vjp_bound(g, c):
        bnd = getattr(c, side)
        lose = c.self > bnd if sign > 0 else c.self < bnd
        return where(c.self == bnd, g / 2, g).masked_fill(lose, 0.0)

    def jvp(t, c):
        bnd = getattr(c, side)
        return _extremum_tangent(t, c.self, bnd, c.self > bnd if sign > 0 else c.self < bnd)

    node = "ClampMinBackward1" if side == "min" else "ClampMaxBackward1"
    record(
        node,
        [x, b],
        [y],
        [vjp_self, vjp_bound],
        [("self", side), ("self", side)],
        {"self": x, side: b},
        jvp=jvp,
    )
    return y


def _renamed(y, node: str):
    """clamp's node as clamp_min's / clamp_max's (which save only their one bound)."""
    if y.grad_fn is not None:
        _retype(y.grad_fn, node)
    return y


@register("clamp_max", node="ClampMaxBackward0", inplace=True)
def clamp_max(input, max):  # noqa: A002
    if isinstance(max, Tensor):
        return _clamp_one_tensor(input, max, "max")
    return _renamed(clamp(input, max=max), "ClampMaxBackward0")


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


# ------------------------------------------------------------------------- more unary (math)
# One line per op: forward in NumPy, VJP in gradref ops (derivatives.yaml's formula, conjugated
# for complex inputs), the saved values it uses.

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))
_SQRT_PI = float(np.sqrt(np.pi))


def _np_erfc(x):
    """erfc in float64 (math.erfc, accurate where 1 - erf(x) cancels)."""
    import math

    return np.vectorize(math.erfc, otypes=[np.float64])(x) if x.size else x.astype(np.float64)


def _np_erf(x):
    """erf in float64 (NumPy has none; math.erf is exact to double precision)."""
    import math

    return np.vectorize(math.erf, otypes=[np.float64])(x) if x.size else x.astype(np.float64)


def _zero_grad(g, c):
    """The gradient of a piecewise-constant op: zeros, not connected to ``g`` (as torch's
    ``zeros_like(grad)``), so a second derivative finds no graph."""

    return zeros_like(g)


exp2 = unary(
    "exp2", "Exp2Backward0", np.exp2, lambda g, c: g * (c.result * _LN2).conj(), ("result",)
)
expm1 = unary(
    "expm1", "Expm1Backward0", np.expm1, lambda g, c: g * (c.result + 1).conj(), ("result",)
)
log2 = unary("log2", "Log2Backward0", np.log2, lambda g, c: g / (c.self * _LN2).conj())
log10 = unary("log10", "Log10Backward0", np.log10, lambda g, c: g / (c.self * _LN10).conj())
log1p = unary("log1p", "Log1PBackward0", np.log1p, lambda g, c: g / (c.self + 1).conj())
rsqrt = unary(
    "rsqrt",
    "RsqrtBackward0",
    lambda x: 1 / np.sqrt(x),
    lambda g, c: g * (-0.5 * c.result * c.result * c.result).conj(),
    ("result",),
)
tan = unary(
    "tan", "TanBackward0", np.tan, lambda g, c: g * (1 + c.result * c.result).conj(), ("result",)
)
asin = unary(
    "asin",
    "AsinBackward0",
    np.arcsin,
    lambda g, c: g * (1 - c.self * c.self).rsqrt().conj(),
    aliases=("arcsin",),
)
acos = unary(
    "acos",
    "AcosBackward0",
    np.arccos,
    lambda g, c: g * -(1 - c.self * c.self).rsqrt().conj(),
    aliases=("arccos",),
)
atan = unary(
    "atan",
    "AtanBackward0",
    np.arctan,
    lambda g, c: g / (1 + c.self * c.self).conj(),
    aliases=("arctan",),
)
sinh = unary("sinh", "SinhBackward0", np.sinh, lambda g, c: g * c.self.cosh().conj())
cosh = unary("cosh", "CoshBackward0", np.cosh, lambda g, c: g * c.self.sinh().conj())
erf = unary(
    "erf",
    "ErfBackward0",
    _np_erf,
    lambda g, c: g * (2.0 / _SQRT_PI) * (-(c.self * c.self)).exp(),
)
asinh = unary(
    "asinh",
    "AsinhBackward0",
    np.arcsinh,
    lambda g, c: g * (c.self * c.self + 1).rsqrt().conj(),
    aliases=("arcsinh",),
)
acosh = unary(
    "acosh",
    "AcoshBackward0",
    np.arccosh,
    lambda g, c: g * (c.self * c.self - 1).rsqrt().conj(),
    aliases=("arccosh",),
)
atanh = unary(
    "atanh",
    "AtanhBackward0",
    np.arctanh,
    lambda g, c: g / (1 - c.self * c.self).conj(),
    aliases=("arctanh",),
)
erfc = unary(
    "erfc",
    "ErfcBackward0",
    lambda x: _np_erfc(x),
    lambda g, c: g * (-2.0 / _SQRT_PI) * (-(c.self * c.self)).exp(),
)
deg2rad = unary("deg2rad", "Deg2RadBackward0", np.deg2rad, lambda g, c: g * float(np.pi / 180), ())
rad2deg = unary("rad2deg", "Rad2DegBackward0", np.rad2deg, lambda g, c: g * float(180 / np.pi), ())
floor = unary("floor", "FloorBackward0", np.floor, _zero_grad, (), to_float=False)
ceil = unary("ceil", "CeilBackward0", np.ceil, _zero_grad, (), to_float=False)
trunc = unary("trunc", "TruncBackward0", np.trunc, _zero_grad, (), to_float=False, aliases=("fix",))
frac = unary("frac", "FracBackward0", lambda x: x - np.trunc(x), lambda g, c: g, (), to_float=False)
_round0 = unary("round", "RoundBackward0", np.round, _zero_grad, (), to_float=False)


@register("round", node="RoundBackward0", inplace=True)
def round(input, *, decimals: int = 0):  # noqa: A001 - torch's name
    """Round half to even (``decimals`` places); zero gradient (RoundBackward0 / RoundBackward1)."""
    if decimals == 0:
        return _round0(input)
    x = _check_tensor("round", input)
    y = compute(lambda a: np.round(a, decimals), [x], x.dtype, x.dtype, x.device)
    record("RoundBackward1", [x], [y], [_zero_grad], [()])
    return y


@register("square")
def square(input):
    """input * input, as torch: ``pow(input, 2)`` (PowBackward0)."""
    return pow(input, 2)


@register("logsigmoid", method=False)
def logsigmoid(input):
    """log(sigmoid(x)) computed stably; LogSigmoidBackward0 with gradient ``g * sigmoid(-x)``."""
    x = _check_tensor("log_sigmoid", input)
    if x.dtype.category < _FLOAT:
        raise NotImplementedError(
            f"\"log_sigmoid_forward\" not implemented for '{_dtypes.scalar_type_name(x.dtype)}'"
        )
    y = compute(lambda a: -np.logaddexp(0.0, -a), [x], x.dtype, x.dtype, x.device)
    # log_sigmoid_forward's second output (CPU): exp(-|x|), saved, not differentiable
    buffer = compute(lambda a: np.exp(-np.abs(a)), [x], x.dtype, x.dtype, x.device)
    record(
        "LogSigmoidBackward0",
        [x],
        [y, buffer],
        [lambda g, c: g * (-c.self).sigmoid()],
        [("self", "buffer")],
        {"self": x, "buffer": buffer},
        differentiable=(True, False),
    )
    return y


def _activation_input(name: str, input) -> Tensor:
    x = _check_tensor(name, input)
    if x.dtype.category < _FLOAT:
        raise RuntimeError(f"\"{name}\" not implemented for '{_dtypes.scalar_type_name(x.dtype)}'")
    return x


@register("leaky_relu", method=False)
def leaky_relu(input, negative_slope: float = 0.01):
    """x if x > 0 else slope * x; the gradient at 0 is ``slope`` (torch tests ``x > 0``)."""
    x = _activation_input("leaky_relu_cpu", input)
    y = compute(lambda a: np.where(a > 0, a, a * negative_slope), [x], x.dtype, x.dtype, x.device)
    record(
        "LeakyReluBackward0",
        [x],
        [y],
        [lambda g, c: where(c.self > 0, g, g * negative_slope)],
        [("self",)],
        {"self": x, "negative_slope": negative_slope},
    )
    return y


@register("elu", method=False)
def elu(input, alpha: float = 1.0):
    """x if x > 0 else alpha * (exp(x) - 1); the gradient at 0 is ``alpha`` (x <= 0 branch)."""
    x = _activation_input("elu", input)
    y = compute(lambda a: np.where(a > 0, a, alpha * np.expm1(a)), [x], x.dtype, x.dtype, x.device)
    record(
        "EluBackward0",
        [x],
        [y],
        [lambda g, c: g * where(c.self <= 0, alpha * c.self.exp(), 1.0)],  # 1 at NaN
        [("self",)],
        {"self": x, "alpha": alpha, "scale": 1, "input_scale": 1},
    )
    return y


_INV_SQRT2 = float(1 / np.sqrt(2.0))
_INV_SQRT_2PI = float(1 / np.sqrt(2 * np.pi))
_SQRT_2_OVER_PI = float(np.sqrt(2 / np.pi))


def _gelu_np(a, approximate):
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a**3)))
    return 0.5 * a * (1 + _np_erf(a * _INV_SQRT2))


def _gelu_grad(x: Tensor, approximate: str) -> Tensor:
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
        t = inner.tanh()
        d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner
    return 0.5 * (1 + (x * _INV_SQRT2).erf()) + x * _INV_SQRT_2PI * (-0.5 * x * x).exp()


@register("gelu", method=False)
def gelu(input, approximate: str = "none"):
    """x * Phi(x) (``approximate='none'``) or its tanh approximation; GeluBackward0."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    x = _activation_input("GeluKernelImpl", input)
    y = compute(lambda a: _gelu_np(a, approximate), [x], x.dtype, x.dtype, x.device)
    record(
        "GeluBackward0",
        [x],
        [y],
        [lambda g, c: g * _gelu_grad(c.self, approximate)],
        [("self",)],
        {"self": x, "approximate": approximate},
    )
    return y


@register("silu", method=False)
def silu(input):
    """x * sigmoid(x); SiluBackward0."""
    x = _activation_input("silu", input)
    y = compute(lambda a: a / (1 + np.exp(-a)), [x], x.dtype, x.dtype, x.device)

    def vjp(g, c):
        s = c.self.sigmoid()
        return g * (s * (1 + c.self * (1 - s))).conj()

    record("SiluBackward0", [x], [y], [vjp], [("self",)], {"self": x})
    return y


@register("softplus", method=False)
def softplus(input, beta: float = 1, threshold: float = 20):
    """log(1 + exp(beta x)) / beta, linear where beta * x > threshold; SoftplusBackward0."""
    x = _activation_input("softplus", input)
    y = compute(
        lambda a: np.where(a * beta > threshold, a, np.logaddexp(0.0, a * beta) / beta),
        [x],
        x.dtype,
        x.dtype,
        x.device,
    )
    record(
        "SoftplusBackward0",
        [x],
        [y],
        [lambda g, c: where(c.self * beta > threshold, g, g * (c.self * beta).sigmoid())],
        [("self",)],
        {"self": x, "beta": beta, "threshold": threshold},
    )
    return y


# ------------------------------------------------------------------------- more binary


def _extremum_grad(g, lose, tie):
    """torch's maximum/minimum formula for one side: ``where(tie, g / 2, g)`` with zeros where
    it loses (so both sides get the whole gradient where a NaN makes every comparison false)."""
    return where(tie, g / 2, g).masked_fill(lose, 0.0)


@register("maximum", node="MaximumBackward0")
def maximum(input, other):
    """Elementwise max; at a tie each side gets half the gradient (torch's convention)."""
    a, b, dt, dev = binary_args(input, other)
    _no_complex("maximum", dt)
    y = compute(np.maximum, [a, b], dt, dt, dev)
    record(
        "MaximumBackward0",
        [a, b],
        [y],
        [
            lambda g, c: _extremum_grad(g, c.self < c.other, c.self == c.other),
            lambda g, c: _extremum_grad(g, c.self > c.other, c.self == c.other),
        ],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
        jvp=lambda t, c: _extremum_tangent(t, c.self, c.other, c.self > c.other),
    )
    return y


@register("minimum", node="MinimumBackward0")
def minimum(input, other):
    """Elementwise min; at a tie each side gets half the gradient (torch's convention)."""
    a, b, dt, dev = binary_args(input, other)
    _no_complex("minimum", dt)
    y = compute(np.minimum, [a, b], dt, dt, dev)
    record(
        "MinimumBackward0",
        [a, b],
        [y],
        [
            lambda g, c: _extremum_grad(g, c.self > c.other, c.self == c.other),
            lambda g, c: _extremum_grad(g, c.self < c.other, c.self == c.other),
        ],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
        jvp=lambda t, c: _extremum_tangent(t, c.self, c.other, c.self < c.other),
    )
    return y


def _extremum_tangent(t, a, b, a_wins):
    """torch's forward-mode maximum/minimum (and clamp_min/clamp_max with a tensor bound): the
    tangents' mean at a tie, else the winner's tangent, the second's where no comparison holds
    (NaN). The tangents are selected, never blended, so one side's inf stays out of the other."""
    ta, tb = or_zeros(t[0], a), or_zeros(t[1], b)
    return where(a == b, (ta + tb) / 2, where(a_wins, ta, tb))


def _no_complex(name, dt):
    if dt.is_complex:
        raise RuntimeError(f"{name} not implemented for complex tensors.")


@register("atan2", node="Atan2Backward0", inplace=True, aliases=("arctan2",))
def atan2(input, other):
    """atan2(input, other); d/dinput = other / r^2, d/dother = -input / r^2."""
    if not isinstance(other, Tensor):
        raise TypeError(
            f"atan2(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    a, b, dt, dev = binary_args(input, other)
    rdt = _float_result(dt)
    y = compute(np.arctan2, [a, b], rdt, rdt, dev)

    def r2(c):  # torch gives 0 at (0, 0): a safe denominator there, masked below
        r = c.self * c.self + c.other * c.other
        return r == 0, where(r == 0, 1.0, r)

    def vjp_self(g, c):
        zero, r = r2(c)
        return where(zero, 0.0, g * c.other / r)

    def vjp_other(g, c):
        zero, r = r2(c)
        return where(zero, 0.0, g * -c.self / r)

    def jvp(t, c):  # torch's formula is not masked at (0, 0): 0 / 0 is NaN there
        ta, tb = t
        num = add_defined(
            None if tb is None else -c.self * tb, None if ta is None else c.other * ta
        )
        return num / (c.self * c.self + c.other * c.other)

    record(
        "Atan2Backward0",
        [a, b],
        [y],
        [vjp_self, vjp_other],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
        jvp=jvp,
    )
    return y


@register("hypot", node="HypotBackward0", inplace=True)
def hypot(input, other):
    """sqrt(input^2 + other^2); gradients input / result and other / result."""
    a, b, dt, dev = binary_args(input, other)
    if dt.category < _FLOAT or dt.is_complex:
        not_implemented("hypot_cpu", dt)
    y = compute(np.hypot, [a, b], dt, dt, dev)
    record(
        "HypotBackward0",
        [a, b],
        [y],
        [lambda g, c: g * c.self / c.result, lambda g, c: g * c.other / c.result],
        [("self", "result"), ("other", "result")],
        {"self": a, "other": b, "result": y},
    )
    return y


def _np_lerp(a, b, w):
    """torch's lerp kernel: from ``a`` for a weight below 0.5 in magnitude, else from ``b``
    (``b - (b - a) * (1 - w)``), so an infinite end gives inf rather than inf - inf."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


@register("lerp", node="LerpBackward0", inplace=True)
def lerp(input, end, weight):
    """input + weight * (end - input); LerpBackward0 (scalar weight) / LerpBackward1 (tensor)."""
    if not isinstance(end, Tensor):
        raise TypeError(
            f"lerp(): argument 'end' (position 2) must be Tensor, not {type(end).__name__}"
        )
    if input.dtype is not end.dtype:
        raise RuntimeError(
            f"expected dtype {_dtypes.type_meta_name(input.dtype)} for `end` but got dtype "
            f"{_dtypes.type_meta_name(end.dtype)}"
        )
    dev = common_device(input, end, weight)
    dt = input.dtype
    if not isinstance(weight, Tensor):
        broadcast_shapes(tuple(input.shape), tuple(end.shape))
        w = weight
        y = compute(lambda a, b: a + w * (b - a), [input, end], dt, dt, dev)
        record(
            "LerpBackward0",
            [input, end],
            [y],
            [lambda g, c: g * np.conj(1 - w), lambda g, c: g * np.conj(w)],
            [(), ()],
            {"weight": w},
        )
        return y
    if weight.dtype is not dt:
        raise RuntimeError(
            f"expected dtype {_dtypes.type_meta_name(dt)} for `weight` but got dtype "
            f"{_dtypes.type_meta_name(weight.dtype)}"
        )
    broadcast_shapes(tuple(input.shape), tuple(end.shape), tuple(weight.shape))
    y = compute(_np_lerp, [input, end, weight], dt, dt, dev)

    def jvp(t, c):
        # lerp(self_t, end_t, weight) + weight_t * (end - self): lerp reads an undefined
        # tangent as zeros (0 * inf is NaN), the product with weight_t is skipped without it
        ta, tb, tw = t
        ends = lerp(or_zeros(ta, c.self), or_zeros(tb, c.end), c.weight)
        return add_defined(ends, None if tw is None else tw * (c.end - c.self))

    record(
        "LerpBackward1",
        [input, end, weight],
        [y],
        [
            lambda g, c: g * (1 - c.weight).conj(),
            lambda g, c: g * c.weight.conj(),
            lambda g, c: g * (c.end - c.self).conj(),
        ],
        # torch saves weight whenever any gradient is needed, end and self for weight's
        [("weight",), ("weight",), ("end", "self", "weight")],
        {"self": input, "end": end, "weight": weight},
        jvp=jvp,
    )
    return y


def _predicate(name, fn):
    def op(input):
        x = _check_tensor(name, input)
        return compute(fn, [x], x.dtype, _dtypes.bool, x.device)

    op.__doc__ = f"{name}(input) -> bool Tensor (not differentiable)."
    return register(name, inplace=False)(op)


isnan = _predicate("isnan", np.isnan)
isinf = _predicate("isinf", np.isinf)
isfinite = _predicate("isfinite", np.isfinite)


# ------------------------------------------------------------- binary ops of derivatives.yaml


def _binary(name, node, fwd, vjps, uses, a, b, dt, dev, out_dtype=None):
    """Compute ``fwd(a, b)`` and record ``node`` with VJPs for both operands."""
    y = compute(fwd, [a, b], dt, out_dtype or dt, dev)
    record(node, [a, b], [y], vjps, uses, {"self": a, "other": b, "result": y})
    return y


def _float_args(name, input, other):
    a, b, dt, dev = binary_args(input, other)
    rdt = _float_result(dt)
    return a, b, rdt, dev


@register("fmax", node="FmaxBackward0")
def fmax(input, other):
    """Elementwise max ignoring NaN; ties split the gradient, NaN selects the other side."""
    a, b, dt, dev = binary_args(input, other)
    if dt.is_complex:
        raise TypeError("fmax not implemented for complex tensors.")

    def vjp_self(g, c):
        keep = (c.self >= c.other) | c.other.isnan()
        return where(c.self == c.other, g / 2, g).masked_fill(~keep, 0.0)

    def vjp_other(g, c):
        lose = (c.self > c.other) | c.other.isnan()
        return where(c.self == c.other, g / 2, g).masked_fill(lose, 0.0)

    y = compute(np.fmax, [a, b], dt, dt, dev)
    record(
        "FmaxBackward0",
        [a, b],
        [y],
        [vjp_self, vjp_other],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
    )
    return y


@register("fmin", node="FminBackward0")
def fmin(input, other):
    """Elementwise min ignoring NaN; ties split the gradient, NaN selects the other side."""
    a, b, dt, dev = binary_args(input, other)
    if dt.is_complex:
        raise TypeError("fmin not implemented for complex tensors.")

    def vjp_self(g, c):
        keep = (c.self <= c.other) | c.other.isnan()
        return where(c.self == c.other, g / 2, g).masked_fill(~keep, 0.0)

    def vjp_other(g, c):
        lose = (c.self < c.other) | c.other.isnan()
        return where(c.self == c.other, g / 2, g).masked_fill(lose, 0.0)

    y = compute(np.fmin, [a, b], dt, dt, dev)
    record(
        "FminBackward0",
        [a, b],
        [y],
        [vjp_self, vjp_other],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
    )
    return y


def _remainder_like(name, fn, rounding, nodes, input, other):
    """fmod / remainder: the gradient of ``other`` is ``-g * div(self, other, rounding)``; with
    a number for ``other`` torch's node has one input and saves nothing."""
    a, b, dt, dev = binary_args(input, other)
    if dt.is_complex:
        not_implemented(f"{name}_cpu", dt)
    if dt.category < _FLOAT and np.any(b._data == 0):
        raise RuntimeError("ZeroDivisionError")
    y = compute(fn, [a, b], dt, dt, dev)
    if not isinstance(other, Tensor):
        record(nodes[0], [a], [y], [lambda g, c: g], [()])
        return y
    record(
        nodes[1],
        [a, b],
        [y],
        [lambda g, c: g, lambda g, c: -g * div(c.self, c.other, rounding_mode=rounding)],
        [(), ("self", "other")],
        {"self": a, "other": b},
    )
    return y


@register("fmod", node="FmodBackward1", inplace=True)
def fmod(input, other):
    """C's fmod (the sign of ``input``); FmodBackward0 (number) / FmodBackward1 (tensor)."""
    return _remainder_like(
        "fmod", np.fmod, "trunc", ("FmodBackward0", "FmodBackward1"), input, other
    )


@register("remainder", node="RemainderBackward1", inplace=True)
def remainder(input, other):
    """Python's modulus (the sign of ``other``); torch's floor division in the gradient
    (-1 // inf = -1, inf // 1 = NaN), not floor(self / other)."""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"remainder(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return _remainder_like(
        "remainder", np.mod, "floor", ("RemainderBackward0", "RemainderBackward1"), input, other
    )


@register("copysign", node="CopysignBackward0", inplace=True)
def copysign(input, other):
    """|input| with the sign of ``other``; the gradient of ``input`` is result / input (0 at
    input = 0), ``other`` gets zeros."""
    a, b, dt, dev = binary_args(input, other)
    if dt.is_complex:
        not_implemented("copysign_cpu", dt)
    rdt = _float_result(dt)
    y = compute(np.copysign, [a, b], rdt, rdt, dev)

    def vjp_self(g, c):
        return g * (c.result / c.self).masked_fill(c.self == 0, 0.0)

    if not isinstance(other, Tensor):
        record("CopysignBackward1", [a], [y], [vjp_self], [("self", "result")],
               {"self": a, "result": y})  # fmt: skip
        return y
    record(
        "CopysignBackward0",
        [a, b],
        [y],
        [vjp_self, _zero_grad],
        [("self", "result"), ()],
        {"self": a, "other": b, "result": y},
    )
    return y


def _np_xlogy(x, y):
    return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))


def _np_xlog1py(x, y):
    return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log1p(y)))


def _xlog(name, nodes, fwd, shift, input, other):
    """x * log(y + shift) (0 where x = 0 unless y is NaN); the gradient of x is 0 where x = 0
    and y <= -shift (torch's note on xlogy at x = 0, y <= 0)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): expected a Tensor argument")
    a, b, dt, dev = binary_args(input, other)
    if dt.is_complex:
        not_implemented(f"{name.removeprefix('special_')}_cpu", dt)
    rdt = _float_result(dt)
    y = compute(fwd, [a, b], rdt, rdt, dev)

    def log_other(c):
        if isinstance(c.other, Tensor):
            return c.other.log1p() if shift else c.other.log()
        with np.errstate(all="ignore"):
            return float(np.log1p(c.other) if shift else np.log(c.other))

    # g * log(other) rather than xlogy(g, other): the two differ only where g = 0, and this
    # form keeps the forward-mode derivative (taken at a zero cotangent) torch's
    def vjp_self(g, c):  # the log is masked before the product: no 0 * -inf in forward mode
        masked = (c.self == 0.0) & (c.other <= -shift)
        return g * where(masked, 0.0, log_other(c))

    def vjp_self_number(g, c):
        r = g * log_other(c)
        return r if c.other > -shift else r.masked_fill(c.self == 0.0, 0.0)

    def vjp_other(g, c):
        return g * c.self / (c.other + shift) if shift else g * c.self / c.other

    if not isinstance(other, Tensor):  # Scalar_Other
        record(nodes[2], [a], [y], [vjp_self_number], [("self",)], {"self": a, "other": other})
        return y
    if not isinstance(input, Tensor):  # Scalar_Self
        record(nodes[1], [b], [y], [vjp_other], [("other",)], {"self": input, "other": b})
        return y
    record(
        nodes[0],
        [a, b],
        [y],
        [vjp_self, vjp_other],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
    )
    return y


@register("xlogy", node="XlogyBackward0", inplace=True)
def xlogy(input, other):
    """input * log(other), 0 where input = 0 (unless other is NaN)."""
    return _xlog(
        "xlogy", ("XlogyBackward0", "XlogyBackward1", "XlogyBackward2"), _np_xlogy, 0, input, other
    )


def special_xlog1py(input, other):
    """input * log1p(other), 0 where input = 0 (unless other is NaN)."""
    nodes = ("SpecialXlog1PyBackward0", "SpecialXlog1PyBackward1", "SpecialXlog1PyBackward2")
    return _xlog("special_xlog1py", nodes, _np_xlog1py, 1, input, other)


def _np_logaddexp2(x, y):
    return np.logaddexp2(x, y)


@register("logaddexp", node="LogaddexpBackward0")
def logaddexp(input, other):
    """log(exp(input) + exp(other)), computed stably."""
    a, b, dt, dev = _float_args("logaddexp", input, other)
    y = compute(np.logaddexp, [a, b], dt, dt, dev)
    record(
        "LogaddexpBackward0",
        [a, b],
        [y],
        [
            lambda g, c: g / (1 + (c.other - c.self).exp()).conj(),
            lambda g, c: g / (1 + (c.self - c.other).exp()).conj(),
        ],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
    )
    return y


@register("logaddexp2", node="Logaddexp2Backward0")
def logaddexp2(input, other):
    """log2(2^input + 2^other), computed stably."""
    a, b, dt, dev = _float_args("logaddexp2", input, other)
    if dt.is_complex:
        not_implemented("logaddexp2_cpu", dt)
    y = compute(_np_logaddexp2, [a, b], dt, dt, dev)
    record(
        "Logaddexp2Backward0",
        [a, b],
        [y],
        [
            lambda g, c: g / (1 + pow(2.0, c.other - c.self)),
            lambda g, c: g / (1 + pow(2.0, c.self - c.other)),
        ],
        [("self", "other"), ("self", "other")],
        {"self": a, "other": b},
    )
    return y


@register("ldexp", node="LdexpBackward0", inplace=True)
def ldexp(input, other):
    """input * 2^other; LdexpBackward0 (saves other and the result)."""
    a, b, dt, dev = binary_args(input, other)
    rdt = _float_result(dt)
    y = compute(lambda x, e: x * np.exp2(e), [a, b], rdt, rdt, dev)
    record(
        "LdexpBackward0",
        [a, b],
        [y],
        [lambda g, c: g * pow(2.0, c.other).conj(), lambda g, c: g * c.result.conj() * _LN2],
        [("other",), ("result",)],
        {"other": b, "result": y},
    )
    return y


@register("nextafter", node="NextafterBackward0", inplace=True)
def nextafter(input, other):
    """The next float after input towards other; the gradient passes to input where input !=
    other (zeros for other)."""
    a, b, dt, dev = binary_args(input, other)
    if dt.category < _FLOAT or dt.is_complex:
        not_implemented("nextafter_cpu", dt)

    def fwd(x, z):
        return np.nextafter(x.astype(dt.np), z.astype(dt.np))

    y = compute(fwd, [a, b], dt, dt, dev)
    record(
        "NextafterBackward0",
        [a, b],
        [y],
        [lambda g, c: where(c.self != c.other, g, 0.0), _zero_grad],
        [("self", "other"), ()],
        {"self": a, "other": b},
    )
    return y


@register("float_power")
def float_power(input, exponent):
    """pow in double precision (complex128 when an operand is complex)."""
    operands = [v for v in (input, exponent) if isinstance(v, Tensor)]
    cplx = any(v.dtype.is_complex for v in operands) or any(
        isinstance(v, complex) for v in (input, exponent)
    )
    wide = _dtypes.complex128 if cplx else _dtypes.float64

    def widen(v):
        if isinstance(v, Tensor):
            return v if v.dtype is wide else _cast(v, wide)
        return complex(v) if cplx else float(v)

    return pow(widen(input), widen(exponent))


def _cast(x: Tensor, dtype) -> Tensor:
    """``x.to(dtype)`` (ToCopyBackward0, whose gradient is cast back), for float_power, which
    cannot import the shape ops (they import this module through the indexing ops)."""
    y = compute(lambda a: a, [x], dtype, dtype, x.device)
    record("ToCopyBackward0", [x], [y], [lambda g, c: _cast(g, x.dtype)], [()])
    return y


def _float_power_(self, exponent):
    """In place: only a tensor of the result's dtype (float64 / complex128) can hold it."""
    cplx = (
        self.dtype.is_complex
        or isinstance(exponent, complex)
        or (isinstance(exponent, Tensor) and exponent.dtype.is_complex)
    )
    wide = _dtypes.complex128 if cplx else _dtypes.float64
    if self.dtype is not wide:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {_dtypes.scalar_type_name(self.dtype)} "
            f"but the operation's result requires dtype {_dtypes.scalar_type_name(wide)}"
        )
    return _run_inplace(self, float_power, exponent)


Tensor.float_power_ = _float_power_


# ----------------------------------------------------------------------- ternary and unary


def _addc(name, node, fwd, vjp1, vjp2, uses, input, tensor1, tensor2, value, jvp):
    dt = _dtypes.result_type(input, tensor1, tensor2)
    dev = common_device(input, tensor1, tensor2)
    broadcast_shapes(tuple(input.shape), tuple(tensor1.shape), tuple(tensor2.shape))
    y = compute(lambda s, t1, t2: fwd(s, t1, t2), [input, tensor1, tensor2], dt, dt, dev)
    record(
        node,
        [input, tensor1, tensor2],
        [y],
        [lambda g, c: g, vjp1, vjp2],
        uses,
        {"tensor1": tensor1, "tensor2": tensor2, "value": value},
        # derivatives.yaml's result: formula; an undefined tangent's term is skipped
        jvp=jvp,
    )
    return y


@register("addcmul", node="AddcmulBackward0", inplace=True)
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return _addc(
        "addcmul",
        "AddcmulBackward0",
        lambda s, t1, t2: s + value * t1 * t2,
        lambda g, c: g * (c.tensor2 * value).conj(),
        lambda g, c: g * (c.tensor1 * value).conj(),
        [(), ("tensor2",), ("tensor1",)],
        input,
        tensor1,
        tensor2,
        value,
        lambda t, c: add_defined(
            t[0],
            None if t[1] is None else t[1] * c.tensor2 * value,
            None if t[2] is None else t[2] * c.tensor1 * value,
        ),
    )


@register("addcdiv", node="AddcdivBackward0", inplace=True)
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (integer operands are refused)."""
    if tensor1.dtype.category < _FLOAT and tensor2.dtype.category < _FLOAT:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )
    return _addc(
        "addcdiv",
        "AddcdivBackward0",
        lambda s, t1, t2: s + value * t1 / t2,
        lambda g, c: g * (value / c.tensor2).conj(),
        lambda g, c: -g * (value * c.tensor1 / (c.tensor2 * c.tensor2)).conj(),
        # torch saves tensor2 whatever requires grad
        [("tensor2",), ("tensor2",), ("tensor1", "tensor2")],
        input,
        tensor1,
        tensor2,
        value,
        lambda t, c: add_defined(
            t[0],
            None if t[1] is None else t[1] / c.tensor2 * value,
            None if t[2] is None else -(t[2] * (c.tensor1 / c.tensor2) / c.tensor2 * value),
        ),
    )


def _np_sinc(x):
    px = np.pi * x
    return np.where(x == 0, 1.0, np.sin(px) / np.where(x == 0, 1.0, px))


def _sinc_backward(g, c):
    x = c.self
    px = x * float(np.pi)
    sq = x * x * float(np.pi)
    zero = sq == 0.0
    # a safe denominator where the limit 0 is taken, so that no 0 / 0 reaches forward mode
    out = g * ((px * px.cos() - px.sin()) / where(zero, 1.0, sq)).conj()
    return where(zero, 0.0, out)


sinc = unary("sinc", "SincBackward0", _np_sinc, _sinc_backward)  # complex too


def _logit_np(eps):
    def fwd(x):
        if eps is not None:
            x = np.where(np.isnan(x), x, np.clip(x, eps, 1 - eps))
        return np.log(x / (1 - x))

    return fwd


@register("logit", node="LogitBackward0", inplace=True)
def logit(input, eps=None):
    """log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given. The gradient is 0 outside
    [eps, 1 - eps] (NaN outside [0, 1] without eps)."""
    x = _check_tensor("logit", input)
    if x.dtype.is_complex:
        not_implemented("logit_cpu", x.dtype)
    rdt = _float_result(x.dtype)
    y = compute(_logit_np(eps), [x], rdt, rdt, x.device)
    lo, hi = (0.0, 1.0) if eps is None else (eps, 1.0 - eps)
    outside = float("nan") if eps is None else 0.0

    def vjp(g, c):
        # as torch: its logit_backward kernel when no graph is built (at NaN it is inside, and
        # at x = -0 it divides by +0), else a composite of where (outside at NaN, -0 kept)
        kernel = not _grad_mode.is_grad_enabled()
        x = c.self
        inside = ~((x < lo) | (x > hi)) if kernel else (x >= lo) & (x <= hi)
        den = x * (1.0 - x) + 0.0 if kernel else x * (1.0 - x)
        # g times the derivative (not a where on g), so that forward mode sees NaN outside too
        return g * where(inside, 1.0 / where(inside, den, 1.0), outside)

    record("LogitBackward0", [x], [y], [vjp], [("self",)], {"self": x, "eps": eps})
    return y


@register("nan_to_num", node="NanToNumBackward0", inplace=True)
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced (by default with 0 and the dtype's largest and lowest
    finite values); the gradient passes where the input is finite."""
    x = _check_tensor("nan_to_num", input)
    if x.dtype.category < _FLOAT:
        return compute(lambda a: a, [x], x.dtype, x.dtype, x.device)
    real = x.dtype.to_real() if x.dtype.is_complex else x.dtype
    big = float(_np_finfo(real).max)
    hi = big if posinf is None else posinf
    lo = -big if neginf is None else neginf
    nan_value = 0.0 if nan is None else nan

    def fwd(a):
        return np.where(np.isnan(a), nan_value, np.where(np.isposinf(a), hi,
                        np.where(np.isneginf(a), lo, a)))  # fmt: skip

    y = compute(fwd, [x], x.dtype, x.dtype, x.device)
    record(
        "NanToNumBackward0", [x], [y], [lambda g, c: g * c.self.isfinite()], [("self",)],
        {"self": x},
    )  # fmt: skip
    return y


def _np_finfo(dt):
    import ml_dtypes

    if dt.np == np.dtype(ml_dtypes.bfloat16):
        return ml_dtypes.finfo(ml_dtypes.bfloat16)
    return np.finfo(dt.np)


# ------------------------------------------------------- angle, complex, polar, frexp


def _np_angle(x):
    if np.iscomplexobj(x):
        return np.angle(x)
    return np.where(np.isnan(x), x, np.where(x < 0, np.pi, 0.0))


def _angle_backward(g, c):
    """Real input: zeros. Complex: ``g * i z / |z|^2``, 0 at z = 0."""
    if not c.self.dtype.is_complex:
        return _zero_grad(g, c)
    z = c.self
    r2 = z.abs() * z.abs()
    return where(z == 0, 0.0, g * z / where(r2 == 0, 1.0, r2) * 1j)


angle = unary(
    "angle",
    "AngleBackward0",
    _np_angle,
    _angle_backward,
    out_dtype=lambda d: d.to_real() if d.is_complex else _float_result(d),
)


def _pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The complex numbers with real parts ``a`` and imaginary parts ``b`` (broadcast), set part
    by part: ``a + 1j * b`` would give ``1j * inf = nan + inf j``, and so a NaN real part."""
    a, b = np.broadcast_arrays(a.real, b.real)
    out = np.empty(a.shape, np.complex128)
    out.real, out.imag = a, b
    return out


@register("complex", node="ComplexBackward0", method=False)
def complex_tensor(real, imag):
    """real + i imag from two real tensors of the same floating dtype."""
    if real.dtype is not imag.dtype:
        raise RuntimeError(
            f"Expected object of scalar type {_dtypes.scalar_type_name(real.dtype)} but got "
            f"scalar type {_dtypes.scalar_type_name(imag.dtype)} for second argument"
        )
    if real.dtype not in (_dtypes.float64, _dtypes.float32, _dtypes.float16):
        raise NotImplementedError(
            "Expected both inputs to be Half, Float or Double tensors but got "
            f"{_dtypes.scalar_type_name(real.dtype)} and {_dtypes.scalar_type_name(imag.dtype)}"
        )
    dev = common_device(real, imag)
    broadcast_shapes(tuple(real.shape), tuple(imag.shape))
    cdt = {_dtypes.float64: _dtypes.complex128}.get(real.dtype, _dtypes.complex64)
    y = compute(_pair, [real, imag], cdt, cdt, dev)
    record(
        "ComplexBackward0",
        [real, imag],
        [y],
        [lambda g, c: g.real, lambda g, c: g.imag],
        [("real",), ("imag",)],  # each input is saved when its own gradient is needed
        {"real": real, "imag": imag},
    )
    return y


@register("polar", node="PolarBackward0", method=False)
def polar(abs, angle):  # noqa: A002 - torch's names
    """abs * (cos(angle) + i sin(angle)); PolarBackward0 (saves the result)."""
    if abs.dtype is not angle.dtype:
        raise RuntimeError(
            f"Expected object of scalar type {_dtypes.scalar_type_name(abs.dtype)} but got "
            f"scalar type {_dtypes.scalar_type_name(angle.dtype)} for second argument"
        )
    dev = common_device(abs, angle)
    broadcast_shapes(tuple(abs.shape), tuple(angle.shape))
    cdt = {_dtypes.float64: _dtypes.complex128}.get(abs.dtype, _dtypes.complex64)
    y = compute(lambda r, t: r * (np.cos(t) + 1j * np.sin(t)), [abs, angle], cdt, cdt, dev)
    record(
        "PolarBackward0",
        [abs, angle],
        [y],
        [
            lambda g, c: (g.conj() * sgn(c.result)).real,
            lambda g, c: (g.conj() * (c.result * 1j)).real,
        ],
        [("result",), ("result",)],
        {"result": y},
    )
    return y


@register("frexp")
def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2^exponent, |mantissa| in [0.5, 1); the
    exponent (int32) is not differentiable, the mantissa's gradient is g / 2^exponent."""
    x = _check_tensor("frexp", input)
    if x.dtype.category < _FLOAT or x.dtype.is_complex:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m = compute(lambda a: np.frexp(a)[0], [x], x.dtype, x.dtype, x.device)
    e = compute(lambda a: np.frexp(a)[1], [x], x.dtype, _dtypes.int32, x.device)
    record(
        "FrexpBackward0",
        [x],
        [m, e],
        [lambda g, c: g / c.exponent.exp2()],
        [("exponent",)],
        {"exponent": e},
        differentiable=(True, False),
    )
    return FrexpResult((m, e))


class FrexpResult(tuple):
    """torch.return_types.frexp: (mantissa, exponent) with named fields."""

    @property
    def mantissa(self):
        return self[0]

    @property
    def exponent(self):
        return self[1]
