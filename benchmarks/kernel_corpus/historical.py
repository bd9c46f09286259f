"""Earlier releases with a known bug, each the release before the fix, checked as they shipped
with the same case as the current release (where the fixed kernel passes the value checks)."""

from . import liger
from .cases import Case

PKG = liger.PKG

CASES = [
    Case("cross_entropy[reduction=none]", PKG, liger.cross_entropy_none, release="0.5.8",
         fixed_in="0.5.9", bug="reduction='none': backward multiplies every row's gradient by "
         "grad_output[0] instead of its own grad_output (Liger-Kernel #680)"),
    Case("fused_linear_cross_entropy[reduction=none]", PKG,
         liger.fused_linear_cross_entropy_none, release="0.8.1", fixed_in="0.8.2",
         bug="reduction='none': grad_input/grad_weight/grad_bias scaled by grad_output[0] for "
         "every token (Liger-Kernel #1298)"),
    Case("rope[cos per batch]", PKG, liger.rope_cos_per_batch, release="0.5.2",
         fixed_in="0.5.3", bug="cos/sin of shape (b, s, d): every sequence is rotated with the "
         "first sequence's cos/sin (Liger-Kernel #477)"),
    Case("layer_norm[short rows]", PKG, liger.layer_norm_short_rows, release="0.5.3",
         fixed_in="0.5.4", bug="rows shorter than the block: the masked lanes (loaded as 0) enter "
         "the variance as (0 - mean)^2 (Liger-Kernel #582)"),
    Case("fused_linear_cross_entropy[bias]", PKG, liger.fused_linear_cross_entropy_bias,
         release="0.7.0", fixed_in="0.8.0", bug="a bias given and the input not requiring grad: "
         "forward calls None.detach() (AttributeError) (Liger-Kernel #1157)"),
]  # fmt: skip
