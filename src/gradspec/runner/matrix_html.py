"""The matrix as one self-contained HTML page: results x torch releases, coloured by status,
filterable by area (and to the rows that change), each expected or stale cell and each probe row
linking to its expected difference, with the reason and the probe's code; then the error and
warning messages torch words differently, the autograd API surface by release, and what changed
release by release. Standard library only, like :mod:`gradspec.runner.matrix`, which calls it
with the matrix and the helpers it needs (this module imports nothing of the matrix's)."""

from __future__ import annotations

import html
from typing import Any

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: center; }
th { position: sticky; top: 0; background: #f6f8fa; }
td.id { text-align: left; font-family: monospace; }
tr.changed td.id { font-weight: bold; }
tr.changed { background: #fff3c4; }
tr.reworded td.id { font-style: italic; }
td.passed { color: #1a7f37; } td.failed { color: #fff; background: #cf222e; }
td.skipped { color: #777; } td.expected { background: #ddf4ff; } td.stale { background: #ffd8b5; }
td.has { color: #1a7f37; } td.lacks { color: #999; background: #f2f2f2; }
td.differs { background: #ddf4ff; } td.same { color: #1a7f37; }
td a { color: inherit; }
pre { background: #f6f8fa; padding: 0.5em; overflow-x: auto; }
.entry { border-top: 1px solid #ccc; padding-top: 0.5em; }
#controls { margin: 1em 0; position: sticky; top: 0; background: #fff; padding: 0.3em 0; }
"""

_JS = """
function applyFilter() {
  var area = document.getElementById('area').value;
  var only = document.getElementById('changed').checked;
  var text = document.getElementById('text').value.toLowerCase();
  document.querySelectorAll('tr[data-area]').forEach(function (tr) {
    var show = (area === '' || tr.dataset.area === area)
      && (!only || tr.dataset.changed === '1')
      && (text === '' || tr.dataset.id.toLowerCase().indexOf(text) >= 0);
    tr.style.display = show ? '' : 'none';
  });
}
document.addEventListener('DOMContentLoaded', applyFilter);
"""


def _entries() -> list:
    """The expected differences of this source tree (for the reasons and probes)."""
    try:
        from gradspec.expectations import load

        return load()
    except Exception:  # noqa: BLE001 - the page still renders without them
        return []


def _anchor(i: int) -> str:
    return f"exp-{i}"


def page(m: Any, h: Any, *, changed_only: bool = False) -> str:
    """The whole page of matrix ``m``; ``h``: the matrix module's ``SHORT``, ``h.PROBES_PREFIX``,
    ``first``, ``changes`` and ``consecutive``."""
    e = html.escape
    entries = _entries()
    by_reason = {x.reason: i for i, x in enumerate(entries)}
    by_probe = {f"{h.PROBES_PREFIX}{x.key.replace('/', ':')}": i for i, x in enumerate(entries)}
    labels = [c.label(m.with_device) for c in m.columns]
    head = "".join(f"<th>{e(lab)}</th>" for lab in labels)
    areas = list(dict.fromkeys(r.area for r in m.rows))
    changed = m.changed_rows()
    reworded = [r for r in m.rows if r.observed_changed(m.columns)]
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"><title>gradspec conformance matrix</title>',
        f"<style>{_CSS}</style><script>{_JS}</script></head><body>",
        "<h1>gradspec conformance matrix</h1>",
        "<p>" + e("; ".join(
            f"torch {r.get('torch')} on {', '.join(r.get('devices', []))} (Python "
            f"{r.get('python')}, profile {r.get('profile')})" for r in m.reports)) + "</p>",
        "<p>Each row is one result of <code>gradspec run</code> (a behaviour, an op sub-check, an "
        "op error, an example check, or the probe of an expected difference); each column one "
        "torch release. <b>pass</b>: torch agrees with gradref (which mirrors torch "
        f"{e(str(m.reports[0].get('torch_target', '?')) if m.reports else '?')}); "
        "<b>expected</b>: it differs, as an expected difference says (the cell links to it); "
        "<b>FAIL</b>: it differs and nothing explains it; <b>stale</b>: an expected difference "
        "that did not show. Highlighted rows change status between releases; rows in italics "
        "see torch word an error or warning differently (hover a cell for its first line).</p>",
        '<p>Sections: <a href="#results">results</a>, <a href="#messages">messages</a>, '
        '<a href="#api">API surface</a>, <a href="#changes">release by release</a>, '
        '<a href="#expectations">expected differences and probes</a>.</p>',
    ]  # fmt: skip
    totals = m.totals()
    parts.append(f"<table><tr><th>status</th>{head}</tr>")
    for s in ("passed", "failed", "skipped", "expected", "stale"):
        cells = "".join(f"<td>{totals[c].get(s, 0)}</td>" for c in m.columns)
        parts.append(f"<tr><td class='id'>{h.SHORT[s]}</td>{cells}</tr>")
    parts.append("</table>")
    options = "".join(f'<option value="{e(a)}">{e(a)}</option>' for a in areas)
    parts += [
        f'<h2 id="results">Results ({len(m.rows)} rows; {len(changed)} change status, '
        f"{len(reworded)} change what torch says)</h2>",
        '<div id="controls">area <select id="area" onchange="applyFilter()">'
        f'<option value="">every area</option>{options}</select> '
        '<label><input type="checkbox" id="changed" onchange="applyFilter()"'
        f"{' checked' if changed_only else ''}> only rows that change</label> "
        'id contains <input id="text" oninput="applyFilter()" size="30"></div>',
        f"<table><tr><th>id</th>{head}</tr>",
    ]
    for r in m.rows:
        parts.append(_row(m, h, r, by_reason, by_probe))
    parts.append("</table>")
    parts += _messages(m, h, reworded)
    parts += _api(m)
    parts += _changes(m, h)
    parts += _expectations(m, entries, by_probe)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _row(m: Any, h: Any, r: Any, by_reason: dict, by_probe: dict) -> str:
    e = html.escape
    status_changed = r.changed(m.columns)
    msg_changed = r.observed_changed(m.columns)
    flags = (("changed", status_changed), ("reworded", msg_changed))
    classes = " ".join(c for c, on in flags if on)
    cells = []
    probe = by_probe.get(r.id)
    for c in m.columns:
        cell = r.cells.get(c)
        if cell is None:
            cells.append("<td>-</td>")
            continue
        tip = "\n".join(
            x for x in (h.first(cell.message), cell.observed, h.first(cell.expectation)) if x
        )
        title = f' title="{e(tip)}"' if tip else ""
        text = e(h.SHORT.get(cell.status, cell.status))
        target = probe if probe is not None else by_reason.get(cell.reason)
        if target is not None and (cell.status in ("expected", "stale") or probe is not None):
            text = f'<a href="#exp-{target}">{text}</a>'
        cells.append(f'<td class="{e(cell.status)}"{title}>{text}</td>')
    flag = "1" if status_changed or msg_changed else "0"
    return (
        f'<tr class="{classes}" data-area="{e(r.area)}" data-changed="{flag}" '
        f'data-id="{e(r.id)}"><td class="id" title="{e(r.sentence)}">{e(r.id)}</td>'
        + "".join(cells) + "</tr>"
    )  # fmt: skip


def _messages(m: Any, h: Any, reworded: list) -> list[str]:
    e = html.escape
    rows = [r for r in reworded if not r.id.startswith(h.PROBES_PREFIX)]
    out = [f'<h2 id="messages">Error and warning messages torch words differently '
           f"({len(rows)})</h2>"]  # fmt: skip
    if not rows:
        return out + ["<p>None.</p>"]
    out.append("<table><tr><th>id</th>" + "".join(
        f"<th>{e(c.label(m.with_device))}</th>" for c in m.columns) + "</tr>")  # fmt: skip
    for r in rows:
        cells = "".join(
            f'<td style="text-align:left">{e(r.observed(c)) or "-"}</td>' for c in m.columns
        )
        out.append(f'<tr><td class="id">{e(r.id)}</td>{cells}</tr>')
    return out + ["</table>"]


def _api(m: Any) -> list[str]:
    e = html.escape
    changed = m.api_changed()
    out = [f'<h2 id="api">Autograd API surface ({len(m.api)} names and keywords; '
           f"{len(changed)} not in every release)</h2>"]  # fmt: skip
    if not m.api_columns:
        return out + ["<p>No report carries an API surface.</p>"]
    out.append(
        "<p>Each public name of torch.autograd, torch.autograd.graph, torch.autograd.function "
        "and torch.autograd.forward_ad (and of the classes they define), and Tensor's autograd "
        "methods; <code>name(keyword)</code> is a parameter. Only the rows some release lacks "
        "are listed.</p>"
    )
    out.append("<table><tr><th>name</th>" + "".join(
        f"<th>{e(c.label(m.with_device))}</th>" for c in m.api_columns) + "</tr>")  # fmt: skip
    for n in changed:
        have = m.api[n]
        cells = "".join(
            '<td class="has">✓</td>' if c in have else '<td class="lacks">-</td>'
            for c in m.api_columns
        )
        out.append(f'<tr><td class="id">{e(n)}</td>{cells}</tr>')
    return out + ["</table>"]


def _changes(m: Any, h: Any) -> list[str]:
    e = html.escape
    out = ['<h2 id="changes">What changed, release by release</h2>']
    for before, after in h.consecutive(m):
        found = h.changes(m, before, after)
        out.append(f"<h3>torch {e(before.label(m.with_device))} → "
                   f"{e(after.label(m.with_device))} ({len(found)})</h3><ul>")  # fmt: skip
        for c in found:
            if c.kind == "status":
                out.append(f"<li><code>{e(c.id)}</code>: {e(c.before)} → {e(c.after)}; "
                           f"{e(c.why)}</li>")  # fmt: skip
            elif c.kind == "message":
                out.append(f"<li><code>{e(c.id)}</code> message: <q>{e(c.before)}</q> → "
                           f"<q>{e(c.after)}</q></li>")  # fmt: skip
            elif c.kind == "probe":
                out.append(f"<li>probe <code>{e(c.id)}</code>: {e(c.before)} → {e(c.after)}; "
                           f"{e(c.why)}</li>")  # fmt: skip
            else:
                word = "new" if c.kind == "api-added" else "gone"
                out.append(f"<li>API {word}: <code>{e(c.id)}</code></li>")
        out.append("</ul>")
    return out


def _expectations(m: Any, entries: list, by_probe: dict) -> list[str]:
    e = html.escape
    out = ['<h2 id="expectations">Expected differences and their probes</h2>']
    if not entries:
        return out + ["<p>The expectations could not be read.</p>"]
    probe_rows = {by_probe[r.id]: r for r in m.rows if r.id in by_probe}
    for i, x in enumerate(entries):
        out.append(f'<div class="entry" id="{_anchor(i)}"><h3><code>{e(x.id)}</code> '
                   f"({e(x.span())}; {e(x.file)})</h3><p>{e(x.reason)}</p>")  # fmt: skip
        if x.message:
            out.append(f"<p>torch's message on those releases matches "
                       f"<code>{e(x.message)}</code></p>")  # fmt: skip
        out.append(f"<pre>{e(x.probe) or '(no probe)'}</pre>")
        row = probe_rows.get(i)
        if row is not None:
            cells = []
            for c in m.columns:
                state = row.observed(c).split(":", 1)[0] or "-"
                tip = row.observed(c)
                cls = (
                    state
                    if state in ("differs", "same")
                    else row.cells.get(c, None) and (row.cells[c].status) or ""
                )
                cells.append(f'<td class="{e(cls)}" title="{e(tip)}">{e(state)}</td>')
            out.append("<table><tr>" + "".join(
                f"<th>{e(c.label(m.with_device))}</th>" for c in m.columns) + "</tr><tr>"
                + "".join(cells) + "</tr></table>")  # fmt: skip
        out.append("</div>")
    return out


__all__ = ["page"]
