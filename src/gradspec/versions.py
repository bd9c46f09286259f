"""torch version strings as comparable tuples (standard library only: the matrix uses it
without torch installed)."""

from __future__ import annotations


def parse_version(text: str) -> tuple[int, ...]:
    """``"2.14.1+cu130"`` -> ``(2, 14, 1)``; raises ValueError on anything that is not a version."""
    public = text.split("+", 1)[0]
    parts = []
    for piece in public.split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            raise ValueError(f"not a version: {text!r}")
        parts.append(int(digits))
        if len(digits) != len(piece):  # "0a0", "1rc1": a pre-release; stop at its number
            break
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def version_key(text: str) -> tuple[int, ...]:
    """Like :func:`parse_version`, for sorting: anything unparsable sorts last."""
    try:
        return parse_version(text)
    except ValueError:
        return (10**9,)


def in_range(version: str, since: str | None, until: str | None) -> bool:
    """``since <= version < until`` (None: unbounded on that side)."""
    v = parse_version(version)
    if since is not None and v < parse_version(since):
        return False
    return until is None or v < parse_version(until)
