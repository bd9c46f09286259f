"""User code that hangs, exits or is interrupted: a finding (or a clean stop with the findings so
far), never a silent hang or exit."""

import os
import sys
import time

import pytest
import torch

import gradspec
from gradspec.cli import main
from gradspec.functions import limits

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("signal"), "setitimer"), reason="no setitimer: the watchdog only warns"
)

FAST = dict(max_examples=4, dtypes=["float64"])


def _fn(forward_effect=None, backward_effect=None):
    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            if forward_effect is not None and x.numel() >= 2:
                forward_effect()
            return x * 2

        @staticmethod
        def backward(ctx, g):
            if backward_effect is not None and g.numel() >= 2:
                backward_effect()
            return g * 2

    return F


def _spec(F, reference=lambda x: x * 2, **kw):
    return gradspec.spec(F.apply, reference, "(n)->(n)", sizes={"n": range(2, 5)}, **kw)


def _sleep():
    time.sleep(60)


def test_a_hanging_forward_is_a_finding_and_the_check_stops():
    waits = []
    t = time.monotonic()
    r = gradspec.run(_spec(_fn(forward_effect=lambda: waits.append(1) or _sleep())), timeout=1,
                     **FAST)  # fmt: skip
    assert time.monotonic() - t < 20
    assert len(waits) == 1  # one hang is waited for once: no later call waits again
    assert not r.ok and r.stopped
    (f,) = r.failures
    assert "did not return within 1 s" in f.message and "float64[" in f.message
    assert "F.apply" in f.message and f.example_text.startswith("x: float64[")
    assert "gradspec stopped checking" in r.stopped
    assert any(o.detail == "not run (stopped)" for o in r.outcomes)
    assert "STOPPED: " in str(r)


def test_a_hanging_backward_names_the_backward():
    waits = []
    r = gradspec.run(_spec(_fn(backward_effect=lambda: waits.append(1) or _sleep())), timeout=1,
                     **FAST)  # fmt: skip
    assert len(waits) == 1  # met first by the preflight, reported by a check: waited for once
    assert not r.ok and r.stopped
    (f,) = r.failures
    assert f.message.startswith("backward (F.backward, run by ")
    assert "did not return within 1 s" in f.message


def test_a_hanging_reference_is_not_blamed_on_the_op():
    def slow_reference(x):
        time.sleep(60)
        return x * 2

    r = gradspec.run(_spec(_fn(), reference=slow_reference), timeout=1, **FAST)
    assert not r.ok and r.stopped and not r.failures
    assert r.errors and "the reference did not return within 1 s" in r.errors[0].detail


def test_sys_exit_in_forward_is_a_finding_and_the_other_checks_run():
    r = gradspec.run(_spec(_fn(forward_effect=lambda: sys.exit(3))), **FAST)
    assert not r.ok
    (f,) = r.failures
    assert "sys.exit(3)" in f.message and "ExitCalled" in f.message


def test_sys_exit_in_backward_is_a_finding():
    r = gradspec.run(_spec(_fn(backward_effect=lambda: sys.exit(0))), **FAST)
    assert not r.ok
    assert any("sys.exit(0)" in f.message for f in r.failures)


def test_os_exit_is_a_finding():
    r = gradspec.run(_spec(_fn(forward_effect=lambda: os._exit(5))), **FAST)
    assert not r.ok
    assert any("os._exit(5)" in f.message for f in r.failures)
    assert os._exit is limits._REAL_EXIT


def _interrupt():
    raise KeyboardInterrupt


def test_ctrl_c_stops_cleanly_with_the_findings_so_far():
    with pytest.raises(gradspec.Interrupted) as info:
        gradspec.run(_spec(_fn(forward_effect=_interrupt)), **FAST)
    r = info.value.report
    assert isinstance(info.value, KeyboardInterrupt)
    assert not r.ok and "interrupted (KeyboardInterrupt, Ctrl-C)" in r.stopped


def test_bad_timeouts_are_spec_errors():
    for bad in (0, -1, "60", True):
        with pytest.raises(gradspec.SpecError, match="timeout must be a positive number"):
            gradspec.run(_spec(_fn()), timeout=bad)


HANGING_FILE = """
import time, torch, gradspec


class Slow(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        if x.numel() >= 2:
            {effect}
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 2


spec = gradspec.spec(Slow.apply, lambda x: x * 2, "(n)->(n)", sizes={{"n": range(2, 4)}},
                     dtypes=["float64"], max_examples=3)
"""


def test_cli_hang_is_a_finding_and_exit_1(capsys, tmp_path):
    path = tmp_path / "slow_ops.py"
    path.write_text(HANGING_FILE.format(effect="time.sleep(60)"))
    assert main(["check", str(path), "--timeout", "1"]) == 1
    out = capsys.readouterr().out
    assert "did not return within 1 s" in out and "STOPPED:" in out


def test_cli_ctrl_c_prints_the_findings_so_far_and_exits_130(capsys, tmp_path):
    path = tmp_path / "interrupting_ops.py"
    path.write_text(HANGING_FILE.format(effect="raise KeyboardInterrupt"))
    assert main(["check", str(path)]) == 130
    captured = capsys.readouterr()
    assert "gradspec check of Slow.apply" in captured.out and "STOPPED:" in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gradspec check: interrupted (Ctrl-C)")


def test_cli_sys_exit_is_a_finding(capsys, tmp_path):
    path = tmp_path / "exiting_ops.py"
    path.write_text(HANGING_FILE.format(effect="raise SystemExit(7)"))
    assert main(["check", str(path)]) == 1
    assert "sys.exit(7)" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_cli_bad_timeout_is_one_line_exit_2(capsys, value):
    assert main(["check", "gradspec.functions.seeds:exp", "--timeout", value]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--timeout" in err[0]


def test_progress_lines_for_a_long_check(capsys, monkeypatch):
    from gradspec.functions import progress

    monkeypatch.setattr(progress, "AFTER", 0.0)
    gradspec.run(_spec(_fn()), progress=True, checks=["vjp"], **FAST)
    err = capsys.readouterr().err
    assert "gradspec check F.apply: cpu/float64 done (" in err


def test_progress_is_off_under_ci_and_pytest(monkeypatch):
    from gradspec.functions.progress import progress_wanted

    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert progress_wanted(None) and not progress_wanted(False)
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(None) and progress_wanted(True)
    monkeypatch.delenv("CI")
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "t")
    assert not progress_wanted(None)
