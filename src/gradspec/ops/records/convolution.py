"""The op table's records: convolution."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.inputs import WIDE_FLOAT_DTYPES
from gradspec.ops.opinfo import (
    functional,
)
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
