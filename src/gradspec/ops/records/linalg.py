"""The op table's records: linear algebra."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from gradspec.inputs import shapes as input_shapes
from gradspec.ops.opinfo import (
    fixed,
    functional,
    numel_of_first,
    signature_shapes,
    unary_shapes,
)
from gradspec.ops.records._build import FLOAT_AND_COMPLEX, op

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
