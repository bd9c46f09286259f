"""The op table's records: elementwise ops (unary, binary, ternary)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.inputs import FLOAT_DTYPES, WIDE_FLOAT_DTYPES
from gradspec.inputs import shapes as input_shapes
from gradspec.ops.opinfo import (
    broadcast_shapes,
    functional,
    index_aux,
    numel_of_first,
    over_smallest,
    unary_shapes,
)
from gradspec.ops.records._build import FLOAT_AND_COMPLEX, binary, op, unary

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

# ------------------------------------------------ more elementwise ops of derivatives.yaml

binary("fmax", lambda T, a, b: T.fmax(a, b), "FmaxBackward0", conventions=("fmax.tie", "fmax.nan"))
binary("fmin", lambda T, a, b: a.fmin(b), "FminBackward0", conventions=("fmin.tie", "fmin.nan"))
binary(
    "fmod",
    lambda T, a, b: T.fmod(a, b),
    "FmodBackward1",
    bounds=((-2.0, 2.0), (0.5, 2.0)),
    dtypes=WIDE_FLOAT_DTYPES,
    note="piecewise in other: the jumps (self / other an integer) are not drawn",
)
unary("fmod.scalar", lambda T, x: x.fmod(1.5), "FmodBackward0", away=(-1.5, 0.0, 1.5))
binary(
    "remainder",
    lambda T, a, b: T.remainder(a, b),
    "RemainderBackward1",
    bounds=((-2.0, 2.0), (0.5, 2.0)),
    dtypes=WIDE_FLOAT_DTYPES,
)
unary("remainder.scalar", lambda T, x: x % 1.5, "RemainderBackward0", away=(-1.5, 0.0, 1.5))
binary(
    "copysign",
    lambda T, a, b: T.copysign(a, b),
    "CopysignBackward0",
    away=(0.0,),
    conventions=("copysign.zero",),
)
unary("copysign.scalar", lambda T, x: x.copysign(-1.0), "CopysignBackward1", away=(0.0,))
binary(
    "xlogy",
    lambda T, a, b: T.xlogy(a, b),
    "XlogyBackward0",
    bounds=((-2.0, 2.0), (0.2, 3.0)),
    conventions=("xlogy.zero",),
)
unary("xlogy.scalar-other", lambda T, x: x.xlogy(2.5), "XlogyBackward2")
unary("xlogy.scalar-self", lambda T, y: T.xlogy(2.5, y), "XlogyBackward1", bounds=((0.2, 3.0),))
binary(
    "special.xlog1py",
    lambda T, a, b: T.special.xlog1py(a, b),
    "SpecialXlog1PyBackward0",
    bounds=((-2.0, 2.0), (-0.7, 3.0)),
)
binary("logaddexp", lambda T, a, b: T.logaddexp(a, b), "LogaddexpBackward0")
binary("logaddexp2", lambda T, a, b: a.logaddexp2(b), "Logaddexp2Backward0")
binary("ldexp", lambda T, a, b: T.ldexp(a, b), "LdexpBackward0")
binary(
    "nextafter",
    lambda T, a, b: T.nextafter(a, b),
    "NextafterBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    double_backward=False,
)
binary(
    "float_power",
    lambda T, a, b: T.float_power(a, b),
    "PowBackward1",
    bounds=((0.3, 2.0), (-2.0, 2.0)),
    note="computed in float64 whatever the inputs' dtype",
)
unary("float_power.scalar", lambda T, x: x.float_power(2.5), "PowBackward0", bounds=((0.2, 2.0),))
op(
    "addcmul",
    lambda T, a, b, c: T.addcmul(a, b, c, value=0.5),
    broadcast_shapes(3),
    node="AddcmulBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "addcdiv",
    lambda T, a, b, c: a.addcdiv(b, c, value=-1.5),
    broadcast_shapes(3),
    node="AddcdivBackward0",
    away=((), (), (0.0,)),
    margin=0.5,
    dtypes=FLOAT_AND_COMPLEX,
)


def _sinc_terms(values) -> float:
    """``intermediates`` of sinc: its derivative (pi x cos(pi x) - sin(pi x)) / (pi x^2)
    cancels terms of about pi |x| down to (pi x)^3 / 3, so near 0 it rounds at about 3 / x^2
    of the result's size (and so does its double backward)."""
    return over_smallest(3.0, np.abs(values[0]), power=2)


unary(
    "sinc",
    lambda T, x: T.sinc(x),
    "SincBackward0",
    conventions=("sinc.zero",),
    intermediates=_sinc_terms,
)
unary("logit", lambda T, x: x.logit(), "LogitBackward0", bounds=((0.1, 0.9),))
unary(
    "logit.eps",
    lambda T, x: T.logit(x, eps=0.2),
    "LogitBackward0",
    bounds=((0.0, 1.0),),
    away=(0.2, 0.8),
    conventions=("logit.outside-eps",),
)
unary(
    "nan_to_num",
    lambda T, x: T.nan_to_num(x, posinf=3.0),
    "NanToNumBackward0",
    conventions=("nan_to_num.inf",),
)
unary("sgn", lambda T, x: T.sgn(x), "SgnBackward0", away=(0.0,), dtypes=FLOAT_AND_COMPLEX)
unary("clamp_max", lambda T, x: x.clamp_max(0.3), "ClampMaxBackward0", away=(0.3,))
binary(
    "clamp_min.tensor",
    lambda T, x, m: x.clamp_min(m),
    "ClampMinBackward1",
    dtypes=WIDE_FLOAT_DTYPES,
)
binary(
    "clamp_max.tensor",
    lambda T, x, m: T.clamp_max(x, m),
    "ClampMaxBackward1",
    dtypes=WIDE_FLOAT_DTYPES,
)

# --------------------------------------------------------------- special functions

unary("lgamma", lambda T, x: x.lgamma(), "LgammaBackward0", bounds=((0.2, 4.0),))
unary("digamma", lambda T, x: T.digamma(x), "DigammaBackward0", bounds=((0.3, 4.0),))
unary("polygamma.1", lambda T, x: T.polygamma(1, x), "PolygammaBackward0", bounds=((0.5, 3.0),))
unary("polygamma.2", lambda T, x: x.polygamma(2), "PolygammaBackward0", bounds=((0.5, 3.0),))
unary("mvlgamma", lambda T, x: x.mvlgamma(2), "MvlgammaBackward0", bounds=((1.0, 3.0),))
unary("erfinv", lambda T, x: x.erfinv(), "ErfinvBackward0", bounds=((-0.9, 0.9),))
#: torch 2.2 has no float16/bfloat16 kernel for i1 and i1e, which the VJPs of i0 and i0e call
_BESSEL_DTYPES = WIDE_FLOAT_DTYPES
unary("i0", lambda T, x: T.i0(x), "I0Backward0", bounds=((-3.0, 3.0),), dtypes=_BESSEL_DTYPES)
unary(
    "special.i0e",
    lambda T, x: T.special.i0e(x),
    "SpecialI0EBackward0",
    away=(0.0,),
    dtypes=_BESSEL_DTYPES,
)


def _i1_terms(values) -> float:
    """``intermediates`` of i1: its derivative i0(x) - i1(x) / x is well-conditioned, but its
    double backward differentiates i1(x) / x into terms of about 1 / |x| (i0(x) / x, i1(x) / x^2)
    that cancel to about x / 8 near 0 (at x = 0.00136, a float32 double backward off by 3e-5
    from the float64 value, in torch; at x = -0.0409, by 3.4e-5, 23 units of float32 at the
    terms' size, since torch's float32 i0 and i1 are each a few units off themselves)."""
    return over_smallest(2.0, np.abs(values[0]))


unary(
    "special.i1",
    lambda T, x: T.special.i1(x),
    "SpecialI1Backward0",
    bounds=((-3.0, 3.0),),
    dtypes=_BESSEL_DTYPES,
    intermediates=_i1_terms,
)
unary(
    "special.i1e",
    lambda T, x: T.special.i1e(x),
    "SpecialI1EBackward0",
    away=(0.0,),
    dtypes=_BESSEL_DTYPES,
)
unary(
    "special.erfcx",
    lambda T, x: T.special.erfcx(x),
    "SpecialErfcxBackward0",
    bounds=((-2.0, 3.0),),
    dtypes=WIDE_FLOAT_DTYPES,
)
unary("special.ndtr", lambda T, x: T.special.ndtr(x), "MulBackward1", bounds=((-3.0, 3.0),))
unary(
    "special.ndtri",
    lambda T, x: T.special.ndtri(x),
    "SpecialNdtriBackward0",
    bounds=((0.05, 0.95),),
    dtypes=WIDE_FLOAT_DTYPES,
)


def _log_ndtr_terms(values) -> float:
    """``intermediates`` of log_ndtr: its derivative r(x) = exp(-x^2 / 2 - log_ndtr(x)) /
    sqrt(2 pi) exponentiates a difference of terms up to x^2 / 2 + |log_ndtr(x)|, and its second
    derivative -r (x + r) cancels |x| + r down to about 1 / |x| for negative x: together about
    (1 + x^2)^2 there (at x = -2.6, a float32 double backward off by 4.6e-6 relative in torch).
    Nothing cancels for positive x."""
    x = np.asarray(values[0], dtype=np.float64)
    x = x[np.isfinite(x) & (x < 0)]
    return float(np.max((1.0 + x * x) ** 2)) if x.size else 0.0


unary(
    "special.log_ndtr",
    lambda T, x: T.special.log_ndtr(x),
    "SpecialLogNdtrBackward0",
    bounds=((-3.0, 3.0),),
    dtypes=WIDE_FLOAT_DTYPES,
    intermediates=_log_ndtr_terms,
)
unary("special.entr", lambda T, x: T.special.entr(x), "SpecialEntrBackward0", bounds=((0.1, 3.0),))
op(
    "special.zeta",
    lambda T, s, q: T.special.zeta(s, q),
    broadcast_shapes(2),
    node="SpecialZetaBackward0",
    bounds=((1.5, 4.0), (0.5, 3.0)),
    differentiable=(False, True),
    dtypes=WIDE_FLOAT_DTYPES,
    note="torch has no derivative in the first argument",
)
unary(
    "angle",
    lambda T, x: T.angle(x),
    "AngleBackward0",
    away=(0.0,),
    dtypes=FLOAT_AND_COMPLEX,
    real_output=True,
    double_backward=False,
    note="real inputs: a step function (zero gradient)",
)
op(
    "complex",
    lambda T, re, im: T.complex(re, im),
    broadcast_shapes(2),
    node="ComplexBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "polar",
    lambda T, r, t: T.polar(r, t),
    broadcast_shapes(2),
    node="PolarBackward0",
    bounds=((0.2, 2.0), (-3.0, 3.0)),
    dtypes=WIDE_FLOAT_DTYPES,
)
unary("frexp", lambda T, x: T.frexp(x), "FrexpBackward0", double_backward=False)
unary(
    "to.dtype",
    lambda T, x: x.to(T.float64),
    "ToCopyBackward0",
    dtypes=FLOAT_DTYPES[1:],
)
