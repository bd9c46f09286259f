"""pytest plugin (``pytest11`` entry point ``gradspec``).

In test files:

* :func:`spec_tests` turns a spec of a custom Function into tests, one per check x device x
  dtype (see :mod:`gradspec.pytest_plugin.specs`);
* :func:`run_tests` turns the items of ``gradspec run`` (behaviours, ops, op errors, examples)
  into tests, one per result (see :mod:`gradspec.pytest_plugin.run_items`).

From the command line, with only the package installed, from any directory:

* ``pytest --gradspec-run`` collects every item of ``gradspec run`` as tests (ids are the
  result ids; ``--gradspec-profile``, ``--gradspec-device`` select as the CLI's ``--profile``
  and ``--device`` do, pytest's ``-k`` selects by id). Under ``-n`` (pytest-xdist) the results
  of one item stay in one ``xdist_group`` and ``--dist loadgroup`` is used unless ``--dist``
  is given;
* ``pytest --gradspec-registered`` checks every spec registered under the ``gradspec.specs``
  entry point.

When the session has not loaded a Hypothesis profile, the plugin loads gradspec's default one.
"""

from __future__ import annotations

from pathlib import Path

from gradspec.pytest_plugin.run_items import run_tests
from gradspec.pytest_plugin.specs import configure, run_one, spec_params, spec_tests

HERE = Path(__file__).resolve().parent
#: the installed test modules the command-line options collect
MODULES = {
    "--gradspec-run": HERE / "gradspec_run.py",
    "--gradspec-registered": HERE / "registered.py",
}


def pytest_addoption(parser) -> None:
    group = parser.getgroup("gradspec", "gradspec: autograd conformance checks")
    group.addoption(
        "--gradspec-run", action="store_true", help="collect every item of `gradspec run` as tests"
    )
    group.addoption(
        "--gradspec-registered",
        action="store_true",
        help="check every spec registered under the gradspec.specs entry point",
    )
    group.addoption(
        "--gradspec-profile",
        metavar="NAME",
        help="Hypothesis profile: dev, ci or thorough (default: ci when CI is set, else dev)",
    )
    group.addoption(
        "--gradspec-device",
        action="append",
        default=[],
        metavar="DEVICE",
        help="run the gradspec items on this device (repeatable; default: every available one; "
        "an absent one is an error unless --gradspec-where-available)",
    )
    group.addoption(
        "--gradspec-where-available",
        action="store_true",
        help="skip the --gradspec-device devices that are absent here instead of failing",
    )


def pytest_load_initial_conftests(early_config, parser, args) -> None:
    """``--gradspec-run`` / ``--gradspec-registered``: add the installed test module to what
    pytest collects (in place, so xdist's workers collect it too)."""
    for flag, module in MODULES.items():
        if flag in args and str(module) not in args:
            args.append(str(module))


def pytest_configure(config) -> None:
    name = config.getoption("gradspec_profile", None)
    if name:
        from gradspec.profiles import PROFILES, load_profile

        if name not in PROFILES:
            import pytest

            raise pytest.UsageError(
                f"--gradspec-profile {name!r}: choose one of {', '.join(PROFILES)}"
            )
        load_profile(name)
    configure(config)
    if any(config.getoption(flag[2:].replace("-", "_"), False) for flag in MODULES):
        from gradspec.profiles import use_cache_dir

        use_cache_dir()  # gradspec's own session: Hypothesis's files go to gradspec's cache
    if not config.getoption("gradspec_where_available", False):
        from gradspec.devices import absent_reason

        for d in config.getoption("gradspec_device", None) or ():
            why = absent_reason(d)
            if why is not None:
                import pytest

                raise pytest.UsageError(
                    f"--gradspec-device {d}: {why}; --gradspec-where-available skips it"
                )
    if config.getoption("gradspec_run", False) and getattr(config.option, "dist", None) == "load":
        if not any(a.startswith("--dist") for a in config.invocation_params.args):
            config.option.dist = "loadgroup"  # an item's results share one run


def pytest_generate_tests(metafunc) -> None:
    names = set(metafunc.fixturenames)
    if {"gradspec_item", "gradspec_result_id"} <= names:
        from gradspec.pytest_plugin.run_items import params

        devices = tuple(metafunc.config.getoption("gradspec_device") or ())
        metafunc.parametrize(("gradspec_item", "gradspec_result_id"), params(devices=devices))
    elif "gradspec_spec" in names:
        from gradspec.functions.spec import registered_specs

        devices = metafunc.config.getoption("gradspec_device") or None
        out = []
        for s in registered_specs():
            for p in spec_params(s, devices=devices):
                out.append(_registered_param(s, p))
        metafunc.parametrize(
            ("gradspec_spec", "gradspec_check", "gradspec_device", "gradspec_dtype"), out
        )


def _registered_param(spec, p):
    """A registered spec's ``(spec, check, device, dtype)`` param, its id led by the label."""
    import pytest

    return pytest.param(spec, *p.values, id=f"{spec.label}-{p.id}", marks=p.marks)


__all__ = ["run_one", "run_tests", "spec_params", "spec_tests"]
