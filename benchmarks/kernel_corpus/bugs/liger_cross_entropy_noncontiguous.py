"""liger-kernel's LigerCrossEntropyFunction gives the right loss but a wrong gradient for logits
whose last dimension is not contiguous (a transposed view, as `lm_head(x).transpose(...)` or a
column slice gives). Exits 1 while the bug is there, 0 once fixed.

Why: cross_entropy_forward copies such logits (`_input = _input.contiguous()`) and passes
`HAS_GRADIENTS=_input.requires_grad` to the kernel; inside `Function.forward` grad mode is off, so
the copy does not require grad, the kernel skips writing the gradient into it, and backward
returns the copy, i.e. the logits themselves, as their gradient.

Runs on a GPU, or on CPU under Triton's interpreter (TRITON_INTERPRET=1 set here; the
interpreter needs float scalar arguments as fp32, which gradspec.triton_interpreter.apply()
patches when gradspec is importable).

    python benchmarks/kernel_corpus/bugs/liger_cross_entropy_noncontiguous.py
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

from liger_kernel.ops.cross_entropy import LigerCrossEntropyFunction  # noqa: E402

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
logits = torch.randn(5, 4, device=device).t()  # (4, 5) whose last dim has stride 4
target = torch.tensor([0, 3, 1, 4], device=device)

x = logits.detach().clone().requires_grad_()  # the same values, contiguous
y_leaf = torch.empty_strided((4, 5), (1, 4), device=device).copy_(logits).requires_grad_()
assert not y_leaf.is_contiguous()

want_loss = torch.nn.functional.cross_entropy(x, target)
(want,) = torch.autograd.grad(want_loss, x)
got_loss = LigerCrossEntropyFunction.apply(y_leaf, target, None)[0]
(got,) = torch.autograd.grad(got_loss, y_leaf)

loss_err = (got_loss - want_loss).abs().item()
grad_err = (got - want).abs().max().item()
print(f"loss error {loss_err:.2e}, gradient error {grad_err:.3g}")
sys.exit(1 if grad_err > 1e-4 or loss_err > 1e-5 else 0)
