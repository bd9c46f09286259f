"""The op table's records: reductions."""

from __future__ import annotations

from gradspec.inputs import WIDE_FLOAT_DTYPES
from gradspec.ops.opinfo import (
    dim_or_all,
    functional,
    index_aux,
    last_dim_of_first,
    numel_of_first,
    unary_shapes,
)
from gradspec.ops.records._build import FLOAT_AND_COMPLEX, op

# ------------------------------------------------------------------------------------ reductions

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
