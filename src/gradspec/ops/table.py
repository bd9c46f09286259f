"""The op table: one declarative record per op (variant) that gradspec checks torch against.

The records are in :mod:`gradspec.ops.records`, one module per op family; this module imports
them in a fixed order and builds :data:`OPS` once. The record type and the helpers records are
written with are in :mod:`gradspec.ops.opinfo`, the input values in :mod:`gradspec.ops.values`.

Each :class:`~gradspec.ops.opinfo.OpInfo` says how to call the op given a namespace ``T``
(``torch`` or ``gradref``) and input tensors, which shapes to draw, the value bounds of each
input (kept away from kinks unless the entry targets one), the dtypes it is checked in, whether
double backward is claimed, the torch grad_fn name expected, and the conventions
(``gradref.ops.conventions``) it relies on.
Everything that runs an op is generic over this table: ``tests/ops`` parametrizes by ``name``,
and ``gradspec run`` iterates over ``OPS``.

Numerics: gradref computes every floating op in float64 (complex128) and rounds once to the
result dtype; torch rounds each intermediate of a low-precision computation. Comparisons
therefore use :func:`gradspec.tolerances.op_tolerance`, which widens torch.testing's defaults by
the number of roundings torch performs (``steps``) and by the reduction length.
"""

from __future__ import annotations

import importlib

from gradspec.ops.opinfo import OpInfo
from gradspec.ops.records._build import FLOAT_AND_COMPLEX, OPS_LIST

#: the record modules (:mod:`gradspec.ops.records`), in the order of the table
FAMILIES = (
    "pointwise",
    "reductions",
    "linalg",
    "shape",
    "losses",
    "convolution",
    "selection",
    "activations",
    "pooling",
    "normalisation",
)
for _family in FAMILIES:
    importlib.import_module(f"gradspec.ops.records.{_family}")

__all__ = ["FAMILIES", "FLOAT_AND_COMPLEX", "OPS", "OPS_LIST"]

#: the table, by name
OPS: dict[str, OpInfo] = {o.name: o for o in OPS_LIST}
assert len(OPS) == len(OPS_LIST), "duplicate op names in the table"
