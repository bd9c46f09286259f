"""Weight normalisation (torch's ``_weight_norm``): ``w = v * (g / ||v||)``, the norm taken over
every dim but ``dim`` (over all of ``v`` for ``dim=-1``).

torch fuses it into ``_weight_norm_interface`` (one WeightNormInterfaceBackward0 node saving v,
g, dim and the norms) when ``dim`` is the first or the last dim, and composes it from ``norm``,
``div`` and ``mul`` otherwise; gradref does the same. The fused node's VJP is written in gradref
ops, so double backward works (torch's fused double backward is wrong: see ``_fused_vjps``);
torch has no forward-mode formula for the fused op."""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._ops import finish, record
from .._tensor import Tensor
from ._table import register
from .pointwise import where


def _other_dims(v: Tensor, dim: int) -> tuple:
    return tuple(d for d in range(v.dim()) if d != dim)


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm over every dim of ``v`` but ``dim`` (kept as size 1), or of all of ``v``.
    (torch composes it from a flattening view and a transpose: the values agree, the graph of
    the composite path is not mirrored, and the op table records only the fused path.)"""
    if dim == -1:
        return v.norm()
    return v.norm(2, _other_dims(v, dim), keepdim=True)


def _fused_vjps(dim: int):
    """torch's kernel's formula for both gradients, in its order of operations (which decides
    inf and NaN) and its dtype (float32 for the half types, rounded once at the end), with the
    values of the kernel's saved norms (a sum of squares, which underflows and overflows where
    the norm op does not) differentiable as the norms of v: torch reads its saved norms as
    constants (an output that is not differentiable), so its double backward misses their
    dependence on v; gradref's follows the derivative."""

    def acc(c, t):
        return t.to(c.result1.dtype)

    def sums(g, c):
        axes = _other_dims(c.v, dim)
        # sum(()) would reduce every dim: a 1-d v has nothing to reduce
        gv = acc(c, g) * acc(c, c.v)
        return gv.sum(axes, keepdim=True) if axes else gv

    def norms(c):
        v = acc(c, c.v)
        n = norm_except_dim(v, dim) if v.dim() > 1 else v.abs()
        saved = c.result1.reshape(tuple(n.shape))
        return where(saved == n, n, n + (saved - n).detach())

    def grad_v(g, c):
        # torch's kernel: a = g / n, b = a * grad_g / n, grad_v = a * grad - b * v
        n = norms(c)
        a = acc(c, c.g) / n
        out = a * acc(c, g) - (a * (sums(g, c) / n) / n) * acc(c, c.v)
        return out.to(c.v.dtype)

    def grad_g(g, c):
        return (sums(g, c) / norms(c)).reshape(tuple(c.g.shape)).to(c.g.dtype)

    return [grad_v, grad_g]


@register("_weight_norm", method=False)
def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    if dim < -1 or dim >= max(v.dim(), 1):
        low, high = -max(v.dim(), 1), max(v.dim(), 1) - 1
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
        )
    if dim not in (0, v.dim() - 1):
        return v * (g / norm_except_dim(v, dim))
    # the fused kernel reads contiguous copies (CloneBackward0 for a strided v or g)
    v, g = v.contiguous(), g.contiguous()
    axes = _other_dims(v, dim)
    # in the dtype torch computes in (float32 for the half types): a float32 norm overflows
    cdt = np.float64 if v.dtype is _dtypes.float64 else np.float32
    x = v._data.astype(cdt)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        norms = np.sqrt((x * x).sum(axis=axes, keepdims=True))
        w = x * (g._data.astype(cdt).reshape(norms.shape) / norms)
    y = finish(w, v.dtype, v.device)
    # the norms are in the computing dtype (float32 for the half types), as torch's
    result1 = finish(norms, _dtypes.float64 if cdt is np.float64 else _dtypes.float32, v.device)
    record(
        "WeightNormInterfaceBackward0",
        [v, g],
        [y],
        _fused_vjps(dim),
        [("v", "g", "result1"), ("v", "result1", "g")],
        {"v": v, "g": g, "dim": dim, "result1": result1},
    )
    return y
