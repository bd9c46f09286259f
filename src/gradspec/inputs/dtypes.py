"""Dtype names and rounding values to a dtype.

Dtypes travel as names (``"float32"``) so that the same example can be built in torch and in
gradref (``getattr(T, name)``). Every tuple lists the widest dtype first: Hypothesis shrinks a
``sampled_from`` towards its first element, so a failing example shrinks to the most precise
dtype that still fails.
"""

from __future__ import annotations

import numpy as np

#: the floating dtypes gradspec checks, widest first
FLOAT_DTYPES: tuple[str, ...] = ("float64", "float32", "float16", "bfloat16")
#: the floating dtypes with a full-width significand (no half precision)
WIDE_FLOAT_DTYPES: tuple[str, ...] = FLOAT_DTYPES[:2]
#: the half-precision floating dtypes (tolerances widen, double backward is not compared)
LOW_PRECISION_DTYPES: tuple[str, ...] = FLOAT_DTYPES[2:]
COMPLEX_DTYPES: tuple[str, ...] = ("complex128", "complex64")
INT_DTYPES: tuple[str, ...] = ("uint8", "int8", "int16", "int32", "int64")


def torch_dtype(name: str):
    """The torch dtype called ``name``."""
    import torch

    return getattr(torch, name)


def round_to_dtype(values, dtype: str) -> np.ndarray:
    """``values`` made exactly representable in ``dtype`` (so torch and gradref hold the same
    bits), returned as float64 (complex128 for complex values). Half and bfloat16 are rounded
    through float32 first, as torch converts a double to them."""
    values = np.asarray(values)
    complex_ = np.iscomplexobj(values)
    values = values.astype(np.complex128 if complex_ else np.float64)
    if dtype in ("float64", "complex128"):
        return values
    if dtype in ("float32", "complex64"):
        return values.astype(np.complex64 if complex_ else np.float32).astype(values.dtype)
    import ml_dtypes

    narrow = np.float16 if dtype == "float16" else ml_dtypes.bfloat16
    return values.astype(np.float32).astype(narrow).astype(np.float64)
