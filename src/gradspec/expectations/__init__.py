"""Expected differences: behaviours (and op conventions) known to differ on some torch versions.

The data lives in the ``*.toml`` files next to this module, as ``[[expected]]`` tables::

    [[expected]]
    id = "retain-graph.second-backward-raises"   # a result id, a behaviour id, or a glob
    since = "2.2"          # first torch version it differs on (omitted: every version)
    until = "2.4"          # first torch version it no longer differs on (omitted: still does)
    devices = ["cuda"]     # only on these devices (omitted: every device)
    reason = "torch < 2.4 words the error differently"
    message = "^element 0 of tensors"   # a reworded message: torch's first line on those
                                        # versions matches this (regular expression, searched)
    probe = '''
    x = torch.ones(2, requires_grad=True).detach()
    differs = "tensors does not require grad" in error(lambda: x.sum().backward())
    '''

``probe``: a few lines of plain torch that show the difference, setting ``differs`` (a bool:
whether this torch behaves the way the entry describes) and optionally ``seen`` (what it
observed, for the matrix); ``error(fn)`` and ``warning(fn)`` give the first line of what ``fn``
raises or warns (``""`` when nothing). ``gradspec run`` runs every probe
(:mod:`gradspec.expectations.probes`): a probe that does not show the difference inside the
entry's versions, or shows it outside them, fails; so a reason that is stale or wrong shows, and
the matrix over every release says where torch changed. ``message``: where torch only reworded
an error or warning, the tolerant form of its first line on those versions; a failure whose
torch message does not match it is not covered. ``drawn = true``: the difference shows only on
the drawn examples that meet it (the probe shows it every time), so a pass is not stale.

``gradspec run`` reports a failure matched by an entry as *expected*, and an entry whose result
passes as *stale* (a warning, not a failure): torch changed back, or gradref caught up.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gradspec.datafiles import entries
from gradspec.versions import in_range, parse_version

EXPECTATIONS_DIR = Path(__file__).parent

_FIELDS = {"id", "since", "until", "devices", "reason", "probe", "message", "drawn"}


class ExpectationsError(ValueError):
    """An expectations file is malformed."""


@dataclass(frozen=True)
class Expected:
    """One expected difference."""

    id: str
    reason: str
    since: str | None = None
    until: str | None = None
    devices: tuple[str, ...] | None = None
    file: str = ""
    #: plain torch that shows the difference (sets ``differs``), or ""
    probe: str = ""
    #: where torch only reworded a message: a regular expression its first line matches
    message: str = ""
    #: the difference shows only on drawn examples that meet it (its probe shows it every
    #: time): a pass on other draws is not stale
    drawn: bool = False

    #: the entry's name in reports: its id, with ``#2``, ``#3``... for a repeated id
    name: str = ""

    @property
    def key(self) -> str:
        return self.name or self.id

    def message_matches(self, observed: str) -> bool:
        """Whether torch's observed message is the rewording this entry expects (True when the
        entry names no message, or nothing was observed: a result that keeps no message)."""
        if not self.message or not observed:
            return True
        return any(re.search(self.message, line) for line in observed.splitlines())

    def applies(
        self,
        result_id: str,
        behaviour_id: str,
        device: str,
        torch_version: str,
        tags: tuple[str, ...] | list[str] = (),
    ) -> bool:
        """Whether this entry covers a result (by result id, behaviour id or one of its tags, such
        as an op's ``convention.relu.zero``) on this torch and device."""
        names = (result_id, behaviour_id, *tags)
        if not any(fnmatch.fnmatchcase(n, self.id) for n in names):
            return False
        if self.devices is not None and not any(
            device == d or device.split(":")[0] == d for d in self.devices
        ):
            return False
        return in_range(torch_version, self.since, self.until)

    def span(self) -> str:
        """``"torch >= 2.2, < 2.4"``-style description of the versions it covers."""
        parts = []
        if self.since:
            parts.append(f">= {self.since}")
        if self.until:
            parts.append(f"< {self.until}")
        return "torch " + ", ".join(parts) if parts else "every torch"


def _load_file(path: Path) -> list[Expected]:
    out = []
    for where, entry in entries(path, "expected", {"id", "reason"}, _FIELDS, ExpectationsError):
        for key in ("since", "until"):
            if key in entry:
                try:
                    parse_version(str(entry[key]))
                except ValueError:
                    raise ExpectationsError(f"{where}: {key} is not a version") from None
        devices = entry.get("devices")
        if "message" in entry:
            try:
                re.compile(str(entry["message"]))
            except re.error as e:
                why = f"{where}: message is not a regular expression ({e})"
                raise ExpectationsError(why) from None
        if "probe" in entry:
            try:
                compile(textwrap.dedent(str(entry["probe"])), where, "exec")
            except SyntaxError as e:
                why = f"{where}: probe is not Python ({e.msg}, line {e.lineno})"
                raise ExpectationsError(why) from None
        out.append(
            Expected(
                id=entry["id"],
                reason=entry["reason"],
                since=str(entry["since"]) if "since" in entry else None,
                until=str(entry["until"]) if "until" in entry else None,
                devices=tuple(devices) if devices is not None else None,
                file=path.name,
                probe=textwrap.dedent(str(entry.get("probe", ""))).strip("\n"),
                message=str(entry.get("message", "")),
                drawn=bool(entry.get("drawn", False)),
            )
        )
    return out


def load(directory: str | Path | None = None) -> list[Expected]:
    """Every expected difference in every ``*.toml`` of ``directory`` (default: this package)."""
    out: list[Expected] = []
    for path in sorted(Path(directory or EXPECTATIONS_DIR).glob("*.toml")):
        out += _load_file(path)
    seen: dict[str, int] = {}
    for i, e in enumerate(out):
        seen[e.id] = seen.get(e.id, 0) + 1
        out[i] = replace(e, name=e.id if seen[e.id] == 1 else f"{e.id}#{seen[e.id]}")
    return out


@functools.cache
def installed() -> tuple[Expected, ...]:
    """Every expected difference of this package (:func:`load`), read once per process."""
    return tuple(load())


def lookup(
    entries: Sequence[Expected],
    result_id: str,
    behaviour_id: str,
    device: str,
    torch_version: str,
    tags: tuple[str, ...] | list[str] = (),
) -> Expected | None:
    """The first entry covering this result, or None."""
    index = _index(entries)
    if index is None:
        candidates = entries
    else:  # the entries whose id can match a name of the result, in their order
        literal, globs = index
        names = (result_id, behaviour_id, *tags)
        found = {i for n in names for i in literal.get(n, ())}
        found.update(i for i, match in globs if any(match(n) for n in names))
        candidates = [entries[i] for i in sorted(found)]
    for e in candidates:
        if e.applies(result_id, behaviour_id, device, torch_version, tags):
            return e
    return None


#: id(entries) -> (entries, literal ids -> positions, (position, matcher) of glob ids), for the
#: tuples of entries :func:`lookup` is given (the installed ones, read once per process): every
#: result of a run is looked up, and most ids are literal
_INDEXES: dict[int, tuple] = {}


def _index(entries: Sequence[Expected]) -> tuple[dict, list] | None:
    """Where :func:`lookup` finds the entries that can match a name (None for a list, which
    may change between calls)."""
    if not isinstance(entries, tuple):
        return None
    hit = _INDEXES.get(id(entries))
    if hit is not None and hit[0] is entries:
        return hit[1], hit[2]
    literal: dict[str, list[int]] = {}
    globs = []
    for i, e in enumerate(entries):
        if any(c in e.id for c in "*?["):
            globs.append((i, re.compile(fnmatch.translate(e.id)).match))
        else:
            literal.setdefault(e.id, []).append(i)
    if len(_INDEXES) >= 16:
        _INDEXES.clear()
    _INDEXES[id(entries)] = (entries, literal, globs)
    return literal, globs


def target() -> str:
    """The torch release gradref mirrors (``gradref.TORCH_TARGET``)."""
    import gradref

    return gradref.TORCH_TARGET


def unexpected(torch_version: str, torch_target: str | None = None) -> str:
    """What an unexpected difference on ``torch_version`` means, in one phrase: a change in a
    torch newer than gradref's target (``torch_target``, default ``gradref.TORCH_TARGET``), a
    difference of an older torch nobody recorded, or a gradref bug (on the target itself)."""
    t = torch_target or target()
    now, aim = parse_version(torch_version)[:2], parse_version(t)[:2]
    if now > aim:
        return (
            f"new in torch {torch_version} (gradref mirrors torch {t}): update gradref, or add "
            "an expected difference"
        )
    if now < aim:
        return (
            f"differs on torch {torch_version} (gradref mirrors torch {t}) and no expected "
            "difference covers it"
        )
    return f"gradref disagrees with torch {torch_version}, the release it mirrors"


__all__ = [
    "EXPECTATIONS_DIR",
    "Expected",
    "ExpectationsError",
    "load",
    "lookup",
    "target",
    "unexpected",
]
