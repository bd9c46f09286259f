"""gpytorch 1.15.2: log_normal_cdf (LogNormalCDF) is off by up to ~1e-4 (relative) in its value and
gradient just below z = -1 in float64 (and float32), where its asymptotic branch for z < -1
takes over; torch.special.log_ndtr (the same function) is accurate to rounding there. gpytorch
documents it as the numerically stable way to compute log Phi(z), with no approximation noted.
Also: its backward reads ``ctx.numerator`` / ``ctx.denominator`` computed in forward (constants
to autograd), so a double backward through it silently gives 0 where the second derivative is
not (it is not marked once_differentiable).
"""

import sys

import torch
from gpytorch.functions import log_normal_cdf

z = torch.linspace(-2.5, -1.0001, 300, dtype=torch.float64, requires_grad=True)
y = log_normal_cdf(z)
(g,) = torch.autograd.grad(y.sum(), z, create_graph=True)
(h,) = torch.autograd.grad(g.sum(), z)
zr = z.detach().requires_grad_()
yr = torch.special.log_ndtr(zr)
(gr,) = torch.autograd.grad(yr.sum(), zr, create_graph=True)
(hr,) = torch.autograd.grad(gr.sum(), zr)
fwd = ((y - yr).abs() / yr.abs()).max().item()
grad = ((g - gr).abs() / gr.abs()).max().item()
print(f"max relative error on [-2.5, -1): value {fwd:.2e}, gradient {grad:.2e}")
z0, h0, hr0 = z[0].item(), h[0].item(), hr[0].item()
print(f"second derivative at z={z0:.2f}: got {h0:.4g}, log_ndtr's {hr0:.4g}")
bugs = []
if fwd > 1e-8 or grad > 1e-8:
    bugs.append("log_normal_cdf is inaccurate below z = -1 in float64")
if not torch.allclose(h, hr, rtol=1e-3, atol=1e-6):
    bugs.append("log_normal_cdf's double backward is wrong (0 on its z < -1 branch)")
for b in bugs:
    print("BUG:", b)
sys.exit(1 if bugs else 0)
