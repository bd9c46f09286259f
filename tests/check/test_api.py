"""gradspec.check's API: contract, defaults, reports, bad input."""

import json

import pytest

import gradspec
from gradspec.functions import seeds
from gradspec.functions.checks import CHECKS
from tests.fixtures import zoo_functions as z

FAST = dict(dtypes=["float64"], max_examples=4)


@pytest.mark.parametrize("spec", seeds.SPECS, ids=lambda s: s.label)
def test_seed_specs_pass(spec):
    report = gradspec.run(spec, max_examples=4)
    assert report.ok, str(report)
    assert any(o.status == "passed" for o in report.outcomes)


def test_check_signature_and_report_shape():
    report = gradspec.check(z.Sin.apply, lambda x: x.sin(), "()->()", broadcast=True, **FAST)
    assert report.ok
    data = json.loads(report.to_json())
    assert data["ok"] is True
    assert {o["check"] for o in data["outcomes"]} >= {"forward", "vjp", "backward-returns"}
    text = str(report)
    assert "check" in text and "forward" in text and "OK" in text


def test_failure_carries_check_example_and_reproducer():
    report = gradspec.check(
        z.ExpDoubleGrad.apply,
        lambda x: x.exp(),
        "()->()",
        broadcast=True,
        checks=["backward-returns"],
        dtypes=["float32"],
        max_examples=4,
    )
    assert not report.ok
    (f,) = report.failures
    assert f.check == "backward-returns"
    assert f.behaviour == CHECKS["backward-returns"].behaviour
    assert "dtype" in f.message and "float64" in f.message
    assert {"shapes", "dtype", "requires_grad", "layouts", "inputs"} <= set(f.example)
    assert "from tests.fixtures.zoo_functions import" in f.reproducer
    compile(f.reproducer, "<reproducer>", "exec")
    assert json.loads(report.to_json())["failures"][0]["check"] == "backward-returns"


def test_finite_difference_mode_without_reference():
    ok = gradspec.check(z.Sin.apply, None, "()->()", broadcast=True, **FAST)
    assert ok.ok, str(ok)
    assert any(o.check == "gradcheck" and o.status == "passed" for o in ok.outcomes)
    bad = gradspec.check(z.SinWrongSign.apply, None, "()->()", broadcast=True, **FAST)
    assert {"vjp-fd", "gradcheck"} & bad.failed_checks()


def test_optional_input_via_signature_and_keyword():
    for sig, opt in (("(n,i),(o,i),(o)?->(n,o)", ()), ("(n,i),(o,i),(o)->(n,o)", (2,))):
        r = gradspec.check(
            seeds.LinearFunction.apply, seeds._linear_ref, sig, optional=opt, checks=["vjp"], **FAST
        )
        assert r.ok, str(r)


def test_torch_as_reference_namespace():
    r = gradspec.check(
        z.Sin.apply,
        lambda x: x.sin(),
        "()->()",
        namespace="torch",
        checks=["vjp", "forward"],
        **FAST,
    )
    assert r.ok, str(r)


def test_unavailable_device_is_not_run_and_not_ok():
    r = gradspec.check(
        z.Sin.apply, lambda x: x.sin(), "()->()", devices=["cuda:7"], checks=["forward"], **FAST
    )
    assert not r.ok and "cuda:7" in r.not_run and r.examples_run == 0


def test_unavailable_device_where_available_is_skipped_not_failed():
    r = gradspec.check(
        z.Sin.apply, lambda x: x.sin(), "()->()", devices=["cuda:7"], checks=["forward"],
        where_available=True, **FAST,
    )  # fmt: skip
    assert r.ok
    assert r.outcomes and all(o.status == "skipped" for o in r.outcomes)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        (dict(fn=3), "fn must be callable"),
        (dict(signature="(n)(n)"), "'->'"),
        (dict(signature="(n,->(n)"), "cannot read"),
        (dict(reference=lambda x, y: x), "takes 2 positional"),
        (dict(reference="sin"), "reference must be a callable"),
        (dict(checks=["vjp", "nonsense"]), "unknown check"),
        (dict(bounds=(1, 0)), "low must be below high"),
        (dict(bounds=[(0, 1), (0, 1)]), "bounds has 2 pairs"),
        (dict(dtypes=["int64"]), "dtype 'int64'"),
        (dict(claims={"fast": True}), "unknown claim"),
        (dict(max_examples=0), "max_examples"),
    ],
)
def test_bad_input_gives_clear_error(kwargs, needle):
    args = dict(fn=z.Sin.apply, reference=lambda x: x.sin(), signature="()->()")
    args.update(kwargs)
    with pytest.raises(gradspec.SpecError) as info:
        gradspec.check(args.pop("fn"), args.pop("reference"), args.pop("signature"), **args)
    assert needle in str(info.value)


def test_reference_failure_is_an_error_not_a_pass():
    def broken(x):
        raise ValueError("no such op")

    r = gradspec.check(z.Sin.apply, broken, "()->()", checks=["forward"], **FAST)
    assert not r.ok
    assert r.errors and "no such op" in r.errors[0].detail


_EXAMPLES_RUN = """
import gradspec
from gradspec.functions import seeds
s = next(s for s in seeds.SPECS if s.label == "Exp")
report = gradspec.run(s, dtypes="float64")
assert report.ok, str(report)
print(report.examples_run)
"""


def test_examples_per_dtype_under_a_ci_variable_are_gradspecs_ci_profiles(tmp_path):
    """Under a CI variable Hypothesis loads a ci profile of its own (100 examples); a call
    outside pytest runs gradspec's ci profile then, as documented."""
    import os
    import subprocess
    import sys

    from gradspec.profiles import PROFILES

    env = {
        k: v for k, v in os.environ.items() if k not in ("GRADSPEC_PROFILE", "HYPOTHESIS_PROFILE")
    }
    env.update(CI="true", GRADSPEC_CACHE=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", _EXAMPLES_RUN], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) == PROFILES["ci"]["max_examples"]


def test_a_profile_the_user_loaded_sets_the_examples_per_dtype():
    from hypothesis import settings

    before = settings._current_profile
    settings.register_profile("gradspec-test-mine", max_examples=7)
    settings.load_profile("gradspec-test-mine")
    try:
        s = next(s for s in seeds.SPECS if s.label == "Exp")
        report = gradspec.run(s, dtypes="float64")
    finally:
        settings.load_profile(before)
    assert report.ok, str(report)
    assert report.examples_run == 7
