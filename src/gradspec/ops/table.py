"""The op table: one declarative record per op (variant) that gradspec checks torch against.

This module holds the records only, grouped by op family, and builds :data:`OPS` once at the
end; the record type and the helpers records are written with are in
:mod:`gradspec.ops.opinfo`, the input values in :mod:`gradspec.ops.values`.

Each :class:`~gradspec.ops.opinfo.OpInfo` says how to call the op given a namespace ``T``
(``torch`` or ``gradref``) and input tensors, which shapes to draw, the value bounds of each
input (kept away from kinks unless the entry targets one), the dtypes it is checked in, whether
double backward is claimed, the torch grad_fn name expected, and the conventions
(``gradref.ops.conventions``) it relies on.
Everything that runs an op is generic over this table: ``tests/ops`` parametrizes by ``name``,
and ``gradspec run`` iterates over ``OPS``.

Numerics: gradref computes every floating op in float64 (complex128) and rounds once to the
result dtype; torch rounds each intermediate of a low-precision computation. Comparisons
therefore use :func:`gradspec.tolerances.op_tolerance`, which widens torch.testing's defaults by
the number of roundings torch performs (``steps``) and by the reduction length.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from gradspec.inputs import COMPLEX_DTYPES, FLOAT_DTYPES, TIE_FREE_LAYOUTS, WIDE_FLOAT_DTYPES
from gradspec.inputs import shapes as input_shapes
from gradspec.ops.opinfo import (
    OpInfo,
    broadcast_shapes,
    dim_or_all,
    fixed,
    functional,
    index_aux,
    last_dim_of_first,
    numel_of_first,
    same_shapes,
    signature_shapes,
    unary_shapes,
)

#: the dtypes of an op that is checked on complex inputs too
FLOAT_AND_COMPLEX = FLOAT_DTYPES + COMPLEX_DTYPES


OPS_LIST: list[OpInfo] = []


def op(name: str, call, shapes=None, **kw) -> OpInfo:
    info = OpInfo(name, call, shapes if shapes is not None else unary_shapes(), **kw)
    OPS_LIST.append(info)
    return info


def unary(name, call, node, **kw):
    return op(name, call, unary_shapes(), node=node, **kw)


def binary(name, call, node, **kw):
    return op(name, call, broadcast_shapes(2), node=node, **kw)


# ------------------------------------------------------------------------------ elementwise unary

unary("neg", lambda T, x: T.neg(x), "NegBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("neg.operator", lambda T, x: -x, "NegBackward0", dtypes=FLOAT_AND_COMPLEX)
unary(
    "abs",
    lambda T, x: x.abs(),
    "AbsBackward0",
    away=(0.0,),
    dtypes=FLOAT_AND_COMPLEX,
    real_output=True,
    conventions=("abs.zero", "abs.nan"),
)
unary(
    "sign",
    lambda T, x: x.sign(),
    "SignBackward0",
    away=(0.0,),
    conventions=("sign.everywhere",),
    double_backward=False,
)
unary("exp", lambda T, x: x.exp(), "ExpBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("exp2", lambda T, x: T.exp2(x), "Exp2Backward0")
unary("expm1", lambda T, x: x.expm1(), "Expm1Backward0")
unary("log", lambda T, x: x.log(), "LogBackward0", bounds=((0.2, 3.0),), dtypes=FLOAT_AND_COMPLEX)
unary("log2", lambda T, x: x.log2(), "Log2Backward0", bounds=((0.2, 3.0),))
unary("log10", lambda T, x: T.log10(x), "Log10Backward0", bounds=((0.2, 3.0),))
unary("log1p", lambda T, x: x.log1p(), "Log1PBackward0", bounds=((-0.7, 3.0),))
unary(
    "sqrt",
    lambda T, x: x.sqrt(),
    "SqrtBackward0",
    bounds=((0.2, 3.0),),
    dtypes=FLOAT_AND_COMPLEX,
    conventions=("sqrt.zero",),
)
unary("rsqrt", lambda T, x: x.rsqrt(), "RsqrtBackward0", bounds=((0.3, 3.0),))
unary(
    "reciprocal",
    lambda T, x: x.reciprocal(),
    "ReciprocalBackward0",
    away=(0.0,),
    margin=0.4,
    dtypes=FLOAT_AND_COMPLEX,
)
unary("square", lambda T, x: x.square(), "PowBackward0")
unary("sin", lambda T, x: x.sin(), "SinBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("cos", lambda T, x: T.cos(x), "CosBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("tan", lambda T, x: x.tan(), "TanBackward0", bounds=((-1.2, 1.2),))
unary("asin", lambda T, x: x.asin(), "AsinBackward0", bounds=((-0.8, 0.8),))
unary("acos", lambda T, x: x.acos(), "AcosBackward0", bounds=((-0.8, 0.8),))
unary("atan", lambda T, x: x.atan(), "AtanBackward0")
unary("sinh", lambda T, x: x.sinh(), "SinhBackward0")
unary("cosh", lambda T, x: x.cosh(), "CoshBackward0")
unary("tanh", lambda T, x: x.tanh(), "TanhBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("sigmoid", lambda T, x: x.sigmoid(), "SigmoidBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("erf", lambda T, x: x.erf(), "ErfBackward0")
unary("erfc", lambda T, x: x.erfc(), "ErfcBackward0")
op("triu", lambda T, x: x.triu(), unary_shapes(min_dims=2), node="TriuBackward0")
op("triu.diagonal", lambda T, x: T.triu(x, 1), unary_shapes(min_dims=2), node="TriuBackward0")
op("tril", lambda T, x: x.tril(), unary_shapes(min_dims=2), node="TrilBackward0")
op("tril.diagonal", lambda T, x: T.tril(x, -1), unary_shapes(min_dims=2), node="TrilBackward0")
unary("asinh", lambda T, x: x.asinh(), "AsinhBackward0")
unary("acosh", lambda T, x: x.acosh(), "AcoshBackward0", bounds=((1.2, 3.0),))
unary("atanh", lambda T, x: x.atanh(), "AtanhBackward0", bounds=((-0.8, 0.8),))
unary("deg2rad", lambda T, x: x.deg2rad(), "Deg2RadBackward0")
unary("rad2deg", lambda T, x: x.rad2deg(), "Rad2DegBackward0")
unary(
    "floor",
    lambda T, x: x.floor(),
    "FloorBackward0",
    away=(-2, -1, 0.0, 1, 2),
    double_backward=False,
)
unary(
    "ceil", lambda T, x: x.ceil(), "CeilBackward0", away=(-2, -1, 0.0, 1, 2), double_backward=False
)
unary(
    "round",
    lambda T, x: x.round(),
    "RoundBackward0",
    away=(-1.5, -0.5, 0.5, 1.5),
    double_backward=False,
)
unary(
    "round.decimals",
    lambda T, x: T.round(x, decimals=1),
    "RoundBackward1",
    dtypes=WIDE_FLOAT_DTYPES,
    double_backward=False,
    margin=0.0,
)
unary("trunc", lambda T, x: x.trunc(), "TruncBackward0", away=(-1, 0.0, 1), double_backward=False)
unary("frac", lambda T, x: x.frac(), "FracBackward0", away=(-1, 0.0, 1))
unary(
    "relu",
    lambda T, x: x.relu(),
    "ReluBackward0",
    away=(0.0,),
    conventions=("relu.zero", "relu.nan"),
)
unary("nn.functional.relu", lambda T, x: functional(T).relu(x), "ReluBackward0", away=(0.0,))
unary(
    "nn.functional.leaky_relu",
    lambda T, x: functional(T).leaky_relu(x, 0.2),
    "LeakyReluBackward0",
    away=(0.0,),
    conventions=("leaky_relu.zero",),
)
unary(
    "nn.functional.elu",
    lambda T, x: functional(T).elu(x, alpha=1.5),
    "EluBackward0",
    away=(0.0,),
    conventions=("elu.zero", "elu.nan"),
)
unary("nn.functional.gelu", lambda T, x: functional(T).gelu(x), "GeluBackward0")
unary(
    "nn.functional.gelu.tanh",
    lambda T, x: functional(T).gelu(x, approximate="tanh"),
    "GeluBackward0",
)
unary("nn.functional.silu", lambda T, x: functional(T).silu(x), "SiluBackward0")
unary("nn.functional.softplus", lambda T, x: functional(T).softplus(x), "SoftplusBackward0")
unary(
    "nn.functional.softplus.beta",
    lambda T, x: functional(T).softplus(x, beta=2.0, threshold=1.5),
    "SoftplusBackward0",
    away=(0.75,),
)
unary("nn.functional.logsigmoid", lambda T, x: functional(T).logsigmoid(x), "LogSigmoidBackward0")
unary("nn.functional.sigmoid", lambda T, x: functional(T).sigmoid(x), "SigmoidBackward0")
unary("nn.functional.tanh", lambda T, x: functional(T).tanh(x), "TanhBackward0")
unary("pow.scalar", lambda T, x: x**3, "PowBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("pow.fractional", lambda T, x: x.pow(2.5), "PowBackward0", bounds=((0.2, 2.0),))
unary("pow.negative", lambda T, x: x**-1.5, "PowBackward0", bounds=((0.3, 2.0),))
unary("pow.scalar-base", lambda T, x: 2.0**x, "PowBackward2")
unary(
    "clamp",
    lambda T, x: x.clamp(-0.5, 1.0),
    "ClampBackward1",
    away=(-0.5, 1.0),
    conventions=("clamp.bounds",),
)
unary("clamp.min", lambda T, x: T.clamp(x, min=0.3), "ClampBackward1", away=(0.3,))
unary("clamp.max", lambda T, x: x.clamp(max=0.3), "ClampBackward1", away=(0.3,))
unary(
    "clamp_min",
    lambda T, x: x.clamp_min(0.3),
    "ClampMinBackward0",
    away=(0.3,),
    note="torch's ClampMinBackward0 node",
    conventions=("clamp_min.bound",),
)
unary("mul.scalar", lambda T, x: x * 2.5, "MulBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("div.scalar", lambda T, x: x / 2.5, "DivBackward0", dtypes=FLOAT_AND_COMPLEX)
unary("rdiv.scalar", lambda T, x: 2.0 / x, "MulBackward0", away=(0.0,), margin=0.4)
unary("rsub.scalar", lambda T, x: 1.5 - x, "RsubBackward1", dtypes=FLOAT_AND_COMPLEX)
unary("add.scalar", lambda T, x: x + 1.5, "AddBackward0", dtypes=FLOAT_AND_COMPLEX)
unary(
    "conj",
    lambda T, x: x.conj() * 1.0,
    "MulBackward0",
    dtypes=("complex128", "complex64"),
    note="conj is lazy in torch; multiplying materialises it in both",
)
unary(
    "real",
    lambda T, x: x.real * 1.0,
    "MulBackward0",
    dtypes=("complex128", "complex64"),
    real_output=True,
)
unary(
    "imag",
    lambda T, x: x.imag * 1.0,
    "MulBackward0",
    dtypes=("complex128", "complex64"),
    real_output=True,
)
op(
    "abs-squared.complex",
    lambda T, x: (x.abs() ** 2).sum(),
    unary_shapes(min_side=1),
    node="SumBackward0",
    dtypes=("complex128", "complex64"),
    real_output=True,
    reduction=numel_of_first,
    note="grad of |z|^2 is 2z (conjugate Wirtinger convention)",
)

# ---------------------------------------------------------------------- elementwise binary/ternary

binary("add", lambda T, a, b: a + b, "AddBackward0", dtypes=FLOAT_AND_COMPLEX)
binary(
    "add.alpha", lambda T, a, b: T.add(a, b, alpha=2.5), "AddBackward0", dtypes=FLOAT_AND_COMPLEX
)
binary("sub", lambda T, a, b: a - b, "SubBackward0", dtypes=FLOAT_AND_COMPLEX)
binary("sub.alpha", lambda T, a, b: a.sub(b, alpha=0.5), "SubBackward0")
binary("mul", lambda T, a, b: a * b, "MulBackward0", dtypes=FLOAT_AND_COMPLEX)
binary(
    "div",
    lambda T, a, b: a / b,
    "DivBackward0",
    away=((), (0.0,)),
    margin=0.5,
    dtypes=FLOAT_AND_COMPLEX,
)
binary(
    "div.floor",
    lambda T, a, b: T.div(a, b, rounding_mode="floor"),
    "DivBackward2",
    bounds=((-2.0, 2.0), (0.5, 2.0)),
    dtypes=WIDE_FLOAT_DTYPES,
    double_backward=False,
    note="piecewise constant: zero gradient",
)
binary(
    "div.trunc",
    lambda T, a, b: a.div(b, rounding_mode="trunc"),
    "DivBackward2",
    bounds=((-2.0, 2.0), (0.5, 2.0)),
    dtypes=WIDE_FLOAT_DTYPES,
    double_backward=False,
)
binary(
    "pow",
    lambda T, a, b: a**b,
    "PowBackward1",
    bounds=((0.3, 2.0), (-2.0, 2.0)),
    conventions=("pow.zero-zero",),
)
binary("maximum", lambda T, a, b: T.maximum(a, b), "MaximumBackward0", conventions=("maximum.tie",))
binary("minimum", lambda T, a, b: a.minimum(b), "MinimumBackward0", conventions=("minimum.tie",))
binary("max.binary", lambda T, a, b: T.max(a, b), "MaximumBackward0")
binary(
    "atan2",
    lambda T, a, b: T.atan2(a, b),
    "Atan2Backward0",
    away=(0.0,),
    margin=0.3,
    conventions=("atan2.origin",),
)
binary("hypot", lambda T, a, b: T.hypot(a, b), "HypotBackward0", away=(0.0,), margin=0.3)
binary("lerp.scalar", lambda T, a, b: T.lerp(a, b, 0.3), "LerpBackward0")
op("lerp.tensor", lambda T, a, b, w: a.lerp(b, w), broadcast_shapes(3), node="LerpBackward1")
op(
    "where",
    lambda T, a, b, **k: T.where(k["mask"], a, b),
    broadcast_shapes(2),
    node="WhereBackward0",
    aux=index_aux("mask"),
    dtypes=FLOAT_AND_COMPLEX,
    note="the mask has the first input's shape",
)
op(
    "clamp.tensor",
    lambda T, x, lo, hi: x.clamp(lo, lo + hi.abs() + 0.2),
    broadcast_shapes(3),
    node="ClampBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    conventions=("clamp.tensor-bounds",),
)
op(
    "masked_fill",
    lambda T, x, **k: x.masked_fill(k["mask"], 0.5),
    unary_shapes(),
    node="MaskedFillBackward0",
    aux=index_aux("mask"),
)
op(
    "masked_fill.tensor-value",
    lambda T, x, v, **k: x.masked_fill(k["mask"], v),
    st.tuples(input_shapes(), st.just(())),
    node="MaskedFillBackward1",
    aux=index_aux("mask"),
    dtypes=WIDE_FLOAT_DTYPES,
)
binary(
    "mul.complex-real",
    lambda T, a, b: a * b.real,
    "MulBackward0",
    dtypes=("complex128", "complex64"),
)

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

# --------------------------------------------------------------------------------- linear algebra

_MM = signature_shapes("(n,k),(k,m)->(n,m)", max_dims=0, min_side=0)
op(
    "mm",
    lambda T, a, b: a.mm(b),
    _MM,
    node="MmBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: s[0][1],
)
op(
    "matmul.2d",
    lambda T, a, b: a @ b,
    _MM,
    node="MmBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: s[0][1],
)
op(
    "matmul.vector-vector",
    lambda T, a, b: T.matmul(a, b),
    signature_shapes("(k),(k)->()", max_dims=0, min_side=0),
    node="DotBackward0",
    reduction=lambda s: s[0][0],
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "matmul.matrix-vector",
    lambda T, a, b: a @ b,
    signature_shapes("(n,k),(k)->(n)", max_dims=0),
    node="MvBackward0",
    reduction=lambda s: s[1][0],
)
op(
    "matmul.vector-matrix",
    lambda T, a, b: a @ b,
    signature_shapes("(k),(k,m)->(m)", max_dims=0),
    node="SqueezeBackward4",
    reduction=lambda s: s[0][0],
)
op(
    "matmul.batched",
    lambda T, a, b: a @ b,
    mutually_broadcastable_shapes(
        signature="(n,k),(k,m)->(n,m)", max_dims=2, min_dims=1, min_side=1, max_side=3
    ).map(lambda r: tuple(r.input_shapes)),
    node=None,
    check_node=False,
    reduction=lambda s: s[0][-1],
    dtypes=FLOAT_AND_COMPLEX,
    note="batch dims broadcast; the engine sums them back. torch's grad_fn depends on how it "
    "folds the batch dims (UnsafeViewBackward0 usually; TransposeBackward0 for e.g. "
    "(1, 1, 1) @ (2, 1, 1)), so names are not compared",
)
op(
    "matmul.batched-vector",
    lambda T, a, b: a @ b,
    fixed((2, 3, 4), (4,)),
    node="UnsafeViewBackward0",
    reduction=lambda s: 4,
)
op(
    "bmm",
    lambda T, a, b: T.bmm(a, b),
    st.tuples(st.integers(0, 3), st.integers(1, 3), st.integers(0, 3), st.integers(1, 3)).map(
        lambda t: ((t[0], t[1], t[2]), (t[0], t[2], t[3]))
    ),
    node="BmmBackward0",
    reduction=lambda s: s[0][2],
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "mv",
    lambda T, a, b: a.mv(b),
    signature_shapes("(n,k),(k)->(n)", max_dims=0, min_side=0),
    node="MvBackward0",
    reduction=lambda s: s[1][0],
)
op(
    "dot",
    lambda T, a, b: T.dot(a, b),
    signature_shapes("(k),(k)->()", max_dims=0, min_side=0),
    node="DotBackward0",
    reduction=lambda s: s[0][0],
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "outer",
    lambda T, a, b: T.outer(a, b),
    st.tuples(
        input_shapes(min_dims=1, max_dims=1, min_side=0, max_side=4),
        input_shapes(min_dims=1, max_dims=1, min_side=0, max_side=4),
    ),
    node="MulBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
_EINSUM_NODE = "einsum's node names depend on torch's contraction path (ViewBackward0, ...)"
op(
    "einsum.mm",
    lambda T, a, b: T.einsum("ij,jk->ik", a, b),
    _MM,
    note=_EINSUM_NODE,
    check_node=False,
    reduction=lambda s: s[0][1],
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "einsum.bmm",
    lambda T, a, b: T.einsum("bij,bjk->bik", a, b),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).map(
        lambda t: ((t[0], t[1], t[2]), (t[0], t[2], t[3]))
    ),
    note=_EINSUM_NODE,
    check_node=False,
    reduction=lambda s: s[0][2],
)
op(
    "einsum.inner",
    lambda T, a, b: T.einsum("i,i->", a, b),
    signature_shapes("(k),(k)->()", max_dims=0, min_side=0),
    note=_EINSUM_NODE,
    check_node=False,
    reduction=lambda s: s[0][0],
)
op(
    "einsum.transpose",
    lambda T, a: T.einsum("ij->ji", a),
    unary_shapes(min_dims=2, max_dims=2),
    node="PermuteBackward0",
)
op(
    "einsum.diagonal",
    lambda T, a: T.einsum("ii->i", a),
    st.integers(0, 4).map(lambda n: ((n, n),)),
    note=_EINSUM_NODE,
    check_node=False,
)
op(
    "einsum.sum",
    lambda T, a: T.einsum("ij->", a),
    unary_shapes(min_dims=2, max_dims=2),
    node="SumBackward1",
    reduction=numel_of_first,
)
op(
    "einsum.outer",
    lambda T, a, b: T.einsum("i,j->ij", a, b),
    st.tuples(
        input_shapes(min_dims=1, max_dims=1, min_side=1, max_side=4),
        input_shapes(min_dims=1, max_dims=1, min_side=1, max_side=4),
    ),
    note=_EINSUM_NODE,
    check_node=False,
)
op(
    "einsum.ellipsis",
    lambda T, a, b: T.einsum("...ij,...jk->...ik", a, b),
    mutually_broadcastable_shapes(
        signature="(n,k),(k,m)->(n,m)", max_dims=2, min_side=1, max_side=3
    ).map(lambda r: tuple(r.input_shapes)),
    note=_EINSUM_NODE,
    check_node=False,
    reduction=lambda s: s[0][-1],
)
_LIN = st.tuples(st.integers(0, 3), st.integers(1, 4), st.integers(1, 3))
op(
    "nn.functional.linear",
    lambda T, x, w: functional(T).linear(x, w),
    _LIN.map(lambda t: ((t[0], t[1]), (t[2], t[1]))),
    node="MmBackward0",
    reduction=lambda s: s[0][1],
)
op(
    "nn.functional.linear.bias",
    lambda T, x, w, b: functional(T).linear(x, w, b),
    _LIN.map(lambda t: ((t[0], t[1]), (t[2], t[1]), (t[2],))),
    node="AddmmBackward0",
    reduction=lambda s: s[0][1],
)
op(
    "nn.functional.linear.batched-bias",
    lambda T, x, w, b: functional(T).linear(x, w, b),
    _LIN.map(lambda t: ((2, t[0], t[1]), (t[2], t[1]), (t[2],))),
    node=None,
    check_node=False,
    note="torch picks addmm + view or matmul + add_ by layout and size (not mirrored)",
    reduction=lambda s: s[0][-1],
)
op(
    "nn.functional.linear.vector-bias",
    lambda T, x, w, b: functional(T).linear(x, w, b),
    _LIN.map(lambda t: ((t[1],), (t[2], t[1]), (t[2],))),
    node=None,
    check_node=False,
    note="torch picks addmm + view or matmul + add_ by layout and size (not mirrored)",
    reduction=lambda s: s[0][-1],
)

# ---------------------------------------------------------------------------- shape and indexing

op(
    "reshape",
    lambda T, x: x.reshape(-1),
    node=None,
    dtypes=FLOAT_AND_COMPLEX,
    note="ViewBackward0 or UnsafeViewBackward0 (copy) depending on the layout, as torch",
)
op("view", lambda T, x: x.contiguous().view(-1), node="ViewBackward0")
op(
    "flatten",
    lambda T, x: x.flatten(),
    unary_shapes(min_dims=2),
    node=None,
    note="view or copy depending on the layout",
)
op(
    "squeeze",
    lambda T, x: x.unsqueeze(0).squeeze(),
    node=None,
    note="SqueezeBackward0, or the input itself for 0-d/no size-1 dims in some versions",
)
op(
    "squeeze.dim",
    lambda T, x: x.unsqueeze(1).squeeze(1),
    unary_shapes(min_dims=1),
    node="SqueezeBackward1",
)
op("unsqueeze", lambda T, x: x.unsqueeze(-1), node="UnsqueezeBackward0", dtypes=FLOAT_AND_COMPLEX)
op(
    "transpose",
    lambda T, x: x.transpose(0, -1),
    unary_shapes(min_dims=1),
    node="TransposeBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
op("t", lambda T, x: x.t(), unary_shapes(max_dims=2), node="TBackward0")
op(
    "permute",
    lambda T, x: x.permute(2, 0, 1),
    unary_shapes(min_dims=3, max_dims=3),
    node="PermuteBackward0",
)
op(
    "expand",
    lambda T, x: x.expand(2, *x.shape),
    node="ExpandBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: 2,
)
op(
    "expand.size-one",
    lambda T, x: x.unsqueeze(0).expand(3, -1, -1),
    unary_shapes(min_dims=2, max_dims=2),
    node="ExpandBackward0",
    reduction=lambda s: 3,
)
op(
    "repeat",
    lambda T, x: x.repeat(2, *([1] * (x.dim() - 1)), 3) if x.dim() else x.repeat(2, 3),
    node="RepeatBackward0",
    reduction=lambda s: 6,
)
op("flip", lambda T, x: x.flip(0, -1), unary_shapes(min_dims=2), node="FlipBackward0")
op(
    "cat",
    lambda T, a, b: T.cat([a, b], dim=-1),
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)).map(
        lambda t: ((t[0], t[1]), (t[0], t[2]))
    ),
    node="CatBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "cat.three",
    lambda T, a, b, c: T.cat((a, b, c)),
    fixed((2, 3), (0, 3), (1, 3)),
    node="CatBackward0",
)
op("stack", lambda T, a, b: T.stack([a, b], 1), same_shapes(2, min_dims=1), node="StackBackward0")
op(
    "split",
    lambda T, x: x.split(2, dim=-1),
    unary_shapes(min_dims=1),
    node=None,
    note="several outputs: SplitBackward0 each",
)
op(
    "split.sizes",
    lambda T, x: T.split(x, [1, x.shape[0] - 1]),
    unary_shapes(min_dims=1, min_side=1),
    node=None,
    note="SplitWithSizesBackward0 outputs",
)
op("chunk", lambda T, x: x.chunk(3, 0), unary_shapes(min_dims=1), node=None)
op(
    "unbind",
    lambda T, x: x.unbind(-1),
    unary_shapes(min_dims=1),
    node=None,
    note="UnbindBackward0 outputs",
)
op(
    "narrow",
    lambda T, x: x.narrow(-1, 1, x.shape[-1] - 1),
    unary_shapes(min_dims=1, min_side=1),
    node="SliceBackward0",
)
op(
    "select",
    lambda T, x: x.select(0, -1),
    unary_shapes(min_dims=1, min_side=1),
    node="SelectBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "getitem.slice-step",
    lambda T, x: x[1::2],
    unary_shapes(min_dims=1),
    node="SliceBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "getitem.int-slice",
    lambda T, x: x[..., 0, ::2],
    unary_shapes(min_dims=2, min_side=1),
    node=None,
    note="SliceBackward0 after SelectBackward0",
)
op(
    "getitem.int-array",
    lambda T, x, **k: x[k["index"]],
    unary_shapes(min_dims=1, min_side=1),
    node="IndexBackward0",
    aux=index_aux("getitem"),
    note="repeated indices accumulate",
)
op(
    "getitem.bool-mask",
    lambda T, x, **k: x[k["mask"]],
    unary_shapes(min_dims=1),
    node="IndexBackward0",
    aux=index_aux("mask"),
)
op(
    "index_select",
    lambda T, x, **k: x.index_select(0, k["index"]),
    unary_shapes(min_dims=1, min_side=1),
    node="IndexSelectBackward0",
    aux=index_aux("vector"),
)
op(
    "gather",
    lambda T, x, **k: T.gather(x, -1, k["index"]),
    unary_shapes(min_dims=1, min_side=1),
    node="GatherBackward0",
    aux=index_aux("gather", dim=-1),
)
op(
    "scatter_add",
    lambda T, x, s, **k: x.scatter_add(0, k["index"], s),
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).map(
        lambda t: ((t[0], t[1]), (t[2], t[1]))
    ),
    node="ScatterAddBackward0",
    aux=index_aux("scatter"),
    reduction=lambda s: s[1][0],
)
op(
    "nn.functional.pad",
    lambda T, x: functional(T).pad(x, (1, 2)),
    unary_shapes(min_dims=1),
    node="ConstantPadNdBackward0",
)
op(
    "nn.functional.pad.crop",
    lambda T, x: functional(T).pad(x, (-1, 1, 2, 0), value=0.5),
    unary_shapes(min_dims=2, min_side=1),
    node="ConstantPadNdBackward0",
)
op("clone", lambda T, x: x.clone(), node="CloneBackward0", dtypes=FLOAT_AND_COMPLEX)

# ------------------------------------------------------------------------------------ nn losses


def _loss(name, call, node, shapes=None, **kw):
    kw.setdefault("reduction", numel_of_first)
    return op(name, call, shapes or same_shapes(2, min_side=1), node=node, **kw)


_loss("nn.functional.mse_loss", lambda T, a, b: functional(T).mse_loss(a, b), "MseLossBackward0")
_loss(
    "nn.functional.mse_loss.sum",
    lambda T, a, b: functional(T).mse_loss(a, b, reduction="sum"),
    "MseLossBackward0",
)
_loss(
    "nn.functional.mse_loss.none",
    lambda T, a, b: functional(T).mse_loss(a, b, reduction="none"),
    "MseLossBackward0",
)
_loss(
    "nn.functional.l1_loss",
    lambda T, a, b: functional(T).l1_loss(a, b),
    "MeanBackward0",
    away=(0.0,),
    note="|a - b| kept away from 0 by the input bounds",
    bounds=((1.0, 2.0), (-2.0, -0.2)),
)
_loss(
    "nn.functional.smooth_l1_loss",
    lambda T, a, b: functional(T).smooth_l1_loss(a, b, beta=0.5),
    "SmoothL1LossBackward0",
    double_backward=True,
)
_loss(
    "nn.functional.huber_loss",
    lambda T, a, b: functional(T).huber_loss(a, b, delta=0.7),
    "HuberLossBackward0",
)
_CE = st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: ((t[0], t[1]),))
op(
    "nn.functional.cross_entropy",
    lambda T, x, **k: functional(T).cross_entropy(x, k["target"]),
    _CE,
    node="NllLossBackward0",
    aux=index_aux("classes"),
    reduction=numel_of_first,
)
op(
    "nn.functional.cross_entropy.label_smoothing",
    lambda T, x, **k: functional(T).cross_entropy(
        x, k["target"], label_smoothing=0.2, reduction="sum"
    ),
    _CE,
    node="AddBackward0",
    aux=index_aux("classes"),
    reduction=numel_of_first,
)
op(
    "nn.functional.cross_entropy.ignore_index",
    lambda T, x, **k: functional(T).cross_entropy(x, k["target"], ignore_index=0, reduction="none"),
    _CE,
    node="NllLossBackward0",
    aux=index_aux("classes"),
    reduction=last_dim_of_first,
)
op(
    "nn.functional.cross_entropy.probs",
    lambda T, x, p: functional(T).cross_entropy(x, p.softmax(-1)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: ((t[0], t[1]),) * 2),
    node="DivBackward1",
    reduction=numel_of_first,
)
op(
    "nn.functional.nll_loss",
    lambda T, x, **k: functional(T).nll_loss(x.log_softmax(1), k["target"], reduction="sum"),
    _CE,
    node="NllLossBackward0",
    aux=index_aux("classes"),
    reduction=numel_of_first,
)
op(
    "nn.functional.nll_loss.weight",
    lambda T, x, w, **k: functional(T).nll_loss(x, k["target"], weight=w.detach().abs() + 0.5),
    _CE.map(lambda s: (s[0], (s[0][1],))),
    node="NllLossBackward0",
    aux=index_aux("classes"),
    differentiable=(True, False),
    reduction=numel_of_first,
)
op(
    "nn.functional.binary_cross_entropy",
    lambda T, x, t: functional(T).binary_cross_entropy(x, t),
    same_shapes(2, min_side=1),
    node="BinaryCrossEntropyBackward0",
    bounds=((0.1, 0.9), (0.0, 1.0)),
    reduction=numel_of_first,
)
op(
    "nn.functional.binary_cross_entropy_with_logits",
    lambda T, x, t: functional(T).binary_cross_entropy_with_logits(x, t, reduction="sum"),
    same_shapes(2, min_side=1),
    node="BinaryCrossEntropyWithLogitsBackward0",
    bounds=((-2.0, 2.0), (0.0, 1.0)),
    reduction=numel_of_first,
)
op(
    "nn.functional.binary_cross_entropy_with_logits.pos_weight",
    lambda T, x, t, pw: functional(T).binary_cross_entropy_with_logits(
        x, t, pos_weight=pw.detach().abs()
    ),
    st.tuples(st.integers(1, 3), st.integers(1, 4)).map(lambda s: (s, s, (s[1],))),
    node="BinaryCrossEntropyWithLogitsBackward0",
    bounds=((-2.0, 2.0), (0.0, 1.0), (0.5, 2.0)),
    differentiable=(True, True, False),
    reduction=numel_of_first,
)
op(
    "nn.functional.layer_norm",
    lambda T, x: functional(T).layer_norm(x, x.shape[-1:]),
    unary_shapes(min_dims=1, min_side=2),
    node="NativeLayerNormBackward0",
    reduction=last_dim_of_first,
    steps=8,
    scale=316.0,
)
op(
    "nn.functional.layer_norm.affine",
    lambda T, x, w, b: functional(T).layer_norm(x, (x.shape[-1],), w, b),
    st.tuples(st.integers(1, 3), st.integers(2, 4)).map(lambda s: (s, (s[1],), (s[1],))),
    node="NativeLayerNormBackward0",
    reduction=last_dim_of_first,
    steps=8,
    scale=316.0,
)
op(
    "nn.functional.dropout.eval",
    lambda T, x: functional(T).dropout(x, 0.5, training=False) * 1.0,
    node="MulBackward0",
)
op(
    "nn.functional.dropout.p0",
    lambda T, x: functional(T).dropout(x, 0.0) * 1.0,
    node="MulBackward0",
)


# ---------------------------------------------------------------------------------- convolution


def _conv_shapes(n: int, groups: int = 1, bias: bool = True):
    def build(t):
        b, cin_g, cout_g, k = t[0], t[1], t[2], t[3]
        spatial = t[4 : 4 + n]
        x = (b, cin_g * groups) + tuple(spatial)
        w = (cout_g * groups, cin_g) + (k,) * n
        return (x, w, (cout_g * groups,)) if bias else (x, w)

    return st.tuples(
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(1, 3),
        *[st.integers(3, 5) for _ in range(n)],
    ).map(build)


def _conv_red(shapes):
    return int(np.prod(shapes[1][1:]))


op(
    "nn.functional.conv1d",
    lambda T, x, w, b: functional(T).conv1d(x, w, b),
    _conv_shapes(1),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv1d.stride-pad-dilation",
    lambda T, x, w: (
        functional(T).conv1d(x, w, stride=2, padding=1, dilation=2)
        if x.shape[-1] + 2 > 2 * (w.shape[-1] - 1)
        else functional(T).conv1d(x, w, stride=2, padding=1)
    ),
    _conv_shapes(1, bias=False),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv1d.same",
    lambda T, x, w, b: functional(T).conv1d(x, w, b, padding="same"),
    _conv_shapes(1),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv2d",
    lambda T, x, w, b: functional(T).conv2d(x, w, b, padding=1),
    _conv_shapes(2),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv2d.groups",
    lambda T, x, w: functional(T).conv2d(x, w, groups=2, stride=(1, 2)),
    _conv_shapes(2, groups=2, bias=False),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv2d.valid",
    lambda T, x, w, b: (
        functional(T).conv2d(x, w, b, padding="valid", dilation=(1, 2))
        if x.shape[-1] > 2 * (w.shape[-1] - 1)
        else functional(T).conv2d(x, w, b)
    ),
    _conv_shapes(2),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv2d.unbatched",
    lambda T, x, w: functional(T).conv2d(x[0], w, padding="same"),
    _conv_shapes(2, bias=False),
    node=None,
    note="the unbatched result is a squeezed view",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)

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


#: the table, by name
OPS: dict[str, OpInfo] = {o.name: o for o in OPS_LIST}
assert len(OPS) == len(OPS_LIST), "duplicate op names in the table"
