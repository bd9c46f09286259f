import os

import pytest

from gradspec.profiles import load_profile

PROFILE = load_profile()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """``pytest -n N`` with no ``--dist``: work stealing, not xdist's default ``load``. ``load``
    hands out chunks of consecutive tests, and the suite's slow tests (subprocesses, Triton's
    interpreter) sit together: the worker given the last chunk ran alone for 12-17 s of a
    135-145 s run. A worker out of tests steals half of another's queue instead."""
    option = config.option
    if getattr(option, "numprocesses", None) and getattr(option, "dist", None) == "no":
        option.dist = "worksteal"


def pytest_report_header(config):
    return f"gradspec hypothesis profile: {PROFILE}"


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    # One torch (and BLAS) thread per xdist worker: the machine's cores are shared between workers.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from gradspec.threads import one_thread_for_good

        one_thread_for_good()
