"""The op comparison's ``isclose`` is NumPy's ``isclose(..., equal_nan=True)``, element for
element, on ordinary and special values (0, -0, ±inf, NaN, huge, tiny), real and complex."""

from __future__ import annotations

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


def test_complex_and_special_values_as_numpy():
    v = np.array(SPECIAL)
    a = (v[:, None] + 1j * v[None, :]).ravel()
    b = np.roll(a, 7)
    seen = set()
    for tol in [(0.0, 0.0), (1e-7, 1e-7), (0.5, 1.0)]:
        for x, y in [(a, b), (a, a), (v, v[::-1]), (v, np.roll(v, 1))]:
            want = np.isclose(x, y, *tol, equal_nan=True)
            np.testing.assert_array_equal(isclose(x, y, *tol), want)
            seen |= set(want.tolist())
    assert seen == {True, False}
