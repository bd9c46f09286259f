"""snntorch 1.0.0: surrogate.LeakySpikeOperator.backward returns one gradient for its two forward
inputs (input_, slope), so every backward through it raises

    RuntimeError: function LeakySpikeOperatorBackward returned an incorrect number of gradients
    (expected 2, got 1)

(torch's docs: backward "should return as many tensors as there were inputs"). Its wrapper
``surrogate.LSO()`` calls StochasticSpikeOperator.apply(x, slope) with two arguments where that
Function takes three, so the documented entry point raises too.
"""

import sys

import torch
from snntorch import surrogate

x = torch.randn(5, requires_grad=True)
bugs = []
try:
    surrogate.LeakySpikeOperator.apply(x, 0.1).sum().backward()
except RuntimeError as e:
    bugs.append(f"LeakySpikeOperator backward: {e}")
try:
    surrogate.LSO(slope=0.1)(x).sum().backward()
except TypeError as e:
    bugs.append(f"surrogate.LSO(): {e}")
for b in bugs:
    print("BUG:", b)
sys.exit(1 if bugs else 0)
