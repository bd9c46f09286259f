"""Complex parts: conj, real, imag (torch's conjugate-Wirtinger gradients)."""

from __future__ import annotations

import numpy as np

from .. import _engine
from .._ops import compute, make_view, new_node, record
from .._tensor import Tensor
from ._table import register


@register("conj", node="ConjBackward0")
def conj(input: Tensor) -> Tensor:
    """Complex conjugate; real tensors are returned as they are."""
    if not input.dtype.is_complex:
        return input
    y = compute(np.conj, [input], input.dtype, input.dtype, input.device)
    record("ConjBackward0", [input], [y], [lambda g, c: g.conj()], [()])
    return y


Tensor.conj_physical = conj
Tensor.resolve_conj = lambda self: self
Tensor.resolve_neg = lambda self: self
Tensor.is_conj = lambda self: False


def _part(input: Tensor, which: str) -> Tensor:
    if not input.dtype.is_complex:
        if which == "imag":
            raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
        return input
    out = make_view(
        input, "SelectBackward0", lambda a: getattr(a, which), dtype=input.dtype.to_real()
    )
    if out._grad_fn is not None:
        factor = 1 if which == "real" else 1j
        node = new_node(
            "SelectBackward0",
            out._grad_fn._next_edges,
            (lambda g, c: g.to(c.dtype) * factor,),
            (True,),
        )
        node._values["dtype"] = input.dtype
        node._input_metadata = [_engine.InputMetadata(out)]
        out._grad_fn = node
    return out


@register("real", method=False)
def real(input: Tensor) -> Tensor:
    return _part(input, "real")


@register("imag", method=False)
def imag(input: Tensor) -> Tensor:
    return _part(input, "imag")


Tensor.real = property(real)
Tensor.imag = property(imag)
