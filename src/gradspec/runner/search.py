"""Searching drawn examples for a difference, with a bounded shrink: the plumbing scenario and
op items share. A body raises :class:`Mismatch` on an example where torch and gradref differ;
:func:`search` returns the shrunk one (or None), and Hypothesis's own errors reach the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradspec.runner.options import RunOptions
from gradspec.runner.shrinking import ShrinkBudget

#: Seconds Hypothesis may spend shrinking one failure before the smallest so far is reported.
SHRINK_SECONDS = 3.0
#: ... and one that an expected difference on this torch covers (it is known; its example is
#: there to read, not to debug)
EXPECTED_SHRINK_SECONDS = 0.3


class Mismatch(Exception):
    """A difference on one example: which sub-check it fails (``check``), what differs
    (``message``), the example, and longer ``details`` (both observations, say)."""

    def __init__(self, check: str, message: str, example: Any, details: str = ""):
        super().__init__(message)
        self.check, self.message, self.example, self.details = check, message, example, details


def first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


def hypothesis_settings(options: RunOptions, cap: int | None = None):
    """The run's profile with its example count (at most ``cap``), quiet, with no example
    database and no health checks (a health check is about gradspec's strategies, not torch),
    and no explain phase: what it finds is printed by Hypothesis, which is quiet here, and it
    traces every line the body runs while a failure shrinks, several times slower."""
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    base = settings.get_profile(options.profile)
    n = options.max_examples or base.max_examples
    if cap is not None:
        n = min(n, cap)
    return settings(
        base,
        max_examples=n,
        deadline=None,
        database=None,
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=tuple(p for p in base.phases if p is not Phase.explain),
    )


def search(
    strategy,
    body: Callable[[Any], Any],
    settings,
    key: Callable[[Any], Any] = repr,
    expected: frozenset = frozenset(),
) -> Mismatch | None:
    """Run ``body`` on examples drawn from ``strategy`` under ``settings``: the shrunk
    :class:`Mismatch`, or None when no example differs. A mismatch of a sub-check in
    ``expected`` (an expected difference on this torch) is shrunk for
    ``EXPECTED_SHRINK_SECONDS`` only."""
    from hypothesis import given

    from gradspec.profiles import known_digest

    def seconds_for(e: BaseException) -> float:
        known = isinstance(e, Mismatch) and e.check in expected
        return EXPECTED_SHRINK_SECONDS if known else SHRINK_SECONDS

    budget = ShrinkBudget(SHRINK_SECONDS, key=key, seconds_for=seconds_for)
    bounded = budget.wrap(body)
    test = known_digest(settings(given(strategy)(bounded)), bounded)
    try:
        test()
    except Mismatch as m:
        return m
    return None
