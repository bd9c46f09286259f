"""Python source for drawn values, so a reproducer can write a shrunk example as literals."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _float(x: float) -> str:
    if math.isnan(x):
        return "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "-float('inf')"
    return repr(float(x))


def py_literal(value: Any) -> str:
    """Source text that evaluates (with ``import numpy as np``) to a value equal to ``value``.

    Handles what scenarios draw: None, bools, ints, floats (nan and inf included), complex
    numbers, strings, NumPy scalars and arrays (exact values, dtype and shape kept, zero-size
    included), and lists, tuples and dicts of those. Anything else falls back to ``repr``.
    """
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    if isinstance(value, np.ndarray):
        body = py_literal(value.tolist())
        return f"np.array({body}, dtype=np.{value.dtype.name}).reshape({tuple(value.shape)!r})"
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({py_literal(value.item())})"
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, complex):
        return f"complex({_float(value.real)}, {_float(value.imag)})"
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)
