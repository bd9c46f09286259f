"""The op table's records: reductions."""

from __future__ import annotations

import numpy as np

from gradspec.inputs import TIE_FREE_LAYOUTS, WIDE_FLOAT_DTYPES
from gradspec.ops.opinfo import (
    broadcast_shapes,
    dim_or_all,
    functional,
    index_aux,
    last_dim_of_first,
    numel_of_first,
    same_shapes,
    unary_shapes,
    weighted_mean_removed,
)
from gradspec.ops.records._build import FLOAT_AND_COMPLEX, op

# ------------------------------------------------------------------------------------ reductions


def _mask_keeping_first_row(rng, shapes):
    """A random boolean mask that is True on the first row along dim 0 (no all-NaN column)."""
    mask = np.asarray(rng.random(shapes[0]) < 0.5)
    if mask.ndim:
        mask[:1] = True
    else:
        mask = np.asarray(True)
    return {"mask": mask}


op(
    "sum",
    lambda T, x: x.sum(),
    node="SumBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=numel_of_first,
)
op(
    "sum.dim",
    dim_or_all(lambda T, x: x.sum(-1), lambda T, x: x.sum()),
    node=None,
    note="SumBackward1 with a dim, SumBackward0 for 0-d",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=last_dim_of_first,
)
op(
    "sum.dims-keepdim",
    lambda T, x: T.sum(x, (0, -1), keepdim=True),
    unary_shapes(min_dims=2),
    node="SumBackward1",
    reduction=lambda s: s[0][0] * s[0][-1],
)
op(
    "mean",
    lambda T, x: x.mean(),
    unary_shapes(min_side=1),
    node="MeanBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=numel_of_first,
)
op(
    "mean.dim",
    lambda T, x: x.mean(dim=(-1,), keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="MeanBackward1",
    reduction=last_dim_of_first,
)
op(
    "prod",
    lambda T, x: x.prod(),
    unary_shapes(max_side=3),
    node="ProdBackward0",
    bounds=((0.5, 1.5),),
    reduction=numel_of_first,
)
op(
    "prod.dim",
    lambda T, x: x.prod(0),
    unary_shapes(min_dims=1),
    node="ProdBackward1",
    bounds=((-1.5, 1.5),),
    reduction=lambda s: s[0][0],
)
op(
    "prod.zeros",
    lambda T, x, **k: (x * k["mask"]).prod(-1),
    unary_shapes(min_dims=1, min_side=1),
    node="ProdBackward1",
    aux=index_aux("mask"),
    conventions=("prod.one-zero", "prod.two-zeros"),
    dtypes=WIDE_FLOAT_DTYPES,
    reduction=last_dim_of_first,
    note="inputs with zero, one and several zeros along the dim",
)
op(
    "max",
    lambda T, x: x.max(),
    unary_shapes(min_side=1),
    node="MaxBackward1",
    conventions=("max.full-ties",),
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "max.ties",
    lambda T, x: x.round().max(),
    unary_shapes(min_side=1),
    node="MaxBackward1",
    conventions=("max.full-ties",),
    dtypes=WIDE_FLOAT_DTYPES,
    double_backward=False,
    note="values rounded to integers: ties, and the gradient of round is zero",
)
op(
    "min",
    lambda T, x: T.min(x),
    unary_shapes(min_side=1),
    node="MinBackward1",
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "max.dim",
    lambda T, x: x.max(-1),
    unary_shapes(min_dims=1, min_side=1),
    node="MaxBackward0",
    conventions=("max.dim-index",),
)
op(
    "min.dim-keepdim",
    lambda T, x: T.min(x, 0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="MinBackward0",
)
op(
    "amax",
    lambda T, x: x.amax(),
    unary_shapes(min_side=1),
    node="AmaxBackward0",
    conventions=("amax.nan",),
)
op(
    "amax.dim",
    lambda T, x: T.amax(x, (0, -1)),
    unary_shapes(min_dims=2, min_side=1),
    node="AmaxBackward0",
    conventions=("amax.ties",),
)
op(
    "amin.dim-keepdim",
    lambda T, x: x.amin(-1, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="AminBackward0",
)
op(
    "amax.ties",
    lambda T, x: (x * 2).round().amax(-1),
    unary_shapes(min_dims=1, min_side=1),
    node="AmaxBackward0",
    double_backward=False,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "var",
    lambda T, x: x.var(),
    unary_shapes(min_dims=1, min_side=2, max_side=4),
    node="VarBackward0",
    reduction=numel_of_first,
    dtypes=FLOAT_AND_COMPLEX,
    real_output=True,
)
op(
    "var.dim-correction",
    lambda T, x: T.var(x, -1, correction=0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="VarBackward0",
    reduction=last_dim_of_first,
)
op(
    "var.unbiased-false",
    lambda T, x: x.var(0, False),
    unary_shapes(min_dims=1, min_side=2),
    node="VarBackward0",
    reduction=lambda s: s[0][0],
)
op(
    "std",
    lambda T, x: x.std(),
    unary_shapes(min_dims=1, min_side=2),
    node="StdBackward0",
    reduction=numel_of_first,
    conventions=("std.constant",),
)
op(
    "std.dim",
    lambda T, x: x.std(dim=(0,), correction=0),
    unary_shapes(min_dims=2, min_side=2),
    node="StdBackward0",
    reduction=lambda s: s[0][0],
    conventions=("std.constant-dim",),
)
op(
    "norm",
    lambda T, x: x.norm(),
    unary_shapes(min_side=1),
    node="LinalgVectorNormBackward0",
    reduction=numel_of_first,
    dtypes=FLOAT_AND_COMPLEX,
    real_output=True,
    conventions=("norm2.zero",),
)
op(
    "norm.p1",
    lambda T, x: x.norm(1),
    unary_shapes(min_side=1),
    node="LinalgVectorNormBackward0",
    away=(0.0,),
    reduction=numel_of_first,
    conventions=("norm1.zero",),
)
op(
    "norm.inf",
    lambda T, x: x.norm(float("inf")),
    unary_shapes(min_side=1),
    node="LinalgVectorNormBackward0",
    away=(0.0,),
    conventions=("norminf.ties",),
)
op(
    "norm.p3-dim",
    lambda T, x: T.norm(x, 3, dim=-1, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="LinalgVectorNormBackward0",
    away=(0.0,),
    reduction=last_dim_of_first,
)
op(
    "norm.fro-dim",
    lambda T, x: x.norm("fro", dim=(0, 1)),
    unary_shapes(min_dims=2, min_side=1),
    node="LinalgVectorNormBackward0",
    reduction=lambda s: s[0][0] * s[0][1],
)
op(
    "logsumexp",
    lambda T, x: x.logsumexp(-1),
    unary_shapes(min_dims=1, min_side=1),
    node="LogsumexpBackward0",
    reduction=last_dim_of_first,
)
op(
    "logsumexp.dims",
    lambda T, x: T.logsumexp(x, (0, 1), keepdim=True),
    unary_shapes(min_dims=2, min_side=1),
    node="LogsumexpBackward0",
    reduction=lambda s: s[0][0] * s[0][1],
)
op(
    "softmax",
    lambda T, x: x.softmax(-1),
    unary_shapes(min_dims=1),
    node="SoftmaxBackward0",
    reduction=last_dim_of_first,
    intermediates=weighted_mean_removed,
)
op(
    "log_softmax",
    lambda T, x: x.log_softmax(0),
    unary_shapes(min_dims=1),
    node="LogSoftmaxBackward0",
    reduction=lambda s: s[0][0],
)
op(
    "nn.functional.softmax",
    lambda T, x: functional(T).softmax(x, dim=1),
    unary_shapes(min_dims=2),
    node="SoftmaxBackward0",
    reduction=lambda s: s[0][1],
    intermediates=weighted_mean_removed,
)
op(
    "nn.functional.log_softmax",
    lambda T, x: functional(T).log_softmax(x, dim=-1),
    unary_shapes(min_dims=1),
    node="LogSoftmaxBackward0",
    reduction=last_dim_of_first,
)
op(
    "cumsum",
    lambda T, x: x.cumsum(-1),
    unary_shapes(min_dims=1),
    node="CumsumBackward0",
    reduction=last_dim_of_first,
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "cumprod",
    lambda T, x: T.cumprod(x, 0),
    unary_shapes(min_dims=1),
    node="CumprodBackward0",
    reduction=lambda s: s[0][0],
)
op(
    "cumprod.zeros",
    lambda T, x, **k: (x * k["mask"]).cumprod(-1),
    unary_shapes(min_dims=1),
    node="CumprodBackward0",
    aux=index_aux("mask"),
    dtypes=WIDE_FLOAT_DTYPES,
    reduction=last_dim_of_first,
    conventions=("cumprod.zero",),
)
op(
    "var_mean",
    lambda T, x: T.var_mean(x, -1) if x.dim() else T.var_mean(x),
    unary_shapes(min_dims=1, min_side=2, max_side=4),
    node="VarMeanBackward0",
    reduction=last_dim_of_first,
    note="(var, mean): one node, the gradient is var's plus mean's",
)
op(
    "var_mean.all-correction0",
    lambda T, x: T.var_mean(x, correction=0),
    unary_shapes(min_side=1),
    node="VarMeanBackward0",
    reduction=numel_of_first,
)
op(
    "std_mean",
    lambda T, x: T.std_mean(x, (0,), keepdim=True),
    unary_shapes(min_dims=1, min_side=2),
    node="StdMeanBackward0",
    reduction=lambda s: s[0][0],
    conventions=("std.constant-dim",),
)
op(
    "std_mean.all",
    lambda T, x: T.std_mean(x),
    unary_shapes(min_dims=1, min_side=2),
    node="StdMeanBackward0",
    reduction=numel_of_first,
    conventions=("std.constant",),
)
op(
    "aminmax",
    lambda T, x: T.aminmax(x),
    unary_shapes(min_side=1),
    node="AminmaxBackward0",
    conventions=("amax.nan",),
)
op(
    "aminmax.dim-ties",
    lambda T, x: T.aminmax((x * 2).round(), dim=-1, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="AminmaxBackward0",
    double_backward=False,
    dtypes=WIDE_FLOAT_DTYPES,
    note="values rounded to halves: ties share the gradient, round's gradient is zero",
)
op(
    "nansum",
    lambda T, x: T.nansum(x),
    node="NansumBackward0",
    reduction=numel_of_first,
)
op(
    "nansum.dim-nan",
    lambda T, x, **k: T.nansum(T.where(k["mask"], x, float("nan")), -1),
    unary_shapes(min_dims=1),
    node="NansumBackward0",
    aux=index_aux("mask"),
    reduction=last_dim_of_first,
    note="NaN where the mask is False: no gradient there",
)
op(
    "nanmean",
    lambda T, x, **k: T.nanmean(T.where(k["mask"], x, float("nan")), 0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="DivBackward0",
    aux=_mask_keeping_first_row,
    reduction=lambda s: s[0][0],
    note="nansum divided by the count of non-NaN elements, as torch composes it",
)
op(
    "logcumsumexp",
    lambda T, x: T.logcumsumexp(x, -1 if x.dim() else 0),
    unary_shapes(min_side=1),
    node="LogcumsumexpBackward0",
    note="non-empty: torch's forward-mode formula takes an amax, which refuses empty inputs",
    reduction=last_dim_of_first,
)
op(
    "dist",
    lambda T, a, b: T.dist(a, b),
    broadcast_shapes(2, min_side=1),
    node="DistBackward0",
    reduction=lambda s: max(numel_of_first(s), 1) * 4,
)
op(
    "dist.p1",
    lambda T, a, b: T.dist(a, b, 1),
    broadcast_shapes(2, min_side=1),
    node="DistBackward0",
    away=(0.0,),
    reduction=lambda s: max(numel_of_first(s), 1) * 4,
    note="values drawn away from 0 (the difference still meets 0 rarely)",
)
op(
    "dist.inf",
    lambda T, a, b: T.dist(a, b, float("inf")),
    same_shapes(2, min_side=1),
    node="DistBackward0",
)
op(
    "renorm",
    lambda T, x: T.renorm(x, 2, 0, 1.0),
    unary_shapes(min_dims=2, min_side=1),
    node="RenormBackward0",
    reduction=lambda s: numel_of_first(s),
)
op(
    "renorm.p1-dim1",
    lambda T, x: x.renorm(1, -1, 0.5),
    unary_shapes(min_dims=2, min_side=1),
    node="RenormBackward0",
    away=(0.0,),
    reduction=lambda s: numel_of_first(s),
)
op(
    "count_nonzero",
    lambda T, x: T.count_nonzero(x, -1) if x.dim() else T.count_nonzero(x),
    node=None,
    note="an integer result: not differentiable",
)
op(
    "mode",
    lambda T, x: T.mode(x, -1) if x.dim() else T.mode(x),
    unary_shapes(min_side=1),
    node="ModeBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    note="continuous values: the smallest value, at its index",
)
op(
    "mode.repeats",
    lambda T, x: T.mode((x * 2).round(), 0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="ModeBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    double_backward=False,
    note="values rounded to halves: repeated values; the gradient goes to the last occurrence",
)
op(
    "nanmedian",
    lambda T, x, **k: T.nanmedian(T.where(k["mask"], x, float("nan"))),
    unary_shapes(min_side=1),
    node="NanmedianBackward0",
    aux=_mask_keeping_first_row,
    dtypes=WIDE_FLOAT_DTYPES,
    conventions=("median.full-ties",),
)
op(
    "nanmedian.dim",
    lambda T, x, **k: T.nanmedian(T.where(k["mask"], x, float("nan")), 0),
    unary_shapes(min_dims=1, min_side=1),
    node="NanmedianBackward1",
    aux=_mask_keeping_first_row,
    dtypes=WIDE_FLOAT_DTYPES,
    layouts=TIE_FREE_LAYOUTS,
)
