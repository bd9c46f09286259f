"""Generated reproducers are standalone scripts that run and fail the same way."""

import os
import subprocess
import sys

import pytest

import gradspec
from tests.fixtures import zoo_functions as z

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = [
    ("backward-returns", z.ExpDoubleGrad.apply, lambda x: x.exp(), "()->()", {}),
    (
        "layouts",
        z.LinearStridesIgnored.apply,
        lambda x, w, b=None: x @ w.t() + b,
        "(n,i),(o,i),(o)->(n,o)",
        {},
    ),
    ("vjp", z.SinWrongSign.apply, lambda x: x.sin(), "()->()", {"broadcast": True}),
    ("saved-tensors-version", z.SinAttrInput.apply, lambda x: x.sin(), "()->()", {}),
    (
        "output-subsets",
        z.SinCosAssumesBothGrads.apply,
        lambda x: (x.sin(), x.cos()),
        "(n)->(n),(n)",
        {},
    ),
]


@pytest.mark.parametrize(("check", "fn", "ref", "sig", "kw"), CASES, ids=[c[0] for c in CASES])
def test_reproducer_runs_and_fails(tmp_path, check, fn, ref, sig, kw):
    report = gradspec.check(fn, ref, sig, checks=[check], dtypes=["float32"], max_examples=5, **kw)
    failure = next(f for f in report.failures if f.check == check)  # a check may find several
    script = tmp_path / "repro.py"
    script.write_text(failure.reproducer)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env=env,
        timeout=120,
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "AssertionError" in proc.stderr
    assert f"[{check}]" in proc.stderr
