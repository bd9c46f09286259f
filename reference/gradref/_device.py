"""Device labels. gradref computes everything with NumPy on the host; a tensor's device is a label
that follows torch's rules (results live where their inputs live, mixing devices is an error), so
that scenarios written for ``cuda`` run unchanged on gradref."""

from __future__ import annotations


class device:
    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None):  # noqa: A002 - torch's name
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        type = str(type)
        if ":" in type:
            type, _, idx = type.partition(":")
            if index is not None:
                raise RuntimeError(
                    "type (string) must not include an index because index was "
                    "passed explicitly: " + f"{type}:{idx}"
                )
            index = int(idx)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, meta device type at start of device string: " + type
            )
        self.type = type
        self.index = index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")


def as_device(d) -> device:
    """Normalise a device argument; ``cuda`` means ``cuda:0`` as in torch's tensors."""
    if d is None:
        return CPU
    if isinstance(d, int):
        d = device("cuda", d)
    d = device(d)
    if d.type == "cuda" and d.index is None:
        d = device("cuda", 0)
    return d
