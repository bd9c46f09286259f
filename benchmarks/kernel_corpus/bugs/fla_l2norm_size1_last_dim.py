"""fla-core's L2NormFunction (``fla.modules.l2norm``) raises a bare ``AssertionError`` on a
(n, 1) input that torch calls contiguous but whose size-1 last dimension has a stride other
than 1 (the transpose of a (1, n) row, for example), where the same values in fresh memory
work. Exits 1 while the bug is there, 0 once fixed.

Why: ``input_guard`` calls ``.contiguous()``, a no-op here (torch ignores the stride of a
size-1 dimension when it decides contiguity); ``l2norm_fwd`` then allocates the output with
``torch.empty_like(x)``, which keeps x's strides, and asserts ``y.stride(-1) == 1``. Nothing
is computed wrong: the call is refused, with an assertion that names nothing.

Runs on a GPU, or on CPU under Triton's interpreter (TRITON_INTERPRET=1 set here; gradspec's
interpreter layer is applied when gradspec is importable).

    python benchmarks/kernel_corpus/bugs/fla_l2norm_size1_last_dim.py
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

from fla.modules.l2norm import L2NormFunction  # noqa: E402

device = "cuda" if torch.cuda.is_available() else "cpu"

torch.manual_seed(0)
x = torch.randn(1, 3, device=device).t()  # shape (3, 1), strides (1, 3)
print(f"x: shape {tuple(x.shape)}, strides {x.stride()}, is_contiguous() {x.is_contiguous()}")
want = x * torch.rsqrt((x * x).sum(-1, keepdim=True) + 1e-6)

fresh = L2NormFunction.apply(x.clone(memory_format=torch.contiguous_format), 1e-6, None)
print(f"same values in fresh memory: max error {(fresh - want).abs().max().item():.3g}")
try:
    got = L2NormFunction.apply(x, 1e-6, None)
except AssertionError as e:
    where = e.__traceback__
    while where.tb_next is not None:
        where = where.tb_next
    print(f"raised AssertionError({str(e)!r}) in {where.tb_frame.f_code.co_name}")
    sys.exit(1)
err = (got - want).abs().max().item()
print(f"max error: {err:.3g}")
sys.exit(1 if err > 1e-5 else 0)
