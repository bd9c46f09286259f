"""brevitas 0.13.4: TensorClampSteFn.backward returns the output's gradient unchanged for ``x``,
so where x broadcasts against min_val / max_val (the docs: "x, min_val, max_val need to be
broadcastable") the gradient it returns has the broadcast output's shape, not x's. torch's
docs: backward returns "the gradient w.r.t. the corresponding input"; the engine happens to sum
such a gradient down to size today (validate_outputs), but anything that calls the backward
directly (grad_fn.apply, tools built on it) gets a gradient of the wrong shape.
"""

import sys

import torch
from brevitas.ops.autograd_ste_ops import TensorClampSteFn

x = torch.randn(3, requires_grad=True)
lo = torch.full((2, 3), -0.5)
hi = torch.full((2, 3), 0.5)
y = TensorClampSteFn.apply(x, lo, hi)
(gx, _, _) = y.grad_fn.apply(torch.ones_like(y))
print("x shape", tuple(x.shape), "gradient backward returned for x:", tuple(gx.shape))
if gx.shape != x.shape:
    print("BUG: TensorClampSteFn.backward returns a gradient of the output's shape for x")
    sys.exit(1)
print("ok")
