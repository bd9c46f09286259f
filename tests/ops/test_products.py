"""Matrix products on special values: where a product overflows next to an infinite term, a
fused multiply-add (NumPy's BLAS) and separately rounded products (torch's kernel, here) give
different IEEE answers; the special-values check accepts torch's when it is gradref's matrix
product evaluated product by product (``gradref._products``)."""

import itertools

import numpy as np
import pytest
from gradref import _products

from gradspec.ops.compare import Example, check_example, subchecks
from gradspec.ops.table import OPS


def _rounded_products_summed(a, b) -> np.ndarray:
    """a @ b for 2-D float64 arrays, each product rounded on its own, summed left to right."""
    out = np.zeros((a.shape[0], b.shape[1]))
    with np.errstate(all="ignore"):
        for i, j in itertools.product(range(a.shape[0]), range(b.shape[1])):
            total = np.float64(0.0)
            for k in range(a.shape[1]):
                total = total + np.float64(a[i, k]) * np.float64(b[k, j])
            out[i, j] = total
    return out


# the row and column of a thorough run's nn.functional.linear (float64, special values): torch
# gives NaN (-inf + the overflowed +inf), NumPy's fused multiply-add -inf
ROW = np.array([[-np.inf, 1.12355821e307]])
COLUMN = np.array([[0.420314140], [1.12355821e307]])


def test_unfused_products_overflow_where_the_fused_sum_does_not():
    assert np.isneginf(np.matmul(ROW, COLUMN)[0, 0])  # the fused evaluation
    with _products.unfused():
        got = _products.matmul(ROW, COLUMN)
    assert np.isnan(got[0, 0])
    assert np.isnan(_rounded_products_summed(ROW, COLUMN)[0, 0])


@pytest.mark.parametrize(
    "a_shape, b_shape", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                         ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 1))],
)  # fmt: skip
def test_unfused_products_have_matmuls_shapes_and_values(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    with _products.unfused():
        got = _products.matmul(a, b)
    want = np.matmul(a, b)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    if a.ndim == 2 and b.ndim == 2:
        np.testing.assert_array_equal(got, _rounded_products_summed(a, b))
    assert _products.matmul(a, b) is not got  # outside the block: NumPy's product again


def test_the_thorough_runs_linear_example_agrees():
    info = OPS["nn.functional.linear"]
    ex = Example("float64", ((3, 2), (3, 2)), ("contiguous",) * 2, (True, True), 17629)
    assert check_example(info, ex, "cpu", tuple(subchecks(info)))


# cross products the other way round: torch's CPU cross kernel contracts x * y - z * w into a
# fused multiply-subtract, so where both products overflow it gives -inf (x * y kept, z * w
# rounded to inf) and NumPy's rounded products NaN (inf - inf); a random run's cross.dim0 drew
# three huge values against three (float64, special values)
HUGE = np.full(3, 1.12355821e307)


def test_fused_cross_keeps_the_first_product():
    with np.errstate(all="ignore"):
        assert np.isnan(np.cross(HUGE, HUGE)).all()  # NumPy's products, each rounded
    with _products.fused():
        got = _products.cross(HUGE, HUGE, 0)
    assert np.isneginf(got).all()
    with np.errstate(all="ignore"):  # outside the block: NumPy's again
        assert np.isnan(_products.cross(HUGE, HUGE, 0)).all()


@pytest.mark.parametrize("shape, axis", [((3,), 0), ((2, 3), -1), ((3, 4), 0), ((2, 3, 2), 1)])
def test_fused_cross_has_np_cross_shapes_and_values(shape, axis):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(shape), rng.standard_normal(shape)
    with _products.fused():
        got = _products.cross(a, b, axis)
    want = np.cross(a, b, axis=axis)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_the_random_runs_cross_example_agrees():
    ex = Example("float64", ((3,), (3,)), ("expanded", "contiguous"), (True, True), 1565072)
    assert check_example(OPS["cross.dim0"], ex, "cpu", ("special",))


def test_fused_cross_leaves_the_rounding_error_where_the_products_cancel():
    """x * y - z * w with x * y == z * w: a fused multiply-subtract keeps x * y exactly and
    rounds z * w, so the result is that rounding error (here 2^-53 of the product), not 0. Long
    double (64 bits) does not hold a float64 product (106 bits): the result is exact."""
    import torch

    x = np.full(3, 1.12355821e307)
    y = np.full(3, 0.49118344)
    with _products.fused():
        got = _products.cross(x, y, 0)
    from fractions import Fraction

    p = Fraction(x[0]) * Fraction(y[0])
    want = float(p - Fraction(float(x[0] * y[0])))
    assert want != 0.0 and got.tolist() == [want] * 3
    # torch's CPU kernel (contracted multiply-adds) gives the same
    theirs = torch.linalg.cross(torch.tensor(x), torch.tensor(y), dim=0)
    assert got.tolist() == theirs.tolist()


def test_fused_cross_is_the_exactly_rounded_fused_value():
    rng = np.random.default_rng(3)
    from fractions import Fraction

    a = rng.standard_normal((40, 3)) * 10.0 ** rng.integers(-30, 30, (40, 1))
    b = rng.standard_normal((40, 3))
    with _products.fused():
        got = _products.cross(a, b, -1)
    for row in range(40):
        x, y = a[row], b[row]
        for k, (i, j) in enumerate([(1, 2), (2, 0), (0, 1)]):
            want = Fraction(x[i]) * Fraction(y[j]) - Fraction(float(x[j] * y[i]))
            assert got[row, k] == float(want)


def test_the_thorough_runs_cross_example_agrees():
    ex = Example("float64", ((3, 3, 3), (3, 1, 1)), ("expanded", "expanded"), (True, True), 131)
    assert check_example(OPS["cross.dim0"], ex, "cpu", ("special",))
