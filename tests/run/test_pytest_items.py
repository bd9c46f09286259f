"""The items of ``gradspec run`` as pytest tests (``gradspec.pytest_plugin.run_tests``): one test
per result, outcomes following the statuses after the expected differences."""

from __future__ import annotations

# imported here, once: pytester's in-process runs drop the modules first imported inside them
import gradref  # noqa: F401
import pytest

import gradspec.runner.execute  # noqa: F401
import gradspec.runner.session  # noqa: F401
from gradspec import expectations
from gradspec.pytest_plugin import run_items

from .conftest import HOST

pytest_plugins = ["pytester"]

MODULE = """
from gradspec.pytest_plugin import run_tests

test_planted = run_tests(kinds=("scenario",), patterns=("planted_",))
"""


@pytest.fixture
def fresh(monkeypatch):
    """No results or expectations cached from other tests."""
    monkeypatch.setattr(run_items, "_RESULTS", {})
    expectations.installed.cache_clear()
    yield
    expectations.installed.cache_clear()


def _outcomes(pytester) -> dict:
    pytester.makepyfile(test_planted=MODULE)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    return result.parseoutcomes(), result


def test_a_difference_fails_and_agreement_passes(pytester, planted, fresh, no_expectations):
    outcomes, result = _outcomes(pytester)
    assert outcomes.get("failed") == 1 and outcomes.get("passed") == 1
    text = result.stdout.str()
    assert f"{HOST}/planted_difference[cpu]" in text and "x = 10" in text


def test_expected_xfails_and_stale_fails_under_a_derandomized_profile(
    pytester, planted, fresh, monkeypatch
):
    from hypothesis import settings

    from gradspec.expectations import Expected

    entries = [
        Expected(id="*planted_difference", reason="planted for the test", file="t.toml"),
        Expected(id="*planted_agreement", reason="does not differ at all", file="t.toml"),
    ]
    monkeypatch.setattr(expectations, "load", lambda directory=None: entries)
    outcomes, result = _outcomes(pytester)
    assert outcomes.get("xfailed") == 1
    if settings.default.derandomize:
        assert outcomes.get("failed") == 1 and "XPASS(strict)" in result.stdout.str()
    else:
        assert outcomes.get("passed") == 1 and outcomes.get("warnings", 0) >= 1


def test_each_result_of_an_item_is_a_test_and_they_share_one_run():
    from gradspec.runner import items as items_mod

    params = run_items.params(kinds=("op",), patterns=("ops.neg",), devices=("cpu",))
    params = [p for p in params if p.values[0].key == "neg"]
    ids = [p.values[1] for p in params]
    (item,) = {p.values[0] for p in params}
    assert ids == list(item.results) and len(ids) >= 3
    groups = {m.kwargs.get("name") or m.args[0] for p in params for m in p.marks}
    assert groups == {run_items.group_name(item.id, "cpu")} == {f"{item.id}:cpu"}
    assert items_mod.OPS_AREA == item.area


def test_registered_specs_are_checked_with_one_flag(pytester, monkeypatch):
    """A package registering one spec under ``gradspec.specs`` is checked by
    ``pytest --gradspec-registered`` with no test file of its own."""
    pkg = pytester.path / "tinyops"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "import torch, gradspec\n\n"
        "class Square(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x):\n"
        "        ctx.save_for_backward(x)\n"
        "        return x * x\n\n"
        "    @staticmethod\n"
        "    def backward(ctx, g):\n"
        "        (x,) = ctx.saved_tensors\n"
        "        return 2 * x * g\n\n"
        "spec = gradspec.spec(Square.apply, lambda x: x * x, '()->()', max_examples=3,\n"
        "                     dtypes=['float64'], devices=['cpu'], checks=['forward', 'vjp'])\n"
    )
    info = pytester.path / "tinyops-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyops\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[gradspec.specs]\nsquare = tinyops:spec\n")
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v", "--gradspec-registered")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_registered_spec*forward-cpu-float64*PASSED*",
                                 "*test_registered_spec*vjp-cpu-float64*PASSED*"])  # fmt: skip


def test_gradspec_run_flag_collects_the_run_items_from_an_empty_directory(pytester, tmp_path):
    """``pytest --gradspec-run`` needs no test file: the installed package brings its items,
    with the result ids as test ids and a JUnit testcase each."""
    from gradspec.ops.errors import ERRORS

    xml = tmp_path / "r.xml"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--gradspec-run", "--gradspec-device", "cpu", "-k",
        "ops.errors and not probes", f"--junitxml={xml}",
    )  # fmt: skip
    outcomes = result.parseoutcomes()  # older torch words some errors differently: xfails
    assert outcomes.get("passed", 0) + outcomes.get("xfailed", 0) == len(ERRORS), outcomes
    assert not outcomes.get("failed")
    text = xml.read_text()
    assert all(f"ops.errors.{c.id}[cpu]" in text for c in ERRORS)


@pytest.mark.parametrize(
    "item_id", ["ops.linalg.det", "examples.Exp", "ops.x[odd]", "behaviours.a@b", "ops.y]"]
)
def test_xdist_loadgroup_reads_back_the_group_of_every_item(item_id):
    """pytest-xdist's loadgroup keeps an item's tests on one worker only if it parses the group
    back from the test id it builds (``<id>@<group>``)."""
    xdist_loadgroup = pytest.importorskip("xdist.scheduler.loadgroup")
    group = run_items.group_name(item_id, "cpu")
    nodeid = f"tests/test_run.py::test_run[{item_id}/forward[cpu]]@{group}"
    split = xdist_loadgroup.LoadGroupScheduling._split_scope(None, nodeid)
    assert split == group
    assert item_id.translate(str.maketrans("[]@", "()_")) in split


def test_under_ci_the_sessions_tests_keep_hypothesis_ci_profile_and_gradspec_its_own(
    pytester, monkeypatch
):
    """Hypothesis loads a ci profile of its own under a CI variable; gradspec's plugin leaves
    it to the session's other tests, and gradspec's checks run gradspec's ci example count."""
    from gradspec.profiles import PROFILES

    for var in ("GRADSPEC_PROFILE", "HYPOTHESIS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(
        test_profiles=(
            "import gradspec\n"
            "from gradspec.functions import seeds\n"
            "from hypothesis import settings\n\n"
            "def test_own():\n"
            "    assert settings.default.max_examples == 100  # Hypothesis's ci profile\n\n"
            "def test_gradspec():\n"
            "    s = next(s for s in seeds.SPECS if s.label == 'Exp')\n"
            "    r = gradspec.run(s, dtypes='float64')\n"
            f"    assert r.ok and r.examples_run == {PROFILES['ci']['max_examples']}\n"
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)
