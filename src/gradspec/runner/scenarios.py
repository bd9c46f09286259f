"""The scenario items of ``gradspec run``: one behaviour scenario (:mod:`gradspec.behaviours`)
run on torch and on gradref with the same drawn data; torch's observation is also checked
against the catalogue's message. The first line of every error and warning torch gives is kept
(``observed``), so the matrix shows a message torch rewords even where the scenario compares only
its prefix. A difference is shrunk and reported with a reproducer."""

from __future__ import annotations

from gradspec.runner.items import Item
from gradspec.runner.literals import py_literal
from gradspec.runner.options import RunOptions
from gradspec.runner.results import Result
from gradspec.runner.search import Mismatch, first_line, hypothesis_settings, search


def describe_example(example: dict) -> str:
    if not example:
        return "(no drawn values)"
    return "\n".join(f"{k} = {py_literal(v)}" for k, v in example.items())


def reproducer(sc, sid: str, example: dict, device: str) -> str:
    """A standalone script that re-runs one scenario on one example and shows the difference."""
    b = sc.behaviour
    ex = "{" + ", ".join(f"{k!r}: {py_literal(v)}" for k, v in example.items()) + "}"
    ctx = "" if device == "cpu" else f"with torch.device({device!r}):\n    "
    return "\n".join(
        [
            f"# gradspec reproducer for {sid} on {device}",
            f"# {b.sentence}",
            f"# scenario {sc.module}.{sc.name}",
            "import numpy as np",
            "import torch",
            "",
            "import gradref",
            "from gradspec.behaviours.observe import compare",
            "from gradspec.behaviours.scenarios import all_scenarios",
            "",
            f"sc = next(s for s in all_scenarios() if (s.behaviour_id, s.name) == "
            f"({sc.behaviour_id!r}, {sc.name!r}))",
            f"example = {ex}",
            ctx + "torch_obs = sc.run(torch, example)",
            "gradref_obs = sc.run(gradref, example)",
            "print('torch:  ', torch_obs.describe())",
            "print('gradref:', gradref_obs.describe())",
            "problems = sc.check_torch(torch_obs) + compare(torch_obs, gradref_obs, "
            "sc.compare_options())",
            "assert not problems, '\\n'.join(problems)",
            "",
        ]
    )


def torch_messages(obs) -> list[str]:
    """The first line of what torch raised and warned in one observation (``Type: message``):
    its exception, its warnings, and the exceptions a scenario caught into its result; the
    matrix follows them from release to release."""
    from collections.abc import Mapping

    from gradspec.behaviours.observe import Raised

    out = [repr(obs.error)] if obs.error is not None else []
    out += [repr(w) for w in obs.warnings]

    def walk(v) -> None:
        if isinstance(v, Raised):
            out.append(repr(v))
        elif isinstance(v, Mapping):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(obs.result)
    return out


def _on(device: str):
    """Make torch's factories create tensors on ``device`` (scenarios build with T.tensor)."""
    import contextlib

    import torch

    return contextlib.nullcontext() if device == "cpu" else torch.device(device)


def run_scenario(item: Item, options: RunOptions) -> list[Result]:
    import gradref
    import torch

    from gradspec.behaviours.observe import compare
    from gradspec.behaviours.scenarios import all_scenarios, scenario_id

    sc = next(s for s in all_scenarios() if scenario_id(s) == item.key)
    b = sc.behaviour

    seen: list[str] = []  # torch's messages on the first example, then on the failing one

    def result(status: str, message: str = "", example: str = "", repro: str = "") -> Result:
        return Result(item.id, item.area, item.device, status, b.id, b.sentence, message,
                      example, repro, observed="\n".join(seen))  # fmt: skip

    reason = sc.skip_reason(torch.__version__)
    if reason:
        return [result("skipped", reason)]

    def check(example):
        with _on(item.device):
            torch_obs = sc.run(torch, example)
        if not seen:
            seen.extend(torch_messages(torch_obs))
        gradref_obs = sc.run(gradref, example)
        problems = sc.check_torch(torch_obs)
        problems += compare(torch_obs, gradref_obs, sc.compare_options())
        if problems:
            pad = "\n" + " " * 18
            details = (
                "torch observed:   " + torch_obs.describe().replace("\n", pad)
                + "\ngradref observed: " + gradref_obs.describe().replace("\n", pad)
            )  # fmt: skip
            raise Mismatch("", "\n".join(problems), dict(example), details)

    try:
        m = search(sc.strategy(), check, hypothesis_settings(options, sc.max_examples),
                   key=describe_example)  # fmt: skip
    except Exception as e:  # Hypothesis could not run it (e.g. Flaky): still a failure
        return [result("failed", f"{type(e).__name__}: {first_line(e)}")]
    if m is None:
        return [result("passed")]
    try:
        with _on(item.device):
            seen[:] = torch_messages(sc.run(torch, m.example))
    except Exception:  # noqa: BLE001 - the messages are a note; the failure is reported anyway
        pass
    return [
        result("failed", m.message + "\n" + m.details, describe_example(m.example),
               reproducer(sc, item.id, m.example, item.device))
    ]  # fmt: skip
