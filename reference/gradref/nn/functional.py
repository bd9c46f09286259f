"""gradref.nn.functional: activations and losses with torch's signatures."""

from __future__ import annotations

from ..ops.pointwise import relu as _relu
from ..ops.pointwise import sigmoid, tanh


def relu(input, inplace: bool = False):
    return input.relu_() if inplace else _relu(input)


__all__ = ["relu", "sigmoid", "tanh"]
