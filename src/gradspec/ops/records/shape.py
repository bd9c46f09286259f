"""The op table's records: shape and indexing."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.ops.opinfo import (
    fixed,
    functional,
    index_aux,
    same_shapes,
    unary_shapes,
)
from gradspec.ops.records._build import FLOAT_AND_COMPLEX, op

# ---------------------------------------------------------------------------- shape and indexing


def _along_last_aux(rng, shapes):
    """Indices along the last dim for take_along_dim: other dims 1 or the input's (broadcast)."""
    shape = shapes[0]
    ishape = tuple(int(rng.choice([1, k])) for k in shape[:-1]) + (int(rng.integers(1, 4)),)
    return {"index": rng.integers(0, shape[-1], ishape)}


def _numel(shape) -> int:
    n = 1
    for k in shape:
        n *= k
    return n


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
    aux=_along_last_aux,
    note="the indices broadcast against the input in the other dims",
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
op("roll", lambda T, x: x.roll(1, -1) if x.dim() else x.roll(1), node="RollBackward0")
op(
    "roll.dims",
    lambda T, x: T.roll(x, (2, -1), (0, 1)),
    unary_shapes(min_dims=2),
    node="RollBackward0",
)
op("roll.flat", lambda T, x: T.roll(x, 3), node="RollBackward0")
op("rot90", lambda T, x: T.rot90(x), unary_shapes(min_dims=2), node="Rot90Backward0")
op(
    "rot90.k3-dims",
    lambda T, x: x.rot90(3, (-1, 0)),
    unary_shapes(min_dims=2),
    node="Rot90Backward0",
)
op("tile", lambda T, x: T.tile(x, (2, 1)), node="RepeatBackward0", reduction=lambda s: 2)
op(
    "repeat_interleave",
    lambda T, x: T.repeat_interleave(x, 2, dim=-1) if x.dim() else x.repeat_interleave(2),
    node="ViewBackward0",
    reduction=lambda s: 2,
    note="torch composes it: unsqueeze, expand, clone, view",
)
op(
    "movedim",
    lambda T, x: T.movedim(x, 0, -1),
    unary_shapes(min_dims=1),
    node="PermuteBackward0",
)
op(
    "diagonal",
    lambda T, x: x.diagonal(),
    unary_shapes(min_dims=2),
    node="DiagonalBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "diagonal.offset-dims",
    lambda T, x: T.diagonal(x, -1, 2, 0),
    unary_shapes(min_dims=3),
    node="DiagonalBackward0",
)
op("diag_embed", lambda T, x: T.diag_embed(x), unary_shapes(min_dims=1), node="DiagEmbedBackward0")
op(
    "diag_embed.offset",
    lambda T, x: T.diag_embed(x, 1, 0, 2),
    unary_shapes(min_dims=2),
    node="DiagEmbedBackward0",
)
op(
    "diag",
    lambda T, x: T.diag(x, -1),
    unary_shapes(min_dims=1, max_dims=1),
    node="DiagEmbedBackward0",
)
op(
    "diag.matrix",
    lambda T, x: T.diag(x, 1),
    unary_shapes(min_dims=2, max_dims=2),
    node="DiagonalBackward0_copy",
)
op(
    "diagonal_scatter",
    lambda T, x, s: T.diagonal_scatter(x, s, 1),
    unary_shapes(min_dims=2, max_dims=2).map(
        lambda s: (s[0], (max(min(s[0][0], s[0][1] - 1), 0),))
    ),
    node="DiagonalScatterBackward0",
)
op(
    "select_scatter",
    lambda T, x, s: T.select_scatter(x, s, 0, -1),
    unary_shapes(min_dims=1, min_side=1).map(lambda s: (s[0], s[0][1:])),
    node="SelectScatterBackward0",
)
op(
    "slice_scatter",
    lambda T, x, s: T.slice_scatter(x, s, -1, 1, None, 2),
    unary_shapes(min_dims=1).map(lambda s: (s[0], s[0][:-1] + (len(range(1, s[0][-1], 2)),))),
    node="SliceScatterBackward0",
)
op(
    "unfold",
    lambda T, x: x.unfold(-1, min(2, x.shape[-1]), 1),
    unary_shapes(min_dims=1),
    node="UnfoldBackward0",
    reduction=lambda s: 2,
    note="overlapping windows: the gradient adds up",
)
op(
    "unfold.step",
    lambda T, x: x.unfold(0, 1, 2),
    unary_shapes(min_dims=1, min_side=1),
    node="UnfoldBackward0",
)
op("hstack", lambda T, a, b: T.hstack([a, b]), same_shapes(2, min_dims=1), node="CatBackward0")
op(
    "vstack",
    lambda T, a, b: T.vstack((a, b)),
    same_shapes(2, min_dims=2),
    node="CatBackward0",
)
op(
    "take",
    lambda T, x, **k: T.take(x, k["index"]),
    unary_shapes(min_side=1),
    node="TakeBackward0",
    aux=lambda rng, s: {"index": rng.integers(-_numel(s[0]), _numel(s[0]), (2, 3))},
    note="repeated indices accumulate",
)
op(
    "take_along_dim",
    lambda T, x, **k: T.take_along_dim(x, k["index"], -1),
    unary_shapes(min_dims=1, min_side=1),
    node="GatherBackward0",
    aux=_along_last_aux,
    note="the indices broadcast against the input in the other dims",
)
op(
    "index_copy",
    lambda T, x, s, **k: x.index_copy(0, k["index"], s),
    st.tuples(st.integers(1, 4), st.integers(0, 4), st.integers(0, 4)).map(
        lambda t: ((t[0], t[1]), (min(t[2], t[0]), t[1]))
    ),
    node="IndexCopyBackward0",
    aux=lambda rng, s: {"index": rng.permutation(s[0][0])[: s[1][0]]},
    note="distinct indices (torch leaves the winner of repeated copies unspecified)",
)
op(
    "masked_scatter",
    lambda T, x, s, **k: x.masked_scatter(k["mask"], s),
    unary_shapes().map(lambda s: (s[0], (_numel(s[0]) + 1,))),
    node="MaskedScatterBackward0",
    aux=index_aux("mask"),
)
op(
    "put.accumulate",
    lambda T, x, s, **k: x.put(k["index"], s, accumulate=True),
    unary_shapes(min_side=1).map(lambda s: (s[0], (4,))),
    node="PutBackward0",
    aux=lambda rng, s: {"index": rng.integers(0, _numel(s[0]), 4)},
)
op(
    "put",
    lambda T, x, s, **k: x.put(k["index"], s),
    unary_shapes(min_side=1).map(lambda s: (s[0], (min(2, _numel(s[0])),))),
    node="PutBackward0",
    aux=lambda rng, s: {"index": rng.permutation(_numel(s[0]))[: min(2, _numel(s[0]))]},
)
op(
    "index_put.accumulate",
    lambda T, x, v, **k: x.index_put((k["index"],), v, accumulate=True),
    unary_shapes(min_dims=1, min_side=1).map(lambda s: (s[0], s[0][1:])),
    node="IndexPutBackward0",
    aux=lambda rng, s: {"index": rng.integers(0, s[0][0], 3)},
    note="repeated rows accumulate; the values broadcast over the index",
)
op(
    "index_put",
    lambda T, x, v, **k: T.index_put(x, (k["index"],), v),
    unary_shapes(min_dims=1, min_side=1).map(lambda s: (s[0], (1,) + s[0][1:])),
    node="IndexPutBackward0",
    aux=lambda rng, s: {"index": rng.permutation(s[0][0])[:2]},
)
op(
    "index_add",
    lambda T, x, s, **k: x.index_add(0, k["index"], s, alpha=2.0),
    st.tuples(st.integers(1, 4), st.integers(0, 4), st.integers(0, 5)).map(
        lambda t: ((t[0], t[1]), (t[2], t[1]))
    ),
    node="IndexAddBackward0",
    aux=lambda rng, s: {"index": rng.integers(0, s[0][0], s[1][0])},
    note="repeated indices accumulate",
)
op(
    "index_fill",
    lambda T, x, **k: x.index_fill(-1, k["index"], -1.5),
    unary_shapes(min_dims=1, min_side=1),
    node="IndexFillBackward0",
    aux=lambda rng, s: {"index": rng.integers(0, s[0][-1], 3)},
)
op(
    "view_as_real",
    lambda T, x: T.view_as_real(x),
    unary_shapes(min_side=1),
    node="ViewAsRealBackward0",
    note="non-empty: torch's backward refuses an empty complex gradient's strides",
    dtypes=("complex64", "complex128"),
)
op(
    "view_as_complex",
    # a fresh contiguous copy: x.contiguous() keeps the odd stride of a dimension of size 1,
    # which torch < 2.11 refuses (ops.errors.view-as-complex-size-one-odd-stride)
    lambda T, x: T.view_as_complex(x.clone(memory_format=T.contiguous_format)),
    unary_shapes(min_dims=1, max_dims=2, min_side=1).map(lambda s: (s[0] + (2,),)),
    node="ViewAsComplexBackward0",
    dtypes=("float32", "float64"),
)
op(
    "narrow_copy",
    lambda T, x: T.narrow_copy(x, -1, 1, x.shape[-1] - 1),
    unary_shapes(min_dims=1, min_side=1),
    node="NarrowCopyBackward0",
)
op(
    "block_diag",
    lambda T, a, b, c: T.block_diag(a, b, c),
    st.tuples(
        unary_shapes(min_dims=2, max_dims=2, min_side=1),
        unary_shapes(max_dims=1, min_side=1),
        unary_shapes(max_dims=0),
    ).map(lambda t: (t[0][0], t[1][0], t[2][0])),
    node="BlockDiagBackward0",
)
op(
    "as_strided",
    # a fresh copy: the storage offset is absolute, and x.contiguous() of an ``offset`` input
    # keeps its place in a larger buffer, where the view would read the elements before x
    lambda T, x: x.clone(memory_format=T.contiguous_format).as_strided((2, 2), (1, 2), 1),
    unary_shapes(min_dims=2, max_dims=2, min_side=3),
    node="AsStridedBackward0",
    note="overlapping windows of the contiguous input: the gradient adds up",
    reduction=lambda s: 2,
)
op(
    "as_strided_scatter",
    lambda T, x, s: T.as_strided_scatter(
        x.clone(memory_format=T.contiguous_format), s, (2, 2), (1, 2), 1
    ),
    unary_shapes(min_dims=2, max_dims=2, min_side=3).map(lambda s: (s[0], (2, 2))),
    node="AsStridedScatterBackward0",
)
op(
    "pixel_shuffle",
    lambda T, x: T.pixel_shuffle(x, 2),
    st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)).map(
        lambda t: ((t[0], 4 * t[1], t[2], t[3]),)
    ),
    node="PixelShuffleBackward0",
)
op(
    "pixel_unshuffle",
    lambda T, x: functional(T).pixel_unshuffle(x, 2),
    st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2)).map(
        lambda t: ((t[0], 2 * t[1], 2 * t[2]),)
    ),
    note="non-empty: torch's pixel_unshuffle of an empty image keeps the channel count",
    node="PixelUnshuffleBackward0",
)
op(
    "channel_shuffle",
    lambda T, x: T.channel_shuffle(x, 2),
    st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(0, 3)).map(
        lambda t: ((t[0], 2 * t[1], t[2]),)
    ),
    node="ChannelShuffleBackward0",
)
for _mode, _name in (("reflect", "ReflectionPad"), ("replicate", "ReplicationPad")):
    op(
        f"nn.functional.pad.{_mode}1d",
        (lambda m: lambda T, x: functional(T).pad(x, (2, 1), mode=m))(_mode),
        unary_shapes(min_dims=2, max_dims=3, min_side=3),
        node=f"{_name}1DBackward0",
        reduction=lambda s: 3,
    )
    op(
        f"nn.functional.pad.{_mode}2d",
        (lambda m: lambda T, x: functional(T).pad(x, (1, 0, 2, 1), mode=m))(_mode),
        unary_shapes(min_dims=3, max_dims=4, min_side=3),
        node=f"{_name}2DBackward0",
        reduction=lambda s: 9,
    )
    op(
        f"nn.functional.pad.{_mode}3d",
        (lambda m: lambda T, x: functional(T).pad(x, (1, 1, 0, 1, 1, 0), mode=m))(_mode),
        unary_shapes(min_dims=4, max_dims=5, min_side=2, max_side=3),
        node=f"{_name}3DBackward0",
        reduction=lambda s: 8,
    )
