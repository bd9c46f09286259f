"""snntorch 1.0.0: ``surrogate.Heaviside``'s backward is ``grad_output * out`` with ``out`` the
Function's own saved output (the spikes), and backward is not ``@once_differentiable``. Its
docstring gives the backward as dS/dU = 1 where U >= threshold, else 0: a step, whose derivative
is 0 almost everywhere. With ``create_graph=True`` autograd differentiates ``grad_output * out``
through ``out``'s own grad_fn (Heaviside's surrogate again), so double backward silently gives
``grad_output * v * out`` where the documented backward's derivative is 0. torch's docs: a
backward that does not support double backward should be marked @once_differentiable so that
performing it raises. Exits 1 while the bug is there, 0 once fixed (0 or an error).
"""

import sys

import torch
from snntorch import surrogate

x = torch.tensor([-0.5, 0.3, 1.2], dtype=torch.float32, requires_grad=True)
g = torch.tensor([0.7, -1.1, 0.4])
v = torch.tensor([1.3, 0.9, -0.6])
y = surrogate.Heaviside.apply(x)
try:
    (gx,) = torch.autograd.grad(y, x, g, create_graph=True)
    (second,) = torch.autograd.grad(gx, x, v, allow_unused=True)
except RuntimeError as e:  # refused loudly: fine
    print("double backward raised:", e)
    sys.exit(0)
second = torch.zeros_like(x) if second is None else second
print("first-order gradient:", gx.tolist(), "(documented: g where x > 0, else 0)")
print("second-order gradient:", second.tolist(), "(derivative of the documented backward: 0)")
sys.exit(1 if second.abs().max().item() > 0 else 0)
