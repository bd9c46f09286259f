"""Nodes as Python objects: one class per node name, with torch's saved-field properties.

torch gives every backward node its own class (``type(y.grad_fn).__name__ == "MulBackward0"``)
whose saved values are properties (``_saved_self``, ``_raw_saved_self``, ``_saved_alpha``...), so
``dir(node)`` lists them and tools such as torchviz read them. :func:`op_node_class` builds the
same classes for gradref's built-in nodes from the table in ``_saved_fields``; a getter returns
what torch's generated getter returns for that field's kind (see ``_saved_fields``).
"""

from __future__ import annotations

import functools

from ._engine import FREED_MESSAGE, SavedTensor
from ._saved_fields import FIELDS

_UINT64 = 1 << 64


@functools.cache
def fields_of(name: str) -> tuple[tuple[str, str], ...]:
    """The saved fields ``(field, kind)`` torch's node ``name`` exposes (empty if none; parsed
    once per name: every op records its node with them)."""
    spec = FIELDS.get(name, "")
    out = []
    for part in spec.split(","):
        part = part.strip()
        if part:
            field, kind = (s.strip() for s in part.split(":"))
            out.append((field, kind))
    return tuple(out)


def _as_int64(v) -> int:
    """An int64 through ``PyLong_FromUnsignedLong``: negative values wrap to ``v + 2**64``."""
    v = int(v)
    return v + _UINT64 if v < 0 else v


def _as_scalar(v):
    """A c10::Scalar read back into Python: bool, int, float or complex, keeping the kind."""
    if hasattr(v, "item") and not isinstance(v, (bool, int, float, complex)):
        v = v.item()
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, complex):
        return complex(v)
    return float(v)


def convert(kind: str, value):
    """The Python value torch's getter returns for a saved field of ``kind`` holding ``value``."""
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    if kind == "int":
        return _as_int64(value)
    if kind == "int[]":
        return tuple(_as_int64(v) for v in value)
    if kind == "Scalar":
        return _as_scalar(value)
    if kind == "float":
        return float(value)
    if kind == "float[]":
        return tuple(float(v) for v in value)
    if kind == "bool":
        return bool(value)
    if kind == "str":
        return str(value)
    raise ValueError(f"unknown saved-field kind {kind!r}")


def _tensor_getter(field: str):
    def get(self):
        saved = self._saved.get(field)
        if saved is None:
            return None
        if isinstance(saved, tuple):
            return tuple(None if s is None else s.unpack(self) for s in _unreleased(saved))
        return saved.unpack(self)

    return get


def _unreleased(saved: tuple) -> tuple:

    if any(s is not None and s._freed for s in saved):
        raise RuntimeError(FREED_MESSAGE)
    return saved


def _raw_getter(field: str):
    """``_raw_saved_<field>``: the SavedTensor (an undefined one for a tensor saved as None);
    for a list of tensors, a tuple of them, which raises once backward freed them."""

    def get(self):
        saved = self._saved.get(field)
        if isinstance(saved, tuple):
            return tuple(SavedTensor.undefined() if s is None else s for s in _unreleased(saved))
        return SavedTensor.undefined() if saved is None else saved

    return get


def _value_getter(field: str, kind: str, node_name: str):
    def get(self):
        if field not in self._values:
            raise NotImplementedError(
                f"gradref does not record {node_name}._saved_{field}: see gradspec's "
                "gradref fidelity notes (reference/gradref/_saved_fields.py)"
            )
        return convert(kind, self._values[field])

    return get


def saved_properties(name: str) -> dict:
    """``_saved_<field>`` (and ``_raw_saved_<field>`` for tensors) properties of node ``name``."""
    props: dict = {}
    for field, kind in fields_of(name):
        if kind.startswith("Tensor"):
            props[f"_saved_{field}"] = property(_tensor_getter(field))
            props[f"_raw_saved_{field}"] = property(_raw_getter(field))
        else:
            props[f"_saved_{field}"] = property(_value_getter(field, kind, name))
    return props


#: nodes whose Python type torch does not bind to a class of their own: ``CppFunction``
GENERIC_CLASS = frozenset({"torch::autograd::Identity"})


def class_name(name: str) -> str:
    """A node's class name: its ``name()`` without a C++ namespace (``AccumulateGrad``), or
    ``CppFunction`` for the C++ nodes torch shows through its generic wrapper."""
    if name in GENERIC_CLASS:
        return "CppFunction"
    return name.rsplit("::", 1)[-1]


@functools.cache
def op_node_class(name: str, base: type) -> type:
    """The class of built-in node ``name`` (a subclass of ``base``), created once."""
    return type(class_name(name), (base,), {"_name": name, **saved_properties(name)})
