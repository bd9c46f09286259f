"""``gradspec.check``: run the checks on an op over Hypothesis-drawn examples and report."""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, Verbosity, given, settings

from gradspec.functions.case import Case, CheckFailure, NotApplicable, describe_tensor
from gradspec.functions.checks import CHECKS, Check, checks_for
from gradspec.functions.examples import examples
from gradspec.functions.oracles import ReferenceFailed
from gradspec.functions.report import Failure, Outcome, Report
from gradspec.functions.spec import Spec, SpecError, spec

#: "once" checks run on this many drawn examples per (device, dtype)
ONCE_EXAMPLES = 2
#: seconds of shrinking allowed per failing check before the smallest failure so far is kept
SHRINK_SECONDS = 2.5


class _Found(Exception):
    pass


def resolve_namespace(namespace=None):
    """The reference namespace: a module, a module name, or (default) ``$GRADSPEC_NAMESPACE``
    or else ``gradref``."""
    import importlib

    if namespace is None:
        import os

        namespace = os.environ.get("GRADSPEC_NAMESPACE") or "gradref"
    if isinstance(namespace, str):
        try:
            return importlib.import_module(namespace)
        except ImportError as e:
            raise SpecError(
                f"cannot import the reference namespace {namespace!r} ({e}); pass "
                "namespace='torch' to use torch itself as the reference namespace"
            ) from None
    return namespace


def check(
    fn: Callable,
    reference: Callable | None,
    signature: str,
    *,
    broadcast: bool = False,
    bounds=None,
    dtypes=None,
    devices=None,
    max_examples: int | None = None,
    checks=None,
    optional=(),
    claims: dict | None = None,
    name: str | None = None,
    namespace=None,
) -> Report:
    """Check ``fn`` (e.g. ``MyFunction.apply``) against ``reference`` (a callable on gradref
    tensors with the same positional arguments, or None for finite differences only).

    ``signature`` is gufunc style (``"(n,i),(o,i),(o)?->(n,o)"``; ``?`` after an input marks it
    optional, sometimes passed as None; ``optional=(2,)`` does the same). ``broadcast`` adds
    broadcast loop dimensions. ``bounds``: ``(low, high)`` or one pair per input. Defaults:
    float32 and float64, every available device, the active Hypothesis profile's example count,
    every check that applies. ``claims``: see :data:`gradspec.functions.spec.CLAIMS`.
    ``namespace``: the reference namespace (default ``gradref``; ``"torch"`` works too).
    """
    s = spec(
        fn,
        reference,
        signature,
        broadcast=broadcast,
        bounds=bounds,
        dtypes=dtypes,
        devices=devices,
        optional=optional,
        claims=claims,
        name=name,
        max_examples=max_examples,
        checks=checks,
    )
    return run(s, namespace=namespace)


def run(
    s: Spec,
    *,
    dtypes=None,
    devices=None,
    max_examples: int | None = None,
    checks=None,
    namespace=None,
) -> Report:
    """Run a :class:`Spec` (options given here override the spec's)."""
    if not isinstance(s, Spec):
        raise SpecError(f"expected a gradspec Spec, got {type(s).__name__}")
    s = s.validate()
    from gradspec.devices import available_devices
    from gradspec.functions.spec import _as_tuple, _dtype_name

    dtypes = tuple(_dtype_name(d) for d in _as_tuple(dtypes)) if dtypes else s.dtypes
    dtypes = dtypes or ("float32", "float64")
    devices = tuple(_as_tuple(devices)) if devices else s.devices
    devices = devices or tuple(available_devices())
    names = tuple(_as_tuple(checks)) if checks else s.checks
    if names:
        bad = [c for c in names if c not in CHECKS]
        if bad:
            raise SpecError(f"unknown check(s) {bad}; known: {', '.join(sorted(CHECKS))}")
    selected = checks_for(s.reference is not None, names)
    T = resolve_namespace(namespace) if s.reference is not None else None
    n = max_examples or s.max_examples or _profile_examples()
    report = Report(name=s.label)
    start = time.perf_counter()
    here = set(available_devices())
    for device in devices:
        for dtype in dtypes:
            if device not in here and device.split(":")[0] not in here:
                for c in selected:
                    report.outcomes.append(
                        Outcome(c.name, device, dtype, "skipped", f"{device} is not available")
                    )
                continue
            _run_device_dtype(s, T, device, dtype, selected, n, report)
    report.seconds = time.perf_counter() - start
    return report


def _profile_examples() -> int:
    """The active Hypothesis profile's example count; when no profile was loaded (Hypothesis's
    own ``default``), that of gradspec's default profile (``dev``, or ``ci`` under CI)."""
    if getattr(settings, "_current_profile", None) in (None, "default"):
        from gradspec.profiles import PROFILES, default_profile_name

        return PROFILES[default_profile_name()]["max_examples"]
    return settings.default.max_examples


def _run_device_dtype(s: Spec, T, device: str, dtype: str, selected, n: int, report: Report):
    sig = s.parsed()
    strategy = examples(sig, dtype, device, broadcast=s.broadcast, bounds=s.bounds_per_input())
    base = settings.default
    cfg = settings(
        base,
        max_examples=n,
        deadline=None,
        database=None,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    active: list[Check] = list(selected)
    applicable: dict[str, int] = {c.name: 0 for c in active}
    reasons: dict[str, str] = {}
    failed: dict[str, Failure] = {}
    errors: dict[str, str] = {}
    while active:
        state = {"target": None, "last": None, "count": 0, "t0": None, "known": {}}

        body = _make_body(s, sig, T, tuple(active), state, report, applicable, reasons, errors)
        test = cfg(given(strategy)(body))
        try:
            test()
        except Exception:  # _Found after shrinking, or Hypothesis's Flaky wrappers
            if state["last"] is None:
                raise
            chk, msg, behaviour, case = state["last"]
            failed[chk.name] = _failure(s, chk, msg, behaviour, case)
            active = [c for c in active if c.name != chk.name]
            continue
        break
    _record(selected, failed, errors, applicable, reasons, device, dtype, report)


def _make_body(s, sig, T, active, state, report, applicable, reasons, errors):
    def body(ex):
        state["count"] += 1
        report.examples_run += 1
        target = state["target"]
        if target is not None and time.perf_counter() - state["t0"] > SHRINK_SECONDS:
            hit = state["known"].get(ex)
            if hit is not None:
                state["last"] = hit
                raise _Found()
            return
        for chk in [target] if target else active:
            if chk.name in errors:
                continue
            if chk.once and target is None and state["count"] > ONCE_EXAMPLES:
                continue
            case = Case(s, sig, ex, T)
            try:
                chk.run(case)
                applicable[chk.name] += 1
                continue
            except NotApplicable as e:
                reasons.setdefault(chk.name, str(e))
                continue
            except ReferenceFailed as e:
                errors[chk.name] = str(e)
                continue
            except CheckFailure as e:
                msg, behaviour = e.message, e.behaviour or chk.behaviour
            except Exception as e:  # the op under test raised
                msg = f"fn or its backward raised {type(e).__name__}: {e}"
                behaviour = chk.behaviour
            if state["target"] is None:
                state["target"] = chk
                state["t0"] = time.perf_counter()
            state["last"] = (chk, msg, behaviour, case)
            state["known"][ex] = state["last"]
            raise _Found()

    return body


def _record(selected, failed, errors, applicable, reasons, device, dtype, report):
    for c in selected:
        if c.name in failed:
            report.failures.append(failed[c.name])
            report.outcomes.append(Outcome(c.name, device, dtype, "failed", failed[c.name].message))
        elif c.name in errors:
            o = Outcome(c.name, device, dtype, "error", errors[c.name])
            report.errors.append(o)
            report.outcomes.append(o)
        elif applicable.get(c.name):
            report.outcomes.append(Outcome(c.name, device, dtype, "passed"))
        else:
            report.outcomes.append(
                Outcome(c.name, device, dtype, "skipped", reasons.get(c.name, "not applicable"))
            )


def _failure(s: Spec, chk: Check, msg: str, behaviour: str, case: Case) -> Failure:
    from gradspec.functions.reproducer import reproducer

    ex = case.example
    desc = ex.describe()
    try:
        inputs = case.make_inputs(layouts=ex.layouts)
        desc["inputs"] = [None if x is None else describe_tensor(x) for x in inputs]
    except Exception:  # describing must never hide the failure
        pass
    sentence = CHECKS[chk.name].sentence
    if behaviour != chk.behaviour:
        from gradspec.functions.checks import CHECKS as _C

        sentence = next((c.sentence for c in _C.values() if c.behaviour == behaviour), sentence)
    f = Failure(
        check=chk.name,
        behaviour=behaviour,
        sentence=sentence,
        message=msg,
        example=desc,
        device=ex.device,
        dtype=ex.dtype,
    )
    try:
        f.reproducer = reproducer(s, chk.name, case, msg)
    except Exception as e:  # pragma: no cover - a reproducer problem must not hide the failure
        f.reproducer = f"# gradspec could not write a reproducer: {type(e).__name__}: {e}\n"
    return f
