"""gradref.autograd.graph: the Node type and gradient edges."""

from __future__ import annotations

from typing import NamedTuple

from .._engine import Node


class GradientEdge(NamedTuple):
    node: Node
    output_nr: int


def get_gradient_edge(tensor) -> GradientEdge:
    from .._engine import gradient_edge

    node, nr = gradient_edge(tensor)
    if node is None:
        raise RuntimeError(
            "It is not possible to get the gradient edge for a Tensor that does not require "
            "gradients"
        )
    return GradientEdge(node, nr)


__all__ = ["Node", "GradientEdge", "get_gradient_edge"]
