"""liger-kernel's LigerRopeFunction writes the rotated q and k into the caller's q and k when
they are in Hugging Face's layout (a (batch, heads, seq_len, head_dim) view of (batch, seq_len,
heads, head_dim) memory), returns views of them, and does not call ctx.mark_dirty. Nothing
bumps their version counters, so an op that saved q or k for its own backward (here exp, which
saves its output) silently uses the rotated values: the gradient of what produced q is wrong
(error ~390 here) while the rotated values are right. Exits 1 while the bug is there, 0 once
fixed.

Why: rope_forward transposes q to (batch, seq_len, heads, head_dim), which is contiguous in
that layout, so ``.contiguous()`` returns the caller's memory and the kernel rotates it in
place.

Runs on a GPU, or on CPU under Triton's interpreter (TRITON_INTERPRET=1 set here; gradspec's
interpreter layer is applied when gradspec is importable).

    python benchmarks/kernel_corpus/bugs/liger_rope_overwrites_input.py
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

from liger_kernel.ops.rope import LigerRopeFunction  # noqa: E402

device = "cuda" if torch.cuda.is_available() else "cpu"


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


torch.manual_seed(0)
batch, seq_len, heads, head_dim = 2, 3, 2, 4
zq = torch.randn(batch, seq_len, heads, head_dim, device=device, requires_grad=True)
zk = torch.randn(batch, seq_len, heads, head_dim, device=device, requires_grad=True)
half = torch.randn(1, seq_len, head_dim // 2, device=device)
cos = torch.cat([half.cos(), half.cos()], -1)  # Hugging Face's cos/sin: two equal halves
sin = torch.cat([half.sin(), half.sin()], -1)


def hf_rope(q, k):
    c, s = cos.unsqueeze(1), sin.unsqueeze(1)
    return q * c + rotate_half(q) * s, k * c + rotate_half(k) * s


def run(rope):
    q = torch.exp(zq).transpose(1, 2)  # exp saves its output for backward
    k = torch.exp(zk).transpose(1, 2)
    before = q.detach().clone()
    oq, ok = rope(q, k)
    overwritten = not torch.equal(q.detach(), before)
    loss = (oq * oq).sum() + (ok * 1.5).sum()
    return oq.detach(), torch.autograd.grad(loss, (zq, zk)), overwritten


want_q, want_g, _ = run(hf_rope)
got_q, got_g, overwritten = run(lambda q, k: LigerRopeFunction.apply(q, k, cos, sin))
value_err = (got_q - want_q).abs().max().item()
grad_err = max((a - b).abs().max().item() for a, b in zip(got_g, want_g))
print(f"caller's q overwritten: {overwritten}; rotated q error {value_err:.3g}")
print(f"gradient error of what produced q and k: {grad_err:.3g}")
sys.exit(1 if grad_err > 1e-3 else 0)
