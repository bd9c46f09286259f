"""Neural-network primitives with their own backward nodes: linear's addmm, convolution,
layer_norm and the fused losses (mse, smooth_l1, huber, nll, binary cross entropy).

Each is one node named as torch's, whose VJPs are written with gradref ops (so double backward
works); the wrappers with torch's functional signatures live in ``gradref.nn.functional``.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes, _grad_mode, _products
from .._forward import add_defined, or_zeros
from .._ops import common_device, compute, record
from .._tensor import Tensor
from . import conv_params
from ._table import register
from .indexing import _index_gather, _index_scatter
from .linalg import _matmul_fields, _scaled, check_matrix_product, einsum, matmul, mm
from .pointwise import broadcast_shapes, logit, logsigmoid, where
from .shape import constant_pad_nd, unsafe_view

# ------------------------------------------------------------------------------------- linear


@register("addmm", node="AddmmBackward0")
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); AddmmBackward0."""

    check_matrix_product("addmm", mat1, mat2)
    input.expand(mat1.shape[0], mat2.shape[1])  # torch's message when the bias does not fit
    dt = mat1.dtype
    dev = common_device(input, mat1, mat2)
    y = compute(
        lambda b, a, m: beta * b + alpha * _products.matmul(a, m), [input, mat1, mat2], dt, dt, dev
    )
    record(
        "AddmmBackward0",
        [input, mat1, mat2],
        [y],
        [
            lambda g, c: g * beta if beta != 1 else g,
            lambda g, c: (
                mm(g, c.mat2.t().conj()) * alpha if alpha != 1 else mm(g, c.mat2.t().conj())
            ),
            lambda g, c: (
                mm(c.mat1.t().conj(), g) * alpha if alpha != 1 else mm(c.mat1.t().conj(), g)
            ),
        ],
        [(), ("mat2",), ("mat1",)],
        {"mat1": mat1, "mat2": mat2, "alpha": alpha, "beta": beta, **_matmul_fields(mat1, mat2)},
        jvp=lambda t, c: add_defined(
            None if t[0] is None else _scaled(t[0], beta),
            _scaled(mm(or_zeros(t[1], c.mat1), c.mat2), alpha),
            _scaled(mm(c.mat1, or_zeros(t[2], c.mat2)), alpha),
        ),
    )
    return y


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, dispatched as torch's composite (AddmmBackward0 for 2-D input
    with bias, MmBackward0 without, matmul's nodes for other ranks)."""

    if input.dim() == 2 and bias is not None:
        return addmm(bias, input, weight.t())
    contiguous = input.numel() == 0 or input.is_contiguous()
    # torch's is_bias_likely_fusable: a contiguous bias with one dim (after squeezing)
    fusable = (
        bias is not None
        and (bias.dim() == 1 or sum(1 for s in bias.shape if s != 1) == 1)
        and (bias.numel() == 0 or bias.is_contiguous())
    )
    if fusable and contiguous:
        # torch's _flatten_nd_linear: addmm on the flattened input, _unsafe_view'ed back
        batch = tuple(input.shape[:-1])
        flat = 1
        for s in batch:
            flat *= s
        out = addmm(bias, input.reshape(flat, input.shape[-1]), weight.t())
        return unsafe_view(out, batch + (weight.shape[0],))
    out = matmul(input, weight.t())
    return out + bias if bias is not None else out


# -------------------------------------------------------------------------------- convolution


def _tuple(v, n: int, name: str) -> tuple:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * n
    if len(v) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} values to match the "
            f"convolution dimensions, but got {name}={list(v)}"
        )
    return v


def _conv_geometry(x_shape, w_shape, stride, padding, dilation):
    """Pads per spatial dim (left, right; a negative one crops), output sizes, and the flat
    gather index of the patches: shape (B, C, *K, *L), indexing the padded input flattened."""
    n = len(w_shape) - 2
    ksize = tuple(w_shape[2:])
    if padding == "valid":
        pads = [(0, 0)] * n
    elif padding == "same":
        pads = []
        for k, d in zip(ksize, dilation):
            total = d * (k - 1)
            pads.append((total // 2, total - total // 2))
    else:  # ints, or (low, high) pairs (a transposed convolution's output padding)
        pads = [p if isinstance(p, tuple) else (p, p) for p in padding]
    spatial = tuple(x_shape[2:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    out = tuple(
        (p - d * (k - 1) - 1) // s + 1 for p, k, d, s in zip(padded, ksize, dilation, stride)
    )
    for o in out:
        if o <= 0:
            sizes = " x ".join(str(q) for q in padded)
            kernel = " x ".join(str((kk - 1) * dd + 1) for kk, dd in zip(ksize, dilation))
            raise RuntimeError(
                f"Calculated padded input size per channel: ({sizes}). Kernel size: ({kernel}). "
                "Kernel size can't be greater than actual input size"
            )
    # positions along each spatial dim: o * stride + k * dilation, shape (K_d, L_d)
    flat = np.zeros(ksize + out, np.int64)
    mult = 1
    for d in range(n - 1, -1, -1):
        pos = np.arange(ksize[d])[:, None] * dilation[d] + np.arange(out[d])[None, :] * stride[d]
        shape = [1] * (2 * n)
        shape[d], shape[n + d] = ksize[d], out[d]
        flat = flat + pos.reshape(shape) * mult
        mult *= padded[d]
    b, c = x_shape[0], x_shape[1]
    sp = int(np.prod(padded))
    base = (np.arange(b)[:, None] * c + np.arange(c)[None, :]) * sp
    index = base.reshape((b, c) + (1,) * (2 * n)) + flat
    pad_arg = tuple(a for lo_hi in reversed(pads) for a in lo_hi)
    return pad_arg, out, index, (b, c) + padded


def _conv_parts(x: Tensor, w: Tensor, geometry, groups: int):
    pad_arg, out, index, padded_shape = geometry
    xp = constant_pad_nd(x, pad_arg) if any(pad_arg) else x
    cols = _index_gather(xp, index)  # (B, C, *K, *L)
    b, c = x.shape[0], x.shape[1]
    kflat = int(np.prod(w.shape[2:]))
    lflat = int(np.prod(out))
    cols = cols.reshape(b, groups, c // groups, kflat, lflat)
    wr = w.reshape(groups, w.shape[0] // groups, c // groups, kflat)
    return cols, wr


def _conv_forward(x, w, bias, geometry, groups):

    cols, wr = _conv_parts(x, w, geometry, groups)
    y = einsum("bgckl,gock->bgol", cols, wr)
    y = y.reshape((x.shape[0], w.shape[0]) + tuple(geometry[1]))
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * len(geometry[1]))
    return y


def _conv_grad_input(g, x_shape, w, geometry, groups):

    pad_arg, out, index, padded_shape = geometry
    b, c = x_shape[0], x_shape[1]
    kflat = int(np.prod(w.shape[2:]))
    wr = w.reshape(groups, w.shape[0] // groups, c // groups, kflat)
    gr = g.reshape(b, groups, w.shape[0] // groups, int(np.prod(out)))
    gcols = einsum("gock,bgol->bgckl", wr.conj(), gr).reshape(index.shape)
    gxp = _index_scatter(gcols, index, padded_shape)
    return constant_pad_nd(gxp, tuple(-p for p in pad_arg)) if any(pad_arg) else gxp


def _conv_grad_weight(g, x, w_shape, geometry, groups):

    out = geometry[1]
    cols, _ = _conv_parts(x, _ShapeOnly(w_shape), geometry, groups)
    gr = g.reshape(x.shape[0], groups, w_shape[0] // groups, int(np.prod(out)))
    return einsum("bgol,bgckl->gock", gr, cols.conj()).reshape(w_shape)


class _ShapeOnly:
    """Stands in for the weight where only its shape is needed."""

    def __init__(self, shape) -> None:
        self.shape = tuple(shape)

    def reshape(self, *a):
        return None


def convolution(input, weight, bias, stride, padding, dilation, groups, n: int, name: str):
    """N-d cross-correlation (N = 1, 2) as torch's conv{N}d: batched or unbatched input,
    padding as ints or 'same'/'valid', stride, dilation, groups; ConvolutionBackward0."""
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input "
            f"of size: {list(input.shape)}"
        )
    if input.dim() == n + 1:
        out = convolution(
            input.unsqueeze(0), weight, bias, stride, padding, dilation, groups, n, name
        )
        return out.squeeze(0)
    if weight.dim() < 3:
        raise RuntimeError("weight should have at least three dimensions")
    conv_params.check_weight_rank(input, weight, n)
    if weight.dim() != n + 2:
        # torch takes the number of spatial dims from the weight
        given = [int(stride)] * n if isinstance(stride, int) else list(stride)
        raise RuntimeError(
            "expected stride to be a single integer value or a list of "
            f"{weight.dim() - 2} values to match the convolution dimensions, but got "
            f"stride={given}"
        )
    stride = _tuple(stride, n, "stride")
    dilation = _tuple(dilation, n, "dilation")
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        input, padding = _padding_mode(input, weight, padding, dilation)
        output_padding = (0,) if padding == (0,) else (0,) * n  # 'valid' passes {0}, {0}
    else:
        padding = _tuple(padding, n, "padding")
        output_padding = (0,) * n
    pads = padding * n if len(padding) == 1 else padding
    conv_params.check_params(
        stride=stride, padding=pads, dilation=dilation, groups=groups, output_padding=(0,) * n
    )
    conv_params.check_shapes(input, weight, bias, groups=groups, transposed=False)
    conv_params.check_kernel(input, weight, padding=pads, dilation=dilation)
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"Input type ({_dtypes.legacy_type_name(input.dtype)}) and weight type "
            f"({_dtypes.legacy_type_name(weight.dtype)}) should be the same"
        )
    geometry = _conv_geometry(tuple(input.shape), tuple(weight.shape), stride, pads, dilation)
    with _grad_mode.no_grad():
        y = _conv_forward(
            input.detach(),
            weight.detach(),
            None if bias is None else bias.detach(),
            geometry,
            groups,
        )
    x_shape, w_shape = tuple(input.shape), tuple(weight.shape)
    spatial_axes = (0,) + tuple(range(2, 2 + n))
    fields = {
        "input": input,
        "weight": weight,
        "bias_sym_sizes_opt": (0,) if bias is None else tuple(bias.shape),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "transposed": False,
        "output_padding": output_padding,
        "groups": groups,
    }
    # torch's one formula for the three gradients reads input and weight: both are saved
    record(
        "ConvolutionBackward0",
        [input, weight, bias],
        [y],
        [
            lambda g, c: _conv_grad_input(g, x_shape, c.weight, geometry, groups),
            lambda g, c: _conv_grad_weight(g, c.input, w_shape, geometry, groups),
            lambda g, c: g.sum(spatial_axes),
        ],
        [("input", "weight")] * 3,
        fields,
        # torch's convolution_jvp: two convolutions, which read a missing tangent as zeros
        jvp=lambda t, c: (
            _conv_forward(or_zeros(t[0], c.input), c.weight, None, geometry, groups)
            + _conv_forward(c.input, or_zeros(t[1], c.weight), t[2], geometry, groups)
        ),
    )
    return y


def _padding_mode(input: Tensor, weight: Tensor, mode: str, dilation: tuple):
    """torch's _convolution_mode: 'valid' is padding 0; 'same' pads each side by half the
    dilated kernel extent, and where that is odd pads the input explicitly by the difference
    first (a ConstantPadNd node) so that the convolution's own padding is symmetric."""
    n = weight.dim() - 2
    if mode == "valid":
        return input, (0,)
    left, right = [], []
    for i in range(n):
        total = dilation[i] * (weight.shape[i + 2] - 1)
        left.append(total // 2)
        right.append(total - total // 2)
    if left == right:
        return input, tuple(left)
    pad_nd = [0] * (2 * n)
    for i in range(n):
        delta = right[i] - left[i]
        at = 2 * (n - 1 - i)  # constant_pad_nd goes from the last dim to the first
        if delta > 0:
            pad_nd[at + 1] = delta
        else:
            pad_nd[at] = delta
            left[i] = right[i]
    return constant_pad_nd(input, tuple(pad_nd)), tuple(left)


@register("conv1d", method=False)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


@register("conv2d", method=False)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


@register("conv3d", method=False)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return convolution(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


# --------------------------------------------------------------------------------- layer_norm


def _ln_stats(x: Tensor, axes, eps):
    mu = x.mean(axes, keepdim=True)
    xc = x - mu
    rstd = ((xc * xc).mean(axes, keepdim=True) + eps).rsqrt()
    return xc, rstd


@register("layer_norm", method=False)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the trailing ``normalized_shape`` dims (biased variance), then scale and
    shift; NativeLayerNormBackward0 with the analytic VJP written in gradref ops."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if tuple(input.shape[input.dim() - k :]) != ns or input.dim() < k:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape [*, "
            f"{', '.join(str(s) for s in ns)}], but got input of size{list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(t.shape)} and normalized_shape = {list(ns)}"
            )
    axes = tuple(range(input.dim() - k, input.dim()))

    def fwd(x, *wb):
        mu = x.mean(axis=axes, keepdims=True) if x.size else x.sum(axis=axes, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=axes, keepdims=True) if x.size else mu
        y = (x - mu) / np.sqrt(var + eps)
        i = 0
        if weight is not None:
            y = y * wb[i]
            i += 1
        if bias is not None:
            y = y + wb[i]
        return y

    args = [input] + [t for t in (weight, bias) if t is not None]
    y = compute(fwd, args, input.dtype, input.dtype, common_device(*args), contiguous=True)

    def stats(x):
        mu = x.mean(axis=axes, keepdims=True) if x.size else x.sum(axis=axes, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=axes, keepdims=True) if x.size else mu
        return mu, 1 / np.sqrt(var + eps)

    # native_layer_norm's other outputs, mean and rstd, which torch saves (not differentiable)
    mean = compute(lambda x: stats(x)[0], [input], input.dtype, input.dtype, input.device)
    rstd = compute(lambda x: stats(x)[1], [input], input.dtype, input.dtype, input.device)

    def vjp_input(g, c):
        # torch's layer_norm backward kernel: the row sums of g * w and g * w * x, then
        # rstd * g * w + b * x + c (so an inf weight or gradient in a row makes the whole row's
        # gradient NaN, as the sums meet inf - inf)
        # (in float32 for float16/bfloat16, as torch's kernel accumulates: rstd**3 of a
        # constant row overflows float16)
        low = g.dtype in (_dtypes.float16, _dtypes.bfloat16)
        x = c.input.to(_dtypes.float32) if low else c.input
        gw = g * c.weight if c.weight is not None else g
        gw = gw.to(_dtypes.float32) if low else gw
        mu = x.mean(axes, keepdim=True)
        _, rstd = _ln_stats(x, axes, eps)
        db = gw.mean(axes, keepdim=True)
        ds = (gw * x).mean(axes, keepdim=True)
        b = (db * mu - ds) * rstd.pow(3)
        dx = rstd * gw + b * x + (-b * mu - db * rstd)
        return dx.to(g.dtype) if low else dx

    def vjp_weight(g, c):
        xc, rstd = _ln_stats(c.input, axes, eps)
        return g * xc * rstd

    def jvp(ts, c):
        # torch's layer_norm_jvp: the input's tangent (zeros where it has none, so a row with
        # inf/NaN gives NaN tangents, as its output is NaN) through the normalisation, then the
        # weight's and the bias's tangents added where they have one
        xc, r = _ln_stats(c.input, axes, eps)
        t = or_zeros(ts[0], c.input)
        tc = t - t.mean(axes, keepdim=True)
        r_t = -r.pow(3) * (tc * xc).mean(axes, keepdim=True)
        out = tc * r + xc * r_t
        if c.weight is not None:
            out = out * c.weight if ts[1] is None else out * c.weight + xc * r * ts[1]
        return out if ts[2] is None else out + ts[2]

    fields = {
        "input": input,
        "weight": weight,
        "bias": bias,
        "normalized_shape": ns,
        "result1": mean,
        "result2": rstd,
    }
    # one formula for the three gradients: torch saves all of its tensors
    uses = ("input", "weight", "bias", "result1", "result2")
    record(
        "NativeLayerNormBackward0",
        [input, weight, bias],
        [y, mean, rstd],
        [vjp_input, vjp_weight, lambda g, c: g],
        [uses] * 3,
        fields,
        differentiable=(True, False, False),
        jvp=jvp,
    )
    return y


# --------------------------------------------------------------------------------------- losses


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"{reduction} is not a valid value for reduction")


#: at::Reduction: how torch's nodes save a ``reduction`` argument
REDUCTION = {"none": 0, "mean": 1, "sum": 2}


def _loss_node(name, input, target, fwd, dloss, reduction, saved_extra=None, jvp=None):
    """A fused pointwise loss: ``fwd(x, t)`` elementwise (NumPy), ``dloss(x, t)`` its derivative
    in x (gradref ops); the target gets the negative (the losses here depend on x - t).
    ``jvp(tx, ty, x, y)``: the unreduced loss's own forward-mode formula, if it has one."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    shape = broadcast_shapes(tuple(input.shape), tuple(target.shape))
    dt = _dtypes.promote_types(input.dtype, target.dtype)
    n = int(np.prod(shape)) if shape else 1

    def full(x, t):
        v = fwd(x, t)
        if reduction == "sum":
            return v.sum()
        if reduction == "mean":
            return v.mean() if v.size else np.float64(np.nan)
        return v

    y = compute(full, [input, target], dt, dt, common_device(input, target))

    def scale(g):
        return g / n if reduction == "mean" else g

    record(
        name,
        [input, target],
        [y],
        [
            lambda g, c: scale(g) * dloss(c.self, c.target),
            lambda g, c: -(scale(g) * dloss(c.self, c.target)),
        ],
        [("self", "target"), ("self", "target")],
        {"self": input, "target": target, "reduction": REDUCTION[reduction], **(saved_extra or {})},
        jvp=None
        if jvp is None
        else lambda t, c: _reduce(jvp(t[0], t[1], c.self, c.target), reduction),
    )
    return y


def mse_loss(input, target, reduction="mean"):
    return _loss_node(
        "MseLossBackward0",
        input,
        target,
        lambda x, t: (x - t) ** 2,
        lambda x, t: 2 * (x - t),
        reduction,
        jvp=_mse_jvp,
    )


def _mse_jvp(tx, ty, x, y):
    """torch's mse_loss tangent: mse_loss_backward (``2 * (a - b) * g``, which reads a missing
    tangent as zeros) of each input's tangent, summed, then reduced."""
    return 2 * (x - y) * or_zeros(tx, x) + 2 * (y - x) * or_zeros(ty, y)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    def fwd(x, t):
        d = np.abs(x - t)
        return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)

    def dloss(x, t):
        # torch's kernel: -1 at or below -beta, 1 at or above beta, else d / beta (so NaN at
        # a NaN difference)
        d = x - t
        return where(d <= -beta, -1.0, where(d >= beta, 1.0, d / beta))

    return _loss_node(
        "SmoothL1LossBackward0", input, target, fwd, dloss, reduction, {"beta": float(beta)}
    )


def huber_loss(input, target, reduction="mean", delta=1.0):
    def fwd(x, t):
        d = np.abs(x - t)
        return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))

    def dloss(x, t):
        # torch's kernel: -delta at or below -delta, delta at or above it, else d (so NaN at a
        # NaN difference)
        d = x - t
        return where(d <= -delta, -delta, where(d >= delta, delta, d))

    return _loss_node(
        "HuberLossBackward0", input, target, fwd, dloss, reduction, {"delta": float(delta)}
    )


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-weight[t] * input[n, t], reduced; 'mean' divides by the total weight of the targets that
    are not ``ignore_index``. NllLossBackward0 (linear in input: its VJP is a constant mask)."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if not isinstance(target, Tensor) or target.dtype is not _dtypes.int64:
        raise RuntimeError(
            "expected scalar type Long but found "
            f"{_dtypes.type_meta_name(getattr(target, 'dtype', _dtypes.float32))}"
        )
    batched = input.dim() >= 2
    c_dim = 1 if batched else 0
    n_classes = input.shape[c_dim]
    if batched and target.shape[0] != input.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0]})."
        )
    t = target._data
    valid = t != ignore_index
    if np.any((t[valid] < 0) | (t[valid] >= n_classes)):
        bad = int(t[valid][(t[valid] < 0) | (t[valid] >= n_classes)][0])
        raise IndexError(f"Target {bad} is out of bounds.")
    w = np.ones(n_classes) if weight is None else weight._data.astype(np.float64)
    safe_t = np.where(valid, t, 0)
    wt = np.where(valid, w[safe_t], 0.0)  # per-target weight, target's shape
    onehot = (
        np.moveaxis(np.eye(n_classes)[safe_t], -1, c_dim) if batched else np.eye(n_classes)[safe_t]
    )
    hit = onehot > 0
    denom = wt.sum() if reduction == "mean" else None

    def loss(x):
        """torch's nll_loss_forward on the values ``x``: it reads x[n, target[n]] only (the
        other classes' inf/NaN do not reach the loss); an ignored target gives 0 unread."""
        picked = np.take_along_axis(x, np.expand_dims(safe_t, c_dim), c_dim).squeeze(c_dim)
        with np.errstate(all="ignore"):
            per = np.where(valid, -wt * picked, 0.0)
            if reduction == "none":
                return per
            return per.sum() if reduction == "sum" else per.sum() / denom

    out = loss(input._data.astype(np.float64))
    y = compute(lambda a: out, [input], input.dtype, input.dtype, input.device)
    # nll_loss_forward's second output: the weight of the targets counted (0 for 'none')
    total = 0.0 if reduction == "none" else float(wt.sum())
    total_weight = Tensor._from_array(np.asarray(total), input.dtype, input.device)
    # d loss_elem / d input: -weight[t] (over the total weight for 'mean') at the target's
    # class, 0 elsewhere (never 0 * inf), as nll_loss_backward writes it
    with np.errstate(all="ignore"):
        scaled = -wt if denom is None else -wt / denom
    coef_np = np.where(hit, np.expand_dims(scaled, c_dim), 0.0)

    def jvp(ts, c):
        # torch's forward-mode formula: nll_loss_forward of the tangent
        t = ts[0]
        return Tensor._from_array(np.asarray(loss(t._data.astype(np.float64))), t.dtype, t.device)

    def vjp(g, c):
        gk = g.unsqueeze(c_dim) if reduction == "none" else g
        return gk * Tensor._from_array(coef_np, g.dtype, g.device)

    fields = {
        "self": input,
        "target": target,
        "weight": weight,
        "total_weight": total_weight,
        "ignore_index": ignore_index,
        "reduction": REDUCTION[reduction],
    }
    uses = ("self", "target", "weight", "total_weight")
    record(
        "NllLoss2DBackward0" if input.dim() == 4 else "NllLossBackward0",
        [input],
        [y, total_weight],
        [vjp],
        [uses],
        fields,
        differentiable=(True, False),
        jvp=lambda ts, c: (jvp(ts, c),),
    )
    return y


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)) with the logs clamped at -100, as torch."""
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if weight is not None and weight.requires_grad:
        raise RuntimeError(
            "The function 'binary_cross_entropy' is not differentiable with respect to argument "
            "'weight'. This input cannot have requires_grad True."
        )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    x = input._data.astype(np.float64)
    if np.any((x < 0) | (x > 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    w = None if weight is None else np.broadcast_to(weight._data.astype(np.float64), x.shape)
    n = x.size

    def fwd(a, t):
        with np.errstate(divide="ignore"):
            v = -(t * np.maximum(np.log(a), -100) + (1 - t) * np.maximum(np.log1p(-a), -100))
        if w is not None:
            v = v * w
        if reduction == "sum":
            return v.sum()
        if reduction == "mean":
            return v.mean() if v.size else np.float64(np.nan)
        return v

    y = compute(fwd, [input, target], input.dtype, input.dtype, common_device(input, target))
    wt = None if weight is None else weight

    def scale(g, c):
        s = g / n if reduction == "mean" else g
        return s * c.weight if c.weight is not None else s

    def vjp_input(g, c):
        x_, t_ = c.self, c.target
        return scale(g, c) * (x_ - t_) / ((1 - x_) * x_).clamp(min=1e-12)

    def vjp_target(g, c):
        # torch's binary_cross_entropy_target_backward: -logit(x), unclamped (±inf at 0 and 1)
        return scale(g, c) * -logit(c.self)

    def weighted(v, c):
        return v * c.weight if c.weight is not None else v

    def jvp(ts, c):
        # torch's forward-mode formula: both backward formulas applied to the tangents without
        # reduction, added, then reduced; a missing tangent is read as zeros (0 * inf is NaN)
        x_, t_ = c.self, c.target
        d_input = or_zeros(ts[0], x_) * (x_ - t_) / ((1 - x_) * x_).clamp(min=1e-12)
        d_target = -logit(x_) * or_zeros(ts[1], t_)
        v = weighted(d_input, c) + weighted(d_target, c)
        if reduction == "sum":
            return v.sum()
        return v.mean() if reduction == "mean" else v

    record(
        "BinaryCrossEntropyBackward0",
        [input, target],
        [y],
        [vjp_input, vjp_target],
        [("self", "target", "weight"), ("self", "target", "weight")],
        {"self": input, "target": target, "weight": wt, "reduction": REDUCTION[reduction]},
        jvp=jvp,
    )
    return y


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """(1 - t) x + (1 + (pw - 1) t) log(1 + exp(-x)), weighted, stable in x."""
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None and t.requires_grad:
            raise RuntimeError(
                "The function 'binary_cross_entropy_with_logits' is not differentiable with "
                f"respect to argument '{name}'. This input cannot have requires_grad True."
            )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    shape = tuple(input.shape)
    n = int(np.prod(shape)) if shape else 1
    w = None if weight is None else weight._data.astype(np.float64)
    pw = None if pos_weight is None else pos_weight._data.astype(np.float64)

    def fwd(x, t):
        sp = np.logaddexp(0.0, -x)  # log(1 + exp(-x))
        lw = 1 + (pw - 1) * t if pw is not None else 1.0
        v = (1 - t) * x + lw * sp
        if w is not None:
            v = v * w
        if reduction == "sum":
            return v.sum()
        if reduction == "mean":
            return v.mean() if v.size else np.float64(np.nan)
        return v

    y = compute(fwd, [input, target], input.dtype, input.dtype, common_device(input, target))

    # torch's binary_cross_entropy_with_logits_backward and _target_backward, in their order
    # (which decides inf - inf): the slope times the gradient, times weight, over n for 'mean'
    def finish_grad(v, c, reduce=True):
        if c.weight is not None:
            v = v * c.weight
        return v / n if reduce and reduction == "mean" else v

    def d_input(g, c, reduce=True):
        x_, t_ = c.self, c.target
        if c.pos_weight is None:
            slope = x_.sigmoid() - t_
        else:
            pt = c.pos_weight * t_
            slope = (pt + 1 - t_) * x_.sigmoid() - pt
        return finish_grad(slope * g, c, reduce)

    def d_target(g, c, reduce=True):
        x_ = c.self
        if c.pos_weight is None:
            return finish_grad(-x_ * g, c, reduce)
        return finish_grad((logsigmoid(-x_) - logsigmoid(x_) * c.pos_weight) * g, c, reduce)

    def jvp(ts, c):
        # torch's forward-mode formula: both backward formulas applied to the tangents without
        # reduction (a missing tangent adds nothing), added, then reduced
        v = add_defined(
            None if ts[0] is None else d_input(ts[0], c, False),
            None if ts[1] is None else d_target(ts[1], c, False),
        )
        if reduction == "sum":
            return v.sum()
        return v.mean() if reduction == "mean" else v

    record(
        "BinaryCrossEntropyWithLogitsBackward0",
        [input, target],
        [y],
        [d_input, d_target],
        [("self", "target", "weight", "pos_weight"), ("self", "target", "weight", "pos_weight")],
        {
            "self": input,
            "target": target,
            "weight": weight,
            "pos_weight": pos_weight,
            "reduction": REDUCTION[reduction],
        },
        jvp=jvp,
    )
    return y


def soft_margin_loss(input, target, reduction="mean"):
    """log(1 + exp(-target * input)), reduced; SoftMarginLossBackward0 (its formula, symmetric in
    input and target, gives both gradients)."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if target.requires_grad and _grad_mode.is_grad_enabled():
        raise RuntimeError(
            "The function 'soft_margin_loss' is not differentiable with respect to argument "
            "'target'. This input cannot have requires_grad True."
        )
    dt = _dtypes.promote_types(input.dtype, target.dtype)
    n = int(np.prod(broadcast_shapes(tuple(input.shape), tuple(target.shape))))

    def fwd(x, t):
        v = np.log1p(np.exp(-t * x))  # as torch: inf where exp overflows
        if reduction == "sum":
            return v.sum()
        if reduction == "mean":
            return v.mean() if v.size else np.float64(np.nan)
        return v

    y = compute(fwd, [input, target], dt, dt, common_device(input, target))

    def grad(g, a, b):  # d/da of log(1 + exp(-a b)) as torch writes it: -b z / (1 + z)
        s = g / n if reduction == "mean" else g
        z = (-(a * b)).exp()
        return s * (-b * z / (1 + z))  # NaN where z overflows, as torch

    record(
        "SoftMarginLossBackward0",
        [input, target],
        [y],
        [lambda g, c: grad(g, c.self, c.target), lambda g, c: grad(g, c.target, c.self)],
        [("self", "target")] * 2,
        {"self": input, "target": target, "reduction": REDUCTION[reduction]},
    )
    return y


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """sum over classes i != y of max(0, margin - x[y] + x[i])^p / C (times weight[y]), reduced
    over the batch; MultiMarginLossBackward0 (the gradient counts terms with z > 0)."""
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    batched = input.dim() == 2
    x = input._data.astype(np.float64).reshape(-1, input.shape[-1] if input.dim() else 1)
    t = target._data.astype(np.int64).reshape(-1)
    nb, c = x.shape
    if np.any((t < 0) | (t >= c)):
        raise RuntimeError("target out of range")
    w = np.ones(c) if weight is None else weight._data.astype(np.float64)
    xy = x[np.arange(nb), t][:, None]
    z = margin - xy + x
    other = np.arange(c)[None, :] != t[:, None]
    on = other & (z > 0)
    wy = w[t][:, None]
    with np.errstate(all="ignore"):
        terms = np.where(on, z**p, 0.0) * wy / c
    per = terms.sum(1)
    if reduction == "none":
        out = per if batched else per.reshape(())
    elif reduction == "sum":
        out = per.sum()
    else:
        out = per.mean()
    y = compute(lambda a: out, [input], input.dtype, input.dtype, input.device)
    coef = np.where(on, p * np.where(on, z, 0.0) ** (p - 1), 0.0) * wy / c
    # the target's class gets minus the others' sum (written in place, as torch's kernel does:
    # an inf slope elsewhere does not turn the other entries into 0 * inf)
    coef[np.arange(nb), t] = -coef.sum(1)
    if reduction == "mean":
        coef = coef / nb
    shape = tuple(input.shape)

    def vjp(g, c_):
        k = Tensor._from_array(coef.reshape(shape), g.dtype, g.device)
        return (g.unsqueeze(-1) if reduction == "none" and batched else g) * k

    fields = {"self": input, "target": target, "weight": weight, "p": p, "margin": margin,
              "reduction": REDUCTION[reduction]}  # fmt: skip
    record("MultiMarginLossBackward0", [input], [y], [vjp], [("self", "target", "weight")],
           fields)  # fmt: skip
    return y
