"""megatron-core 0.16.1: GeLUFunction (bias_gelu_impl) returns ``tmp, tmp`` from backward: the
bias (shape (h,)) gets the full (n, h) gradient instead of its sum over the batch. torch's docs:
backward returns "the gradient w.r.t. the corresponding input"; the engine sums it down to
size today (validate_outputs), which hides it in loss.backward(), but the backward's own result
is the wrong gradient for the bias wherever it is used directly.
"""

import sys

import torch
from megatron.core.fusions.fused_bias_gelu import GeLUFunction

x = torch.randn(4, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
y = GeLUFunction.apply(x, b)
gx, gb = y.grad_fn.apply(torch.ones_like(y))
print("bias shape", tuple(b.shape), "gradient backward returned for the bias:", tuple(gb.shape))
if gb.shape != b.shape:
    print("BUG: GeLUFunction.backward returns an unreduced bias gradient")
    sys.exit(1)
print("ok")
