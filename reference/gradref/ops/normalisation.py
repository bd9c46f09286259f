"""Batch, instance and group normalisation, with torch's nodes (NativeBatchNormBackward0,
NativeGroupNormBackward0), running statistics and domain checks.

The forward is NumPy; the VJPs recompute the statistics from the saved input in gradref ops,
so double backward and forward mode follow. Training normalises with the biased variance and
updates the running statistics with the unbiased one (momentum ``m``: ``(1 - m) r + m s``).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _grad_mode
from .._forward import or_zeros
from .._ops import common_device, compute, record
from .._tensor import Tensor
from ._table import register


def _stat_shape(x: Tensor, axes) -> tuple:
    return tuple(1 if d in axes else s for d, s in enumerate(x.shape))


def _normalise_vjp(g, x, axes, eps, w_b):
    """The gradient of ``(x - mean) * rstd * w`` w.r.t. x (statistics over ``axes``), in
    gradref ops; ``w_b`` the weight broadcast to x's rank (or None)."""
    mu = x.mean(axes, keepdim=True)
    xc = x - mu
    rstd = ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
    xhat = xc * rstd
    gw = g * w_b if w_b is not None else g
    return rstd * (gw - gw.mean(axes, keepdim=True) - xhat * (gw * xhat).mean(axes, keepdim=True))


def _xhat(x, axes, eps):
    mu = x.mean(axes, keepdim=True)
    xc = x - mu
    return xc * ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()


def _channels_last(t: Tensor) -> bool:
    """Contiguous in torch's channels-last format (4-d) as its kernels check it."""
    return t.dim() == 4 and bool(t._data.transpose(0, 2, 3, 1).flags["C_CONTIGUOUS"])


@register("batch_norm", method=False)
def batch_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
               training=False, momentum=0.1, eps=1e-5):  # fmt: skip
    """torch.nn.functional.batch_norm: per channel (dim 1) over the batch and spatial dims."""
    if input.dim() < 2:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-{max(input.dim(), 1)}, "
            f"{max(input.dim(), 1) - 1}], but got 1)"
        )
    c = input.shape[1]
    if training:
        size = input.shape[0] * math.prod(input.shape[2:])
        if size == 1:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input size "
                f"torch.Size({list(input.shape)})"
            )
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    use_stats = training or running_mean is None or running_var is None
    axes = (0,) + tuple(range(2, input.dim()))
    bshape = (1, c) + (1,) * (input.dim() - 2)
    args = [input] + [t for t in (weight, bias) if t is not None]
    dev = common_device(*args)
    x64 = input._data.astype(np.float64)
    n = input.shape[0] * math.prod(input.shape[2:])
    if use_stats:
        with np.errstate(all="ignore"):
            mean = x64.mean(axis=axes) if n else np.zeros(c)
            var = ((x64 - mean.reshape(bshape)) ** 2).mean(axis=axes) if n else np.zeros(c)
        invstd = 1 / np.sqrt(var + eps)
    else:
        mean = running_mean._data.astype(np.float64)
        var = running_var._data.astype(np.float64)
        invstd = 1 / np.sqrt(var + eps)

    def _eval_fwd(x, *wb):
        y = (x - mean.reshape(bshape)) * invstd.reshape(bshape)
        i = 0
        if weight is not None:
            y = y * wb[i].reshape(bshape)
            i += 1
        if bias is not None:
            y = y + wb[i].reshape(bshape)
        return y

    # torch's CPU kernel takes one of two paths (which decides inf and NaN): when the input
    # (plain or channels-last), weight, bias and running stats are all contiguous, per channel
    # y = x * scale + shift with scale = invstd * w and shift = b - mean * scale (an inf
    # weight over a nonzero mean gives inf - inf); otherwise y = (x - mean) * invstd * w + b
    fused = all(
        t is None or t.is_contiguous() or _channels_last(t)
        for t in (input, weight, bias, running_mean, running_var)
    )

    def fwd(x, *wb):
        if not fused:
            return _eval_fwd(x, *wb)
        scale = invstd.reshape(bshape)
        if weight is not None:
            scale = scale * wb[0].reshape(bshape)
        shift = -mean.reshape(bshape) * scale
        if bias is not None:
            shift = shift + wb[-1].reshape(bshape)
        return x * scale + shift

    y = compute(fwd, args, input.dtype, input.dtype, dev)
    if use_stats and training and running_mean is not None and n:
        with _grad_mode.no_grad():
            unbiased = var * n / max(n - 1, 1)
            for r, s in ((running_mean, mean), (running_var, unbiased)):
                new = (1 - momentum) * r._data.astype(np.float64) + momentum * s
                r.copy_(Tensor._from_array(new, r.dtype, r.device))
    if use_stats:
        save_mean = Tensor._from_array(mean, input.dtype, input.device)
        save_invstd = Tensor._from_array(invstd, input.dtype, input.device)
    else:
        save_mean = Tensor._from_array(np.zeros(0), input.dtype, input.device)
        save_invstd = Tensor._from_array(np.zeros(0), input.dtype, input.device)

    def w_b(c_):
        return c_.weight.reshape(bshape) if c_.weight is not None else None

    if use_stats:

        def vjp_input(g, c_):
            # the weight multiplies last, as in torch's batch_norm backward kernel (an inf
            # weight gives ±inf gradients, not inf - inf within the channel's means)
            dx = _normalise_vjp(g, c_.input, axes, eps, None)
            return dx * w_b(c_) if c_.weight is not None else dx

        def vjp_weight(g, c_):
            return (g * _xhat(c_.input, axes, eps)).sum(axes)

    else:
        rm = Tensor._from_array(mean.reshape(bshape), input.dtype, input.device)
        rs = Tensor._from_array(invstd.reshape(bshape), input.dtype, input.device)

        def vjp_input(g, c_):
            scale = rs.to(g.dtype) if w_b(c_) is None else rs.to(g.dtype) * w_b(c_)
            return g * scale

        def vjp_weight(g, c_):
            return (g * (c_.input - rm.to(g.dtype)) * rs.to(g.dtype)).sum(axes)

    def jvp(ts, c_):
        # torch's batch_norm_jvp with the batch's statistics: the input's tangent (zeros where
        # it has none, so a channel with inf/NaN gives NaN tangents) through the normalisation,
        # then the weight's and the bias's tangents added where they have one (with running
        # statistics the JVP is derived from the VJP)
        x = c_.input
        t = or_zeros(ts[0], x)
        mu = x.mean(axes, keepdim=True)
        xc = x - mu
        r = ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
        tc = t - t.mean(axes, keepdim=True)
        out = tc * r + xc * (-r.pow(3) * (tc * xc).mean(axes, keepdim=True))
        if c_.weight is not None:
            out = out * w_b(c_)
            if ts[1] is not None:
                out = out + xc * r * ts[1].reshape(bshape)
        return out if ts[2] is None else out + ts[2].reshape(bshape)

    fields = {
        "input": input,
        "weight": weight,
        "running_mean": running_mean,
        "running_var": running_var,
        "training": bool(use_stats),
        "eps": eps,
        "result1": save_mean,
        "result2": save_invstd,
    }
    uses = ("input", "weight", "running_mean", "running_var", "result1", "result2")
    record(
        "NativeBatchNormBackward0",
        [input, weight, bias],
        [y, save_mean, save_invstd],
        [vjp_input, vjp_weight, lambda g, c_: g.sum(axes)],
        [uses] * 3,
        fields,
        differentiable=(True, False, False),
        jvp=jvp if use_stats else None,
    )
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):  # fmt: skip
    """torch's composite: batch_norm of the input viewed as (1, N*C, ...), viewed back."""
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(
            "Expected more than 1 spatial element when training, got input size "
            f"torch.Size({list(input.shape)})"
        )
    n, c = input.shape[0], input.shape[1]
    shape = (1, n * c) + tuple(input.shape[2:])
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    out = batch_norm(input.contiguous().view(shape), rm, rv, w, b, use_input_stats, momentum, eps)
    if running_mean is not None and use_input_stats:
        with _grad_mode.no_grad():
            running_mean.copy_(rm.view(n, c).mean(0))
            running_var.copy_(rv.view(n, c).mean(0))
    return out.view(tuple(input.shape))


@register("group_norm", method=False)
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each group of channels of each sample; NativeGroupNormBackward0."""
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(t.shape)} and input of shape "
                f"{list(input.shape)}"
            )
    hxw = math.prod(input.shape[2:])
    gshape = (n, num_groups, (c // num_groups) * hxw)
    bshape = (1, c) + (1,) * (input.dim() - 2)
    args = [input] + [t for t in (weight, bias) if t is not None]
    x64 = input._data.astype(np.float64).reshape(gshape)
    with np.errstate(all="ignore"):
        mean = x64.mean(-1) if gshape[-1] else np.zeros(gshape[:2])
        var = ((x64 - mean[..., None]) ** 2).mean(-1) if gshape[-1] else np.zeros(gshape[:2])
    rstd = 1 / np.sqrt(var + eps)

    def fwd(x, *wb):
        # torch's kernel, per sample and channel: y = x * scale + shift with scale = rstd * w
        # and shift = b - scale * mean (so an inf weight over a zero mean gives NaN)
        cg = c // num_groups
        per_channel = (n, c) + (1,) * (input.dim() - 2)
        r = np.repeat(rstd, cg, axis=1).reshape(per_channel)
        m = np.repeat(mean, cg, axis=1).reshape(per_channel)
        scale = r * wb[0].reshape(bshape) if weight is not None else r
        shift = -scale * m
        if bias is not None:
            shift = shift + wb[-1].reshape(bshape)
        return x * scale + shift

    y = compute(fwd, args, input.dtype, input.dtype, common_device(*args))
    mean_t = Tensor._from_array(mean, input.dtype, input.device)
    rstd_t = Tensor._from_array(rstd, input.dtype, input.device)
    x_shape = tuple(input.shape)

    def vjp_input(g, c_):
        gw = g * c_.weight.reshape(bshape) if c_.weight is not None else g
        return _normalise_vjp(gw.reshape(gshape), c_.input.reshape(gshape), (-1,), eps,
                              None).reshape(x_shape)  # fmt: skip

    def vjp_weight(g, c_):
        xhat = _xhat(c_.input.reshape(gshape), (-1,), eps).reshape(x_shape)
        return (g * xhat).sum((0,) + tuple(range(2, len(x_shape))))

    def jvp(ts, c_):
        # torch's group_norm_jvp: the input's tangent (zeros where it has none, so a group with
        # inf/NaN gives NaN tangents) through the normalisation of each group, then the
        # weight's and the bias's tangents added where they have one
        xg = c_.input.reshape(gshape)
        mu = xg.mean(-1, keepdim=True)
        xc = xg - mu
        r = ((xc * xc).mean(-1, keepdim=True) + eps).rsqrt()
        t = or_zeros(ts[0], c_.input).reshape(gshape)
        tc = t - t.mean(-1, keepdim=True)
        out = (tc * r + xc * (-r.pow(3) * (tc * xc).mean(-1, keepdim=True))).reshape(x_shape)
        if c_.weight is not None:
            w = c_.weight.reshape(bshape)
            out = out * w
            if ts[1] is not None:
                out = out + (xc * r).reshape(x_shape) * ts[1].reshape(bshape)
        return out if ts[2] is None else out + ts[2].reshape(bshape)

    fields = {
        "input": input,
        "weight": weight,
        "N": n,
        "C": c,
        "HxW": hxw,
        "group": num_groups,
        "eps": eps,
        "result1": mean_t,
        "result2": rstd_t,
    }
    uses = ("input", "weight", "result1", "result2")
    record(
        "NativeGroupNormBackward0",
        [input, weight, bias],
        [y, mean_t, rstd_t],
        [vjp_input, vjp_weight, lambda g, c_: g.sum((0,) + tuple(range(2, len(x_shape))))],
        [uses] * 3,
        fields,
        differentiable=(True, False, False),
        jvp=jvp,
    )
    return y
