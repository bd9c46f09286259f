"""linear-operator 0.6.1: the double backward of ``inv_quad`` (the InvQuad Function, b^T A^-1 b)
is wrong. InvQuad.backward builds its gradients from ``inv_quad_solves`` (A^-1 b), which
forward computed and saved: a constant to autograd. With ``create_graph=True`` the first-order
gradients are right, but their dependence on A through A^-1 b is lost:

* silently, where the gradient reaches A's parameters another way too (here A = x x^T + 3 I,
  so the gradient of A's own backward still depends on x): the second derivative is wrong;
* with "element 0 of tensors does not require grad" where it reaches them only through InvQuad
  (the second derivative with respect to b).

The Function is not marked once_differentiable, so torch runs it and trusts it. Plain torch on
the same formula gives the right second derivatives.
"""

import sys

import torch
from linear_operator import inv_quad

torch.manual_seed(0)
x0 = torch.randn(3, 3, dtype=torch.float64)
b = torch.randn(3, 1, dtype=torch.float64)
v = torch.randn(3, 3, dtype=torch.float64)
eye = torch.eye(3, dtype=torch.float64)


def second(f):
    x = x0.clone().requires_grad_()
    (g,) = torch.autograd.grad(f(x @ x.mT + 3 * eye), x, create_graph=True)
    (h,) = torch.autograd.grad((g * v).sum(), x)
    return g, h


g, h = second(lambda a: inv_quad(a, b))
gr, hr = second(lambda a: (b * torch.linalg.solve(a, b)).sum())
print("first order, max difference to plain torch:", (g - gr).abs().max().item())
print("second order, max difference to plain torch:", (h - hr).abs().max().item())
bugs = []
if not torch.allclose(g, gr):
    bugs.append("first-order gradient of inv_quad is wrong")
if not torch.allclose(h, hr):
    bugs.append("double backward of inv_quad is wrong (the saved A^-1 b is a constant)")
bb = b.clone().requires_grad_()
(gb,) = torch.autograd.grad(inv_quad(x0 @ x0.mT + 3 * eye, bb), bb, create_graph=True)
if not gb.requires_grad:
    bugs.append("with create_graph=True the gradient of b does not require grad")
for msg in bugs:
    print("BUG:", msg)
sys.exit(1 if bugs else 0)
