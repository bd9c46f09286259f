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


from gradspec.lazy import lazy_api  # noqa: E402

__getattr__ = lazy_api(__name__, _API, globals())


__all__ = sorted(_API)
