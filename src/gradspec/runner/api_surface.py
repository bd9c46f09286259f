"""The public autograd API of the installed torch, by introspection: every public name of
``torch.autograd``, ``torch.autograd.graph``, ``torch.autograd.function`` and
``torch.autograd.forward_ad`` (and the public members of the classes they define), and
``Tensor``'s autograd methods and attributes, each with the names of its parameters where Python
can read them. ``gradspec run`` puts it in its report; the matrix merges the reports into rows
saying which releases have each name and keyword."""

from __future__ import annotations

import inspect
import types
from typing import Any

#: the modules whose public names are collected
MODULES = (
    "torch.autograd",
    "torch.autograd.graph",
    "torch.autograd.function",
    "torch.autograd.forward_ad",
)

#: Tensor's autograd methods and attributes (as the autograd docs list them)
TENSOR_NAMES = (
    "backward",
    "data",
    "detach",
    "detach_",
    "grad",
    "grad_fn",
    "is_inference",
    "is_leaf",
    "output_nr",
    "register_hook",
    "register_post_accumulate_grad_hook",
    "requires_grad",
    "requires_grad_",
    "retain_grad",
    "retains_grad",
)


def _params(obj: Any) -> list[str] | None:
    """The parameter names of a callable (``*args``/``**kw`` as such; ``self`` left out), or
    None when it is not callable or Python cannot read its signature."""
    if not callable(obj):
        return None
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        if p.kind is p.VAR_POSITIONAL:
            out.append(f"*{p.name}")
        elif p.kind is p.VAR_KEYWORD:
            out.append(f"**{p.name}")
        else:
            out.append(p.name)
    return out


def _from_torch(obj: Any) -> bool:
    mod = getattr(obj, "__module__", None) or ""
    return mod == "torch" or mod.startswith(("torch.", "torch._"))


def _public_names(module: types.ModuleType) -> list[str]:
    """``__all__`` and every public name the module defines (or imports from torch), without
    submodules of other packages and imports from outside torch (typing, functools ...)."""
    names = set(getattr(module, "__all__", ()))
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name, None)
        if isinstance(obj, types.ModuleType):
            if obj.__name__.startswith(module.__name__ + "."):
                names.add(name)
            continue
        if _from_torch(obj) and (callable(obj) or isinstance(obj, type)):
            names.add(name)
    return sorted(names)


def _class_members(cls: type) -> dict[str, list[str] | None]:
    out: dict[str, list[str] | None] = {}
    for name in dir(cls):
        if name.startswith("_") or hasattr(object, name):
            continue
        try:
            member = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        out[name] = _params(member) if callable(member) else None
    return out


def collect() -> dict[str, list[str] | None]:
    """``{qualified name: parameter names or None}`` for the installed torch."""
    import importlib

    import torch

    out: dict[str, list[str] | None] = {}
    for modname in MODULES:
        try:
            module = importlib.import_module(modname)
        except ImportError:
            continue
        for name in _public_names(module):
            obj = getattr(module, name, None)
            qual = f"{modname}.{name}"
            if isinstance(obj, types.ModuleType):
                out[qual] = None
                continue
            out[qual] = _params(obj.__init__) if isinstance(obj, type) else _params(obj)
            if isinstance(obj, type) and _from_torch(obj):
                for member, params in _class_members(obj).items():
                    out[f"{qual}.{member}"] = params
    for name in TENSOR_NAMES:
        if hasattr(torch.Tensor, name):
            member = inspect.getattr_static(torch.Tensor, name)
            out[f"torch.Tensor.{name}"] = _params(member) if callable(member) else None
    return dict(sorted(out.items()))


def rows(api: dict[str, list[str] | None]) -> list[str]:
    """The surface as row names: each name, and each keyword as ``name(keyword)``."""
    out = []
    for name, params in api.items():
        out.append(name)
        for p in params or ():
            out.append(f"{name}({p})")
    return out


__all__ = ["MODULES", "TENSOR_NAMES", "collect", "rows"]
