"""A time limit on Hypothesis's shrinking, for runs that must finish in a known time.

Hypothesis shrinks a failing example as far as it can, which for an op with several inputs can
take minutes. :class:`ShrinkBudget` wraps a test body: once the first failure is older than
``seconds``, new examples pass without running and only the failing examples already seen fail
again, so the shrinker stops at once and reports the smallest failure found so far.
``seconds_for(error)``, when given, sets the budget from the first failure instead (a known,
expected difference needs no minimal example).

The source of ``bounded`` (in :meth:`ShrinkBudget.wrap`) is what Hypothesis derives the
derandomized profile's seed from: an edit to it changes every example the ci profile draws.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class ShrinkBudget:
    def __init__(
        self,
        seconds: float,
        key: Callable[[Any], Any] = repr,
        seconds_for: Callable[[BaseException], float] | None = None,
    ):
        self._seconds = seconds
        self.key = key
        self.seconds_for = seconds_for
        self.first_failure: float | None = None
        self.known: dict[Any, BaseException] = {}

    @property
    def seconds(self) -> float:
        """The budget: ``seconds_for`` of the first failure, when given and met, else the
        ``seconds`` given."""
        if self.seconds_for is not None and self.known:
            return self.seconds_for(next(iter(self.known.values())))
        return self._seconds

    def wrap(self, body: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def bounded(example):
            if (
                self.first_failure is not None
                and time.perf_counter() - self.first_failure > self.seconds
            ):
                seen = self.known.get(self.key(example))
                if seen is not None:
                    raise seen
                return None
            try:
                return body(example)
            except Exception as e:
                if self.first_failure is None:
                    self.first_failure = time.perf_counter()
                self.known[self.key(example)] = e
                raise

        return bounded
