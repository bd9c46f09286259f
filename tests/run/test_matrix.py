"""``gradspec matrix``: merging run reports, changed rows, stale expectations, Markdown and HTML."""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradspec.cli import main
from gradspec.runner import matrix

MATRIX_PY = Path(matrix.__file__)


def report(torch: str, statuses: dict[str, str], device: str = "cpu", **extra) -> dict:
    """A minimal gradspec run report with one result per id."""
    results = [
        {
            "id": rid,
            "area": rid.split(".")[0],
            "device": device,
            "status": st,
            "behaviour": rid.split("/")[0],
            "sentence": f"sentence of {rid}",
            "message": f"why {rid} is {st} on {torch}" if st != "passed" else "",
            "expectation": "planted reason (torch >= 2.0)" if st in ("expected", "stale") else "",
        }
        for rid, st in statuses.items()
    ]
    return {
        "format": "gradspec-run/1",
        "torch": torch,
        "python": "3.11.7",
        "profile": "ci",
        "devices": [device],
        "areas": {r["area"]: {} for r in results},
        "results": results,
        **extra,
    }


STEADY = "hooks.order"
CHANGES = "retain-graph.second-backward-raises"
STALE = "inplace.leaf-raises"
NEW = "hooks.post-accumulate-grad"

REPORTS = [
    report("2.5.1", {STEADY: "passed", CHANGES: "passed", STALE: "stale", NEW: "passed"}),
    report("2.2.2", {STEADY: "passed", CHANGES: "failed", STALE: "expected", NEW: "skipped"}),
    report("2.11.0+cpu", {STEADY: "passed", CHANGES: "passed", STALE: "stale", NEW: "passed"}),
]


def write(tmp_path: Path, reports: list[dict]) -> list[str]:
    paths = []
    for i, r in enumerate(reports):
        p = tmp_path / f"r{i}.json"
        p.write_text(json.dumps(r))
        paths.append(str(p))
    return paths


def test_columns_are_sorted_by_version_not_text():
    m = matrix.merge(REPORTS)
    assert [c.torch for c in m.columns] == ["2.2.2", "2.5.1", "2.11.0+cpu"]
    assert [c.label(m.with_device) for c in m.columns] == ["2.2.2", "2.5.1", "2.11.0"]


def test_changed_rows_are_those_whose_status_differs():
    m = matrix.merge(REPORTS)
    assert {r.id for r in m.changed_rows()} == {CHANGES, STALE, NEW}
    row = next(r for r in m.rows if r.id == CHANGES)
    assert row.statuses(m.columns) == ["failed", "passed", "passed"]


def test_a_row_missing_from_one_report_is_not_a_change_by_itself():
    m = matrix.merge([report("2.2", {STEADY: "passed"}), report("2.5", {"other.id": "passed"})])
    assert m.changed_rows() == []


def test_stale_expected_differences_are_listed():
    m = matrix.merge(REPORTS)
    assert sorted((r.id, c.torch) for r, c, _ in m.stale()) == [
        (STALE, "2.11.0+cpu"),
        (STALE, "2.5.1"),
    ]


def test_devices_become_columns_when_reports_cover_several():
    m = matrix.merge([report("2.5", {STEADY: "passed"}), report("2.5", {STEADY: "failed"}, "cuda")])
    assert [c.label(m.with_device) for c in m.columns] == ["2.5 cpu", "2.5 cuda"]
    assert [r.id for r in m.changed_rows()] == [STEADY]


def test_markdown_bolds_changed_rows_only_and_lists_stale():
    text = matrix.markdown(matrix.merge(REPORTS))
    all_rows = text.split("## All rows", 1)[1]
    for rid in (CHANGES, STALE, NEW):
        assert f"| **`{rid}`** |" in all_rows
    assert f"| `{STEADY}` |" in all_rows and f"**`{STEADY}`**" not in text
    stale = text.split("## Stale expected differences", 1)[1].split("##", 1)[0]
    assert f"`{STALE}` on torch 2.5.1" in stale and f"`{STALE}` on torch 2.11.0" in stale
    # the change is explained with the message of the first differing column
    assert f"- `{CHANGES}` on torch 2.5.1: pass" in text
    assert f"- `{STALE}` on torch 2.5.1: stale - why {STALE} is stale on 2.5.1" in text


def test_html_marks_exactly_the_changed_rows():
    page = matrix.html_page(matrix.merge(REPORTS))
    rows = re.findall(r'<tr class="([^"]*)"[^>]*><td class="id"[^>]*>([^<]+)</td>', page)
    changed = {rid for classes, rid in rows if "changed" in classes.split()}
    plain = {rid for classes, rid in rows if not classes}
    assert changed == {CHANGES, STALE, NEW}
    assert STEADY in plain
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_cli_writes_markdown_and_html_from_files_and_directories(tmp_path, capsys):
    paths = write(tmp_path, REPORTS)
    (tmp_path / "notes.json").write_text("{}")  # not a report: skipped inside a directory
    md, page = tmp_path / "m.md", tmp_path / "m.html"
    rc = main(["matrix", str(tmp_path), "--markdown", str(md), "--html", str(page)])
    out = capsys.readouterr().out
    assert rc == 0
    assert md.read_text() == matrix.markdown(matrix.merge(matrix.read_reports(paths)))
    assert page.read_text() == matrix.html_page(matrix.merge(matrix.read_reports(paths)))
    assert "3 row(s) change between torch versions" in out


@pytest.mark.parametrize("bad", ["missing", "notjson", "notreport"])
def test_cli_rejects_unusable_input_with_one_line(tmp_path, capsys, bad):
    p = tmp_path / "x.json"
    if bad == "notjson":
        p.write_text("{nope")
    elif bad == "notreport":
        p.write_text(json.dumps({"hello": 1}))
    rc = main(["matrix", str(p)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("gradspec matrix: error:")


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom)) and not getattr(n, "level", 0)
        for a in n.names
    }


@pytest.mark.skipif(not hasattr(sys, "stdlib_module_names"), reason="Python < 3.10")
def test_matrix_module_is_standard_library_only():
    import importlib

    # the matrix, its HTML page, and what they read (versions; the expectations' reasons and
    # probes), all without torch, NumPy or anything installed
    allowed = {
        "gradspec",
        "gradspec.lazy",
        "gradspec.versions",
        "gradspec.runner.matrix",
        "gradspec.runner.matrix_html",
        "gradspec.runner.results",
        "gradspec.expectations",
        "gradspec.expectations.probes",
        "gradspec.datafiles",
    }
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for name in sorted(allowed):
        path = Path(importlib.import_module(name).__file__)
        # tomli: Python 3.10 only; gradref: expectations.target(), torch and numpy: run_probe(),
        # which the matrix never calls (each imported inside that function only)
        lazy = ("tomli", "gradref", "torch", "numpy")
        ours = {m for m in _imported(path) if m.split(".")[0] not in lazy}
        assert {m.split(".")[0] for m in ours - allowed} <= stdlib, name
    # and it runs without site-packages (no torch, NumPy, Hypothesis), as in `tox -e matrix`


def test_matrix_runs_as_a_script(tmp_path):
    paths = write(tmp_path, REPORTS)
    md = tmp_path / "m.md"
    # -S: no site-packages at all (no torch, NumPy or installed gradspec), as in `tox -e matrix`
    proc = subprocess.run(
        [sys.executable, "-S", "-m", "gradspec.runner.matrix", *paths, "--markdown", str(md)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(MATRIX_PY.parents[2])},
    )
    assert proc.returncode == 0, proc.stderr
    assert f"**`{CHANGES}`**" in md.read_text()


def test_the_tox_matrix_env_runs_the_matrix(tmp_path):
    # the [testenv:matrix] command of tox.ini, run as tox runs it: no install, its own setenv
    import configparser
    import shlex

    root = MATRIX_PY.parents[3]
    if not (root / "tox.ini").is_file():
        pytest.skip("not a checkout (no tox.ini)")
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(root / "tox.ini")
    env = ini["testenv:matrix"]
    assert env.get("skip_install", "").strip() == "true"
    (tmp_path / "reports").mkdir()
    write(tmp_path / "reports", REPORTS)

    def fill(text: str) -> str:  # tox's {tox_root}, with the reports read from tmp_path
        reports = str(tmp_path / "reports")
        return text.replace("{tox_root}/reports", reports).replace("{tox_root}", str(root))

    setenv = [line.split("=", 1) for line in env["setenv"].splitlines() if "=" in line]
    run_env = {k.strip(): fill(v.strip()) for k, v in setenv}
    (command,) = [c for c in env["commands"].strip().splitlines() if c.strip()]
    argv = [fill(a) for a in shlex.split(command)]
    assert argv[0] == "python"
    # -S: the env's Python has nothing installed (here: no site-packages at all)
    proc = subprocess.run(
        [sys.executable, "-S", *argv[1:]], capture_output=True, text=True, timeout=60, env=run_env
    )
    assert proc.returncode == 0, proc.stderr
    assert f"**`{CHANGES}`**" in (tmp_path / "reports" / "matrix.md").read_text()


def test_differences_group_results_by_versions_and_reason(tmp_path):
    both = {CHANGES: "expected", STALE: "expected", STEADY: "passed"}
    reports = [
        report("2.2.2", both),
        report("2.5.1", {CHANGES: "expected", STALE: "passed", STEADY: "passed"}),
        report("2.8.0", {CHANGES: "passed", STALE: "passed", STEADY: "passed"}),
        report("2.11.0", {CHANGES: "failed", STALE: "passed", STEADY: "passed"}),
    ]
    reports[0]["results"][0]["expectation"] = "old wording (torch < 2.8; torch.toml)"
    reports[0]["results"][0]["reason"] = "old wording"  # a report without it: the whole text
    diffs = matrix.differences(matrix.merge(reports))
    by_id = {i: d for d in diffs for i in d.ids}
    assert STEADY not in by_id and len(diffs) == 2
    assert [c.torch for c in by_id[CHANGES].differs_on] == ["2.2.2", "2.5.1", "2.11.0"]
    assert by_id[CHANGES].agrees_from is None  # it fails again on the newest
    assert by_id[CHANGES].why == "old wording"  # where the expectation came from is dropped
    assert [c.torch for c in by_id[STALE].differs_on] == ["2.2.2"]
    assert by_id[STALE].agrees_from.torch == "2.5.1"
    paths = write(tmp_path, reports)
    assert main(["matrix", *paths, "--differences", str(tmp_path / "d.md")]) == 0
    table = (tmp_path / "d.md").read_text()
    assert f"| `{CHANGES}` | 2.2.2, 2.5.1, 2.11.0 | — | old wording |" in table
    assert f"| `{STALE}` | 2.2.2 | 2.5.1 | planted reason (torch >= 2.0) |" in table


def test_differences_name_all_results_of_an_op_with_a_star():
    old = {"ops.a/forward": "expected", "ops.a/vjp": "expected", "ops.b/forward": "expected"}
    old |= {"ops.b/vjp": "passed"}
    new = dict.fromkeys(old, "passed")
    table = matrix.differences_markdown(matrix.merge([report("2.2.0", old), report("2.5.0", new)]))
    assert "| `ops.a/*`, `ops.b/forward` | 2.2.0 | 2.5.0 | planted reason (torch >= 2.0) |" in table


def _with(rep: dict, observed: dict[str, str] | None = None, api: dict | None = None) -> dict:
    for res in rep["results"]:
        res["observed"] = (observed or {}).get(res["id"], "")
    if api is not None:
        rep["api"] = api
    return rep


PROBE = "probes.inplace.leaf-raises"
CHANGING = [
    _with(
        report("2.2.2", {CHANGES: "expected", STEADY: "passed", PROBE: "passed"}),
        {CHANGES: "RuntimeError: old words", STEADY: "RuntimeError: same", PROBE: "differs: x"},
        {"torch.autograd.grad": ["outputs", "inputs"], "torch.autograd.gone": None},
    ),
    _with(
        report("2.5.1", {CHANGES: "passed", STEADY: "passed", PROBE: "passed"}),
        {CHANGES: "RuntimeError: new words", STEADY: "RuntimeError: same", PROBE: "same: y"},
        {"torch.autograd.grad": ["outputs", "inputs", "is_grads_batched"],
         "torch.autograd.graph.Node": None, "torch.autograd.graph.Node.name": []},
    ),
]  # fmt: skip


def test_release_by_release_changes_name_status_message_probe_and_api():
    m = matrix.merge(CHANGING)
    (pair,) = matrix.consecutive(m)
    found = {(c.kind, c.id) for c in matrix.changes(m, *pair)}
    assert found == {
        ("status", CHANGES),
        ("message", CHANGES),
        ("probe", PROBE),
        # a new class's members come with it; a new keyword is named as such
        ("api-added", "torch.autograd.graph.Node"),
        ("api-added", "torch.autograd.grad(is_grads_batched)"),
        ("api-removed", "torch.autograd.gone"),
    }
    text = matrix.markdown(m)
    assert "### torch 2.2.2 → 2.5.1" in text
    assert "RuntimeError: old words → RuntimeError: new words" in text
    assert "`torch.autograd.grad(is_grads_batched)`" in text.split("## Autograd API")[1]


def test_a_message_that_changes_is_a_row_even_where_the_status_stays():
    reps = [
        _with(report("2.2.2", {STEADY: "passed"}), {STEADY: "RuntimeError: a"}),
        _with(report("2.5.1", {STEADY: "passed"}), {STEADY: "RuntimeError: b"}),
    ]
    m = matrix.merge(reps)
    row = m.rows[0]
    assert not row.changed(m.columns) and row.observed_changed(m.columns)
    assert "## Error and warning messages torch words differently (1)" in matrix.markdown(m)
    assert 'class="reworded"' in matrix.html_page(m)


def test_html_filters_by_area_and_links_cells_to_reasons_and_probes():
    from gradspec import expectations

    entry = expectations.load()[0]
    rep = report("2.2.2", {STEADY: "passed", CHANGES: "expected"})
    rep["results"][1]["reason"] = entry.reason
    page = matrix.html_page(matrix.merge([rep, report("2.5.1", {STEADY: "passed"})]))
    assert '<select id="area"' in page and 'data-area="hooks"' in page
    assert '<a href="#exp-0">expected</a>' in page
    anchor = page.split('id="exp-0"', 1)[1].split("</div>", 1)[0]
    assert entry.reason in html.unescape(anchor)
    assert "<pre>" in anchor and "differs" in anchor


def test_rejudge_applies_the_current_expectations_to_old_outcomes(tmp_path):
    from gradspec import expectations

    entry = next(e for e in expectations.load() if e.until and not e.since and not e.message)
    rid = entry.id.rstrip("*").rstrip("/") if "*" in entry.id else entry.id
    old = report("2.2.2", {rid: "failed", STEADY: "expected", CHANGES: "stale"})
    old["torch_target"] = "2.15"
    new = {r["id"]: r for r in matrix.rejudge([old])[0]["results"]}
    # a failure an entry now covers is expected; expected/stale with no entry now: their outcome
    assert new[rid]["status"] == "expected" and entry.reason in new[rid]["expectation"]
    assert new[STEADY]["status"] == "failed" and new[CHANGES]["status"] == "passed"
    paths = write(tmp_path, [old])
    md = tmp_path / "m.md"
    proc = subprocess.run(
        [sys.executable, "-S", "-m", "gradspec.runner.matrix", *paths, "--rejudge",
         "--markdown", str(md)],
        capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(MATRIX_PY.parents[2])},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
