"""Special values where torch's own result depends on the tensor's length: its vectorized CPU
kernel and its scalar loop (the tail of a tensor whose length is not a multiple of the vector
width, and short tensors) disagree. Neither answer is torch's: the special-values check leaves
these points out of the comparison of the VJP, for both torch and gradref.

Found by ``thorough`` runs of the op table; each entry says what torch does, and where.
"""

from __future__ import annotations

import numpy as np

#: op name -> (the inputs where torch's VJP depends on the kernel path, what torch does there)
VJP_BY_KERNEL_PATH = {
    "logit": (
        lambda x: (x == 0) & np.signbit(x),
        "at x = -0 logit_backward's scalar loop divides by +0 (x (1 - x) + 0) and its "
        "vectorized loop by -0 (float64, 16 elements and more), so the gradient's sign depends "
        "on where -0 sits",
    ),
    "logit.eps": (
        np.isnan,
        "at NaN logit_backward with eps gives NaN in its scalar loop (NaN is not outside "
        "[eps, 1 - eps]) and 0 in its vectorized loop (nor is it inside)",
    ),
}


def kernel_path_points(name: str, x) -> np.ndarray | None:
    """The elements of the op's first input where torch's VJP depends on its kernel path (None
    where it never does)."""
    rule = VJP_BY_KERNEL_PATH.get(name)
    if rule is None:
        return None
    mask = np.asarray(rule[0](np.asarray(x)), dtype=bool)
    return mask if mask.any() else None
