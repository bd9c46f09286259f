"""What a kernel-corpus case is: the released autograd Function of a package, imported as it
ships, and the ``gradspec.check`` call a user of the README would write for it.

A case is data: its name, the distribution and the release range it targets, and ``build``, a
function returning the keyword arguments of ``gradspec.check`` (``fn``, ``reference``,
``signature`` and the options). ``build`` imports the package, so a case whose package is not
installed is reported as such, not as a crash. ``bug`` names a historical bug (the fix's
summary) for a release before the fix; ``None`` for a release with no known bug.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    name: str
    package: str  # the distribution on PyPI
    build: Callable[[], dict]
    release: str | None = None  # a pinned release (historical cases); None: the installed one
    bug: str | None = None  # the historical bug this release has (fixed in the next)
    fixed_in: str | None = None
    notes: str = ""
    tags: tuple = field(default_factory=tuple)

    @property
    def historical(self) -> bool:
        return self.release is not None


#: options every case shares: the interpreter runs every program in Python, so examples and
#: sizes stay small; float32 is what the kernels compute in (they accumulate in float32 and
#: cast float64 scalars down: a float64 check would only measure that)
SMALL = {"dtypes": ["float32"], "max_examples": 4}


def small(**options) -> dict:
    return {**SMALL, **options}
