"""Hypothesis strategies for scenario data: plain Python and NumPy values only (dtypes,
shapes and devices come from :mod:`gradspec.inputs`).

The same drawn values are handed to torch and to gradref; scenarios turn them into tensors with
``T.tensor(array, dtype=getattr(T, name))``. Arrays are float64 (or complex128) with bounded finite
elements; dtypes are drawn as names.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradspec.inputs import (  # noqa: F401 - the scenarios draw these from here
    COMPLEX_DTYPES,
    FLOAT_DTYPES,
    INT_DTYPES,
    complex_dtypes,
    devices,
    float_dtypes,
    int_dtypes,
    shapes,
)


def nonempty_shapes(**kw) -> st.SearchStrategy[tuple[int, ...]]:
    return shapes(min_side=1, **kw)


def _elements(bound: float, away_from_zero: float) -> st.SearchStrategy[float]:
    mag = st.floats(
        min_value=away_from_zero, max_value=bound, allow_nan=False, allow_subnormal=False
    )
    if away_from_zero > 0:
        return st.builds(lambda m, s: m if s else -m, mag, st.booleans())
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    bound: float = 4.0,
    away_from_zero: float = 0.0,
    positive: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of finite values in [-bound, bound].

    ``away_from_zero``: keep |x| at least this (away from kinks at 0); ``positive``: values in
    [max(away_from_zero, 1/16), bound] (for sqrt, log, pow).
    """
    if shape is None:
        shape = shapes()
    if positive:
        elements = st.floats(
            min_value=max(away_from_zero, 1 / 16), max_value=bound, allow_subnormal=False
        )
    else:
        elements = _elements(bound, away_from_zero)
    return hnp.arrays(np.float64, shape, elements=elements)


def small_arrays(**kw) -> st.SearchStrategy[np.ndarray]:
    """Arrays of any shape from :func:`shapes` (0-d, size-1 and zero-size included)."""
    return arrays(shapes(), **kw)


def nonempty_arrays(**kw) -> st.SearchStrategy[np.ndarray]:
    return arrays(nonempty_shapes(), **kw)


def complex_arrays(
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None, *, bound: float = 4.0
) -> st.SearchStrategy[np.ndarray]:
    """complex128 arrays whose real and imaginary parts are in [-bound, bound]."""
    shape = shapes() if shape is None else shape
    if not isinstance(shape, st.SearchStrategy):
        shape = st.just(shape)

    def build(shp):
        parts = arrays(shp, bound=bound)
        return st.tuples(parts, parts).map(lambda ri: ri[0] + 1j * ri[1])

    return shape.flatmap(build)


def broadcastable_pairs(
    *, max_dims: int = 3, max_side: int = 4
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Two float64 arrays whose shapes broadcast together (size-1 and missing dims included)."""

    def build(shps):
        a, b = shps.input_shapes
        return st.tuples(arrays(a), arrays(b))

    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=max_dims, min_side=0, max_side=max_side
    ).flatmap(build)


def scalars(bound: float = 4.0, away_from_zero: float = 0.0) -> st.SearchStrategy[float]:
    """A bounded finite Python float."""
    return _elements(bound, away_from_zero)
