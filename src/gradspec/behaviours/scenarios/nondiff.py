"""Scenarios for gradients at non-differentiable points (torch's documented conventions)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradspec.behaviours.scenarios._draws import float_dtypes, nonempty_shapes
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf


def _with_zeros(*, nonnegative: bool = False):
    """float64 arrays where zeros are common (the kink itself), mixed with values away from it."""
    away = st.floats(0.25, 4.0)
    if not nonnegative:
        away = st.one_of(away, away.map(lambda v: -v))
    return hnp.arrays(np.float64, nonempty_shapes(), elements=st.one_of(st.just(0.0), away))


def _with_ties(shape=None):
    """float64 arrays of small integers, so that maxima are often tied."""
    return hnp.arrays(
        np.float64,
        shape if shape is not None else nonempty_shapes(),
        elements=st.integers(-2, 2).map(float),
    )


@scenario("nondiff.relu-at-zero", draws=dict(x=_with_zeros(), dtype=float_dtypes()))
def relu_at_zero(T, x, dtype):
    w = leaf(T, x, dtype)
    w.relu().sum().backward()
    return w.grad


@scenario("nondiff.abs-at-zero", draws=dict(x=_with_zeros(), dtype=float_dtypes()))
def abs_at_zero(T, x, dtype):
    w = leaf(T, x, dtype)
    w.abs().sum().backward()
    return w.grad


@scenario("nondiff.sqrt-at-zero", draws=dict(x=_with_zeros(nonnegative=True), dtype=float_dtypes()))
def sqrt_at_zero(T, x, dtype):
    w = leaf(T, x, dtype)
    w.sqrt().sum().backward()
    return w.grad


@scenario(
    "nondiff.max-full-reduction-ties-split",
    draws=dict(x=_with_ties(), dtype=float_dtypes(), op=st.sampled_from(["max", "amax"])),
)
def max_full_ties(T, x, dtype, op):
    w = leaf(T, x, dtype)
    getattr(w, op)().backward()
    return w.grad


@scenario(
    "nondiff.max-dim-routes-to-index",
    draws=dict(x=_with_ties(nonempty_shapes(min_dims=1)), dtype=float_dtypes()),
)
def max_dim_routes(T, x, dtype):
    w = leaf(T, x, dtype)
    values, indices = w.max(dim=0)
    values.sum().backward()
    return values, indices, w.grad


@scenario(
    "nondiff.amax-dim-ties-split",
    draws=dict(x=_with_ties(nonempty_shapes(min_dims=1)), dtype=float_dtypes()),
)
def amax_dim_ties(T, x, dtype):
    w = leaf(T, x, dtype)
    w.amax(dim=0).sum().backward()
    return w.grad


@scenario(
    "nondiff.maximum-ties-split",
    draws=dict(
        xy=nonempty_shapes().flatmap(lambda s: st.tuples(_with_ties(s), _with_ties(s))),
        dtype=float_dtypes(),
    ),
)
def maximum_ties(T, xy, dtype):
    a, b = leaf(T, xy[0], dtype), leaf(T, xy[1], dtype)
    T.maximum(a, b).sum().backward()
    return a.grad, b.grad
