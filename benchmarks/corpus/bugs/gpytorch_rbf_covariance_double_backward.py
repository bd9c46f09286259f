"""gpytorch 1.15.2: RBFCovariance.backward returns ``grad_output * d_output_d_input`` where
``d_output_d_input`` was computed in forward and saved (a constant to autograd), so a double
backward with respect to the length scale drops the kernel's second derivative: silently
where the loss reaches the length scale another way too (a prior on it, here), and with
"element 0 of tensors does not require grad" where it does not. The Function is not marked
once_differentiable, so torch runs it and trusts it. Also the
length-scale gradient it returns has the kernel matrix's shape (n, m), not the length scale's
(1, 1); torch's engine sums it down to size today.
"""

import sys

import torch
from gpytorch.functions import RBFCovariance


def sq_dist(a, b):
    return ((a.unsqueeze(-2) - b.unsqueeze(-3)) ** 2).sum(-1)


torch.manual_seed(0)
x1, x2 = torch.randn(3, 2, dtype=torch.float64), torch.randn(4, 2, dtype=torch.float64)
ls = torch.tensor([[0.7]], dtype=torch.float64, requires_grad=True)
k = RBFCovariance.apply(x1, x2, ls, sq_dist)
(g,) = torch.autograd.grad(k.sum() + (ls**2).sum(), ls, create_graph=True)
h = torch.autograd.grad(g.sum(), ls, allow_unused=True)[0]
ls2 = ls.detach().requires_grad_()
kr = torch.exp(-sq_dist(x1 / ls2, x2 / ls2) / 2)
(gr,) = torch.autograd.grad(kr.sum() + (ls2**2).sum(), ls2, create_graph=True)
(hr,) = torch.autograd.grad(gr.sum(), ls2)
(_, _, gl, _) = k.grad_fn.apply(torch.ones_like(k))
print("first order:", g.item(), "plain torch:", gr.item())
print("second order:", None if h is None else h.item(), "plain torch:", hr.item())
print(
    "length-scale gradient shape backward returns:",
    tuple(gl.shape),
    "length scale:",
    tuple(ls.shape),
)
bugs = []
if h is None or not torch.allclose(h, hr):
    bugs.append("double backward w.r.t. the length scale is wrong")
if gl.shape != ls.shape:
    bugs.append("backward returns the length-scale gradient unreduced")
for b in bugs:
    print("BUG:", b)
sys.exit(1 if bugs else 0)
