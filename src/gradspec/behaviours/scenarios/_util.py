"""Small helpers shared by scenarios (namespace-neutral)."""

from __future__ import annotations

from typing import Any

import numpy as np


def tensor(T: Any, array: Any, dtype: str = "float32", requires_grad: bool = False, **kw: Any):
    """``T.tensor(array, dtype=getattr(T, dtype), requires_grad=...)``: the same data in any T."""
    return T.tensor(np.asarray(array), dtype=getattr(T, dtype), requires_grad=requires_grad, **kw)


def leaf(T: Any, array: Any, dtype: str = "float32", **kw: Any):
    """A leaf that requires grad."""
    return tensor(T, array, dtype, requires_grad=True, **kw)


def node_name(node: Any) -> str | None:
    return None if node is None else node.name()


def square_function(T: Any):
    """``x * x`` as a custom Function that saves its input (the docs' pattern), for namespace T."""

    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2.0 * a * g

    return Square
