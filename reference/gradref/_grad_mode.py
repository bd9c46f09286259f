"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (thread-local, nestable).

Each works as a context manager and as a decorator, as torch's do; ``set_grad_enabled`` also takes
effect as a plain call, and ``no_grad``/``enable_grad`` can decorate without parentheses.
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import warnings

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "grad", True)


def _set_grad(mode: bool) -> None:
    _state.grad = bool(mode)


#: whether any thread ever entered inference mode (until then, every tensor is a normal one,
#: and the thread-local lookup on every new tensor can be skipped)
_inference_ever = False


def is_inference_mode_enabled() -> bool:
    return _inference_ever and getattr(_state, "inference", False)


def _set_inference(mode: bool) -> None:
    global _inference_ever
    _inference_ever = _inference_ever or bool(mode)
    _state.inference = bool(mode)


CLASS_DECORATION_WARNING = (
    "Decorating classes is deprecated and will be disabled in future versions. You should only "
    "decorate functions or methods. To preserve the current behavior of class decoration, you "
    "can directly decorate the `__init__` method and nothing else."
)


class _DecoratorContextManager:
    """Context manager usable as a decorator; a fresh copy guards each decorated call."""

    def clone(self):
        return self.__class__()

    def __call__(self, func):
        if inspect.isclass(func):
            # deprecated in torch: the class is wrapped in a function that constructs it under
            # this context
            warnings.warn(CLASS_DECORATION_WARNING, FutureWarning, stacklevel=2)
            cls = func

            def func(*args, **kwargs):
                return cls(*args, **kwargs)

        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen_wrapper(*args, **kwargs):
                gen = func(*args, **kwargs)
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException:
                        with self.clone():
                            # three arguments, as torch does: Python 3.12 and later warn
                            # (DeprecationWarning) about that signature for torch and gradref alike
                            response = gen.throw(*sys.exc_info())
                    else:
                        with self.clone():
                            try:
                                response = gen.send(request)
                            except StopIteration as stop:
                                return stop.value

            return gen_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return wrapper


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also allows bare ``@no_grad`` (the class itself as decorator)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Disable gradient recording: results of ops do not require grad."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set_grad(False)

    def __exit__(self, *exc) -> None:
        _set_grad(self.prev)


class enable_grad(_NoParamDecoratorContextManager):
    """Enable gradient recording inside a no_grad block."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = is_grad_enabled()
        _set_grad(True)

    def __exit__(self, *exc) -> None:
        _set_grad(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode to ``mode``: takes effect at once; restored on exit when used with ``with``."""

    def __init__(self, mode: bool) -> None:
        self.prev = is_grad_enabled()
        self.mode = mode
        _set_grad(mode)

    def __call__(self, func):
        _set_grad(self.prev)
        return super().__call__(func)

    def __enter__(self) -> None:
        _set_grad(self.mode)

    def __exit__(self, *exc) -> None:
        _set_grad(self.prev)

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    """Like no_grad, and tensors made inside are inference tensors (can't be saved for backward)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev_grad = True
        self.prev_inference = False

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __enter__(self) -> None:
        self.prev_grad = is_grad_enabled()
        self.prev_inference = is_inference_mode_enabled()
        if self.mode:
            _set_grad(False)
            _set_inference(True)
        else:
            _set_inference(False)

    def __exit__(self, *exc) -> None:
        _set_grad(self.prev_grad)
        _set_inference(self.prev_inference)

    def clone(self):
        return self.__class__(self.mode)
