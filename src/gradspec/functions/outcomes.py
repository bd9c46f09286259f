"""What a check can conclude on one example, as exceptions a check raises: a finding
(``CheckFailure``, a failure or advice), that it cannot tell (``NotApplicable``), that the user's
code raised (``FnRaised``), or that the reference is at fault (``ReferenceProblem``). Anything
else a check raises is gradspec's own error and is reported as such, never as the Function's.
"""

from __future__ import annotations

FAILURE = "failure"
ADVICE = "advice"


class CheckFailure(AssertionError):
    """The op breaks the check's behaviour (or ``behaviour``): a *failure* (wrong values, an
    error torch raises, a documented contract broken) or *advice* (allowed but wasteful or
    fragile). ``repro`` is the reproducer body (a :class:`~gradspec.functions.script.Script`)."""

    def __init__(
        self,
        message: str,
        behaviour: str | None = None,
        *,
        level: str = FAILURE,
        repro=None,
        key=None,
        example=None,
        static: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.behaviour = behaviour
        self.level = level
        self.repro = repro
        #: what makes two findings one root cause (default: the check and the message)
        self.key = key
        #: the example it was found on, when a variant of the case's (e.g. an edge shape)
        self.example = example
        #: further distinct findings of the same check on the same example
        self.others: list = []
        #: a finding about the code, not the example (a Function without setup_context): it is
        #: recorded at once, on the example it was met on, never shrunk
        self.static = static


class NotApplicable(Exception):
    """A check that cannot say anything about this op or example (e.g. not a custom Function)."""


class FnRaised(Exception):
    """The user's code raised: ``fn``, or its backward (run by torch's engine or called
    directly). ``stage`` says which; ``repro`` replays the call."""

    def __init__(self, error: BaseException, stage: str, repro=None):
        super().__init__(f"{stage} raised {type(error).__name__}: {error}")
        self.error = error
        self.stage = stage
        self.repro = repro

    @property
    def message(self) -> str:
        return str(self)


class ReferenceProblem(Exception):
    """The reference, not the op, is at fault on this example: it raised, gave non-finite
    values where the op did not, or disagrees with torch running the same reference."""

    @property
    def message(self) -> str:
        return str(self)
