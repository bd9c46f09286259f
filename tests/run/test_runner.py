"""The runner's pieces: determinism across workers, absent areas, progress, literals."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from gradspec import runner
from gradspec.runner import ops as op_adapter
from gradspec.runner.literals import py_literal
from gradspec.runner.progress import Progress

from .conftest import HOST, SMALL_K


def _essence(results):
    return [(r.id, r.device, r.status, r.message, r.example) for r in results]


def test_results_do_not_depend_on_the_number_of_workers():
    opts = runner.make_options(profile="ci", devices=["cpu"], patterns=[SMALL_K, "examples.Exp"])
    serial = runner.run(opts, expectations=[])
    parallel = runner.run(runner.make_options(profile="ci", devices=["cpu"],
                                              patterns=[SMALL_K, "examples.Exp"], workers=2),
                          expectations=[])  # fmt: skip
    assert serial.results and _essence(serial.results) == _essence(parallel.results)
    assert {r.area for r in serial.results} == {"retain-graph", "examples"}


def test_the_same_derandomized_run_twice_gives_the_same_shrunk_failure(planted):
    opts = runner.make_options(profile="ci", devices=["cpu"], patterns=["planted_difference"])
    first = runner.run(opts, expectations=[])
    second = runner.run(opts, expectations=[])
    assert _essence(first.results) == _essence(second.results)
    assert first.results[0].status == "failed"


def test_runner_leaves_the_hypothesis_profile_as_it_found_it(planted):
    from hypothesis import settings

    before = settings.default.max_examples
    runner.run(runner.make_options(profile="thorough", devices=["cpu"], patterns=["planted_"],
                                   max_examples=3), expectations=[])  # fmt: skip
    assert settings.default.max_examples == before


def test_max_examples_and_seed_reach_the_report(planted):
    opts = runner.make_options(profile="dev", devices=["cpu"], patterns=["planted_agreement"],
                               max_examples=7, seed=1234)  # fmt: skip
    rep = runner.run(opts, expectations=[])
    assert rep.max_examples == 7 and rep.seed == 1234 and rep.derandomize is False
    assert rep.to_dict()["results"][0]["id"] == f"{HOST}/planted_agreement"


def test_an_absent_op_table_is_reported_not_run(monkeypatch, capsys):
    from gradspec.runner import output as run_output

    monkeypatch.setattr(op_adapter, "load", lambda: op_adapter.OpTable(absent="no table here"))
    opts = runner.make_options(profile="ci", devices=["cpu"], patterns=[SMALL_K])
    items, absent = runner.collect(opts)
    assert absent == {"ops": "no table here"}
    assert {it.kind for it in items} == {"scenario"}
    rep = runner.run(opts, expectations=[], items=items, absent=absent)
    rows = {line.split()[0]: line for line in run_output.text_table(rep).splitlines()}
    assert rows["ops"].split(None, 1)[1] == "absent: no table here"


@pytest.mark.skipif(op_adapter.load().absent is not None, reason="no op table installed")
def test_op_checks_report_one_result_per_subcheck():
    table = op_adapter.load()
    name = "neg" if "neg" in table.table else next(iter(table.table))
    opts = runner.make_options(profile="ci", devices=["cpu"], patterns=[f"ops.{name}"],
                               max_examples=5)  # fmt: skip
    items, _ = runner.collect(opts)
    rep = runner.run(
        runner.make_options(profile="ci", devices=["cpu"], max_examples=5),
        expectations=[],
        items=[it for it in items if it.key == name],
        absent={},
    )
    assert [r.id for r in rep.results] == [f"ops.{name}/{c}" for c in table.subchecks(name)]


def test_progress_without_a_terminal_prints_a_line_per_area_in_order():
    out = io.StringIO()
    p = Progress({"a": 2, "b": 1}, stream=out, tty=False)
    p.advance("b")  # b finishes first, but is printed after a
    assert out.getvalue() == ""
    p.advance("a", failed=True)
    p.advance("a")
    p.close()
    lines = out.getvalue().splitlines()
    assert [line.split()[0] for line in lines] == ["a", "b"]
    assert "2/2 done 1 failed" in lines[0] and "1/1 done" in lines[1]


def test_progress_on_a_terminal_draws_a_bar():
    out = io.StringIO()
    p = Progress({"hooks": 4}, stream=out, tty=True)
    p.advance("hooks")
    assert "\r" in out.getvalue() and "[" + "#" * 7 in out.getvalue() and "1/4" in out.getvalue()
    for _ in range(3):
        p.advance("hooks")
    assert out.getvalue().endswith("\n") and "4/4" in out.getvalue()


@pytest.mark.parametrize(
    "value",
    [
        {"x": np.array([[1.5, -0.0], [math.pi, 1e-300]]), "dtype": "float32", "flag": True},
        np.zeros((0, 3)),
        np.array([np.nan, np.inf, -np.inf]),
        np.array([1 + 2j, -3.5j], dtype=np.complex128),
        (np.int64(3), [1, (2,)], None, "s", 2.5, float("nan"), complex(1, -2)),
        np.array(7, dtype=np.int32),
    ],
)
def test_literals_evaluate_back_to_the_same_value(value):
    back = eval(py_literal(value), {"np": np})

    def same(a, b):
        if isinstance(a, np.ndarray):
            return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                    and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))  # fmt: skip
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, (list, tuple)):
            return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
        if isinstance(a, float) and math.isnan(a):
            return math.isnan(b)
        return a == b and type(a) is type(b)

    assert same(value, back)


@pytest.mark.parametrize("profile", ["dev", "ci", "thorough"])
def test_the_search_keeps_the_profiles_phases_but_explain(profile):
    """Hypothesis's explain phase traces every line the body runs while a failure shrinks (torch
    2.2's expected differences shrank several times slower); what it finds is printed only, and
    the run is quiet."""
    from hypothesis import Phase, settings

    from gradspec.runner.search import hypothesis_settings

    got = hypothesis_settings(runner.make_options(profile=profile, devices=["cpu"])).phases
    wanted = settings.get_profile(profile).phases
    assert Phase.explain in wanted and Phase.shrink in got
    assert tuple(got) == tuple(p for p in wanted if p is not Phase.explain)
