"""Comparing two autograd graphs as tools see them (``gradspec.behaviours.observe.graph_record``).

Structure (node classes, names, edges, saved numbers, sizes, flags, which tensor a saved tensor
is) must be equal; the values of saved tensors agree within the op tolerance of their dtype
(torch rounds the intermediates it saves in float16/bfloat16, gradref rounds once).
"""

from __future__ import annotations

import numpy as np

from gradspec.behaviours.observe import CompareOptions, TensorRecord, compare_values
from gradspec.tolerances import op_tolerance


def _strip(value, arrays: list):
    """``value`` with each tensor's values replaced by an index into ``arrays``."""
    if isinstance(value, TensorRecord):
        arrays.append(value)
        return ("values", value.dtype, value.shape, value.requires_grad, value.is_leaf)
    if isinstance(value, dict):
        return {k: _strip(v, arrays) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_strip(v, arrays) for v in value)
    return value


def graph_differences(theirs: dict, ours: dict, steps: int = 8, reduction: int = 1) -> list[str]:
    """Every difference between torch's graph record and gradref's (empty when they agree)."""
    ta, ga = [], []
    diffs = compare_values(_strip(theirs, ta), _strip(ours, ga), "graph", CompareOptions())
    if diffs:
        return diffs
    for k, (a, b) in enumerate(zip(ta, ga)):
        if a.values.size == 0 or a.values.dtype.kind in "biu":
            if not np.array_equal(a.values, b.values):
                diffs.append(f"saved tensor {k}: values {a.values!r} != gradref's {b.values!r}")
            continue
        finite = np.isfinite(a.values)
        mag = float(np.max(np.abs(a.values[finite]))) if finite.any() else 1.0
        rtol, atol = op_tolerance(a.dtype, reduction, max(mag, 1.0), steps)
        if not np.allclose(b.values, a.values, rtol=rtol, atol=atol, equal_nan=True):
            diffs.append(f"saved tensor {k}: values {a.values!r} != gradref's {b.values!r}")
    return diffs
