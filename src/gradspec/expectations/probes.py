"""The probes of the expected differences: each entry's few lines of plain torch, run on the
installed torch, say whether this torch behaves the way the entry's reason describes.

A probe runs with ``torch``, ``np`` (NumPy), ``error(fn)`` and ``warning(fn)`` in scope and sets
``differs`` (a bool) and optionally ``seen`` (a short text of what it observed). Inside the
entry's versions (``since <= torch < until``) it must set ``differs = True``, outside them
``False``: otherwise the entry's reason is wrong (it does not show on a version it claims) or its
range is (the difference shows on a version it does not claim). Nothing here imports gradspec's
checks or gradref: a probe is evidence about torch alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gradspec.expectations import Expected
from gradspec.versions import in_range


def _first_line(exc: object) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else ""


def error(fn: Callable[[], Any]) -> str:
    """``"TypeName: first line"`` of what ``fn()`` raises, or ``""`` when it returns."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as e:  # noqa: BLE001 - what it raises is the observation
        return f"{type(e).__name__}: {_first_line(e)}"
    return ""


def warning(fn: Callable[[], Any]) -> str:
    """``"Category: first line"`` of the first warning ``fn()`` gives, or ``""`` when none
    (every warning is shown, even one torch gives once per process)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    for w in caught:
        return f"{w.category.__name__}: {_first_line(w.message)}"
    return ""


@dataclass(frozen=True)
class ProbeOutcome:
    """What a probe found on this torch, and whether that agrees with its entry."""

    #: whether this torch behaves as the entry describes (None: the probe itself failed)
    differs: bool | None
    #: whether the entry says this torch differs
    claimed: bool
    #: what the probe observed (``seen``), or why it could not run
    seen: str

    @property
    def agrees(self) -> bool:
        return self.differs is not None and self.differs == self.claimed

    def explain(self, entry: Expected, torch_version: str) -> str:
        """One sentence for the report."""
        where = f"torch {torch_version}"
        if self.differs is None:
            return f"the probe could not run on {where}: {self.seen}"
        if self.agrees:
            state = "shows the difference" if self.differs else "shows no difference"
            return f"the probe {state} on {where}, as the entry's {entry.span()} says"
        if self.claimed:
            return (
                f"stale or wrong: the probe shows no difference on {where}, which the entry "
                f"({entry.span()}; {entry.file}) says differs: {entry.reason}"
            )
        return (
            f"range wrong: the probe shows the difference on {where}, outside the entry's "
            f"{entry.span()} ({entry.file}): {entry.reason}"
        )


def run_probe(entry: Expected, torch_version: str | None = None) -> ProbeOutcome:
    """Run ``entry``'s probe on the installed torch (``torch_version``: its version, by
    default ``torch.__version__``)."""
    import numpy as np
    import torch

    version = torch_version or torch.__version__
    claimed = in_range(version, entry.since, entry.until)
    if not entry.probe:
        return ProbeOutcome(None, claimed, "the entry has no probe")
    scope: dict[str, Any] = {"torch": torch, "np": np, "error": error, "warning": warning}
    enabled = torch.is_grad_enabled()
    try:
        code = compile(entry.probe, f"<probe of {entry.id} ({entry.file})>", "exec")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, scope)  # noqa: S102 - the probe is project data, run on purpose
    except Exception as e:  # noqa: BLE001 - a probe that raises is reported, not fatal
        return ProbeOutcome(None, claimed, f"{type(e).__name__}: {_first_line(e)}")
    finally:
        torch.set_grad_enabled(enabled)
    differs = scope.get("differs")
    if not isinstance(differs, bool):
        why = f"it set differs = {differs!r}, not a bool" if "differs" in scope else "no differs"
        return ProbeOutcome(None, claimed, why)
    return ProbeOutcome(differs, claimed, str(scope.get("seen", "")))


__all__ = ["ProbeOutcome", "error", "run_probe", "warning"]
