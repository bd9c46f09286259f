"""Distances and embedding lookups with torch's nodes: cdist (CdistBackward0, and the
matrix-product form EuclideanDistBackward0), pdist, dist, embedding.

The p-norm distance's gradient is ``diff * |diff|^(p-2) / d^(p-1)`` (``sign(diff)`` for p = 1),
0 where the distance is 0, as torch's ``_cdist_backward``/``norm_backward``; written in gradref
ops so that double backward and forward mode follow.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._factories import zeros_like
from .._ops import common_device, compute, record
from .._tensor import Tensor
from ._table import register
from .indexing import _index_scatter
from .pointwise import where
from .shape import cat


def _kernel_sign(x: Tensor) -> Tensor:
    """The sign torch's distance kernels compute (from ceil and floor): NaN at NaN, where
    ``sign`` gives 0."""
    return where(x.isnan(), x, x.sign())


def _pnorm_grad(diff: Tensor, dist: Tensor, p: float, g: Tensor) -> Tensor:
    """``g`` times d dist / d diff for dist = ||diff||_p over the last dim (``dist`` and ``g``
    keep that dim), as torch's distance kernels compute it: ``g * sign(diff)`` for p = 1, else
    0 where the distance is 0 and otherwise ``g * diff / dist`` (p = 2) or
    ``diff * |diff|^(p-2) * g / dist^(p-1)``; for p < 2 the sign times ``|diff|^(p-1)``, 0 where
    diff is 0 when p < 1."""
    if p == 1:
        return g * _kernel_sign(diff)
    zero = dist == 0
    safe = where(zero, 1.0, dist)
    if p == 2:
        return where(zero, 0.0, g * diff / safe)
    if p < 2:
        out = where(zero, 0.0, _kernel_sign(diff) * diff.abs().pow(p - 1) * g / safe.pow(p - 1))
        return where(diff == 0, 0.0, out) if p < 1 else out
    return where(zero, 0.0, diff * diff.abs().pow(p - 2) * g / safe.pow(p - 1))


def _acc(dt):
    """The NumPy dtype torch's distance kernels compute ``dt`` in (its own: float32 stays
    float32, so squares overflow there as in torch)."""
    return np.float64 if dt.np == np.float64 else np.float32


def _np_pnorm(diff, p):
    """The p-norm over the last axis as torch's distance kernels: ``|diff|`` mapped (itself,
    squared, or to the p-th power) and summed in order in ``diff``'s dtype, then finished
    (square root; the 1/p-th power in double precision, rounded back)."""
    if p == 0:
        return (diff != 0).sum(-1).astype(diff.dtype)
    if np.isinf(p):
        return np.abs(diff).max(-1) if diff.shape[-1] else np.zeros(diff.shape[:-1], diff.dtype)
    a = np.abs(diff)
    terms = a if p == 1 else a * a if p == 2 else a ** a.dtype.type(p)
    agg = np.zeros(diff.shape[:-1], diff.dtype)
    for k in range(diff.shape[-1]):
        agg = agg + terms[..., k]
    if p == 1:
        return agg
    if p == 2:
        return np.sqrt(agg)
    return (agg.astype(np.float64) ** (1.0 / p)).astype(diff.dtype)


def _euclidean_np(a, b):
    """torch's _euclidean_dist: the matrix product of ``[-2 a, |a|^2, 1]`` and
    ``[b, 1, |b|^2]``, clamped at 0, square-rooted (so inf meets -inf and 0 there)."""
    na = (a * a).sum(-1, keepdims=True)
    nb = (b * b).sum(-1, keepdims=True)
    a_ = np.concatenate([-2 * a, na, np.ones_like(na)], -1)
    b_ = np.concatenate([b, np.ones_like(nb), nb], -1)
    prods = a_[..., :, None, :] * b_[..., None, :, :]  # each product rounded, as torch's mm
    r = np.zeros(prods.shape[:-1], prods.dtype)
    for k in range(prods.shape[-1]):
        r = r + prods[..., k]
    return np.sqrt(np.where(np.isnan(r), r, np.maximum(r, 0)))


def _check_p(p):
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")


@register("cdist", method=False)
def cdist(x1, x2, p=2.0, compute_mode=None):
    """||x1[..., i, :] - x2[..., j, :]||_p; CdistBackward0, or for p = 2 in the matrix-product
    mode (asked for, or by default with more than 25 rows) EuclideanDistBackward0 then a
    view, as torch."""
    _check_p(p)
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X{1 if x1.dim() < 2 else 2} got: "
            f"{(x1 if x1.dim() < 2 else x2).dim()}D"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    r1, r2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (
        compute_mode == "use_mm_for_euclid_dist"
        or (compute_mode in (None, "use_mm_for_euclid_dist_if_necessary") and (r1 > 25 or r2 > 25))
    )
    dt = _dtypes.promote_types(x1.dtype, x2.dtype)
    dev = common_device(x1, x2)

    acc = _acc(dt)

    def fwd(a, b):
        a, b = a.astype(acc), b.astype(acc)
        if use_mm:
            return _euclidean_np(a, b)
        return _np_pnorm(a[..., :, None, :] - b[..., None, :, :], p)

    y = compute(fwd, [x1, x2], dt, dt, dev, contiguous=True)

    def vjp1(g, c):
        # torch's _cdist_backward: each row's terms summed over the other rows
        diff = c.x1.unsqueeze(-2) - c.x2.unsqueeze(-3)
        return _pnorm_grad(diff, c.result.unsqueeze(-1), p, g.unsqueeze(-1)).sum(-2)

    def vjp2(g, c):
        diff = c.x2.unsqueeze(-3) - c.x1.unsqueeze(-2)
        return _pnorm_grad(diff, c.result.unsqueeze(-1), p, g.unsqueeze(-1)).sum(-3)

    if use_mm:

        def ratio(g, c):  # torch's _euclidean_dist_backward
            r = c.result
            return where(r == 0, 0.0, g / where(r == 0, 1.0, r))

        def mm1(g, c):
            q = ratio(g, c)
            return c.x1 * q.sum(-1, keepdim=True) - q.matmul(c.x2)

        def mm2(g, c):
            q = ratio(g, c)
            return c.x2 * q.sum(-2).unsqueeze(-1) - q.mT.matmul(c.x1)

        record(
            "EuclideanDistBackward0",
            [x1, x2],
            [y],
            [mm1, mm2],
            [("x1", "x2", "result")] * 2,
            {"x1": x1, "x2": x2, "result": y},
        )
        return y.view(tuple(y.shape))
    record(
        "CdistBackward0",
        [x1, x2],
        [y],
        [vjp1, vjp2],
        [("x1", "x2", "result")] * 2,
        {"x1": x1, "x2": x2, "p": float(p), "result": y},
    )
    return y


@register("pdist", method=False)
def pdist(input, p=2.0):
    """The p-norm distances of the rows i < j (row-major); PdistBackward0."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    iu, ju = np.triu_indices(n, 1)

    acc = _acc(input.dtype)

    def fwd(a):
        a = a.astype(acc)
        return _np_pnorm(a[iu] - a[ju], p)

    y = compute(fwd, [input], input.dtype, input.dtype, input.device, contiguous=True)
    m = input.shape[1]

    def vjp(g, c):
        if not len(iu):  # no pairs: zeros (torch's kernel leaves them), still on the graph
            return g.sum() * zeros_like(c.self)
        ti = Tensor._from_array(iu, _dtypes.int64, g.device)
        tj = Tensor._from_array(ju, _dtypes.int64, g.device)
        diff = c.self.index_select(0, ti) - c.self.index_select(0, tj)
        terms = _pnorm_grad(diff, c.result.unsqueeze(-1), p, g.unsqueeze(-1))
        rows = np.concatenate([iu, ju])
        flat = (rows[:, None] * m + np.arange(m)[None, :]).reshape(-1)
        both = _cat([terms, -terms])
        return _index_scatter(both.reshape(-1), flat, (n * m,)).reshape(n, m)

    record("PdistBackward0", [input], [y], [vjp], [("self", "result")],
           {"self": input, "p": float(p), "result": y})  # fmt: skip
    return y


def _cat(ts):
    return cat(ts, 0)


@register("embedding", method=False)
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """weight[indices]; EmbeddingBackward0: the gradient of a row sums the gradients of its
    lookups, none for ``padding_idx``, divided by the lookup count with ``scale_grad_by_freq``."""
    if indices.dtype not in (_dtypes.int64, _dtypes.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {_dtypes.legacy_type_name(indices.dtype)} "
            "instead (while checking arguments for embedding)"
        )
    idx = indices._data.astype(np.int64)
    num, dim = weight.shape[0], weight.shape[1]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError("index out of range in self")
    y = compute(lambda w: w[idx], [weight], weight.dtype, weight.dtype, weight.device,
                contiguous=True)  # fmt: skip
    scale = np.ones(idx.shape)
    if padding_idx >= 0:
        scale = np.where(idx == padding_idx, 0.0, scale)
    if scale_grad_by_freq:
        counts = np.bincount(idx.reshape(-1), minlength=num)
        scale = scale / counts[idx]
    flat = idx[..., None] * dim + np.arange(dim)

    def vjp(g, c):
        s = Tensor._from_array(scale[..., None], g.dtype, g.device)
        return _index_scatter(g * s, flat, (num * dim,)).reshape(num, dim)

    fields = {
        "indices": indices,
        "padding_idx": padding_idx,
        "scale_grad_by_freq": scale_grad_by_freq,
        "sparse": sparse,
        "weight_sym_argsize_0": num,
    }
    record("EmbeddingBackward0", [weight], [y], [vjp], [("indices",)], fields)
    return y
