"""In-place-only ops: copy_, fill_, zero_. Other in-place ops (``add_``, ``mul_``...) are
generated from their out-of-place forms by ``_ops.inplace``."""

from __future__ import annotations

import numpy as np

from .. import _dtypes, _engine, _grad_mode
from .._ops import (
    check_inplace,
    finish,
    inplace,
    is_scalar,
    needs_grad,
    new_node,
    record,
    set_fields,
)
from .._tensor import Tensor
from .indexing import _index_scatter
from .pointwise import _zero_grad, broadcast_shapes
from .shape import _strided_positions


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
        [_zero_grad, lambda g, c: g],
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
            [_zero_grad, lambda g, c: g.sum()],
            [(), ()],
        )
        return y
    if not is_scalar(value):
        raise TypeError(f"fill_(): argument 'value' must be Number, not {type(value).__name__}")
    y = finish(np.full(self._data.shape, value), self.dtype, self.device)
    record("FillBackward2", [self], [y], [_zero_grad], [()])
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
    record("ZeroBackward0", [self], [y], [_zero_grad], [()])
    return y


def zero_(self: Tensor) -> Tensor:
    return inplace(self, _zero_values, check_internal_overlap=False)


Tensor.copy_ = copy_
Tensor.fill_ = fill_
Tensor.zero_ = zero_


# ------------------------------------------------------------------------------ set_, as_strided_


def _not_implemented(name: str):
    def vjp(g, c):
        raise RuntimeError(f"derivative for {name} is not implemented")

    return vjp


def set_(self: Tensor, source=None) -> Tensor:
    """Make ``self`` share ``source``'s memory, size and strides (an empty tensor with none).
    An in-place op: refused on a leaf that requires grad while grad mode records; where grad
    is recorded, the history becomes torch's NotImplemented node, whose backward raises
    "derivative for set_ is not implemented"."""
    if source is not None and not isinstance(source, Tensor):
        raise NotImplementedError("gradref.Tensor.set_: only a Tensor source")
    check_inplace(self, *([source] if source is not None else []))
    if source is not None and source.dtype is not self.dtype:
        raise RuntimeError(
            f"Could not set tensor of type {_dtypes.scalar_type_name(source.dtype)} to a tensor "
            f"of type {_dtypes.scalar_type_name(self.dtype)}"
        )
    recording = _grad_mode.is_grad_enabled() and needs_grad(self, source)
    edges = [self, source]
    if recording:
        node = new_node(
            "torch::autograd::NotImplemented",
            [
                _engine.gradient_edge(t) if t is not None and t.requires_grad else (None, 0)
                for t in edges
            ],  # fmt: skip
            (_not_implemented("set_"), _not_implemented("set_")),
            (True, True),
        )
    if source is None:
        self._data = np.zeros((0,), self.dtype.np)
        self._offset = 0
    else:
        self._data = source._data
        self._offset = source.storage_offset()
    self._vc.bump()
    if recording:
        self._grad_fn = node
        self._output_nr = 0
        node._input_metadata = [_engine.InputMetadata(self)]
    return self


def as_strided_(self: Tensor, size, stride, storage_offset=None) -> Tensor:
    """``self`` restrided in place to ``size`` and ``stride`` over its (contiguous) storage;
    where grad is recorded the node is AsStridedBackward1, whose gradient adds each element
    back to the storage position it reads."""
    check_inplace(self)
    old_shape = tuple(self.shape)
    pos = _strided_positions(self, size, stride, storage_offset)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    item = self._data.itemsize
    flat = self._data.reshape(-1)
    first = int(pos.reshape(-1)[0]) if pos.size else 0
    view = np.lib.stride_tricks.as_strided(
        flat[first:] if flat.size else flat, size, tuple(s * item for s in stride)
    )
    recording = _grad_mode.is_grad_enabled() and needs_grad(self)
    if recording:
        node = new_node(
            "AsStridedBackward1",
            [_engine.gradient_edge(self)],
            (lambda g, c: _index_scatter(g, pos, old_shape),),
            (True,),
        )
        set_fields(node, {"size": size, "stride": stride, "storage_offset": storage_offset})
    self._data = view
    self._offset = self.storage_offset() + first
    if recording:
        self._grad_fn = node
        self._output_nr = 0
        node._input_metadata = [_engine.InputMetadata(self)]
    return self


Tensor.set_ = set_
Tensor.as_strided_ = as_strided_
