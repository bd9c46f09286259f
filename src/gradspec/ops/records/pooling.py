"""The op table's records: pooling and resampling (max/avg/adaptive/lp pooling, interpolate,
circular padding)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.inputs import WIDE_FLOAT_DTYPES
from gradspec.ops.opinfo import functional
from gradspec.ops.records._build import op


def _images(n: int, min_side: int = 1, max_side: int = 5, batched=None):
    """One input of shape (N, C, *spatial) or (C, *spatial), ``n`` spatial dims."""

    def build(t):
        b, c, sp, with_batch = t
        return (((b, c) if with_batch else (c,)) + tuple(sp),)

    return st.tuples(
        st.integers(1, 2),
        st.integers(1, 2),
        st.lists(st.integers(min_side, max_side), min_size=n, max_size=n),
        st.booleans() if batched is None else batched,
    ).map(build)


def _window(shapes):
    return 4


#: torch 2.2 has no float16 CPU kernel for average pooling, reflect/replicate padding and
#: nearest upsampling by a scale
NO_HALF = ("float64", "float32", "bfloat16")


def _pool(name, call, shapes, node, **kw):
    kw.setdefault("reduction", _window)
    return op(name, call, shapes, node=node, **kw)


# ----------------------------------------------------------------------------------- max pooling

_pool(
    "nn.functional.max_pool2d",
    lambda T, x: functional(T).max_pool2d(x, 2, stride=1),
    _images(2, min_side=2),
    "MaxPool2DWithIndicesBackward0",
)
_pool(
    "nn.functional.max_pool2d.pad-ceil",
    lambda T, x: functional(T).max_pool2d(x, (2, 3), stride=2, padding=1, ceil_mode=True),
    _images(2, min_side=3),
    "MaxPool2DWithIndicesBackward0",
)
_pool(
    "nn.functional.max_pool2d.dilation-indices",
    lambda T, x: functional(T).max_pool2d(x, 2, dilation=2, return_indices=True),
    _images(2, min_side=3),
    "MaxPool2DWithIndicesBackward0",
)
_pool(
    "nn.functional.max_pool1d",
    lambda T, x: functional(T).max_pool1d(x, 3, stride=2, padding=1, return_indices=True),
    _images(1, min_side=2, max_side=7),
    None,
    note="torch's 1-d pooling is its 2-d pooling squeezed (SqueezeBackward1 in batched form)",
)
_pool(
    "nn.functional.max_pool3d",
    lambda T, x: functional(T).max_pool3d(x, 2, stride=(1, 2, 1), padding=1, return_indices=True),
    _images(3, min_side=1, max_side=3),
    "MaxPool3DWithIndicesBackward0",
    dtypes=("float64", "float32"),
)
_pool(
    "nn.functional.avg_pool3d",
    lambda T, x: functional(T).avg_pool3d(x, 2, stride=1, padding=1, count_include_pad=False),
    _images(3, min_side=2, max_side=3),
    "AvgPool3DBackward0",
    dtypes=("float64", "float32"),
)
_pool(
    "nn.functional.adaptive_avg_pool3d",
    lambda T, x: functional(T).adaptive_avg_pool3d(x, (2, 1, 3)),
    _images(3, min_side=1, max_side=3),
    "AdaptiveAvgPool3DBackward0",
    dtypes=("float64", "float32"),
)
_pool(
    "nn.functional.adaptive_max_pool3d",
    lambda T, x: functional(T).adaptive_max_pool3d(x, (2, 1, 3)),
    _images(3, min_side=1, max_side=3),
    "AdaptiveMaxPool3DBackward0",
    dtypes=("float64", "float32"),
)
# ------------------------------------------------------------------------------- average pooling
_pool(
    "nn.functional.avg_pool2d",
    lambda T, x: functional(T).avg_pool2d(x, 2, stride=1),
    _images(2, min_side=2),
    "AvgPool2DBackward0",
    dtypes=NO_HALF,
)
_pool(
    "nn.functional.avg_pool2d.pad-ceil",
    lambda T, x: functional(T).avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    _images(2, min_side=2),
    "AvgPool2DBackward0",
    dtypes=NO_HALF,
)
_pool(
    "nn.functional.avg_pool2d.exclude-pad",
    lambda T, x: functional(T).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    _images(2, min_side=2),
    "AvgPool2DBackward0",
    dtypes=NO_HALF,
)
_pool(
    "nn.functional.avg_pool2d.divisor",
    lambda T, x: functional(T).avg_pool2d(x, 2, padding=1, divisor_override=3),
    _images(2, min_side=2),
    "AvgPool2DBackward0",
    dtypes=NO_HALF,
)
_pool(
    "nn.functional.avg_pool1d",
    lambda T, x: functional(T).avg_pool1d(x, 3, stride=2, padding=1),
    _images(1, min_side=2, max_side=7),
    None,
    note="torch's 1-d pooling is its 2-d pooling squeezed",
    dtypes=NO_HALF,
)
_pool(
    "nn.functional.lp_pool2d",
    lambda T, x: functional(T).lp_pool2d(x, 2.0, 2),
    _images(2, min_side=2),
    "PowBackward0",
    bounds=((0.5, 2.0),),
    dtypes=NO_HALF,
)
_pool(
    "nn.functional.lp_pool1d",
    lambda T, x: functional(T).lp_pool1d(x, 3.0, 2),
    _images(1, min_side=2, max_side=7),
    "PowBackward0",
    bounds=((0.5, 2.0),),
    dtypes=NO_HALF,
)
# ------------------------------------------------------------------------------ adaptive pooling
_pool(
    "nn.functional.adaptive_avg_pool2d",
    lambda T, x: functional(T).adaptive_avg_pool2d(x, (2, 3)),
    _images(2, min_side=1),
    "AdaptiveAvgPool2DBackward0",
)
_pool(
    "nn.functional.adaptive_avg_pool2d.one",
    lambda T, x: functional(T).adaptive_avg_pool2d(x, 1),
    _images(2, min_side=1),
    "MeanBackward1",
)
_pool(
    "nn.functional.adaptive_avg_pool1d",
    lambda T, x: functional(T).adaptive_avg_pool1d(x, 3),
    _images(1, min_side=1, max_side=7),
    None,
    note="torch's 1-d pooling is its 2-d pooling squeezed",
)
_pool(
    "nn.functional.adaptive_max_pool2d",
    lambda T, x: functional(T).adaptive_max_pool2d(x, (2, 3), return_indices=True),
    _images(2, min_side=1),
    "AdaptiveMaxPool2DBackward0",
)
_pool(
    "nn.functional.adaptive_max_pool1d",
    lambda T, x: functional(T).adaptive_max_pool1d(x, 3),
    _images(1, min_side=1, max_side=7),
    None,
    note="torch's 1-d pooling is its 2-d pooling squeezed",
)
# --------------------------------------------------------------------------------- interpolation
for _mode, _n, _node in (
    ("nearest", 1, "UpsampleNearest1DBackward0"),
    ("nearest", 2, "UpsampleNearest2DBackward0"),
    ("nearest-exact", 1, "UpsampleNearestExact1DBackward0"),
    ("nearest-exact", 2, "UpsampleNearestExact2DBackward0"),
    ("nearest", 3, "UpsampleNearest3DBackward0"),
    ("nearest-exact", 3, "UpsampleNearestExact3DBackward0"),
    ("trilinear", 3, "UpsampleTrilinear3DBackward0"),
    ("linear", 1, "UpsampleLinear1DBackward0"),
    ("bilinear", 2, "UpsampleBilinear2DBackward0"),
):
    _sizes = {1: (7,), 2: (3, 7), 3: (2, 3, 5)}[_n]
    _ac = (None,) if _mode.startswith("nearest") else (False, True)
    for _align in _ac:
        _suffix = {None: "", False: "", True: ".align_corners"}[_align]
        _pool(
            f"nn.functional.interpolate.{_mode}{_n}d{_suffix}",
            lambda T, x, m=_mode, s=_sizes, a=_align: functional(T).interpolate(
                x, size=s, mode=m, align_corners=a
            ),
            _images(_n, min_side=1, max_side=4 if _n < 3 else 3, batched=st.just(True)),
            _node,
            dtypes=WIDE_FLOAT_DTYPES,
        )
_pool(
    "nn.functional.interpolate.nearest2d.scale",
    lambda T, x: functional(T).interpolate(x, scale_factor=2.0, mode="nearest"),
    _images(2, min_side=1, max_side=4, batched=st.just(True)),
    "UpsampleNearest2DBackward0",
    dtypes=NO_HALF,
)
_pool(
    "nn.functional.interpolate.bilinear2d.scale",
    lambda T, x: functional(T).interpolate(x, scale_factor=1.5, mode="bilinear"),
    _images(2, min_side=1, max_side=4, batched=st.just(True)),
    "UpsampleBilinear2DBackward0",
    dtypes=WIDE_FLOAT_DTYPES,
)
_pool(
    "nn.functional.interpolate.area",
    lambda T, x: functional(T).interpolate(x, size=(2, 3), mode="area"),
    _images(2, min_side=1, max_side=5, batched=st.just(True)),
    "AdaptiveAvgPool2DBackward0",
)
# --------------------------------------------------------------------------------------- padding
# reflect and replicate padding, pixel (un)shuffle: records/shape.py
_pool(
    "nn.functional.pad.circular2d",
    lambda T, x: functional(T).pad(x, (1, 2, 2, 0), mode="circular"),
    _images(2, min_side=2, max_side=4),
    "torch::autograd::CopySlices",
    note="torch's circular pad is a composite of copies into an empty tensor",
)
# ------------------------------------------------------------------------------ sliding blocks
_pool(
    "nn.functional.unfold",
    lambda T, x: functional(T).unfold(x, 2, padding=1, stride=(1, 2)),
    _images(2, min_side=1, max_side=4),
    "Im2ColBackward0",
    reduction=lambda shapes: 1,
)
_pool(
    "nn.functional.unfold.dilation",
    lambda T, x: functional(T).unfold(x, (2, 1), dilation=2),
    _images(2, min_side=3, max_side=5, batched=st.just(True)),
    "Im2ColBackward0",
    reduction=lambda shapes: 1,
)


def _columns(shapes_of_images):
    """Columns of 2x2 blocks (stride 1, no padding) of an image whose width is 3: (N, C*4, L)
    or (C*4, L) with L = 2 * (height - 1)."""

    def build(s):
        (shape,) = s
        *lead, c, h, _ = shape
        return (tuple(lead) + (c * 4, 2 * (h - 1)),)

    return shapes_of_images.map(build)


_pool(
    "nn.functional.fold",
    lambda T, x: functional(T).fold(x, (x.shape[-1] // 2 + 1, 3), 2),
    _columns(_images(2, min_side=2, max_side=4)),
    "Col2ImBackward0",
    reduction=lambda shapes: 4,
    note="each output element sums the block elements that cover it (up to 4)",
)
# ---------------------------------------------------------------------------------- unpooling

#: torch 2.2 has no float16 or bfloat16 CPU kernel for max unpooling
UNPOOL_DTYPES = ("float64", "float32")


def _window_argmax_aux(n: int):
    """Indices as max pooling with kernel 2 and stride 2 returns them: in each window of the
    (2x larger) output, one drawn position (so the indices are distinct)."""

    def aux(rng, shapes):
        shape = shapes[0]
        spatial = shape[-n:]
        out = tuple(2 * s for s in spatial)
        grids = np.meshgrid(*[np.arange(s) for s in spatial], indexing="ij")
        lead = shape[:-n]
        flat = np.zeros(tuple(lead) + tuple(spatial), np.int64)
        stride = 1
        for d in range(n - 1, -1, -1):
            pos = 2 * grids[d] + rng.integers(0, 2, tuple(lead) + tuple(spatial))
            flat = flat + pos * stride
            stride *= out[d]
        return {"indices": flat}

    return aux


_pool(
    "nn.functional.max_unpool2d",
    lambda T, x, **k: functional(T).max_unpool2d(x, k["indices"], 2),
    _images(2, min_side=1, max_side=3),
    "MaxUnpool2DBackward0",
    reduction=lambda shapes: 1,
    aux=_window_argmax_aux(2),
    dtypes=UNPOOL_DTYPES,
)
_pool(
    "nn.functional.max_unpool3d",
    lambda T, x, **k: functional(T).max_unpool3d(x, k["indices"], 2),
    _images(3, min_side=1, max_side=2),
    "MaxUnpool3DBackward0",
    reduction=lambda shapes: 1,
    aux=_window_argmax_aux(3),
    dtypes=UNPOOL_DTYPES,
)
_pool(
    "nn.functional.max_unpool1d.output-size",
    lambda T, x, **k: functional(T).max_unpool1d(
        x, k["indices"], 2, output_size=(2 * x.shape[-1] + 1,)
    ),
    _images(1, min_side=1, max_side=4, batched=st.just(True)),
    "SqueezeBackward1",
    reduction=lambda shapes: 1,
    aux=_window_argmax_aux(1),
    dtypes=UNPOOL_DTYPES,
)
