"""pytest plugin (``pytest11`` entry point ``gradspec``): turn a spec into tests.

In a test file::

    from gradspec.pytest_plugin import spec_tests
    from mypkg.specs import linear_spec
    test_linear = spec_tests(linear_spec)

gives one test per check x device x dtype, in a deterministic order (safe under pytest-xdist);
``spec_tests`` takes a spec, a list or dict of specs, or a module exposing specs (one test per
spec x check x device x dtype). A failing test shows the behaviour violated, the shrunk example
and a reproducer; advice is reported as a warning (a failure under ``strict``); cases for a
device that is absent here (e.g. CUDA) are skipped with the reason. When the session has not
loaded a Hypothesis profile, the plugin loads gradspec's default one.
"""

from __future__ import annotations

import pytest

#: devices every spec is parametrized over unless it names its own (absent ones are skipped)
DEFAULT_DEVICES = ("cpu", "cuda")


def configure(config) -> None:
    """Register the marker; load gradspec's default Hypothesis profile when the session has
    not loaded one. The ci profile Hypothesis loads by itself under a CI variable is left
    as it is, for the session's other tests: gradspec's checks still run gradspec's ci
    example count (``gradspec.profiles.chosen_profile``)."""
    config.addinivalue_line("markers", "gradspec: a test generated from a gradspec spec")
    from gradspec.profiles import load_profile, loaded_profile

    if loaded_profile() in (None, "default"):
        load_profile()


def spec_params(spec, checks=None, devices=None, dtypes=None, prefix: str = "") -> list:
    """``pytest.param(check, device, dtype)`` for every test ``spec`` gives, in a fixed order
    (ids start with ``prefix``, e.g. the spec's label when several specs share a test)."""
    from gradspec.functions.checks import checks_for

    s = spec.validate()
    names = checks or s.checks
    selected = [c.name for c in checks_for(s.reference is not None, names, s)]
    devices = tuple(devices or s.devices or DEFAULT_DEVICES)
    dtypes = tuple(dtypes or s.dtypes or ("float32", "float64"))
    params = []
    for check in selected:
        for device in devices:
            for dtype in dtypes:
                marks = [pytest.mark.gradspec]
                if device.startswith("cuda"):
                    marks.append(pytest.mark.cuda)
                params.append(
                    pytest.param(
                        check, device, dtype, id=f"{prefix}{check}-{device}-{dtype}", marks=marks
                    )
                )
    return params


def _specs(obj) -> list:
    """The specs ``obj`` holds: a Spec, a list/tuple/dict of them, or a module."""
    from gradspec.functions.spec import SpecError, collect_specs

    specs = collect_specs(obj, getattr(obj, "__name__", None))
    if not specs:
        raise SpecError(f"{obj!r} holds no gradspec specs")
    return specs


def spec_tests(
    spec,
    *,
    checks=None,
    devices=None,
    dtypes=None,
    max_examples=None,
    namespace=None,
    where_available=False,
):
    """A test function parametrized over the checks, devices and dtypes of ``spec`` — a Spec,
    a list or dict of Specs, or a module exposing Specs (then over the specs too). A device
    named in ``devices`` (or by the spec) that is absent here fails its tests, as nothing was
    checked there, unless ``where_available`` (then they are skipped, as CUDA is when no device
    is named)."""
    specs = _specs(spec)
    labels = [s.label for s in specs]
    many = len(specs) > 1
    cases = []
    for n, s in enumerate(specs):
        prefix = ""
        if many:
            label = labels[n] if labels.count(labels[n]) == 1 else f"{labels[n]}#{n}"
            prefix = f"{label}-"
        for p in spec_params(s, checks, devices, dtypes, prefix):
            cases.append(pytest.param(s, *p.values, id=p.id, marks=p.marks))

    @pytest.mark.parametrize(("spec", "check", "device", "dtype"), cases)
    def test(spec, check, device, dtype):
        run_one(
            spec, check, device, dtype, max_examples=max_examples, namespace=namespace,
            requested=devices, where_available=where_available,
        )  # fmt: skip

    name = specs[0].label if not many else getattr(spec, "__name__", "specs")
    test.__name__ = f"test_{name}".replace(".", "_")
    return test


def run_one(
    spec,
    check: str,
    device: str,
    dtype: str,
    max_examples=None,
    namespace=None,
    requested=None,
    where_available: bool = False,
) -> None:
    """Run one check of ``spec`` on one device and dtype: pass, ``pytest.fail`` or ``skip``.
    An absent device fails when it was asked for by name (``requested``, or the spec's
    ``devices``) and ``where_available`` is False, else it is skipped."""
    from gradspec.devices import WHERE_AVAILABLE_HINT, absent_reason
    from gradspec.functions.checker import run

    why = absent_reason(device)
    if why is not None:
        named = tuple(requested or ()) or tuple(spec.validate().devices or ())
        if device in named and not where_available:
            pytest.fail(f"not run: {device} was requested but {why}; {WHERE_AVAILABLE_HINT}",
                        pytrace=False)  # fmt: skip
        pytest.skip(why)
    report = run(
        spec,
        checks=[check],
        devices=[device],
        dtypes=[dtype],
        max_examples=max_examples,
        namespace=namespace,
    )
    for f in report.failures:
        pytest.fail(
            f"{f.check} [{f.behaviour}]: {f.message}\n"
            f"behaviour: {f.sentence}\n"
            f"example: {f.example_text}\n"
            f"--- reproducer ---\n{f.reproducer}",
            pytrace=False,
        )
    for f in report.advice:
        import warnings

        warnings.warn(f"gradspec advice, {f.check}: {f.message}", stacklevel=1)
    for e in report.errors:
        pytest.fail(f"{e.check}: could not run: {e.detail}", pytrace=False)
    if report.stopped:
        pytest.fail(f"stopped: {report.stopped}", pytrace=False)
    if report.outcomes and all(o.status == "skipped" for o in report.outcomes):
        pytest.skip(report.outcomes[0].detail or "not applicable")
