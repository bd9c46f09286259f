"""The op table's records: nn activations beyond the elementwise basics (which are with the
pointwise records): hard and shrink activations, the elu family, glu, prelu, rrelu (eval)."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.inputs import WIDE_FLOAT_DTYPES
from gradspec.inputs import shapes as input_shapes
from gradspec.ops.opinfo import (
    functional,
    last_dim_of_first,
    unary_shapes,
    weighted_mean_removed,
)
from gradspec.ops.records._build import op, unary

# ----------------------------------------------------------------------------------- activations

unary(
    "nn.functional.hardswish",
    lambda T, x: functional(T).hardswish(x),
    "HardswishBackward0",
    bounds=((-4.0, 4.0),),
    away=(-3.0, 3.0),
)
unary(
    "nn.functional.hardsigmoid",
    lambda T, x: functional(T).hardsigmoid(x),
    "HardsigmoidBackward0",
    bounds=((-4.0, 4.0),),
    away=(-3.0, 3.0),
    double_backward=False,
    note="torch has no derivative for hardsigmoid_backward",
)
unary("nn.functional.mish", lambda T, x: functional(T).mish(x), "MishBackward0")
unary(
    "nn.functional.hardtanh",
    lambda T, x: functional(T).hardtanh(x),
    "HardtanhBackward0",
    away=(-1.0, 1.0),
    double_backward=True,
)
unary(
    "nn.functional.hardtanh.bounds",
    lambda T, x: functional(T).hardtanh(x, -0.5, 1.5),
    "HardtanhBackward0",
    away=(-0.5, 1.5),
)
unary(
    "nn.functional.relu6",
    lambda T, x: functional(T).relu6(x),
    "HardtanhBackward0",
    bounds=((-2.0, 8.0),),
    away=(0.0, 6.0),
)
unary("nn.functional.selu", lambda T, x: functional(T).selu(x), "EluBackward0", away=(0.0,))
unary(
    "nn.functional.celu",
    lambda T, x: functional(T).celu(x, alpha=0.7),
    "CeluBackward0",
    away=(0.0,),
)
unary("nn.functional.softsign", lambda T, x: functional(T).softsign(x), "DivBackward0")
unary("nn.functional.tanhshrink", lambda T, x: functional(T).tanhshrink(x), "SubBackward0")
unary(
    "nn.functional.softshrink",
    lambda T, x: functional(T).softshrink(x, 0.5),
    "SoftshrinkBackward0",
    away=(-0.5, 0.5),
)
unary(
    "nn.functional.hardshrink",
    lambda T, x: functional(T).hardshrink(x, 0.5),
    "HardshrinkBackward0",
    away=(-0.5, 0.5),
)
unary(
    "nn.functional.threshold",
    lambda T, x: functional(T).threshold(x, 0.25, -1.5),
    "ThresholdBackward0",
    away=(0.25,),
)
unary(
    "nn.functional.rrelu.eval",
    lambda T, x: functional(T).rrelu(x, 0.1, 0.3, training=False),
    "RreluWithNoiseBackward0",
    away=(0.0,),
)
op(
    "nn.functional.softmin",
    lambda T, x: functional(T).softmin(x, dim=-1),
    unary_shapes(min_dims=1),
    node="SoftmaxBackward0",
    reduction=last_dim_of_first,
    intermediates=weighted_mean_removed,
)
op(
    "nn.functional.glu",
    lambda T, x: functional(T).glu(x, dim=-1),
    input_shapes(min_dims=1, max_dims=3, max_side=3).map(lambda s: (s[:-1] + (2 * s[-1],),)),
    node="GluBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    note="torch's forward-mode glu has no float16/bfloat16 CPU kernel",
)
op(
    "nn.functional.glu.dim0",
    lambda T, x: functional(T).glu(x, dim=0),
    input_shapes(min_dims=1, max_dims=3, max_side=3).map(lambda s: ((2 * s[0],) + s[1:],)),
    node="GluBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
    note="torch's forward-mode glu has no float16/bfloat16 CPU kernel",
)
op(
    "nn.functional.prelu",
    lambda T, x, w: functional(T).prelu(x, w),
    st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(0, 3)).map(
        lambda t: ((t[0], t[1]) + (t[2],) * min(t[2], 1), (t[1],))
    ),
    node="PreluKernelBackward0",
    away=((0.0,), ()),
)
op(
    "nn.functional.prelu.shared",
    lambda T, x, w: functional(T).prelu(x, w),
    unary_shapes().map(lambda s: (s[0], (1,))),
    node="PreluKernelBackward0",
    away=((0.0,), ()),
)
