"""The zoos' planted bugs that gradspec's verdict policy calls documented-but-risky trade-offs
(torch's docs allow them; the hazard shows only in a wider program): such a bug counts as caught
when gradspec gives the advice of the check named here, and the zoos print how many were caught
that way."""

from __future__ import annotations

#: planted-bug class -> the check whose advice names its hazard
ADVICE_CHECK = {
    "grad_output modified": "grad-output-unmodified",  # another consumer sees the writes
    "input modified": "inputs-unmodified",  # another consumer of the input sees the writes
    "double backward": "double-backward",  # detached / untracked second order, no claim
    "zero-size": "edge-shapes",  # a clear error on zero-size inputs
    "mixed zero-size": "edge-shapes",
}


def caught_as_advice(report, bug: str | None) -> bool:
    """Whether a passing report caught planted ``bug`` as the advice its policy gives."""
    check = ADVICE_CHECK.get(bug or "")
    return bool(report.ok and check and check in report.advised_checks())
