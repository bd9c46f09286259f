"""fairscale 0.4.13: a deep copy of a module wrapped with ``checkpoint_wrapper`` still runs the
ORIGINAL module: the wrapper replaces ``module.forward`` with a partial holding a weak reference
to the module it wrapped, and ``copy.deepcopy`` keeps that reference. So the copy's parameters
are never used (an EMA/teacher model made with deepcopy, as timm's ModelEmaV2 makes one,
silently computes with the student's weights), which shows as a dtype error here after
``.double()`` on the copy only.
"""

import copy
import sys

import torch
from fairscale.nn.checkpoint import checkpoint_wrapper

torch.manual_seed(0)
wrapped = checkpoint_wrapper(torch.nn.Linear(3, 2))
twin = copy.deepcopy(wrapped)
with torch.no_grad():
    for p in twin.parameters():
        p.zero_()  # the copy's parameters: the copy's output must be 0
x = torch.randn(4, 3)
out = twin(x)
print("copy's output (its parameters are all zero):", out.detach().flatten().tolist()[:4], "...")
if not torch.equal(out, torch.zeros_like(out)):
    print("BUG: the deep copy of a checkpoint_wrapper module runs the original module")
    sys.exit(1)
print("ok")
