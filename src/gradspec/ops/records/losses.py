"""The op table's records: nn losses."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.inputs import WIDE_FLOAT_DTYPES
from gradspec.ops.opinfo import (
    CENTRED_LAST_DIM,
    functional,
    index_aux,
    last_dim_of_first,
    numel_of_first,
    same_shapes,
    unary_shapes,
)
from gradspec.ops.records._build import op

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
    intermediates=CENTRED_LAST_DIM,
)
op(
    "nn.functional.layer_norm.affine",
    lambda T, x, w, b: functional(T).layer_norm(x, (x.shape[-1],), w, b),
    st.tuples(st.integers(1, 3), st.integers(2, 4)).map(lambda s: (s, (s[1],), (s[1],))),
    node="NativeLayerNormBackward0",
    reduction=last_dim_of_first,
    steps=8,
    scale=316.0,
    intermediates=CENTRED_LAST_DIM,
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
_loss(
    "nn.functional.soft_margin_loss",
    lambda T, x, y: functional(T).soft_margin_loss(x, y),
    "SoftMarginLossBackward0",
    differentiable=(True, False),
)
_loss(
    "nn.functional.soft_margin_loss.sum",
    lambda T, x, y: functional(T).soft_margin_loss(x, y, reduction="sum"),
    "SoftMarginLossBackward0",
    differentiable=(True, False),
)


def _pixel_classes(rng, shapes):
    n, c, h, w = shapes[0]
    return {"target": rng.integers(0, c, (n, h, w))}


_IMAGE_LOGITS = st.tuples(
    st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)
).map(lambda t: (t,))
op(
    "nn.functional.nll_loss2d",
    lambda T, x, **k: functional(T).nll_loss(x.log_softmax(1), k["target"]),
    _IMAGE_LOGITS,
    node="NllLoss2DBackward0",
    aux=_pixel_classes,
    reduction=numel_of_first,
    layouts=("contiguous",),
    note="torch's nll_loss2d backward requires a contiguous gradient buffer",
)
op(
    "nn.functional.cross_entropy.2d",
    lambda T, x, **k: functional(T).cross_entropy(x, k["target"], reduction="sum"),
    _IMAGE_LOGITS,
    node="NllLoss2DBackward0",
    aux=_pixel_classes,
    reduction=numel_of_first,
    layouts=("contiguous",),
    note="torch's nll_loss2d backward requires a contiguous gradient buffer",
)
op(
    "nn.functional.multi_margin_loss",
    lambda T, x, **k: functional(T).multi_margin_loss(x, k["target"], margin=0.7),
    _CE,
    node="MultiMarginLossBackward0",
    aux=index_aux("classes"),
    reduction=last_dim_of_first,
    double_backward=False,
    dtypes=WIDE_FLOAT_DTYPES,
    note="torch has no float16 CPU kernel nor a derivative of its backward",
)
op(
    "nn.functional.multi_margin_loss.p2-sum",
    lambda T, x, **k: functional(T).multi_margin_loss(x, k["target"], p=2, reduction="sum"),
    _CE,
    node="MultiMarginLossBackward0",
    aux=index_aux("classes"),
    reduction=last_dim_of_first,
    double_backward=False,
    dtypes=WIDE_FLOAT_DTYPES,
)
