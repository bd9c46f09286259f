"""Matrix products, the one place gradref's matrix ops compute them.

NumPy hands a floating matrix product to BLAS, whose kernels may fuse each multiply into the
running sum (one rounding per multiply-add). torch's kernels may or may not. Both are IEEE
evaluations and agree wherever the result is finite and well inside the range, but where a
product overflows next to an infinite term they part: a fused sum of -inf and an overflowing
product keeps the exact product and gives -inf, a separately rounded product is +inf and the
sum NaN. Which one torch gives depends on its BLAS kernel, not on its autograd.

:func:`unfused` computes the products rounded one by one and summed, for a caller (gradspec's
special-values check) to ask whether torch's answer is that evaluation. Outside it, every
product is NumPy's.
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


@contextlib.contextmanager
def unfused():
    """Matrix products computed as separately rounded products, summed (this thread)."""
    before = getattr(_state, "unfused", False)
    _state.unfused = True
    try:
        yield
    finally:
        _state.unfused = before
