"""How much of torch's ``tools/autograd/derivatives.yaml`` the op table checks.

The in-scope ops, one list per area, and the out-of-scope categories with their reasons are data
(``derivatives_scope.toml``, next to this module). Which in-scope ops a record of the op table
checks is derived, not listed:

* the record's ``node`` (torch's grad_fn name, e.g. ``HardswishBackward0``) names the
  derivatives.yaml op whose formula the record exercises; names are compared without case,
  underscores and a ``_forward`` suffix (``NllLossBackward0`` -> ``nll_loss_forward``,
  ``LinalgDetBackward0`` -> ``_linalg_det``);
* a record without a ``node`` (composites, multi-output ops, layout-dependent views) is matched
  by its name: ``nn.functional.`` dropped, ``linalg.`` / ``special.`` joined with ``_``, the
  variant after the first ``.`` dropped (``nn.functional.linear.batched-bias`` -> ``linear``);
* ``[record_covers]`` in the data file names the ops of the records neither rule reaches.

``python -m gradspec.ops.coverage`` (or ``gradspec list --coverage``) prints the counts per area
and the ops not covered yet.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SCOPE_FILE = Path(__file__).with_name("derivatives_scope.toml")

#: the areas of the scope, in order, with the words the README uses for them
AREAS = {
    "pointwise": "pointwise",
    "reductions": "reductions",
    "shape_indexing": "shape and indexing",
    "linalg": "linear algebra",
    "activations": "activations",
    "losses": "losses",
    "normalisations": "normalisations",
    "convolutions": "convolutions, embedding and distances",
    "pooling": "pooling and resampling",
}

_NAME_PREFIXES = (("nn.functional.", ""), ("linalg.", "linalg_"), ("special.", "special_"))


class ScopeError(ValueError):
    """The scope data file is malformed."""


@dataclass(frozen=True)
class Scope:
    """The classification of derivatives.yaml's ops (see ``derivatives_scope.toml``)."""

    source: dict
    #: area -> the in-scope ops of that area
    areas: dict[str, tuple[str, ...]]
    #: category -> (reason, explicit ops, fnmatch patterns), in file order
    out_of_scope: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]
    #: record name -> the in-scope ops it checks (where neither node nor name says)
    record_covers: dict[str, tuple[str, ...]]

    @property
    def in_scope(self) -> dict[str, str]:
        """In-scope op -> its area."""
        return {op: area for area, ops in self.areas.items() for op in ops}

    def classify(self, name: str) -> tuple[str, str] | None:
        """``("in", area)`` or ``("out", category)`` for a derivatives.yaml op; None if the data
        says nothing about it."""
        area = self.in_scope.get(name)
        if area is not None:
            return ("in", area)
        for category, (_, ops, patterns) in self.out_of_scope.items():
            if name in ops or any(fnmatch.fnmatchcase(name, p) for p in patterns):
                return ("out", category)
        return None


def load_scope(path: Path = SCOPE_FILE) -> Scope:
    with path.open("rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ScopeError(f"{path.name}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"source", "in_scope", "out_of_scope", "record_covers"}
    if unknown:
        raise ScopeError(f"{path.name}: unknown top-level keys {sorted(unknown)}")
    areas = data.get("in_scope", {})
    if list(areas) != list(AREAS):
        raise ScopeError(f"{path.name}: [in_scope] must have the areas {list(AREAS)} in order")
    seen: dict[str, str] = {}
    for area, ops in areas.items():
        for op in ops:
            if op in seen:
                raise ScopeError(f"{path.name}: {op!r} is in both {seen[op]!r} and {area!r}")
            seen[op] = area
    out = {}
    for category, entry in data.get("out_of_scope", {}).items():
        if not entry.get("reason"):
            raise ScopeError(f"{path.name}: out-of-scope category {category!r} has no reason")
        extra = set(entry) - {"reason", "ops", "patterns"}
        if extra:
            raise ScopeError(f"{path.name}: {category!r}: unknown fields {sorted(extra)}")
        out[category] = (
            entry["reason"],
            tuple(entry.get("ops", ())),
            tuple(entry.get("patterns", ())),
        )
    covers = {}
    for record, ops in data.get("record_covers", {}).items():
        missing = [op for op in ops if op not in seen]
        if missing:
            raise ScopeError(f"{path.name}: [record_covers] {record!r}: not in scope {missing}")
        covers[record] = tuple(ops)
    return Scope(
        source=dict(data.get("source", {})),
        areas={a: tuple(ops) for a, ops in areas.items()},
        out_of_scope=out,
        record_covers=covers,
    )


# ------------------------------------------------------------------------------ name matching


def _key(name: str) -> str:
    return name.lower().replace("_", "")


def _keys_of_op(op: str) -> set[str]:
    keys = {_key(op)}
    if op.endswith("_forward"):
        keys.add(_key(op[: -len("_forward")]))
    return keys


def node_op_key(node: str) -> str:
    """The comparison key of a grad_fn name (``MaxPool2DWithIndicesBackward0`` ->
    ``maxpool2dwithindices``)."""
    return _key(re.sub(r"Backward\d*(_copy)?$", "", node))


def record_op_key(name: str) -> str:
    """The comparison key of an op table record's name, variant dropped."""
    for prefix, joined in _NAME_PREFIXES:
        if name.startswith(prefix):
            name = joined + name[len(prefix) :]
            break
    return _key(name.split(".", 1)[0])


def _index(scope: Scope) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for op in scope.in_scope:
        for k in _keys_of_op(op):
            index.setdefault(k, []).append(op)
    return index


def covered_ops(record, scope: Scope, index: dict | None = None) -> tuple[str, ...]:
    """The in-scope ops one op table record checks."""
    if record.name in scope.record_covers:
        return scope.record_covers[record.name]
    index = _index(scope) if index is None else index
    key = node_op_key(record.node) if record.node else record_op_key(record.name)
    return tuple(index.get(key, ()))


# ---------------------------------------------------------------------------------- the count


@dataclass(frozen=True)
class Coverage:
    scope: Scope
    #: in-scope op -> the names of the records that check it
    records: dict[str, tuple[str, ...]]

    def area(self, area: str) -> tuple[int, int, list[str]]:
        """(in scope, covered, the ops not covered) of one area."""
        ops = self.scope.areas[area]
        missing = [op for op in ops if not self.records.get(op)]
        return len(ops), len(ops) - len(missing), missing

    @property
    def totals(self) -> tuple[int, int]:
        n = sum(len(ops) for ops in self.scope.areas.values())
        return n, sum(1 for op in self.scope.in_scope if self.records.get(op))

    def summary(self) -> str:
        """The sentence the README states (total and per area, covered/in scope)."""
        n, c = self.totals
        parts = []
        for area, label in AREAS.items():
            total, covered, _ = self.area(area)
            parts.append(f"{label} {covered}/{total}")
        return f"the op table checks {c} of the {n} ops in scope ({_pct(c, n)}%): " + ", ".join(
            parts
        )

    def report(self) -> str:
        src = self.scope.source
        lines = [
            f"derivatives.yaml of torch {src.get('torch', '?')} ({src.get('entries', '?')} "
            f"entries, {src.get('distinct_ops', '?')} distinct ops); scope: {SCOPE_FILE.name}",
            "",
            f"{'area':<16} {'in scope':>8} {'covered':>8} {'%':>4}",
        ]
        for area in AREAS:
            total, covered, _ = self.area(area)
            lines.append(f"{area:<16} {total:>8} {covered:>8} {_pct(covered, total):>4}")
        n, c = self.totals
        lines.append(f"{'total':<16} {n:>8} {c:>8} {_pct(c, n):>4}")
        lines.append("")
        lines.append("not covered yet:")
        for area in AREAS:
            missing = self.area(area)[2]
            if missing:
                lines.append(f"  {area}: {' '.join(missing)}")
        lines.append("")
        lines.append(self.summary())
        return "\n".join(lines)


def _pct(part: int, whole: int) -> int:
    return int(100 * part / whole + 0.5) if whole else 0


def coverage(records: Iterable | None = None, scope: Scope | None = None) -> Coverage:
    """Which in-scope ops the op table (or ``records``) checks."""
    if records is None:
        from gradspec.ops.table import OPS

        records = OPS.values()
    scope = load_scope() if scope is None else scope
    index = _index(scope)
    found: dict[str, list[str]] = {}
    for record in records:
        for op in covered_ops(record, scope, index):
            found.setdefault(op, []).append(record.name)
    return Coverage(scope, {op: tuple(names) for op, names in found.items()})


def derivatives_names(text: str) -> list[str]:
    """The distinct op names (overloads dropped) of a derivatives.yaml text."""
    return sorted(set(re.findall(r"^- name:\s*([A-Za-z0-9_]+)", text, re.M)))


def installed_derivatives_yaml() -> Path | None:
    """The derivatives.yaml the installed torch ships (``torchgen/packaged``), if any."""
    import importlib.util

    spec = importlib.util.find_spec("torchgen")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "packaged/autograd/derivatives.yaml"
    return path if path.is_file() else None


def main() -> int:
    print(coverage().report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
