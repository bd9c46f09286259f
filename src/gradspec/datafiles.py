"""Reading the project's TOML data files (catalogue, expectations): arrays of tables whose
fields are checked, with errors that name the file, the entry and the problem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


def entries(
    path: Path,
    table: str,
    required: set[str],
    fields: set[str],
    error: type[Exception],
    label: str = "entry",
) -> Iterator[tuple[str, dict]]:
    """Each ``[[table]]`` entry of ``path`` with a description of where it is, after checking
    that the file parses, has no other top-level keys, and each entry has the ``required``
    fields and no fields outside ``fields``; ``error`` is raised otherwise."""
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise error(f"{path.name}: not valid TOML: {exc}") from exc
    unknown_top = set(data) - {table}
    if unknown_top:
        raise error(f"{path.name}: unknown top-level keys {sorted(unknown_top)}")
    for i, entry in enumerate(data.get(table, [])):
        where = f"{path.name}: {label} #{i + 1} ({entry.get('id', '?')})"
        missing = required - set(entry)
        if missing:
            raise error(f"{where}: missing {sorted(missing)}")
        unknown = set(entry) - fields
        if unknown:
            raise error(f"{where}: unknown fields {sorted(unknown)}")
        yield where, entry
