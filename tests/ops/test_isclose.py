"""The op comparison's ``isclose`` is NumPy's ``isclose(..., equal_nan=True)``, element for
element, on ordinary and special values (0, -0, ±inf, NaN, huge, tiny), real and complex. For
complex values the reference is the definition, element by element: NumPy 1.x (torch 2.2's
environment) multiplies a complex infinity by one, which makes it NaN, so it reads ``inf-1j``
and ``nan+infj`` as two NaNs, equal."""

from __future__ import annotations

import cmath

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradspec.ops.compare import isclose

SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, np.inf, -np.inf, np.nan, 1.0 + 1e-9]
VALUES = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))
TOLERANCES = st.sampled_from([(0.0, 0.0), (1e-7, 1e-7), (1.3e-6, 1e-5), (0.5, 0.0), (0.0, 2.0)])


@given(arrays(np.float64, st.integers(0, 12), elements=VALUES),
       arrays(np.float64, st.integers(0, 12), elements=VALUES), TOLERANCES)  # fmt: skip
def test_real_values_as_numpy(a, b, tol):
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    np.testing.assert_array_equal(isclose(a, b, *tol), np.isclose(a, b, *tol, equal_nan=True))


def _close(x: complex, y: complex, rtol: float, atol: float) -> bool:
    """The definition, for two numbers: both NaN (a NaN part makes a complex NaN), equal, or a
    finite ``y`` within ``atol + rtol * |y|`` of ``x``."""
    if cmath.isnan(x) and cmath.isnan(y):
        return True
    if x == y:
        return True
    return cmath.isfinite(y) and abs(x - y) <= atol + rtol * abs(y)


def test_complex_and_special_values_as_defined():
    v = np.array(SPECIAL)
    a = (v[:, None] + 1j * v[None, :]).ravel()
    b = np.roll(a, 7)
    seen = set()
    for tol in [(0.0, 0.0), (1e-7, 1e-7), (0.5, 1.0)]:
        for x, y in [(a, b), (a, a), (v + 0j, v[::-1] + 0j), (a, np.roll(a, 1))]:
            want = [_close(complex(p), complex(q), *tol) for p, q in zip(x, y)]
            assert isclose(x, y, *tol).tolist() == want
            seen |= set(want)
    assert seen == {True, False}
