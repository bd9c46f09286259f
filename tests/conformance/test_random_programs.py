"""torch against gradref on random autograd programs (see ``gradspec.behaviours.programs``).

Each example is a whole program: leaves, ops, views, in-place ops under and outside no_grad,
hooks, retain_grad, backward and autograd.grad, in random order. Everything observed at the end,
errors included, must agree between torch and gradref; a difference on a torch other than the
one gradref mirrors is judged by the expected differences (result id ``programs.random``).
"""

from __future__ import annotations

import gradref
import torch
from hypothesis import given, settings

from gradspec.behaviours.observe import CompareOptions, compare, observe
from gradspec.behaviours.programs import programs, run_program
from gradspec.testing import expected_difference


@settings(max_examples=150)
@given(prog=programs())
def _programs_agree(prog):
    torch_obs = observe(run_program, torch, prog)
    gradref_obs = observe(run_program, gradref, prog)
    # values pass through chains of float32 ops: allow a few roundings' worth of difference
    diffs = compare(torch_obs, gradref_obs, CompareOptions(reduction_length=16))
    assert not diffs, (
        "program:\n  " + "\n  ".join(map(repr, prog)) + "\ndifferences:\n  " + "\n  ".join(diffs)
    )


def test_random_programs_agree():
    with expected_difference("programs.random"):
        _programs_agree()
