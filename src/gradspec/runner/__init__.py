"""``gradspec run``: collecting the items of the behaviours, ops and example Functions,
executing them (in worker processes), applying the expected differences, and writing what was
found (text, Markdown, JSON, JUnit) and the version matrix.

May import: ``gradspec.behaviours``, ``gradspec.ops``, ``gradspec.functions``, the shared
helpers and gradref. Only the front ends (``gradspec.cli``, the pytest plugin) import it.
"""

#: the runner's API (name -> module), loaded on first use so that ``gradspec.runner.matrix``
#: imports without torch
_API = {
    "run": "gradspec.runner.session",
    "collect": "gradspec.runner.items",
    "Item": "gradspec.runner.items",
    "RunOptions": "gradspec.runner.options",
    "UsageError": "gradspec.runner.options",
    "make_options": "gradspec.runner.options",
    "default_workers": "gradspec.runner.options",
    "Result": "gradspec.runner.results",
    "RunReport": "gradspec.runner.results",
    "STATUSES": "gradspec.runner.results",
    "apply_expectations": "gradspec.runner.results",
}


def __getattr__(name: str):
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradspec.runner' has no attribute {name!r}")


__all__ = sorted(_API)
