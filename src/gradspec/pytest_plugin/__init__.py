"""pytest plugin (``pytest11`` entry point ``gradspec``).

* :func:`spec_tests` turns a spec of a custom Function into tests, one per check x device x
  dtype (see :mod:`gradspec.pytest_plugin.specs`);
* :func:`run_tests` turns the items of ``gradspec run`` (behaviours, ops, op errors, examples)
  into tests, one per result (see :mod:`gradspec.pytest_plugin.run_items`).

When the session has not loaded a Hypothesis profile, the plugin loads gradspec's default one.
"""

from __future__ import annotations

from gradspec.pytest_plugin.run_items import run_tests
from gradspec.pytest_plugin.specs import configure, run_one, spec_params, spec_tests


def pytest_configure(config) -> None:
    configure(config)


__all__ = ["run_one", "run_tests", "spec_params", "spec_tests"]
