"""``tensor[key]`` and ``tensor[key] = value`` as torch's Python binding does them.

torch (``python_variable_indexing.cpp``, ``ATen/TensorIndexing.h``) turns a key into a chain of
views, applied one position at a time, then at most one advanced-indexing op:

* a lone ``None``, ``...``, int, slice or bool takes a one-index path: ``unsqueeze(0)``,
  ``alias``, ``select(0, i)``, ``slice(0, ...)`` (always recorded, even ``x[:]``), or a boolean
  index;
* anything else becomes a tuple (a non-tuple sequence of indices, with a deprecation warning),
  walked left to right: an int (or a 0-dim integer tensor) is a ``select`` at the current dim,
  a slice a ``slice`` that is skipped when it keeps the whole dim (start 0, step 1, stop at or
  past the end), ``None`` an ``unsqueeze``, ``...`` skips the unspecified dims, and tensors,
  sequences and bools are collected as index tensors for one ``index`` op (IndexBackward0) at
  the end; when nothing was applied the result is ``alias(self)`` (AliasBackward0).

So ``h[:, :1]`` is one SliceBackward0, ``h[:, 1]`` one SelectBackward0, ``h[:, :]`` an
AliasBackward0, and the saved fields are the arguments as torch receives them (a slice's ``None``
stop is ``2**63 - 1``).
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from .. import _dtypes, _forward
from .._ops import (
    finish,
    index_map_node,
    inplace,
    make_view,
    needs_grad,
    record,
    retype,
    set_fields,
)
from .._tensor import Tensor
from ._table import register
from .indexing import _index_gather, _index_put, narrow_slice, select

PY_SSIZE_T_MAX = (1 << 63) - 1
PY_SSIZE_T_MIN = -(1 << 63)

NON_TUPLE_SEQUENCE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result"
)

_INDEX_DTYPES = ("int64", "int32", "uint8", "bool")


# ------------------------------------------------------------------------------ key elements


def _is_long(k) -> bool:
    """THPUtils_checkLong: a Python or NumPy integer, not a bool."""
    return (isinstance(k, int) and not isinstance(k, bool)) or isinstance(k, np.integer)


def _slice_index(v) -> int:
    """A slice bound as CPython's _PyEval_SliceIndex reads it (clamped to Py_ssize_t)."""
    try:
        i = operator.index(v)
    except TypeError:
        raise TypeError(
            "slice indices must be integers or None or have an __index__ method"
        ) from None
    return min(max(int(i), PY_SSIZE_T_MIN), PY_SSIZE_T_MAX)


def unpack_slice(k: slice) -> tuple[int, int, int]:
    """(start, stop, step) as torch unpacks a Python slice (PySlice_Unpack's defaults)."""
    step = 1 if k.step is None else _slice_index(k.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    start = (PY_SSIZE_T_MAX if step < 0 else 0) if k.start is None else _slice_index(k.start)
    stop = (
        (PY_SSIZE_T_MIN if step < 0 else PY_SSIZE_T_MAX) if k.stop is None else _slice_index(k.stop)
    )
    return start, stop, step


def _treat_sequence_as_tuple(key) -> bool:
    """torch's treatSequenceAsTuple (NumPy's old heuristic for a list of indices)."""
    if isinstance(key, tuple):
        return True
    if isinstance(key, (Tensor, np.ndarray)) or not _is_sequence(key):
        return False
    if len(key) >= 32:
        return False
    return any(
        isinstance(k, (Tensor, slice)) or _is_sequence(k) or k is Ellipsis or k is None for k in key
    )


def _is_sequence(k) -> bool:
    return isinstance(k, (list, tuple, range, str, np.ndarray)) or (
        isinstance(k, Tensor) and k.dim() > 0
    )


def _wrap_tuple(key) -> tuple:
    if isinstance(key, tuple):
        return key
    if _treat_sequence_as_tuple(key):
        warnings.warn(NON_TUPLE_SEQUENCE_WARNING, UserWarning, stacklevel=3)
        return tuple(key)
    return (key,)


def _count_specified(key: tuple) -> int:
    """Indexed dims: everything but None, ... and bools; a bool/byte tensor counts its dims."""
    n = 0
    for k in key:
        if isinstance(k, Tensor):
            n += k.dim() if k.dtype in (_dtypes.bool, _dtypes.uint8) else 1
        elif k is not None and k is not Ellipsis and not isinstance(k, bool):
            n += 1
    return n


def _sequence_to_tensor(seq, like: Tensor) -> Tensor:
    """indexing_tensor_from_data: a list of bools is a mask, anything else int64 indices."""
    if isinstance(seq, str) or (
        isinstance(seq, (list, tuple)) and any(isinstance(s, str) for s in seq)
    ):
        raise TypeError("new(): invalid data type 'str'")
    arr = np.asarray(seq)
    if arr.dtype == np.bool_:
        return Tensor._from_array(arr, _dtypes.bool, like.device)
    if arr.size == 0:
        arr = arr.astype(np.int64)
    return Tensor._from_array(arr.astype(np.int64), _dtypes.int64, like.device)


def _bool_index(value: bool, like: Tensor) -> Tensor:
    """boolToIndexingTensor: ``[0]`` for True, ``[]`` for False (int64)."""
    data = np.zeros(1 if value else 0, np.int64)
    return Tensor._from_array(data, _dtypes.int64, like.device)


# ---------------------------------------------------------------------------- applied views


def alias(x: Tensor) -> Tensor:
    return make_view(x, "AliasBackward0", lambda a: a[...])


def apply_select(x: Tensor, dim: int, index: int, real_dim: int) -> Tensor:
    """TensorIndexing's applySelect: the bounds check names the key position ``real_dim``."""
    if x.dim() == 0:
        if index == 0 and dim == 0:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
        size = 0
    else:
        size = x.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"index {index} is out of bounds for dimension {real_dim} with size {size}"
        )
    return select(x, dim, index)


def apply_slice(x: Tensor, dim: int, start: int, stop: int, step: int, optimize: bool) -> Tensor:
    """TensorIndexing's applySlice: a slice keeping the whole dim returns ``x`` itself when
    ``optimize`` (the tuple path), and is recorded otherwise (``x[:]``)."""
    if step <= 0:
        raise ValueError("step must be greater than zero")
    if optimize and x.dim() > 0 and start == 0 and x.shape[dim] <= stop and step == 1:
        return x
    return narrow_slice(x, dim, start, stop, step)


def apply_slicing(self: Tensor, key: tuple, optimize: bool = True):
    """applySlicing: the views of ``key``, and the index tensors (None: whole dim) left for one
    advanced-indexing op; returns (result, indices)."""
    specified = _count_specified(key)
    if specified > self.dim():
        raise IndexError(f"too many indices for tensor of dimension {self.dim()}")
    result, dim, indices = self, 0, []

    def record_index(t: Tensor) -> None:
        # recordTensorIndex: the first index goes at the current dim, later ones after the
        # others; a mask covers as many dims as it has
        nonlocal dim
        if not indices:
            indices.extend([None] * (dim + 1))
            indices[dim] = t
        else:
            indices.append(t)
        dim += t.dim() if t.dtype in (_dtypes.bool, _dtypes.uint8) else 1

    def skip(n: int) -> None:
        nonlocal dim
        dim += n
        if indices:  # dims passed after an index tensor are whole dims of the index op
            indices.extend([None] * n)

    for real_dim, k in enumerate(key):
        if _is_long(k):
            result = apply_select(result, dim, int(k), real_dim)
        elif isinstance(k, slice):
            result = apply_slice(result, dim, *unpack_slice(k), optimize=optimize)
            skip(1)
        elif k is Ellipsis:
            skip(self.dim() - specified)
        elif k is None:
            result = result.unsqueeze(dim)
            skip(1)
        elif isinstance(k, bool):
            result = result.unsqueeze(dim)
            record_index(_bool_index(k, result))
        elif isinstance(k, Tensor):
            integral = k.dtype.category == 1 and k.dtype not in (_dtypes.uint8,)
            if k.dim() == 0 and integral:
                result = apply_select(result, dim, int(k.item()), real_dim)
            elif k.dim() == 0 and k.dtype in (_dtypes.bool, _dtypes.uint8):
                result = result.unsqueeze(dim)
                record_index(_bool_index(bool(k.item()), result))
            else:
                record_index(k)
        elif _is_sequence(k):
            record_index(_sequence_to_tensor(k, self))
        else:
            try:
                i = operator.index(k)
            except TypeError:
                raise IndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                    f"Variables are valid indices (got {type(k).__name__})"
                ) from None
            result = apply_select(result, dim, int(i), real_dim)
    return result, indices


# --------------------------------------------------------------------------- advanced index


def _index_key(x: Tensor, indices: list) -> tuple:
    """The NumPy key of at::index(x, indices), with torch's checks and messages."""
    key, position = [], 0
    for d, t in enumerate(indices):
        if t is None:
            key.append(slice(None))
            continue
        name = t.dtype.name
        if name not in _INDEX_DTYPES:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if name in ("bool", "uint8"):
            if name == "uint8":
                warnings.warn(
                    "indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                    "torch.bool instead.",
                    UserWarning,
                    stacklevel=4,
                )
            mask = t._data.astype(bool)
            for j, n in enumerate(mask.shape):
                if d + j >= x.dim() or x.shape[d + j] != n:
                    raise IndexError(
                        f"The shape of the mask {list(mask.shape)} at index {j} does not match "
                        f"the shape of the indexed tensor {list(x.shape)} at index {d + j}"
                    )
            key.append(mask)
            position += max(mask.ndim, 1)
            continue
        idx = t._data.astype(np.int64)
        size = x.shape[d] if d < x.dim() else 0
        bad = idx[(idx >= size) | (idx < -size)]
        if bad.size:
            raise IndexError(
                f"index {int(bad.flat[0])} is out of bounds for dimension {position} with size "
                f"{size}"
            )
        key.append(idx)
        position += 1
    # masks take part as their nonzero() index arrays, one per dim they cover
    arrays = []
    for k in key:
        if isinstance(k, np.ndarray):
            arrays.extend(np.nonzero(k) if k.dtype == np.bool_ else [k])
    try:
        np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
        ) from None
    return tuple(key)


def _trim(indices: list) -> list:
    """dispatch_index: trailing None entries are dropped."""
    indices = list(indices)
    while indices and indices[-1] is None:
        indices.pop()
    return indices


def index(x: Tensor, indices: list) -> Tensor:
    """at::index: advanced indexing (a copy); IndexBackward0 saves the index tensors."""
    indices = _trim(indices)
    key = _index_key(x, indices)
    y = finish(x._data[key], x.dtype, x.device)
    if needs_grad(x):
        fields = {"indices": tuple(indices), "self_sym_sizes": tuple(x.shape)}
        y._grad_fn = index_map_node("IndexBackward0", x, lambda a: a[key], y.shape, fields=fields)
    tangent = _forward.get_tangent(x)
    if tangent is not None:  # forward mode: the tangent is indexed the same way
        _forward.set_tangent(y, finish(tangent._data[key], tangent.dtype, tangent.device))
    return y


# ------------------------------------------------------------------------------- get, set


def getitem(self: Tensor, key):
    """``self[key]`` (see the module doc)."""
    if key is None:
        return self.unsqueeze(0)
    if key is Ellipsis:
        return alias(self)
    if _is_long(key):
        return apply_select(self, 0, int(key), 0)
    if isinstance(key, slice):
        return apply_slice(self, 0, *unpack_slice(key), optimize=False)
    if isinstance(key, bool):
        result = self.unsqueeze(0)
        return index(result, [_bool_index(key, result)])
    result, indices = apply_slicing(self, _wrap_tuple(key))
    if not indices:
        return alias(result) if result is self else result
    return index(result, indices)


def _is_scalar(value) -> bool:
    return isinstance(value, (bool, int, float, complex, np.number, np.bool_))


def _value_tensor(value, like: Tensor) -> Tensor:
    """valueToTensor: a number becomes a 0-dim tensor with the destination's dtype and device."""
    if isinstance(value, Tensor):
        return value
    if _is_scalar(value):
        return Tensor._from_array(np.asarray(value).astype(like.dtype.np), like.dtype, like.device)
    raise TypeError(
        f"can't assign a {type(value).__name__} to a {_dtypes.legacy_type_name(like.dtype)}"
    )


def _strip_leading_ones(shape) -> tuple:
    """slicePrefix1sDims: the shape without its leading size-1 dims."""
    shape = tuple(shape)
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return shape[k:]


def copy_to(dst: Tensor, src) -> None:
    """TensorIndexing's copy_to: ``fill_`` with a number; with a tensor, copy_ when the shapes
    match, fill_ with a 0-dim CPU value, else a view of ``src`` without leading 1s expanded to
    ``dst``'s shape, then copy_."""
    if not isinstance(src, Tensor):
        dst.fill_(src)
        return
    if tuple(dst.shape) == tuple(src.shape):
        dst.copy_(src)
        return
    if src.dim() == 0 and src.device.type == "cpu":
        dst.fill_(src)
        return
    src_view = src.view(_strip_leading_ones(src.shape))
    if tuple(src_view.shape) != tuple(dst.shape):
        src_view = src_view.expand(tuple(dst.shape))
    dst.copy_(src_view)


def _masked_fill_mask(x: Tensor, indices: list):
    """canDispatchToMaskedFill: the one mask of an all-mask index list (unsqueezed over the
    trailing dims), or None."""
    mask, leading = None, 0
    for t in indices:
        if t is None:
            if mask is None:
                leading += 1
            continue
        if t.dtype not in (_dtypes.bool, _dtypes.uint8) or mask is not None:
            return None
        for j, n in enumerate(t.shape):
            at = leading + j
            if at >= x.dim() or x.shape[at] != n:
                raise IndexError(
                    f"The shape of the mask {list(t.shape)} at index {j} does not match the "
                    f"shape of the indexed tensor {list(x.shape)} at index {at}"
                )
        mask, leading = t, leading + t.dim()
    if mask is None:
        return None
    for _ in range(leading, x.dim()):
        mask = mask.unsqueeze(-1)
    return mask


def _index_fill_dim(indices: list):
    """try_dispatch_index_fill_: the dim of the one int64 index tensor, or None."""
    found = [d for d, t in enumerate(indices) if t is not None]
    if len(found) != 1:
        return None
    t = indices[found[0]]
    if t.dtype is not _dtypes.int64 or (t.dim() > 1 and not t.is_contiguous()):
        return None
    return found[0]


def setitem(self: Tensor, key, value) -> None:
    """``self[key] = value`` as torch's set_item: the views of ``getitem`` (a whole-dim slice
    skipped, even alone), then copy_to the result; with index tensors, a number is written by
    masked_fill_ (one mask) or index_fill_ (one int64 index), anything else by index_put_."""
    if not _is_scalar(value):
        value = _value_tensor(value, self)
    if key is False:
        return
    if key is Ellipsis:
        copy_to(self, value)
        return
    if key is None or key is True:
        copy_to(self.unsqueeze(0), value)
        return
    if _is_long(key):
        copy_to(apply_select(self, 0, int(key), 0), value)
        return
    if isinstance(key, slice):
        copy_to(apply_slice(self, 0, *unpack_slice(key), optimize=True), value)
        return
    sliced, indices = apply_slicing(self, _wrap_tuple(key))
    if not indices:
        copy_to(sliced, value)
        return
    indices = _trim(indices)
    if not isinstance(value, Tensor):
        mask = _masked_fill_mask(sliced, indices)
        if mask is not None:
            sliced.masked_fill_(mask, value)
            return
        d = _index_fill_dim(indices)
        if d is not None:
            idx = indices[d]
            sliced.index_fill_(d, idx.view(-1) if idx.dim() > 1 else idx, value)
            return
        value = _value_tensor(value, self)
    stripped = _strip_leading_ones(value.shape)
    if stripped != tuple(value.shape):
        value = value.view(stripped)
    index_put_(sliced, indices, value)


def index_put_(self: Tensor, indices, value, accumulate: bool = False) -> Tensor:
    """``self.index_put_(indices, value)`` (accumulate=False): IndexPutBackward0."""
    indices = list(indices)
    key = _index_key(self, indices)
    positions = np.array(np.arange(self.numel()).reshape(self.shape)[key])
    if value.dtype is not self.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_dtypes.scalar_type_name(self.dtype)} for the destination and "
            f"{_dtypes.scalar_type_name(value.dtype)} for the source."
        )

    def put(x, v):

        y = _index_put(x, positions, v)
        if y.grad_fn is not None:
            retype(y.grad_fn, "IndexPutBackward0")
            set_fields(y.grad_fn, {"accumulate": accumulate, "indices": tuple(indices)})
        return y

    return inplace(self, put, value)


@register("index_put", node="IndexPutBackward0")
def index_put(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """``self`` with ``values`` (broadcast) written at ``indices`` (added there with
    ``accumulate``, repeated indices adding up): IndexPutBackward0. The gradient of ``self`` is
    the gradient (accumulate) or the gradient with zeros at the indices; that of ``values`` is
    the gradient at the indices, summed back to its shape."""
    indices = list(indices)
    key = _index_key(self, indices)
    positions = np.array(np.arange(self.numel()).reshape(self.shape)[key])
    if values.dtype is not self.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_dtypes.scalar_type_name(self.dtype)} for the destination and "
            f"{_dtypes.scalar_type_name(values.dtype)} for the source."
        )
    flat = np.array(self._data).reshape(-1)
    v = np.broadcast_to(values._data, positions.shape).reshape(-1)
    if accumulate:
        np.add.at(flat, positions.reshape(-1), v)
    else:
        flat[positions.reshape(-1)] = v
    y = Tensor._from_array(flat.reshape(self.shape), self.dtype, self.device)
    v_shape = tuple(values.shape)

    def vjp_self(g, c):
        if accumulate:
            return g
        zeros = Tensor._from_array(np.zeros(positions.shape, g.dtype.np), g.dtype, g.device)
        return _index_put(g, positions, zeros)

    record(
        "IndexPutBackward0",
        [self, values],
        [y],
        [vjp_self, lambda g, c: _index_gather(g, positions).sum_to_size(v_shape)],
        [("indices",), ("indices",)],
        {"accumulate": accumulate, "indices": tuple(indices)},
    )
    return y


def _index_put_inplace(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    if accumulate:
        return inplace(self, lambda x, v: index_put(x, indices, v, True), values)
    return index_put_(self, indices, values, accumulate)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
Tensor.index_put_ = lambda self, indices, values, accumulate=False: _index_put_inplace(
    self, indices, values, accumulate
)
