"""Progress of ``gradspec.check`` on stderr, for checks that run more than a few seconds: a line
when a device/dtype is done and a heartbeat while one runs long (what is running, examples so
far, findings). Off under CI (``CI`` set), under pytest, and with ``progress=False``
(``--no-progress``)."""

from __future__ import annotations

import os
import sys
import time

#: seconds a check runs before its first progress line
AFTER = 3.0
#: seconds between heartbeat lines while one device/dtype runs
EVERY = 10.0


def progress_wanted(progress: bool | None) -> bool:
    """``progress`` as given, or (None) on unless under CI or pytest."""
    if progress is not None:
        return bool(progress)
    return not os.environ.get("CI") and not os.environ.get("PYTEST_CURRENT_TEST")


class CheckProgress:
    """The progress lines of one spec's check."""

    def __init__(self, label: str, enabled: bool, stream=None, after: float | None = None,
                 every: float | None = None):  # fmt: skip
        self.label, self.enabled = label, enabled
        self.stream = stream
        self.after = AFTER if after is None else after
        self.every = EVERY if every is None else every
        self.start = self.last = time.monotonic()

    def _say(self, text: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        try:
            print(f"gradspec check {self.label}: {text}", file=stream, flush=True)
        except Exception:  # noqa: BLE001 - a closed stream must not stop the check
            self.enabled = False
        self.last = time.monotonic()

    def _counts(self, examples: int, findings: int) -> str:
        took = time.monotonic() - self.start
        return f"{examples} examples, {findings} finding(s), {took:.0f} s"

    def tick(self, where: str, check: str, examples: int, findings: int) -> None:
        """Called per example: a heartbeat line when one is due."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start >= self.after and now - self.last >= self.every:
            self._say(f"running {check} on {where} ({self._counts(examples, findings)})")

    def done(self, where: str, examples: int, findings: int) -> None:
        """A device/dtype is done."""
        if self.enabled and time.monotonic() - self.start >= self.after:
            self._say(f"{where} done ({self._counts(examples, findings)})")
