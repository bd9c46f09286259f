"""Per-dtype comparison tolerances, torch.testing.assert_close's defaults, widened for reductions.

The tables are keyed by dtype *name* ("float32", "bfloat16", ...) so that torch and gradref
tensors, and plain strings, all look them up the same way.
"""

from __future__ import annotations

import math

# (rtol, atol) as torch.testing.assert_close uses them.
DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex32": (1e-3, 1e-5),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def dtype_name(dtype) -> str:
    """``torch.float32``, ``gradref.float32``, ``numpy.float32`` or ``"float32"``: ``"float32"``."""
    if isinstance(dtype, str):
        name = dtype
    else:
        name = getattr(dtype, "name", None) or str(dtype)
    return name.rsplit(".", 1)[-1]


def tolerance(dtype, reduction_length: int = 1) -> tuple[float, float]:
    """(rtol, atol) for comparing values of ``dtype``; exact (0, 0) for integers and bool.

    ``reduction_length`` is the number of terms summed into each compared element: rounding error
    of a sum grows like its square root for random data, so both tolerances grow with
    ``sqrt(reduction_length)``.
    """
    rtol, atol = DEFAULT_TOLERANCES.get(dtype_name(dtype), (0.0, 0.0))
    if reduction_length > 1:
        scale = math.sqrt(reduction_length)
        rtol, atol = rtol * scale, atol * scale
    return rtol, atol


#: unit roundoff (half the spacing of 1.0) of each floating dtype
UNIT_ROUNDOFF: dict[str, float] = {
    "float16": 2.0**-11,
    "bfloat16": 2.0**-8,
    "float32": 2.0**-24,
    "float64": 2.0**-53,
    "complex64": 2.0**-24,
    "complex128": 2.0**-53,
}


def op_tolerance(
    dtype, reduction_length: int = 1, magnitude: float = 1.0, steps: int = 4
) -> tuple[float, float]:
    """(rtol, atol) for comparing torch's result of an op with gradref's.

    gradref computes in float64 and rounds once to ``dtype``; torch rounds the result of every
    step it stores in ``dtype`` (a VJP such as ``g * (1 - y) * y`` rounds ``y`` and the product).
    Each rounding errs by at most the unit roundoff ``u`` relative to the value rounded, and the
    rounded intermediates are of the size of the largest compared value (``magnitude``), so the
    difference is bounded by about ``steps * u * magnitude`` per element — normwise, not
    elementwise (cancellation can leave a small element with a large relative error). Sums of
    ``reduction_length`` terms add ``sqrt(reduction_length)`` (random-walk rounding). The result
    is never tighter than torch.testing's defaults, :func:`tolerance`.
    """
    rtol, atol = tolerance(dtype, reduction_length)
    u = UNIT_ROUNDOFF.get(dtype_name(dtype))
    if u is None:
        return rtol, atol
    scale = math.sqrt(max(reduction_length, 1))
    bound = steps * u * scale
    return max(rtol, bound), max(atol, bound * magnitude)
