"""Bad arguments on the common paths, as data: each case calls an op wrongly in a namespace
``T``, and torch and gradref must raise the same exception type with the same first line of
message (users match on both). ``gradspec run`` checks each case as ``ops.errors.<id>``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def _F(T):
    return T.nn.functional


#: case id -> the bad call, in namespace T
CASES: dict[str, Callable] = {
    "broadcast-mismatch": lambda T: T.ones(2, 3) + T.ones(4),
    "mm-shapes": lambda T: T.ones(2, 3).mm(T.ones(2, 3)),
    "mm-not-matrix": lambda T: T.mm(T.ones(3), T.ones(3, 2)),
    "mm-mat2-not-matrix": lambda T: T.mm(T.ones(3, 2), T.ones(2)),
    "mm-3d": lambda T: T.mm(T.ones(2, 2, 3), T.ones(3, 2)),
    "matmul-2d-shapes": lambda T: T.ones(2, 3) @ T.ones(2, 3),
    "matmul-1d-2d-shapes": lambda T: T.ones(3) @ T.ones(2, 3),
    "matmul-2d-1d-shapes": lambda T: T.ones(2, 3) @ T.ones(2),
    "matmul-3d-2d-shapes": lambda T: T.ones(4, 2, 3) @ T.ones(2, 3),
    "matmul-2d-3d-shapes": lambda T: T.ones(2, 3) @ T.ones(4, 2, 3),
    "matmul-3d-3d-shapes": lambda T: T.ones(4, 2, 3) @ T.ones(4, 2, 3),
    "matmul-3d-1d-shapes": lambda T: T.ones(4, 2, 3) @ T.ones(2),
    "matmul-batch-broadcast": lambda T: T.ones(4, 2, 3) @ T.ones(5, 3, 2),
    "matmul-0d": lambda T: T.matmul(T.ones(()), T.ones(2)),
    "dot-1d": lambda T: T.dot(T.ones(2, 2), T.ones(2)),
    "dot-sizes": lambda T: T.dot(T.ones(2), T.ones(3)),
    "mv-sizes": lambda T: T.mv(T.ones(2, 3), T.ones(2)),
    "addmm-not-matrix": lambda T: T.addmm(T.ones(2), T.ones(3), T.ones(3, 2)),
    "addmm-shapes": lambda T: T.addmm(T.ones(2), T.ones(2, 3), T.ones(2, 2)),
    "addmm-bias": lambda T: T.addmm(T.ones(5), T.ones(2, 3), T.ones(3, 2)),
    "linear-shapes": lambda T: _F(T).linear(T.ones(2, 3), T.ones(4, 2)),
    "linear-bias-shapes": lambda T: _F(T).linear(T.ones(2, 3), T.ones(4, 2), T.ones(4)),
    "linear-3d-shapes": lambda T: _F(T).linear(T.ones(5, 2, 3), T.ones(4, 2)),
    "sum-dim-range": lambda T: T.ones(3).sum(1),
    "sum-dim-repeated": lambda T: T.ones(3, 2).sum((0, 0)),
    "max-empty": lambda T: T.ones(0).max(),
    "amax-empty-dim": lambda T: T.ones(0, 3).amax(0),
    "max-dim-empty": lambda T: T.ones(0, 3).max(0),
    "mean-integer": lambda T: T.ones(3, dtype=T.int64).mean(),
    "mean-dim-integer": lambda T: T.ones(3, dtype=T.int64).mean(0),
    "mean-bool": lambda T: T.ones(3, dtype=T.bool).mean(),
    "reshape-invalid": lambda T: T.ones(6).reshape(4, 2),
    "view-two-inferred": lambda T: T.ones(6).view(-1, -1),
    "cat-dims": lambda T: T.cat([T.ones(2, 3), T.ones(2)]),
    "cat-sizes": lambda T: T.cat([T.ones(2, 3), T.ones(2, 2)]),
    "stack-sizes": lambda T: T.stack([T.ones(2), T.ones(3)]),
    "flip-duplicate": lambda T: T.ones(3).flip(0, -1),
    "triu-1d": lambda T: T.ones(3).triu(),
    "tril-1d": lambda T: T.tril(T.ones(3)),
    "expand-mismatch": lambda T: T.ones(2, 3).expand(4, 3),
    "permute-duplicate": lambda T: T.ones(2, 3).permute(0, 0),
    "select-out-of-range": lambda T: T.ones(2, 3).select(1, 3),
    "narrow-too-long": lambda T: T.ones(3).narrow(0, 2, 2),
    "index-out-of-range": lambda T: T.ones(3)[T.tensor([3])],
    "clamp-no-bounds": lambda T: T.clamp(T.ones(3)),
    "div-rounding-mode": lambda T: T.div(T.ones(3), 2.0, rounding_mode="round"),
    "where-condition-dtype": lambda T: T.where(T.ones(3), T.ones(3), T.zeros(3)),
    "masked-fill-mask-dtype": lambda T: T.ones(3).masked_fill(T.ones(3), 0.0),
    "conv2d-channels": lambda T: _F(T).conv2d(T.ones(1, 3, 4, 4), T.ones(2, 2, 1, 1)),
    "conv2d-same-strided": lambda T: _F(T).conv2d(
        T.ones(1, 1, 4, 4), T.ones(1, 1, 2, 2), stride=2, padding="same"
    ),
    "conv2d-rank": lambda T: _F(T).conv2d(T.ones(4, 4), T.ones(1, 1, 2, 2)),
    "unfold-blocks": lambda T: _F(T).unfold(T.ones(2, 3, 4, 4), (5, 5)),
    "unfold-rank": lambda T: _F(T).unfold(T.ones(3, 4, 4, 4, 4), 2),
    "unfold-kernel-zero": lambda T: _F(T).unfold(T.ones(2, 3, 4, 4), (0, 2)),
    "unfold-stride-zero": lambda T: _F(T).unfold(T.ones(2, 3, 4, 4), 2, stride=0),
    "unfold-padding-negative": lambda T: _F(T).unfold(T.ones(2, 3, 4, 4), 2, padding=-1),
    "unfold-empty-spatial": lambda T: _F(T).unfold(T.ones(2, 3, 0, 4), 2),
    "fold-blocks": lambda T: _F(T).fold(T.ones(2, 12, 6), (4, 4), 2),
    "fold-channels": lambda T: _F(T).fold(T.ones(2, 10, 9), (4, 4), 2),
    "fold-rank": lambda T: _F(T).fold(T.ones(2, 2, 12, 9), (4, 4), 2),
    "fold-stride-zero": lambda T: _F(T).fold(T.ones(2, 12, 9), (4, 4), 2, stride=0),
    "max-unpool2d-invalid-index": lambda T: _F(T).max_unpool2d(
        T.ones(1, 1, 2, 2), T.tensor([[[[0, 1], [4, 16]]]]), 2
    ),
    "max-unpool2d-indices-dtype": lambda T: _F(T).max_unpool2d(
        T.ones(1, 1, 2, 2), T.zeros(1, 1, 2, 2, dtype=T.int32), 2
    ),
    "max-unpool2d-indices-shape": lambda T: _F(T).max_unpool2d(
        T.ones(1, 2, 2, 2), T.zeros(1, 1, 2, 2, dtype=T.int64), 2
    ),
    "max-unpool2d-output-size": lambda T: _F(T).max_unpool2d(
        T.ones(1, 1, 2, 2), T.zeros(1, 1, 2, 2, dtype=T.int64), 2, output_size=(2, 2)
    ),
    "max-unpool2d-output-size-length": lambda T: _F(T).max_unpool2d(
        T.ones(1, 1, 2, 2), T.zeros(1, 1, 2, 2, dtype=T.int64), 2, output_size=(1, 4, 4)
    ),
    "max-unpool2d-rank": lambda T: _F(T).max_unpool2d(
        T.ones(1, 1, 1, 2, 2), T.zeros(1, 1, 1, 2, 2, dtype=T.int64), 2
    ),
    # torch's domain: a zero-size weight, bad parameters, a bias of the wrong size
    "conv2d-weight-empty": lambda T: _F(T).conv2d(T.ones(1, 2, 4, 4), T.ones(0, 2, 3, 3)),
    "conv2d-groups-exceed-weight": lambda T: _F(T).conv2d(
        T.ones(1, 3, 4, 4), T.ones(2, 1, 3, 3), groups=3
    ),
    "conv2d-groups-indivisible": lambda T: _F(T).conv2d(
        T.ones(1, 3, 4, 4), T.ones(4, 1, 3, 3), groups=3
    ),
    "conv2d-groups-zero": lambda T: _F(T).conv2d(T.ones(1, 2, 4, 4), T.ones(2, 2, 3, 3), groups=0),
    "conv2d-stride-zero": lambda T: _F(T).conv2d(T.ones(1, 2, 4, 4), T.ones(2, 2, 3, 3), stride=0),
    "conv2d-padding-negative": lambda T: _F(T).conv2d(
        T.ones(1, 2, 4, 4), T.ones(2, 2, 3, 3), padding=-1
    ),
    "conv2d-dilation-zero": lambda T: _F(T).conv2d(
        T.ones(1, 2, 2, 2), T.ones(2, 2, 3, 3), dilation=0
    ),
    "conv2d-bias-size": lambda T: _F(T).conv2d(T.ones(1, 2, 4, 4), T.ones(3, 2, 3, 3), T.ones(2)),
    "conv2d-kernel-too-large": lambda T: _F(T).conv2d(T.ones(1, 2, 2, 4), T.ones(2, 2, 3, 3)),
    "conv1d-weight-rank": lambda T: _F(T).conv1d(T.ones(1, 2, 4), T.ones(2, 2, 3, 3)),
    "conv2d-weight-rank-low": lambda T: _F(T).conv2d(T.ones(1, 2, 4, 4), T.ones(2, 2, 3)),
    "conv-transpose2d-channels": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 3, 4, 4), T.ones(2, 2, 3, 3)
    ),
    "conv-transpose2d-bias-size": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 4, 4), T.ones(2, 3, 3, 3), T.ones(2)
    ),
    "conv-transpose2d-output-padding": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 4, 4), T.ones(2, 3, 3, 3), stride=2, output_padding=2
    ),
    "conv-transpose1d-output-padding": lambda T: _F(T).conv_transpose1d(
        T.ones(1, 2, 4), T.ones(2, 3, 3), output_padding=1
    ),
    "conv-transpose2d-output-too-small": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 2, 2), T.ones(2, 3, 1, 1), padding=2
    ),
    "conv-transpose2d-kernel-empty": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 4, 4), T.ones(2, 3, 0, 3)
    ),
    "conv-transpose2d-weight-empty": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 4, 4), T.ones(2, 0, 3, 3)
    ),
    "conv-transpose2d-input-empty": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 0, 4), T.ones(2, 3, 3, 3)
    ),
    "conv-transpose2d-dilation-zero": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 4, 4), T.ones(2, 3, 3, 3), dilation=0
    ),
    "conv-transpose2d-padding-string": lambda T: _F(T).conv_transpose2d(
        T.ones(1, 2, 4, 4), T.ones(2, 3, 3, 3), padding="same"
    ),
    "conv-transpose3d-output-padding": lambda T: _F(T).conv_transpose3d(
        T.ones(1, 2, 2, 2, 2), T.ones(2, 3, 1, 1, 1), output_padding=1
    ),
    "conv-transpose3d-weight-empty": lambda T: _F(T).conv_transpose3d(
        T.ones(1, 2, 2, 2, 2), T.ones(2, 3, 0, 1, 1)
    ),
    "layer-norm-shape": lambda T: _F(T).layer_norm(T.ones(2, 3), (4,)),
    "bce-weight-grad": lambda T: _F(T).binary_cross_entropy(
        T.full((2,), 0.5), T.full((2,), 0.5), weight=T.ones(2, requires_grad=True)
    ),
    "bce-logits-pos-weight-grad": lambda T: _F(T).binary_cross_entropy_with_logits(
        T.zeros(2), T.zeros(2), pos_weight=T.ones(2, requires_grad=True)
    ),
    "pad-odd": lambda T: _F(T).pad(T.ones(3), (1,)),
    "dropout-p": lambda T: _F(T).dropout(T.ones(3), 1.5),
    "gather-index-rank": lambda T: T.gather(T.ones(2, 3), 1, T.tensor([0, 1])),
    "repeat-too-few": lambda T: T.ones(2, 3).repeat(2),
    "out-sum-requires-grad": lambda T: T.sum(T.ones(3, requires_grad=True), 0, out=T.empty(())),
    "out-cat-requires-grad": lambda T: T.cat([T.ones(2, requires_grad=True)], out=T.empty(2)),
    "out-mul-out-requires-grad": lambda T: T.mul(
        T.ones(2), 2.0, out=T.empty(2, requires_grad=True)
    ),
    "roll-shifts-dims": lambda T: T.ones(3).roll((1, 2), (0,)),
    "rot90-same-dims": lambda T: T.ones(2, 2).rot90(1, (0, 0)),
    "diagonal-same-dims": lambda T: T.ones(2, 2).diagonal(0, 1, 1),
    "unfold-too-big": lambda T: T.ones(3).unfold(0, 4, 1),
    "view-as-complex-last-dim": lambda T: T.view_as_complex(T.ones(3, 3)),
    "view-as-complex-dtype": lambda T: T.view_as_complex(T.ones(3, 2, dtype=T.int64)),
    "view-as-complex-odd-stride": lambda T: T.view_as_complex(T.ones(3, 3)[:, :2]),
    # a dimension of size 1 with an odd stride: refused before torch 2.11, a view after
    "view-as-complex-size-one-odd-stride": lambda T: T.view_as_complex(T.ones(3, 3)[:1, :2]),
    "pixel-shuffle-channels": lambda T: T.pixel_shuffle(T.ones(1, 3, 2, 2), 2),
    "reflection-pad-too-big": lambda T: _F(T).pad(T.ones(1, 2, 3), (3, 0), mode="reflect"),
    "take-out-of-range": lambda T: T.take(T.ones(2, 2), T.tensor([4])),
    "renorm-1d": lambda T: T.renorm(T.ones(3), 2, 0, 1.0),
    "aminmax-empty": lambda T: T.aminmax(T.ones(0)),
    "var-mean-integer": lambda T: T.var_mean(T.ones(3, dtype=T.int64)),
    "var-integer": lambda T: T.ones(3, dtype=T.int64).var(),
    "chunk-zero": lambda T: T.ones(3).chunk(0),
    "addmv-shapes": lambda T: T.addmv(T.ones(3), T.ones(3, 4), T.ones(5)),
    "addmv-not-matrix": lambda T: T.addmv(T.ones(3), T.ones(3, 4, 1), T.ones(4)),
    "addr-not-vector": lambda T: T.addr(T.ones(3, 4), T.ones(3, 1), T.ones(4)),
    "baddbmm-shapes": lambda T: T.baddbmm(T.ones(2, 3, 4), T.ones(2, 3, 5), T.ones(2, 4, 4)),
    "addbmm-shapes": lambda T: T.addbmm(T.ones(3, 4), T.ones(2, 3, 5), T.ones(2, 4, 4)),
    "vdot-sizes": lambda T: T.vdot(T.ones(3), T.ones(4)),
    "trace-not-matrix": lambda T: T.trace(T.ones(3)),
    "cross-length": lambda T: T.linalg.cross(T.ones(4), T.ones(4)),
    "det-not-square": lambda T: T.linalg.det(T.ones(2, 3)),
    "det-1d": lambda T: T.linalg.det(T.ones(3)),
    "det-half": lambda T: T.linalg.det(T.ones(3, 3, dtype=T.float16)),
    "slogdet-not-square": lambda T: T.linalg.slogdet(T.ones(2, 3)),
    "inv-not-square": lambda T: T.linalg.inv(T.ones(2, 3)),
    "inv-singular": lambda T: T.linalg.inv(T.zeros(3, 3)),
    "cholesky-not-square": lambda T: T.linalg.cholesky(T.ones(2, 3)),
    "cholesky-not-positive-definite": lambda T: T.linalg.cholesky(-T.eye(3)),
    "cholesky-solve-shapes": lambda T: T.cholesky_solve(T.ones(3, 2), T.eye(2)),
    "cholesky-inverse-not-square": lambda T: T.cholesky_inverse(T.ones(2, 3)),
    "solve-triangular-shapes": lambda T: T.linalg.solve_triangular(
        T.eye(3), T.ones(2, 3), upper=True
    ),
    "glu-odd": lambda T: _F(T).glu(T.ones(2, 3)),
    "glu-scalar": lambda T: _F(T).glu(T.ones(())),
    "prelu-channels": lambda T: _F(T).prelu(T.ones(2, 3), T.ones(2)),
    "prelu-weight-rank": lambda T: _F(T).prelu(T.ones(2, 3), T.ones(1, 3)),
    "rrelu-bounds": lambda T: _F(T).rrelu(T.ones(3), 0.5, 0.1),
    "celu-alpha-zero": lambda T: _F(T).celu(T.ones(3), 0.0),
    "batch-norm-one-value-per-channel": lambda T: _F(T).batch_norm(
        T.ones(1, 3), None, None, training=True
    ),
    "batch-norm-one-value-per-channel-spatial": lambda T: _F(T).batch_norm(
        T.ones(1, 3, 1, 1), T.zeros(3), T.ones(3), training=True
    ),
    "batch-norm-running-mean-size": lambda T: _F(T).batch_norm(
        T.ones(2, 3), T.zeros(4), T.ones(4), training=True
    ),
    "instance-norm-one-spatial": lambda T: _F(T).instance_norm(T.ones(2, 3, 1)),
    "group-norm-groups": lambda T: _F(T).group_norm(T.ones(2, 3, 4), 2),
    "group-norm-weight": lambda T: _F(T).group_norm(T.ones(2, 4, 4), 2, T.ones(3)),
    "soft-margin-target-grad": lambda T: _F(T).soft_margin_loss(
        T.ones(2), T.ones(2, requires_grad=True)
    ),
    "embedding-index-dtype": lambda T: _F(T).embedding(T.ones(2), T.ones(3, 2)),
    "cdist-columns": lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)),
    "pdist-rank": lambda T: _F(T).pdist(T.ones(2, 3, 4)),
    "max-pool-output-small": lambda T: _F(T).max_pool2d(T.ones(1, 1, 2, 2), 3),
    "avg-pool-output-small": lambda T: _F(T).avg_pool2d(T.ones(1, 1, 2, 2), 3),
    "pixel-unshuffle-width": lambda T: _F(T).pixel_unshuffle(T.ones(1, 1, 4, 3), 2),
    "interpolate-nearest-align-corners": lambda T: _F(T).interpolate(
        T.ones(1, 1, 3), size=4, mode="nearest", align_corners=True
    ),
    "interpolate-size-and-scale": lambda T: _F(T).interpolate(
        T.ones(1, 1, 3), size=4, scale_factor=2.0
    ),
    # pointwise ops: dtypes their kernels refuse, mismatched operands, no derivative
    "float-power-inplace-dtype": lambda T: T.ones(3).float_power_(2),
    "addcdiv-integer": lambda T: T.addcdiv(
        T.ones(2), T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64)
    ),
    "addcmul-shapes": lambda T: T.addcmul(T.ones(2), T.ones(3), T.ones(2)),
    "nextafter-integer": lambda T: T.nextafter(T.ones(2, dtype=T.int64), T.zeros(2, dtype=T.int64)),
    "hypot-integer": lambda T: T.hypot(T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64)),
    "fmax-complex": lambda T: T.fmax(T.ones(2, dtype=T.complex64), T.ones(2, dtype=T.complex64)),
    "copysign-complex": lambda T: T.copysign(T.ones(2, dtype=T.complex64), T.ones(2)),
    "xlogy-complex": lambda T: T.xlogy(T.ones(2, dtype=T.complex64), T.ones(2, dtype=T.complex64)),
    "logit-complex": lambda T: T.logit(T.ones(2, dtype=T.complex64)),
    "fmod-integer-zero": lambda T: T.fmod(T.ones(2, dtype=T.int64), 0),
    "remainder-integer-zero": lambda T: T.remainder(
        T.ones(2, dtype=T.int64), T.zeros(2, dtype=T.int64)
    ),
    "polygamma-negative": lambda T: T.polygamma(-1, T.ones(2)),
    "lgamma-complex": lambda T: T.lgamma(T.ones(2, dtype=T.complex64)),
    "mvlgamma-p": lambda T: T.mvlgamma(T.ones(2), 0),
    "erfcx-float16": lambda T: T.special.erfcx(T.ones(2, dtype=T.float16)),
    "ndtri-float16": lambda T: T.special.ndtri(T.ones(2, dtype=T.float16)),
    "log-ndtr-float16": lambda T: T.special.log_ndtr(T.ones(2, dtype=T.float16)),
    "zeta-input-derivative": lambda T: (
        T.special.zeta(T.full((2,), 2.0, requires_grad=True), T.ones(2)).sum().backward()
    ),
    "complex-dtypes": lambda T: T.complex(T.ones(2), T.ones(2, dtype=T.float64)),
    "complex-integer": lambda T: T.complex(T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64)),
    "polar-dtypes": lambda T: T.polar(T.ones(2), T.ones(2, dtype=T.float64)),
    "frexp-integer": lambda T: T.frexp(T.ones(2, dtype=T.int64)),
}


@dataclass(frozen=True)
class ErrorCase:
    id: str
    call: Callable

    @property
    def sentence(self) -> str:
        return f"{self.id}: torch and gradref raise the same exception type and first line"


ERRORS: tuple[ErrorCase, ...] = tuple(ErrorCase(k, v) for k, v in CASES.items())


def raised(T, case: ErrorCase) -> tuple[str, str] | None:
    """(exception type name, first line of its message) of the bad call, or None when the call
    raises nothing."""
    try:
        case.call(T)
    except Exception as e:  # noqa: BLE001 - any exception is the observation
        text = str(e).strip()
        return type(e).__name__, text.splitlines()[0] if text else ""
    return None


def difference(theirs: tuple[str, str] | None, ours: tuple[str, str] | None) -> str | None:
    """None when torch's error (``theirs``) and gradref's (``ours``) agree; else what differs."""
    if theirs == ours:
        return None

    def say(r):
        return "raises nothing" if r is None else f"raises {r[0]}: {r[1]}"

    return f"torch {say(theirs)}\ngradref {say(ours)}"
