"""gradref.nn.functional: activations, losses, linear, convolution, layer_norm, pad, dropout,
with torch.nn.functional's signatures and defaults."""

from __future__ import annotations

import warnings

from .._factories import rand_like
from .._ops import inplace as run_inplace
from .._tensor import Tensor
from ..ops import activations as _act
from ..ops import distances as _dist
from ..ops import nn as _nn
from ..ops import normalisation as _norm
from ..ops import pointwise as _pw
from ..ops import pooling as _pool
from ..ops import reductions as _red
from ..ops.conv_transpose import conv_transpose1d, conv_transpose2d, conv_transpose3d
from ..ops.fold import fold, unfold
from ..ops.nn import conv1d, conv2d, conv3d, layer_norm, linear
from ..ops.pointwise import gelu, logsigmoid, sigmoid, silu, softplus, tanh
from ..ops.selection import one_hot
from ..ops.shape import channel_shuffle, constant_pad_nd, pad_mode, pixel_shuffle, pixel_unshuffle
from ..ops.unpool import max_unpool1d, max_unpool2d, max_unpool3d

__all__ = [
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "softplus",
    "logsigmoid",
    "sigmoid",
    "tanh",
    "softmax",
    "log_softmax",
    "mse_loss",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "layer_norm",
    "conv1d",
    "conv2d",
    "dropout",
    "linear",
    "pad",
]


def _inplace_or(input, inplace, fn, *args):
    if inplace:
        return run_inplace(input, fn, *args)
    return fn(input, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _pw.relu)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _pw.leaky_relu, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _pw.elu, alpha)


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _implicit_dim("softmax", input)
    return _red.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _implicit_dim("log_softmax", input)
    return _red.log_softmax(input, dim, dtype=dtype)


def _implicit_dim(name: str, input: Tensor) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if input.dim() in (0, 1, 3) else 1


def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction='"
        + ("none" if reduce is False else ("mean" if size_average in (None, True) else "sum"))
        + "' instead.",
        UserWarning,
        stacklevel=3,
    )
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _warn_size(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if weight is not None:
        raise NotImplementedError("gradref: mse_loss(weight=...) is not implemented")
    return _nn.mse_loss(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """torch composes it: (input - target).abs() then the reduction (AbsBackward0 /
    MeanBackward0 / SumBackward0)."""
    _warn_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nn._reduce((input - target).abs(), reduction)


def smooth_l1_loss(
    input, target, size_average=None, reduce=None, reduction="mean", beta: float = 1.0
):
    _warn_size(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return _nn.smooth_l1_loss(input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta: float = 1.0, weight=None):
    _warn_size(input, target)
    return _nn.huber_loss(input, target, reduction, delta)


def nll_loss(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nn.nll_loss(input, target, weight, ignore_index, reduction)


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing: float = 0.0,
):
    """log_softmax over the class dim, then nll_loss (class indices) or the weighted sum with
    the target probabilities, with label smoothing, following torch's composite exactly."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    c_dim = 1 if input.dim() >= 2 else 0
    n_classes = input.shape[c_dim]
    logp = _red.log_softmax(input, c_dim)
    if target.dtype.category >= 2:  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            raise RuntimeError(
                "Expected target size "
                + str(list(input.shape))
                + ", got "
                + str(list(target.shape))
            )
        if label_smoothing > 0:
            target = _pw.add_scalar(
                _pw.mul_scalar(target, 1 - label_smoothing), label_smoothing / n_classes
            )
        wshape = [1] * input.dim()
        wshape[c_dim] = n_classes
        prod = logp * target if weight is None else logp * target * weight.reshape(wshape)
        if reduction == "none":
            return -prod.sum(c_dim)
        if reduction == "sum":
            return -prod.sum()
        if input.numel() == 0:
            return (-prod.sum()).fill_(float("nan"))
        return _pw.div_scalar(-prod.sum(), input.numel() // n_classes)
    nll = _nn.nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing <= 0:
        return nll
    ignore = target == ignore_index
    if weight is not None:
        wshape = [1] * input.dim()
        wshape[c_dim] = n_classes
        smooth = -(logp * weight.reshape(wshape)).sum(c_dim)
    else:
        smooth = -logp.sum(c_dim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        # torch divides by a tensor: the weight of the kept targets, or their count (int64)
        if weight is not None:
            kept = target._data[~ignore._data].reshape(-1)
            denom = weight.gather(0, Tensor._from_array(kept, target.dtype, target.device)).sum()
        else:
            denom = (~ignore).sum()
        ret = smooth.sum() / denom
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return _pw.mul_scalar(nll, 1 - label_smoothing) + _pw.mul_scalar(
        ret, label_smoothing / n_classes
    )


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nn.binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nn.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Identity when ``p == 0`` or not training (the input itself, as torch returns it);
    otherwise zeroes elements with probability ``p`` (gradref's own RNG) and scales by 1/(1-p)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input

    keep = rand_like(input, dtype=input.dtype if input.dtype.category >= 2 else None) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    out = input * keep * scale
    if inplace:
        input.copy_(out)
        return input
    return out


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.dim()}"
        )
    if mode != "constant":
        if mode not in ("reflect", "replicate", "circular"):
            raise NotImplementedError(f"gradref: pad mode {mode!r} is not implemented")
        if value is not None and value != 0:
            raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
        if mode == "circular":
            return _pool.circular_pad(input, tuple(pad))
        return pad_mode(input, pad, mode)
    return constant_pad_nd(input, pad, 0 if value is None else value)


__all__ += ["one_hot", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle"]

# ------------------------------------------------------------------------------- activations


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _act.hardswish)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _act.hardsigmoid)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _act.mish)


def hardtanh(input: Tensor, min_val=-1.0, max_val=1.0, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _act.hardtanh, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """hardtanh(input, 0, 6), as torch (HardtanhBackward0 with integer bounds)."""
    return _inplace_or(input, inplace, _act.hardtanh, 0, 6)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _act.selu)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _act.celu, alpha)


def softsign(input: Tensor) -> Tensor:
    """input / (|input| + 1), torch's composite (DivBackward0)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """input - tanh(input), torch's composite (SubBackward0)."""
    return input - input.tanh()


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return _act.softshrink(input, lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return _act.hardshrink(input, lambd)


def threshold(input: Tensor, threshold, value, inplace: bool = False) -> Tensor:
    return _inplace_or(input, inplace, _act.threshold, threshold, value)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    return _act.glu(input, dim)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    return _act.prelu(input, weight)


def rrelu(input: Tensor, lower=1.0 / 8, upper=1.0 / 3, training: bool = False, inplace=False):
    """Eval mode only (leaky relu with the mean slope); training draws random slopes."""
    if training:
        raise NotImplementedError("gradref: rrelu(training=True) (random slopes) is not covered")
    return _inplace_or(input, inplace, _act.rrelu_eval, lower, upper)


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-input), torch's composite (SoftmaxBackward0)."""
    if dim is None:
        dim = _implicit_dim("softmin", input)
    return _red.softmax(-input, dim, dtype=dtype)


__all__ += [
    "hardswish",
    "hardsigmoid",
    "mish",
    "hardtanh",
    "relu6",
    "selu",
    "celu",
    "softsign",
    "tanhshrink",
    "softshrink",
    "hardshrink",
    "threshold",
    "glu",
    "prelu",
    "rrelu",
    "softmin",
]


# ------------------------------------------------------------------------ pooling, resampling

max_pool1d = _pool.max_pool1d
max_pool2d = _pool.max_pool2d
avg_pool1d = _pool.avg_pool1d
avg_pool2d = _pool.avg_pool2d
adaptive_avg_pool1d = _pool.adaptive_avg_pool1d
adaptive_avg_pool2d = _pool.adaptive_avg_pool2d
adaptive_max_pool1d = _pool.adaptive_max_pool1d
adaptive_max_pool2d = _pool.adaptive_max_pool2d
max_pool3d = _pool.max_pool3d
avg_pool3d = _pool.avg_pool3d
adaptive_avg_pool3d = _pool.adaptive_avg_pool3d
adaptive_max_pool3d = _pool.adaptive_max_pool3d


def max_pool1d_with_indices(*args, **kwargs):
    return _pool.max_pool1d(*args, **{**kwargs, "return_indices": True})


def max_pool2d_with_indices(*args, **kwargs):
    return _pool.max_pool2d(*args, **{**kwargs, "return_indices": True})


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """torch's composite: (avg_pool(x^p) * k, sign-kept through relu(|.|))^(1/p)."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kernel_size).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kw, kh = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kw * kh).pow(1.0 / norm_type)


_LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3}
_ADAPTIVE_AVG = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):  # fmt: skip
    """nearest, nearest-exact, linear, bilinear, trilinear and area resampling of the trailing
    dims (all but batch and channel), with torch's output sizes and scales."""
    n = input.dim() - 2
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: "
                "linear | bilinear | bicubic | trilinear"
            )
    elif mode in _LINEAR_MODES:
        if align_corners is None:
            align_corners = False
        if _LINEAR_MODES[mode] != n:
            raise NotImplementedError(
                f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR_MODES[mode] + 2}D input"
            )
    else:
        raise NotImplementedError(f"gradref: interpolate mode {mode!r} is not implemented")
    if antialias:
        raise NotImplementedError("gradref: interpolate(antialias=True) is not implemented")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        out = tuple(size) if not isinstance(size, int) else (size,) * n
        scales = (None,) * n
    elif scale_factor is not None:
        sf = tuple(scale_factor) if not isinstance(scale_factor, (int, float)) else (
            float(scale_factor),) * n  # fmt: skip
        import math

        out = tuple(int(math.floor(float(s) * f)) for s, f in zip(input.shape[2:], sf))
        scales = (None,) * n if recompute_scale_factor else tuple(float(f) for f in sf)
    else:
        raise ValueError("either size or scale_factor should be defined")
    if mode == "area":
        return _ADAPTIVE_AVG[n](input, out)
    return _pool.upsample(input, out, mode, bool(align_corners), scales)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


__all__ += [
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "max_pool3d",
    "avg_pool3d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool3d",
    "lp_pool1d",
    "lp_pool2d",
    "interpolate",
    "pixel_shuffle",
    "pixel_unshuffle",
]


# ----------------------------------------------------------------------------- normalisation


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):  # fmt: skip
    return _norm.batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                            eps)  # fmt: skip


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):  # fmt: skip
    return _norm.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                               momentum, eps)  # fmt: skip


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    return _norm.group_norm(input, num_groups, weight, bias, eps)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps), torch's composite (DivBackward0)."""
    if out is not None:
        raise NotImplementedError("gradref: normalize(out=...) is not implemented")
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """torch's composite: the input over (k + alpha * mean of squares in a window of ``size``
    channels) ** beta, the window through avg_pool of the zero-padded squares."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = _pool.avg_pool_nd(3, div, (size, 1, 1), 1, 0, False, True, None).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


__all__ += ["batch_norm", "instance_norm", "group_norm", "normalize", "local_response_norm"]


# ------------------------------------------------------------------ embedding and distances


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):  # fmt: skip
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= weight.shape[0]:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if padding_idx < -weight.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.shape[0] + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        raise NotImplementedError("gradref: embedding(max_norm=...) is not implemented")
    return _dist.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


pdist = _dist.pdist


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim, torch's composite (NormBackward1)."""
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


__all__ += ["conv3d", "embedding", "pdist", "pairwise_distance"]
__all__ += ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "fold", "unfold"]
__all__ += ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nn.soft_margin_loss(input, target, reduction)


__all__ += ["soft_margin_loss"]


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):  # fmt: skip
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _nn.multi_margin_loss(input, target, p, margin, weight, reduction)


__all__ += ["multi_margin_loss"]
