"""liger-kernel's LigerFusedLinearCrossEntropyFunction gives the weight and the bias no gradient
(None, which autograd treats as zero) when the input does not require grad, e.g. training only the
LM head on detached or frozen hidden states. Exits 1 while the bug is there, 0 once fixed.

Why: fused_linear_cross_entropy_forward computes every gradient only `if input_requires_grad`
(the input's requires_grad); otherwise grad_weight and grad_bias are set to None, whatever the
weight's and bias's requires_grad say, and backward returns those Nones.

Runs on a GPU, or on CPU under Triton's interpreter (TRITON_INTERPRET=1 set here; gradspec's
interpreter layer is applied when gradspec is importable).

    python benchmarks/kernel_corpus/bugs/liger_flce_frozen_input.py
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
hidden = torch.randn(4, 8, device=device)  # frozen features: no grad
w = torch.randn(5, 8, device=device, requires_grad=True)
b = torch.randn(5, device=device, requires_grad=True)
target = torch.tensor([0, 3, 1, 4], device=device)

want = torch.autograd.grad(torch.nn.functional.cross_entropy(hidden @ w.t() + b, target), [w, b])
loss = LigerFusedLinearCrossEntropyFunction.apply(hidden, w, target, b)[0]
got = torch.autograd.grad(loss, [w, b], allow_unused=True)

bad = []
for name, g, r in zip(["weight", "bias"], got, want):
    if g is None:
        bad.append(f"{name}: no gradient (expected max |grad| {r.abs().max().item():.3g})")
    elif not torch.allclose(g, r, rtol=1e-4, atol=1e-5):
        bad.append(f"{name}: off by {(g - r).abs().max().item():.3g}")
print("; ".join(bad) or "weight and bias gradients right")
sys.exit(1 if bad else 0)
