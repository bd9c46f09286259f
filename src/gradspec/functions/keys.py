"""Root-cause keys: two findings whose messages differ only in numbers, shapes, index lists and
dtype names are one root cause (a Function that fails on every zero-size input, or gives the
same wrong gradient in float32 and float64)."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?|\bnan\b|\binf\b")
_GROUP = re.compile(r"[\(\[][-\d\s,.e+]*[\)\]]")
_DTYPE = re.compile(r"\b(?:b?float(?:16|32|64)|complex(?:64|128))\b")


def root_key(message: str) -> str:
    """A message with its numbers, shapes, index lists and dtype names taken out (input names
    stay): two failures with the same key are one root cause."""
    m = re.sub(r"0x[0-9a-f]+", "#", message)
    m = re.sub(r"\([^()]*: [^()]*\)", "(#)", m)  # an example in parentheses
    m = _GROUP.sub("[#]", m)
    m = _NUMBER.sub("#", m)
    m = re.sub(r"\b\d+ of \d+\b", "# of #", m)
    return _DTYPE.sub("#dtype", m)
