"""The op table: every public op, by name, with the torch signature it mirrors.

``@register(name, method=..., inplace=...)`` records a function in ``OPS`` and exposes it as a
``gradref`` function and, when asked, as a ``Tensor`` method and an in-place ``name_`` method.
Adding an op is one entry: a forward, its VJPs, and this decorator.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import _grad_mode
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

#: torch's refusal of ``out=`` while autograd would record (it cannot differentiate into out)
OUT_REQUIRES_GRAD = (
    "{}(): functions with out=... arguments don't support automatic differentiation, but one of "
    "the arguments requires grad."
)


def _requires_grad(value) -> bool:
    if isinstance(value, Tensor):
        return value.requires_grad
    if isinstance(value, (list, tuple)):
        return any(_requires_grad(v) for v in value)
    return False


def with_out(name: str, fn: Callable) -> Callable:
    """``fn`` with torch's ``out=`` keyword: refused when grad mode is on and an argument (out
    included) requires grad; otherwise the result is written into ``out``, which is returned."""
    try:
        if "out" in inspect.signature(fn).parameters:
            return fn
    except (TypeError, ValueError):
        return fn

    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if _grad_mode.is_grad_enabled() and (
            _requires_grad(args) or _requires_grad(tuple(kwargs.values())) or _requires_grad(out)
        ):
            raise RuntimeError(OUT_REQUIRES_GRAD.format(name))
        result = fn(*args, **kwargs)
        pairs = zip(out, result) if isinstance(out, (tuple, list)) else [(out, result)]
        for o, r in pairs:
            if tuple(o.shape) != tuple(r.shape):
                raise NotImplementedError("gradref: out= of another shape than the result")
            with _grad_mode.no_grad():
                o.copy_(r)
        return out

    return call


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
