"""Expected differences: the data file, version ranges, globs, devices, conventions."""

from __future__ import annotations

import fnmatch
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradspec import expectations
from gradspec.behaviours import catalogue
from gradspec.expectations import ExpectationsError, Expected
from gradspec.runner.results import Result, apply_expectations


def test_shipped_expectations_load_and_each_names_something_real():
    from gradref.ops.conventions import CONVENTIONS

    from gradspec import runner

    items, _ = runner.collect(runner.make_options(profile="ci", devices=["cpu"]))
    names = {rid for it in items for rid in it.results}
    names |= {b.id for b in catalogue.behaviours()}
    names |= {f"convention.{c.id}" for c in CONVENTIONS}
    names |= {"programs.random"}  # tests/conformance/test_random_programs.py
    # tests/gradref/test_torchviz.py and tests/ops/test_selection.py
    names |= {"torchviz.mlp_slice_mse", "torchviz.mlp_select_cross_entropy"}
    names |= {"selection.errors.scatter-index-dtype", "selection.errors.one-hot-float"}
    # tests/gradref/test_op_graphs.py: one graph comparison per op of the table
    from gradspec.ops.table import OPS

    names |= {f"graph.ops.{name}" for name in OPS}
    for e in expectations.load():
        assert e.reason.strip(), e
        assert any(fnmatch.fnmatchcase(n, e.id) for n in names), f"{e.id} names nothing"


@pytest.mark.parametrize(
    "version, applies",
    [("2.1.9", False), ("2.2.0", True), ("2.3.1+cu121", True), ("2.4.0", False), ("2.14", False)],
)
def test_since_is_inclusive_and_until_exclusive(version, applies):
    e = Expected(id="hooks.order", reason="r", since="2.2", until="2.4")
    assert e.applies("hooks.order", "hooks.order", "cpu", version) is applies


def test_matching_by_glob_behaviour_device_and_tag():
    e = Expected(id="ops.max*", reason="r", devices=("cuda",))
    assert e.applies("ops.max.dim/vjp", "ops.max.dim", "cuda:1", "2.5")
    assert not e.applies("ops.max.dim/vjp", "ops.max.dim", "cpu", "2.5")
    by_behaviour = Expected(id="hooks.order", reason="r")
    assert by_behaviour.applies("hooks.order/second_scenario", "hooks.order", "cpu", "2.5")
    conv = Expected(id="convention.relu.zero", reason="r")
    assert conv.applies("ops.relu/vjp", "ops.relu", "cpu", "2.5", tags=["convention.relu.zero"])
    assert not conv.applies("ops.relu/vjp", "ops.relu", "cpu", "2.5")


def test_apply_expectations_maps_failed_to_expected_and_passed_to_stale():
    def res(rid, status):
        return Result(rid, "hooks", "cpu", status, rid, "s")

    entries = [Expected(id="hooks.*", reason="because", since="2.0", file="f.toml")]
    out = apply_expectations(
        [res("hooks.a", "failed"), res("hooks.b", "passed"), res("hooks.c", "skipped"),
         res("leaves.d", "failed")],
        entries,
        "2.5.1",
    )  # fmt: skip
    assert [r.status for r in out] == ["expected", "stale", "skipped", "failed"]
    assert out[0].expectation == "because (torch >= 2.0; f.toml)"


def test_a_drawn_difference_explains_failures_but_a_pass_of_other_draws_is_not_stale():
    def res(rid, status):
        return Result(rid, "graph", "cpu", status, rid, "s")

    drawn = [Expected(id="graph.*", reason="r", until="2.9", drawn=True, file="f.toml")]
    plain = [Expected(id="graph.*", reason="r", until="2.9", file="f.toml")]
    results = [res("graph.a", "failed"), res("graph.b", "passed")]
    assert [r.status for r in apply_expectations(results, drawn, "2.2.2")] == ["expected", "passed"]
    assert [r.status for r in apply_expectations(results, plain, "2.2.2")] == ["expected", "stale"]


@pytest.mark.parametrize("drawn", [True, False])
def test_in_pytest_a_pass_of_a_drawn_difference_is_not_stale(monkeypatch, drawn):
    # gradspec.testing judges the comparisons of the test suite as the runner judges its results
    from hypothesis import settings

    from gradspec import testing

    entry = Expected(id="graph.a", reason="r", until="99.0", drawn=drawn, file="f.toml")
    monkeypatch.setattr(testing, "lookup", lambda *args, **kw: entry)
    if drawn:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # not even a warning
            with testing.expected_difference("graph.a"):
                pass  # the draws did not meet it
    elif settings.default.derandomize:  # the same examples every run: stale fails
        with pytest.raises(pytest.fail.Exception, match="stale"):
            with testing.expected_difference("graph.a"):
                pass
    else:  # a random search: stale is a warning
        with pytest.warns(testing.StaleExpectation):
            with testing.expected_difference("graph.a"):
                pass


def test_a_convention_explains_failures_of_the_ops_using_it_but_their_passes_are_not_stale():
    entries = [Expected(id="convention.clamp.bounds", reason="older clamp", file="f.toml")]

    def res(status):
        return Result("ops.clamp/vjp", "ops", "cpu", status, "ops.clamp", "s",
                      tags=["convention.clamp.bounds"])  # fmt: skip

    failed, passed = apply_expectations([res("failed"), res("passed")], entries, "2.2.2")
    assert failed.status == "expected" and passed.status == "passed"


@pytest.mark.parametrize(
    "text",
    [
        '[[expected]]\nid = "x"\n',  # no reason
        '[[expected]]\nid = "x"\nreason = "r"\nsince = "two"\n',
        '[[expected]]\nid = "x"\nreason = "r"\ncolour = "red"\n',
        '[[nope]]\nid = "x"\n',
        "not toml [",
    ],
)
def test_malformed_files_are_rejected(tmp_path, text):
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(ExpectationsError):
        expectations.load(tmp_path)


@pytest.mark.parametrize(
    "version, says",
    [
        ("9.0.0", "new in torch 9.0.0"),
        ("2.2.2", "differs on torch 2.2.2"),
        (None, "gradref disagrees with torch"),
    ],
)
def test_an_unexpected_failure_says_what_it_means_on_this_torch(version, says):
    import gradref

    version = version or gradref.TORCH_TARGET + ".0"
    r = Result("hooks.order", "hooks", "cpu", "failed", "hooks.order", "s")
    (out,) = apply_expectations([r], [], version)
    assert out.status == "failed" and says in out.expectation
    assert gradref.TORCH_TARGET in out.expectation


def test_a_newer_torch_runs_the_op_error_items_without_crashing(monkeypatch):
    """A torch newer than the target: differences are failures with their ids, never crashes."""
    import torch

    from gradspec import runner
    from gradspec.runner.execute import run_item

    monkeypatch.setattr(torch, "__version__", "99.1.0")
    opts = runner.make_options(profile="ci", devices=["cpu"], patterns=["ops.errors.mm"])
    items, _ = runner.collect(opts)
    raw = [r for it in items for r in run_item(it, opts)]
    out = apply_expectations(raw, expectations.load(), torch.__version__)
    assert out and all(r.id.startswith("ops.errors.mm") for r in out)
    assert all(r.status in ("passed", "failed") for r in out)


_IDS = [
    "ops.a/vjp",
    "ops.a/*",
    "ops.a*",
    "ops.[ab]/jvp",
    "ops.b/jvp",
    "ops.a/vjp",
    "b?",
    "c",
    "ops.b/[!v]*",
]
_NAMES = ["ops.a/vjp", "ops.a/jvp", "ops.b/jvp", "ops.b/vjp", "ops.a", "b1", "c", "bb", "d"]


@given(
    ids=st.lists(st.sampled_from(_IDS), max_size=8),
    devices=st.lists(st.sampled_from([None, ("cuda",), ("cpu",)]), min_size=8, max_size=8),
    names=st.lists(st.sampled_from(_NAMES), min_size=2, max_size=4),
    device=st.sampled_from(["cpu", "cuda:0"]),
)
def test_lookup_finds_the_first_covering_entry_as_a_scan_in_order_does(ids, devices, names, device):
    """The installed entries are looked up through an index of their ids (literal and glob); it
    must give the entry a plain scan of the entries in order gives."""
    entries = tuple(
        Expected(id=i, reason=f"r{k}", devices=devices[k], name=f"{i}#{k}")
        for k, i in enumerate(ids)
    )
    rid, beh, *tags = names
    first = next((e for e in entries if e.applies(rid, beh, device, "2.5", tags)), None)
    assert expectations.lookup(entries, rid, beh, device, "2.5", tags) is first
    assert expectations.lookup(list(entries), rid, beh, device, "2.5", tags) is first
