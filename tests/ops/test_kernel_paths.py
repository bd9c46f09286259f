"""Special values where torch's VJP depends on its kernel path (gradspec.ops.kernel_paths): the
special-values check leaves exactly those points out, and passes where a thorough run met them."""

import numpy as np
import pytest
import torch

from gradspec.ops import compare as C
from gradspec.ops.kernel_paths import VJP_BY_KERNEL_PATH, kernel_path_points
from gradspec.runner.ops import load


def _torch_vjp_at(name, value, n):
    eps = 0.2 if name == "logit.eps" else None
    x = torch.full((n,), 0.5, dtype=torch.float64)
    x[0] = value
    x.requires_grad_()
    (g,) = torch.autograd.grad(torch.logit(x, eps), x, torch.ones(n, dtype=torch.float64))
    return g[0].item()


def test_only_the_listed_points_are_left_out():
    x = np.array([-0.0, 0.0, np.nan, 0.5, 1.0, -np.inf])
    assert kernel_path_points("logit", x).tolist() == [True, False, False, False, False, False]
    assert kernel_path_points("logit.eps", x).tolist() == [False, False, True] + [False] * 3
    assert kernel_path_points("logit", np.array([0.0, 0.5])) is None
    assert kernel_path_points("sin", x) is None


@pytest.mark.parametrize("name,value", [("logit", -0.0), ("logit.eps", float("nan"))])
def test_the_listed_points_are_where_torch_has_one_answer_per_path(name, value):
    # a tensor of 3 elements runs torch's scalar loop; one of 64, its vectorized loop where the
    # CPU has one (else the scalar loop again, and the two agree)
    short, long = _torch_vjp_at(name, value, 3), _torch_vjp_at(name, value, 64)
    assert name in VJP_BY_KERNEL_PATH
    if not (short == long or (np.isnan(short) and np.isnan(long))):
        assert {str(short), str(long)} in ({"inf", "-inf"}, {"nan", "0.0"})


@pytest.mark.parametrize("name", ["logit", "logit.eps"])
def test_the_special_check_passes_where_a_thorough_run_failed(name):
    info = load().table[name]
    ex = C.Example(dtype="float64", shapes=((4, 4),), layouts=("contiguous",),
                   requires_grad=(True,), seed=0)  # fmt: skip
    sp = C.special_example(ex)
    assert kernel_path_points(name, C.example_values(info, sp)[0]) is not None
    assert C.check_example(info, ex, "cpu", ("special",))
