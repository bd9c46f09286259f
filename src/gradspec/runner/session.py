"""``gradspec run``: check the installed torch against gradref, everything gradspec knows.

Three kinds of work, each an :class:`Item` on one device:

* **scenarios** — every behaviour scenario of the catalogue
  (:mod:`gradspec.behaviours.scenarios`), run on torch and on gradref with the same
  Hypothesis-drawn data and compared, plus torch's observation checked against the
  catalogue's message;
* **ops** — every op of the op table, through :mod:`gradspec.runner.ops` (absent when there is
  no op table);
* **examples** — the seed custom Functions of ``examples/seeds.py`` through :func:`gradspec.run`.

Each item yields :class:`Result` records (passed, failed or skipped). Expected differences
(:mod:`gradspec.expectations`) are applied afterwards, in the parent process, turning a failure
into *expected* and a pass of an expected difference into *stale*. Items run serially or in
worker processes (one torch thread each); results are put back in item order, so under a
derandomized profile they do not depend on the number of workers.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from gradspec import __version__ as GRADSPEC_VERSION
from gradspec import expectations as expectations_mod
from gradspec.runner.shrinking import ShrinkBudget

#: Result statuses, in the order tables list them.
STATUSES = ("passed", "failed", "skipped", "expected", "stale")

#: Areas outside the catalogue, listed after its areas.
OPS_AREA = "ops"
EXAMPLES_AREA = "examples"

#: Seconds Hypothesis may spend shrinking one failure before the smallest so far is reported.
SHRINK_SECONDS = 3.0

#: Where ``examples/`` lives in a source checkout (this file is src/gradspec/runner/session.py).
REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_MODULE = "examples.seeds"


class UsageError(ValueError):
    """Options ``gradspec run`` cannot run with (exit status 2)."""


@dataclass
class Result:
    """The outcome of one behaviour (or op, or example check) on one device."""

    id: str
    area: str
    device: str
    status: str
    behaviour: str
    sentence: str
    message: str = ""
    example: str = ""
    reproducer: str = ""
    seconds: float = 0.0
    #: for "expected" and "stale": the expectation's reason and version span
    expectation: str = ""
    #: further names expectations can match (an op's conventions: "convention.relu.zero")
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Item:
    """One unit of work: a scenario, an op or an example spec, on one device."""

    kind: str  # "scenario" | "op" | "example"
    key: str  # scenario id, op name, or spec label
    area: str
    device: str
    sentence: str = ""
    behaviour: str = ""

    @property
    def id(self) -> str:
        if self.kind == "op":
            return f"{OPS_AREA}.{self.key}"
        if self.kind == "example":
            return f"{EXAMPLES_AREA}.{self.key}"
        return self.key


@dataclass(frozen=True)
class RunOptions:
    """What ``gradspec run`` was asked to do."""

    profile: str
    devices: tuple[str, ...]
    max_examples: int | None = None
    seed: int | None = None
    patterns: tuple[str, ...] = ()
    workers: int = 1


@dataclass
class RunReport:
    """Everything one ``gradspec run`` found, with what it ran on."""

    torch_version: str
    gradspec_version: str
    gradref_version: str
    python_version: str
    platform: str
    devices: list[str]
    available_devices: list[str]
    profile: str
    max_examples: int
    derandomize: bool
    seed: int | None
    workers: int
    patterns: list[str]
    results: list[Result] = field(default_factory=list)
    absent: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def unexpected_failures(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.unexpected_failures

    def counts(self) -> dict[str, dict[str, int]]:
        """Per area, how many results have each status (areas in display order)."""
        out: dict[str, dict[str, int]] = {}
        for r in self.results:
            out.setdefault(r.area, {s: 0 for s in STATUSES})[r.status] += 1
        return out

    def to_dict(self) -> dict:
        totals = {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}
        return {
            "format": "gradspec-run/1",
            "torch": self.torch_version,
            "gradspec": self.gradspec_version,
            "gradref": self.gradref_version,
            "python": self.python_version,
            "platform": self.platform,
            "devices": self.devices,
            "available_devices": self.available_devices,
            "profile": self.profile,
            "max_examples": self.max_examples,
            "derandomize": self.derandomize,
            "seed": self.seed,
            "workers": self.workers,
            "filter": self.patterns,
            "seconds": round(self.seconds, 2),
            "ok": self.ok,
            "totals": totals,
            "areas": self.counts(),
            "absent": self.absent,
            "results": [r.to_dict() for r in self.results],
        }


# --------------------------------------------------------------------------------------------
# collecting items


def area_order() -> list[str]:
    """Display order of areas: the catalogue's, then ops, then examples."""
    from gradspec.behaviours.catalogue import KNOWN_AREAS

    return [*KNOWN_AREAS, OPS_AREA, EXAMPLES_AREA]


def _examples_importable() -> str | None:
    """Put the repository root (and the working directory) on sys.path so ``examples`` imports;
    None if it does, else why not."""
    for root in (Path.cwd(), REPO_ROOT):
        if (root / "examples" / "seeds.py").is_file() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
    try:
        __import__(EXAMPLES_MODULE)
    except ImportError as e:
        return f"the seed examples cannot be imported ({e}); run from a gradspec checkout"
    return None


def example_specs() -> list:
    """The seed example specs (``examples/seeds.py``), keyed by label in a fixed order."""
    from gradspec.functions.spec import load_target

    seen: dict[str, Any] = {}
    for s in load_target(EXAMPLES_MODULE):  # a module lists a spec both as a name and in SPECS
        seen.setdefault(s.label, s)
    return list(seen.values())


def _selected(patterns: tuple[str, ...], *names: str) -> bool:
    return not patterns or any(p in n for p in patterns for n in names)


def collect(options: RunOptions) -> tuple[list[Item], dict[str, str]]:
    """The items to run, in display order, and the areas that are absent (with why)."""
    from gradspec.behaviours.scenarios import all_scenarios, scenario_id
    from gradspec.runner import ops as op_adapter

    items: list[Item] = []
    absent: dict[str, str] = {}
    pats = options.patterns
    for sc in all_scenarios():
        sid = scenario_id(sc)
        b = sc.behaviour
        if _selected(pats, sid, b.area):
            for d in options.devices:
                items.append(Item("scenario", sid, b.area, d, b.sentence, b.id))
    table = op_adapter.load()
    if table.absent:
        absent[OPS_AREA] = table.absent
    else:
        for op in table.ops():
            if _selected(pats, f"{OPS_AREA}.{op.name}", OPS_AREA):
                for d in options.devices:
                    items.append(Item("op", op.name, OPS_AREA, d, op.sentence, op.behaviour))
    why = _examples_importable()
    if why:
        absent[EXAMPLES_AREA] = why
    else:
        for s in example_specs():
            if _selected(pats, f"{EXAMPLES_AREA}.{s.label}", EXAMPLES_AREA):
                for d in options.devices:
                    items.append(
                        Item("example", s.label, EXAMPLES_AREA, d, f"gradspec check of {s.label}")
                    )
    order = {a: i for i, a in enumerate(area_order())}
    items.sort(key=lambda it: order.get(it.area, len(order)))  # stable: keeps id order inside
    return items, absent


# --------------------------------------------------------------------------------------------
# running one item (in this process or in a worker)


def _hypothesis_settings(options: RunOptions, cap: int | None = None):
    from hypothesis import HealthCheck, Verbosity, settings

    base = settings.get_profile(options.profile)
    n = options.max_examples or base.max_examples
    if cap is not None:
        n = min(n, cap)
    return settings(
        base,
        max_examples=n,
        deadline=None,
        database=None,
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=False,
        # a health check is about gradspec's strategies, not about torch
        suppress_health_check=list(HealthCheck),
    )


class _Mismatch(Exception):
    def __init__(self, example: dict, problems: list[str], details: str):
        super().__init__("\n".join(problems))
        self.example = example
        self.problems = problems
        self.details = details


def _device_context(device: str):
    """Make torch's factories create tensors on ``device`` (scenarios build with T.tensor)."""
    import contextlib

    import torch

    if device == "cpu":
        return contextlib.nullcontext()
    return torch.device(device)


def describe_example(example: dict) -> str:
    from gradspec.runner.literals import py_literal

    if not example:
        return "(no drawn values)"
    return "\n".join(f"{k} = {py_literal(v)}" for k, v in example.items())


def scenario_reproducer(sc, sid: str, example: dict, device: str) -> str:
    """A standalone script that re-runs one scenario on one example and shows the difference."""
    from gradspec.runner.literals import py_literal

    b = sc.behaviour
    ex = "{" + ", ".join(f"{k!r}: {py_literal(v)}" for k, v in example.items()) + "}"
    ctx = "" if device == "cpu" else f"with torch.device({device!r}):\n    "
    return "\n".join(
        [
            f"# gradspec reproducer for {sid} on {device}",
            f"# {b.sentence}",
            f"# scenario {sc.module}.{sc.name}",
            "import numpy as np",
            "import torch",
            "",
            "import gradref",
            "from gradspec.behaviours.observe import compare",
            "from gradspec.behaviours.scenarios import all_scenarios",
            "",
            f"sc = next(s for s in all_scenarios() if (s.behaviour_id, s.name) == "
            f"({sc.behaviour_id!r}, {sc.name!r}))",
            f"example = {ex}",
            ctx + "torch_obs = sc.run(torch, example)",
            "gradref_obs = sc.run(gradref, example)",
            "print('torch:  ', torch_obs.describe())",
            "print('gradref:', gradref_obs.describe())",
            "problems = sc.check_torch(torch_obs) + compare(torch_obs, gradref_obs, "
            "sc.compare_options())",
            "assert not problems, '\\n'.join(problems)",
            "",
        ]
    )


def _run_scenario(item: Item, options: RunOptions) -> list[Result]:
    import gradref
    import torch
    from hypothesis import given

    from gradspec.behaviours.observe import compare
    from gradspec.behaviours.scenarios import all_scenarios, scenario_id

    sc = next(s for s in all_scenarios() if scenario_id(s) == item.key)
    b = sc.behaviour

    def result(status: str, message: str = "", example: str = "", repro: str = "") -> Result:
        return Result(item.id, item.area, item.device, status, b.id, b.sentence, message,
                      example, repro)  # fmt: skip

    reason = sc.skip_reason(torch.__version__)
    if reason:
        return [result("skipped", reason)]

    def check(example):
        with _device_context(item.device):
            torch_obs = sc.run(torch, example)
        gradref_obs = sc.run(gradref, example)
        problems = sc.check_torch(torch_obs)
        problems += compare(torch_obs, gradref_obs, sc.compare_options())
        if problems:
            details = (
                "torch observed:   " + torch_obs.describe().replace("\n", "\n                  ")
                + "\ngradref observed: "
                + gradref_obs.describe().replace("\n", "\n                  ")
            )  # fmt: skip
            raise _Mismatch(dict(example), problems, details)

    budget = ShrinkBudget(SHRINK_SECONDS, key=describe_example)
    test = _hypothesis_settings(options, sc.max_examples)(
        given(example=sc.strategy())(budget.wrap(check))
    )
    try:
        test()
    except _Mismatch as m:
        return [
            result(
                "failed",
                "\n".join(m.problems) + "\n" + m.details,
                describe_example(m.example),
                scenario_reproducer(sc, item.id, m.example, item.device),
            )
        ]
    except Exception as e:  # Hypothesis could not run it (e.g. Flaky): still a failure
        return [result("failed", f"{type(e).__name__}: {_first_line(e)}")]
    return [result("passed")]


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


def _run_example(item: Item, options: RunOptions) -> list[Result]:
    import json

    from gradspec.functions.checker import run as run_spec
    from gradspec.functions.checks import CHECKS

    spec = next(s for s in example_specs() if s.label == item.key)
    report = run_spec(spec, devices=[item.device], max_examples=options.max_examples)
    by_check: dict[str, list] = {}
    for o in report.outcomes:
        by_check.setdefault(o.check, []).append(o)
    failures = {f.check: f for f in report.failures}
    out = []
    for name, outcomes in by_check.items():
        chk = CHECKS.get(name)
        behaviour = chk.behaviour if chk else name
        sentence = chk.sentence if chk else ""
        rid = f"{item.id}/{name}"
        bad = [o for o in outcomes if o.status in ("failed", "error")]
        if bad:
            f = failures.get(name)
            msg = "; ".join(f"{o.dtype}: {o.status}: {o.detail}" for o in bad)
            if f is not None:
                behaviour, sentence = f.behaviour, f.sentence
                out.append(
                    Result(
                        rid,
                        item.area,
                        item.device,
                        "failed",
                        behaviour,
                        sentence,
                        msg,
                        json.dumps(f.example, default=str),
                        f.reproducer,
                    )  # fmt: skip
                )
            else:
                out.append(Result(rid, item.area, item.device, "failed", behaviour, sentence, msg))
        elif any(o.status == "passed" for o in outcomes):
            out.append(Result(rid, item.area, item.device, "passed", behaviour, sentence))
        else:
            why = "; ".join(sorted({o.detail or "not applicable" for o in outcomes}))
            out.append(Result(rid, item.area, item.device, "skipped", behaviour, sentence, why))
    return out


def _run_op(item: Item, options: RunOptions) -> list[Result]:
    from gradspec.runner import ops as op_adapter

    table = op_adapter.load()
    out = []
    for o in table.run(item.key, item.device, _hypothesis_settings(options)):
        out.append(
            Result(
                o.id,
                item.area,
                item.device,
                o.status,
                o.behaviour or item.behaviour,
                o.sentence or item.sentence,
                o.message,
                o.example,
                o.reproducer,
                tags=list(o.tags),
            )  # fmt: skip
        )
    return out


_RUNNERS: dict[str, Callable[[Item, RunOptions], list[Result]]] = {
    "scenario": _run_scenario,
    "example": _run_example,
    "op": _run_op,
}


def run_item(item: Item, options: RunOptions) -> list[Result]:
    """Run one item; never raises (a crash of gradspec itself is a failed result)."""
    start = time.perf_counter()
    if not device_available(item.device):
        results = [
            Result(
                item.id,
                item.area,
                item.device,
                "skipped",
                item.behaviour,
                item.sentence,
                f"{item.device} is not available here",
            )  # fmt: skip
        ]
    else:
        try:
            results = _RUNNERS[item.kind](item, options)
        except Exception as e:  # noqa: BLE001 - report, do not stop the run
            tb = traceback.format_exc(limit=-3)
            results = [
                Result(item.id, item.area, item.device, "failed", item.behaviour, item.sentence,
                       f"gradspec could not run it: {type(e).__name__}: {_first_line(e)}\n{tb}")
            ]  # fmt: skip
    took = (time.perf_counter() - start) / max(len(results), 1)
    for r in results:
        r.seconds = round(took, 3)
    return results


def device_available(device: str) -> bool:
    from gradspec.devices import available_devices

    here = available_devices()
    if device in here:
        return True
    import torch

    kind = device.split(":")[0]
    if kind == "cuda" and torch.cuda.is_available():
        idx = int(device.split(":")[1]) if ":" in device else 0
        return idx < torch.cuda.device_count()
    return False


def _init_worker(options: RunOptions) -> None:
    """Set up a process (a worker, or this one when serial) the same way every time."""
    import torch

    from gradspec.profiles import load_profile

    torch.set_num_threads(1)
    load_profile(options.profile)
    if options.seed is not None:
        # Hypothesis's own switch for pytest's --hypothesis-seed: every test starts from it.
        import hypothesis.core

        hypothesis.core.global_force_seed = options.seed
    _examples_importable()


@contextlib.contextmanager
def _process_state():
    """Restore what :func:`_init_worker` changes (Hypothesis profile and seed, torch threads)
    when items ran in this process, so calling the runner from Python leaves no trace."""
    import hypothesis.core
    import torch
    from hypothesis import settings

    profile = getattr(settings, "_current_profile", None)
    seed = getattr(hypothesis.core, "global_force_seed", None)
    threads = torch.get_num_threads()
    try:
        yield
    finally:
        if profile is not None:
            settings.load_profile(profile)
        hypothesis.core.global_force_seed = seed
        torch.set_num_threads(threads)


def _worker_run(item: Item, options: RunOptions) -> list[Result]:
    return run_item(item, options)


def execute(
    items: list[Item],
    options: RunOptions,
    on_done: Callable[[Item, list[Result]], None] | None = None,
) -> list[Result]:
    """Run every item (serially, or in ``options.workers`` processes); results in item order."""
    done: dict[int, list[Result]] = {}
    if options.workers <= 1 or len(items) <= 1:
        with _process_state():
            _init_worker(options)
            for i, it in enumerate(items):
                done[i] = run_item(it, options)
                if on_done:
                    on_done(it, done[i])
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=options.workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(options,),
        ) as pool:
            futures = {pool.submit(_worker_run, it, options): i for i, it in enumerate(items)}
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    done[i] = fut.result()
                except Exception as e:  # a worker died: report it, do not lose the rest
                    it = items[i]
                    done[i] = [
                        Result(it.id, it.area, it.device, "failed", it.behaviour, it.sentence,
                               f"the worker process failed: {type(e).__name__}: {e}")
                    ]  # fmt: skip
                if on_done:
                    on_done(items[i], done[i])
    return [r for i in range(len(items)) for r in done[i]]


# --------------------------------------------------------------------------------------------
# expectations


def apply_expectations(
    results: Iterable[Result], entries: list, torch_version: str
) -> list[Result]:
    """Failures covered by an expected difference become "expected"; passes covered by one
    become "stale". Skipped results are left alone."""
    out = []
    for r in results:
        e = expectations_mod.lookup(entries, r.id, r.behaviour, r.device, torch_version, r.tags)
        if e is not None and r.status in ("failed", "passed"):
            note = f"{e.reason} ({e.span()}; {e.file})"
            r = replace(r, status="expected" if r.status == "failed" else "stale", expectation=note)
        out.append(r)
    return out


# --------------------------------------------------------------------------------------------
# the whole run


def validate_devices(devices: Iterable[str]) -> tuple[str, ...]:
    """Device names torch understands (an unavailable one is fine: its results are skipped)."""
    import torch

    out = []
    for d in devices:
        try:
            dev = torch.device(d)
        except (RuntimeError, TypeError, ValueError):
            raise UsageError(f"{d!r} is not a torch device (try cpu, cuda, cuda:1)") from None
        name = dev.type if dev.index is None or dev.type == "cpu" else f"{dev.type}:{dev.index}"
        if name not in out:
            out.append(name)
    return tuple(out)


def make_options(
    profile: str | None = None,
    devices: Iterable[str] | None = None,
    max_examples: int | None = None,
    seed: int | None = None,
    patterns: Iterable[str] = (),
    workers: int = 1,
) -> RunOptions:
    """Validated options (UsageError on anything ``gradspec run`` cannot run with)."""
    from hypothesis import settings

    from gradspec.devices import available_devices
    from gradspec.profiles import PROFILES, default_profile_name, register_profiles

    if profile is not None and profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    register_profiles()  # registers only: the profile is loaded where the items run
    try:
        profile = profile or default_profile_name()
    except ValueError as e:
        raise UsageError(str(e)) from None
    if max_examples is not None and max_examples < 1:
        raise UsageError(f"--max-examples must be at least 1, got {max_examples}")
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    devs = validate_devices(devices) if devices else tuple(available_devices())
    if seed is None and not settings.get_profile(profile).derandomize:
        seed = random.SystemRandom().randrange(2**32)
    if settings.get_profile(profile).derandomize:
        seed = None  # derandomized profiles draw the same examples every time
    return RunOptions(
        profile=profile,
        devices=devs,
        max_examples=max_examples,
        seed=seed,
        patterns=tuple(patterns),
        workers=workers,
    )


def run(
    options: RunOptions,
    *,
    expectations: list | None = None,
    progress: Any | None = None,
    items: list[Item] | None = None,
    absent: dict[str, str] | None = None,
) -> RunReport:
    """Run everything ``options`` selects and return the report (expectations applied)."""
    import gradref
    import torch
    from hypothesis import settings

    from gradspec.devices import available_devices

    start = time.perf_counter()
    if items is None:
        items, absent = collect(options)
    if expectations is None:
        expectations = expectations_mod.load()

    def on_done(item: Item, results: list[Result]) -> None:
        if progress is not None:
            progress.advance(item.area, failed=any(r.status == "failed" for r in results))

    raw = execute(items, options, on_done)
    if progress is not None:
        progress.close()
    base = settings.get_profile(options.profile)
    return RunReport(
        torch_version=torch.__version__,
        gradspec_version=GRADSPEC_VERSION,
        gradref_version=getattr(gradref, "__version__", "?"),
        python_version=platform.python_version(),
        platform=f"{platform.system()} {platform.machine()}",
        devices=list(options.devices),
        available_devices=available_devices(),
        profile=options.profile,
        max_examples=options.max_examples or base.max_examples,
        derandomize=bool(base.derandomize),
        seed=options.seed,
        workers=options.workers,
        patterns=list(options.patterns),
        results=apply_expectations(raw, expectations, torch.__version__),
        absent=dict(absent or {}),
        seconds=time.perf_counter() - start,
    )


def default_workers() -> int:
    """One worker per core, at most 8 (the items are small; more mostly costs start-up)."""
    return max(1, min(8, os.cpu_count() or 1))
