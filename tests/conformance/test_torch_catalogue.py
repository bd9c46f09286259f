"""The installed torch against the catalogue: each scenario raises what its behaviour says.

These tests run torch only. They check that a scenario expected to raise does raise that exception
type, that one not expected to raise does not, and that torch's message is the one the catalogue
quotes (exactly, or by prefix where the catalogue says so).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings

from gradspec.behaviours.scenarios import all_scenarios, scenario_id

SCENARIOS = all_scenarios()


@pytest.mark.parametrize("sc", SCENARIOS, ids=[scenario_id(s) for s in SCENARIOS])
def test_torch_behaves_as_catalogued(sc):
    reason = sc.skip_reason(torch.__version__)
    if reason:
        pytest.skip(reason)

    @given(example=sc.strategy())
    def check(example):
        obs = sc.run(torch, example)
        problems = sc.check_torch(obs)
        assert not problems, (
            f"behaviour {sc.behaviour_id}: {sc.behaviour.sentence}\n  example: {example!r}\n  "
            + "\n  ".join(problems)
        )

    if sc.max_examples is not None:
        check = settings(max_examples=sc.max_examples)(check)
    check()
