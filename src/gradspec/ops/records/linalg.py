"""The op table's records: linear algebra."""

from __future__ import annotations

import numpy as np
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

# ------------------------------------------------------------- products with a scaled input

_DIMS = st.integers(0, 3)
op(
    "addmm",
    lambda T, b, m1, m2: T.addmm(b, m1, m2),
    st.tuples(_DIMS, st.integers(1, 3), _DIMS, st.booleans()).map(
        lambda t: ((t[2],) if t[3] else (t[0], t[2]), (t[0], t[1]), (t[1], t[2]))
    ),
    node="AddmmBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: s[1][1],
)
op(
    "addmm.beta-alpha",
    lambda T, b, m1, m2: T.addmm(b, m1, m2, beta=0.5, alpha=-2.0),
    st.tuples(_DIMS, st.integers(1, 3), _DIMS).map(
        lambda t: ((t[0], t[2]), (t[0], t[1]), (t[1], t[2]))
    ),
    node="AddmmBackward0",
    reduction=lambda s: s[1][1],
    scale=2.0,
)
op(
    "addmv",
    lambda T, b, m, v: T.addmv(b, m, v),
    st.tuples(_DIMS, st.integers(1, 4), st.booleans()).map(
        lambda t: ((1,) if t[2] and t[0] else (t[0],), (t[0], t[1]), (t[1],))
    ),
    node="AddmvBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: s[2][0],
    note="a one-element input broadcasts; torch accepts one next to an empty matrix too, but "
    "then gives a result of the input's size and its backward raises: not drawn",
)
op(
    "addmv.beta-alpha",
    lambda T, b, m, v: T.addmv(b, m, v, beta=2.0, alpha=0.5),
    st.tuples(_DIMS, st.integers(1, 4)).map(lambda t: ((t[0],), (t[0], t[1]), (t[1],))),
    node="AddmvBackward0",
    reduction=lambda s: s[2][0],
    scale=2.0,
)
op(
    "addmv.beta-zero",
    lambda T, b, m, v: T.addmv(b, m, v, beta=0.0),
    st.tuples(_DIMS, st.integers(1, 4)).map(lambda t: ((t[0],), (t[0], t[1]), (t[1],))),
    node="AddmvBackward0",
    reduction=lambda s: s[2][0],
    note="beta=0 ignores the input's values (NaN and inf included); its gradient is g * 0",
)
op(
    "addr",
    lambda T, b, u, v: T.addr(b, u, v),
    st.tuples(_DIMS, _DIMS, st.booleans()).map(
        lambda t: ((t[1],) if t[2] else (t[0], t[1]), (t[0],), (t[1],))
    ),
    node="AddrBackward0",
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "addr.beta-alpha",
    lambda T, b, u, v: T.addr(b, u, v, beta=-1.5, alpha=0.5),
    st.tuples(_DIMS, _DIMS).map(lambda t: ((t[0], t[1]), (t[0],), (t[1],))),
    node="AddrBackward0",
    scale=2.0,
)
_BATCHED = st.tuples(_DIMS, st.integers(0, 3), st.integers(1, 3), _DIMS)
op(
    "baddbmm",
    lambda T, b, p, q: T.baddbmm(b, p, q),
    _BATCHED.map(lambda t: ((t[0], t[1], t[3]), (t[0], t[1], t[2]), (t[0], t[2], t[3]))),
    node="BaddbmmBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: s[1][2],
)
op(
    "baddbmm.broadcast-beta-alpha",
    lambda T, b, p, q: T.baddbmm(b, p, q, beta=0.5, alpha=2.0),
    _BATCHED.map(lambda t: ((t[3],), (t[0], t[1], t[2]), (t[0], t[2], t[3]))),
    node="BaddbmmBackward0",
    reduction=lambda s: s[1][2],
    scale=2.0,
)
op(
    "addbmm",
    lambda T, b, p, q: T.addbmm(b, p, q),
    _BATCHED.map(lambda t: ((t[1], t[3]), (t[0], t[1], t[2]), (t[0], t[2], t[3]))),
    node="AddbmmBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: s[1][0] * s[1][2],
)
op(
    "addbmm.broadcast-beta-alpha",
    lambda T, b, p, q: T.addbmm(b, p, q, beta=-1.0, alpha=0.5),
    _BATCHED.map(lambda t: ((1, t[3]), (t[0], t[1], t[2]), (t[0], t[2], t[3]))),
    node="AddbmmBackward0",
    reduction=lambda s: s[1][0] * s[1][2],
)
op(
    "vdot",
    lambda T, a, b: T.vdot(a, b),
    signature_shapes("(k),(k)->()", max_dims=0, min_side=0),
    node="VdotBackward0",
    reduction=lambda s: s[0][0],
    dtypes=FLOAT_AND_COMPLEX,
)
op(
    "trace",
    lambda T, a: T.trace(a),
    unary_shapes(min_dims=2, max_dims=2),
    node="TraceBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    note="torch 2.2's CPU trace has no float16 kernel (an expected difference there)",
    reduction=lambda s: min(s[0]),
)


#: two broadcastable shapes of the same rank (a dim of size 3 is put in by each record)
_CROSS = (
    mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3)
    .map(lambda r: tuple(r.input_shapes))
    .filter(lambda t: len(t[0]) == len(t[1]) >= 1)
)
op(
    "linalg.cross",
    lambda T, a, b: T.linalg.cross(a, b),
    _CROSS.map(lambda t: ((*t[0][:-1], 3), (*t[1][:-1], 3))),
    node="LinalgCrossBackward0",
    dtypes=FLOAT_AND_COMPLEX,
    reduction=lambda s: 2,
)
op(
    "cross.dim0",
    lambda T, a, b: T.cross(a, b, dim=0),
    _CROSS.map(lambda t: ((3, *t[0][1:]), (3, *t[1][1:]))),
    node="LinalgCrossBackward0",
    reduction=lambda s: 2,
)

# ------------------------------------------------------------------- square-matrix functions
# The inputs are drawn in [-1, 1] and shifted by (2n + 1) on the diagonal (inside the call, so
# that the node of the result is the op's): strictly diagonally dominant, so invertible and well
# conditioned; torch's and gradref's derivatives of singular matrices are outside the records.

#: the real and complex dtypes LAPACK's routines take (no float16 or bfloat16 on CPU)
LAPACK_DTYPES = ("float64", "float32", "complex128", "complex64")
#: (an optional batch dim and) a square matrix; no empty batch: torch's first-order gradient of
#: an empty batch of determinants does not require grad, gradref's does (not mirrored)
_SQUARE = st.tuples(
    input_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2), st.integers(1, 4)
).map(lambda t: ((*t[0], t[1], t[1]),))


def _dominant(T, a, sign=1.0):
    n = a.shape[-1]
    return a + sign * (2 * n + 1) * T.eye(n, dtype=a.dtype)


def _spd(T, a):
    """A Hermitian positive-definite matrix from ``a``: its Hermitian part shifted by (2n + 1)
    on the diagonal (diagonally dominant; no matrix product, whose batched graph is torch's
    implementation detail)."""
    return _dominant(T, (a + a.transpose(-2, -1).conj()) * 0.5)


def _det_terms(sign: float = 1.0):
    """``intermediates`` of det on the shifted matrices: its derivatives sum terms of about
    |det| * |inv(A)| * |tangent| (n of them, tangents up to about 3) that cancel down to the
    result, so a float32 LU rounds at that size."""

    def estimate(values) -> float:
        a = np.asarray(values[0], dtype=np.complex128)
        n = a.shape[-1]
        m = a + sign * (2 * n + 1) * np.eye(n)
        try:
            with np.errstate(all="ignore"):
                det, inv = np.abs(np.linalg.det(m)), np.abs(np.linalg.inv(m))
        except np.linalg.LinAlgError:  # singular: no estimate
            return float("inf")
        return float(np.max(det * inv.max(axis=(-2, -1)))) * 3.0 * n

    return estimate


_UNIT = ((-1.0, 1.0),)
op(
    "linalg.det",
    lambda T, a: T.linalg.det(_dominant(T, a)),
    _SQUARE,
    bounds=_UNIT,
    node="LinalgDetBackward0",
    dtypes=LAPACK_DTYPES,
    reduction=lambda s: s[0][-1],
    scale=10.0,
    intermediates=_det_terms(),
)
op(
    "det.negative",
    lambda T, a: T.det(_dominant(T, a, -1.0)),
    _SQUARE,
    bounds=_UNIT,
    node="LinalgDetBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1],
    scale=10.0,
    intermediates=_det_terms(-1.0),
)
op(
    "linalg.slogdet",
    lambda T, a: T.linalg.slogdet(_dominant(T, a, -1.0)).logabsdet,
    _SQUARE,
    bounds=_UNIT,
    node="LinalgSlogdetBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1],
)
op(
    "linalg.inv",
    lambda T, a: T.linalg.inv(_dominant(T, a)),
    _SQUARE,
    bounds=_UNIT,
    node="LinalgInvExBackward0",
    dtypes=LAPACK_DTYPES,
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "inverse",
    lambda T, a: T.inverse(_dominant(T, a, -1.0)),
    _SQUARE,
    bounds=_UNIT,
    node="LinalgInvExBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "linalg.solve",
    lambda T, a, b: T.linalg.solve(_dominant(T, a), b),
    st.tuples(_SQUARE, st.integers(0, 3)).map(lambda t: (t[0][0], (*t[0][0][:-1], t[1]))),
    bounds=_UNIT,
    node="LinalgSolveExBackward0",
    dtypes=LAPACK_DTYPES,
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "linalg.solve.vector",
    lambda T, a, b: T.linalg.solve(_dominant(T, a), b),
    _SQUARE.map(lambda s: (s[0], s[0][-1:])),
    bounds=_UNIT,
    node="LinalgSolveExBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "linalg.solve.batch-broadcast",
    lambda T, a, b: T.linalg.solve(_dominant(T, a), b),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2)).map(
        lambda t: ((t[1], t[1]), (t[0], t[1], t[2]))
    ),
    bounds=_UNIT,
    node="LinalgSolveExBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "linalg.cholesky",
    lambda T, a: T.linalg.cholesky(_spd(T, a)),
    _SQUARE,
    bounds=_UNIT,
    node="LinalgCholeskyExBackward0",
    dtypes=LAPACK_DTYPES,
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "linalg.cholesky.upper",
    lambda T, a: T.linalg.cholesky(_spd(T, a), upper=True),
    _SQUARE,
    bounds=_UNIT,
    node="LinalgCholeskyExBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1] ** 2,
)
_RHS = st.tuples(_SQUARE, st.integers(0, 3)).map(lambda t: (t[0][0], (*t[0][0][:-1], t[1])))
op(
    "linalg.solve_triangular.upper",
    lambda T, a, b: T.linalg.solve_triangular(_dominant(T, a), b, upper=True),
    _RHS,
    bounds=_UNIT,
    node="LinalgSolveTriangularBackward0",
    dtypes=LAPACK_DTYPES,
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "linalg.solve_triangular.lower-right-unit",
    lambda T, a, b: T.linalg.solve_triangular(
        _dominant(T, a), b.transpose(-2, -1), upper=False, left=False, unitriangular=True
    ),
    _RHS,
    bounds=_UNIT,
    node="LinalgSolveTriangularBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1] ** 2,
)
op(
    "triangular_solve",
    lambda T, b, a: T.triangular_solve(b, _dominant(T, a.triu())).solution,
    _RHS.map(lambda s: (s[1], s[0])),
    bounds=_UNIT,
    node="TriangularSolveBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[1][-1] ** 2,
)
op(
    "triangular_solve.lower-transpose",
    lambda T, b, a: T.triangular_solve(b, _dominant(T, a.tril()), upper=False, transpose=True)[0],
    _RHS.map(lambda s: (s[1], s[0])),
    bounds=_UNIT,
    node="TriangularSolveBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[1][-1] ** 2,
)
op(
    "cholesky_solve",
    lambda T, b, l: T.cholesky_solve(b, _dominant(T, l.tril())),
    _RHS.map(lambda s: (s[1], s[0])),
    bounds=_UNIT,
    node="CholeskySolveBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[1][-1] ** 2,
    note="the factor is made triangular in the call: torch's gradient for it is dense while the "
    "forward reads one triangle",
)
op(
    "cholesky_solve.upper",
    lambda T, b, u: T.cholesky_solve(b, _dominant(T, u.triu()), upper=True),
    _RHS.map(lambda s: (s[1], s[0])),
    bounds=_UNIT,
    node="CholeskySolveBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[1][-1] ** 2,
)
op(
    "cholesky_inverse",
    lambda T, l: T.cholesky_inverse(_dominant(T, l.tril())),
    _SQUARE,
    bounds=_UNIT,
    node="CholeskyInverseBackward0",
    dtypes=("float64", "float32"),
    reduction=lambda s: s[0][-1] ** 2,
)
