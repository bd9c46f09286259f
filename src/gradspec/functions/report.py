"""Reports: what was checked and what was found — failures, advice, reference problems — each
finding with its check, behaviour, the example in one line and a plain-torch reproducer."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from gradspec.devices import WHERE_AVAILABLE_HINT

FAILURE = "failure"
ADVICE = "advice"
#: the text table's width: longer results wrap under their column (nothing is cut)
TABLE_WIDTH = 100


@dataclass
class Failure:
    """A finding: a *failure* (wrong values, an error torch raises, a documented contract
    broken) or *advice* (allowed but wasteful or fragile; a failure under ``strict=True``).
    One per root cause: ``where`` lists every device/dtype it was seen on, ``also`` the other
    checks that met it."""

    check: str
    behaviour: str
    sentence: str
    message: str
    example: dict
    device: str
    dtype: str
    reproducer: str = ""
    level: str = FAILURE
    example_text: str = ""
    where: list = field(default_factory=list)
    also: list = field(default_factory=list)
    reproducer_path: str | None = None
    #: whether the reproducer raised when gradspec ran it once (None: it could not tell)
    reproduced: bool | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class ReferenceNote:
    """The reference (not the op) was at fault on some example: it raised, gave non-finite
    values where the op did not, or disagreed with torch running the same reference."""

    check: str
    device: str
    dtype: str
    message: str
    example_text: str = ""
    count: int = 1
    #: every check and device/dtype that met it
    checks: list = field(default_factory=list)
    where: list = field(default_factory=list)


@dataclass
class Outcome:
    """One check on one (device, dtype): passed, failed, skipped (with why) or error."""

    check: str
    device: str
    dtype: str
    status: str  # "passed" | "failed" | "skipped" | "error"
    detail: str = ""


@dataclass
class Report:
    name: str
    failures: list[Failure] = field(default_factory=list)
    errors: list[Outcome] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    examples_run: int = 0
    seconds: float = 0.0
    advice: list[Failure] = field(default_factory=list)
    reference_problems: list[ReferenceNote] = field(default_factory=list)
    strict: bool = False
    #: requested devices that are absent here, with why: nothing ran there, so not a pass
    #: (``where_available=True`` skips them instead)
    not_run: dict = field(default_factory=dict)
    #: why the check stopped before it was done (a hung call, Ctrl-C); empty when it finished
    stopped: str = ""

    @property
    def ok(self) -> bool:
        """True when no finding is a failure (advice counts only under ``strict``), no check
        was kept from running altogether (an error, e.g. a reference that fails everywhere) and
        every requested device ran."""
        return not self.failures and not self.errors and not self.not_run and not self.stopped

    @property
    def findings(self) -> list[Failure]:
        return self.failures + self.advice

    def failed_checks(self) -> set[str]:
        return {f.check for f in self.failures}

    def advised_checks(self) -> set[str]:
        return {f.check for f in self.advice}

    def write_reproducers(self, directory: str) -> list[str]:
        """Write each finding's reproducer to a file in ``directory``; returns the paths (also
        kept as ``finding.reproducer_path``)."""
        from gradspec.functions.reproducer import file_name, write

        paths = []
        for f in self.findings:
            where = f.where[0] if f.where else f"{f.device}/{f.dtype}"
            name = file_name(self.name, f.check, where)
            f.reproducer_path = write(directory, name, f.reproducer)
            paths.append(f.reproducer_path)
        return paths

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "ok": self.ok,
            "strict": self.strict,
            "examples_run": self.examples_run,
            "seconds": round(self.seconds, 3),
            "outcomes": [asdict(o) for o in self.outcomes],
            "failures": [f.to_dict() for f in self.failures],
            "advice": [f.to_dict() for f in self.advice],
            "reference_problems": [asdict(n) for n in self.reference_problems],
            "errors": [asdict(e) for e in self.errors],
            "not_run": dict(self.not_run),
            "stopped": self.stopped,
        }

    def to_json(self, **kwargs) -> str:
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)

    def table(self, width: int = TABLE_WIDTH) -> str:
        """One row per outcome; a long result wraps under its column, never cut."""
        import textwrap

        rows = [("check", "device", "dtype", "result")]
        for o in self.outcomes:
            result = o.status if not o.detail else f"{o.status}: {o.detail}"
            rows.append((o.check, o.device, o.dtype, result))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        indent = sum(widths) + 6
        lines = []
        for n, r in enumerate(rows):
            head = "  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  "
            text = textwrap.wrap(r[3], max(40, width - indent), break_long_words=False,
                                 break_on_hyphens=False) or [""]  # fmt: skip
            lines.append(head + text[0])
            lines += [" " * indent + t for t in text[1:]]
            if n == 0:
                lines.append("  ".join("-" * w for w in widths) + "  ------")
        return "\n".join(lines)

    def _finding_text(self, f: Failure, i: int, which: str) -> list[str]:
        tag = "FAIL" if f.level == FAILURE or which == "failures" else "ADVICE"
        where = ", ".join(f.where) if f.where else f"{f.device}/{f.dtype}"
        lines = [
            "",
            f"{tag} {f.check} [{f.behaviour}] on {where}",
            f"  behaviour: {f.sentence}",
            f"  problem:   {f.message}",
            f"  example:   {f.example_text or json.dumps(f.example)}",
        ]
        if f.also:
            lines.append(f"  also met by: {', '.join(f.also)}")
        if f.reproducer_path:
            lines.append(f"  reproducer: {f.reproducer_path}")
        else:
            lines.append(
                f"  reproducer: report.{which}[{i}].reproducer (or write them all with "
                "report.write_reproducers(DIR), gradspec check --reproducers DIR)"
            )
        return lines

    def __str__(self) -> str:
        if self.ok:
            verdict = "OK" if not self.advice else f"OK with {len(self.advice)} advice"
        else:
            parts = [f"{len(self.failures)} failure(s)"] if self.failures else []
            if self.errors:
                parts.append(f"{len(self.errors)} check(s) could not run")
            if self.not_run:
                parts.append(f"not run on {', '.join(self.not_run)}")
            if self.stopped:
                parts.append("stopped")
            if self.advice:
                parts.append(f"{len(self.advice)} advice")
            verdict = f"FAILED ({', '.join(parts)})"
        head = (
            f"gradspec check of {self.name}: {verdict} — {self.examples_run} examples in "
            f"{self.seconds:.2f}s"
        )
        parts = [head]
        if self.stopped:
            parts.append(f"STOPPED: {self.stopped}")
        for device, why in self.not_run.items():
            parts.append(f"NOT RUN on {device}: {why}; {WHERE_AVAILABLE_HINT}")
        parts += ["", self.table()]
        for i, f in enumerate(self.failures):
            parts += self._finding_text(f, i, "failures")
        for i, f in enumerate(self.advice):
            parts += self._finding_text(f, i, "advice")
        for n in self.reference_problems:
            times = f", {n.count} examples" if n.count > 1 else ""
            where = ", ".join(n.where or [f"{n.device}/{n.dtype}"])
            parts += [
                "",
                f"REFERENCE PROBLEM (not a failure of the op) on {where}{times}: {n.message}",
            ]
            if n.example_text:
                parts.append(f"  example:   {n.example_text}")
            if len(n.checks) > 1:
                parts.append(f"  met by:    {', '.join(n.checks)}")
        for e in self.errors:
            parts += ["", f"ERROR {e.check} on {e.device}/{e.dtype}: {e.detail}"]
        return "\n".join(parts)

    __repr__ = __str__
