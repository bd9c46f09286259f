"""The op table's records: selection (values, indices)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.inputs import FLOAT_DTYPES, TIE_FREE_LAYOUTS, WIDE_FLOAT_DTYPES
from gradspec.ops.opinfo import (
    functional,
    index_aux,
    unary_shapes,
)
from gradspec.ops.records._build import op

# ------------------------------------------------------------------ selection (values, indices)
# gradref/ops/selection.py. Where torch leaves the choice among tied values open (topk, median
# and kthvalue with a dim; sort without stable=True), the entries avoid ties: continuous values
# and no ``expanded`` layout (which makes values equal along a dimension); the tie rules torch
# does fix are in the conventions (sort.ties, median.full-ties, cummax.ties, cummin.ties).


def _clip_k(x, k: int = 2, dim: int = -1) -> int:
    """``k`` clipped to the size of ``dim`` (1 for a 0-d input): a valid k for topk/kthvalue."""
    return min(k, x.shape[dim]) if x.dim() else min(k, 1)


@st.composite
def _scatter_shapes(draw, with_src: bool = True):
    p = draw(st.integers(1, 4))
    n = draw(st.integers(0, 4))
    m = draw(st.integers(0, p))
    return ((p, n), (m, n)) if with_src else ((p, n),)


def _scatter_aux(rng, shapes):
    """Indices for scatter along dim 0 without repeats in a column (torch leaves the winner of
    repeated writes unspecified)."""
    (p, n), (m, _) = shapes[0], shapes[1] if len(shapes) > 1 else (shapes[0][0], None)
    cols = [rng.permutation(p)[:m] for _ in range(n)]
    index = np.stack(cols, axis=1) if n else np.zeros((m, 0), np.int64)
    return {"index": index.astype(np.int64)}


op(
    "topk",
    lambda T, x: x.topk(_clip_k(x)),
    unary_shapes(max_dims=3),
    node="TopkBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
    note="continuous values: no ties (torch does not fix which tied element topk returns)",
)
op(
    "topk.smallest-dim0",
    lambda T, x: T.topk(x, _clip_k(x, 3, 0), 0, largest=False),
    unary_shapes(min_dims=1),
    node="TopkBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
)
op(
    "sort",
    lambda T, x: x.sort(),
    node="SortBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
)
op(
    "sort.stable-descending",
    lambda T, x: T.sort(x, dim=0, descending=True, stable=True) if x.dim() else x.sort(stable=True),
    node="SortBackward1",
    dtypes=WIDE_FLOAT_DTYPES,
    conventions=("sort.ties",),
)
op(
    "argsort",
    lambda T, x: x.argsort(-1),
    node=None,
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
    note="indices only (not differentiable)",
)
op(
    "median",
    lambda T, x: x.median(),
    unary_shapes(min_side=1),
    node="MedianBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    conventions=("median.full-ties",),
)
op(
    "median.dim",
    lambda T, x: x.median(-1),
    unary_shapes(min_dims=1, min_side=1),
    node="MedianBackward1",
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
)
op(
    "median.dim-keepdim",
    lambda T, x: T.median(x, 0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="MedianBackward1",
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
)
op(
    "kthvalue",
    lambda T, x: x.kthvalue(_clip_k(x), -1) if x.dim() else x.kthvalue(1),
    unary_shapes(min_side=1),
    node="KthvalueBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
)
op(
    "cummax",
    lambda T, x: x.cummax(-1) if x.dim() else x.cummax(0),
    node="CummaxBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    conventions=("cummax.ties",),
)
op(
    "cummin.dim0",
    lambda T, x: T.cummin(x, 0),
    node="CumminBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    conventions=("cummin.ties",),
)
op(
    "max.dim-keepdim",
    lambda T, x: T.max(x, 0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="MaxBackward0",
    layouts=TIE_FREE_LAYOUTS,
    conventions=("max.dim-index",),
)
op(
    "nn.functional.one_hot",
    lambda T, x, **k: x.unsqueeze(-1) * functional(T).one_hot(k["index"], 3).to(x.dtype),
    node="MulBackward0",
    aux=lambda rng, shapes: {"index": rng.integers(0, 3, shapes[0]).astype(np.int64)},
)
op(
    "masked_select",
    lambda T, x, **k: x.masked_select(k["mask"]),
    node="MaskedSelectBackward0",
    aux=index_aux("mask"),
)
op(
    "masked_select.broadcast",
    lambda T, x, **k: (
        x.masked_select(k["mask"][..., :1]) if x.dim() else x.masked_select(k["mask"])
    ),
    unary_shapes(min_dims=1),
    node="MaskedSelectBackward0",
    aux=index_aux("mask"),
    note="the mask broadcast over the last dimension: the gradient is summed back",
)
op(
    "scatter.src",
    lambda T, x, s, **k: T.scatter(x, 0, k["index"], s),
    _scatter_shapes(),
    node="ScatterBackward0",
    aux=_scatter_aux,
)
op(
    "scatter.value",
    lambda T, x, **k: x.scatter(0, k["index"], 1.5),
    _scatter_shapes(with_src=False).map(lambda s: (s[0],)),
    node="ScatterBackward1",
    aux=lambda rng, shapes: _scatter_aux(rng, (shapes[0], (min(2, shapes[0][0]), None))),
)
op(
    "scatter_add.dim0",
    lambda T, x, s, **k: x.scatter_add(0, k["index"], s),
    _scatter_shapes(),
    node="ScatterAddBackward0",
    aux=_scatter_aux,
)


def _reduce_shapes():
    return st.tuples(st.integers(1, 4), st.integers(0, 4), st.integers(0, 5)).map(
        lambda t: ((t[0], t[1]), (t[2], t[1]))
    )


def _reduce_aux(rng, shapes):
    """Indices along dim 0 with repeats (several sources reduce into one place)."""
    return {"index": rng.integers(0, shapes[0][0], shapes[1]).astype(np.int64)}


for _reduce in ("sum", "mean", "amax", "amin"):
    for _self in (True, False):
        op(
            f"scatter_reduce.{_reduce}" + ("" if _self else "-exclude-self"),
            (
                lambda r, s: (
                    lambda T, x, src, **k: x.scatter_reduce(0, k["index"], src, r, include_self=s)
                )
            )(_reduce, _self),  # fmt: skip
            _reduce_shapes(),
            node="ScatterReduceBackward0",
            aux=_reduce_aux,
            dtypes=WIDE_FLOAT_DTYPES if _reduce in ("amax", "amin") else FLOAT_DTYPES,
            reduction=lambda s: s[1][0] + 1,
        )
op(
    "scatter_reduce.amax-ties",
    lambda T, x, src, **k: x.round().scatter_reduce(0, k["index"], src.round(), "amax"),
    _reduce_shapes(),
    node="ScatterReduceBackward0",
    aux=_reduce_aux,
    dtypes=WIDE_FLOAT_DTYPES,
    double_backward=False,
    note="rounded values: ties between self and sources share the gradient equally",
)
