"""Package APIs loaded on first use, so importing a package stays cheap (``import gradspec``
must not import torch; ``gradspec.runner.matrix`` runs with the standard library only)."""

from __future__ import annotations

import importlib


def lazy_api(package: str, api: dict[str, str], namespace: dict):
    """A module ``__getattr__`` for ``package`` that imports ``api[name]`` (a module path) the
    first time ``name`` is asked for and keeps the value in ``namespace`` (the package's
    globals)."""

    def __getattr__(name: str):
        if name in api:
            value = getattr(importlib.import_module(api[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
