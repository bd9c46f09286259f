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
