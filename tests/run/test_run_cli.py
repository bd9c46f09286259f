"""``gradspec run`` end to end, in-process: table, JSON, Markdown, -k, exit statuses."""

from __future__ import annotations

import platform

import pytest
import torch

import gradspec
from gradspec.behaviours import catalogue
from gradspec.runner.results import STATUSES

from .conftest import HOST, SMALL, SMALL_K, read_json, run_cli


def test_small_run_writes_consistent_table_json_and_markdown(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)  # progress is off under CI
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    rc, out, err = run_cli(
        capsys, "--profile", "ci", "-k", SMALL_K, "--workers", "1", "--json", str(js),
        "--markdown", str(md),
    )  # fmt: skip
    data = read_json(js)
    assert rc == (0 if data["ok"] else 1)
    # the report says what it ran on
    assert data["torch"] == torch.__version__
    assert data["python"] == platform.python_version()
    assert data["gradspec"] == gradspec.__version__
    assert data["profile"] == "ci" and data["derandomize"] is True and data["seed"] is None
    assert "cpu" in data["devices"]
    # one result per retain-graph behaviour scenario and device, all in that area
    wanted = {b.id for b in catalogue.behaviours() if b.area == SMALL}
    got = {r["behaviour"] for r in data["results"]}
    assert got == wanted
    assert all(r["area"] == SMALL and r["status"] in STATUSES for r in data["results"])
    # the table row for the area shows the JSON's counts
    counts = {s: sum(r["status"] == s for r in data["results"]) for s in STATUSES}
    row = next(line for line in out.splitlines() if line.startswith(SMALL))
    cells = row.split()[1:]
    assert cells == [str(counts[s]) if counts[s] else "." for s in STATUSES]
    # progress went to stderr, not into the table
    assert SMALL in err and "gradspec run:" not in err
    text = md.read_text()
    assert text.startswith(f"# gradspec run: torch {torch.__version__}")
    assert f"| {SMALL} | " in text


def test_k_filter_selects_by_id_and_area(capsys, tmp_path):
    js = tmp_path / "r.json"
    some = sorted(b.id for b in catalogue.behaviours() if b.area == "hooks")[0]
    rc, out, _ = run_cli(capsys, "-k", some, "--json", str(js), "--workers", "1")
    ids = {r["id"] for r in read_json(js)["results"]}
    assert ids and all(some in i for i in ids)
    rc, out, _ = run_cli(capsys, "-k", "examples", "--list", "--device", "cpu")
    listed = [line.split()[0] for line in out.splitlines() if not line.startswith("(")]
    assert listed and all(i.startswith("examples.") for i in listed)


@pytest.mark.parametrize(
    "argv",
    [
        ["--profile", "nonesuch"],
        ["--workers", "0"],
        ["--max-examples", "0"],
        ["--max-examples", "many"],
        ["--device", "tpu9"],
        ["-k", "no-such-behaviour-anywhere"],
        ["--json", "/nonexistent-dir/r.json"],
        ["--frobnicate"],
    ],
)
def test_bad_usage_exits_2_with_one_line(capsys, argv):
    rc, out, err = run_cli(capsys, *argv)
    assert rc == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradspec run: error:")


def test_unavailable_device_is_not_run_one_line_exit_2(capsys):
    device = "cuda" if not torch.cuda.is_available() else "meta"
    rc, out, err = run_cli(capsys, "--device", device, "-k", SMALL_K, "--workers", "1")
    assert rc == 2 and not out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gradspec run: error: --device {device}: ")
    assert "not available" in lines[0] and "--where-available" in lines[0]


def test_unavailable_device_where_available_is_skipped_with_reason(capsys, tmp_path):
    js = tmp_path / "r.json"
    device = "cuda" if not torch.cuda.is_available() else "meta"
    rc, out, _ = run_cli(
        capsys, "--device", device, "--where-available", "-k", SMALL_K, "--json", str(js),
        "--workers", "1",
    )  # fmt: skip
    results = read_json(js)["results"]
    assert rc == 0
    assert results and all(r["status"] == "skipped" for r in results)
    assert all(r["message"] == f"{device} is not available here" for r in results)
    assert f"{device} is not available here" in out


def test_failing_behaviour_exits_1_with_shrunk_example_and_reproducer(
    capsys, tmp_path, planted, no_expectations
):
    js = tmp_path / "r.json"
    rc, out, _ = run_cli(capsys, "-k", "planted_difference", "--json", str(js), "--workers", "1")
    assert rc == 1
    (res,) = read_json(js)["results"]
    assert res["status"] == "failed"
    assert res["id"] == f"{HOST}/planted_difference"
    # the planted difference starts at x = 10: Hypothesis shrinks to exactly that
    assert res["example"] == "x = 10"
    assert f"FAIL {HOST}/planted_difference [cpu]" in out
    assert catalogue.get(HOST).sentence in out
    # the reproducer is standalone Python that reproduces the failure
    code = compile(res["reproducer"], "<reproducer>", "exec")
    with pytest.raises(AssertionError):
        exec(code, {"__name__": "__reproducer__"})


def test_expected_difference_is_not_a_failure_and_stale_is_warned(
    capsys, tmp_path, planted, monkeypatch
):
    from gradspec import expectations
    from gradspec.expectations import Expected

    passing = f"{HOST}/planted_agreement"
    entries = [
        Expected(id="*planted_difference", reason="planted for the test", file="t.toml"),
        Expected(id="*/planted_agreement", reason="only for torch 1.x", until="2.0", file="t.toml"),
        Expected(id=passing, reason="does not differ at all", file="t.toml"),
    ]
    monkeypatch.setattr(expectations, "load", lambda directory=None: entries)
    js = tmp_path / "r.json"
    rc, out, _ = run_cli(capsys, "-k", "planted_", "--json", str(js), "--workers", "1")
    by_id = {r["id"]: r for r in read_json(js)["results"]}
    assert rc == 0
    assert by_id[f"{HOST}/planted_difference"]["status"] == "expected"
    assert "planted for the test" in by_id[f"{HOST}/planted_difference"]["expectation"]
    # two entries name the passing scenario: the one for every torch applies, not the 1.x one
    assert by_id[passing]["status"] == "stale"
    assert "does not differ at all" in by_id[passing]["expectation"]
    assert "WARNING: stale expected differences" in out


def test_junit_has_one_testcase_per_result_with_failures_and_expected(
    capsys, tmp_path, planted, monkeypatch
):
    from xml.etree import ElementTree as ET

    from gradspec import expectations
    from gradspec.expectations import Expected

    entries = [Expected(id=f"{HOST}/planted_agreement", reason="not really", file="t.toml")]
    monkeypatch.setattr(expectations, "load", lambda directory=None: entries)
    js, xml = tmp_path / "r.json", tmp_path / "r.xml"
    rc, _, _ = run_cli(capsys, "-k", "planted_", "--json", str(js), "--junit", str(xml),
                       "--workers", "1")  # fmt: skip
    assert rc == 1
    results = read_json(js)["results"]
    suite = ET.parse(xml).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [f"{r['id']}[{r['device']}]" for r in results]
    assert suite.get("tests") == str(len(results)) and suite.get("failures") == "1"
    failed = next(c for c in cases if "planted_difference" in c.get("name"))
    failure = failed.find("failure")
    assert failure is not None and "x = 10" in failure.text and "reproducer:" in failure.text
    # the failure says what it means for this torch (gradref mirrors gradref.TORCH_TARGET)
    assert "gradref" in failure.get("message")
    stale = next(c for c in cases if "planted_agreement" in c.get("name"))
    assert "stale expected difference" in stale.find("system-out").text


def test_op_errors_are_results_of_the_main_job(capsys, tmp_path):
    from gradspec.ops.errors import ERRORS

    js = tmp_path / "r.json"
    rc, out, _ = run_cli(capsys, "-k", "op-errors", "--json", str(js), "--workers", "1",
                         "--device", "cpu")  # fmt: skip
    data = read_json(js)
    assert {r["id"] for r in data["results"]} == {f"ops.errors.{c.id}" for c in ERRORS}
    assert {r["area"] for r in data["results"]} == {"op-errors"}
    assert "op-errors" in out


def test_no_progress_under_ci(capsys, monkeypatch):
    monkeypatch.setenv("CI", "true")
    rc, out, err = run_cli(capsys, "--profile", "ci", "-k", SMALL_K, "--workers", "1")
    assert rc in (0, 1) and SMALL in out
    assert SMALL not in err


def test_run_draws_the_same_examples_by_default(monkeypatch):
    """``gradspec run`` is derandomized unless asked: the ci profile by default, dev (a new seed
    each run) for --random or --seed, and whatever an environment variable names."""
    import argparse

    from gradspec.cli.run import _profile

    monkeypatch.delenv("GRADSPEC_PROFILE", raising=False)
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)

    def ns(**k):
        return argparse.Namespace(**{"profile": None, "random": False, "seed": None, **k})

    assert _profile(ns()) == "ci"
    assert _profile(ns(random=True)) == "dev"
    assert _profile(ns(seed=3)) == "dev"
    assert _profile(ns(profile="thorough")) == "thorough"
    monkeypatch.setenv("GRADSPEC_PROFILE", "dev")
    assert _profile(ns()) is None  # the environment's choice stands
