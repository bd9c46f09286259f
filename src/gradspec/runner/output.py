"""How a ``gradspec run`` report reads: a text table for the terminal, Markdown, JSON."""

from __future__ import annotations

import json
from collections import Counter

from gradspec.runner.items import area_order
from gradspec.runner.results import STATUSES, Result, RunReport

_HEADERS = {
    "passed": "pass",
    "failed": "FAIL",
    "skipped": "skip",
    "expected": "expected",
    "stale": "stale",
}


def _areas(report: RunReport) -> list[str]:
    counts = report.counts()
    order = area_order()
    present = sorted(counts, key=lambda a: order.index(a) if a in order else len(order))
    absent = [a for a in order if a in report.absent and a not in counts]
    return present + absent


def _rows(report: RunReport) -> list[list[str]]:
    counts = report.counts()
    rows = []
    for area in _areas(report):
        if area in counts:
            rows.append(
                [area] + [str(counts[area][s]) if counts[area][s] else "." for s in STATUSES]
            )
        else:
            rows.append([area, f"absent: {report.absent[area]}"])
    totals = [sum(c[s] for c in counts.values()) for s in STATUSES]
    rows.append(["total"] + [str(t) for t in totals])
    return rows


def headline(report: RunReport) -> str:
    ex = f"{report.max_examples} examples"
    ex += ", derandomized" if report.derandomize else f", seed {report.seed}"
    workers = f"{report.workers} worker" + ("s" if report.workers != 1 else "")
    return (
        f"gradspec run: torch {report.torch_version} against gradref {report.gradref_version} "
        f"(gradspec {report.gradspec_version}, Python {report.python_version}) - "
        f"profile {report.profile} ({ex}) - devices {', '.join(report.devices)} - {workers} - "
        f"{report.seconds:.1f}s"
    )


def verdict(report: RunReport) -> str:
    counts = Counter(r.status for r in report.results)
    parts = [f"{counts[s]} {s}" for s in STATUSES if counts[s]]
    word = "OK" if report.ok else "FAILED"
    return f"{word}: {', '.join(parts) or 'nothing ran'}"


def _skip_groups(results: list[Result]) -> list[tuple[str, int, list[str]]]:
    groups: dict[str, list[str]] = {}
    for r in results:
        if r.status == "skipped":
            groups.setdefault(r.message or "no reason given", []).append(f"{r.id} [{r.device}]")
    return sorted(((why, len(ids), ids) for why, ids in groups.items()), key=lambda g: -g[1])


def _indent(text: str, by: str) -> str:
    return by + text.replace("\n", "\n" + by)


def text_table(report: RunReport) -> str:
    """The per-area table, aligned for a terminal."""
    rows = [["area"] + [_HEADERS[s] for s in STATUSES]] + _rows(report)
    width0 = max(len(r[0]) for r in rows)
    widths = [max(len(r[i]) for r in rows if len(r) > 2) for i in range(1, len(STATUSES) + 1)]
    lines = []
    for n, r in enumerate(rows):
        if len(r) == 2:  # an absent area
            lines.append(f"{r[0].ljust(width0)}  {r[1]}")
            continue
        if n == len(rows) - 1:
            lines.append("-" * (width0 + sum(w + 2 for w in widths)))
        cells = [c.rjust(w) for c, w in zip(r[1:], widths)]
        lines.append(r[0].ljust(width0) + "  " + "  ".join(cells))
    return "\n".join(lines)


def text(report: RunReport, *, reproducers: bool = True) -> str:
    """The full terminal report: headline, table, skips, expected and stale, failures."""
    parts = [headline(report), "", text_table(report)]
    groups = _skip_groups(report.results)
    if groups:
        parts += ["", "Skipped:"]
        for why, n, ids in groups:
            which = ids[0] if n == 1 else f"{n} results, e.g. {ids[0]}"
            parts.append(f"  {why}  ({which})")
    expected = [r for r in report.results if r.status == "expected"]
    if expected:
        parts += ["", f"Expected differences on torch {report.torch_version}:"]
        for r in expected:
            parts.append(f"  {r.id} [{r.device}]: {r.expectation}")
    stale = [r for r in report.results if r.status == "stale"]
    if stale:
        parts += ["", "WARNING: stale expected differences (they no longer differ; remove them):"]
        for r in stale:
            parts.append(f"  {r.id} [{r.device}]: {r.expectation}")
    failures = report.unexpected_failures
    if failures:
        parts += ["", f"Failures ({len(failures)}):"]
        for r in failures:
            parts += ["", f"FAIL {r.id} [{r.device}]", f"  behaviour {r.behaviour}: {r.sentence}"]
            parts += ["  problem:", _indent(r.message, "    ")]
            if r.example:
                parts += ["  shrunk example:", _indent(r.example, "    ")]
            if r.reproducer and reproducers:
                parts += ["  reproducer:", _indent(r.reproducer.rstrip(), "    ")]
    parts += ["", verdict(report)]
    return "\n".join(parts)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def markdown(report: RunReport) -> str:
    """A Markdown summary: headline, the per-area table, skips, expected, stale, failures."""
    out = [f"# gradspec run: torch {report.torch_version}", "", headline(report), ""]
    out += ["| area | " + " | ".join(_HEADERS[s] for s in STATUSES) + " |"]
    out += ["|---|" + "---:|" * len(STATUSES)]
    for r in _rows(report):
        if len(r) == 2:
            out.append(f"| {r[0]} | {_md_cell(r[1])} |" + " |" * (len(STATUSES) - 1))
        else:
            name = f"**{r[0]}**" if r[0] == "total" else r[0]
            out.append(f"| {name} | " + " | ".join(r[1:]) + " |")
    out += ["", f"**{verdict(report)}**"]
    groups = _skip_groups(report.results)
    if groups:
        out += ["", "## Skipped", ""]
        for why, n, ids in groups:
            out.append(f"- {_md_cell(why)} ({n}: {', '.join(f'`{i}`' for i in ids[:5])}"
                       + (", ..." if n > 5 else "") + ")")  # fmt: skip
    for status, title in (("expected", "Expected differences"), ("stale", "Stale expectations")):
        rows = [r for r in report.results if r.status == status]
        if rows:
            out += ["", f"## {title}", ""]
            out += [f"- `{r.id}` [{r.device}]: {_md_cell(r.expectation)}" for r in rows]
    failures = report.unexpected_failures
    if failures:
        out += ["", f"## Failures ({len(failures)})"]
        for r in failures:
            out += ["", f"### `{r.id}` [{r.device}]", "", f"> {r.sentence}", "", "```", r.message,
                    "```"]  # fmt: skip
            if r.example:
                out += ["", "Shrunk example:", "", "```python", r.example, "```"]
            if r.reproducer:
                out += ["", "Reproducer:", "", "```python", r.reproducer.rstrip(), "```"]
    return "\n".join(out) + "\n"


def to_json(report: RunReport) -> str:
    return json.dumps(report.to_dict(), indent=2, default=str) + "\n"


def junit(report: RunReport) -> str:
    """JUnit XML for CI systems: one ``testcase`` per result (classname ``gradspec.<area>``,
    name ``<id>[<device>]``); failures carry the problem, the shrunk example and the
    reproducer; expected differences are ``skipped`` with type ``expected`` (as pytest writes
    an xfail), stale ones pass with a note in ``system-out``."""
    from xml.etree import ElementTree as ET

    counts = Counter(r.status for r in report.results)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"gradspec run (torch {report.torch_version})",
        tests=str(len(report.results)),
        failures=str(counts["failed"]),
        errors="0",
        skipped=str(counts["skipped"] + counts["expected"]),
        time=f"{report.seconds:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for k, v in (("torch", report.torch_version), ("gradref", report.gradref_version),
                 ("torch_target", report.torch_target), ("profile", report.profile),
                 ("devices", ",".join(report.devices))):  # fmt: skip
        ET.SubElement(props, "property", name=k, value=str(v))
    for r in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"gradspec.{r.area}",
            name=f"{r.id}[{r.device}]",
            time=f"{r.seconds:.3f}",
        )
        if r.status == "failed":
            body = [r.message]
            if r.example:
                body += ["", "shrunk example:", r.example]
            if r.reproducer:
                body += ["", "reproducer:", r.reproducer]
            first = (r.message.strip().splitlines() or [""])[0]
            el = ET.SubElement(case, "failure", message=f"{r.expectation}: {first}".strip(": "))
            el.text = "\n".join(body)
        elif r.status == "expected":
            ET.SubElement(case, "skipped", type="expected", message=r.expectation)
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=r.message)
        elif r.status == "stale":
            ET.SubElement(case, "system-out").text = f"stale expected difference: {r.expectation}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"
