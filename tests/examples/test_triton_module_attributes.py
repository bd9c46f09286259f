"""After a kernel launch under Triton's interpreter, every loaded module still says what it is,
so a Hypothesis search that is not derandomized (its search for the test's constants walks
``sys.modules``) still runs: triton 2.x's interpreter sets every attribute of
``triton.language.math``, ``__file__`` included, to a function at each launch, and
``gradspec.triton_interpreter`` puts the module's own attributes back. Each test runs in a fresh
process: the launch changes the process for good. The launch itself may fail (some triton
releases' interpreters cannot run a kernel with some NumPy releases); Triton's patch runs first."""

import os
import subprocess
import sys

import pytest
import torch

pytest.importorskip("triton")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

LAUNCH = """
import os, sys
os.environ["TRITON_INTERPRET"] = "1"
import torch
from gradspec import triton_interpreter
{apply}
from examples import triton_kernels as K
try:
    K.TritonSoftmax.apply(torch.ones(1, 2))
except Exception:
    pass  # an interpreter that cannot run a kernel here: Triton's patch ran first
bad = sorted(n for n, m in list(sys.modules.items())
             if not isinstance(getattr(m, "__file__", None) or "", str))
print("modules whose __file__ is not a path:", bad)

from hypothesis import given, settings, strategies as st

@settings(max_examples=3, derandomize=False, database=None)
@given(st.integers())
def test(n):
    assert n == n

test()
print("a random search ran")
"""


def _launch(apply: bool) -> subprocess.CompletedProcess:
    code = LAUNCH.format(apply="triton_interpreter.apply()" if apply else "")
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)  # fmt: skip


@pytest.mark.skipif(torch.cuda.is_available(), reason="the kernels run compiled here (a GPU)")
def test_a_random_search_runs_after_a_kernel_launch_under_the_interpreter():
    out = _launch(apply=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "modules whose __file__ is not a path: []" in out.stdout, out.stdout
    assert "a random search ran" in out.stdout


@pytest.mark.skipif(torch.cuda.is_available(), reason="the kernels run compiled here (a GPU)")
def test_the_patch_is_what_keeps_the_module_attributes():
    """Without gradspec's patches, triton 2.x's launch leaves triton.language.math's __file__
    a function (triton 3 does not touch it: nothing to show there)."""
    from triton.runtime import interpreter

    if not hasattr(interpreter, "_patch_lang_math"):
        pytest.skip("this triton's interpreter does not patch triton.language.math's attributes")
    out = _launch(apply=False)
    assert "triton.language.math" in out.stdout, out.stdout + out.stderr
