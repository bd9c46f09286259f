"""Expected differences: behaviours (and op conventions) known to differ on some torch versions.

The data lives in the ``*.toml`` files next to this module, as ``[[expected]]`` tables::

    [[expected]]
    id = "retain-graph.second-backward-raises"   # a result id, a behaviour id, or a glob
    since = "2.2"          # first torch version it differs on (omitted: every version)
    until = "2.4"          # first torch version it no longer differs on (omitted: still does)
    devices = ["cuda"]     # only on these devices (omitted: every device)
    reason = "torch < 2.4 words the error differently"

``gradspec run`` reports a failure matched by an entry as *expected*, and an entry whose result
passes as *stale* (a warning, not a failure): torch changed back, or gradref caught up.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from gradspec.datafiles import entries
from gradspec.versions import in_range, parse_version

EXPECTATIONS_DIR = Path(__file__).parent

_FIELDS = {"id", "since", "until", "devices", "reason"}


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
        out.append(
            Expected(
                id=entry["id"],
                reason=entry["reason"],
                since=str(entry["since"]) if "since" in entry else None,
                until=str(entry["until"]) if "until" in entry else None,
                devices=tuple(devices) if devices is not None else None,
                file=path.name,
            )
        )
    return out


def load(directory: str | Path | None = None) -> list[Expected]:
    """Every expected difference in every ``*.toml`` of ``directory`` (default: this package)."""
    out: list[Expected] = []
    for path in sorted(Path(directory or EXPECTATIONS_DIR).glob("*.toml")):
        out += _load_file(path)
    return out


def lookup(
    entries: list[Expected],
    result_id: str,
    behaviour_id: str,
    device: str,
    torch_version: str,
    tags: tuple[str, ...] | list[str] = (),
) -> Expected | None:
    """The first entry covering this result, or None."""
    for e in entries:
        if e.applies(result_id, behaviour_id, device, torch_version, tags):
            return e
    return None


def target() -> str:
    """The torch release gradref mirrors (``gradref.TORCH_TARGET``)."""
    import gradref

    return gradref.TORCH_TARGET


def unexpected(torch_version: str) -> str:
    """What an unexpected difference on ``torch_version`` means, in one phrase: a change in a
    torch newer than gradref's target, a difference of an older torch nobody recorded, or a
    gradref bug (on the target itself)."""
    t = target()
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
