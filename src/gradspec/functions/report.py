"""Reports: what was checked, what failed (check, behaviour, shrunk example, reproducer)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Failure:
    check: str
    behaviour: str
    sentence: str
    message: str
    example: dict
    device: str
    dtype: str
    reproducer: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


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

    @property
    def ok(self) -> bool:
        """True when no check failed and nothing stopped a check from running."""
        return not self.failures and not self.errors

    def failed_checks(self) -> set[str]:
        return {f.check for f in self.failures}

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "ok": self.ok,
            "examples_run": self.examples_run,
            "seconds": round(self.seconds, 3),
            "outcomes": [asdict(o) for o in self.outcomes],
            "failures": [f.to_dict() for f in self.failures],
            "errors": [asdict(e) for e in self.errors],
        }

    def to_json(self, **kwargs) -> str:
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)

    def table(self) -> str:
        rows = [("check", "device", "dtype", "result")]
        for o in self.outcomes:
            result = o.status if not o.detail else f"{o.status}: {o.detail}"
            rows.append((o.check, o.device, o.dtype, result[:90]))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = []
        for n, r in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
            if n == 0:
                lines.append("  ".join("-" * w for w in widths) + "  ------")
        return "\n".join(lines)

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"FAILED ({len(self.failures)} failure(s))"
        head = (
            f"gradspec check of {self.name}: {verdict} — {self.examples_run} examples in "
            f"{self.seconds:.2f}s"
        )
        parts = [head, "", self.table()]
        for f in self.failures:
            parts += [
                "",
                f"FAIL {f.check} [{f.behaviour}] on {f.device}/{f.dtype}",
                f"  behaviour: {f.sentence}",
                f"  problem:   {f.message}",
                f"  example:   {json.dumps(f.example)}",
                "  reproducer: (report.failures[i].reproducer, or to_json())",
            ]
        for e in self.errors:
            parts += ["", f"ERROR {e.check} on {e.device}/{e.dtype}: {e.detail}"]
        return "\n".join(parts)

    __repr__ = __str__
