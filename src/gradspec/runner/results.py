"""What ``gradspec run`` found: one :class:`Result` per behaviour, op sub-check, op error or
example check on one device, the :class:`RunReport` that holds them, and the expected
differences applied to them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace

from gradspec import expectations as expectations_mod

#: Result statuses, in the order tables list them.
STATUSES = ("passed", "failed", "skipped", "expected", "stale")


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
    #: for "expected" and "stale": the expectation's reason alone
    reason: str = ""
    #: further names expectations can match (an op's conventions: "convention.relu.zero")
    tags: list[str] = field(default_factory=list)
    #: what torch showed that the matrix follows across releases even where the status stays:
    #: the first line of each error and warning of a scenario or op error, what a probe saw
    observed: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RunReport:
    """Everything one ``gradspec run`` found, with what it ran on."""

    torch_version: str
    gradspec_version: str
    gradref_version: str
    torch_target: str
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
    #: the public autograd API of this torch (:mod:`gradspec.runner.api_surface`): name ->
    #: parameter names (None: not callable, or unreadable)
    api: dict[str, list[str] | None] = field(default_factory=dict)

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
            "torch_target": self.torch_target,
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
            "api": self.api,
        }


def apply_expectations(
    results: Iterable[Result],
    entries: Sequence,
    torch_version: str,
    torch_target: str | None = None,
) -> list[Result]:
    """Failures covered by an expected difference become "expected" (where the entry names a
    reworded ``message``, only when torch's observed message matches it); passes covered by one
    (by id or behaviour) become "stale". A failure no entry covers says what it means on this torch
    (new in a newer torch, an unrecorded difference of an older one, or a gradref bug).
    Skipped results are left alone. ``torch_target``: the release gradref mirrors (default:
    ``gradref.TORCH_TARGET``)."""
    out = []
    for r in results:
        # a tag (an op's convention) explains a failure, but a pass is not stale because of it:
        # the drawn examples of an op rarely sit on the convention's point
        tags = r.tags if r.status == "failed" else ()
        e = expectations_mod.lookup(entries, r.id, r.behaviour, r.device, torch_version, tags)
        if e is not None and r.status == "failed" and not e.message_matches(r.observed):
            # the entry expects a rewording; torch said something else
            note = (
                f"{expectations_mod.unexpected(torch_version, torch_target)}; the expected "
                f"difference ({e.span()}; {e.file}) expects a message matching {e.message!r}"
            )
            r = replace(r, expectation=note)
        elif e is not None and r.status == "passed" and e.drawn:
            pass  # the draws of this run did not meet the difference: nothing is stale
        elif e is not None and r.status in ("failed", "passed"):
            note = f"{e.reason} ({e.span()}; {e.file})"
            status = "expected" if r.status == "failed" else "stale"
            r = replace(r, status=status, expectation=note, reason=e.reason)
        elif r.status == "failed":
            r = replace(r, expectation=expectations_mod.unexpected(torch_version, torch_target))
        out.append(r)
    return out
