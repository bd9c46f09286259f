"""Gufunc-style signatures for ops under test: ``"(n,i),(o,i),(o)?->(n,o)"``.

Each input and output is a parenthesised list of core dimensions (names or fixed integers). An
input followed by ``?`` is *optional*: gradspec sometimes passes ``None`` for it (a bias that may
be omitted). Several outputs are separated by commas. ``"(),()->()"`` is a binary elementwise op.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GROUP = r"\((?:\s*[A-Za-z0-9_]+\s*(?:,\s*[A-Za-z0-9_]+\s*)*)?\)"
_INPUT = re.compile(rf"\s*({_GROUP})\s*(\??)\s*")
_OUTPUT = re.compile(rf"\s*({_GROUP})\s*")


class SignatureError(ValueError):
    """A signature string that gradspec cannot parse."""


@dataclass(frozen=True)
class Signature:
    """A parsed signature: core dimensions of inputs and outputs, and which inputs are optional."""

    text: str
    inputs: tuple[tuple[str, ...], ...]
    outputs: tuple[tuple[str, ...], ...]
    optional: tuple[bool, ...]

    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @property
    def n_outputs(self) -> int:
        return len(self.outputs)

    def hypothesis_signature(self) -> str:
        """The inputs' part of the signature as ``hypothesis.extra.numpy`` accepts it (no ``?``
        marks, a 0-d output): dimensions that only outputs have are not Hypothesis's to draw
        (their sizes come from the reference's outputs)."""
        ins = ",".join("(" + ",".join(d) + ")" for d in self.inputs)
        return f"{ins}->()"

    @property
    def output_only_dims(self) -> tuple[str, ...]:
        """Named output dimensions no input has (e.g. ``m`` in ``(n,a)->(n,m)``)."""
        have = {d for core in self.inputs for d in core}
        out = []
        for core in self.outputs:
            for d in core:
                if not d.isdigit() and d not in have and d not in out:
                    out.append(d)
        return tuple(out)

    def dim_sizes(self, input_shapes) -> dict[str, int]:
        """Core dimension sizes read off concrete input shapes (``None`` for absent inputs)."""
        sizes: dict[str, int] = {}
        for core, shape in zip(self.inputs, input_shapes):
            if shape is None or not core:
                continue
            for name, size in zip(core, shape[len(shape) - len(core) :]):
                if not name.isdigit():
                    sizes[name] = size
        return sizes

    def output_shapes(self, input_shapes) -> list[tuple[int, ...] | None]:
        """Each output's expected shape: broadcast loop dimensions followed by its core dimensions.

        ``None`` for an output whose core dimensions do not all appear among the inputs.
        """
        import numpy as np

        loops = [
            tuple(shape[: len(shape) - len(core)])
            for core, shape in zip(self.inputs, input_shapes)
            if shape is not None
        ]
        loop = tuple(np.broadcast_shapes(*loops)) if loops else ()
        sizes = self.dim_sizes(input_shapes)
        shapes: list[tuple[int, ...] | None] = []
        for core in self.outputs:
            dims = []
            for name in core:
                if name.isdigit():
                    dims.append(int(name))
                elif name in sizes:
                    dims.append(sizes[name])
                else:
                    dims = None
                    break
            shapes.append(None if dims is None else loop + tuple(dims))
        return shapes


def _dims(group: str) -> tuple[str, ...]:
    inner = group.strip()[1:-1].strip()
    return tuple(d.strip() for d in inner.split(",")) if inner else ()


def parse_signature(text: str) -> Signature:
    """Parse ``text``; raises :class:`SignatureError` naming what is wrong."""
    if not isinstance(text, str):
        raise SignatureError(f"signature must be a string like '(n),(n)->(n)', got {text!r}")
    if text.count("->") != 1:
        raise SignatureError(
            f"signature {text!r} must have exactly one '->' between inputs and outputs, "
            "e.g. '(n,i),(o,i),(o)->(n,o)'"
        )
    left, right = text.split("->")
    inputs, optional = [], []
    pos = 0
    left = left.strip()
    while pos < len(left):
        m = _INPUT.match(left, pos)
        if not m:
            raise SignatureError(f"signature {text!r}: cannot read an input at {left[pos:]!r}")
        inputs.append(_dims(m.group(1)))
        optional.append(m.group(2) == "?")
        pos = m.end()
        if pos < len(left):
            if left[pos] != ",":
                raise SignatureError(f"signature {text!r}: expected ',' at {left[pos:]!r}")
            pos += 1
    outputs = []
    pos = 0
    right = right.strip()
    while pos < len(right):
        m = _OUTPUT.match(right, pos)
        if not m:
            raise SignatureError(f"signature {text!r}: cannot read an output at {right[pos:]!r}")
        outputs.append(_dims(m.group(1)))
        pos = m.end()
        if pos < len(right):
            if right[pos] != ",":
                raise SignatureError(f"signature {text!r}: expected ',' at {right[pos:]!r}")
            pos += 1
    if not inputs:
        raise SignatureError(f"signature {text!r} has no inputs")
    if not outputs:
        raise SignatureError(f"signature {text!r} has no outputs")
    return Signature(text, tuple(inputs), tuple(outputs), tuple(optional))
