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
    """``torch.float32``, ``gradref.float32``, ``numpy.float32`` or ``"float32"`` -> ``"float32"``."""
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
