"""Each op saves the same tensors for backward as torch does, under the same names.

What a node saves decides when the version counter raises ("one of the variables needed for
gradient computation has been modified by an inplace operation") and what ``grad_fn._saved_*``
shows, so gradref mirrors it op by op. Ops whose torch node is an implementation detail of a
composite (einsum's contraction path, batched matmul's folding, convolution's and the NLL
family's fused kernels, layer_norm's statistics) are listed with the reason instead.
"""

from __future__ import annotations

import gradref
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradspec.ops.compare import Run, examples, saved_tensor_names
from gradspec.ops.table import OPS

#: ops whose saved tensors are not compared, and why
NOT_COMPARED = {
    "einsum": "torch's node depends on the contraction path it picks",
    "matmul.batched": "torch folds batch dims into views around bmm; the top node saves nothing",
    "nn.functional.conv": "torch's ConvolutionBackward0 saves input and weight; gradref saves "
    "only what each gradient needs",
    "nn.functional.cross_entropy": "torch's fused NLL kernel saves total_weight and friends",
    "nn.functional.nll_loss": "torch's fused NLL kernel saves total_weight and friends",
    "nn.functional.layer_norm": "torch saves its mean and rstd (result1, result2)",
    "nn.functional.logsigmoid": "torch saves a buffer of exp(-|x|)",
}


def _reason(name: str) -> str | None:
    return next((why for prefix, why in NOT_COMPARED.items() if name.startswith(prefix)), None)


COMPARED = sorted(n for n in OPS if _reason(n) is None)


def test_the_exceptions_are_few():
    assert len(COMPARED) >= 0.85 * len(OPS)


@pytest.mark.parametrize("name", COMPARED)
@settings(max_examples=3)
@given(data=st.data())
def test_saved_tensors_match_torch(name, data):
    info = OPS[name]
    ex = data.draw(examples(info), label="example")
    theirs = Run(torch, info, ex)
    ours = Run(gradref, info, ex)
    if not theirs.diff:
        return
    node = theirs.diff[0].grad_fn
    assert saved_tensor_names(ours.diff[0].grad_fn) == saved_tensor_names(node), (
        f"{name}: gradref's {ours.diff[0].grad_fn.name()} saves "
        f"{saved_tensor_names(ours.diff[0].grad_fn)}, torch's {node.name()} saves "
        f"{saved_tensor_names(node)}\n{ex.describe()}"
    )
