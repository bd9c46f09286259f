"""A Case: one spec on one drawn example, with the plumbing every check needs, in parts by job:

* :mod:`~gradspec.functions.inputs`: torch inputs (any layout, any requires-grad mask, leaf or
  not) with the non-tensor arguments in place, cotangents, names;
* :mod:`~gradspec.functions.calls`: calling the op's forward and its backward through the engine
  (every call of the user's code goes through :mod:`~gradspec.functions.usercode`);
* :mod:`~gradspec.functions.nodes`: the custom Function node behind the outputs, and what its
  backward really returns when called directly;
* :mod:`~gradspec.functions.comparing`: the reference's answers, tolerances and comparisons.

Everything that runs the user's code turns an exception into
:class:`~gradspec.functions.outcomes.FnRaised`, so that nothing gradspec does itself is ever
blamed on the op.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradspec.functions.answers import Answers
from gradspec.functions.calls import CaseCalls
from gradspec.functions.comparing import CaseComparisons
from gradspec.functions.examples import Example
from gradspec.functions.inputs import CaseInputs
from gradspec.functions.nodes import CaseNodes, NodeView  # noqa: F401 - re-exported
from gradspec.functions.outcomes import (  # noqa: F401 - re-exported for the checks
    ADVICE,
    FAILURE,
    CheckFailure,
    FnRaised,
    NotApplicable,
    ReferenceProblem,
)
from gradspec.functions.signature import Signature
from gradspec.tolerances import dtype_name

if TYPE_CHECKING:
    from gradspec.functions.spec import Spec


class Facts:
    """What gradspec found out about the op once per run (shared by every case): whether it
    modifies inputs in place, and how its custom Function node's arguments map to the inputs."""

    def __init__(self, modifies_inputs: bool = False):
        self.modifies_inputs = modifies_inputs
        self.node_maps: dict = {}
        #: per dtype, how many examples the layouts check widened (it does so for a few)
        self.widened: dict = {}
        #: (check, part, device, dtype, structure) -> examples of that structure it ran on
        self.structures: dict = {}
        #: the check whose finding is being shrunk (it runs on every example then)
        self.focus: str | None = None
        #: backward refuses ``torch.autograd.grad`` (torch's reentrant checkpoint and Functions
        #: built like it): gradients are taken with ``.backward()``, as torch documents
        self.backward_only = False
        #: backward re-runs the module's forward (activation checkpointing, adjoint solvers):
        #: it reads the module's state when it runs, not when forward ran
        self.recomputes = False
        #: the dtypes the train-steps check has run in (once each)
        self.trained: set = set()
        #: the dtypes a clean pair of steps showed free of leaks (leaks runs no more there)
        self.leaks_clean: set = set()
        #: per dtype, where a leak found after a full collection is held (None: not found)
        self.leak_holders: dict = {}
        #: graph-freed found the graph kept alive after a full collection (said once per run;
        #: later examples are told by the cheap collection)
        self.graph_kept_globally = False

    def first_of_structure(self, check: str, example, fields, limit: int, part="") -> bool:
        """Whether ``check`` (or its ``part``) has run on fewer than ``limit`` examples with
        ``example``'s ``fields`` (per device and dtype); counts this one. Always true for the
        check whose finding is being shrunk (``focus``)."""
        if self.focus == check:
            return True
        key = (check, part, example.device, example.dtype, example.structure(fields))
        n = self.structures.get(key, 0)
        if n >= limit:
            return False
        self.structures[key] = n + 1
        return True


class Case(CaseInputs, CaseCalls, CaseNodes, CaseComparisons):
    def __init__(
        self, spec: Spec, sig: Signature, example: Example, T=None, answers=None, facts=None
    ):
        self.spec = spec
        self.sig = sig
        self.example = example.with_values()
        self.T = T
        self.answers = (
            answers if answers is not None else Answers(spec, T, example.args, example.seed)
        )
        self.facts = facts if facts is not None else Facts(bool(spec.claim("modifies_inputs")))
        self._leaves: dict[int, object] = {}
        self.positions = spec.tensor_positions()
        #: reference problems a check met and stepped over (the checker reports them)
        self.notes: list[str] = []
        #: how the inputs were last built (to replay an exception)
        self.last_inputs: dict = {}

    def variant(self, example: Example, fresh_answers: bool = False) -> Case:
        """A case on a variant of this example (other layouts, shapes, masks): the same facts,
        and the same reference answers unless the values change."""
        answers = Answers(self.spec, self.T, example.args, example.seed) if fresh_answers else None
        return Case(self.spec, self.sig, example, self.T, answers or self.answers, facts=self.facts)


def describe_tensor(t) -> dict:
    """Shape, dtype, strides, storage offset, device and requires_grad of a torch tensor."""
    return {
        "shape": list(t.shape),
        "dtype": dtype_name(t.dtype),
        "stride": list(t.stride()),
        "storage_offset": t.storage_offset(),
        "device": str(t.device),
        "requires_grad": bool(t.requires_grad),
    }
