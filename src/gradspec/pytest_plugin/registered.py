"""Every spec registered under the ``gradspec.specs`` entry point, as tests: the module
``pytest --gradspec-registered`` collects. One test per spec x check x device x dtype."""

from __future__ import annotations

from gradspec.pytest_plugin.specs import run_one


def test_registered_spec(gradspec_spec, gradspec_check, gradspec_device, gradspec_dtype):
    run_one(gradspec_spec, gradspec_check, gradspec_device, gradspec_dtype)
