import os

import pytest

from gradspec.profiles import load_profile

PROFILE = load_profile()


def pytest_report_header(config):
    return f"gradspec hypothesis profile: {PROFILE}"


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    # One torch thread per xdist worker: the machine's cores are shared between workers.
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):
        torch.set_num_threads(1)
