"""torch against gradref, one test per behaviour scenario.

Each test draws examples with Hypothesis, runs the scenario on torch and on gradref with the same
drawn data, and compares the two observations. A failure names the behaviour id and sentence, the
drawn example and every difference.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings

from gradspec.behaviours.observe import compare
from gradspec.behaviours.scenarios import all_scenarios, scenario_id

SCENARIOS = all_scenarios()


def _format_example(example: dict) -> str:
    return "\n".join(f"    {k} = {v!r}" for k, v in example.items()) or "    (no drawn values)"


def failure_message(sc, example, torch_obs, gradref_obs, diffs) -> str:
    b = sc.behaviour
    return "\n".join(
        [
            f"behaviour {b.id}: {b.sentence}",
            f"  source: {b.source}",
            f"  scenario: {sc.module}.{sc.name}",
            "  drawn example:",
            _format_example(example),
            "  differences:",
            *(f"    {d}" for d in diffs),
            "  torch observed:",
            "    " + torch_obs.describe().replace("\n", "\n    "),
            "  gradref observed:",
            "    " + gradref_obs.describe().replace("\n", "\n    "),
        ]
    )


@pytest.mark.parametrize("sc", SCENARIOS, ids=[scenario_id(s) for s in SCENARIOS])
def test_behaviour(sc):
    reason = sc.skip_reason(torch.__version__)
    if reason:
        pytest.skip(reason)
    import gradref

    @given(example=sc.strategy())
    def check(example):
        torch_obs = sc.run(torch, example)
        gradref_obs = sc.run(gradref, example)
        diffs = compare(torch_obs, gradref_obs, sc.compare_options())
        if diffs:
            raise AssertionError(failure_message(sc, example, torch_obs, gradref_obs, diffs))

    if sc.max_examples is not None:
        check = settings(max_examples=sc.max_examples)(check)
    check()
