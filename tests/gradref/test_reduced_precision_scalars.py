"""A float16 or bfloat16 tensor combined with a Python number rounds as torch's CPU kernels do:
``*`` and ``/`` take the number unrounded (at float32), ``+`` and ``-`` round it to the tensor's
dtype first. Compared with torch exactly, on values where the two readings differ."""

from __future__ import annotations

import gradref
import numpy as np
import pytest
import torch

VALUES = np.random.default_rng(7).uniform(-4.0, 4.0, 64)
SCALARS = (0.40054191757386437, 1.1, 2.4140625, 0.3)
OPS = {
    "mul": lambda t, k: t * k,
    "rmul": lambda t, k: k * t,
    "div": lambda t, k: t / k,
    "add": lambda t, k: t + k,
    "sub": lambda t, k: t - k,
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("op", ["mul", "rmul", "div", "add", "sub"])
@pytest.mark.parametrize("k", SCALARS)
def test_tensor_and_number_round_as_torch(dtype, op, k):
    fn = OPS[op]
    theirs = fn(torch.tensor(VALUES, dtype=getattr(torch, dtype)), k).float().numpy()
    ours = fn(gradref.tensor(VALUES, dtype=getattr(gradref, dtype)), k).float().numpy()
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_a_0dim_float64_tensor_is_read_unrounded_too(dtype):
    k = SCALARS[0]
    theirs = torch.tensor(VALUES, dtype=getattr(torch, dtype)) * torch.tensor(
        k, dtype=torch.float64
    )
    ours = gradref.tensor(VALUES, dtype=getattr(gradref, dtype)) * gradref.tensor(
        k, dtype=gradref.float64
    )
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())
