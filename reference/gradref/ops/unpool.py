"""Max unpooling (torch's max_unpool{1,2,3}d): each input value written at its index of a
zero output plane, the partial inverse of max pooling with indices. The VJP gathers the
cotangent at the indices (MaxUnpool2DBackward0, MaxUnpool3DBackward0); 1-d runs as 2-d with a
height of 1, as torch does."""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._ops import finish, record
from .._tensor import Tensor
from ._table import register


def _ntuple(v, n: int) -> tuple:
    return (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)


def _output_size(input: Tensor, kernel, stride, padding, size) -> tuple:
    """torch.nn.functional's size rule: the default inverts max pooling's; a given size (the
    spatial dims, or with batch and channels) must lie strictly within a stride of it."""
    n = len(kernel)
    spatial = tuple(input.shape[-n:])
    default = [(s - 1) * st + k - 2 * p for s, k, st, p in zip(spatial, kernel, stride, padding)]
    if size is None:
        return tuple(default)
    size = tuple(size)
    if len(size) == n + 2:
        size = size[2:]
    if len(size) != n:
        raise ValueError(
            f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a "
            f"length of '{len(size)}'"
        )
    for d in range(n):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < size[d] < high:
            raise ValueError(
                f'invalid output_size "{size}" (dim {d} must be between {low} and {high})'
            )
    return size


def _unpool(input: Tensor, indices: Tensor, size: tuple, n: int) -> Tensor:
    name = f"max_unpooling{n}d"
    if indices.dtype is not _dtypes.int64:
        got = _dtypes.scalar_type_name(indices.dtype)
        raise RuntimeError(f"elements in indices should be type int64 but got: {got}")
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(
            f"Input to {name} should be a {n + 1}d or {n + 2}d Tensor, but got a tensor with "
            f"{input.dim()} dimensions."
        )
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            "Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    for d in range(input.dim() - n - 1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{name}_forward_out_cpu(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {list(input.shape)} with dimension {d} being "
                "empty"
            )
    lead = tuple(input.shape[:-n])
    plane = int(np.prod(size))
    per_plane = int(np.prod(input.shape[-n:]))
    idx = indices._data.reshape(lead + (per_plane,))
    invalid = ((idx < 0) | (idx >= plane)).reshape(-1, per_plane)
    if invalid.any():
        # torch's loop names the first plane with an invalid index, and the last one in it
        row = int(np.argmax(invalid.any(axis=1)))
        bad = idx.reshape(-1, per_plane)[row][invalid[row]][-1]
        sizes = "x".join(str(s) for s in size)
        raise RuntimeError(
            f"Found an invalid max index: {int(bad)} (output volumes are of size {sizes})"
        )
    flat = np.zeros(lead + (plane,), input.dtype.np)
    np.put_along_axis(flat, idx, input._data.reshape(lead + (per_plane,)), axis=-1)
    y = finish(flat.reshape(lead + tuple(size)), input.dtype, input.device)
    record(
        f"MaxUnpool{n}DBackward0",
        [input],
        [y],
        [
            lambda g, c: (
                g.reshape(lead + (plane,))
                .gather(-1, c.indices.reshape(lead + (-1,)))
                .reshape(tuple(c.indices.shape))
            )
        ],
        [("indices",)],
        {"indices": indices},
    )
    return y


def _max_unpool(input, indices, kernel_size, stride, padding, output_size_, n):
    kernel = _ntuple(kernel_size, n)
    stride = kernel if stride is None else _ntuple(stride, n)
    padding = _ntuple(padding, n)
    size = _output_size(input, kernel, stride, padding, output_size_)
    return _unpool(input, indices, size, n)


@register("max_unpool2d", node="MaxUnpool2DBackward0", method=False)
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


@register("max_unpool3d", node="MaxUnpool3DBackward0", method=False)
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


@register("max_unpool1d", method=False)
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel = _ntuple(kernel_size, 1)
    stride = kernel if stride is None else _ntuple(stride, 1)
    padding = _ntuple(padding, 1)
    size = _output_size(input, kernel, stride, padding, output_size)
    out = _unpool(input.unsqueeze(-1), indices.unsqueeze(-1), tuple(size) + (1,), 2)
    return out.squeeze(-1)
