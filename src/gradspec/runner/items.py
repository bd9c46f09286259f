"""The items of ``gradspec run``, collected once for both front ends (the CLI and the pytest
plugin): every behaviour scenario, every op of the op table, every op error case and every
example Function, on each device, and each expected difference's probe (once). Each
:class:`Item` is one unit of work and names the result ids it gives, so a front end can list them
before running anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradspec.runner.options import RunOptions

#: Areas outside the catalogue, listed after its areas.
OPS_AREA = "ops"
OP_ERRORS_AREA = "op-errors"
EXAMPLES_AREA = "examples"
PROBES_AREA = "probes"

#: the module of the seed example Functions
EXAMPLES_MODULE = "gradspec.functions.seeds"

KINDS = ("scenario", "op", "op-error", "example", "probe")


@dataclass(frozen=True)
class Item:
    """One unit of work: a scenario, an op, an op error case or an example spec, on one
    device. ``results`` are the ids of the results it gives, in order."""

    kind: str  # one of KINDS
    key: str  # scenario id, op name, error case or spec label
    area: str
    device: str
    sentence: str = ""
    behaviour: str = ""
    results: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        if self.kind == "op":
            return f"{OPS_AREA}.{self.key}"
        if self.kind == "op-error":
            return f"{OPS_AREA}.errors.{self.key}"
        if self.kind == "example":
            return f"{EXAMPLES_AREA}.{self.key}"
        if self.kind == "probe":
            return probe_id(self.key)
        return self.key


def area_order() -> list[str]:
    """Display order of areas: the catalogue's, then ops, op errors, examples."""
    from gradspec.behaviours.catalogue import KNOWN_AREAS

    return [*KNOWN_AREAS, OPS_AREA, OP_ERRORS_AREA, EXAMPLES_AREA, PROBES_AREA]


def probe_id(key: str) -> str:
    """The result id of an expected difference's probe (its key: the entry's id), with ``/``
    (which separates an id from its sub-check) written ``:``."""
    return f"{PROBES_AREA}.{key.replace('/', ':')}"


def example_specs() -> list:
    """The seed example specs (``gradspec.functions.seeds``), keyed by label in a fixed
    order."""
    from gradspec.functions.spec import load_target

    seen: dict[str, Any] = {}
    for s in load_target(EXAMPLES_MODULE):  # a module lists a spec both as a name and in SPECS
        seen.setdefault(s.label, s)
    return list(seen.values())


def example_checks(spec) -> list:
    """The checks ``gradspec.check`` runs on an example spec, in order."""
    from gradspec.functions.checks import checks_for

    s = spec.validate()
    return checks_for(s.reference is not None, s.checks, s)


def selected(patterns: tuple[str, ...], *names: str) -> bool:
    return not patterns or any(p in n for p in patterns for n in names)


def collect(options: RunOptions, kinds: tuple[str, ...] = KINDS) -> tuple[list[Item], dict]:
    """The items to run, in display order, and the areas that are absent (with why)."""
    from gradspec.behaviours.scenarios import all_scenarios, scenario_id
    from gradspec.ops.errors import ERRORS
    from gradspec.runner import ops as op_items

    items: list[Item] = []
    absent: dict[str, str] = {}
    pats = options.patterns

    def add(kind, key, area, sentence, behaviour, results):
        for d in options.devices:
            items.append(Item(kind, key, area, d, sentence, behaviour, tuple(results)))

    if "scenario" in kinds:
        for sc in all_scenarios():
            sid, b = scenario_id(sc), sc.behaviour
            if selected(pats, sid, b.area):
                add("scenario", sid, b.area, b.sentence, b.id, [sid])
    if "op" in kinds:
        table = op_items.load()
        if table.absent:
            absent[OPS_AREA] = table.absent
        else:
            for op in table.ops():
                oid = f"{OPS_AREA}.{op.name}"
                if selected(pats, oid, OPS_AREA):
                    subs = [f"{oid}/{c}" for c in table.subchecks(op.name)]
                    add("op", op.name, OPS_AREA, op.sentence, op.behaviour, subs)
    if "op-error" in kinds:
        for case in ERRORS:
            eid = f"{OPS_AREA}.errors.{case.id}"
            if selected(pats, eid, OP_ERRORS_AREA):
                add("op-error", case.id, OP_ERRORS_AREA, case.sentence, "ops.errors", [eid])
    if "example" in kinds:
        for s in example_specs():
            eid = f"{EXAMPLES_AREA}.{s.label}"
            if selected(pats, eid, EXAMPLES_AREA):
                subs = [f"{eid}/{c.name}" for c in example_checks(s)]
                add("example", s.label, EXAMPLES_AREA, f"gradspec check of {s.label}", "", subs)
    if "probe" in kinds:
        from gradspec.expectations import load

        for e in load():
            pid = probe_id(e.key)
            # by the area or a probe's own id (-k on an op's id is not for its probes)
            by_id = any(p.startswith(PROBES_AREA) and p in pid for p in pats)
            if by_id or selected(pats, PROBES_AREA):
                sentence = f"the probe of {e.id} ({e.span()}) differs exactly there: {e.reason}"
                # plain torch on the CPU: once per run, whatever the devices
                items.append(Item("probe", e.key, PROBES_AREA, options.devices[0], sentence,
                                  "expectations.probe", (pid,)))  # fmt: skip
    order = {a: i for i, a in enumerate(area_order())}
    items.sort(key=lambda it: order.get(it.area, len(order)))  # stable: keeps id order inside
    return items, absent
