"""``gradspec.check``: run the checks on an op over Hypothesis-drawn examples and report.

Every result of a check on an example is one of: passed, not applicable, a reference problem
(the reference is at fault there: noted, never blamed on the op), an error of gradspec's own,
or a finding. Findings are kept *one per root cause*: the op raising an exception is keyed by
the exception, and raising on zero-size inputs is one advice finding of edge-shapes whatever
the exception (the other checks skip the inputs where it raises and still run on the others,
and never repeat it), any other finding by its check and its message with the numbers taken
out. A check keeps searching after a finding, for
up to ``MAX_FINDINGS_PER_CHECK`` distinct ones; each is shrunk by Hypothesis first.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import HypothesisException, InvalidArgument

from gradspec.functions import limits, search
from gradspec.functions.answers import Answers
from gradspec.functions.case import Case, describe_tensor
from gradspec.functions.checks import (
    CHECKS,
    STRUCTURE_EXAMPLES,
    Check,
    basic_checks,
    checks_for,
)
from gradspec.functions.examples import examples
from gradspec.functions.keys import root_key
from gradspec.functions.outcomes import (
    ADVICE,
    FAILURE,
    CheckFailure,
    FnRaised,
    NotApplicable,
    ReferenceProblem,
)
from gradspec.functions.preconditions import example_outside
from gradspec.functions.progress import CheckProgress, progress_wanted
from gradspec.functions.report import Failure, Outcome, ReferenceNote, Report
from gradspec.functions.spec import FULL_BATTERY_ELEMENTS, Spec, SpecError, spec
from gradspec.threads import one_thread

#: "once" checks run on this many drawn examples per (device, dtype) where they apply ...
ONCE_EXAMPLES = 2
#: ... looking for them among the first this many (an export needs every optional input
#: present, and the first draws often omit one)
ONCE_TRIES = 8
#: seconds of shrinking allowed for the first finding (and for each later one) before the
#: smallest failure so far is kept
SHRINK_SECONDS = 2.5
SHRINK_SECONDS_LATER = 1.0
#: distinct findings one check reports per (device, dtype) before it stops searching
MAX_FINDINGS_PER_CHECK = 3


class _Found(Exception):
    pass


def resolve_namespace(namespace=None):
    """The reference namespace: a module, a module name, or (default) ``$GRADSPEC_NAMESPACE``
    or else ``gradref``."""
    import importlib

    if namespace is None:
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


def check(fn: Callable, reference: Callable | None, signature: str, *, namespace=None, **options):
    """Check ``fn`` (e.g. ``MyFunction.apply``) against ``reference`` (a callable on gradref
    tensors with the same positional arguments, or None for finite differences only) over
    ``signature`` (gufunc style over the tensor arguments): ``run(spec(fn, reference, signature,
    **options), namespace=namespace)``.

    ``options`` are those of :func:`gradspec.spec` (``args=``, ``vjp=``, ``sizes=``,
    ``block_sizes=``, ``claims=``, ``dtypes=``, ...; see ``help(gradspec.spec)``), each
    validated there (a bad one raises :class:`SpecError` naming it). ``namespace``: the
    reference namespace (a module or a module name; default ``$GRADSPEC_NAMESPACE`` or else
    ``gradref``; ``"torch"`` works too).
    """
    random = options.pop("random", None)
    unknown = [k for k in options if k not in _SPEC_OPTIONS]
    if unknown:
        raise TypeError(f"check() got an unexpected keyword argument {unknown[0]!r}")
    if options.get("max_elements", 0) is None:  # None: the default budget
        del options["max_elements"]
    return run(spec(fn, reference, signature, **options), namespace=namespace, random=random)


def _check_signature() -> inspect.Signature:
    """check()'s signature as help() and inspect show it: spec()'s options and ``namespace``."""
    params = list(inspect.signature(spec).parameters.values())
    namespace = inspect.Parameter("namespace", inspect.Parameter.KEYWORD_ONLY, default=None)
    random = inspect.Parameter("random", inspect.Parameter.KEYWORD_ONLY, default=None)
    return inspect.Signature(
        [*params[:3], namespace, *params[3:], random], return_annotation="Report"
    )


#: the keyword options check() passes on to spec()
_SPEC_OPTIONS = frozenset(list(inspect.signature(spec).parameters)[3:])
check.__signature__ = _check_signature()


def run(
    s: Spec,
    *,
    dtypes=None,
    devices=None,
    max_examples: int | None = None,
    checks=None,
    namespace=None,
    strict: bool | None = None,
    where_available: bool | None = None,
    timeout: float | None = None,
    progress: bool | None = None,
    hard_exit: bool = False,
    random: bool | None = None,
) -> Report:
    """Run a :class:`Spec` (options given here override the spec's). A requested device that
    is absent here is not run (``report.not_run``; ``report.ok`` is False) unless
    ``where_available``, which checks the devices present and skips the others.

    ``timeout``: seconds each call of the user's code may take (default
    :data:`~gradspec.functions.limits.DEFAULT_TIMEOUT`; ``math.inf``: none); a call past it is
    a finding naming the call and the example, and the check stops there (``report.stopped``).
    ``progress``: lines on stderr for a check running more than a few seconds (default: on,
    except under CI or pytest). ``hard_exit``: a hung call that cannot be interrupted (native
    code) ends the process after saying so (for the CLI). Ctrl-C stops cleanly: the report so
    far is raised as :class:`~gradspec.functions.limits.Interrupted` (a KeyboardInterrupt) and
    kept as its ``report``. By default the examples are searched from a seed derived from
    the spec (the same verdict run after run, failures found before replayed first);
    ``random=True`` (or ``$GRADSPEC_RANDOM=1``) searches afresh (see
    :mod:`gradspec.functions.search`)."""
    if not isinstance(s, Spec):
        raise SpecError(f"expected a gradspec Spec, got {type(s).__name__}")
    s = s.validate()
    if not os.environ.get("PYTEST_CURRENT_TEST"):  # under pytest, the session's choice holds
        from gradspec.profiles import use_cache_dir

        use_cache_dir()
    from gradspec.devices import available_devices, split_devices
    from gradspec.functions.preflight import preflight
    from gradspec.functions.spec import _as_tuple, _override_devices, _override_dtypes

    dtypes = _override_dtypes(dtypes) or s.dtypes or ("float32", "float64")
    devices = _override_devices(devices) or s.devices or tuple(available_devices())
    devices, absent = split_devices(devices)
    where_available = s.where_available if where_available is None else bool(where_available)
    if max_examples is not None and (not isinstance(max_examples, int) or max_examples < 1):
        raise SpecError(f"max_examples must be a positive int, got {max_examples!r}")
    names = tuple(_as_tuple(checks)) if checks else s.checks
    if names:
        bad = [c for c in names if c not in CHECKS]
        if bad:
            raise SpecError(f"unknown check(s) {bad}; known: {', '.join(sorted(CHECKS))}")
    strict = s.strict if strict is None else bool(strict)
    selected = checks_for(s.reference is not None, names, s)
    T = resolve_namespace(namespace) if s.reference is not None else None
    n = max_examples or s.max_examples or _profile_examples()
    timeout = _timeout(s.timeout if timeout is None else timeout)
    start = time.perf_counter()
    interrupted = False
    try:
        with one_thread(), limits.limited(timeout, hard_exit=hard_exit):
            try:
                facts = preflight(s, T, dtypes, devices)
            except KeyboardInterrupt:
                report = Report(name=s.label, strict=strict)
                report.stopped = "interrupted (KeyboardInterrupt, Ctrl-C) before the first example"
                report.seconds = time.perf_counter() - start
                raise limits.Interrupted(report) from None
            session = _Session(s, T, facts, Report(name=s.label, strict=strict))
            session.random = random
            session.progress = CheckProgress(s.label, progress_wanted(progress))
            pairs = [(device, dtype) for device in devices for dtype in dtypes]
            done = 0
            try:
                for device, dtype in pairs:
                    session.run_device_dtype(device, dtype, selected, n)
                    done += 1
            except _Stopped as stop:
                session.report.stopped = stop.why
                session.outcomes_after_stop(pairs[done:], selected)
            except KeyboardInterrupt:
                interrupted = True
                where = "{}/{}".format(*pairs[done]) if done < len(pairs) else "the end"
                why = f"interrupted (KeyboardInterrupt, Ctrl-C) during {where}"
                session.report.stopped = why
                session.outcomes_after_stop(pairs[done:], selected)
            for device, why in absent.items():
                if not where_available:
                    session.report.not_run[device] = why
                    continue
                for dtype in dtypes:
                    for c in selected:
                        session.report.outcomes.append(
                            Outcome(c.name, device, dtype, "skipped", why)
                        )
            session.finish()
    finally:
        restore = getattr(s.fn, "restore", None)  # check_module: the module's parameters back
        if callable(restore):
            restore()
    session.report.seconds = time.perf_counter() - start
    if interrupted:
        raise limits.Interrupted(session.report)
    return session.report


def _hung_draft(chk: Check, stage: str, hung, case: Case) -> _Draft:
    """The finding of a call that ran out of time (one per spec: it stops the check)."""
    on = f" when called on ({hung.arguments})" if hung.arguments else ""
    what = hung.what
    owner = getattr(case.spec.fn, "__self__", None)
    if stage == "backward" and isinstance(owner, type) and not what.startswith(owner.__name__):
        what = f"{owner.__name__}.backward, run by {what}"
    msg = (
        f"{stage} ({what}) did not return within {hung.seconds:g} s{on}; the time limit "
        "per call of the user's code (timeout=, --timeout): a deadlock, a hung kernel, a sleep?"
    )
    return _Draft(chk, FAILURE, msg, chk.behaviour, ("hung",), case, None)


def _timeout(timeout) -> float:
    """The time limit per call of user code, validated (SpecError naming a bad one)."""
    if timeout is None:
        return limits.DEFAULT_TIMEOUT
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise SpecError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


class _Stopped(BaseException):
    """The check cannot go on (a call of user code hung): ``why`` says where. A BaseException,
    so that it passes through Hypothesis and the checks' own error handling."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def _profile_examples() -> int:
    """The active Hypothesis profile's example count; when the session chose none (Hypothesis's
    ``default``, or the ``ci`` it loads by itself under CI), that of gradspec's default profile
    (``dev``, or gradspec's ``ci`` under CI)."""
    from gradspec.profiles import PROFILES, chosen_profile, default_profile_name

    if chosen_profile() is None:
        return PROFILES[default_profile_name()]["max_examples"]
    return settings.default.max_examples


class _Draft:
    """A finding before it is recorded: the check, level, message, key and where it was met."""

    def __init__(self, chk: Check, level, message, behaviour, key, case, repro):
        self.chk, self.level, self.message = chk, level, message
        self.behaviour, self.key, self.case, self.repro = behaviour, key, case, repro
        self.also: list[str] = []
        self.static = False


def _search_state(stats) -> dict:
    """The state of one search: the finding it is shrinking (``target``) and the latest found,
    the examples run, and how many examples each check had run on when it began."""
    return {"target": None, "last": None, "count": 0, "t0": None, "known": {},
            "ran at start": dict(stats["ran"])}  # fmt: skip


class _Session:
    """One run of a spec: findings (one per root cause), reference notes and outcomes."""

    def __init__(self, spec: Spec, T, facts, report: Report):
        self.spec, self.T, self.facts, self.report = spec, T, facts, report
        self.sig = spec.parsed()
        self.findings: dict = {}  # key -> Failure
        self.progress = CheckProgress(spec.label, False)
        self.reference_hung = False
        self.notes: dict = {}  # (check, device, dtype, root key) -> ReferenceNote
        self.random: bool | None = None  # search afresh (see gradspec.functions.search)

    # -- one check on one example -----------------------------------------------------------
    def _note(self, chk: Check, case: Case, message: str, stats=None, text=None) -> None:
        ex = case.example
        where = f"{ex.device}/{ex.dtype}"
        k = root_key(message)
        if k not in self.notes:
            self.notes[k] = ReferenceNote(
                chk.name, ex.device, ex.dtype, message, text or case.text(), 0, [], []
            )
        n = self.notes[k]
        n.count += 1
        if chk.name not in n.checks:
            n.checks.append(chk.name)
        if where not in n.where:
            n.where.append(where)
        if stats is not None:
            stats["notes"].setdefault(chk.name, message)

    def _outside_domain(self, case: Case, backward: bool) -> bool:
        """Whether the reference raises on the inputs too (in its forward, or in its backward
        when it was the op's backward that raised): they are outside the op's domain."""
        if not case.has_reference:
            return False
        try:
            case.ref("domain" + ("-backward" if backward else ""), vjp=backward)
        except ReferenceProblem:
            return True
        # the reference run on torch: torch's own ops refuse inputs gradref may accept (a
        # batch norm of one value per channel, a convolution of zero size, zero classes)
        return case.answers.torch_refuses(case.values, case.dtype, case._cot if backward else None)

    def attempt(self, chk: Check, case: Case, stats):
        """Run ``chk`` on ``case``: None (nothing new) or a _Draft of a new finding. A call of
        the user's code that ran out of time stops the check (recorded first; never shrunk)."""
        ex = case.example
        self.progress.tick(
            f"{ex.device}/{ex.dtype}", chk.name, self.report.examples_run, len(self.findings)
        )
        self.reference_hung = False
        draft = self._attempt(chk, case, stats)
        hung = limits.STATE.hung
        if hung is not None:
            self._stop_on_hang(chk, case, draft, hung)
        return draft

    def _stop_on_hang(self, chk: Check, case: Case, draft, hung) -> None:
        ex = case.example
        where = f"{ex.device}/{ex.dtype}"
        references = [f for f in (self.spec.reference, self.spec.vjp) if f is not None]
        # who hung first decides, whoever met it again here: the op, the reference (or vjp=),
        # else (a backward run by an engine) the path it was met on
        if hung.func is self.spec.fn:
            self.reference_hung = False
        elif any(hung.func is f for f in references):
            self.reference_hung = True
        if self.reference_hung:
            why = (
                f"the reference did not return within {hung.seconds:g} s on {case.text()} "
                f"({chk.name}, {where}): gradspec stopped checking {self.spec.label} there"
            )
            self.report.errors.append(Outcome(chk.name, ex.device, ex.dtype, "error", why))
            raise _Stopped(why)
        if draft is None or draft.key != ("hung",):
            draft = _hung_draft(chk, "a call of the user's code", hung, case)
        self._record(draft)
        raise _Stopped(
            f"{draft.message.split(';')[0]}, while {chk.name} checked {draft.case.text()} on "
            f"{where}: gradspec stopped checking {self.spec.label} there"
        )

    def _attempt(self, chk: Check, case: Case, stats):
        ex = case.example
        where = f"{ex.device}/{ex.dtype}"
        ran = stats["ran"]  # examples it ran on: passed, or met a finding
        ran[chk.name] += 1
        try:
            said = chk.run(case)
            stats["applicable"][chk.name] += 1
            if isinstance(said, str) and said:  # what a passing check says it checked
                stats["said"].setdefault(chk.name, said)
            return None
        except NotApplicable as e:
            ran[chk.name] -= 1
            stats["reasons"].setdefault(chk.name, str(e))
            return None
        except ReferenceProblem as e:
            ran[chk.name] -= 1
            if limits.is_hang(e):
                self.reference_hung = True
                return None
            self._note(chk, case, str(e), stats)
            stats["refproblems"][chk.name] += 1
            return None
        except FnRaised as e:
            raised = getattr(e, "case", case)
            if isinstance(e.error, limits.Hung):  # never shrunk, never called again
                return _hung_draft(chk, e.stage, e.error, raised)
            if self._outside_domain(raised, e.stage != "forward"):
                stats["reasons"].setdefault(
                    chk.name,
                    "fn and the reference (or torch's own ops) raise on some inputs (outside the "
                    "domain)",
                )
                return None
            if _zero_size(raised):
                return self._raises_on_empty(e, raised, chk, stats)
            key = ("raises", type(e.error).__name__, root_key(str(e.error)))
            if key in self.findings:
                self._seen(key, chk, where)
                return None
            msg = f"{e.stage} raised {type(e.error).__name__}: {e.error}"
            repro = e.repro or _raise_script(raised, e.stage, chk.name)
            return _Draft(chk, FAILURE, msg, chk.behaviour, key, raised, repro)
        except CheckFailure as first:
            for e in [first, *first.others]:
                key = e.key or (chk.name, e.level, root_key(e.message))
                if key not in self.findings:
                    break
                self._seen(key, chk, where)
            else:
                return None
            if e.example is None and first.example is not None:
                e.example = first.example
            on = case if e.example is None else case.variant(e.example, fresh_answers=True)
            if (
                e.level == FAILURE
                and on.has_reference
                and on.answers.torch_refuses(on.values, on.dtype)
            ):
                stats["reasons"].setdefault(
                    chk.name, "torch's own ops refuse some inputs (outside the domain)"
                )
                return None
            if not chk.basic and e.level == FAILURE:
                basic = self._diagnose(chk, on)
                if basic is not None:
                    if basic.key in self.findings:
                        self._seen(basic.key, chk, where)
                        return None
                    basic.also.append(chk.name)
                    return basic
            draft = _Draft(chk, e.level, e.message, e.behaviour or chk.behaviour, key, on, e.repro)
            draft.static = e.static
            return draft
        except Exception as e:  # noqa: BLE001 - gradspec's own error: never the op's failure
            stats["errors"][chk.name] = (
                f"gradspec internal error ({type(e).__name__}: {e}); not a failure of "
                f"{self.spec.label} — please report it"
            )
            return None
        finally:
            for message, text in case.notes:
                self._note(chk, case, message, text=text)
            case.notes.clear()

    def _raises_on_empty(self, e: FnRaised, raised: Case, chk: Check, stats):
        """The op raised on zero-size inputs: one advice finding under edge-shapes (torch ops
        accept them), whichever check met it; silenced by the claim empty_inputs=False. The
        other checks skip those inputs and go on with the others (never repeated)."""
        if self.facts.focus is not None:
            return None  # shrinking another finding: a zero-size example does not reproduce it
        reason = "fn raises on zero-size inputs (see edge-shapes)"
        if self.spec.claim("empty_inputs") is False:
            reason = "fn raises on zero-size inputs, which the spec claims are not supported"
        stats["reasons"].setdefault(chk.name, reason)
        if self.spec.claim("empty_inputs") is False:
            return None
        if ZERO_SIZE_KEY in self.findings:
            f = self.findings[ZERO_SIZE_KEY]
            where = f"{raised.example.device}/{raised.example.dtype}"
            if where not in f.where:
                f.where.append(where)
            return None
        if "edge-shapes" not in stats["applicable"]:
            return None  # edge-shapes not selected: the inputs are skipped, nothing reported
        edge = CHECKS["edge-shapes"]
        first = (str(e.error).strip().splitlines() or [""])[0]
        msg = (
            f"raises on zero-size inputs; torch ops accept them ({e.stage} raised "
            f"{type(e.error).__name__}: {first}; claims={{'empty_inputs': False}} if they are "
            "not supported)"
        )
        repro = e.repro or _raise_script(raised, e.stage, edge.name)
        return _Draft(edge, ADVICE, msg, edge.behaviour, ZERO_SIZE_KEY, raised, repro)

    def _diagnose(self, chk: Check, case: Case):
        """The finding of a basic check on the same example, if one fails there."""
        have_ref = self.spec.reference is not None
        for b in basic_checks():
            if b.mode == ("fd" if have_ref else "reference"):
                continue
            sub = case.variant(case.example)
            try:
                b.run(sub)
            except CheckFailure as e:
                if e.level != FAILURE:
                    continue
                key = e.key or (b.name, e.level, root_key(e.message))
                return _Draft(b, e.level, e.message, e.behaviour or b.behaviour, key, sub, e.repro)
            except FnRaised as e:
                raised = getattr(e, "case", sub)
                if _zero_size(raised):
                    continue  # advice of edge-shapes', not the cause of a failure
                key = ("raises", type(e.error).__name__, root_key(str(e.error)))
                msg = f"{e.stage} raised {type(e.error).__name__}: {e.error}"
                repro = e.repro or _raise_script(raised, e.stage, b.name)
                return _Draft(b, FAILURE, msg, b.behaviour, key, raised, repro)
            except Exception:  # noqa: BLE001 - not applicable, a reference problem: no diagnosis
                continue
        return None

    def _seen(self, key, chk: Check, where: str) -> None:
        f = self.findings[key]
        if where not in f.where:
            f.where.append(where)
        if chk.name != f.check and chk.name not in f.also:
            f.also.append(chk.name)

    # -- the search -------------------------------------------------------------------------
    def run_device_dtype(self, device: str, dtype: str, selected, n: int) -> None:
        s = self.spec
        strategy = examples(
            self.sig, dtype, device, broadcast=s.broadcast, bounds=s.bounds_per_input(),
            args=s.args, kinds=s.input_kinds(), sizes=s.sizes, block_sizes=s.block_sizes,
            max_elements=s.max_elements,
        )  # fmt: skip
        if s.assume is not None or s.sizes or s.integer_inputs:  # what the spec rules out
            strategy = strategy.filter(lambda ex: example_outside(s, self.sig, ex) is None)
        cfg = settings(
            settings.default,
            max_examples=n,
            deadline=None,
            database=search.database(),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
            print_blob=False,
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
        )
        stats = {
            "applicable": {c.name: 0 for c in selected},
            "ran": {c.name: 0 for c in selected},
            "refproblems": {c.name: 0 for c in selected},
            "reasons": {},
            "errors": {},
            "notes": {},
            "said": {},
            "found": {c.name: [] for c in selected},
            "settled": set(),  # checks with a static finding: nothing more to search for
        }
        active = list(selected)
        for attempt in range(MAX_FINDINGS_PER_CHECK * len(selected) + 1):
            if not active:
                break
            if attempt == 1:  # a replayed finding is known now: it passes, which must not
                cfg = settings(cfg, database=None)  # erase it from the database
            state = _search_state(stats)
            body = self._body(tuple(active), state, stats)
            try:
                search.seeded(cfg(given(strategy)(body)), body, s, device, dtype, self.random)()
            except InvalidArgument as e:
                raise SpecError(f"Hypothesis cannot draw examples for this spec: {e}") from None
            except Exception as e:  # _Found after shrinking, or Hypothesis's Flaky wrappers
                if state["last"] is None:
                    if isinstance(e, HypothesisException):
                        raise SpecError(f"Hypothesis stopped: {_first_line(e)}") from None
                    raise
                draft = _most_informative(state["last"], state["known"].values())
                if _has_empty_input(draft.case.example) and not draft.static:
                    draft = self._without_empty_input(draft, strategy, cfg, stats)
                self._record(draft)
                stats["found"].setdefault(draft.chk.name, []).append(draft.key)
                if len(stats["found"][draft.chk.name]) >= MAX_FINDINGS_PER_CHECK:
                    active = [c for c in active if c.name != draft.chk.name]
                continue
            break
        self._outcomes(selected, stats, device, dtype)
        self.progress.done(f"{device}/{dtype}", self.report.examples_run, len(self.findings))

    def outcomes_after_stop(self, pairs, selected) -> None:
        """Outcomes of the device/dtypes a stop left unfinished: failed where a finding was
        recorded, else skipped (``report.stopped`` says why)."""
        for device, dtype in pairs:
            where = f"{device}/{dtype}"
            for c in selected:
                failed = [f for f in self.findings.values() if f.check == c.name and where in
                          f.where and f.level == FAILURE]  # fmt: skip
                if failed:
                    o = Outcome(c.name, device, dtype, "failed", failed[0].message)
                else:
                    o = Outcome(c.name, device, dtype, "skipped", "not run (stopped)")
                self.report.outcomes.append(o)

    def _without_empty_input(self, draft: _Draft, strategy, cfg, stats) -> _Draft:
        """The same root cause met on an example without zero-size inputs, if a short search of
        such examples finds one (shrunk as usual); else ``draft``."""
        state = _search_state(stats)
        body = self._body((draft.chk,), state, stats)
        try:
            cfg(given(strategy.filter(lambda ex: not _has_empty_input(ex)))(body))()
        except Exception:  # noqa: BLE001 - _Found, or nothing drawable: keep the first finding
            pass
        found = state["last"]
        if found is None or found.key != draft.key or _has_empty_input(found.case.example):
            return draft
        found.also = list(dict.fromkeys(draft.also + found.also))
        return found

    def _body(self, active, state, stats):
        spec, sig, T, facts = self.spec, self.sig, self.T, self.facts

        # Under a derandomized profile (ci) Hypothesis seeds its draws from body's source text:
        # any edit inside body changes every example drawn (and so the figures of the zoos).
        def body(ex):
            state["count"] += 1
            self.report.examples_run += 1
            target = state["target"]
            budget = SHRINK_SECONDS if not self.findings else SHRINK_SECONDS_LATER
            if target is not None and time.perf_counter() - state["t0"] > budget:
                hit = state["known"].get(ex.key)
                if hit is not None:
                    state["last"] = hit
                    raise _Found()
                return
            facts.focus = None if target is None else target.name
            answers = Answers(spec, T, ex.args, ex.seed)
            large = ex.elements > FULL_BATTERY_ELEMENTS
            running = [
                chk
                for chk in ([target] if target else active)
                if self._runs_on(chk, ex, state, stats, large, target is None)
            ]
            if any(c.name == "double-backward" for c in running):
                answers.prefetch_second = ex.second_masked  # one reference run, both orders
            for chk in running:
                case = Case(spec, sig, ex, T, answers, facts)
                draft = self.attempt(chk, case, stats)
                if draft is None:
                    continue
                if draft.static and target is None:  # about the code: no example to shrink
                    self._record(draft)
                    stats["found"].setdefault(chk.name, []).append(draft.key)
                    stats["settled"].add(chk.name)
                    continue
                if state["target"] is None:
                    state["target"] = chk
                    state["t0"] = time.perf_counter()
                state["last"] = draft
                state["known"][ex.key] = draft
                raise _Found()

        return body

    def _runs_on(self, chk: Check, ex, state, stats, large: bool, searching: bool) -> bool:
        """Whether ``chk`` runs on example ``ex`` (``searching``: not shrinking a finding)."""
        if chk.name in stats["errors"] or chk.name in stats["settled"]:
            return False
        if large and not chk.value:
            return False  # a large example runs the value checks only
        if chk.once and searching:
            ran = stats["ran"][chk.name] - state["ran at start"][chk.name]
            if ran >= ONCE_EXAMPLES or state["count"] > ONCE_TRIES:
                return False
        if chk.structure and searching:
            # a structure checked on STRUCTURE_EXAMPLES examples: other values tell nothing new
            return self.facts.first_of_structure(chk.name, ex, chk.structure, STRUCTURE_EXAMPLES)
        return True

    def _record(self, d: _Draft) -> None:
        ex = d.case.example
        desc = ex.describe()
        try:
            inputs = d.case.make_inputs(layouts=ex.layouts)
            desc["inputs"] = [None if x is None else describe_tensor(x) for x in inputs]
        except Exception:  # noqa: BLE001 - describing must never hide the finding
            pass
        sentence = d.chk.sentence
        if d.behaviour != d.chk.behaviour:
            sentence = next(
                (c.sentence for c in CHECKS.values() if c.behaviour == d.behaviour), sentence
            )
        where = f"{ex.device}/{ex.dtype}"
        f = Failure(
            check=d.chk.name,
            behaviour=d.behaviour,
            sentence=sentence,
            message=d.message,
            example=desc,
            device=ex.device,
            dtype=ex.dtype,
            level=d.level,
            example_text=d.case.text(),
            where=[where],
            also=list(d.also),
        )
        try:
            from gradspec.functions.reproducer import render

            f.reproducer = render(
                self.spec, d.chk.name, d.message, f.example_text, where, d.repro,
                raises=d.key[0] == "raises",
            )  # fmt: skip
            self._verify(f, d, where)
        except Exception as e:  # noqa: BLE001 - a reproducer problem must not hide the finding
            f.reproducer = f"# gradspec could not write a reproducer: {type(e).__name__}: {e}\n"
        self.findings[d.key] = f

    def _verify(self, f: Failure, d: _Draft, where: str) -> None:
        """Run the reproducer once; where it does not reproduce, write it again from the
        failing example's exact values (the generic script of the check's call and
        backward), and say so where that does not reproduce either."""
        from gradspec.functions.reproducer import NOT_REPRODUCED, render, reproduces

        if d.repro is None and d.key[0] != "raises":
            return  # a finding about the code, not an example: nothing to run
        f.reproduced = reproduces(f.reproducer)
        if f.reproduced is not False:
            return
        if d.key[0] != "raises" and d.repro is not None:
            plain = render(
                self.spec, d.chk.name, d.message, f.example_text, where,
                _raise_script(d.case, "backward", d.chk.name), raises=True,
            )  # fmt: skip
            if reproduces(plain):
                f.reproducer, f.reproduced = plain, True
                return
        f.reproducer = NOT_REPRODUCED + f.reproducer

    def _outcomes(self, selected, stats, device: str, dtype: str) -> None:
        where = f"{device}/{dtype}"
        mine = [f for f in self.findings.values() if where in f.where]
        for c in selected:
            failed = [f for f in mine if f.check == c.name and f.level == FAILURE]
            advised = [f for f in mine if f.check == c.name and f.level == ADVICE]
            if failed:
                o = Outcome(c.name, device, dtype, "failed", failed[0].message)
            elif c.name in stats["errors"]:
                o = Outcome(c.name, device, dtype, "error", stats["errors"][c.name])
                self.report.errors.append(o)
            elif stats["applicable"][c.name] or advised:
                detail = f"advice: {advised[0].message}" if advised else ""
                if not detail and stats["refproblems"][c.name]:
                    detail = f"reference problem on {stats['refproblems'][c.name]} example(s)"
                detail = detail or stats["said"].get(c.name, "")
                o = Outcome(c.name, device, dtype, "passed", detail)
            elif stats["refproblems"][c.name]:
                why = stats["notes"].get(c.name, "")
                o = Outcome(
                    c.name, device, dtype, "error",
                    f"the reference failed on every example, so nothing was checked: {why}",
                )  # fmt: skip
                self.report.errors.append(o)
            else:
                o = Outcome(
                    c.name, device, dtype, "skipped",
                    stats["reasons"].get(c.name, "not applicable"),
                )  # fmt: skip
            self.report.outcomes.append(o)

    def finish(self) -> None:
        strict = self.report.strict
        for f in self.findings.values():
            if f.level == FAILURE or strict:
                self.report.failures.append(f)
            else:
                self.report.advice.append(f)
        self.report.reference_problems = list(self.notes.values())
        if strict:
            for o in self.report.outcomes:
                if o.status == "passed" and o.detail.startswith("advice: "):
                    o.status, o.detail = "failed", o.detail[len("advice: ") :]


def _has_empty_input(ex) -> bool:
    return any(shape is not None and 0 in shape for shape in ex.shapes)


def _most_informative(draft: _Draft, met) -> _Draft:
    """The finding to report: the shrunk one, unless it is on a zero-size input while the same
    root cause was met on an example without one: then the smallest such (a wrong bias gradient
    reported only at the empty batch, as "got nan, expected 0.0", hides the real error)."""
    if not _has_empty_input(draft.case.example):
        return draft
    others = [d for d in met if d.key == draft.key and not _has_empty_input(d.case.example)]
    if not others:
        return draft
    return min(others, key=lambda d: (d.case.example.elements, str(d.case.example.shapes)))


#: the one finding of an op raising on zero-size inputs
ZERO_SIZE_KEY = ("raises", "zero-size inputs")


def _zero_size(case: Case) -> bool:
    """Whether one of the case's inputs has no elements."""
    shapes = getattr(case.example, "shapes", None) or ()
    return any(shape is not None and 0 in tuple(shape) for shape in shapes)


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _raise_script(case: Case, stage: str, check: str):
    """A replay of the call (and the backward) that raised."""
    from gradspec.functions.script import Script

    s = Script(case, check)
    cfg = dict(case.last_inputs)
    cfg.pop("dtype", None)
    names = s.inputs(**cfg)
    s.call(names)
    if stage != "forward":
        try:
            inputs = case.make_inputs(**{k: v for k, v in case.last_inputs.items()})
            outs = case.call(inputs)
        except FnRaised:
            return s
        cn = s.cotangents(outs)
        s.grads(outs, s.wrt(names, inputs), cn)
    return s
