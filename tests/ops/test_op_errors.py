"""Bad arguments on the common paths: gradref raises torch's exception type with torch's first
line of message (users match on it)."""

from __future__ import annotations

import gradref
import pytest
import torch

CASES = {
    "broadcast-mismatch": lambda T: T.ones(2, 3) + T.ones(4),
    "mm-shapes": lambda T: T.ones(2, 3).mm(T.ones(2, 3)),
    "mm-not-matrix": lambda T: T.mm(T.ones(3), T.ones(3, 2)),
    "dot-1d": lambda T: T.dot(T.ones(2, 2), T.ones(2)),
    "matmul-0d": lambda T: T.matmul(T.ones(()), T.ones(2)),
    "sum-dim-range": lambda T: T.ones(3).sum(1),
    "sum-dim-repeated": lambda T: T.ones(3, 2).sum((0, 0)),
    "max-empty": lambda T: T.ones(0).max(),
    "amax-empty-dim": lambda T: T.ones(0, 3).amax(0),
    "max-dim-empty": lambda T: T.ones(0, 3).max(0),
    "mean-integer": lambda T: T.ones(3, dtype=T.int64).mean(),
    "reshape-invalid": lambda T: T.ones(6).reshape(4, 2),
    "view-two-inferred": lambda T: T.ones(6).view(-1, -1),
    "cat-dims": lambda T: T.cat([T.ones(2, 3), T.ones(2)]),
    "cat-sizes": lambda T: T.cat([T.ones(2, 3), T.ones(2, 2)]),
    "stack-sizes": lambda T: T.stack([T.ones(2), T.ones(3)]),
    "flip-duplicate": lambda T: T.ones(3).flip(0, -1),
    "expand-mismatch": lambda T: T.ones(2, 3).expand(4, 3),
    "permute-duplicate": lambda T: T.ones(2, 3).permute(0, 0),
    "select-out-of-range": lambda T: T.ones(2, 3).select(1, 3),
    "narrow-too-long": lambda T: T.ones(3).narrow(0, 2, 2),
    "index-out-of-range": lambda T: T.ones(3)[T.tensor([3])],
    "clamp-no-bounds": lambda T: T.clamp(T.ones(3)),
    "div-rounding-mode": lambda T: T.div(T.ones(3), 2.0, rounding_mode="round"),
    "where-condition-dtype": lambda T: T.where(T.ones(3), T.ones(3), T.zeros(3)),
    "masked-fill-mask-dtype": lambda T: T.ones(3).masked_fill(T.ones(3), 0.0),
    "conv2d-channels": lambda T: T.nn.functional.conv2d(T.ones(1, 3, 4, 4), T.ones(2, 2, 1, 1)),
    "conv2d-same-strided": lambda T: T.nn.functional.conv2d(
        T.ones(1, 1, 4, 4), T.ones(1, 1, 2, 2), stride=2, padding="same"
    ),
    "conv2d-rank": lambda T: T.nn.functional.conv2d(T.ones(4, 4), T.ones(1, 1, 2, 2)),
    "layer-norm-shape": lambda T: T.nn.functional.layer_norm(T.ones(2, 3), (4,)),
    "bce-weight-grad": lambda T: T.nn.functional.binary_cross_entropy(
        T.full((2,), 0.5), T.full((2,), 0.5), weight=T.ones(2, requires_grad=True)
    ),
    "bce-logits-pos-weight-grad": lambda T: T.nn.functional.binary_cross_entropy_with_logits(
        T.zeros(2), T.zeros(2), pos_weight=T.ones(2, requires_grad=True)
    ),
    "pad-odd": lambda T: T.nn.functional.pad(T.ones(3), (1,)),
    "dropout-p": lambda T: T.nn.functional.dropout(T.ones(3), 1.5),
    "gather-index-rank": lambda T: T.gather(T.ones(2, 3), 1, T.tensor([0, 1])),
    "repeat-too-few": lambda T: T.ones(2, 3).repeat(2),
    "chunk-zero": lambda T: T.ones(3).chunk(0),
}


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_matches_torch(case):
    fn = CASES[case]
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as ours:
        fn(gradref)
    assert type(ours.value).__name__ == type(theirs.value).__name__, (
        f"{case}: gradref raised {type(ours.value).__name__}: {ours.value}; torch "
        f"{type(theirs.value).__name__}: {theirs.value}"
    )
    assert _first_line(ours.value) == _first_line(theirs.value), case
