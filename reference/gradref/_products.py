"""Matrix and cross products, the one place gradref's ops compute them.

NumPy hands a floating matrix product to BLAS, whose kernels may fuse each multiply into the
running sum (one rounding per multiply-add). torch's kernels may or may not. Both are IEEE
evaluations and agree wherever the result is finite and well inside the range, but where a
product overflows next to an infinite term they part: a fused sum of -inf and an overflowing
product keeps the exact product and gives -inf, a separately rounded product is +inf and the
sum NaN. Which one torch gives depends on its BLAS kernel, not on its autograd.

:func:`unfused` computes the products rounded one by one and summed, for a caller (gradspec's
special-values check) to ask whether torch's answer is that evaluation; :func:`fused` the
other way round for cross products, which NumPy rounds product by product where torch's CPU
kernel fuses them. Outside them, every product is NumPy's.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

_state = threading.local()


def matmul(a, b):
    """``np.matmul(a, b)``, or inside :func:`unfused` (floating operands) the products rounded
    one by one and summed over the contracted dimension."""
    if not getattr(_state, "unfused", False):
        return np.matmul(a, b)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind not in "fc" and b.dtype.kind not in "fc":
        return np.matmul(a, b)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    with np.errstate(all="ignore"):
        out = (a2[..., :, :, None] * b2[..., None, :, :]).sum(axis=-2)
    if b.ndim == 1:
        out = out[..., 0]
    if a.ndim == 1:
        out = out[..., 0, :] if b.ndim > 1 else out[..., 0]
    return out


def _fms(x, y, z, w):
    """``x * y - z * w`` as a fused multiply-subtract, elementwise: ``x * y`` kept exactly,
    ``z * w`` rounded to the operands' dtype, one rounding at the end. Long double keeps its
    range (an overflowing ``x * y`` stays finite) and holds the exact product of float32 and
    narrower operands; float64 products need 106 bits, so where the operands and the result are
    finite the result is computed again exactly, with fractions (where the products cancel,
    the rounding error of ``z * w`` is all that is left: 2^-53 of the products, not 0)."""
    dtype, zw = x.dtype, z * w
    wide = np.longdouble
    out = np.array(x.astype(wide) * y.astype(wide) - zw.astype(wide), dtype=dtype)
    if dtype != np.float64:
        return out
    from fractions import Fraction

    exact = np.isfinite(x) & np.isfinite(y) & np.isfinite(zw) & np.isfinite(out)
    for i in np.ndindex(out.shape):
        if not exact[i]:
            continue
        value = Fraction(float(x[i])) * Fraction(float(y[i])) - Fraction(float(zw[i]))
        out[i] = float(value)  # correctly rounded (finite: long double's result was)
    return out


def cross(a, b, axis: int):
    """``np.cross(a, b, axis=axis)``, or inside :func:`fused` (real floating operands) each
    component ``x * y - z * w`` evaluated as a fused multiply-subtract (:func:`_fms`). Where
    both products overflow that is an infinity, not NaN; where they cancel, the rounding error
    of one of them: what torch's CPU kernel, compiled with contracted multiply-adds, gives."""
    if not getattr(_state, "fused", False):
        return np.cross(a, b, axis=axis)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        return np.cross(a, b, axis=axis)
    a, b = np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1)
    a, b = np.broadcast_arrays(a, b)
    with np.errstate(all="ignore"):
        out = np.stack(
            [
                _fms(a[..., 1], b[..., 2], a[..., 2], b[..., 1]),
                _fms(a[..., 2], b[..., 0], a[..., 0], b[..., 2]),
                _fms(a[..., 0], b[..., 1], a[..., 1], b[..., 0]),
            ],
            axis=-1,
        )
    return np.moveaxis(out, -1, axis)


@contextlib.contextmanager
def _flag(name: str):
    """``_state.<name>`` set inside the block (this thread)."""
    before = getattr(_state, name, False)
    setattr(_state, name, True)
    try:
        yield
    finally:
        setattr(_state, name, before)


def fused():
    """Cross products computed with fused multiply-subtracts (this thread)."""
    return _flag("fused")


def unfused():
    """Matrix products computed as separately rounded products, summed (this thread)."""
    return _flag("unfused")


@contextlib.contextmanager
def other_evaluation():
    """Every product the other IEEE way than outside: matrix products unfused, cross products
    fused (this thread)."""
    with unfused(), fused():
        yield
