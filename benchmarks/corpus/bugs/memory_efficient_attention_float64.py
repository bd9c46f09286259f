"""memory-efficient-attention-pytorch 0.1.6: FlashAttentionFunction cannot run in float64: it fills
its running row maxima, allocated in the default dtype (float32), with ``-torch.finfo(q.dtype).max``
of the inputs' dtype, which overflows float32:

    RuntimeError: value cannot be converted to type float without overflow

(the running row sums are float32 too, so even with the fill fixed float64 attention would be
accumulated in float32).
"""

import sys

import torch
from memory_efficient_attention_pytorch.flash_attention import FlashAttentionFunction

q, k, v = (torch.randn(1, 3, 4, dtype=torch.float64) for _ in range(3))
try:
    out = FlashAttentionFunction.apply(q, k, v, None, False, 2, 2)
except RuntimeError as e:
    print("BUG: float64 inputs raise:", e)
    sys.exit(1)
ref = torch.softmax(q @ k.transpose(-1, -2) / 2, -1) @ v
if not torch.allclose(out, ref, rtol=1e-12, atol=1e-12):
    print("BUG: float64 attention is not accurate to float64:", (out - ref).abs().max().item())
    sys.exit(1)
print("ok")
