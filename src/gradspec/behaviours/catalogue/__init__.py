"""The behaviour catalogue: every documented autograd behaviour gradspec covers, as data.

The catalogue lives in the ``*.toml`` files next to this module; each holds ``[[behaviour]]``
tables (see ``autograd.toml`` for the fields). Tests and reports are keyed by behaviour id.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from gradspec.datafiles import entries
from gradspec.versions import in_range, parse_version

CATALOGUE_DIR = Path(__file__).parent

#: Areas a behaviour id may start with.
KNOWN_AREAS: tuple[str, ...] = (
    "leaves",
    "requires-grad",
    "graph",
    "detach",
    "backward-api",
    "autograd-grad",
    "accumulation",
    "retain-graph",
    "none-grads",
    "nondiff",
    "hooks",
    "inplace",
    "views",
    "grad-mode",
    "custom-function",
    "double-backward",
    "forward-ad",
    "dtype-promotion",
    "broadcasting",
    "complex",
    "contract",
    "saved-hooks",
    "anomaly",
    "functional",
    "func",
    "tensor-repr",
)

MATCH_MODES = ("exact", "prefix")

_FIELDS = {"id", "sentence", "source", "since", "until", "message", "match", "out_of_scope"}
_REQUIRED = {"id", "sentence", "source"}


class CatalogueError(ValueError):
    """A catalogue file is malformed (unknown field, missing field, duplicated id, ...)."""


@dataclass(frozen=True)
class Behaviour:
    """One documented autograd behaviour."""

    id: str
    sentence: str
    source: str
    since: str | None = None
    until: str | None = None
    message: str | None = None
    match: str = "exact"
    file: str = ""
    #: why gradspec does not check this behaviour (None: it is checked, by a scenario or a check)
    out_of_scope: str | None = None

    @property
    def area(self) -> str:
        """The part of the id before the first dot."""
        return self.id.split(".", 1)[0]

    def holds_for(self, version: str) -> bool:
        """Whether the behaviour holds for torch ``version`` (``since <= version < until``)."""
        return in_range(version, self.since, self.until)

    def message_matches(self, observed: str) -> bool:
        """Whether an observed first message line agrees with this behaviour's message."""
        if self.message is None:
            return True
        if self.match == "prefix":
            return observed.startswith(self.message)
        return observed == self.message


def _load_file(path: Path) -> list[Behaviour]:
    out = []
    for where, entry in entries(path, "behaviour", _REQUIRED, _FIELDS, CatalogueError, "behaviour"):
        match = entry.get("match", "exact")
        if match not in MATCH_MODES:
            raise CatalogueError(f"{where}: match must be one of {MATCH_MODES}, got {match!r}")
        out.append(
            Behaviour(
                id=entry["id"],
                sentence=entry["sentence"],
                source=entry["source"],
                since=entry.get("since"),
                until=entry.get("until"),
                message=entry.get("message"),
                match=match,
                file=path.name,
                out_of_scope=entry.get("out_of_scope"),
            )
        )
    return out


@functools.cache
def _load(directory: str) -> dict[str, Behaviour]:
    by_id: dict[str, Behaviour] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        for b in _load_file(path):
            if b.id in by_id:
                first = by_id[b.id].file
                raise CatalogueError(
                    f"behaviour id {b.id!r} is defined twice: in {first} and in {path.name}"
                )
            by_id[b.id] = b
    return dict(sorted(by_id.items()))


def load(directory: str | Path | None = None) -> dict[str, Behaviour]:
    """Every behaviour in every ``*.toml`` of ``directory`` (default: this package), by id."""
    return dict(_load(str(directory or CATALOGUE_DIR)))


def behaviours() -> list[Behaviour]:
    """Every behaviour in the catalogue, sorted by id."""
    return list(_load(str(CATALOGUE_DIR)).values())


def get(behaviour_id: str) -> Behaviour:
    """The behaviour with this id; KeyError naming the id if there is none."""
    try:
        return _load(str(CATALOGUE_DIR))[behaviour_id]
    except KeyError:
        raise KeyError(f"no behaviour {behaviour_id!r} in the catalogue") from None


def areas() -> list[str]:
    """The areas the catalogue's behaviours belong to, sorted."""
    return sorted({b.area for b in behaviours()})


__all__ = [
    "Behaviour",
    "CatalogueError",
    "KNOWN_AREAS",
    "areas",
    "behaviours",
    "get",
    "load",
    "parse_version",
]
