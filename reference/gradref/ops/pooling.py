"""Pooling and resampling: max/avg/adaptive pooling, upsampling (nearest, linear, bilinear),
reflect/replicate/circular padding, pixel (un)shuffle.

Each is a linear map of the input's trailing (spatial) dims, fixed by the shapes (and, for max
pooling, by where the maxima are): every output element is a weighted sum of a few input
elements. :func:`spatial_map` builds the node from that table (flat input positions and
weights per output element); its VJP scatters the weighted gradient back, in gradref ops, so
double backward and forward mode follow. Max pooling picks, in each window in order, the first
maximum, or the last NaN (torch's CPU kernels: ``val > max || isnan(val)``).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtypes
from .._ops import compute, record
from .._tensor import Tensor
from ._table import register
from .indexing import _index_scatter

# ---------------------------------------------------------------------------------- the map


def spatial_map(x: Tensor, nsp: int, idx, w, node: str, fields: dict, extra=(), uses=()):
    """The node ``node`` computing ``y[..., o] = sum_k w[o, k] * x[..., idx[o, k]]`` over the
    trailing ``nsp`` dims of ``x`` (``idx`` flat in those dims, shape ``out + (K,)``; -1 marks
    an absent term). ``extra``: further outputs (not differentiable, e.g. indices), which
    ``idx`` and ``w`` may depend on per leading position when they carry the leading dims."""
    lead = tuple(x.shape[: x.dim() - nsp])
    sp = tuple(x.shape[x.dim() - nsp :])
    b = math.prod(lead)
    p = math.prod(sp)
    idx = np.asarray(idx, np.int64)
    w = np.asarray(w, np.float64)
    per_lead = idx.ndim > nsp + 1
    out_sp = idx.shape[-nsp - 1 : -1]
    idx_b = idx.reshape((b if per_lead else 1,) + out_sp + idx.shape[-1:])
    w_b = np.broadcast_to(w.reshape((b if per_lead else 1,) + out_sp + w.shape[-1:]), idx_b.shape)
    base = (np.arange(b) * p).reshape((b,) + (1,) * (len(out_sp) + 1))
    absent = b * p
    flat = np.where(idx_b < 0, absent, idx_b + base)
    flat = np.broadcast_to(flat, (b,) + out_sp + idx.shape[-1:])
    w_b = np.broadcast_to(w_b, flat.shape)
    out_shape = lead + out_sp

    def fwd(a):
        ext = np.concatenate([a.reshape(-1), np.zeros(1, a.dtype)])
        terms = ext[flat]
        present = flat != absent
        return np.where(present, terms * w_b, 0).sum(-1).reshape(out_shape)

    y = compute(fwd, [x], x.dtype, x.dtype, x.device, contiguous=True)
    x_shape = tuple(x.shape)

    def vjp(g, c):
        wt = Tensor._from_array(np.ascontiguousarray(w_b), g.dtype, g.device)
        terms = g.reshape((b,) + out_sp + (1,)) * wt
        full = _index_scatter(terms, flat, (b * p + 1,))
        return full.narrow(0, 0, b * p).reshape(x_shape)

    record(
        node,
        [x],
        [y, *extra],
        [vjp],
        [uses],
        {"self": x, **fields},
        differentiable=(True,) + (False,) * len(extra),
    )
    return y


def _flat(pos, sizes):
    """Flat index of per-dim positions (broadcast arrays), row-major over ``sizes``."""
    out = np.zeros(np.broadcast(*pos).shape, np.int64)
    for q, s in zip(pos, sizes):
        out = out * s + q
    return out


def _grid(per_dim):
    """Outer product of per-dim (out_d, K_d) index/weight tables: (out..., K) tables."""
    n = len(per_dim)
    idxs, ws = [], []
    for d, (i, w) in enumerate(per_dim):
        shape = [1] * (2 * n)
        shape[d], shape[n + d] = i.shape
        idxs.append(i.reshape(shape))
        ws.append(w.reshape(shape))
    out = tuple(i.shape[0] for i, _ in per_dim)
    k = math.prod(i.shape[1] for i, _ in per_dim)
    return idxs, ws, out, k


def _separable(x, per_dim, node, fields, uses=()):
    """A map that is a product of per-dim maps (each an (out_d, K_d) index and weight table,
    -1 for an absent term)."""
    sizes = tuple(x.shape[x.dim() - len(per_dim) :])
    idxs, ws, out, k = _grid(per_dim)
    idx = _flat(idxs, sizes)
    absent = np.zeros(idx.shape, bool)
    for i in idxs:
        absent = absent | (i < 0)
    w = np.ones(idx.shape)
    for wd in ws:
        w = w * wd
    idx = np.where(absent, -1, idx).reshape(out + (k,))
    return spatial_map(x, len(per_dim), idx, w.reshape(out + (k,)), node, fields, uses=uses)


# -------------------------------------------------------------------------------- arguments


def _tuple(v, n: int) -> tuple:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(int(a) for a in v)
    return v * n if len(v) == 1 else v


def _check_pool_input(name: str, x: Tensor, n: int) -> None:
    if x.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"non-empty {n + 1}D or {n + 2}D (batch mode) tensor expected for input")
    if x.dtype.category < 2:
        raise RuntimeError(f"\"{name}\" not implemented for '{_dtypes.scalar_type_name(x.dtype)}'")


def _pool_out(size, k, pad, stride, dil, ceil):
    out = (size + 2 * pad - dil * (k - 1) - 1 + (stride - 1 if ceil else 0)) // stride + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_geometry(x, kernel_size, stride, padding, dilation, ceil_mode, n):
    k = _tuple(kernel_size, n)
    s = _tuple(stride, n) if stride not in (None, ()) and stride != [] else k
    p = _tuple(padding, n)
    d = _tuple(dilation, n)
    for kk, pp, dd in zip(k, p, d):
        if pp > (dd * (kk - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pp}, "
                f"kernel_size={kk} and dilation={dd}"
            )
    sizes = tuple(x.shape[x.dim() - n :])
    out = tuple(_pool_out(*a, ceil_mode) for a in zip(sizes, k, p, s, d))
    if any(o < 1 for o in out):
        c = x.shape[x.dim() - n - 1]
        raise RuntimeError(
            f"Given input size: ({'x'.join(str(v) for v in (c,) + sizes)}). Calculated output "
            f"size: ({'x'.join(str(v) for v in (c,) + out)}). Output size is too small"
        )
    return k, s, p, d, sizes, out


def _windows(size, out, k, s, p, d):
    """(out, k) input positions of each window along one dim (-1 outside the input)."""
    pos = np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d
    return np.where((pos >= 0) & (pos < size), pos, -1)


# ------------------------------------------------------------------------------ max pooling


def _max_select(a: np.ndarray, pos: np.ndarray):
    """Per leading row and output: the chosen flat position among ``pos`` (out..., K), -1 for
    absent; torch's rule: the first maximum, or the last NaN; the first present position when
    all are -inf."""
    b = a.shape[0]
    flat = a.reshape(b, -1)
    present = pos >= 0
    vals = np.where(present[None], flat[:, np.where(present, pos, 0)], -np.inf)
    best = np.full(vals.shape[:-1], -np.inf)
    first = np.argmax(present, axis=-1)
    choice = np.broadcast_to(first, best.shape).copy()
    for j in range(vals.shape[-1]):
        v = vals[..., j]
        take = present[..., j][None] & ((v > best) | np.isnan(v))
        best = np.where(take, v, best)
        choice = np.where(take, j, choice)
    return np.take_along_axis(np.broadcast_to(pos, vals.shape), choice[..., None], -1)[..., 0]


def _max_pool(x, n, k, s, p, d, sizes, out, node, fields):
    idxs, _, out_sp, kk = _grid(
        [(_windows(*a), np.ones((a[1], a[2]))) for a in zip(sizes, out, k, s, p, d)]
    )
    absent = np.zeros(np.broadcast(*idxs).shape, bool)
    for i in idxs:
        absent = absent | (i < 0)
    pos = np.where(absent, -1, _flat(idxs, sizes)).reshape(out_sp + (kk,))
    lead = tuple(x.shape[: x.dim() - n])
    b = math.prod(lead)
    data = x._data.astype(np.float64).reshape((b,) + tuple(sizes))
    chosen = _max_select(data, pos)  # (b, out...)
    indices = Tensor._from_array(chosen.reshape(lead + out_sp), _dtypes.int64, x.device)
    fields = {**fields, "result1": indices}
    y = spatial_map(
        x,
        n,
        chosen.reshape((b,) + out_sp + (1,)),
        np.ones((b,) + out_sp + (1,)),
        node,
        fields,
        extra=(indices,),
        uses=("self", "result1"),
    )
    return y, indices


def max_pool_nd(n, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """max_pool{n}d_with_indices: (values, indices); MaxPool{n}DWithIndicesBackward0."""
    _check_pool_input(f"max_pool{n}d", input, n)
    k, s, p, d, sizes, out = _pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode, n
    )
    fields = {"kernel_size": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil_mode}
    return _max_pool(input, n, k, s, p, d, sizes, out, f"MaxPool{n}DWithIndicesBackward0", fields)


@register("max_pool2d", method=False)
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    y, i = max_pool_nd(2, input, kernel_size, stride, padding, dilation, ceil_mode)
    return (y, i) if return_indices else y


@register("max_pool1d", method=False)
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    """max_pool2d on the input unsqueezed at -2, squeezed back (torch's composite)."""
    one = lambda v: (1,) + _tuple(v, 1)  # noqa: E731
    stride = None if stride in (None, ()) else one(stride)
    y, i = max_pool_nd(
        2, input.unsqueeze(-2), one(kernel_size), stride, (0,) + _tuple(padding, 1),
        one(dilation), ceil_mode,
    )  # fmt: skip
    y, i = y.squeeze(-2), i.squeeze(-2)
    return (y, i) if return_indices else y


# ---------------------------------------------------------------------------------- average


def _avg_tables(size, out, k, s, p, ceil, count_include_pad, divisor_override):
    """(out, k) positions and weights along one dim, and the per-output window extents."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    pool = end - start
    lo, hi = np.maximum(start, 0), np.minimum(end, size)
    pos = start[:, None] + np.arange(k)[None, :]
    inside = (pos >= lo[:, None]) & (pos < hi[:, None])
    return np.where(inside, pos, -1), pool, hi - lo


@register("avg_pool2d", method=False)
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):  # fmt: skip
    return avg_pool_nd(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)  # fmt: skip


def avg_pool_nd(n, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):  # fmt: skip
    """avg_pool{n}d; AvgPool{n}DBackward0. The divisor: ``divisor_override``, else the window
    clipped to the padded input (``count_include_pad``) or to the input."""
    _check_pool_input(f"avg_pool{n}d", input, n)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    k, s, p, d, sizes, out = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, n)
    if n == 3 and any(a < b for a, b in zip(sizes, k)):  # torch checks the unpadded input
        raise RuntimeError(
            f"input image (T: {sizes[0]} H: {sizes[1]} W: {sizes[2]}) smaller than kernel size "
            f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})"
        )
    tables = [_avg_tables(*a, ceil_mode, count_include_pad, divisor_override)
              for a in zip(sizes, out, k, s, p)]  # fmt: skip
    idxs, _, out_sp, kk = _grid([(t[0], np.ones(t[0].shape)) for t in tables])
    absent = np.zeros(np.broadcast(*idxs).shape, bool)
    for i in idxs:
        absent = absent | (i < 0)
    pos = np.where(absent, -1, _flat(idxs, sizes)).reshape(out_sp + (kk,))
    if divisor_override is not None:
        div = np.full(out_sp, float(divisor_override))
    else:
        per = [t[1] if count_include_pad else t[2] for t in tables]
        div = np.ones(out_sp)
        for dd, v in enumerate(per):
            shape = [1] * n
            shape[dd] = len(v)
            div = div * v.reshape(shape)
    w = np.broadcast_to((1.0 / div)[..., None], pos.shape)
    fields = {
        "kernel_size": k,
        "stride": s,
        "padding": p,
        "ceil_mode": ceil_mode,
        "count_include_pad": count_include_pad,
        "divisor_override": divisor_override,
    }
    return spatial_map(input, n, pos, w, f"AvgPool{n}DBackward0", fields, uses=("self",))


@register("avg_pool1d", method=False)
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):  # fmt: skip
    """avg_pool2d on the input unsqueezed at -2, squeezed back (torch's composite)."""
    one = lambda v: (1,) + _tuple(v, 1)  # noqa: E731
    stride = None if stride in (None, ()) else one(stride)
    y = avg_pool_nd(2, input.unsqueeze(-2), one(kernel_size), stride, (0,) + _tuple(padding, 1),
                    ceil_mode, count_include_pad, None)  # fmt: skip
    return y.squeeze(-2)


# --------------------------------------------------------------------------------- adaptive


def _adaptive_windows(size, out):
    start = (np.arange(out) * size) // out
    end = -((-(np.arange(out) + 1) * size) // out)
    k = int((end - start).max()) if out else 0
    pos = start[:, None] + np.arange(k)[None, :]
    return np.where(pos < end[:, None], pos, -1), end - start


def _adaptive_sizes(x, output_size, n):
    out = _tuple(output_size, n) if not isinstance(output_size, int) else (output_size,) * n
    sizes = tuple(x.shape[x.dim() - n :])
    return tuple(s if o is None else o for o, s in zip(out, sizes)), sizes


def adaptive_avg_pool_nd(n, input, output_size):
    """Mean over adaptive windows; a plain mean over the trailing dims for an output of ones
    (torch)."""
    out, sizes = _adaptive_sizes(input, output_size, n)
    for i in range(1, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(
                f"adaptive_avg_pool{n}d(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {list(input.shape)} with dimension {i} being "
                "empty"
            )
    if out == (1,) * n:
        return input.mean(tuple(range(-1, -n - 1, -1)), keepdim=True)
    tables = [_adaptive_windows(s, o) for s, o in zip(sizes, out)]
    w = [np.where(t[0] >= 0, 1.0 / t[1][:, None], 0.0) for t in tables]
    per = [(t[0], wd) for t, wd in zip(tables, w)]
    return _separable(input, per, f"AdaptiveAvgPool{n}DBackward0", {}, uses=("self",))


@register("adaptive_avg_pool2d", method=False)
def adaptive_avg_pool2d(input, output_size):
    return adaptive_avg_pool_nd(2, input, output_size)


@register("adaptive_avg_pool3d", method=False)
def adaptive_avg_pool3d(input, output_size):
    return adaptive_avg_pool_nd(3, input, output_size)


@register("adaptive_max_pool3d", method=False)
def adaptive_max_pool3d(input, output_size, return_indices=False):
    y, i = adaptive_max_pool_nd(3, input, output_size)
    return (y, i) if return_indices else y


@register("max_pool3d", method=False)
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):  # fmt: skip
    y, i = max_pool_nd(3, input, kernel_size, stride, padding, dilation, ceil_mode)
    return (y, i) if return_indices else y


@register("avg_pool3d", method=False)
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):  # fmt: skip
    return avg_pool_nd(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override)  # fmt: skip


@register("adaptive_avg_pool1d", method=False)
def adaptive_avg_pool1d(input, output_size):
    """adaptive_avg_pool2d of the input unsqueezed at -2, squeezed back (torch's composite)."""
    o = output_size if isinstance(output_size, int) else output_size[0]
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, o)).squeeze(-2)


def adaptive_max_pool_nd(n, input, output_size):
    out, sizes = _adaptive_sizes(input, output_size, n)
    tables = [_adaptive_windows(s, o) for s, o in zip(sizes, out)]
    idxs, _, out_sp, kk = _grid([(t[0], np.ones(t[0].shape)) for t in tables])
    absent = np.zeros(np.broadcast(*idxs).shape, bool)
    for i in idxs:
        absent = absent | (i < 0)
    pos = np.where(absent, -1, _flat(idxs, sizes)).reshape(out_sp + (kk,))
    lead = tuple(input.shape[: input.dim() - n])
    b = math.prod(lead)
    data = input._data.astype(np.float64).reshape((b,) + tuple(sizes))
    chosen = _max_select(data, pos)
    indices = Tensor._from_array(chosen.reshape(lead + out_sp), _dtypes.int64, input.device)
    y = spatial_map(
        input, n, chosen.reshape((b,) + out_sp + (1,)), np.ones((b,) + out_sp + (1,)),
        f"AdaptiveMaxPool{n}DBackward0", {"result1": indices}, extra=(indices,),
        uses=("self", "result1"),
    )  # fmt: skip
    return y, indices


@register("adaptive_max_pool2d", method=False)
def adaptive_max_pool2d(input, output_size, return_indices=False):
    y, i = adaptive_max_pool_nd(2, input, output_size)
    return (y, i) if return_indices else y


@register("adaptive_max_pool1d", method=False)
def adaptive_max_pool1d(input, output_size, return_indices=False):
    o = output_size if isinstance(output_size, int) else output_size[0]
    y, i = adaptive_max_pool_nd(2, input.unsqueeze(-2), (1, o))
    y, i = y.squeeze(-2), i.squeeze(-2)
    return (y, i) if return_indices else y


# ------------------------------------------------------------------------------- upsampling


def _scale(size, out, align_corners, scale):
    if align_corners:
        return (size - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else size / out


def _nearest_table(size, out, scale, exact):
    sc = _scale(size, out, False, scale)
    dst = np.arange(out)
    d32, s32 = dst.astype(np.float32), np.float32(sc)  # torch computes these in float
    if not exact and out == size:
        src = dst
    elif not exact and out == 2 * size:
        src = dst >> 1
    else:
        src = np.floor((d32 + np.float32(0.5)) * s32) if exact else np.floor(d32 * s32)
    return np.minimum(src.astype(np.int64), size - 1)[:, None], np.ones((out, 1))


def _linear_table(size, out, align_corners, scale, ft=np.float64):
    """The two source indices and weights of each output position, computed as torch's
    kernels compute them: in ``ft``, the input's dtype (float32 for float32), so a source
    coordinate that float32 rounds off 0 keeps a nonzero weight on its second term."""
    if size == out and scale is None:  # torch's identity: both terms on one element
        same = np.arange(out)
        return np.stack([same, same], 1), np.stack([np.ones(out), np.zeros(out)], 1)
    if align_corners:
        sc = ft(size - 1) / ft(out - 1) if out > 1 else ft(0)
    elif scale is not None and scale > 0:
        sc = ft(1.0 / scale)
    else:
        sc = ft(size) / ft(out)
    dst = np.arange(out).astype(ft)
    src = dst * sc if align_corners else sc * (dst + ft(0.5)) - ft(0.5)
    src = np.where(src < 0, ft(0), src)
    i0 = np.minimum(np.floor(src).astype(np.int64), size - 1)
    i1 = np.where(i0 < size - 1, i0 + 1, i0)
    lam = np.clip(src - i0.astype(ft), ft(0), ft(1))
    return np.stack([i0, i1], 1), np.stack([ft(1) - lam, lam], 1).astype(np.float64)


def upsample(input, out, mode, align_corners, scales):
    """torch's upsample_{nearest,nearest_exact,linear,bilinear}{1,2}d on the trailing dims."""
    n = len(out)
    sizes = tuple(input.shape[input.dim() - n :])
    name = {1: "1D", 2: "2D", 3: "3D"}[n]
    fields = {"output_size": tuple(out), "self_sym_sizes": tuple(input.shape)}
    keys = ["scales"] if n == 1 else ["scales_d", "scales_h", "scales_w"][3 - n :]
    for key, sc in zip(keys, scales):
        fields[key] = sc
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        per = [_nearest_table(s, o, sc, exact) for s, o, sc in zip(sizes, out, scales)]
        node = f"UpsampleNearest{'Exact' if exact else ''}{name}Backward0"
    else:
        ft = np.float64 if input.dtype.np == np.float64 else np.float32
        per = [_linear_table(s, o, align_corners, sc, ft) for s, o, sc in zip(sizes, out, scales)]
        node = f"Upsample{ {1: 'Linear', 2: 'Bilinear', 3: 'Trilinear'}[n] }{name}Backward0"
        fields["align_corners"] = align_corners
    return _separable(input, per, node, fields)


# ---------------------------------------------------------------------------------- padding


def circular_pad(input, pad):
    """circular padding of the last ``len(pad) // 2`` dims (reflect and replicate padding:
    ``gradref.ops.shape.pad_mode``)."""
    n = len(pad) // 2
    if input.dim() not in (n + 1, n + 2):
        raise NotImplementedError(
            "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"
        )
    sizes = tuple(input.shape[input.dim() - n :])
    pads = [(pad[2 * (n - 1 - d)], pad[2 * (n - 1 - d) + 1]) for d in range(n)]
    per = []
    for size, (lo, hi) in zip(sizes, pads):
        if lo > size or hi > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        pos = np.arange(-lo, size + hi) % size
        per.append((pos[:, None], np.ones((len(pos), 1))))
    # torch's circular pad is a composite of copies (CopySlices)
    return _separable(input, per, "CopySlices", {})
