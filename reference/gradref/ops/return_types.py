"""torch.return_types: the (values, indices) pairs with named fields that max, min, sort, topk,
median, kthvalue, cummax and cummin return."""

from __future__ import annotations


class ValuesIndices(tuple):
    """torch.return_types.<name>: a (values, indices) pair with named fields."""

    _name = "max"

    def __new__(cls, values, indices):
        return super().__new__(cls, (values, indices))

    @property
    def values(self):
        return self[0]

    @property
    def indices(self):
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def return_type(name: str) -> type:
    """The pair class torch names ``torch.return_types.<name>``."""
    return type(name, (ValuesIndices,), {"_name": name})
