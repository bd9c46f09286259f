"""pytorch-wavelets 1.3.0: SFB1D (the synthesis filter bank behind DWT1DInverse) computes both the
lowpass and the highpass gradient only when ``ctx.needs_input_grad[0]`` (the lowpass) is True.
When only the highpass coefficients require grad, backward returns None for them: their
gradient is silently zero (torch treats a None gradient as zero), so the highpass input of an
inverse DWT is never trained unless the lowpass also requires grad.
"""

import sys

import torch
from pytorch_wavelets import DWT1DInverse

inv = DWT1DInverse(wave="db1", mode="zero")
lo = torch.randn(1, 1, 4)
hi = torch.randn(1, 1, 4, requires_grad=True)
y = inv((lo, [hi]))
w = torch.randn_like(y)
(y * w).sum().backward()
# the Haar synthesis is linear: the highpass gradient is (w[2k] - w[2k+1]) / sqrt(2)
expected = (w[..., 0::2] - w[..., 1::2]) / 2**0.5
print("highpass gradient:", None if hi.grad is None else hi.grad.flatten().tolist())
print("expected:", expected.flatten().tolist())
if hi.grad is None or not torch.allclose(hi.grad, expected, atol=1e-6):
    print("BUG: SFB1D gives no gradient to the highpass when the lowpass does not require grad")
    sys.exit(1)
print("ok")
