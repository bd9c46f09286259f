"""gradref builds complex numbers part by part, as torch does: ``complex(real, imag)`` keeps an
infinite or NaN part where it is and leaves the other part alone (``real + 1j * imag`` would
not: ``1j * inf`` is ``nan + inf j``)."""

from __future__ import annotations

import itertools

import gradref
import numpy as np
import pytest
import torch

SPECIAL = [0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 1e300]


def _parts(T, t) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(t.detach().numpy() if T is torch else t._data)
    return a.real, a.imag


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    """Equal element for element, NaN to NaN, and the sign of zero too."""
    both_nan = np.isnan(x) & np.isnan(y)
    return bool(np.all(both_nan | ((x == y) & (np.signbit(x) == np.signbit(y)))))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_complex_of_special_parts_matches_torch(dtype):
    pairs = list(itertools.product(SPECIAL, SPECIAL))
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        re = np.array([p[0] for p in pairs], dtype=dtype)
        im = np.array([p[1] for p in pairs], dtype=dtype)
    got = {}
    for T in (torch, gradref):
        y = T.complex(T.tensor(re), T.tensor(im))
        assert str(y.dtype).endswith("complex64" if dtype == "float32" else "complex128")
        got[T] = _parts(T, y)
    for k in range(2):  # the real parts, then the imaginary parts
        assert _same(got[torch][k], got[gradref][k]), (k, got[torch][k], got[gradref][k])


def test_complex_broadcasts_and_its_gradients_are_the_parts_of_the_cotangent():
    for T in (torch, gradref):
        r = T.tensor([[np.inf], [1.0]], dtype=T.float64, requires_grad=True)
        i = T.tensor([2.0, -np.inf, 0.5], dtype=T.float64, requires_grad=True)
        y = T.complex(r, i)
        assert tuple(y.shape) == (2, 3)
        g = T.tensor(np.full((2, 3), 1.5 - 0.5j))
        gr, gi = T.autograd.grad(y, (r, i), g)
        np.testing.assert_array_equal(_parts(T, gr)[0], [[4.5], [4.5]])
        np.testing.assert_array_equal(_parts(T, gi)[0], [-1.0, -1.0, -1.0])
        np.testing.assert_array_equal(_parts(T, y)[0], [[np.inf] * 3, [1.0] * 3])
        np.testing.assert_array_equal(_parts(T, y)[1], [[2.0, -np.inf, 0.5]] * 2)
