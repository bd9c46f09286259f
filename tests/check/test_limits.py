"""The time limit and the exit guard around every call of the user's code."""

import os
import sys
import threading
import time

import pytest

from gradspec.functions import limits


@pytest.fixture
def half_second():
    if not hasattr(__import__("signal"), "setitimer"):
        pytest.skip("no setitimer on this platform: the watchdog only warns")
    with limits.limited(0.5) as lim:
        yield lim


def test_a_sleeping_call_is_stopped_at_its_limit(half_second):
    t = time.monotonic()
    with pytest.raises(limits.Hung, match=r"sleepy did not return within 0\.5 s"):
        limits.call(sleepy)
    assert time.monotonic() - t < 3
    assert limits.is_hang(limits.STATE.hung)


def sleepy():
    time.sleep(30)


def test_a_call_that_catches_the_timeout_is_still_stopped(half_second):
    def swallow():
        while True:
            try:
                time.sleep(30)
            except Exception:  # noqa: BLE001 - the user's code catching everything
                pass

    t = time.monotonic()
    with pytest.raises(limits.Hung):
        limits.call(swallow)
    assert time.monotonic() - t < 4


def test_a_python_loop_is_stopped(half_second):
    def spin():
        while True:
            pass

    with pytest.raises(limits.Hung, match="spin"):
        limits.call(spin)


def test_a_fast_call_returns_and_leaves_no_alarm(half_second):
    assert limits.call(lambda x: x + 1, 41) == 42
    time.sleep(1.2)  # a stray alarm would raise here


def test_exits_become_exceptions():
    with pytest.raises(limits.ExitCalled, match=r"sys\.exit\(3\)"):
        limits.call(sys.exit, 3)
    with pytest.raises(limits.ExitCalled, match=r"os\._exit\(4\)"):
        limits.call(lambda: os._exit(4))
    assert os._exit is limits._REAL_EXIT


def test_keyboard_interrupt_passes_through():
    def interrupt():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        limits.call(interrupt)


def test_no_limit_off_the_main_thread_but_the_watchdog_speaks(monkeypatch):
    monkeypatch.setattr(limits, "GRACE", 0.2)
    lines, out = [], {}

    def worker():
        with limits.limited(0.2, on_line=lines.append):
            out["v"] = limits.call(time.sleep, 1.5)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert out == {"v": None}  # not interrupted: no timer off the main thread
    assert lines and "cannot be interrupted" in lines[0] and "sleep" in lines[0]
