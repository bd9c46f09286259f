"""liger-kernel's LigerRopeFunction rotates the wrong rows when seq_len == 1, batch > 1 and q (or
k) is a contiguous (batch, heads, seq_len, head_dim) tensor: every sequence after the first gets
another row's values. Exits 1 while the bug is there, 0 once fixed.

Why: rope_forward transposes q to (batch, seq_len, heads, head_dim) and calls .contiguous(),
which is a no-op here (torch ignores the stride of a size-1 dimension when it decides
contiguity), then steps the kernel's rows (batch * seq_len of them) by q.stride(1), the stride of
the size-1 seq_len dimension (head_dim), instead of heads * head_dim. With seq_len > 1 the
transposed view is not contiguous, gets copied, and the result is right; Hugging Face's own
layout (a transposed view of (batch, seq_len, heads, head_dim) memory) is right too.

Runs on a GPU, or on CPU under Triton's interpreter (TRITON_INTERPRET=1 set here; gradspec's
interpreter layer is applied when gradspec is importable).

    python benchmarks/kernel_corpus/bugs/liger_rope_single_token_batch.py
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
batch, heads, seq_len, head_dim = 2, 2, 1, 4
q = torch.randn(batch, heads, seq_len, head_dim, device=device)
k = torch.randn(batch, heads, seq_len, head_dim, device=device)
half = torch.randn(1, seq_len, head_dim // 2, device=device)
cos = torch.cat([half.cos(), half.cos()], -1)  # Hugging Face's cos/sin: two equal halves
sin = torch.cat([half.sin(), half.sin()], -1)

want_q = q * cos.unsqueeze(1) + rotate_half(q) * sin.unsqueeze(1)
want_k = k * cos.unsqueeze(1) + rotate_half(k) * sin.unsqueeze(1)
got_q, got_k = LigerRopeFunction.apply(q.clone(), k.clone(), cos, sin)

err = max((got_q - want_q).abs().max().item(), (got_k - want_k).abs().max().item())
print(f"max error of the rotated q, k: {err:.3g}")
sys.exit(1 if err > 1e-5 else 0)
