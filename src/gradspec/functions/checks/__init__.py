"""The named checks. Each is a function of a :class:`~gradspec.functions.case.Case` that raises
``CheckFailure`` when the op breaks the behaviour the check is tied to (an id in
``catalogue/function_contract.toml``), ``NotApplicable`` when it cannot tell, else returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    behaviour: str
    sentence: str
    run: Callable
    #: "any", "reference" (needs a reference) or "fd" (only without one)
    mode: str = "any"
    #: run on the first few examples only (costly, or independent of the drawn example)
    once: bool = False
    #: None: runs whenever it applies; else it runs only when named in ``checks=`` or when
    #: ``default(spec)`` is true (a check too costly to run on every spec)
    default: Callable | None = None
    #: None: runs on every example; else the Example fields (besides the values) its result
    #: depends on, e.g. ``("shapes", "args")``: it runs on the first
    #: ``STRUCTURE_EXAMPLES`` examples of each distinct structure (a check of metadata, such as
    #: which gradients backward returns, learns nothing new from other values)
    structure: tuple | None = None


#: examples of one structure a check with ``structure`` runs on (per device and dtype)
STRUCTURE_EXAMPLES = 2

CHECKS: dict[str, Check] = {}


def register(
    name: str,
    behaviour: str,
    sentence: str,
    mode: str = "any",
    once: bool = False,
    default=None,
    structure: tuple | None = None,
):
    def deco(f):
        CHECKS[name] = Check(name, behaviour, sentence, f, mode, once, default, structure)
        return f

    return deco


def checks_for(reference_given: bool, names=None, spec=None) -> list[Check]:
    """The checks that apply, in a fixed order (names given explicitly always run; a check
    with a ``default`` predicate runs by default only where it holds for ``spec``)."""
    if names is not None:
        return [CHECKS[n] for n in names]
    want = "reference" if reference_given else "fd"
    return [
        c
        for c in CHECKS.values()
        if c.mode in ("any", want) and (c.default is None or (spec is not None and c.default(spec)))
    ]


from gradspec.functions.checks import (  # noqa: E402,F401
    backward,
    export,
    forward,
    higher,
    lifetime,
    modules,
    mutation,
    training,
    transforms,
    variants,
)

#: the order checks run and are listed in: cheap, basic ones first (a finding is attributed to
#: the first check that meets it)
ORDER = (
    "forward", "output-requires-grad", "vjp", "vjp-fd", "backward-returns", "needs-input-grad",
    "layouts", "edge-shapes", "output-subsets", "grad-output-unmodified", "inputs-unmodified",
    "saved-tensors-version", "graph-freed", "deterministic", "double-backward", "no-grad",
    "gradcheck", "module-backward", "leaks", "forward-ad", "vmap", "autocast", "compile",
    "export", "train-steps",
)  # fmt: skip
CHECKS = {n: CHECKS[n] for n in sorted(CHECKS, key=lambda n: (ORDER + (n,)).index(n))}

#: the value checks: all that examples larger than ``spec.FULL_BATTERY_ELEMENTS`` run (the rest
#: repeat the call many times over, in layouts, subsets and variants)
VALUE_CHECKS = ("forward", "output-requires-grad", "vjp", "vjp-fd", "backward-returns")
