"""gradref's forward mode against torch's where its cheaper paths could go wrong: an elementwise
op's tangent is its backward formula applied to the input's tangent (torch's
``auto_element_wise``), on special values too; a derived tangent that passes through the VJPs
unchanged is a tensor of its own, so a view of the output maps it (the output of a clone of an
expanded dual, flattened)."""

from __future__ import annotations

import gradref
import numpy as np
import pytest
import torch

#: elementwise ops whose tangent is their VJP applied to the input's tangent, with the input
#: values they are compared on (inside the domain, on its edges, and outside it)
SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, 1e-300, 1e300, np.inf, -np.inf, np.nan]
TANGENTS = [1.0, -2.0, 0.0, np.inf, 3.0, -0.0, np.nan, 1e300, 0.5, -1.0, 2.0, 1.0]
ELEMENTWISE = [
    "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "neg", "sinh", "cosh",
    "log1p", "log2", "log10", "floor", "ceil", "trunc", "frac", "round", "sign", "sinc",
    "deg2rad", "rad2deg", "exp2",
]  # fmt: skip


def _jvp(T, name: str, values, tangents, requires_grad: bool = False):
    fwad = T.autograd.forward_ad
    x = T.tensor(values, dtype=T.float64, requires_grad=requires_grad)
    t = T.tensor(tangents, dtype=T.float64)
    with fwad.dual_level():
        out = getattr(T, name)(fwad.make_dual(x, t))
        tangent = fwad.unpack_dual(out).tangent
    if tangent is None:
        return np.zeros(len(values))
    if hasattr(tangent, "_is_zerotensor") and tangent._is_zerotensor():
        return np.zeros(len(values))
    return np.array(tangent.detach().tolist(), dtype=np.float64)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_an_elementwise_tangent_is_torchs_on_special_values(name):
    ours = _jvp(gradref, name, SPECIAL, TANGENTS)
    theirs = _jvp(torch, name, SPECIAL, TANGENTS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)
    np.testing.assert_array_equal(np.signbit(ours[ours == 0]), np.signbit(theirs[ours == 0]))


@pytest.mark.parametrize("requires_grad", [False, True])
def test_a_view_of_a_clone_of_an_expanded_dual_maps_the_tangent(requires_grad):
    def run(T):
        fwad = T.autograd.forward_ad
        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=requires_grad)
        t = T.tensor([3.0, -4.0], dtype=T.float64)
        with fwad.dual_level():
            big = fwad.make_dual(x, t).unsqueeze(1).expand(2, 3).clone()
            return [fwad.unpack_dual(y).tangent.tolist() for y in (big.flatten(), big.t())]

    assert run(gradref) == run(torch) == [[3.0] * 3 + [-4.0] * 3, [[3.0, -4.0]] * 3]


def test_repeat_interleave_of_a_dual_that_requires_grad():
    def run(T):
        fwad = T.autograd.forward_ad
        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        with fwad.dual_level():
            y = T.repeat_interleave(fwad.make_dual(x, T.tensor([0.5, 7.0], dtype=T.float64)), 2)
            return fwad.unpack_dual(y).tangent.tolist()

    assert run(gradref) == run(torch) == [0.5, 0.5, 7.0, 7.0]
