"""liger-kernel's LigerFusedLinearCrossEntropyFunction (and LigerCrossEntropyFunction) give a wrong
gradient on a second backward through a retained graph whenever grad_output is not 1 (a loss
scaled by a GradScaler or a loss weight): the second backward returns grad_output**2 times the
gradient. Exits 1 while the bug is there, 0 once fixed.

Why: forward computes the gradient and saves it; backward multiplies the saved gradient by
grad_output in place (element_mul_kernel) and returns it, so the saved gradient is already scaled
when backward runs again (torch's retain_graph=True allows backward to run several times). The
tensor returned by the first backward is the saved one too, so it changes under the caller.

Runs on a GPU, or on CPU under Triton's interpreter (TRITON_INTERPRET=1 set here; gradspec's
interpreter layer is applied when gradspec is importable).

    python benchmarks/kernel_corpus/bugs/liger_flce_second_backward.py
"""

import os
import sys

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
    try:
        from gradspec import triton_interpreter

        triton_interpreter.apply()
    except ImportError:
        pass

from liger_kernel.ops.fused_linear_cross_entropy import (  # noqa: E402
    LigerFusedLinearCrossEntropyFunction,
)

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
x = torch.randn(4, 8, device=device, requires_grad=True)
w = torch.randn(5, 8, device=device, requires_grad=True)
target = torch.tensor([0, 3, 1, 4], device=device)
scale = torch.tensor(0.5, device=device)  # e.g. a loss weight

want = torch.autograd.grad(torch.nn.functional.cross_entropy(x @ w.t(), target), [x, w], scale)

loss = LigerFusedLinearCrossEntropyFunction.apply(x, w, target)[0]
first = [g.clone() for g in torch.autograd.grad(loss, [x, w], scale, retain_graph=True)]
second = torch.autograd.grad(loss, [x, w], scale)

err_first = max((g - r).abs().max().item() for g, r in zip(first, want))
err_second = max((g - r).abs().max().item() for g, r in zip(second, want))
print(f"gradient error: first backward {err_first:.2e}, second backward {err_second:.3g}")
sys.exit(1 if max(err_first, err_second) > 1e-4 else 0)
