"""The op table's records: convolution."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.inputs import WIDE_FLOAT_DTYPES
from gradspec.ops.opinfo import functional, numel_of_first, over_smallest
from gradspec.ops.records._build import op

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
op(
    "nn.functional.conv3d",
    lambda T, x, w, b: functional(T).conv3d(x, w, b, padding=1, stride=(1, 2, 1)),
    _conv_shapes(3).filter(lambda s: all(v <= 4 for v in s[0][2:])),
    node="ConvolutionBackward0",
    reduction=_conv_red,
    dtypes=WIDE_FLOAT_DTYPES,
)


def _conv_transpose_shapes(n: int, groups: int = 1):
    def build(t):
        b, cin_g, cout_g, k = t[0], t[1], t[2], t[3]
        x = (b, cin_g * groups) + tuple(t[4 : 4 + n])
        return x, (cin_g * groups, cout_g) + (k,) * n, (cout_g * groups,)

    return st.tuples(
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(2, 3),
        *[st.integers(2, 4) for _ in range(n)],
    ).map(build)


def _conv_transpose_red(shapes):
    # each output element sums over the input channels (of its group) and the kernel
    return int(np.prod(shapes[1][2:])) * shapes[1][0]


op(
    "nn.functional.conv_transpose1d",
    lambda T, x, w, b: functional(T).conv_transpose1d(
        x, w, b, stride=2, padding=1, output_padding=1
    ),
    _conv_transpose_shapes(1),
    node="ConvolutionBackward0",
    reduction=_conv_transpose_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv_transpose2d",
    lambda T, x, w, b: functional(T).conv_transpose2d(x, w, b, padding=1),
    _conv_transpose_shapes(2),
    node="ConvolutionBackward0",
    reduction=_conv_transpose_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv_transpose2d.groups-stride-dilation",
    lambda T, x, w: functional(T).conv_transpose2d(
        x, w, groups=2, stride=(2, 1), dilation=(1, 2), output_padding=1
    ),
    _conv_transpose_shapes(2, groups=2).map(lambda s: s[:2]),
    node="ConvolutionBackward0",
    reduction=_conv_transpose_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv_transpose2d.unbatched",
    lambda T, x, w: functional(T).conv_transpose2d(x[0], w, stride=2),
    _conv_transpose_shapes(2).map(lambda s: s[:2]),
    node=None,
    note="the unbatched result is a squeezed view",
    reduction=_conv_transpose_red,
    dtypes=WIDE_FLOAT_DTYPES,
)
op(
    "nn.functional.conv_transpose3d",
    lambda T, x, w, b: functional(T).conv_transpose3d(
        x, w, b, stride=(1, 2, 1), padding=(0, 1, 0), output_padding=(0, 1, 0)
    ),
    _conv_transpose_shapes(3).filter(lambda s: all(v <= 3 for v in s[0][2:])),
    node="ConvolutionBackward0",
    reduction=_conv_transpose_red,
    dtypes=WIDE_FLOAT_DTYPES,
)


# ------------------------------------------------------------------------ embedding, distances


def _rows(n_inputs: int, same_rows: bool = False, batch: bool = False):
    """``n_inputs`` matrices (rows, features) with the same number of features."""

    def build(t):
        b, m, rows = t[0], t[1], t[2:]
        lead = (b,) if batch else ()
        return tuple(lead + ((rows[0] if same_rows else r), m) for r in rows[:n_inputs])

    return st.tuples(
        st.integers(1, 2), st.integers(1, 4), *[st.integers(1, 4) for _ in range(n_inputs)]
    ).map(build)


def _features(shapes) -> int:
    return shapes[0][-1]


def _near_rows(values) -> float:
    """``intermediates`` of the distance ops: their second derivatives are quotients by the
    distance (d/||d|| differentiated), terms of |cotangent| * |weight| / ||d|| (about 9 /
    ||d||) that cancel where the derivative is small, so two close rows round at that size."""
    rows = [np.asarray(v, dtype=np.float64).reshape(-1, np.shape(v)[-1]) for v in values[:2]]
    a, b = rows[0], rows[-1]
    return over_smallest(9.0, np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)))


for _p, _suffix in ((2.0, ""), (1.0, ".p1"), (3.0, ".p3")):
    op(
        f"cdist{_suffix}",
        lambda T, a, b, p=_p: T.cdist(a, b, p=p),
        _rows(2, batch=_p == 2.0),
        node="CdistBackward0",
        reduction=_features,
        dtypes=WIDE_FLOAT_DTYPES,
        scale=10.0,
        intermediates=_near_rows,
        note="distances between distinct drawn rows are kept away from 0 by the values",
    )
op(
    "cdist.mm",
    lambda T, a, b: T.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
    _rows(2),
    node="ViewBackward0",
    reduction=_features,
    dtypes=("float64",),
    scale=10.0,
    note="the matrix-product form (torch's _euclidean_dist) then a view; float64 only: the "
    "form cancels |a|^2 + |b|^2 - 2ab, whose float32 error is beyond any rounding count",
)
op(
    "nn.functional.pdist",
    lambda T, a: functional(T).pdist(a),
    _rows(1),
    node="PdistBackward0",
    reduction=_features,
    dtypes=WIDE_FLOAT_DTYPES,
    intermediates=_near_rows,
)
op(
    "nn.functional.pdist.p1",
    lambda T, a: functional(T).pdist(a, p=1.0),
    _rows(1),
    node="PdistBackward0",
    reduction=_features,
    dtypes=WIDE_FLOAT_DTYPES,
    intermediates=_near_rows,
)
op(  # p = 2, 1 and inf: records/reductions.py
    "dist.p1.5",
    lambda T, a, b: T.dist(a, b, p=1.5),
    _rows(2, same_rows=True),
    node="DistBackward0",
    reduction=numel_of_first,
)
op(
    "nn.functional.pairwise_distance",
    lambda T, a, b: functional(T).pairwise_distance(a, b),
    _rows(2, same_rows=True),
    node="NormBackward1",
    reduction=_features,
)


def _lookups(rng, shapes):
    num = shapes[0][0]
    return {"indices": rng.integers(0, num, (int(rng.integers(1, 3)), int(rng.integers(1, 4))))}


op(
    "nn.functional.embedding",
    lambda T, w, **k: functional(T).embedding(k["indices"], w),
    st.tuples(st.integers(1, 5), st.integers(1, 4)).map(lambda t: (t,)),
    node="EmbeddingBackward0",
    aux=_lookups,
    reduction=lambda s: 6,
)
