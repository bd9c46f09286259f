"""The probes of the expected differences, reworded messages, and the autograd API surface: the
evidence the version matrix is built on."""

from __future__ import annotations

import pytest

from gradspec import expectations
from gradspec.expectations import ExpectationsError, Expected
from gradspec.expectations.probes import error, run_probe, warning
from gradspec.runner.results import Result, apply_expectations

SHIPPED = expectations.load()


def test_every_expected_difference_with_a_version_range_has_a_probe():
    missing = [e.key for e in SHIPPED if (e.since or e.until) and not e.probe]
    assert not missing, f"expected differences without a probe: {missing}"


def test_entries_are_told_apart_by_their_key():
    keys = [e.key for e in SHIPPED]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("entry", SHIPPED, ids=[e.key for e in SHIPPED])
def test_each_probe_agrees_with_its_range_on_this_torch(entry):
    # inside the range the probe must show the difference, outside it must not: on the
    # newest torch (the main job) every probe says "no difference", on torch 2.2 (CI's
    # oldest) every one whose range starts there says "difference"
    if not entry.probe:
        pytest.skip("an entry for every version has no boundary to probe")
    out = run_probe(entry)
    assert out.differs is not None, f"the probe could not run: {out.seen}"
    assert out.agrees, out.explain(entry, __import__("torch").__version__)


def _entry(probe: str, **kw) -> Expected:
    return Expected(id="hooks.order", reason="planted", probe=probe, file="t.toml", **kw)


def test_a_probe_that_does_not_differ_inside_its_range_is_stale_or_wrong():
    out = run_probe(_entry("differs = False", until="99.0"), "2.5.0")
    assert out.differs is False and out.claimed and not out.agrees
    assert out.explain(_entry("", until="99.0"), "2.5.0").startswith("stale or wrong")


def test_a_probe_that_differs_outside_its_range_says_the_range_is_wrong():
    out = run_probe(_entry("differs = True", until="2.3"), "2.5.0")
    assert not out.claimed and not out.agrees
    assert out.explain(_entry("", until="2.3"), "2.5.0").startswith("range wrong")


@pytest.mark.parametrize(
    "probe, says",
    [("x = 1", "no differs"), ("differs = 'yes'", "not a bool"), ("1 / 0", "ZeroDivisionError")],
)
def test_a_probe_that_cannot_decide_is_reported_not_raised(probe, says):
    out = run_probe(_entry(probe, until="99.0"), "2.5.0")
    assert out.differs is None and not out.agrees and says in out.seen


def test_probes_see_torch_error_and_warning_first_lines():
    import warnings

    def warns():
        warnings.warn("first\nsecond", UserWarning, stacklevel=2)

    assert error(lambda: 1 / 0) == "ZeroDivisionError: division by zero"
    assert error(lambda: None) == ""
    assert warning(warns) == "UserWarning: first"
    assert warning(lambda: None) == ""


def test_a_probe_leaves_grad_mode_as_it_was():
    import torch

    run_probe(_entry("torch.set_grad_enabled(False)\ndiffers = True", until="99.0"))
    assert torch.is_grad_enabled()


@pytest.mark.parametrize(
    "text, says",
    [
        ('[[expected]]\nid = "a"\nreason = "r"\nmessage = "("\n', "not a regular expression"),
        ('[[expected]]\nid = "a"\nreason = "r"\nprobe = "differs = ("\n', "probe is not Python"),
    ],
)
def test_bad_probes_and_messages_are_rejected_when_loading(tmp_path, text, says):
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(ExpectationsError, match=says):
        expectations.load(tmp_path)


def test_a_reworded_message_is_expected_only_when_torch_says_the_rewording():
    entry = Expected(id="hooks.*", reason="reworded", message="^RuntimeError: old words", file="f")

    def res(observed):
        return Result("hooks.a", "hooks", "cpu", "failed", "hooks.a", "s", observed=observed)

    said, other = apply_expectations(
        [res("RuntimeError: old words here"), res("RuntimeError: something else")], [entry], "2.5"
    )
    assert said.status == "expected"
    assert other.status == "failed" and "expects a message matching" in other.expectation


def test_scenario_results_keep_torch_messages_and_probe_results_what_they_saw():
    from gradspec import runner

    opts = runner.make_options(
        profile="ci",
        devices=["cpu"],
        patterns=["backward-api.inputs-empty", "probes.backward-api"],
        workers=1,
    )
    rep = runner.run(opts)
    by_id = {r.id: r for r in rep.results}
    said = by_id["backward-api.inputs-empty-raises"].observed
    assert said.startswith("RuntimeError: ") and "cannot be empty" in said
    (probe,) = [r for r in rep.results if r.id.startswith("probes.")]
    assert probe.observed.split(":")[0] in ("differs", "same") and probe.status == "passed"


def test_the_api_surface_names_autograd_functions_and_their_keywords():
    from gradspec.runner.api_surface import collect, rows

    api = collect()
    assert "torch.autograd.grad" in api and "inputs" in api["torch.autograd.grad"]
    assert "retain_graph" in api["torch.autograd.backward"]
    assert "torch.autograd.graph.saved_tensors_hooks" in api
    assert "torch.Tensor.register_hook" in api and "torch.Tensor.grad" in api
    assert not any(n.split(".")[-1].startswith("_") for n in api)
    # imports from outside torch are not autograd's API
    assert "torch.autograd.Optional" not in api and "torch.autograd.warnings" not in api
    names = rows(api)
    assert "torch.autograd.grad(allow_unused)" in names and "torch.autograd.grad" in names
