"""Every op in the table against torch: forward values, dtype and grad_fn name; first-order
gradients (VJP with a random cotangent); second-order gradients where double backward is claimed.

Parametrized by op name and device, so a failure names the op, the device, the dtype and the
shrunk example, and says which of forward / VJP / double backward differs.
"""

from __future__ import annotations

import gradref
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradspec.ops.compare import Run, assert_close, double_backward_dtypes, examples
from gradspec.ops.table import OPS

DEVICES = [
    "cpu",
    pytest.param(
        "cuda",
        marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available"),
    ),
]

#: examples per op: a third of the profile's (the table has ~200 entries)
EXAMPLES = max(3, settings.default.max_examples // 3)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(OPS))
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_forward_and_vjp_match_torch(name, device, data):
    info = OPS[name]
    ex = data.draw(examples(info), label="example")
    ours, theirs = Run(gradref, info, ex, device), Run(torch, info, ex, device)

    assert len(ours.outputs) == len(theirs.outputs), f"{name}: number of outputs differs"
    for k, (a, b) in enumerate(zip(ours.outputs, theirs.outputs)):
        assert_close(
            gradref, a, torch, b, dtype=ex.dtype, what=f"forward output {k}", info=info, ex=ex
        )
        assert a.requires_grad == b.requires_grad, f"{name}: output {k} requires_grad differs"
        if info.check_node and b.grad_fn is not None:
            if info.node is not None and k == 0:
                assert b.grad_fn.name() == info.node, (
                    f"{name}: the table says {info.node}, torch says {b.grad_fn.name()}"
                )
            assert a.grad_fn is not None and a.grad_fn.name() == b.grad_fn.name(), (
                f"{name} forward output {k}: grad_fn {a.grad_fn and a.grad_fn.name()}, "
                f"torch's {b.grad_fn.name()}"
            )

    _, g_ours = ours.vjp()
    _, g_theirs = theirs.vjp()
    for i, (a, b) in enumerate(zip(g_ours, g_theirs)):
        assert_close(
            gradref, a, torch, b, dtype=ex.dtype, what=f"VJP of input {i}", info=info, ex=ex
        )


DOUBLE = sorted(n for n, o in OPS.items() if o.double_backward)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", DOUBLE)
@settings(max_examples=max(2, EXAMPLES // 2))
@given(data=st.data())
def test_double_backward_matches_torch(name, device, data):
    info = OPS[name]
    ex = data.draw(examples(info, dtypes=double_backward_dtypes(info)), label="example")
    ours = Run(gradref, info, ex, device).double_backward()
    theirs = Run(torch, info, ex, device).double_backward()
    assert (ours is None) == (theirs is None), (
        f"{name} double backward: first-order gradients require grad in "
        f"{'torch only' if ours is None else 'gradref only'}\n{ex.describe()}"
    )
    if ours is None:
        return
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_close(
            gradref,
            a,
            torch,
            b,
            dtype=ex.dtype,
            what=f"double backward, gradient {i}",
            info=info,
            ex=ex,
            steps=16,
        )
