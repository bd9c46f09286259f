"""What holds around every call of the user's code: a time limit, and no way out of the process.

* **Time limit.** Each call (forward, backward, reference, ``vjp=``) gets ``seconds`` (default
  :data:`DEFAULT_TIMEOUT`). Where it can, gradspec arms a real-time timer (``SIGALRM``, main
  thread, Unix, no other ``SIGALRM`` handler installed): past the limit the call raises
  :class:`Hung` — again every second, should the code catch it — which stops a ``sleep``, a
  Python loop, a lock wait. Code stuck in native code (a deadlocked kernel holding the GIL, a
  CUDA wait) cannot be interrupted from Python: a watchdog thread then says so on stderr, and
  where the caller asked for it (the CLI) ends the process with that line instead of hanging
  silently. The timer is armed once and left running between calls (a call that starts while
  it runs only notes its start time; when it fires early, it is armed again for what is left
  of the current call's time), so the common path costs no system call; the called code's name
  is worked out only when it is needed (a hang).
* **No exit.** ``sys.exit``/``SystemExit`` raised by the user's code becomes :class:`ExitCalled`
  (an ordinary exception: the op's finding); ``os._exit`` called through the ``os`` module
  during a call raises it too. What cannot be caught in-process — a function bound as ``from os
  import _exit`` before the check, C code calling ``exit()``, a crash — still ends the process.
* ``KeyboardInterrupt`` (Ctrl-C) is left alone: the checker stops cleanly with the findings so
  far.

Layer: a shared part of :mod:`gradspec.functions`; imports nothing of gradspec's.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time

#: seconds one call of the user's code may take (``timeout=``, ``--timeout``)
DEFAULT_TIMEOUT = 60.0
#: how long past its limit a call that the timer could not stop runs before the watchdog speaks
GRACE = 5.0
#: os._exit itself (``call`` replaces it while the user's code runs)
_REAL_EXIT = os._exit


class Hung(Exception):
    """A call of the user's code did not return within its time limit; ``arguments`` describes
    what it was called with (``float32[3], float32[2,3]``)."""

    def __init__(self, what: str, seconds: float, arguments: str = ""):
        on = f" on ({arguments})" if arguments else ""
        super().__init__(
            f"{what} did not return within {seconds:g} s{on} (the time limit per call: "
            "timeout=, --timeout); a deadlock, a hung kernel or a sleep?"
        )
        self.what, self.seconds, self.arguments = what, seconds, arguments
        #: the callable that hung (None when unknown)
        self.func = None


def describe_arguments(args) -> str:
    """Tensors as ``float32[2,3]``, other values by repr (short), nested lists flattened one
    level: what a hung call was given."""
    out = []
    for a in args:
        shape = getattr(a, "shape", None)
        dtype = getattr(a, "dtype", None)
        if shape is not None and dtype is not None:
            out.append(f"{str(dtype).rsplit('.', 1)[-1]}[{','.join(str(d) for d in shape)}]")
        elif isinstance(a, list | tuple) and a and len(out) < 8:
            out.append(f"[{describe_arguments(a)}]")
        else:
            text = repr(a)
            out.append(text if len(text) <= 40 else type(a).__name__)
    return ", ".join(out)


class _StillHung(BaseException):
    """Raised a second past a Hung the code caught (``except Exception``): not an Exception."""


class ExitCalled(Exception):
    """The user's code tried to end the process (``sys.exit``, ``SystemExit``, ``os._exit``)."""


class _State:
    def __init__(self):
        self.seconds: float | None = DEFAULT_TIMEOUT
        self.signals = False  # the timer is ours to use (installed by ``limited``)
        self.depth = 0
        self.started: float | None = None
        self.hung: Hung | None = None  # the first call that ran out of time, in this run
        #: a hung backward met before the checks (by the preflight), put aside: the check that
        #: next runs the op's backward meets it at once, in its own stage (resume_pending)
        self.pending: Hung | None = None
        self.fired: Hung | None = None  # the current call ran out of time
        self.args: tuple = ()  # the current call's arguments
        self.func = None  # the current call's callable
        self.deferred = 0  # times the timer waited for a safe point in the current call
        self.hard_exit = False
        self.warned = False
        self.armed = False  # the timer is running (armed by a call, left running after it)
        self.lock = threading.Lock()

    @property
    def what(self) -> str:
        """A short name of the current call's code (worked out when asked: only a hang asks)."""
        return callable_label(self.func) if self.func is not None else ""


STATE = _State()


def callable_label(f) -> str:
    """A short name for the called code: ``MyLinear.apply``, ``torch.autograd.grad``."""
    owner = getattr(f, "__self__", None)
    name = getattr(f, "__qualname__", None) or getattr(f, "__name__", None)
    if isinstance(owner, type) and name:
        return f"{owner.__name__}.{getattr(f, '__name__', name)}"
    module = getattr(f, "__module__", None) or ""
    if name and module.startswith("torch"):
        return f"{module}.{name}".replace("torch.autograd.__init__", "torch.autograd")
    return name or type(f).__name__


#: how often, and how far apart, the timer waits for a safe point before raising anyway
DEFERRALS = 50
DEFER_SECONDS = 0.1


def _library_roots() -> tuple[str, ...]:
    """Directories of the libraries whose own Python code an interruption must not land in
    (it could leave their state half-changed): torch, gradspec, gradref, Hypothesis, NumPy."""
    roots = []
    for name in ("torch", "gradspec", "gradref", "hypothesis", "numpy"):
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            roots.append(os.path.dirname(os.path.abspath(path)) + os.sep)
    return tuple(roots)


def _unsafe_point(frame) -> bool:
    """Whether raising at ``frame`` could break more than the user's call: an import in
    progress anywhere on the stack, or the innermost frame in a library's own code."""
    top = frame.f_code.co_filename if frame is not None else ""
    if top and os.path.abspath(top).startswith(_library_roots()):
        return True
    f, depth = frame, 0
    while f is not None and depth < 200:
        if "importlib._bootstrap" in f.f_code.co_filename:
            return True
        f, depth = f.f_back, depth + 1
    return False


def _on_alarm(signum, frame):
    s = STATE
    if not s.depth or s.seconds is None:  # between calls: the timer stops until the next one
        if s.armed:
            import signal

            s.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        return
    if s.fired is None and s.deferred == 0 and s.started is not None:
        left = s.started + s.seconds - time.monotonic()
        if left > 0:  # armed by an earlier call: this call has time left
            import signal

            signal.setitimer(signal.ITIMER_REAL, left, 1.0)
            return
    if s.depth and s.seconds is not None:
        if s.deferred < DEFERRALS and _unsafe_point(frame):
            import signal

            s.deferred += 1  # try again in a moment, outside the import or the library
            signal.setitimer(signal.ITIMER_REAL, DEFER_SECONDS, 1.0)
            return
        if s.fired is not None:  # the code caught the first one: one it cannot catch as easily
            raise _StillHung()
        try:
            arguments = describe_arguments(s.args)
        except Exception:  # noqa: BLE001 - describing must never hide the hang
            arguments = ""
        err = Hung(s.what, s.seconds, arguments)
        err.func = s.func
        s.fired = err
        if s.hung is None:
            s.hung = err
        raise err


def _refused_exit(code=0):
    raise ExitCalled(f"os._exit({code!r}) was called: it would end the process")


def resume_pending() -> None:
    """Before a call of the op's backward: a hang of it put aside (``STATE.pending``) becomes
    this run's hang, so the call raises it at once instead of waiting for it again."""
    s = STATE
    if s.hung is None and s.pending is not None:
        s.hung, s.pending = s.pending, None


def call(f, *args, **kwargs):
    """``f(*args, **kwargs)`` under the time limit, with exiting turned into ExitCalled."""
    s = STATE
    if s.depth:  # a call inside a call: the outer one's limit holds
        return f(*args, **kwargs)
    if s.hung is not None:  # one call hung in this run: no call of the user's code waits again
        again = Hung(s.hung.what, s.hung.seconds, s.hung.arguments)
        again.func = s.hung.func
        raise again
    s.depth, s.started, s.args, s.func = 1, time.monotonic(), args, f
    real_exit = os._exit
    os._exit = _refused_exit
    s.fired, s.deferred = None, 0
    try:
        if not s.armed and s.signals and s.seconds is not None and math.isfinite(s.seconds):
            import signal

            s.armed = True  # fires at the latest s.seconds from now; _on_alarm re-arms it
            signal.setitimer(signal.ITIMER_REAL, s.seconds, 1.0)
        out = f(*args, **kwargs)
        if s.fired is not None:  # it caught the Hung the timer raised, and returned late
            raise s.fired
        return out
    except _StillHung:
        raise s.fired from None
    except SystemExit as e:
        raise ExitCalled(
            f"sys.exit({e.code!r}) was called (SystemExit): it would end the process; raise an "
            "exception instead"
        ) from None
    finally:
        if s.fired is not None and s.armed:  # the call ran out of time: no second Hung later
            import signal

            s.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        os._exit = real_exit
        s.depth, s.started, s.args, s.func = 0, None, (), None


class limited:  # noqa: N801 - a context manager
    """Calls of the user's code within this block get ``seconds`` each (None: the default;
    ``math.inf``: no limit). ``hard_exit``: a call that cannot be interrupted ends the process
    after the watchdog's line (the CLI, which has nothing better to do than hang)."""

    def __init__(self, seconds: float | None = None, hard_exit: bool = False, on_line=None):
        self.seconds = DEFAULT_TIMEOUT if seconds is None else float(seconds)
        self.hard_exit = hard_exit
        self.on_line = on_line or _stderr_line

    def __enter__(self):
        import signal

        s = STATE
        self.saved = (s.seconds, s.signals, s.hung, s.pending, s.hard_exit, s.warned)
        if s.armed:  # an outer block's timer: its calls are over while this block runs
            signal.setitimer(signal.ITIMER_REAL, 0)
            s.armed = False
        s.seconds, s.hung, s.pending = self.seconds, None, None
        s.hard_exit, s.warned = self.hard_exit, False
        self.handler = None
        s.signals = False
        usable = (
            hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
        )
        if usable and math.isfinite(self.seconds):
            self.handler = signal.signal(signal.SIGALRM, _on_alarm)
            s.signals = True
        self.stop = threading.Event()
        self.watchdog = None
        if math.isfinite(self.seconds):
            self.watchdog = threading.Thread(target=self._watch, name="gradspec-watchdog")
            self.watchdog.daemon = True
            self.watchdog.start()
        return self

    def __exit__(self, *exc):
        import signal

        s = STATE
        self.stop.set()
        if self.handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.handler)
        s.armed = False
        s.seconds, s.signals, s.hung, s.pending, s.hard_exit, s.warned = self.saved
        return False

    def _watch(self) -> None:
        s = STATE
        while not self.stop.wait(0.5):
            started = s.started
            if started is None or s.warned:
                continue
            late = time.monotonic() - started - self.seconds
            if late < GRACE:
                continue
            s.warned = True
            line = (
                f"gradspec: {s.what} has run {self.seconds + late:.0f} s, past its time limit of "
                f"{self.seconds:g} s, and cannot be interrupted (stuck in native code, or not on "
                "the main thread)"
            )
            if s.hard_exit:
                self.on_line(line + "; stopping the process")
                _REAL_EXIT(1)
            self.on_line(line + "; it is left running")


def _stderr_line(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except Exception:  # noqa: BLE001 - a closed stderr must not kill the watchdog
        pass


def is_hang(e: BaseException | None) -> bool:
    """Whether ``e`` (or what it wraps) is a Hung."""
    seen = 0
    while e is not None and seen < 8:
        if isinstance(e, Hung):
            return True
        e = getattr(e, "error", None) or e.__cause__ or e.__context__
        seen += 1
    return False


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (a KeyboardInterrupt) while checking: ``report`` holds the findings so far."""

    def __init__(self, report):
        super().__init__(f"interrupted: {report.stopped}")
        self.report = report
