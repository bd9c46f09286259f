"""A reference written against gradref, run against torch: gradref mirrors torch's names, so the
same code means the same thing with ``gradref`` swapped for ``torch`` in its globals and
closure (``T.nn.functional.cross_entropy`` becomes ``torch.nn.functional.cross_entropy``).
Used to ask torch for its answer on the same inputs (see ``Answers.torch_answer``)."""

from __future__ import annotations

import functools
import importlib
import types


def _torch_twin(v):
    """torch's object of the same name as gradref's ``v`` (``v`` itself if it is not gradref's)."""
    if isinstance(v, types.ModuleType):
        name = v.__name__
        if name == "gradref" or name.startswith("gradref."):
            try:
                return importlib.import_module("torch" + name[len("gradref") :])
            except ImportError:
                return v
        return v
    module = getattr(v, "__module__", None) or ""
    if module.startswith("gradref") and callable(v) and not isinstance(v, type):
        import torch

        name = getattr(v, "__name__", "")
        for home in (torch, torch.nn.functional, torch.linalg, torch.special):
            if hasattr(home, name):
                return getattr(home, name)
    return v


def _cell(c, depth):
    try:
        v = c.cell_contents
    except ValueError:  # an empty cell
        return types.CellType()
    return types.CellType(_translate_value(v, depth))


def _translate_value(v, depth):
    if isinstance(v, types.FunctionType) and depth > 0:
        module = v.__module__ or ""
        if not module.startswith(("gradref", "torch", "numpy")):
            return as_torch(v, depth - 1) or v
    return _torch_twin(v)


def as_torch(f, depth: int = 2):
    """``f`` with gradref's modules and functions in its globals and closure replaced by
    torch's, and the same done to the plain functions it calls (``depth`` levels deep); None
    when ``f`` is not a plain Python function."""
    if f is None:
        return None
    if isinstance(f, functools.partial):
        inner = as_torch(f.func, depth)
        return None if inner is None else functools.partial(inner, *f.args, **f.keywords)
    code = getattr(f, "__code__", None)
    if code is None or not isinstance(f, types.FunctionType):
        return None
    names = set(code.co_names)
    glob = dict(f.__globals__)
    for k in names & set(glob):
        glob[k] = _translate_value(glob[k], depth)
    closure = None
    if f.__closure__:
        closure = tuple(_cell(c, depth) for c in f.__closure__)
    g = types.FunctionType(code, glob, f.__name__, f.__defaults__, closure)
    g.__kwdefaults__ = f.__kwdefaults__
    return g
