"""deepspeed 0.19.8: LinearFunctionForZeroStage3.backward raises for an input with more than two
dimensions when the layer has no output features (weight of shape (0, in)):
``grad_output.reshape(-1, grad_output.shape[-1])`` cannot infer -1 for 0 elements. torch's own
F.linear (and nn.Linear(in, 0)) computes the same forward and its backward without error (an
empty weight gradient of shape (0, in)); the 2-d path of the same Function works.
"""

import sys

import torch
from deepspeed.runtime.zero.linear import LinearFunctionForZeroStage3

x = torch.randn(2, 3, 4, requires_grad=True)
w = torch.randn(0, 4, requires_grad=True)
b = torch.randn(0, requires_grad=True)
torch.nn.functional.linear(x, w, b).sum().backward()  # plain torch: fine
x.grad = w.grad = b.grad = None
try:
    LinearFunctionForZeroStage3.apply(x, w, b).sum().backward()
except RuntimeError as e:
    print("BUG: backward raises where F.linear does not:", e)
    sys.exit(1)
print("ok; weight grad", tuple(w.grad.shape))
