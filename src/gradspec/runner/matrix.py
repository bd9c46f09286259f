"""The conformance matrix: ``gradspec run`` JSON reports merged into result x torch version.

Rows are result ids (behaviours, op checks, example checks), columns are torch versions (and
devices, when the reports cover more than one), cells the status each report gave. A row whose
status differs between columns is *changed*; those are what changed in autograd between torch
versions (or where gradref and an older torch part ways). Expected differences that no longer
occur (*stale*) are listed on their own.

Standard library only, so ``PYTHONPATH=src python -m gradspec.runner.matrix reports/`` works
without torch installed (the ``matrix`` tox env does exactly that).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from gradspec.versions import version_key

FORMAT_PREFIX = "gradspec-run/"

#: how a status reads in a cell
SHORT = {
    "passed": "pass",
    "failed": "FAIL",
    "skipped": "skip",
    "expected": "expected",
    "stale": "stale",
    None: "-",
}


class MatrixError(ValueError):
    """A report that cannot be read or merged."""


@dataclass(frozen=True)
class Column:
    torch: str
    device: str

    def label(self, with_device: bool) -> str:
        v = self.torch.split("+", 1)[0]
        return f"{v} {self.device}" if with_device else v


@dataclass
class Cell:
    status: str
    message: str = ""
    expectation: str = ""
    reason: str = ""
    #: what torch showed (error and warning first lines; a probe's finding)
    observed: str = ""


@dataclass
class Row:
    id: str
    area: str
    sentence: str
    cells: dict[Column, Cell] = field(default_factory=dict)

    def statuses(self, columns: list[Column]) -> list[str | None]:
        return [self.cells[c].status if c in self.cells else None for c in columns]

    def changed(self, columns: list[Column]) -> bool:
        """Whether the row's status differs between the columns that have it."""
        present = {s for s in self.statuses(columns) if s is not None}
        return len(present) > 1

    def observed(self, column: Column) -> str:
        cell = self.cells.get(column)
        return cell.observed if cell is not None else ""

    def observed_changed(self, columns: list[Column]) -> bool:
        """Whether what torch showed (a message, a probe's finding) differs between the
        columns that recorded something."""
        seen = {self.observed(c) for c in columns if self.observed(c)}
        return len(seen) > 1


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row]
    reports: list[dict]
    absent: dict[Column, dict[str, str]] = field(default_factory=dict)
    #: the autograd API surface: row name (``name`` or ``name(keyword)``) -> columns having it
    api: dict[str, set[Column]] = field(default_factory=dict)
    #: the columns whose reports carry an API surface
    api_columns: list[Column] = field(default_factory=list)

    def api_changed(self) -> list[str]:
        """The API rows some columns with a surface have and others lack."""
        cols = set(self.api_columns)
        return [name for name, have in self.api.items() if have & cols != cols]

    @property
    def with_device(self) -> bool:
        return len({c.device for c in self.columns}) > 1

    def changed_rows(self) -> list[Row]:
        return [r for r in self.rows if r.changed(self.columns)]

    def stale(self) -> list[tuple[Row, Column, Cell]]:
        return [
            (r, c, r.cells[c])
            for r in self.rows
            for c in self.columns
            if c in r.cells and r.cells[c].status == "stale"
        ]

    def totals(self) -> dict[Column, dict[str, int]]:
        out = {c: {s: 0 for s in SHORT if s} for c in self.columns}
        for r in self.rows:
            for c, cell in r.cells.items():
                out[c][cell.status] = out[c].get(cell.status, 0) + 1
        return out


def read_reports(paths: list[str | Path]) -> list[dict]:
    """The reports in ``paths`` (files, or directories whose ``*.json`` are reports)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.glob("*.json"))
        elif p.is_file():
            files.append(p)
        else:
            raise MatrixError(f"{p}: no such file or directory")
    reports = []
    for f in files:
        try:
            data = json.loads(f.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise MatrixError(f"{f}: not a JSON report ({e})") from None
        if not isinstance(data, dict) or not str(data.get("format", "")).startswith(FORMAT_PREFIX):
            if any(Path(x).is_dir() for x in paths) and f.parent in map(Path, paths):
                continue  # another JSON file in a reports directory (matrix output, ...)
            raise MatrixError(f"{f}: not a gradspec run report (no 'format': 'gradspec-run/...')")
        data["_path"] = str(f)
        reports.append(data)
    if not reports:
        raise MatrixError("no gradspec run reports given")
    return reports


def rejudge(reports: list[dict]) -> list[dict]:
    """The reports with the expected differences of this source tree applied afresh to their
    results: torch's outcome is kept (an *expected* result failed, a *stale* one passed) and
    judged again, as ``gradspec run`` would judge it now. So a corrected or new expected
    difference shows in the table without running every release again. A probe's finding
    (whether it showed the difference) is kept and judged against its entry's range now."""
    from gradspec.expectations import load
    from gradspec.runner.results import Result, apply_expectations

    entries = load()
    fields = set(Result.__dataclass_fields__)
    # a report without the release gradref mirrored (older ones): the newest release in the
    # matrix stands for it (this module is standard-library only: gradref is not importable)
    newest = max((str(r.get("torch", "0")) for r in reports), key=version_key, default="0")
    out = []
    for rep in reports:
        rep = dict(rep)
        probes = [
            _rejudge_probe(r, entries, str(rep.get("torch", "0")))
            for r in rep.get("results", [])
            if str(r["id"]).startswith(PROBES_PREFIX)
        ]
        raw = []
        for res in rep.get("results", []):
            if str(res["id"]).startswith(PROBES_PREFIX):
                continue
            status = {"expected": "failed", "stale": "passed"}.get(res["status"], res["status"])
            kept = {k: v for k, v in res.items() if k in fields}
            raw.append(Result(**{**kept, "status": status, "expectation": "", "reason": ""}))
        version, target = str(rep.get("torch", "0")), rep.get("torch_target") or newest
        judged = apply_expectations(raw, entries, version, target)
        rep["results"] = [r.to_dict() for r in judged] + probes
        out.append(rep)
    return out


def _rejudge_probe(res: dict, entries: list, torch_version: str) -> dict:
    """A probe result judged against its entry's range now (its finding kept)."""
    from gradspec.expectations.probes import ProbeOutcome
    from gradspec.versions import in_range

    state, _, seen = str(res.get("observed", "")).partition(":")
    entry = next((e for e in entries
                  if f"{PROBES_PREFIX}{e.key.replace('/', ':')}" == res["id"]), None)  # fmt: skip
    if entry is None or state not in ("differs", "same"):
        return res
    claimed = in_range(torch_version, entry.since, entry.until)
    outcome = ProbeOutcome(state == "differs", claimed, seen.strip())
    status = "passed" if outcome.agrees else "failed"
    return {**res, "status": status, "message": outcome.explain(entry, torch_version),
            "reason": entry.reason, "expectation": f"{entry.span()}; {entry.file}"}  # fmt: skip


def merge(reports: list[dict]) -> Matrix:
    """Merge reports into a matrix. Two reports for the same torch version and device: the later
    path wins (a re-run replaces an earlier one)."""
    columns: set[Column] = set()
    api_cols: set[Column] = set()
    api: dict[str, set[Column]] = {}
    rows: dict[str, Row] = {}
    absent: dict[Column, dict[str, str]] = {}
    order: list[str] = []
    for rep in reports:
        torch = str(rep.get("torch", "?"))
        for area_order_name in rep.get("areas", {}):
            if area_order_name not in order:
                order.append(area_order_name)
        for dev in rep.get("devices", []) or ["cpu"]:
            absent.setdefault(Column(torch, dev), {}).update(rep.get("absent", {}))
        for res in rep.get("results", []):
            col = Column(torch, str(res.get("device", "cpu")))
            columns.add(col)
            rid = str(res["id"])
            row = rows.get(rid)
            if row is None:
                row = rows[rid] = Row(rid, str(res.get("area", "")), str(res.get("sentence", "")))
            row.cells[col] = Cell(
                str(res.get("status", "?")),
                str(res.get("message", "")),
                str(res.get("expectation", "")),
                str(res.get("reason", "")),
                str(res.get("observed", "") or ""),
            )
        if rep.get("api"):
            col = Column(torch, str((rep.get("devices") or ["cpu"])[0]))
            columns.add(col)
            api_cols.add(col)
            for name in _api_rows(rep["api"]):
                api.setdefault(name, set()).add(col)
    cols = sorted(columns, key=lambda c: (version_key(c.torch), c.torch, c.device))
    area_rank = {a: i for i, a in enumerate(order)}
    ordered = sorted(rows.values(), key=lambda r: (area_rank.get(r.area, len(area_rank)), r.id))
    return Matrix(cols, ordered, reports, {c: absent.get(c, {}) for c in cols},
                  dict(sorted(api.items())), [c for c in cols if c in api_cols])  # fmt: skip


def _api_rows(api: dict) -> list[str]:
    """A report's API surface (name -> parameter names or None) as row names: each name, and
    each keyword as ``name(keyword)`` (as :func:`gradspec.runner.api_surface.rows`)."""
    out = []
    for name, params in api.items():
        out.append(str(name))
        out += [f"{name}({p})" for p in params or ()]
    return out


# ------------------------------------------------------------------------------ release by release

#: how a status reads when comparing releases: does torch agree with gradref there?
_STATE = {"passed": "agrees", "stale": "agrees", "expected": "differs", "failed": "differs"}

PROBES_PREFIX = "probes."


@dataclass(frozen=True)
class Change:
    """One thing the table shows changing between two consecutive releases."""

    kind: str  # "status", "message", "probe", "api-added", "api-removed"
    id: str
    before: str = ""
    after: str = ""
    why: str = ""


def _probe_state(observed: str) -> str:
    return observed.split(":", 1)[0].strip()


def consecutive(m: Matrix) -> list[tuple[Column, Column]]:
    """Each pair of consecutive columns of the same device (by torch version)."""
    out = []
    for dev in dict.fromkeys(c.device for c in m.columns):
        cols = [c for c in m.columns if c.device == dev]
        out += list(zip(cols, cols[1:]))
    return out


def changes(m: Matrix, before: Column, after: Column) -> list[Change]:
    """What the table shows changing from ``before`` to ``after``: results that start or stop
    agreeing with gradref, error and warning first lines torch words differently, probes that
    start or stop showing their difference, and API names and keywords that appear or go."""
    out: list[Change] = []
    for r in m.rows:
        a, b = r.cells.get(before), r.cells.get(after)
        if a is None or b is None:
            continue
        if r.id.startswith(PROBES_PREFIX):
            pa, pb = _probe_state(a.observed), _probe_state(b.observed)
            if pa != pb and "error" not in (pa, pb):
                out.append(Change("probe", r.id, pa, pb, b.reason or a.reason))
            elif a.status != b.status:
                out.append(Change("status", r.id, a.status, b.status, _first(b.message)))
            continue
        sa, sb = _STATE.get(a.status), _STATE.get(b.status)
        if sa and sb and sa != sb:
            differing = a if sa == "differs" else b
            why = differing.reason or _first(differing.message) or _first(differing.expectation)
            out.append(Change("status", r.id, f"{sa} ({a.status})", f"{sb} ({b.status})", why))
        if a.observed and b.observed and a.observed != b.observed:
            was, now = a.observed.splitlines(), b.observed.splitlines()
            gone = [x for x in was if x not in now] or was
            new = [x for x in now if x not in was] or now
            out.append(Change("message", r.id, " / ".join(gone), " / ".join(new)))
    if before in m.api_columns and after in m.api_columns:
        had = {n for n, cols in m.api.items() if before in cols}
        has = {n for n, cols in m.api.items() if after in cols}
        out += [Change("api-added", n) for n in _api_heads(has - had)]
        out += [Change("api-removed", n) for n in _api_heads(had - has)]
    return out


def _api_heads(names: set[str]) -> list[str]:
    """``names`` without those under another name of the set (a new class's members and
    keywords go with the class)."""

    def parent(n: str) -> str | None:
        if n.endswith(")"):
            return n[: n.rindex("(")]
        return n.rsplit(".", 1)[0] if "." in n else None

    out = []
    for n in sorted(names):
        p, under = parent(n), False
        while p is not None:
            if p in names:
                under = True
                break
            p = parent(p)
        if not under:
            out.append(n)
    return out


def changes_markdown(m: Matrix) -> str:
    """Every change between consecutive releases, release by release, as Markdown bullets."""
    out: list[str] = []
    label = {"added": "new", "removed": "gone"}
    every: dict[str, set[str]] = {}
    for r in m.rows:
        base, _, part = r.id.partition("/")
        every.setdefault(base, set()).add(part)
    for before, after in consecutive(m):
        found = changes(m, before, after)
        head = f"### torch {before.label(m.with_device)} → {after.label(m.with_device)}"
        out += [head, ""]
        if not found:
            out += ["No change.", ""]
            continue
        groups: dict[tuple[str, str, str], list[str]] = {}
        for c in found:
            if c.kind == "status":  # an op's sub-checks that change alike are one line
                groups.setdefault((c.before, c.after, c.why), []).append(c.id)
        for (was, now, why), ids in groups.items():
            out.append(f"- {_id_list(ids, every)}: {was} → {now}; {_md(why)}")
        for c in found:
            if c.kind == "message":
                out.append(f"- `{c.id}` message: {_md(c.before)!s} → {_md(c.after)}")
            elif c.kind == "probe":
                out.append(f"- probe `{c.id}`: {c.before} → {c.after}; {_md(c.why)}")
        api = [c for c in found if c.kind.startswith("api-")]
        for kind in ("added", "removed"):
            names = [c.id for c in api if c.kind == f"api-{kind}"]
            if names:
                out.append(f"- API {label[kind]}: " + ", ".join(f"`{n}`" for n in names))
        out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------------------ rendering


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _first(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 140 else line[:137] + "..."


def markdown(m: Matrix, *, changed_only: bool = False) -> str:
    """The matrix as Markdown: the reports, totals per column, the changed rows (bold), every
    row unless ``changed_only``, and stale expected differences."""
    labels = [c.label(m.with_device) for c in m.columns]
    out = ["# gradspec conformance matrix", ""]
    out.append("Reports: " + ", ".join(
        f"torch {r.get('torch')} ({', '.join(r.get('devices', []))}; Python {r.get('python')}; "
        f"profile {r.get('profile')})" for r in m.reports) + ".")  # fmt: skip
    out += ["", "| status | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    totals = m.totals()
    for s in ("passed", "failed", "skipped", "expected", "stale"):
        out.append(
            f"| {SHORT[s]} | " + " | ".join(str(totals[c].get(s, 0)) for c in m.columns) + " |"
        )
    absent = {c: a for c, a in m.absent.items() if a}
    for c, areas in absent.items():
        for area, why in areas.items():
            out.append(f"\n*{area} absent on torch {c.label(m.with_device)}: {_md(why)}*")
    changed = m.changed_rows()
    out += ["", f"## Rows that change between torch versions ({len(changed)})", ""]
    if changed:
        out += _md_table(m, changed, labels, bold=False)
        out += [
            "",
            "What changed (the message of the first column that differs from the first):",
            "",
        ]
        for r in changed:
            base = r.statuses(m.columns)
            first = next(s for s in base if s is not None)
            for c, s in zip(m.columns, base):
                if s is not None and s != first:
                    cell = r.cells[c]
                    why = _first(cell.message) or _first(cell.expectation) or s
                    out.append(
                        f"- `{r.id}` on torch {c.label(m.with_device)}: {SHORT[s]} - {_md(why)}"
                    )
                    break
    else:
        out.append("None: every row has the same status on every torch version.")
    stale = m.stale()
    if stale:
        out += ["", f"## Stale expected differences ({len(stale)})", ""]
        for r, c, cell in stale:
            out.append(f"- `{r.id}` on torch {c.label(m.with_device)}: {_md(cell.expectation)}")
    messages = [r for r in m.rows if r.observed_changed(m.columns)
                and not r.id.startswith(PROBES_PREFIX)]  # fmt: skip
    if messages:
        out += ["", f"## Error and warning messages torch words differently ({len(messages)})", ""]
        out += ["| id | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
        for r in messages:
            cells = [_md(_first(r.observed(c))) or "-" for c in m.columns]
            out.append(f"| `{r.id}` | " + " | ".join(cells) + " |")
    api_changed = m.api_changed()
    if m.api_columns:
        api_labels = [c.label(m.with_device) for c in m.api_columns]
        out += ["", f"## Autograd API surface: {len(m.api)} names and keywords, "
                f"{len(api_changed)} not in every release", ""]  # fmt: skip
        if api_changed:
            out += ["| name | " + " | ".join(api_labels) + " |",
                    "|---|" + ":---:|" * len(api_labels)]  # fmt: skip
            for n in api_changed:
                have = m.api[n]
                out.append(
                    f"| `{_md(n)}` | "
                    + " | ".join("✓" if c in have else "-" for c in m.api_columns)
                    + " |"
                )
    if len(m.columns) > 1:
        out += ["", "## What changed, release by release", "", changes_markdown(m).rstrip()]
    if not changed_only:
        out += ["", f"## All rows ({len(m.rows)}; changed rows in bold)", ""]
        out += _md_table(m, m.rows, labels, bold=True)
    return "\n".join(out) + "\n"


def _md_table(m: Matrix, rows: list[Row], labels: list[str], bold: bool) -> list[str]:
    out = ["| id | " + " | ".join(labels) + " |", "|---|" + ":---:|" * len(labels)]
    for r in rows:
        cells = [SHORT.get(s, str(s)) for s in r.statuses(m.columns)]
        name = f"`{r.id}`"
        if bold and r.changed(m.columns):
            name = f"**{name}**"
            cells = [f"**{c}**" for c in cells]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return out


def html_page(m: Matrix, *, changed_only: bool = False) -> str:
    """The matrix as one self-contained HTML page (:mod:`gradspec.runner.matrix_html`);
    changed rows carry ``class="changed"``."""
    from types import SimpleNamespace

    from gradspec.runner.matrix_html import page

    helpers = SimpleNamespace(SHORT=SHORT, PROBES_PREFIX=PROBES_PREFIX, first=_first,
                              changes=changes, consecutive=consecutive)  # fmt: skip
    return page(m, helpers, changed_only=changed_only)


@dataclass
class Difference:
    """Rows that differ from gradref on the same torch versions for the same reason."""

    ids: list[str]
    differs_on: list[Column]
    agrees_from: Column | None
    why: str


def differences(m: Matrix) -> list[Difference]:
    """The changed rows that some torch version does not pass (an expected difference or a
    failure), grouped by where they differ, where they agree again and why."""
    groups: dict[tuple, Difference] = {}
    for r in m.changed_rows():
        differ = [
            c for c in m.columns if c in r.cells and r.cells[c].status in ("expected", "failed")
        ]
        if not differ:
            continue  # passes wherever it runs (a skip, or a stale expectation)
        last = m.columns.index(differ[-1])
        agrees = next(
            (
                c
                for c in m.columns[last + 1 :]
                if c in r.cells and r.cells[c].status in ("passed", "stale")
            ),
            None,
        )
        cell = r.cells[differ[0]]
        why = cell.reason or cell.expectation or _first(cell.message)
        key = (tuple(differ), agrees, why)
        groups.setdefault(key, Difference([], differ, agrees, why)).ids.append(r.id)
    return sorted(
        groups.values(),
        key=lambda d: (-len(d.differs_on), [m.columns.index(c) for c in d.differs_on], d.ids),
    )


def _id_list(ids: list[str], every: dict[str, set[str]]) -> str:
    """The ids, comma separated: ``a/{x,y}`` for some results of one id, ``a/*`` for all of them
    (``every``: each id's results in the matrix)."""
    by_base: dict[str, list[str]] = {}
    for i in ids:
        base, _, part = i.partition("/")
        by_base.setdefault(base, []).append(part)
    out = []
    for base, parts in by_base.items():
        named = [p for p in parts if p]
        if not named:
            out.append(f"`{base}`")
        elif len(named) > 1 and set(named) == every.get(base):
            out.append(f"`{base}/*`")
        elif len(named) == 1:
            out.append(f"`{base}/{named[0]}`")
        else:
            out.append(f"`{base}/{{{','.join(named)}}}`")
    return ", ".join(out)


def _span(m: Matrix, cols: list[Column]) -> str:
    idx = [m.columns.index(c) for c in cols]
    label = [c.label(m.with_device) for c in cols]
    if len(cols) == 1:
        return label[0]
    if idx == list(range(idx[0], idx[-1] + 1)):
        return f"{label[0]} – {label[-1]}"
    return ", ".join(label)


def differences_markdown(m: Matrix) -> str:
    """The differences as one Markdown table (the README's version table): the results, the
    torch versions they differ on, the first later version that agrees with gradref, why."""
    tested = ", ".join(c.label(m.with_device) for c in m.columns)
    out = [
        f"Tested: torch {tested}.",
        "",
        "| result | differs on | agrees from | what that torch does |",
        "|---|---|---|---|",
    ]
    every: dict[str, set[str]] = {}
    for r in m.rows:
        base, _, part = r.id.partition("/")
        every.setdefault(base, set()).add(part)
    for d in differences(m):
        agrees = d.agrees_from.label(m.with_device) if d.agrees_from else "—"
        ids = _id_list(d.ids, every)
        out.append(f"| {ids} | {_span(m, d.differs_on)} | {agrees} | {_md(d.why)} |")
    return "\n".join(out) + "\n"


def text_summary(m: Matrix) -> str:
    """A few lines for the terminal: columns, rows, changed rows."""
    labels = [c.label(m.with_device) for c in m.columns]
    changed = m.changed_rows()
    lines = [f"gradspec matrix: {len(m.rows)} rows x torch {', '.join(labels)}"]
    lines.append(f"{len(changed)} row(s) change between torch versions:")
    width = max((len(r.id) for r in changed), default=0)
    for r in changed:
        cells = "  ".join(SHORT.get(s, str(s)).ljust(8) for s in r.statuses(m.columns))
        lines.append(f"  {r.id.ljust(width)}  {cells}")
    stale = m.stale()
    if stale:
        lines.append(f"{len(stale)} stale expected difference(s) (remove them from expectations):")
        lines += [f"  {r.id} on torch {c.label(m.with_device)}" for r, c, _ in stale]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ command line


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "reports", nargs="+", metavar="REPORT", help="gradspec run --json files (or dirs)"
    )
    p.add_argument("--markdown", metavar="PATH", help="write the matrix as Markdown")
    p.add_argument("--html", metavar="PATH", help="write the matrix as an HTML page")
    p.add_argument("--changed-only", action="store_true", help="list only rows that change")
    p.add_argument(
        "--rejudge",
        action="store_true",
        help="apply the expected differences of this source tree afresh to the reports' results "
        "(torch's outcomes kept), so a corrected expectation shows without running every "
        "release again",
    )
    p.add_argument(
        "--differences",
        metavar="PATH",
        help="write one Markdown table of what differs from gradref, by torch version",
    )


def run_cli(args: argparse.Namespace) -> int:
    """Build, write and summarize the matrix; 2 (with a one-line message) on unusable input."""
    try:
        reports = read_reports(args.reports)
        m = merge(rejudge(reports) if args.rejudge else reports)
        for path in (args.markdown, args.html, args.differences):
            if path and not Path(path).resolve().parent.is_dir():
                raise MatrixError(f"{path}: its directory does not exist")
    except MatrixError as e:
        print(f"gradspec matrix: error: {e}", file=sys.stderr)
        return 2
    if args.markdown:
        Path(args.markdown).write_text(markdown(m, changed_only=args.changed_only))
    if args.html:
        Path(args.html).write_text(html_page(m, changed_only=args.changed_only))
    if args.differences:
        Path(args.differences).write_text(differences_markdown(m))
    print(text_summary(m))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gradspec matrix", description=__doc__.splitlines()[0])
    add_arguments(p)
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
