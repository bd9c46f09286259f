"""Sliding blocks: ``unfold`` (im2col: every block of a padded image as a column) and its adjoint
``fold`` (col2im: columns summed back into an image), each the other's VJP, with torch's nodes
(Im2ColBackward0, Col2ImBackward0), saved fields, checks and messages."""

from __future__ import annotations

import numpy as np

from .._ops import finish, record
from .._tensor import Tensor
from ._table import register
from .indexing import _scatter_np


def _pair(v, name: str) -> tuple:
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * 2
    if len(v) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(v)}")
    return v


def _trunc_div(a: int, b: int) -> int:
    """C++'s integer division (towards zero), which torch's block counts use."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _blocks(spatial, kernel, dilation, padding, stride) -> tuple:
    return tuple(
        _trunc_div(s + 2 * p - (d * (k - 1) + 1), st) + 1
        for s, k, d, p, st in zip(spatial, kernel, dilation, padding, stride)
    )


def _check_params(kernel, dilation, padding, stride, *, fold: bool) -> None:
    kernel_msg = (
        "kernel size should be greater than zero, but got "
        f"kernel_height: {kernel[0]} kernel_width: {kernel[1]}"
    )
    checks = [
        (all(k > 0 for k in kernel), kernel_msg),
        (
            all(d > 0 for d in dilation),
            "dilation should be greater than zero, but got "
            f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}",
        ),
        (
            all(p >= 0 for p in padding),
            "padding should be non-negative, but got "
            f"pad_height: {padding[0]} pad_width: {padding[1]}",
        ),
        (
            all(s > 0 for s in stride),
            "stride should be greater than zero, but got "
            f"stride_height: {stride[0]} stride_width: {stride[1]}",
        ),
    ]
    if fold:  # col2im checks the stride before the dilation and the padding
        checks = [checks[0], checks[3], checks[1], checks[2]]
    for ok, msg in checks:
        if not ok:
            raise RuntimeError(msg)


def _index(batch_channels: int, padded, kernel, dilation, stride, blocks) -> np.ndarray:
    """Flat indices into the padded image (N*C, Hp, Wp) of every block element, shaped
    (N*C, kh, kw, bh, bw)."""
    rows = np.arange(kernel[0])[:, None] * dilation[0] + np.arange(blocks[0])[None, :] * stride[0]
    cols = np.arange(kernel[1])[:, None] * dilation[1] + np.arange(blocks[1])[None, :] * stride[1]
    within = rows[:, None, :, None] * padded[1] + cols[None, :, None, :]
    base = np.arange(batch_channels) * (padded[0] * padded[1])
    return base[:, None, None, None, None] + within[None]


def _im2col(x: np.ndarray, kernel, dilation, padding, stride, blocks) -> np.ndarray:
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    idx = _index(n * c, xp.shape[2:], kernel, dilation, stride, blocks)
    cols = xp.reshape(-1)[idx]  # (N*C, kh, kw, bh, bw)
    return cols.reshape(n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])


def _col2im(cols: np.ndarray, size, channels, kernel, dilation, padding, stride, blocks):
    n = cols.shape[0]
    padded = (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
    idx = _index(n * channels, padded, kernel, dilation, stride, blocks)
    full = _scatter_np(cols.reshape(idx.shape), idx, (n * channels,) + padded)
    full = full.reshape((n, channels) + padded)
    return full[:, :, padding[0] : padding[0] + size[0], padding[1] : padding[1] + size[1]]


@register("im2col", node="Im2ColBackward0", method=False)
def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    kernel, dilation = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    padding, stride = _pair(padding, "padding"), _pair(stride, "stride")
    _check_params(kernel, dilation, padding, stride, fold=False)
    shape = list(input.shape)
    if input.dim() not in (3, 4) or any(s == 0 for s in shape[1:]):
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {shape}"
        )
    spatial = tuple(shape[-2:])
    blocks = _blocks(spatial, kernel, dilation, padding, stride)
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size {spatial}, kernel_size={kernel}, "
            f"dilation={dilation}, padding={padding}, calculated shape of the array of "
            f"sliding blocks as {blocks}, but its components must be at least one."
        )
    # an unbatched input is one node too: computed as a batch of one
    x = input._data if input.dim() == 4 else input._data[None]
    data = _im2col(x, kernel, dilation, padding, stride, blocks)
    data = data if input.dim() == 4 else data[0]
    y = finish(data, input.dtype, input.device)
    record(
        "Im2ColBackward0",
        [input],
        [y],
        [lambda g, c: fold(g, spatial, kernel, dilation, padding, stride)],
        [()],
        {
            "kernel_size": kernel,
            "dilation": dilation,
            "padding": padding,
            "stride": stride,
            "self_sym_argsize_minus_2": spatial[0],
            "self_sym_argsize_minus_1": spatial[1],
        },
    )
    return y


@register("col2im", node="Col2ImBackward0", method=False)
def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    size, kernel = _pair(output_size, "output_size"), _pair(kernel_size, "kernel_size")
    dilation, padding, stride = (
        _pair(dilation, "dilation"),
        _pair(padding, "padding"),
        _pair(stride, "stride"),
    )
    _check_params(kernel, dilation, padding, stride, fold=True)
    shape = list(input.shape)
    if input.dim() not in (2, 3) or any(s == 0 for s in shape[1:]):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {shape}"
        )
    per_block = kernel[0] * kernel[1]
    if shape[-2] % per_block:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={shape[-2]} and kernel_size={kernel}."
        )
    blocks = _blocks(size, kernel, dilation, padding, stride)
    if blocks[0] * blocks[1] != shape[-1] or any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match "
            f"the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{blocks[0] * blocks[1]}, but got input.size(2)={shape[-1]}."
        )
    channels = shape[-2] // per_block
    cols = input._data if input.dim() == 3 else input._data[None]
    data = _col2im(cols, size, channels, kernel, dilation, padding, stride, blocks)
    data = data if input.dim() == 3 else data[0]
    y = finish(np.ascontiguousarray(data), input.dtype, input.device)
    record(
        "Col2ImBackward0",
        [input],
        [y],
        [lambda g, c: unfold(g, kernel, dilation, padding, stride)],
        [()],
        {"kernel_size": kernel, "dilation": dilation, "padding": padding, "stride": stride},
    )
    return y
