"""The input layer: everything that turns a drawn example into tensors, shared by the three
parts gradspec checks (ops, behaviours, functions).

- :mod:`~gradspec.inputs.dtypes`: dtype names (one tuple per kind, widest first) and
  :func:`round_to_dtype`, which makes values exactly representable in a dtype so that torch and
  gradref hold the same bits;
- :mod:`~gradspec.inputs.layouts`: the memory layouts (:data:`LAYOUTS`) and
  :func:`materialize`, which builds a tensor of a namespace ``T`` (torch or gradref) with one;
- :mod:`~gradspec.inputs.draws`: Hypothesis strategies for shapes, dtypes, devices, layouts and
  requires-grad masks.

Each part draws its own values (the op table from per-input bounds, scenarios from Hypothesis
arrays, the Function checker from a seeded generator) but builds them with these pieces. The
layer imports only ``gradspec.devices`` (and NumPy, Hypothesis, torch when asked).
"""

from gradspec.inputs.draws import (
    complex_dtypes,
    devices,
    dtypes,
    float_dtypes,
    int_dtypes,
    layouts,
    requires_grad_masks,
    shapes,
)
from gradspec.inputs.dtypes import (
    COMPLEX_DTYPES,
    FLOAT_DTYPES,
    INT_DTYPES,
    LOW_PRECISION_DTYPES,
    WIDE_FLOAT_DTYPES,
    round_to_dtype,
    torch_dtype,
)
from gradspec.inputs.layouts import (
    LAYOUTS,
    TIE_FREE_LAYOUTS,
    expand_values,
    materialize,
    torch_tensor,
)

__all__ = [
    "COMPLEX_DTYPES",
    "FLOAT_DTYPES",
    "INT_DTYPES",
    "LAYOUTS",
    "LOW_PRECISION_DTYPES",
    "TIE_FREE_LAYOUTS",
    "WIDE_FLOAT_DTYPES",
    "complex_dtypes",
    "devices",
    "dtypes",
    "expand_values",
    "float_dtypes",
    "int_dtypes",
    "layouts",
    "materialize",
    "requires_grad_masks",
    "round_to_dtype",
    "shapes",
    "torch_dtype",
    "torch_tensor",
]
