"""The op table: one declarative record per op (variant) that gradspec checks torch against.

Each :class:`OpInfo` says how to call the op given a namespace ``T`` (``torch`` or ``gradref``)
and input tensors, which shapes to draw, the value bounds of each input (kept away from kinks
unless the entry targets one), the dtypes it is checked in, whether double backward is claimed,
the torch grad_fn name expected, and the conventions (``gradref.ops.conventions``) it relies on.
Everything that runs an op is generic over this table: ``tests/ops`` parametrizes by ``name``,
and ``gradspec run`` iterates over ``OPS``.

Numerics: gradref computes every floating op in float64 (complex128) and rounds once to the
result dtype; torch rounds each intermediate of a low-precision computation. Comparisons
therefore use :func:`gradspec.tolerances.op_tolerance`, which widens torch.testing's defaults by
the number of roundings torch performs (``steps``) and by the reduction length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

FLOATS = ("float64", "float32", "float16", "bfloat16")
FULL = FLOATS + ("complex128", "complex64")
F64_32 = ("float64", "float32")

LAYOUTS = ("contiguous", "transposed", "offset", "strided", "expanded")


@dataclass(frozen=True)
class OpInfo:
    """How to call and check one op (or one variant of an op)."""

    name: str
    #: ``call(T, *tensors, **aux)`` -> a tensor or a tuple of tensors (non-float ones are ignored)
    call: Callable
    #: a Hypothesis strategy drawing a tuple of input shapes
    shapes: st.SearchStrategy
    #: per input ``(low, high)``; one pair means every input
    bounds: tuple = ((-2.0, 2.0),)
    #: per input, points the values keep ``margin`` away from (kinks, poles)
    away: tuple = ()
    margin: float = 0.1
    dtypes: tuple = FLOATS
    double_backward: bool = True
    #: torch's grad_fn name (checked for gradref and torch alike); None: not checked, see note
    node: str | None = None
    note: str = ""
    #: compare gradref's grad_fn names with torch's (also when ``node`` is None: layout-dependent)
    check_node: bool = True
    #: ``aux(rng, shapes) -> dict`` of NumPy arrays (indices, masks) passed as tensors
    aux: Callable | None = None
    #: which inputs are differentiable (False: passed as constants, e.g. probabilities)
    differentiable: tuple = ()
    #: number of terms summed into an output element, from the input shapes
    reduction: Callable = field(default=lambda shapes: 1)
    #: roundings torch performs in the forward/backward chain (low precision tolerances)
    steps: int = 4
    #: the size of the intermediate terms of the op's computation (inputs and cotangents are
    #: O(1), so 1 by default): rounding errors scale with it, even where the result cancels
    scale: float = 1.0
    conventions: tuple = ()
    layouts: tuple = LAYOUTS
    #: the op is real-valued on complex input (abs): cotangents are real
    real_output: bool = False

    def bounds_for(self, i: int) -> tuple:
        return self.bounds[i] if len(self.bounds) > 1 else self.bounds[0]

    def away_for(self, i: int) -> tuple:
        if not self.away:
            return ()
        return self.away[i] if isinstance(self.away[0], tuple) else self.away

    def is_differentiable(self, i: int) -> bool:
        return self.differentiable[i] if self.differentiable else True


# ------------------------------------------------------------------------------- shape strategies


def unary_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4) -> st.SearchStrategy:
    return array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda s: (s,))


def broadcast_shapes(n=2, min_side=0, max_side=4, max_dims=3) -> st.SearchStrategy:
    return mutually_broadcastable_shapes(
        num_shapes=n, min_side=min_side, max_side=max_side, max_dims=max_dims
    ).map(lambda r: tuple(r.input_shapes))


def same_shapes(n=2, **kw) -> st.SearchStrategy:
    return unary_shapes(**kw).map(lambda s: s * n)


def signature_shapes(signature: str, max_dims=0, min_side=1, max_side=4) -> st.SearchStrategy:
    """Shapes for a gufunc signature (matmul-like ops), with ``max_dims`` broadcast batch dims."""
    return mutually_broadcastable_shapes(
        signature=signature, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: tuple(r.input_shapes))


def fixed(*shapes) -> st.SearchStrategy:
    return st.just(tuple(tuple(s) for s in shapes))


def _prod(shape) -> int:
    return int(np.prod(shape)) if len(shape) else 1


def _all(shapes) -> int:
    return _prod(shapes[0])


def _last(shapes) -> int:
    return shapes[0][-1] if shapes[0] else 1


# --------------------------------------------------------------------------------------- helpers


def _dim_or_all(fn_dim, fn_all):
    return lambda T, x: fn_dim(T, x) if x.dim() else fn_all(T, x)


def _index_aux(kind: str, dim: int = 0):
    """Integer indices or boolean masks for indexing ops, drawn from the example's RNG."""

    def aux(rng, shapes):
        shape = shapes[0]
        d = dim % len(shape) if shape else 0
        size = shape[d] if shape else 1
        if kind == "vector":  # index_select: repeats allowed
            n = int(rng.integers(0, 5))
            return {"index": rng.integers(0, size, n) if size else np.zeros(0, np.int64)}
        if kind == "gather":
            ishape = tuple(int(rng.integers(1, s + 1)) if s else 0 for s in shape)
            ishape = ishape[:d] + (int(rng.integers(1, 5)),) + ishape[d + 1 :] if size else ishape
            return {"index": rng.integers(0, max(size, 1), ishape)}
        if kind == "scatter":
            return {"index": rng.integers(0, max(size, 1), shapes[1])}
        if kind == "mask":
            return {"mask": rng.random(shape) < 0.5}
        if kind == "getitem":
            n = int(rng.integers(0, 6))
            return {"index": rng.integers(-size, size, n) if size else np.zeros(0, np.int64)}
        if kind == "classes":
            n, c = shape[0], shape[1]
            return {"target": rng.integers(0, c, n)}
        raise ValueError(kind)

    return aux


def _positive_probs(T, x):
    return x.softmax(-1)


def F(T):
    return T.nn.functional


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

unary("neg", lambda T, x: T.neg(x), "NegBackward0", dtypes=FULL)
unary("neg.operator", lambda T, x: -x, "NegBackward0", dtypes=FULL)
unary(
    "abs",
    lambda T, x: x.abs(),
    "AbsBackward0",
    away=(0.0,),
    dtypes=FULL,
    real_output=True,
    conventions=("abs.zero",),
)
unary(
    "sign",
    lambda T, x: x.sign(),
    "SignBackward0",
    away=(0.0,),
    conventions=("sign.everywhere",),
    double_backward=False,
)
unary("exp", lambda T, x: x.exp(), "ExpBackward0", dtypes=FULL)
unary("exp2", lambda T, x: T.exp2(x), "Exp2Backward0")
unary("expm1", lambda T, x: x.expm1(), "Expm1Backward0")
unary("log", lambda T, x: x.log(), "LogBackward0", bounds=((0.2, 3.0),), dtypes=FULL)
unary("log2", lambda T, x: x.log2(), "Log2Backward0", bounds=((0.2, 3.0),))
unary("log10", lambda T, x: T.log10(x), "Log10Backward0", bounds=((0.2, 3.0),))
unary("log1p", lambda T, x: x.log1p(), "Log1PBackward0", bounds=((-0.7, 3.0),))
unary(
    "sqrt",
    lambda T, x: x.sqrt(),
    "SqrtBackward0",
    bounds=((0.2, 3.0),),
    dtypes=FULL,
    conventions=("sqrt.zero",),
)
unary("rsqrt", lambda T, x: x.rsqrt(), "RsqrtBackward0", bounds=((0.3, 3.0),))
unary(
    "reciprocal",
    lambda T, x: x.reciprocal(),
    "ReciprocalBackward0",
    away=(0.0,),
    margin=0.4,
    dtypes=FULL,
)
unary("square", lambda T, x: x.square(), "PowBackward0")
unary("sin", lambda T, x: x.sin(), "SinBackward0", dtypes=FULL)
unary("cos", lambda T, x: T.cos(x), "CosBackward0", dtypes=FULL)
unary("tan", lambda T, x: x.tan(), "TanBackward0", bounds=((-1.2, 1.2),))
unary("asin", lambda T, x: x.asin(), "AsinBackward0", bounds=((-0.8, 0.8),))
unary("acos", lambda T, x: x.acos(), "AcosBackward0", bounds=((-0.8, 0.8),))
unary("atan", lambda T, x: x.atan(), "AtanBackward0")
unary("sinh", lambda T, x: x.sinh(), "SinhBackward0")
unary("cosh", lambda T, x: x.cosh(), "CoshBackward0")
unary("tanh", lambda T, x: x.tanh(), "TanhBackward0", dtypes=FULL)
unary("sigmoid", lambda T, x: x.sigmoid(), "SigmoidBackward0", dtypes=FULL)
unary("erf", lambda T, x: x.erf(), "ErfBackward0")
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
    dtypes=F64_32,
    double_backward=False,
    margin=0.0,
)
unary("trunc", lambda T, x: x.trunc(), "TruncBackward0", away=(-1, 0.0, 1), double_backward=False)
unary("frac", lambda T, x: x.frac(), "FracBackward0", away=(-1, 0.0, 1))
unary("relu", lambda T, x: x.relu(), "ReluBackward0", away=(0.0,), conventions=("relu.zero",))
unary("nn.functional.relu", lambda T, x: F(T).relu(x), "ReluBackward0", away=(0.0,))
unary(
    "nn.functional.leaky_relu",
    lambda T, x: F(T).leaky_relu(x, 0.2),
    "LeakyReluBackward0",
    away=(0.0,),
    conventions=("leaky_relu.zero",),
)
unary(
    "nn.functional.elu",
    lambda T, x: F(T).elu(x, alpha=1.5),
    "EluBackward0",
    away=(0.0,),
    conventions=("elu.zero",),
)
unary("nn.functional.gelu", lambda T, x: F(T).gelu(x), "GeluBackward0")
unary("nn.functional.gelu.tanh", lambda T, x: F(T).gelu(x, approximate="tanh"), "GeluBackward0")
unary("nn.functional.silu", lambda T, x: F(T).silu(x), "SiluBackward0")
unary("nn.functional.softplus", lambda T, x: F(T).softplus(x), "SoftplusBackward0")
unary(
    "nn.functional.softplus.beta",
    lambda T, x: F(T).softplus(x, beta=2.0, threshold=1.5),
    "SoftplusBackward0",
    away=(0.75,),
)
unary("nn.functional.logsigmoid", lambda T, x: F(T).logsigmoid(x), "LogSigmoidBackward0")
unary("nn.functional.sigmoid", lambda T, x: F(T).sigmoid(x), "SigmoidBackward0")
unary("nn.functional.tanh", lambda T, x: F(T).tanh(x), "TanhBackward0")
unary("pow.scalar", lambda T, x: x**3, "PowBackward0", dtypes=FULL)
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
unary("mul.scalar", lambda T, x: x * 2.5, "MulBackward0", dtypes=FULL)
unary("div.scalar", lambda T, x: x / 2.5, "DivBackward0", dtypes=FULL)
unary("rdiv.scalar", lambda T, x: 2.0 / x, "MulBackward0", away=(0.0,), margin=0.4)
unary("rsub.scalar", lambda T, x: 1.5 - x, "RsubBackward1", dtypes=FULL)
unary("add.scalar", lambda T, x: x + 1.5, "AddBackward0", dtypes=FULL)
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
    reduction=_all,
    note="grad of |z|^2 is 2z (conjugate Wirtinger convention)",
)

# ---------------------------------------------------------------------- elementwise binary/ternary

binary("add", lambda T, a, b: a + b, "AddBackward0", dtypes=FULL)
binary("add.alpha", lambda T, a, b: T.add(a, b, alpha=2.5), "AddBackward0", dtypes=FULL)
binary("sub", lambda T, a, b: a - b, "SubBackward0", dtypes=FULL)
binary("sub.alpha", lambda T, a, b: a.sub(b, alpha=0.5), "SubBackward0")
binary("mul", lambda T, a, b: a * b, "MulBackward0", dtypes=FULL)
binary("div", lambda T, a, b: a / b, "DivBackward0", away=((), (0.0,)), margin=0.5, dtypes=FULL)
binary(
    "div.floor",
    lambda T, a, b: T.div(a, b, rounding_mode="floor"),
    "DivBackward2",
    bounds=((-2.0, 2.0), (0.5, 2.0)),
    dtypes=F64_32,
    double_backward=False,
    note="piecewise constant: zero gradient",
)
binary(
    "div.trunc",
    lambda T, a, b: a.div(b, rounding_mode="trunc"),
    "DivBackward2",
    bounds=((-2.0, 2.0), (0.5, 2.0)),
    dtypes=F64_32,
    double_backward=False,
)
binary("pow", lambda T, a, b: a**b, "PowBackward1", bounds=((0.3, 2.0), (-2.0, 2.0)))
binary("maximum", lambda T, a, b: T.maximum(a, b), "MaximumBackward0", conventions=("maximum.tie",))
binary("minimum", lambda T, a, b: a.minimum(b), "MinimumBackward0", conventions=("minimum.tie",))
binary("max.binary", lambda T, a, b: T.max(a, b), "MaximumBackward0")
binary("atan2", lambda T, a, b: T.atan2(a, b), "Atan2Backward0", away=(0.0,), margin=0.3)
binary("hypot", lambda T, a, b: T.hypot(a, b), "HypotBackward0", away=(0.0,), margin=0.3)
binary("lerp.scalar", lambda T, a, b: T.lerp(a, b, 0.3), "LerpBackward0")
op("lerp.tensor", lambda T, a, b, w: a.lerp(b, w), broadcast_shapes(3), node="LerpBackward1")
op(
    "where",
    lambda T, a, b, **k: T.where(k["mask"], a, b),
    broadcast_shapes(2),
    node="WhereBackward0",
    aux=_index_aux("mask"),
    dtypes=FULL,
    note="the mask has the first input's shape",
)
op(
    "clamp.tensor",
    lambda T, x, lo, hi: x.clamp(lo, lo + hi.abs() + 0.2),
    broadcast_shapes(3),
    node="ClampBackward0",
    dtypes=F64_32,
    conventions=("clamp.tensor-bounds",),
)
op(
    "masked_fill",
    lambda T, x, **k: x.masked_fill(k["mask"], 0.5),
    unary_shapes(),
    node="MaskedFillBackward0",
    aux=_index_aux("mask"),
)
op(
    "masked_fill.tensor-value",
    lambda T, x, v, **k: x.masked_fill(k["mask"], v),
    st.tuples(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), st.just(())),
    node="MaskedFillBackward1",
    aux=_index_aux("mask"),
    dtypes=F64_32,
)
binary(
    "mul.complex-real",
    lambda T, a, b: a * b.real,
    "MulBackward0",
    dtypes=("complex128", "complex64"),
)

# ------------------------------------------------------------------------------------ reductions

op("sum", lambda T, x: x.sum(), node="SumBackward0", dtypes=FULL, reduction=_all)
op(
    "sum.dim",
    _dim_or_all(lambda T, x: x.sum(-1), lambda T, x: x.sum()),
    node=None,
    note="SumBackward1 with a dim, SumBackward0 for 0-d",
    dtypes=FULL,
    reduction=_last,
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
    dtypes=FULL,
    reduction=_all,
)
op(
    "mean.dim",
    lambda T, x: x.mean(dim=(-1,), keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="MeanBackward1",
    reduction=_last,
)
op(
    "prod",
    lambda T, x: x.prod(),
    unary_shapes(max_side=3),
    node="ProdBackward0",
    bounds=((0.5, 1.5),),
    reduction=_all,
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
    aux=_index_aux("mask"),
    conventions=("prod.one-zero", "prod.two-zeros"),
    dtypes=F64_32,
    reduction=_last,
    note="inputs with zero, one and several zeros along the dim",
)
op(
    "max",
    lambda T, x: x.max(),
    unary_shapes(min_side=1),
    node="MaxBackward1",
    conventions=("max.full-ties",),
    dtypes=F64_32,
)
op(
    "max.ties",
    lambda T, x: x.round().max(),
    unary_shapes(min_side=1),
    node="MaxBackward1",
    conventions=("max.full-ties",),
    dtypes=F64_32,
    double_backward=False,
    note="values rounded to integers: ties, and the gradient of round is zero",
)
op("min", lambda T, x: T.min(x), unary_shapes(min_side=1), node="MinBackward1", dtypes=F64_32)
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
op("amax", lambda T, x: x.amax(), unary_shapes(min_side=1), node="AmaxBackward0")
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
    dtypes=F64_32,
)
op(
    "var",
    lambda T, x: x.var(),
    unary_shapes(min_dims=1, min_side=2, max_side=4),
    node="VarBackward0",
    reduction=_all,
    dtypes=FULL,
    real_output=True,
)
op(
    "var.dim-correction",
    lambda T, x: T.var(x, -1, correction=0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="VarBackward0",
    reduction=_last,
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
    reduction=_all,
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
    reduction=_all,
    dtypes=FULL,
    real_output=True,
    conventions=("norm2.zero",),
)
op(
    "norm.p1",
    lambda T, x: x.norm(1),
    unary_shapes(min_side=1),
    node="LinalgVectorNormBackward0",
    away=(0.0,),
    reduction=_all,
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
    reduction=_last,
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
    reduction=_last,
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
    reduction=_last,
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
    lambda T, x: F(T).softmax(x, dim=1),
    unary_shapes(min_dims=2),
    node="SoftmaxBackward0",
    reduction=lambda s: s[0][1],
)
op(
    "nn.functional.log_softmax",
    lambda T, x: F(T).log_softmax(x, dim=-1),
    unary_shapes(min_dims=1),
    node="LogSoftmaxBackward0",
    reduction=_last,
)
op(
    "cumsum",
    lambda T, x: x.cumsum(-1),
    unary_shapes(min_dims=1),
    node="CumsumBackward0",
    reduction=_last,
    dtypes=FULL,
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
    aux=_index_aux("mask"),
    dtypes=F64_32,
    reduction=_last,
    conventions=("cumprod.zero",),
)

# --------------------------------------------------------------------------------- linear algebra

_MM = signature_shapes("(n,k),(k,m)->(n,m)", max_dims=0, min_side=0)
op("mm", lambda T, a, b: a.mm(b), _MM, node="MmBackward0", dtypes=FULL, reduction=lambda s: s[0][1])
op(
    "matmul.2d",
    lambda T, a, b: a @ b,
    _MM,
    node="MmBackward0",
    dtypes=FULL,
    reduction=lambda s: s[0][1],
)
op(
    "matmul.vector-vector",
    lambda T, a, b: T.matmul(a, b),
    signature_shapes("(k),(k)->()", max_dims=0, min_side=0),
    node="DotBackward0",
    reduction=lambda s: s[0][0],
    dtypes=FULL,
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
    dtypes=FULL,
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
    dtypes=FULL,
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
    dtypes=FULL,
)
op(
    "outer",
    lambda T, a, b: T.outer(a, b),
    st.tuples(
        array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=4),
        array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=4),
    ),
    node="MulBackward0",
    dtypes=FULL,
)
_EINSUM_NODE = "einsum's node names depend on torch's contraction path (ViewBackward0, ...)"
op(
    "einsum.mm",
    lambda T, a, b: T.einsum("ij,jk->ik", a, b),
    _MM,
    note=_EINSUM_NODE,
    check_node=False,
    reduction=lambda s: s[0][1],
    dtypes=FULL,
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
    reduction=_all,
)
op(
    "einsum.outer",
    lambda T, a, b: T.einsum("i,j->ij", a, b),
    st.tuples(
        array_shapes(min_dims=1, max_dims=1, max_side=4),
        array_shapes(min_dims=1, max_dims=1, max_side=4),
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
    lambda T, x, w: F(T).linear(x, w),
    _LIN.map(lambda t: ((t[0], t[1]), (t[2], t[1]))),
    node="MmBackward0",
    reduction=lambda s: s[0][1],
)
op(
    "nn.functional.linear.bias",
    lambda T, x, w, b: F(T).linear(x, w, b),
    _LIN.map(lambda t: ((t[0], t[1]), (t[2], t[1]), (t[2],))),
    node="AddmmBackward0",
    reduction=lambda s: s[0][1],
)
op(
    "nn.functional.linear.batched-bias",
    lambda T, x, w, b: F(T).linear(x, w, b),
    _LIN.map(lambda t: ((2, t[0], t[1]), (t[2], t[1]), (t[2],))),
    node=None,
    check_node=False,
    note="torch picks addmm + view or matmul + add_ by layout and size (not mirrored)",
    reduction=lambda s: s[0][-1],
)
op(
    "nn.functional.linear.vector-bias",
    lambda T, x, w, b: F(T).linear(x, w, b),
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
    dtypes=FULL,
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
op("unsqueeze", lambda T, x: x.unsqueeze(-1), node="UnsqueezeBackward0", dtypes=FULL)
op(
    "transpose",
    lambda T, x: x.transpose(0, -1),
    unary_shapes(min_dims=1),
    node="TransposeBackward0",
    dtypes=FULL,
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
    dtypes=FULL,
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
    dtypes=FULL,
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
    dtypes=FULL,
)
op(
    "getitem.slice-step",
    lambda T, x: x[1::2],
    unary_shapes(min_dims=1),
    node="SliceBackward0",
    dtypes=FULL,
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
    aux=_index_aux("getitem"),
    note="repeated indices accumulate",
)
op(
    "getitem.bool-mask",
    lambda T, x, **k: x[k["mask"]],
    unary_shapes(min_dims=1),
    node="IndexBackward0",
    aux=_index_aux("mask"),
)
op(
    "index_select",
    lambda T, x, **k: x.index_select(0, k["index"]),
    unary_shapes(min_dims=1, min_side=1),
    node="IndexSelectBackward0",
    aux=_index_aux("vector"),
)
op(
    "gather",
    lambda T, x, **k: T.gather(x, -1, k["index"]),
    unary_shapes(min_dims=1, min_side=1),
    node="GatherBackward0",
    aux=_index_aux("gather", dim=-1),
)
op(
    "scatter_add",
    lambda T, x, s, **k: x.scatter_add(0, k["index"], s),
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).map(
        lambda t: ((t[0], t[1]), (t[2], t[1]))
    ),
    node="ScatterAddBackward0",
    aux=_index_aux("scatter"),
    reduction=lambda s: s[1][0],
)
op(
    "nn.functional.pad",
    lambda T, x: F(T).pad(x, (1, 2)),
    unary_shapes(min_dims=1),
    node="ConstantPadNdBackward0",
)
op(
    "nn.functional.pad.crop",
    lambda T, x: F(T).pad(x, (-1, 1, 2, 0), value=0.5),
    unary_shapes(min_dims=2, min_side=1),
    node="ConstantPadNdBackward0",
)
op("clone", lambda T, x: x.clone(), node="CloneBackward0", dtypes=FULL)

# ------------------------------------------------------------------------------------ nn losses


def _loss(name, call, node, shapes=None, **kw):
    kw.setdefault("reduction", _all)
    return op(name, call, shapes or same_shapes(2, min_side=1), node=node, **kw)


_loss("nn.functional.mse_loss", lambda T, a, b: F(T).mse_loss(a, b), "MseLossBackward0")
_loss(
    "nn.functional.mse_loss.sum",
    lambda T, a, b: F(T).mse_loss(a, b, reduction="sum"),
    "MseLossBackward0",
)
_loss(
    "nn.functional.mse_loss.none",
    lambda T, a, b: F(T).mse_loss(a, b, reduction="none"),
    "MseLossBackward0",
)
_loss(
    "nn.functional.l1_loss",
    lambda T, a, b: F(T).l1_loss(a, b),
    "MeanBackward0",
    away=(0.0,),
    note="|a - b| kept away from 0 by the input bounds",
    bounds=((1.0, 2.0), (-2.0, -0.2)),
)
_loss(
    "nn.functional.smooth_l1_loss",
    lambda T, a, b: F(T).smooth_l1_loss(a, b, beta=0.5),
    "SmoothL1LossBackward0",
    double_backward=True,
)
_loss(
    "nn.functional.huber_loss",
    lambda T, a, b: F(T).huber_loss(a, b, delta=0.7),
    "HuberLossBackward0",
)
_CE = st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: ((t[0], t[1]),))
op(
    "nn.functional.cross_entropy",
    lambda T, x, **k: F(T).cross_entropy(x, k["target"]),
    _CE,
    node="NllLossBackward0",
    aux=_index_aux("classes"),
    reduction=_all,
)
op(
    "nn.functional.cross_entropy.label_smoothing",
    lambda T, x, **k: F(T).cross_entropy(x, k["target"], label_smoothing=0.2, reduction="sum"),
    _CE,
    node="AddBackward0",
    aux=_index_aux("classes"),
    reduction=_all,
)
op(
    "nn.functional.cross_entropy.ignore_index",
    lambda T, x, **k: F(T).cross_entropy(x, k["target"], ignore_index=0, reduction="none"),
    _CE,
    node="NllLossBackward0",
    aux=_index_aux("classes"),
    reduction=_last,
)
op(
    "nn.functional.cross_entropy.probs",
    lambda T, x, p: F(T).cross_entropy(x, p.softmax(-1)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: ((t[0], t[1]),) * 2),
    node="DivBackward1",
    reduction=_all,
)
op(
    "nn.functional.nll_loss",
    lambda T, x, **k: F(T).nll_loss(x.log_softmax(1), k["target"], reduction="sum"),
    _CE,
    node="NllLossBackward0",
    aux=_index_aux("classes"),
    reduction=_all,
)
op(
    "nn.functional.nll_loss.weight",
    lambda T, x, w, **k: F(T).nll_loss(x, k["target"], weight=w.detach().abs() + 0.5),
    _CE.map(lambda s: (s[0], (s[0][1],))),
    node="NllLossBackward0",
    aux=_index_aux("classes"),
    differentiable=(True, False),
    reduction=_all,
)
op(
    "nn.functional.binary_cross_entropy",
    lambda T, x, t: F(T).binary_cross_entropy(x, t),
    same_shapes(2, min_side=1),
    node="BinaryCrossEntropyBackward0",
    bounds=((0.1, 0.9), (0.0, 1.0)),
    reduction=_all,
)
op(
    "nn.functional.binary_cross_entropy_with_logits",
    lambda T, x, t: F(T).binary_cross_entropy_with_logits(x, t, reduction="sum"),
    same_shapes(2, min_side=1),
    node="BinaryCrossEntropyWithLogitsBackward0",
    bounds=((-2.0, 2.0), (0.0, 1.0)),
    reduction=_all,
)
op(
    "nn.functional.binary_cross_entropy_with_logits.pos_weight",
    lambda T, x, t, pw: F(T).binary_cross_entropy_with_logits(x, t, pos_weight=pw.detach().abs()),
    st.tuples(st.integers(1, 3), st.integers(1, 4)).map(lambda s: (s, s, (s[1],))),
    node="BinaryCrossEntropyWithLogitsBackward0",
    bounds=((-2.0, 2.0), (0.0, 1.0), (0.5, 2.0)),
    differentiable=(True, True, False),
    reduction=_all,
)
op(
    "nn.functional.layer_norm",
    lambda T, x: F(T).layer_norm(x, x.shape[-1:]),
    unary_shapes(min_dims=1, min_side=2),
    node="NativeLayerNormBackward0",
    reduction=_last,
    steps=8,
    scale=316.0,
)
op(
    "nn.functional.layer_norm.affine",
    lambda T, x, w, b: F(T).layer_norm(x, (x.shape[-1],), w, b),
    st.tuples(st.integers(1, 3), st.integers(2, 4)).map(lambda s: (s, (s[1],), (s[1],))),
    node="NativeLayerNormBackward0",
    reduction=_last,
    steps=8,
    scale=316.0,
)
op(
    "nn.functional.dropout.eval",
    lambda T, x: F(T).dropout(x, 0.5, training=False) * 1.0,
    node="MulBackward0",
)
op("nn.functional.dropout.p0", lambda T, x: F(T).dropout(x, 0.0) * 1.0, node="MulBackward0")


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
    lambda T, x, w, b: F(T).conv1d(x, w, b),
    _conv_shapes(1),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=F64_32,
)
op(
    "nn.functional.conv1d.stride-pad-dilation",
    lambda T, x, w: (
        F(T).conv1d(x, w, stride=2, padding=1, dilation=2)
        if x.shape[-1] + 2 > 2 * (w.shape[-1] - 1)
        else F(T).conv1d(x, w, stride=2, padding=1)
    ),
    _conv_shapes(1, bias=False),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=F64_32,
)
op(
    "nn.functional.conv1d.same",
    lambda T, x, w, b: F(T).conv1d(x, w, b, padding="same"),
    _conv_shapes(1),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=F64_32,
)
op(
    "nn.functional.conv2d",
    lambda T, x, w, b: F(T).conv2d(x, w, b, padding=1),
    _conv_shapes(2),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=F64_32,
)
op(
    "nn.functional.conv2d.groups",
    lambda T, x, w: F(T).conv2d(x, w, groups=2, stride=(1, 2)),
    _conv_shapes(2, groups=2, bias=False),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=F64_32,
)
op(
    "nn.functional.conv2d.valid",
    lambda T, x, w, b: (
        F(T).conv2d(x, w, b, padding="valid", dilation=(1, 2))
        if x.shape[-1] > 2 * (w.shape[-1] - 1)
        else F(T).conv2d(x, w, b)
    ),
    _conv_shapes(2),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=F64_32,
)
op(
    "nn.functional.conv2d.unbatched",
    lambda T, x, w: F(T).conv2d(x[0], w, padding="same"),
    _conv_shapes(2, bias=False),
    node=None,
    note="the unbatched result is a squeezed view",
    reduction=_conv_red,
    dtypes=F64_32,
)

#: the table, by name
OPS: dict[str, OpInfo] = {o.name: o for o in OPS_LIST}
assert len(OPS) == len(OPS_LIST), "duplicate op names in the table"


# ------------------------------------------------------------------------------- building inputs


def _round_to(values: np.ndarray, dtype: str) -> np.ndarray:
    """Values made exactly representable in ``dtype`` (so both libraries hold the same bits);
    rounded through float32 first, as half and bfloat16 conversions in torch do."""
    import ml_dtypes

    if dtype in ("float64", "complex128"):
        return values
    if dtype in ("float32", "complex64"):
        return values.astype(np.complex64 if np.iscomplexobj(values) else np.float32).astype(
            values.dtype
        )
    np_dt = np.float16 if dtype == "float16" else ml_dtypes.bfloat16
    return values.astype(np.float32).astype(np_dt).astype(np.float64)


def draw_values(info: OpInfo, shapes, dtype: str, seed: int, layouts) -> list[np.ndarray]:
    """Input values: uniform in each input's bounds, pushed ``margin`` away from its kinks,
    constant along the first non-trivial dim for the ``expanded`` layout, rounded to ``dtype``."""
    rng = np.random.default_rng(seed)
    out = []
    for i, shape in enumerate(shapes):
        low, high = info.bounds_for(i)
        v = rng.uniform(low, high, size=shape)
        for p in info.away_for(i):
            close = np.abs(v - p) < info.margin
            v = np.where(close, p + np.where(v >= p, 1, -1) * info.margin, v)
        if dtype.startswith("complex"):
            w = rng.uniform(low, high, size=shape)
            for p in info.away_for(i):
                close = np.abs(w - p) < info.margin
                w = np.where(close, p + np.where(w >= p, 1, -1) * info.margin, w)
            v = v + 1j * w
        if layouts[i] == "expanded":
            dims = [d for d, s in enumerate(shape) if s > 1]
            if dims:
                sl = [slice(None)] * len(shape)
                sl[dims[0]] = slice(0, 1)
                v = np.broadcast_to(v[tuple(sl)], shape).copy()
        out.append(_round_to(v, dtype))
    return out


def draw_aux(info: OpInfo, shapes, seed: int) -> dict:
    if info.aux is None:
        return {}
    return info.aux(np.random.default_rng([seed, 7]), tuple(tuple(s) for s in shapes))


def materialize(T, values: np.ndarray, dtype: str, layout: str, device: str, requires_grad: bool):
    """``values`` as a leaf tensor of namespace ``T`` with the given memory layout, built with
    the same calls in torch and gradref: transposed (a transpose of a contiguous tensor), offset
    (a view at storage offset 3), strided (every other element), expanded (stride 0 along the
    first dim of size > 1, the values being constant there)."""
    dt = getattr(T, dtype)
    shape = tuple(values.shape)
    nd = len(shape)

    def make(a):
        return T.tensor(np.array(a, order="C"), dtype=dt, device=device)

    if layout == "transposed" and nd >= 2:
        t = make(np.swapaxes(values, -1, -2)).transpose(-1, -2)
    elif layout == "offset":
        flat = np.concatenate([np.zeros(3, values.dtype), values.reshape(-1)])
        t = make(flat)[3:].view(shape)
    elif layout == "strided" and nd >= 1:
        t = make(np.repeat(values, 2, axis=-1))[..., ::2]
    elif layout == "expanded" and any(s > 1 for s in shape):
        d = [i for i, s in enumerate(shape) if s > 1][0]
        t = make(np.take(values, [0], axis=d)).expand(shape)
    else:
        t = make(values)
    t = t.detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


def outputs_of(result) -> list:
    """The tensors an op returned, in order (a tuple/namedtuple is flattened)."""
    if isinstance(result, (tuple, list)):
        out = []
        for r in result:
            out.extend(outputs_of(r))
        return out
    return [result]


def differentiable_outputs(result) -> list:
    return [o for o in outputs_of(result) if o.dtype.is_floating_point or o.dtype.is_complex]


# ------------------------------------------------------------------ selection (values, indices)
# gradref/ops/selection.py. Where torch leaves the choice among tied values open (topk, median
# and kthvalue with a dim; sort without stable=True), the entries avoid ties: continuous values
# and no ``expanded`` layout (which makes values equal along a dimension); the tie rules torch
# does fix are in the conventions (sort.ties, median.full-ties, cummax.ties, cummin.ties).

_N_SELECTION = len(OPS_LIST)
_UNTIED = ("contiguous", "transposed", "offset", "strided")


def _k(x, k: int = 2, dim: int = -1) -> int:
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
    lambda T, x: x.topk(_k(x)),
    unary_shapes(max_dims=3),
    node="TopkBackward0",
    dtypes=F64_32,
    layouts=_UNTIED,
    note="continuous values: no ties (torch does not fix which tied element topk returns)",
)
op(
    "topk.smallest-dim0",
    lambda T, x: T.topk(x, _k(x, 3, 0), 0, largest=False),
    unary_shapes(min_dims=1),
    node="TopkBackward0",
    dtypes=F64_32,
    layouts=_UNTIED,
)
op("sort", lambda T, x: x.sort(), node="SortBackward0", dtypes=F64_32, layouts=_UNTIED)
op(
    "sort.stable-descending",
    lambda T, x: T.sort(x, dim=0, descending=True, stable=True) if x.dim() else x.sort(stable=True),
    node="SortBackward1",
    dtypes=F64_32,
    conventions=("sort.ties",),
)
op(
    "argsort",
    lambda T, x: x.argsort(-1),
    node=None,
    dtypes=F64_32,
    layouts=_UNTIED,
    note="indices only (not differentiable)",
)
op(
    "median",
    lambda T, x: x.median(),
    unary_shapes(min_side=1),
    node="MedianBackward0",
    dtypes=F64_32,
    conventions=("median.full-ties",),
)
op(
    "median.dim",
    lambda T, x: x.median(-1),
    unary_shapes(min_dims=1, min_side=1),
    node="MedianBackward1",
    dtypes=F64_32,
    layouts=_UNTIED,
)
op(
    "median.dim-keepdim",
    lambda T, x: T.median(x, 0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="MedianBackward1",
    dtypes=F64_32,
    layouts=_UNTIED,
)
op(
    "kthvalue",
    lambda T, x: x.kthvalue(_k(x), -1) if x.dim() else x.kthvalue(1),
    unary_shapes(min_side=1),
    node="KthvalueBackward0",
    dtypes=F64_32,
    layouts=_UNTIED,
)
op(
    "cummax",
    lambda T, x: x.cummax(-1) if x.dim() else x.cummax(0),
    node="CummaxBackward0",
    dtypes=F64_32,
    conventions=("cummax.ties",),
)
op(
    "cummin.dim0",
    lambda T, x: T.cummin(x, 0),
    node="CumminBackward0",
    dtypes=F64_32,
    conventions=("cummin.ties",),
)
op(
    "max.dim-keepdim",
    lambda T, x: T.max(x, 0, keepdim=True),
    unary_shapes(min_dims=1, min_side=1),
    node="MaxBackward0",
    layouts=_UNTIED,
    conventions=("max.dim-index",),
)
op(
    "nn.functional.one_hot",
    lambda T, x, **k: x.unsqueeze(-1) * F(T).one_hot(k["index"], 3).to(x.dtype),
    node="MulBackward0",
    aux=lambda rng, shapes: {"index": rng.integers(0, 3, shapes[0]).astype(np.int64)},
)
op(
    "masked_select",
    lambda T, x, **k: x.masked_select(k["mask"]),
    node="MaskedSelectBackward0",
    aux=_index_aux("mask"),
)
op(
    "masked_select.broadcast",
    lambda T, x, **k: (
        x.masked_select(k["mask"][..., :1]) if x.dim() else x.masked_select(k["mask"])
    ),
    unary_shapes(min_dims=1),
    node="MaskedSelectBackward0",
    aux=_index_aux("mask"),
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

for _info in OPS_LIST[_N_SELECTION:]:
    assert _info.name not in OPS, f"duplicate op name {_info.name}"
    OPS[_info.name] = _info
