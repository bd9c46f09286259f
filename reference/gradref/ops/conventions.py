"""Gradients at non-differentiable points, as data.

torch's "Gradients for non-differentiable functions" notes give the rules in order (use the
gradient where the function is differentiable nearby; pick a subgradient for convex functions;
...), and derivatives.yaml fixes each op's choice. Every choice gradref mirrors is one entry here:
the op, the point and the gradient value there, as torch (``gradref.TORCH_TARGET``) gives it.
``tests/ops`` evaluates every entry against gradref and against the installed torch; where an
older torch made another choice, that is an expected difference (``convention.<id>``) in
gradspec's expectations, which also covers op results that rely on the convention. Two entries
hold values every torch gets wrong (``det.singular``: the cofactor matrix, which torch gives only
with ``create_graph=True``; ``batch_norm.strided-weight``: a strided weight read as contiguous);
their expected differences say so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Convention:
    id: str
    op: str
    #: a Python expression in ``T`` (the namespace) building the leaves; the first is checked
    setup: str
    #: a Python expression in ``T`` and the leaves ``x``, ``y`` giving the scalar to differentiate
    expr: str
    #: the gradient of the first leaf (a nested list), and of the second when there is one
    grad: tuple
    doc: str


def _c(id, op, setup, expr, grad, doc):
    return Convention(id, op, setup, expr, tuple(grad), doc)


_X = "x = T.tensor({}, dtype=T.float64, requires_grad=True)"
_XY = _X + "; y = T.tensor({}, dtype=T.float64, requires_grad=True)"

CONVENTIONS: tuple[Convention, ...] = (
    _c(
        "pow.zero-zero",
        "pow",
        _XY.format("[0.0]", "[0.0]"),
        "x.pow(y).sum()",
        [[0.0], [0.0]],
        "d/dx x^y is 0 where y = 0 (0^0 included, not 0 * 0^-1 = NaN); d/dy is 0 at x = 0, y >= 0.",
    ),
    _c(
        "atan2.origin",
        "atan2",
        _XY.format("[0.0]", "[0.0]"),
        "T.atan2(x, y).sum()",
        [[0.0], [0.0]],
        "atan2's gradient at (0, 0) is 0 (the formulas' 0 / 0 masked).",
    ),
    _c(
        "relu.nan",
        "relu",
        _X.format("[float('nan')]"),
        "x.relu().sum()",
        [[1.0]],
        "relu passes the gradient at NaN (threshold_backward zeroes only where result <= 0).",
    ),
    _c(
        "elu.nan",
        "elu",
        _X.format("[float('nan')]"),
        "T.nn.functional.elu(x).sum()",
        [[1.0]],
        "elu's gradient at NaN is that of the x > 0 branch (the x <= 0 test fails).",
    ),
    _c(
        "abs.nan",
        "abs",
        _X.format("[float('nan')]"),
        "x.abs().sum()",
        [[0.0]],
        "abs'(NaN) = sgn(NaN) = 0 (torch's sign is 0 at NaN).",
    ),
    _c(
        "amax.nan",
        "amax",
        _X.format("[1.0, float('nan'), 2.0]"),
        "x.amax().sum()",
        [[float("nan")] * 3],
        "amax/amin share the gradient among elements == the result; a NaN maximum matches none: "
        "0 / 0 = NaN everywhere (full max/min share it among the NaNs instead).",
    ),
    _c(
        "relu.zero",
        "relu",
        _X.format("[0.0]"),
        "x.relu().sum()",
        [[0.0]],
        "relu'(0) = 0 (the gradient of the constant piece).",
    ),
    _c(
        "abs.zero",
        "abs",
        _X.format("[0.0]"),
        "x.abs().sum()",
        [[0.0]],
        "abs'(0) = sgn(0) = 0 (a subgradient).",
    ),
    _c(
        "sqrt.zero",
        "sqrt",
        _X.format("[0.0]"),
        "x.sqrt().sum()",
        [[float("inf")]],
        "sqrt'(0) = inf: g / (2 * sqrt(0)).",
    ),
    _c(
        "sign.everywhere",
        "sign",
        _X.format("[0.0, 2.0]"),
        "x.sign().sum()",
        [[0.0, 0.0]],
        "sign, floor, ceil, round, trunc have gradient 0 everywhere, jumps included.",
    ),
    _c(
        "leaky_relu.zero",
        "leaky_relu",
        _X.format("[0.0]"),
        "T.nn.functional.leaky_relu(x, 0.1).sum()",
        [[0.1]],
        "leaky_relu'(0) = negative_slope (torch tests x > 0).",
    ),
    _c(
        "elu.zero",
        "elu",
        _X.format("[0.0]"),
        "T.nn.functional.elu(x, 2.0).sum()",
        [[2.0]],
        "elu'(0) = alpha (the x <= 0 branch, alpha * exp(0)).",
    ),
    _c(
        "clamp.bounds",
        "clamp",
        _X.format("[0.0, 0.5, 1.0, 2.0]"),
        "x.clamp(0.0, 1.0).sum()",
        [[0.0, 1.0, 0.0, 0.0]],
        "clamp with number bounds passes the gradient strictly inside (min < x < max): 0 at "
        "the bounds (observed in torch 2.14.1; older releases passed it at the bounds, "
        "min <= x <= max, and the release that changed it is not pinned down here).",
    ),
    _c(
        "maximum.tie",
        "maximum",
        _XY.format("[1.0]", "[1.0]"),
        "T.maximum(x, y).sum()",
        [[0.5], [0.5]],
        "maximum/minimum split the gradient in half at a tie.",
    ),
    _c(
        "minimum.tie",
        "minimum",
        _XY.format("[1.0]", "[1.0]"),
        "T.minimum(x, y).sum()",
        [[0.5], [0.5]],
        "maximum/minimum split the gradient in half at a tie.",
    ),
    _c(
        "max.full-ties",
        "max",
        _X.format("[1.0, 3.0, 3.0]"),
        "x.max()",
        [[0.0, 0.5, 0.5]],
        "max/min over all elements share the gradient evenly between tied maxima.",
    ),
    _c(
        "amax.ties",
        "amax",
        _X.format("[[3.0, 3.0, 1.0], [0.0, 2.0, 2.0]]"),
        "x.amax(1).sum()",
        [[[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]],
        "amax/amin share the gradient evenly between ties.",
    ),
    _c(
        "max.dim-index",
        "max",
        _X.format("[[1.0, 3.0, 3.0]]"),
        "x.max(1).values.sum()",
        [[[0.0, 1.0, 0.0]]],
        "max(dim) routes the whole gradient to the returned index (the first maximum on CPU).",
    ),
    _c(
        "prod.one-zero",
        "prod",
        _X.format("[2.0, 0.0, 3.0]"),
        "x.prod()",
        [[0.0, 6.0, 0.0]],
        "prod with one zero: only the zero gets a gradient, the product of the others.",
    ),
    _c(
        "prod.two-zeros",
        "prod",
        _X.format("[2.0, 0.0, 0.0]"),
        "x.prod()",
        [[0.0, 0.0, 0.0]],
        "prod with several zeros: every gradient is 0.",
    ),
    _c(
        "cumprod.zero",
        "cumprod",
        _X.format("[2.0, 0.0, 3.0]"),
        "x.cumprod(0).sum()",
        [[1.0, 8.0, 0.0]],
        "cumprod's gradient is exact through zeros.",
    ),
    _c(
        "norm2.zero",
        "norm",
        _X.format("[0.0, 0.0]"),
        "x.norm()",
        [[0.0, 0.0]],
        "The 2-norm at 0 has gradient 0 (torch masks x / norm where norm == 0).",
    ),
    _c(
        "norm1.zero",
        "norm",
        _X.format("[0.0, 1.0]"),
        "x.norm(1)",
        [[0.0, 1.0]],
        "The 1-norm has gradient sgn(x): 0 at 0.",
    ),
    _c(
        "norminf.ties",
        "norm",
        _X.format("[-2.0, 2.0, 1.0]"),
        "x.norm(float('inf'))",
        [[-0.5, 0.5, 0.0]],
        "The inf-norm splits the gradient evenly between tied |x|.",
    ),
    _c(
        "std.constant",
        "std",
        _X.format("[1.0, 1.0]"),
        "x.std()",
        [[0.0, 0.0]],
        "std with zero spread has gradient 0 (torch masks grad / (2 std) where std == 0).",
    ),
    _c(
        "std.constant-dim",
        "std.dim",
        _X.format("[[0.1, 0.7], [0.1, 0.7], [0.1, 0.7]]"),
        "x.std(dim=0).sum()",
        [[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]],
        "Equal values along the reduced dim have zero spread, so gradient 0, although their "
        "sum / n is not exactly the value (0.1 * 3 / 3 != 0.1).",
    ),
    _c(
        "pow.zero-base",
        "pow",
        _XY.format("[0.0]", "[2.0]"),
        "(x ** y).sum()",
        [[0.0], [0.0]],
        "pow(0, y) for y >= 0: d/dy is 0 (torch masks result * log(0)).",
    ),
    _c(
        "pow.zero-exponent",
        "pow",
        _X.format("[0.0]"),
        "(x ** 0.0).sum()",
        [[0.0]],
        "pow(x, 0) has gradient 0 everywhere, 0 included.",
    ),
    _c(
        "clamp_min.bound",
        "clamp_min",
        _X.format("[0.0, 1.0]"),
        "x.clamp_min(0.0).sum()",
        [[0.0, 1.0]],
        "clamp_min / clamp(min=) give 0 at the bound (as clamp.bounds).",
    ),
    _c(
        "clamp.tensor-bounds",
        "clamp",
        _XY.format("[1.0, 2.0]", "[1.0, 1.0]"),
        "x.clamp(min=y).sum()",
        [[0.5, 1.0], [0.5, 0.0]],
        "clamp with a tensor bound: at x == min the gradient is split in half between x and "
        "the bound, as maximum does (observed in torch 2.14.1); at x == min == max x gets the "
        "whole gradient.",
    ),
    _c(
        "fmax.tie",
        "fmax",
        _XY.format("[1.0]", "[1.0]"),
        "T.fmax(x, y).sum()",
        [[0.5], [0.5]],
        "fmax at a tie splits the gradient in half between the two sides (as maximum).",
    ),
    _c(
        "fmax.nan",
        "fmax",
        _XY.format("[float('nan')]", "[1.0]"),
        "T.fmax(x, y).sum()",
        [[0.0], [1.0]],
        "fmax(NaN, y) selects y, which gets the whole gradient.",
    ),
    _c(
        "fmin.tie",
        "fmin",
        _XY.format("[1.0]", "[1.0]"),
        "T.fmin(x, y).sum()",
        [[0.5], [0.5]],
        "fmin at a tie splits the gradient in half between the two sides (as minimum).",
    ),
    _c(
        "fmin.nan",
        "fmin",
        _XY.format("[1.0]", "[float('nan')]"),
        "T.fmin(x, y).sum()",
        [[1.0], [0.0]],
        "fmin(x, NaN) selects x, which gets the whole gradient.",
    ),
    _c(
        "copysign.zero",
        "copysign",
        _XY.format("[0.0]", "[-1.0]"),
        "T.copysign(x, y).sum()",
        [[0.0], [0.0]],
        "copysign's gradient in x is result / x, set to 0 at x = 0; the sign's is 0.",
    ),
    _c(
        "xlogy.zero",
        "xlogy",
        _XY.format("[0.0]", "[-1.0]"),
        "T.xlogy(x, y).sum()",
        [[0.0], [0.0]],
        "xlogy(0, y) = 0 for y <= 0 too, and its gradient in x is 0 there (not log(y) = NaN).",
    ),
    _c(
        "sinc.zero",
        "sinc",
        _X.format("[0.0]"),
        "T.sinc(x).sum()",
        [[0.0]],
        "sinc'(0) is its limit 0 (the formula's 0 / 0 masked wherever pi x^2 is 0).",
    ),
    _c(
        "logit.outside-eps",
        "logit",
        _X.format("[0.1, 0.9]"),
        "T.logit(x, eps=0.2).sum()",
        [[0.0, 0.0]],
        "logit with eps clamps its input to [eps, 1 - eps]: outside, the gradient is 0.",
    ),
    _c(
        "nan_to_num.inf",
        "nan_to_num",
        _X.format("[float('inf'), float('nan'), 1.0]"),
        "T.nan_to_num(x).sum()",
        [[0.0, 0.0, 1.0]],
        "nan_to_num passes the gradient where its input is finite, none through NaN or inf.",
    ),
    _c(
        "det.singular",
        "linalg.det",
        _X.format("[[0.0, 0.0], [0.0, 1.0]]"),
        "T.linalg.det(x)",
        [[[1.0, 0.0], [0.0, 0.0]]],
        "det's gradient at a singular matrix is its cofactor matrix (det is a polynomial): "
        "[[0, 0], [0, 1]] gives [[1, 0], [0, 0]]. torch gives it with create_graph=True (its "
        "SVD formula for singular inputs) but 0 in a first-order backward and in forward mode "
        "(it scales by det = 0): gradref follows the mathematics, not torch, here.",
    ),
    _c(
        "batch_norm.strided-weight",
        "nn.functional.batch_norm",
        "x = T.tensor([[0.0, 1.0, 4.0], [9.0, 16.0, 25.0]], dtype=T.float64, requires_grad=True); "
        "w = T.tensor([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]], dtype=T.float64)[:, 0]",
        "(T.nn.functional.batch_norm(x, T.zeros(3, dtype=T.float64), T.full((3,), 0.75, "
        "dtype=T.float64), w, training=False, eps=0.25) * T.tensor([[0.0, 1.0, 2.0], [3.0, "
        "4.0, 5.0]], dtype=T.float64)).sum()",
        [[[0.0, 2.0, 6.0], [3.0, 8.0, 15.0]]],
        "batch_norm's input gradient is the cotangent times weight / sqrt(var + eps) in eval "
        "mode, whatever the weight's strides (var + eps = 1 here; some releases refuse eps = "
        "0): weight [1, 2, 3] is every other element of its storage. torch's CPU backward "
        "reads it as contiguous ([1, 10, 2]), in training mode too: gradref follows the "
        "mathematics, not torch, here.",
    ),
)

from .selection import TIE_CONVENTIONS as _TIES  # noqa: E402 - tie rules of the selection ops

CONVENTIONS += tuple(_c(*entry) for entry in _TIES)
