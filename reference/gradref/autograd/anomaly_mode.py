"""Anomaly detection: record where each node was created, and check backward outputs for NaN."""

from __future__ import annotations

import warnings

from .. import _engine

ENABLED_WARNING = (
    "Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
    "enabled for debugging."
)


def is_anomaly_enabled() -> bool:
    return _engine.anomaly_mode()[0]


def is_anomaly_check_nan_enabled() -> bool:
    return _engine.anomaly_mode()[1]


class detect_anomaly:
    """Context manager/decorator enabling anomaly detection."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev = _engine.anomaly_mode()
        self.check_nan = check_nan
        warnings.warn(ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev = _engine.anomaly_mode()
        _engine.set_anomaly_mode(True, self.check_nan)

    def __exit__(self, *exc) -> None:
        _engine.set_anomaly_mode(*self.prev)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Set anomaly detection on or off; takes effect at once, restored on exit of a ``with``."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _engine.anomaly_mode()
        _engine.set_anomaly_mode(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _engine.set_anomaly_mode(*self.prev)
