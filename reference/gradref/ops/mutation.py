"""In-place-only ops: copy_, fill_, zero_. Other in-place ops (``add_``, ``mul_``...) are
generated from their out-of-place forms by ``_ops.inplace``."""

from __future__ import annotations

import numpy as np

from .._ops import finish, inplace, is_scalar, record
from .._tensor import Tensor
from .pointwise import broadcast_shapes


def _copy_values(self: Tensor, src) -> Tensor:
    if isinstance(src, Tensor):
        data = src._data
        if src.dtype.is_complex and not self.dtype.is_complex:
            import warnings

            warnings.warn(
                "Casting complex values to real discards the imaginary part",
                UserWarning,
                stacklevel=3,
            )
            data = data.real

        shape = broadcast_shapes(tuple(self.shape), tuple(src.shape))
        if shape != tuple(self.shape):
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(shape)}"
            )
        data = np.broadcast_to(data, self._data.shape)
    else:
        data = np.broadcast_to(np.asarray(src), self._data.shape)
    y = finish(data, self.dtype, self.device)
    record(
        "torch::autograd::CopyBackwards",
        [self, src if isinstance(src, Tensor) else None],
        [y],
        [lambda g, c: g * 0, lambda g, c: g],
        [(), ()],
    )
    return y


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into ``self``; the gradient flows to ``src`` only."""
    # copying a tensor onto itself is a no-op for the data: torch skips the overlap checks
    return inplace(
        self, _copy_values, src, check_dtype=False, check_internal_overlap=src is not self
    )


def _fill_values(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.dim()} dimensions."
            )
        y = finish(np.broadcast_to(value._data, self._data.shape), self.dtype, self.device)
        record(
            "FillBackward3",
            [self, value],
            [y],
            [lambda g, c: g * 0, lambda g, c: g.sum()],
            [(), ()],
        )
        return y
    if not is_scalar(value):
        raise TypeError(f"fill_(): argument 'value' must be Number, not {type(value).__name__}")
    y = finish(np.full(self._data.shape, value), self.dtype, self.device)
    record("FillBackward2", [self], [y], [lambda g, c: g * 0], [()])
    return y


def fill_(self: Tensor, value) -> Tensor:
    # torch's fill_ with a number may write an expanded tensor; with a tensor it checks overlap
    return inplace(
        self,
        _fill_values,
        value,
        check_dtype=False,
        check_internal_overlap=isinstance(value, Tensor),
    )


def _zero_values(self: Tensor) -> Tensor:
    y = finish(np.zeros(self._data.shape), self.dtype, self.device)
    record("ZeroBackward0", [self], [y], [lambda g, c: g * 0], [()])
    return y


def zero_(self: Tensor) -> Tensor:
    return inplace(self, _zero_values, check_internal_overlap=False)


Tensor.copy_ = copy_
Tensor.fill_ = fill_
Tensor.zero_ = zero_
