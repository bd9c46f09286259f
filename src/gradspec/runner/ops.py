"""The op items of ``gradspec run``: every op of the op table (:mod:`gradspec.ops.table`) and
every op error case (:mod:`gradspec.ops.errors`), judged by :mod:`gradspec.ops.compare`.

An op gives one result per sub-check (``forward``, ``node``, ``vjp``, ``jvp``,
``double-backward``, ``saved``): Hypothesis searches the drawn examples; a sub-check that fails
is shrunk and recorded, and the search goes on for the others. When the op table cannot be
imported, the ops area is *absent* (with the reason) and the rest of the run goes on.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gradspec.runner.options import RunOptions
from gradspec.runner.results import Result
from gradspec.runner.search import Mismatch, first_line, hypothesis_settings, search

if TYPE_CHECKING:
    from gradspec.runner.items import Item


@dataclass(frozen=True)
class OpEntry:
    name: str
    sentence: str
    behaviour: str = ""
    conventions: tuple[str, ...] = ()


def _example_text(ex) -> str:
    return (
        f"dtype = {ex.dtype!r}\nshapes = {ex.shapes!r}\nlayouts = {ex.layouts!r}\n"
        f"requires_grad = {ex.requires_grad!r}\nseed = {ex.seed!r}"
    )


class OpTable:
    """The op table as the runner sees it (absent: ``absent`` says why)."""

    def __init__(self, absent: str | None = None, table: dict | None = None):
        self.absent = absent
        self.table = table or {}

    def ops(self) -> list[OpEntry]:
        return [
            OpEntry(
                name,
                f"{name}: forward, VJP, JVP"
                + (" and double backward" if info.double_backward else "")
                + " agree with gradref",
                f"ops.{name}",
                tuple(info.conventions),
            )
            for name, info in self.table.items()
        ]

    def subchecks(self, name: str) -> list[str]:
        from gradspec.ops.compare import subchecks

        return subchecks(self.table[name])

    def run(self, name: str, device: str, settings: Any) -> list[Result]:
        """Check one op on one device under Hypothesis ``settings``; one result per sub-check
        (area ``ops``)."""
        from gradspec.ops.compare import SENTENCES, examples

        info = self.table[name]
        tags = [f"convention.{c}" for c in info.conventions]
        active = self.subchecks(name)
        failed: dict[str, Mismatch] = {}
        crashed: dict[str, str] = {}
        compared = {"n": 0}
        passed: dict = {}  # example -> (the sub-checks it passed, whether gradref ran it)
        known = _expected(name, self.subchecks(name), device, tuple(tags))
        while active:
            try:
                m = search(examples(info), _body(info, device, active, compared, passed),
                           settings, key=lambda ex: ex, expected=known)  # fmt: skip
            except Exception as e:  # Hypothesis itself gave up (Flaky, Unsatisfiable, ...)
                crashed.update({c: f"{type(e).__name__}: {first_line(e)}" for c in active})
                break
            if m is None:
                break
            # torch failing to run the op at all fails every sub-check still searched
            names = list(active) if m.check == "*" else [m.check]
            failed.update({c: m for c in names})
            active = [c for c in active if c not in names]

        def result(c, status, message="", example="", repro=""):
            return Result(f"ops.{name}/{c}", "ops", device, status, f"ops.{name}", SENTENCES[c],
                          message, example, repro, tags=list(tags))  # fmt: skip

        out = []
        for c in self.subchecks(name):
            if c in failed:
                m = failed[c]
                out.append(result(c, "failed", m.message, _example_text(m.example),
                                  reproducer(name, m.example, device)))  # fmt: skip
            elif c in crashed:
                out.append(result(c, "failed", crashed[c]))
            elif not compared["n"]:
                out.append(result(c, "skipped", "gradref could not run any drawn example"))
            else:
                out.append(result(c, "passed"))
        return out


def _expected(name: str, checks: list[str], device: str, tags: tuple) -> frozenset:
    """The sub-checks of op ``name`` that an expected difference covers on the installed
    torch (their failures are known: shrunk briefly)."""
    import torch

    from gradspec import expectations

    entries = expectations.installed()
    return frozenset(
        c
        for c in checks
        if expectations.lookup(
            entries, f"ops.{name}/{c}", f"ops.{name}", device, torch.__version__, tags
        )
        is not None
    )


def _body(info, device: str, checks: list[str], compared: dict, passed: dict):
    """The search's test body. An example met again (Hypothesis draws some twice, and the
    search after a failed sub-check meets the earlier ones again) that passed these sub-checks
    before passes without running: its values, and so its outcome, depend on the example only."""
    from gradspec.ops.compare import OpDifference, check_example

    checks_t = tuple(checks)
    wanted = frozenset(checks)

    def body(ex):
        seen = passed.get(ex)
        if seen is not None and wanted <= seen[0]:
            ok = seen[1]
        else:
            with warnings.catch_warnings():  # torch's performance notes are not results
                warnings.simplefilter("ignore")
                try:
                    ok = check_example(info, ex, device, checks_t)
                except OpDifference as d:
                    raise Mismatch(d.check, d.message, ex) from None
            passed[ex] = (wanted, ok)
        if ok:
            compared["n"] += 1

    return body


def reproducer(name: str, ex, device: str) -> str:
    return "\n".join(
        [
            f"# gradspec reproducer for op {name!r} on {device}",
            "from gradspec.runner.ops import replay",
            "",
            f"replay({name!r}, dtype={ex.dtype!r}, shapes={ex.shapes!r}, layouts={ex.layouts!r},",
            f"       requires_grad={ex.requires_grad!r}, seed={ex.seed!r}, device={device!r})",
            "",
        ]
    )


def replay(name, *, dtype, shapes, layouts, requires_grad, seed, device="cpu") -> None:
    """Re-run one op-table example on torch and gradref; AssertionError saying what differs."""
    from gradspec.ops.compare import Example, OpDifference, check_example

    table = load()
    if table.absent:
        raise RuntimeError(table.absent)
    info = table.table[name]
    ex = Example(dtype, tuple(map(tuple, shapes)), tuple(layouts), tuple(requires_grad), seed)
    try:
        check_example(info, ex, device, tuple(table.subchecks(name)))
    except OpDifference as d:
        raise AssertionError(f"{name} {d.check}: {d.message}\n{_example_text(ex)}") from None
    print(f"{name}: torch and gradref agree on this example")


@functools.cache
def load() -> OpTable:
    """The op table, or an absent one saying why there is none."""
    try:
        from gradspec.ops.table import OPS
    except Exception as e:  # a broken op table must not stop the rest of the run
        return OpTable(absent=f"the op table cannot be imported: {type(e).__name__}: {e}")
    return OpTable(table=dict(OPS))


def run_op(item: Item, options: RunOptions) -> list[Result]:
    return load().run(item.key, item.device, hypothesis_settings(options))


def run_op_error(item: Item, options: RunOptions) -> list[Result]:
    """One op error case: torch (on the item's device) and gradref raise the same exception
    type with the same first line."""
    import gradref
    import torch

    from gradspec.ops.errors import ERRORS, difference, raised

    case = next(c for c in ERRORS if c.id == item.key)
    with _on(item.device):
        theirs = raised(torch, case)
    why = difference(theirs, raised(gradref, case))
    repro = _error_reproducer(case.id, item.device) if why else ""
    status = "failed" if why else "passed"
    return [
        Result(item.results[0], item.area, item.device, status, item.behaviour, item.sentence,
               why or "", reproducer=repro, observed=_said(theirs))
    ]  # fmt: skip


def _said(raised_by) -> str:
    """What torch raised in an op error case, as ``Type: first line`` (``""``: nothing)."""
    if raised_by is None:
        return ""
    if isinstance(raised_by, tuple) and len(raised_by) == 2:
        return f"{raised_by[0]}: {raised_by[1]}"
    return str(raised_by)


def _on(device: str):
    """torch's factories create tensors on ``device`` inside (the cases build with T.ones)."""
    import contextlib

    import torch

    return contextlib.nullcontext() if device == "cpu" else torch.device(device)


def _error_reproducer(case_id: str, device: str) -> str:
    ctx = "" if device == "cpu" else f"with torch.device({device!r}):\n    "
    return "\n".join(
        [
            f"# gradspec reproducer for the op error case {case_id!r} on {device}",
            "import gradref",
            "import torch",
            "",
            "from gradspec.ops.errors import ERRORS, difference, raised",
            "",
            f"case = next(c for c in ERRORS if c.id == {case_id!r})",
            ctx + "theirs = raised(torch, case)",
            "why = difference(theirs, raised(gradref, case))",
            "assert why is None, why",
            "",
        ]
    )
