import os

import pytest

from gradspec.profiles import load_profile

PROFILE = load_profile()


def pytest_report_header(config):
    return f"gradspec hypothesis profile: {PROFILE}"


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    # One torch (and BLAS) thread per xdist worker: the machine's cores are shared between workers.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from gradspec.threads import one_thread_for_good

        one_thread_for_good()
