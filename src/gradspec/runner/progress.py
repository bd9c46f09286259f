"""Progress of ``gradspec run`` on stderr: a bar per area on a terminal, a line per area otherwise.

Areas are shown in the order they were declared; with parallel workers an area that finishes
before an earlier one is printed once the earlier one is done, so the output reads in order.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30


class Progress:
    """Counts finished items per area and draws them.

    ``totals`` maps each area, in display order, to its number of items.
    """

    def __init__(
        self, totals: dict[str, int], stream: TextIO | None = None, tty: bool | None = None
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.totals = {a: n for a, n in totals.items() if n}
        self.done = {a: 0 for a in self.totals}
        self.failed = {a: 0 for a in self.totals}
        self.started = {a: None for a in self.totals}
        self.seconds = {a: 0.0 for a in self.totals}
        self._order = list(self.totals)
        self._printed = 0  # areas whose final line has been written
        self._width = max((len(a) for a in self.totals), default=0)
        self._live = False

    def start(self, area: str) -> None:
        if area in self.started and self.started[area] is None:
            self.started[area] = time.perf_counter()

    def advance(self, area: str, failed: bool = False) -> None:
        """One item of ``area`` finished (``failed``: it had an unexpected failure)."""
        if area not in self.done:
            return
        self.start(area)
        self.done[area] += 1
        self.failed[area] += int(failed)
        if self.done[area] == self.totals[area]:
            self.seconds[area] = time.perf_counter() - (self.started[area] or time.perf_counter())
        self._draw()

    def _line(self, area: str) -> str:
        done, total, bad = self.done[area], self.totals[area], self.failed[area]
        tail = f" {bad} failed" if bad else ""
        if self.tty:
            filled = BAR_WIDTH * done // total
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            return f"  {area.ljust(self._width)} [{bar}] {done}/{total}{tail}"
        return f"  {area.ljust(self._width)} {done}/{total} done{tail} ({self.seconds[area]:.1f}s)"

    def _draw(self) -> None:
        out = self.stream
        while self._printed < len(self._order):
            area = self._order[self._printed]
            if self.done[area] < self.totals[area]:
                break
            if self.tty:
                out.write("\r\x1b[K" + self._line(area) + f" {self.seconds[area]:.1f}s\n")
            else:
                out.write(self._line(area) + "\n")
            self._printed += 1
            self._live = False
        if self.tty and self._printed < len(self._order):
            out.write("\r\x1b[K" + self._line(self._order[self._printed]))
            self._live = True
        out.flush()

    def close(self) -> None:
        if self.tty and self._live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
