"""The op record type and the vocabulary the op table's records are written in.

:class:`OpInfo` says how to call and check one op (or one variant of an op); the strategies
below draw its input shapes; the helpers count the terms summed into an output element (for
tolerances) and draw auxiliary integer inputs (indices, masks). The records themselves are in
:mod:`gradspec.ops.table`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from gradspec.inputs import FLOAT_DTYPES, LAYOUTS, shapes

#: the layouts an op is checked in unless its record lists others: all but channels_last, which
#: the op records have not been checked in so far
OP_LAYOUTS = tuple(name for name in LAYOUTS if name != "channels_last")


@dataclass(frozen=True)
class OpInfo:
    """How to call and check one op (or one variant of an op)."""

    name: str
    #: ``call(T, *tensors, **aux)`` -> a tensor or a tuple of tensors (non-float ones are ignored)
    call: Callable
    #: a Hypothesis strategy drawing a tuple of input shapes
    shapes: st.SearchStrategy
    #: per input ``(low, high)``; one pair means every input
    bounds: tuple = ((-2.0, 2.0),)
    #: per input, points the values keep ``margin`` away from (kinks, poles)
    away: tuple = ()
    margin: float = 0.1
    dtypes: tuple = FLOAT_DTYPES
    double_backward: bool = True
    #: torch's grad_fn name (checked for gradref and torch alike); None: not checked, see note
    node: str | None = None
    note: str = ""
    #: compare gradref's grad_fn names with torch's (also when ``node`` is None: layout-dependent)
    check_node: bool = True
    #: ``aux(rng, shapes) -> dict`` of NumPy arrays (indices, masks) passed as tensors
    aux: Callable | None = None
    #: which inputs are differentiable (False: passed as constants, e.g. probabilities)
    differentiable: tuple = ()
    #: number of terms summed into an output element, from the input shapes
    reduction: Callable = field(default=lambda shapes: 1)
    #: roundings torch performs in the forward/backward chain (low precision tolerances)
    steps: int = 4
    #: the size of the intermediate terms of the op's computation (inputs and cotangents are
    #: O(1), so 1 by default): rounding errors scale with it, even where the result cancels
    scale: float = 1.0
    #: ``intermediates(values) -> float``: the size of the intermediate terms of the op's
    #: derivatives at these input values, where it depends on them (see
    #: :func:`centred_intermediates`); low-precision derivatives may err by rounding at that size
    intermediates: Callable | None = None
    conventions: tuple = ()
    layouts: tuple = OP_LAYOUTS
    #: the op is real-valued on complex input (abs): cotangents are real
    real_output: bool = False

    def bounds_for(self, i: int) -> tuple:
        return self.bounds[i] if len(self.bounds) > 1 else self.bounds[0]

    def away_for(self, i: int) -> tuple:
        if not self.away:
            return ()
        return self.away[i] if isinstance(self.away[0], tuple) else self.away

    def is_differentiable(self, i: int) -> bool:
        return self.differentiable[i] if self.differentiable else True


# ------------------------------------------------------------------------------- shape strategies


def unary_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4) -> st.SearchStrategy:
    """One input's shape (as a 1-tuple of shapes)."""
    return shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side).map(
        lambda s: (s,)
    )


def broadcast_shapes(n=2, min_side=0, max_side=4, max_dims=3) -> st.SearchStrategy:
    return mutually_broadcastable_shapes(
        num_shapes=n, min_side=min_side, max_side=max_side, max_dims=max_dims
    ).map(lambda r: tuple(r.input_shapes))


def same_shapes(n=2, **kw) -> st.SearchStrategy:
    return unary_shapes(**kw).map(lambda s: s * n)


def signature_shapes(signature: str, max_dims=0, min_side=1, max_side=4) -> st.SearchStrategy:
    """Shapes for a gufunc signature (matmul-like ops), with ``max_dims`` broadcast batch dims."""
    return mutually_broadcastable_shapes(
        signature=signature, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: tuple(r.input_shapes))


def fixed(*shapes) -> st.SearchStrategy:
    return st.just(tuple(tuple(s) for s in shapes))


def _prod(shape) -> int:
    return int(np.prod(shape)) if len(shape) else 1


def numel_of_first(shapes) -> int:
    """The number of elements of the first input (a full reduction sums that many terms)."""
    return _prod(shapes[0])


def last_dim_of_first(shapes) -> int:
    """The size of the first input's last dimension (a reduction along it sums that many)."""
    return shapes[0][-1] if shapes[0] else 1


# --------------------------------------------------------------------------------------- helpers


def functional(T):
    """``T.nn.functional`` of the namespace ``T``."""
    return T.nn.functional


def dim_or_all(fn_dim, fn_all):
    """``fn_dim`` for inputs with a dimension, ``fn_all`` for 0-d ones."""
    return lambda T, x: fn_dim(T, x) if x.dim() else fn_all(T, x)


def index_aux(kind: str, dim: int = 0):
    """Integer indices or boolean masks for indexing ops, drawn from the example's RNG."""

    def aux(rng, shapes):
        shape = shapes[0]
        d = dim % len(shape) if shape else 0
        size = shape[d] if shape else 1
        if kind == "vector":  # index_select: repeats allowed
            n = int(rng.integers(0, 5))
            return {"index": rng.integers(0, size, n) if size else np.zeros(0, np.int64)}
        if kind == "gather":
            ishape = tuple(int(rng.integers(1, s + 1)) if s else 0 for s in shape)
            ishape = ishape[:d] + (int(rng.integers(1, 5)),) + ishape[d + 1 :] if size else ishape
            return {"index": rng.integers(0, max(size, 1), ishape)}
        if kind == "scatter":
            return {"index": rng.integers(0, max(size, 1), shapes[1])}
        if kind == "mask":
            return {"mask": rng.random(shape) < 0.5}
        if kind == "getitem":
            n = int(rng.integers(0, 6))
            return {"index": rng.integers(-size, size, n) if size else np.zeros(0, np.int64)}
        if kind == "classes":
            n, c = shape[0], shape[1]
            return {"target": rng.integers(0, c, n)}
        raise ValueError(kind)

    return aux


def centred_intermediates(axes: Callable, eps: float = 1e-5) -> Callable:
    """``intermediates`` of a normalisation over ``axes(ndim)`` of its first input (the second,
    when there is one, its weight). Its backward kernels expand ``x - mean`` as ``b * x + c``
    with ``b`` about ``rstd**2 * |g * w|``: terms of ``rstd**2 * |x| * |w|`` (cotangents are
    O(1)) that cancel down to the gradient, so a row of nearly equal values (rstd up to
    ``eps**-0.5``) rounds at that size."""

    def estimate(values) -> float:
        x = np.asarray(values[0], dtype=np.float64)
        if x.size == 0:
            return 0.0
        ax = tuple(a % x.ndim for a in axes(x.ndim))
        rstd2 = 1.0 / (x.var(axis=ax, keepdims=True) + eps)
        w = float(np.max(np.abs(values[1]))) if len(values) > 1 and np.size(values[1]) else 1.0
        return float(np.max(rstd2 * np.abs(x))) * max(w, 1.0)

    return estimate


#: ``intermediates`` of a normalisation over the last dim (layer norm, a group of group norm)
CENTRED_LAST_DIM = centred_intermediates(lambda ndim: (-1,))


def weighted_mean_removed(values) -> float:
    """``intermediates`` of softmax and softmin: their derivatives take the output-weighted mean
    of the cotangent (or tangent) from it, ``y * (g - sum(g * y))``, so terms of the size of the
    cotangent's largest element, a standard normal draw (about 4 at most), cancel down to a
    result that may be far smaller (a float16 JVP of softmin at [1.46, -1.09] along
    [-0.14, -2.57]: 2.57 - 2.39 = 0.18, torch and gradref each off by 10 units of float16)."""
    return 4.0


def over_smallest(coefficient: float, sizes, power: int = 1) -> float:
    """``coefficient / s ** power`` for the smallest positive ``s`` of ``sizes`` (0 when there
    is none): the size of an op's intermediate terms where they grow as an input, a row's norm
    or a distance nears 0."""
    s = np.asarray(sizes, dtype=np.float64)
    s = s[s > 0]
    return float(coefficient / np.min(s) ** power) if s.size else 0.0
