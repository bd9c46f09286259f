"""The probe items of ``gradspec run``: each expected difference's probe (plain torch, see
:mod:`gradspec.expectations.probes`) on the installed torch. A probe that agrees with its entry's
version range passes; one that shows no difference where the entry claims one (a stale or wrong
reason), or shows it outside the range, fails. The result's ``observed`` says what the probe saw,
so the matrix over every release shows where torch changed."""

from __future__ import annotations

from gradspec.runner.items import Item
from gradspec.runner.options import RunOptions
from gradspec.runner.results import Result

#: the behaviour id of every probe result
PROBE_BEHAVIOUR = "expectations.probe"


def run_probe_item(item: Item, options: RunOptions) -> list[Result]:
    import torch

    from gradspec.expectations import load
    from gradspec.expectations.probes import run_probe

    entry = next(e for e in load() if e.key == item.key)
    out = run_probe(entry, torch.__version__)
    if out.differs is None and not entry.probe:
        status = "skipped"
    else:
        status = "passed" if out.agrees else "failed"
    state = {True: "differs", False: "same", None: "error"}[out.differs]
    observed = f"{state}: {out.seen}" if out.seen else state
    return [
        Result(item.id, item.area, item.device, status, PROBE_BEHAVIOUR, item.sentence,
               out.explain(entry, torch.__version__), observed=observed,
               reason=entry.reason, expectation=f"{entry.span()}; {entry.file}")
    ]  # fmt: skip
