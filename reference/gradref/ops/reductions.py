"""Reductions: sum and mean over all elements, a dim, or a tuple of dims, with keepdim."""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._ops import compute, record
from .._tensor import Tensor, _wrap_dim
from ._table import register


def reduction_dims(input: Tensor, dim) -> tuple | None:
    """Normalise ``dim`` (None, int, or sequence) to sorted non-negative dims; None means all."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) == 0:
        return None
    n = input.dim()
    out = []
    for d in dims:
        w = _wrap_dim(d, n)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(sorted(out))


def expand_back(g: Tensor, input_shape, dims, keepdim: bool) -> Tensor:
    """Undo a reduction's shape change: unsqueeze reduced dims, then expand to the input."""
    if dims is None:
        dims = tuple(range(len(input_shape)))
    if not keepdim and dims:
        shape = list(input_shape)
        for d in dims:
            shape[d] = 1
        g = g.reshape(shape)
    return g.expand(input_shape)


def _axis(dims):
    return None if dims is None else dims


@register("sum", node="SumBackward0")
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum; integers and bool accumulate in int64. SumBackward0 (all) / SumBackward1 (dims)."""
    if isinstance(dim, _dtypes.dtype):
        dim, dtype = None, dim
    dims = reduction_dims(input, dim)
    if dtype is not None:
        rdt = _dtypes.as_dtype(dtype)
    elif input.dtype.category <= 1:
        rdt = _dtypes.int64
    else:
        rdt = input.dtype
    y = compute(
        lambda a: np.sum(a, axis=_axis(dims), keepdims=keepdim), [input], rdt, rdt, input.device
    )
    shape = tuple(input.shape)
    name = "SumBackward0" if dim is None else "SumBackward1"
    record(name, [input], [y], [lambda g, c: expand_back(g, shape, dims, keepdim)], [()])
    return y


@register("mean", node="MeanBackward0")
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over all elements or dims; floating and complex inputs only."""
    rdt = _dtypes.as_dtype(dtype) if dtype is not None else input.dtype
    if rdt.category < 2:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_dtypes.scalar_type_name(input.dtype)}"
        )
    dims = reduction_dims(input, dim)
    shape = tuple(input.shape)
    count = int(
        np.prod(
            [shape[d] for d in (dims if dims is not None else range(len(shape)))], dtype=np.int64
        )
    )
    y = compute(
        lambda a: (
            np.mean(a, axis=_axis(dims), keepdims=keepdim)
            if a.size
            else np.sum(a, axis=_axis(dims), keepdims=keepdim) * np.nan
        ),
        [input],
        rdt,
        rdt,
        input.device,
    )
    name = "MeanBackward0" if dim is None else "MeanBackward1"
    record(name, [input], [y], [lambda g, c: expand_back(g, shape, dims, keepdim) / count], [()])
    return y
