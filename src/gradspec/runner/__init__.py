"""``gradspec run``: collecting the items of the behaviours, ops and example Functions,
executing them (in worker processes), applying the expected differences, and writing what was
found (text, Markdown, JSON, JUnit) and the version matrix.

May import: ``gradspec.behaviours``, ``gradspec.ops``, ``gradspec.functions``, the shared
helpers and gradref. Only the front ends (``gradspec.cli``, the pytest plugin) import it.
"""
