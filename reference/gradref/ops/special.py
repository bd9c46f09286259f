"""Special functions (gamma family, erfinv, modified Bessel functions, the normal distribution):
forwards from :mod:`._specfun`, VJPs in gradref ops as derivatives.yaml writes them (so double
backward and forward mode follow), torch's node names.

The ``special_*`` functions are exposed as ``gradref.special.*`` (torch.special's names); the
ones torch also has at the top level (lgamma, digamma, polygamma, erfinv, i0) are ops here too.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtypes
from .._ops import compute, record
from .._tensor import Tensor
from . import _specfun
from ._table import register
from .pointwise import (
    _check_tensor,
    _float_result,
    add_scalar,
    binary_args,
    erf,
    mul_scalar,
    not_implemented,
    sgn,
    unary,
    where,
)
from .shape import to

_SQRT_2PI = math.sqrt(2 * math.pi)
_INV_SQRT_2PI = 1 / _SQRT_2PI
_HALF_SQRT_PI = math.sqrt(math.pi) / 2
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT1_2 = math.sqrt(0.5)

lgamma = unary(
    "lgamma",
    "LgammaBackward0",
    _specfun.lgamma,
    lambda g, c: g * digamma(c.self),
    kernel="lgamma_vml_cpu",
)
digamma = unary(
    "digamma",
    "DigammaBackward0",
    _specfun.digamma,
    lambda g, c: g * polygamma(1, c.self),
    kernel="digamma",
)


@register("polygamma", node="PolygammaBackward0", method=False)
def polygamma(n: int, input):
    """The n-th derivative of digamma; PolygammaBackward0 (gradient polygamma(n + 1, x))."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = _check_tensor("polygamma", input)
    if x.dtype.is_complex:
        not_implemented("polygamma", x.dtype)
    rdt = _float_result(x.dtype)
    y = compute(lambda a: _specfun.polygamma(n, a), [x], rdt, rdt, x.device)
    record(
        "PolygammaBackward0",
        [x],
        [y],
        [lambda g, c: g * polygamma(n + 1, c.self)],
        [("self",)],
        {"self": x, "n": n},
    )
    return y


def _polygamma_method(self, n: int):
    return polygamma(n, self)


Tensor.polygamma = _polygamma_method

erfinv = unary(
    "erfinv",
    "ErfinvBackward0",
    _specfun.erfinv,
    lambda g, c: _HALF_SQRT_PI * (erfinv(c.self) * erfinv(c.self)).exp() * g,
    kernel="erfinv_vml_cpu",
)
i0 = unary(
    "i0", "I0Backward0", _specfun.i0, lambda g, c: g * special_i1(c.self), kernel="i0_vml_cpu"
)


def _eps(x: Tensor) -> float:
    """The machine epsilon of ``x``'s dtype (below it torch's i1 gradients use the limit)."""
    return float(np.finfo(np.float64 if x.dtype is _dtypes.float64 else np.float32).eps)


def _i1_backward(g, c):
    # at |x| <= eps the gradient is its limit 0.5; a safe x keeps the other branch finite
    eps = _eps(c.self)
    tiny = c.self.abs() <= eps  # (NaN is not tiny: its gradient is NaN)
    safe = where(tiny, eps, c.self)
    return g * where(tiny, 0.5, i0(safe) - c.result * safe.reciprocal())


def _i1e_backward(g, c):
    eps = _eps(c.self)
    tiny = c.self.abs() <= eps
    safe = where(tiny, eps, c.self)
    gx = special_i0e(safe) - c.result * (sgn(safe) + safe.reciprocal())
    return g * where(tiny, 0.5, gx)


special_i0e = unary(
    "special_i0e",
    "SpecialI0EBackward0",
    _specfun.i0e,
    lambda g, c: g * (special_i1e(c.self) - sgn(c.self) * c.result),
    ("self", "result"),
    method=False,
    inplace=False,
    kernel="i0e_cpu",
)
special_i1 = unary(
    "special_i1",
    "SpecialI1Backward0",
    _specfun.i1,
    _i1_backward,
    ("self", "result"),
    method=False,
    inplace=False,
    kernel="i1_cpu",
)
special_i1e = unary(
    "special_i1e",
    "SpecialI1EBackward0",
    _specfun.i1e,
    _i1e_backward,
    ("self", "result"),
    method=False,
    inplace=False,
    kernel="i1e_cpu",
)
special_erfcx = unary(
    "special_erfcx",
    "SpecialErfcxBackward0",
    _specfun.erfcx,
    lambda g, c: (2.0 * c.self * c.result - _TWO_OVER_SQRT_PI) * g,
    ("self", "result"),
    method=False,
    inplace=False,
    kernel="erfcx_cpu",
    low_precision=False,
)
special_ndtri = unary(
    "special_ndtri",
    "SpecialNdtriBackward0",
    _specfun.ndtri,
    lambda g, c: g * _SQRT_2PI * (c.result * c.result * 0.5).exp(),
    ("result",),
    method=False,
    inplace=False,
    kernel="ndtri_cpu",
    low_precision=False,
)
special_log_ndtr = unary(
    "special_log_ndtr",
    "SpecialLogNdtrBackward0",
    _specfun.log_ndtr,
    lambda g, c: g * _INV_SQRT_2PI * (-(c.result + c.self * c.self * 0.5)).exp(),
    ("self", "result"),
    method=False,
    inplace=False,
    kernel="log_ndtr_cpu",
    low_precision=False,
)


def _np_entr(x):
    return np.where(x > 0, -x * np.log(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, -np.inf))


special_entr = unary(
    "special_entr",
    "SpecialEntrBackward0",
    lambda x: np.where(np.isnan(x), x, _np_entr(x)),
    lambda g, c: g * -(1 + c.self.log()),
    method=False,
    inplace=False,
    kernel="entr_cpu",
)


def special_ndtr(input):
    """The standard normal CDF, as torch composes it: (1 + erf(x / sqrt 2)) * 0.5."""
    x = _check_tensor("special_ndtr", input)
    if x.dtype.category < 2:
        x = to(x, _dtypes.get_default_dtype())
    return mul_scalar(add_scalar(erf(mul_scalar(x, _SQRT1_2)), 1), 0.5)


@register("mvlgamma", node="MvlgammaBackward0", inplace=True)
def mvlgamma(input, p: int):
    """The multivariate log-gamma function of dimension p (torch 2.15 no longer refuses elements
    <= (p - 1) / 2: the sum of lgamma is computed there too)."""
    x = _check_tensor("mvlgamma", input)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    rdt = _float_result(x.dtype)
    # as torch: x + arange(-(p - 1) / 2, 0.5, 0.5) (so -0 + 0 is +0)
    shifts = np.arange(-(p - 1) / 2, 0.5, 0.5)
    const = p * (p - 1) / 4 * math.log(math.pi)

    def fwd(a):
        return _specfun.lgamma(a[..., None] + shifts).sum(-1) + const

    def vjp(g, c):
        total = None
        for shift in shifts:
            term = digamma(c.self + float(shift))
            total = term if total is None else total + term
        return g * total

    y = compute(fwd, [x], rdt, rdt, x.device)
    record("MvlgammaBackward0", [x], [y], [vjp], [("self",)], {"self": x, "p": p})
    return y


def _not_implemented(name: str):
    def vjp(g, c):
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")

    return vjp


def special_zeta(input, other):
    """The Hurwitz zeta function; differentiable in ``other`` only (torch has no derivative in
    ``input``): SpecialZetaBackward0, or 1 / 2 where ``input`` / ``other`` is a number."""
    a, b, dt, dev = binary_args(input, other)
    if dt.is_complex or dt in (_dtypes.float16, _dtypes.bfloat16):
        not_implemented("zeta_cpu", dt)
    rdt = _float_result(dt)
    y = compute(_specfun.zeta, [a, b], rdt, rdt, dev)

    def vjp_other(g, c):
        return g * -c.self * special_zeta(c.self + 1.0, c.other)

    if not isinstance(input, Tensor):
        record("SpecialZetaBackward1", [b], [y], [vjp_other], [("other",)],
               {"self": input, "other": b})  # fmt: skip
    elif not isinstance(other, Tensor):
        record("SpecialZetaBackward2", [a], [y], [_not_implemented("zeta")], [()], {})
    else:
        record(
            "SpecialZetaBackward0",
            [a, b],
            [y],
            [_not_implemented("zeta"), vjp_other],
            [(), ("self", "other")],
            {"self": a, "other": b},
        )
    return y
