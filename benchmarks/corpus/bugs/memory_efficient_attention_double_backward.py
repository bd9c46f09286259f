"""memory-efficient-attention-pytorch 0.1.6: FlashAttentionFunction's backward is computed without
a graph (its saved tensors come from a no_grad forward) but is not marked @once_differentiable,
so torch.autograd.grad(..., create_graph=True) silently returns detached gradients and a second
derivative taken through it drops the attention's contribution. torch's docs (autograd.Function):
"Custom Functions that do not support double backward should decorate their backward() method
with @once_differentiable so that performing double backward raises an error."
"""

import sys

import torch
from memory_efficient_attention_pytorch.flash_attention import FlashAttentionFunction

torch.manual_seed(0)
q, k, v = (torch.randn(1, 3, 4, requires_grad=True) for _ in range(3))
out = FlashAttentionFunction.apply(q, k, v, None, False, 2, 2)
(gq,) = torch.autograd.grad(out.sum(), q, create_graph=True)
qr = q.detach().requires_grad_()
ref = torch.softmax(qr @ k.detach().transpose(-1, -2) / 2, -1) @ v.detach()
(gqr,) = torch.autograd.grad(ref.sum(), qr, create_graph=True)
print("first-order gradient agrees:", torch.allclose(gq, gqr, atol=1e-5))
print(
    "gradient w.r.t. q requires grad under create_graph=True:",
    gq.requires_grad,
    "(plain torch:",
    gqr.requires_grad,
    ")",
)
if not gq.requires_grad:
    print("BUG: double backward silently unsupported (not marked once_differentiable)")
    sys.exit(1)
print("ok")
