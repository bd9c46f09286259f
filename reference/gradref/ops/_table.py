"""The op table: every public op, by name, with the torch signature it mirrors.

``@register(name, method=..., inplace=...)`` records a function in ``OPS`` and exposes it as a
``gradref`` function and, when asked, as a ``Tensor`` method and an in-place ``name_`` method.
Adding an op is one entry: a forward, its VJPs, and this decorator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .._ops import inplace as _run_inplace
from .._tensor import Tensor


@dataclass
class OpEntry:
    name: str
    fn: Callable
    node: str | None = None
    method: bool = True
    inplace: bool = False
    doc: str = ""
    aliases: tuple = field(default_factory=tuple)


OPS: dict[str, OpEntry] = {}


def register(
    name: str,
    *,
    node: str | None = None,
    method: bool = True,
    inplace: bool = False,
    aliases: tuple = (),
    method_name: str | None = None,
):
    """Register ``fn`` as op ``name`` (and as ``Tensor.name`` / ``Tensor.name_`` if asked)."""

    def deco(fn: Callable) -> Callable:
        fn.__name__ = name
        OPS[name] = OpEntry(name, fn, node, method, inplace, fn.__doc__ or "", aliases)
        for alias in aliases:
            OPS[alias] = OPS[name]
        if method:
            mname = method_name or name
            setattr(Tensor, mname, fn)
            for alias in aliases:
                setattr(Tensor, alias, fn)
        if inplace:

            def inplace_method(self, *args, **kwargs):
                return _run_inplace(self, fn, *args, **kwargs)

            inplace_method.__name__ = name + "_"
            setattr(Tensor, name + "_", inplace_method)
        return fn

    return deco
