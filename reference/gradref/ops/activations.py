"""nn activations with their own backward nodes (hardswish, hardsigmoid, mish, hardtanh, selu,
celu, softshrink, hardshrink, threshold, glu, prelu, rrelu in eval mode), as torch's
derivatives.yaml writes them; the conventions at kinks and special values follow torch's CPU
kernels (probed): a comparison that is false at NaN decides which branch NaN takes.

The compositions torch writes in Python (softsign, tanhshrink, relu6 through hardtanh) are in
``gradref.nn.functional``.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._forward import add_defined, or_zeros
from .._ops import common_device, compute, record
from .._tensor import Tensor
from ._table import register
from .pointwise import _check_tensor, where
from .shape import cat

_FLOAT = 2


def _float_input(kernel: str, input) -> Tensor:
    x = _check_tensor(kernel.split("_")[0], input)
    if x.dtype.category < _FLOAT:
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtypes.scalar_type_name(x.dtype)}'"
        )
    return x


def _pointwise(node: str, x: Tensor, fwd, vjp, fields: dict | None = None) -> Tensor:
    """One elementwise node: ``fwd`` on NumPy values, ``vjp(g, ctx)`` in gradref ops."""
    y = compute(fwd, [x], x.dtype, x.dtype, x.device)
    record(node, [x], [y], [vjp], [("self",)], {"self": x, **(fields or {})})
    return y


@register("hardswish", method=False)
def hardswish(input):
    """x * relu6(x + 3) / 6; the gradient is 0 for x <= -3, x/3 + 1/2 below 3, else 1 (NaN takes
    the last branch)."""
    x = _float_input("hardswish_cpu", input)

    def vjp(g, c):  # a coefficient times g: a JVP derived from it is finite at ±inf
        s = c.self
        return g * where(s <= -3, 0.0, where(s < 3, s / 3 + 0.5, 1.0))

    return _pointwise("HardswishBackward0", x, lambda a: a * np.clip(a + 3, 0, 6) / 6, vjp)


@register("hardsigmoid", method=False)
def hardsigmoid(input):
    """relu6(x + 3) / 6; the gradient is 1/6 strictly inside (-3, 3), else 0 (NaN: 0)."""
    x = _float_input("hardsigmoid_cpu", input)

    def vjp(g, c):
        return where((c.self > -3) & (c.self < 3), g / 6, 0.0)

    return _pointwise("HardsigmoidBackward0", x, lambda a: np.clip(a + 3, 0, 6) / 6, vjp)


@register("mish", method=False)
def mish(input):
    """x * tanh(softplus(x)); the gradient tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2), NaN at
    ±inf as torch's formula."""
    x = _float_input("mish_cpu", input)

    def vjp(g, c):
        s = c.self
        t = s.exp().log1p().tanh()
        return g * (t + s * s.sigmoid() * (1 - t * t))

    return _pointwise("MishBackward0", x, lambda a: a * np.tanh(np.log1p(np.exp(a))), vjp)


@register("hardtanh", method=False)
def hardtanh(input, min_val=-1.0, max_val=1.0):
    """clamp(x, min_val, max_val); the gradient passes strictly inside the bounds only (0 at
    the bounds and at NaN)."""
    x = _check_tensor("hardtanh", input)
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")

    def vjp(g, c):
        return where((c.self > min_val) & (c.self < max_val), g, 0.0)

    return _pointwise(
        "HardtanhBackward0",
        x,
        lambda a: np.where(np.isnan(a), a, np.clip(a, min_val, max_val)),
        vjp,
        {"min_val": min_val, "max_val": max_val},
    )


def elu_scaled(input, alpha, scale, input_scale, node="EluBackward0", fields=None):
    """scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1)); torch's elu kernel (selu,
    celu). The gradient at 0 takes the exponential branch; at NaN the linear one."""
    x = _float_input("elu", input)

    def fwd(a):
        return scale * np.where(a > 0, a, alpha * np.expm1(a * input_scale))

    def vjp(g, c):
        s = c.self
        return g * where(s <= 0, (alpha * scale * input_scale) * (s * input_scale).exp(), scale)

    if fields is None:
        fields = {"alpha": alpha, "scale": scale, "input_scale": input_scale}
    return _pointwise(node, x, fwd, vjp, fields)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@register("selu", method=False)
def selu(input):
    """elu with torch's SELU constants; EluBackward0."""
    return elu_scaled(input, _SELU_ALPHA, _SELU_SCALE, 1)


@register("celu", method=False)
def celu(input, alpha=1.0):
    """elu(x, alpha, scale=1, input_scale=1/alpha); CeluBackward0."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return elu_scaled(input, alpha, 1, 1.0 / alpha, "CeluBackward0", {"alpha": alpha})


def _shrink(name, node, x, lambd, fwd):
    x = _check_tensor(name, x)

    def vjp(g, c):
        return where((c.self < -lambd) | (c.self > lambd), g, 0.0)

    return _pointwise(node, x, fwd, vjp, {"lambd": lambd})


@register("softshrink", method=False)
def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, else 0; the gradient 1 outside
    [-lambd, lambd] (0 at NaN)."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {_num(lambd)}.")
    return _shrink(
        "softshrink",
        "SoftshrinkBackward0",
        input,
        lambd,
        lambda a: np.where(a > lambd, a - lambd, np.where(a < -lambd, a + lambd, a * 0)),
    )


def _num(v) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


@register("hardshrink", method=False)
def hardshrink(input, lambd=0.5):
    """x outside [-lambd, lambd], else 0; the gradient 1 outside (0 at NaN)."""
    return _shrink(
        "hardshrink",
        "HardshrinkBackward0",
        input,
        lambd,
        lambda a: np.where((a >= -lambd) & (a <= lambd), 0.0, a),
    )


@register("threshold", method=False)
def threshold(input, threshold, value):
    """x where x > threshold else value; the gradient 0 where x <= threshold (NaN passes)."""
    x = _check_tensor("threshold", input)

    def vjp(g, c):
        return where(c.self <= threshold, 0.0, g)

    return _pointwise(
        "ThresholdBackward0",
        x,
        lambda a: np.where(a <= threshold, value, a),
        vjp,
        {"threshold": threshold},
    )


@register("glu", method=False)
def glu(input, dim=-1):
    """a * sigmoid(b) for the halves a, b of ``dim``; GluBackward0."""
    x = _check_tensor("glu", input)
    if x.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % x.dim()
    if x.shape[d] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}"
        )
    h = x.shape[d] // 2

    def fwd(a):
        first, second = np.split(a, 2, axis=d)
        return first / (1 + np.exp(-second))

    y = compute(fwd, [x], x.dtype, x.dtype, x.device, contiguous=True)

    def vjp(g, c):
        first, second = c.self.narrow(d, 0, h), c.self.narrow(d, h, h)
        s = second.sigmoid()
        return cat([g * s, g * first * s * (1 - s)], d)

    record("GluBackward0", [x], [y], [vjp], [("self",)], {"self": x, "dim": dim})
    return y


@register("_prelu_kernel", method=False)
def prelu_kernel(input, weight):
    """x if x > 0 else weight * x, the weight broadcast against x; PreluKernelBackward0."""
    dev = common_device(input, weight)
    y = compute(lambda a, w: np.where(a > 0, a, w * a), [input, weight], input.dtype,
                input.dtype, dev)  # fmt: skip

    def vjp_self(g, c):  # coefficients times g: a JVP derived from them has no 0 * inf
        return g * where(c.self > 0, 1.0, c.weight)

    def vjp_weight(g, c):
        return g * where(c.self > 0, 0.0, c.self)

    record(
        "PreluKernelBackward0",
        [input, weight],
        [y],
        [vjp_self, vjp_weight],
        [("self", "weight"), ("self", "weight")],  # one formula for both: both saved
        {"self": input, "weight": weight},
        jvp=_prelu_tangent,
    )
    return y


def _prelu_tangent(t, c):
    """torch's forward-mode prelu: the input's tangent where x >= 0 (at 0 too, where the VJP
    takes the weight's branch), else weight * x_t + weight_t * x (an undefined tangent's term
    skipped)."""
    ts, tw = t
    neg = add_defined(None if ts is None else c.weight * ts, None if tw is None else tw * c.self)
    return where(c.self >= 0, or_zeros(ts, c.self), neg)


@register("prelu", method=False)
def prelu(input, weight):
    """torch's composite: the weight (one value or one per channel, dim 1) viewed to broadcast
    against the input, then ``_prelu_kernel``."""
    if weight.dim() > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}"
        )
    n = weight.numel()
    if input.dim() == 0:
        return prelu_kernel(input, weight.reshape(()))
    if n != 1:
        channels = input.shape[1] if input.dim() >= 2 else (input.shape[0] if input.dim() else 1)
        if input.dim() == 0 or n != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers "
                f"= {n} and channel size = {channels}."
            )
    if input.dim() >= 2:
        weight = weight.reshape((n,) + (1,) * (input.dim() - 2))
    return prelu_kernel(input, weight)


@register("rrelu", method=False)
def rrelu_eval(input, lower=1.0 / 8, upper=1.0 / 3):
    """rrelu in eval mode: leaky relu with slope (lower + upper) / 2; RreluWithNoiseBackward0
    (it saves a noise buffer of the input's shape, unused out of training)."""
    x = _check_tensor("rrelu", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    slope = (lower + upper) / 2
    noise = Tensor._from_array(np.zeros(tuple(x.shape)), x.dtype, x.device)

    def vjp(g, c):
        return where(c.self > 0, g, g * slope)

    fields = {"lower": lower, "upper": upper, "training": False, "noise": noise}
    y = compute(lambda a: np.where(a > 0, a, a * slope), [x], x.dtype, x.dtype, x.device)
    record("RreluWithNoiseBackward0", [x], [y], [vjp], [("self", "noise")], {"self": x, **fields})
    return y
