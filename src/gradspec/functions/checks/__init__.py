"""The named checks. Each is a function of a :class:`~gradspec.functions.case.Case` that raises
``CheckFailure`` when the op breaks the behaviour the check is tied to (an id in
``catalogue/function_contract.toml``), ``NotApplicable`` when it cannot tell, else returns.

A check is registered with :func:`register` in any module of this package (every module here is
imported); everything the checker needs to know about it is a field of its :class:`Check`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    behaviour: str
    sentence: str
    run: Callable
    #: where it runs and is listed: cheap, basic checks first (a finding is attributed to the
    #: first check that meets it); ties are broken by name
    order: int = 1000
    #: "any", "reference" (needs a reference) or "fd" (only without one)
    mode: str = "any"
    #: a value check: it also runs on examples larger than ``spec.FULL_BATTERY_ELEMENTS`` (the
    #: others repeat the call many times over, in layouts, subsets and variants, and skip them)
    value: bool = False
    #: a basic check: when another check fails on an example where this one fails too, the
    #: finding is this one's (a wrong gradient is the vjp check's finding, not also
    #: edge-shapes' and double-backward's)
    basic: bool = False
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


def register(name: str, behaviour: str, sentence: str, **properties):
    """Register the decorated function as the check ``name`` (``properties``: the other fields
    of :class:`Check`)."""

    def deco(f):
        CHECKS[name] = Check(name, behaviour, sentence, f, **properties)
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


def basic_checks() -> list[Check]:
    """The basic checks, in order."""
    return [c for c in CHECKS.values() if c.basic]


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

_ordered = sorted(CHECKS.items(), key=lambda item: (item[1].order, item[0]))
CHECKS.clear()
CHECKS.update(_ordered)

from gradspec.functions.checks import customops as _customops  # noqa: E402

_customops.install(CHECKS)  # the vmap, compile and gradient checks of custom operators
