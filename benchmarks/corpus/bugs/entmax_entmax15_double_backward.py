"""entmax 1.3: the double backward of entmax15 (and entmax_bisect) is NaN wherever the output has
a zero, though the Function does not declare itself once-differentiable.

Entmax15Function.backward is written with differentiable torch ops and takes ``Y.sqrt()``; at
Y = 0 the derivative of sqrt is infinite and the second-order gradient becomes NaN (inf * 0).
The true second derivative there is finite (sqrt(Y) = max(X/2 - tau, 0) is piecewise linear),
as central differences of the first-order gradient show.
"""

import sys

import torch
from entmax import entmax15

torch.manual_seed(0)
x = torch.tensor([[0.1, 1.5, -2.0, 0.7]], dtype=torch.float64, requires_grad=True)
w = torch.tensor([[0.3, -1.0, 0.5, 2.0]], dtype=torch.float64)
v = torch.tensor([[1.0, 0.2, -0.7, 0.4]], dtype=torch.float64)


def first_grad(z, create_graph):
    (g,) = torch.autograd.grad((entmax15(z, dim=-1) * w).sum(), z, create_graph=create_graph)
    return g


y = entmax15(x, dim=-1)
assert (y == 0).any(), "the example needs an output with a zero"
g = first_grad(x, True)
(h,) = torch.autograd.grad((g * v).sum(), x)
eps = 1e-6
fd = torch.stack(
    [
        ((first_grad((x + eps * e).detach().requires_grad_(), False) * v).sum()
         - (first_grad((x - eps * e).detach().requires_grad_(), False) * v).sum()) / (2 * eps)
        for e in torch.eye(4, dtype=torch.float64).unsqueeze(1)
    ]
).reshape(1, 4)  # fmt: skip
print("output:", y.detach().tolist())
print("double backward:", h.tolist())
print("central differences of the first-order gradient:", fd.tolist())
if not torch.isfinite(h).all() or not torch.allclose(h, fd, atol=1e-5):
    print("BUG: entmax15 double backward is wrong (NaN where the output is 0)")
    sys.exit(1)
print("ok")
