"""The example items of ``gradspec run``: each seed Function of ``gradspec.functions.seeds`` through
``gradspec.check``, one result per check."""

from __future__ import annotations

import json

from gradspec.runner.items import Item, example_checks, example_specs
from gradspec.runner.options import RunOptions
from gradspec.runner.results import Result


def run_example(item: Item, options: RunOptions) -> list[Result]:
    from gradspec.functions.checker import run as run_spec

    spec = next(s for s in example_specs() if s.label == item.key)
    report = run_spec(
        spec, devices=[item.device], max_examples=options.max_examples, progress=False
    )
    by_check: dict[str, list] = {}
    for o in report.outcomes:
        by_check.setdefault(o.check, []).append(o)
    failures = {f.check: f for f in report.failures}
    out = []
    for chk in example_checks(spec):
        name, behaviour, sentence = chk.name, chk.behaviour, chk.sentence
        rid = f"{item.id}/{name}"
        outcomes = by_check.get(name, [])
        bad = [o for o in outcomes if o.status in ("failed", "error")]
        if bad:
            msg = "; ".join(f"{o.dtype}: {o.status}: {o.detail}" for o in bad)
            f = failures.get(name)
            example = json.dumps(f.example, default=str) if f is not None else ""
            repro = f.reproducer if f is not None else ""
            if f is not None:
                behaviour, sentence = f.behaviour, f.sentence
            out.append(Result(rid, item.area, item.device, "failed", behaviour, sentence, msg,
                              example, repro))  # fmt: skip
        elif any(o.status == "passed" for o in outcomes):
            out.append(Result(rid, item.area, item.device, "passed", behaviour, sentence))
        else:
            why = "; ".join(sorted({o.detail or "not applicable" for o in outcomes}))
            out.append(Result(rid, item.area, item.device, "skipped", behaviour, sentence,
                              why or "not run"))  # fmt: skip
    return out
