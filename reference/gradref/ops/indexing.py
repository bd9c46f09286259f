"""Indexing: the three linear primitives every view and index op's gradient is built from, and
``tensor[key]`` / ``tensor[key] = value`` with torch's semantics.

* ``_index_gather(x, idx)``: ``x.flatten()[idx]`` (any ``idx`` shape);
* ``_index_scatter(g, idx, shape)``: zeros of ``shape`` with ``g`` added at ``idx`` (repeats add);
* ``_index_put(x, idx, v)``: ``x`` with the elements at ``idx`` replaced by ``v``.

Each is the VJP of another, so double backward through any view or index works.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._ops import (
    compute_np_dtype,
    finish,
    inplace,
    make_view,
    needs_grad,
    record,
)
from .._ops import retype as _retype
from .._tensor import Tensor
from ._table import register


def _scatter_np(values: np.ndarray, idx: np.ndarray, shape) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    flat_idx = idx.reshape(-1)
    vals = values.reshape(-1)
    if np.iscomplexobj(vals):
        out = np.bincount(flat_idx, weights=vals.real, minlength=n) + 1j * np.bincount(
            flat_idx, weights=vals.imag, minlength=n
        )
    elif vals.dtype == np.bool_ or vals.dtype.kind in "iu":
        out = np.zeros(n, dtype=vals.dtype)
        np.add.at(out, flat_idx, vals)
    else:
        out = np.bincount(flat_idx, weights=vals.astype(np.float64), minlength=n)
    return out.reshape(shape)


def _index_gather(x: Tensor, idx: np.ndarray) -> Tensor:
    y = finish(x._data.reshape(-1)[idx], x.dtype, x.device)
    record(
        "IndexBackward0",
        [x],
        [y],
        [lambda g, c: _index_scatter(g, c.idx, c.shape)],
        [("idx", "shape")],
        {"idx": idx, "shape": tuple(x.shape)},
    )
    return y


def _index_scatter(g: Tensor, idx: np.ndarray, shape) -> Tensor:
    cdt = compute_np_dtype(g.dtype)
    y = finish(_scatter_np(g._data.astype(cdt), idx, shape), g.dtype, g.device)
    record("IndexPutBackward0", [g], [y], [lambda gg, c: _index_gather(gg, idx)], [()])
    return y


def _index_put(x: Tensor, idx: np.ndarray, v: Tensor) -> Tensor:
    data = x._data.copy().reshape(-1)
    data[idx.reshape(-1)] = np.broadcast_to(v._data.astype(x.dtype.np), idx.shape).reshape(-1)
    y = finish(data.reshape(x.shape), x.dtype, x.device)

    def vjp_x(g, c):
        zeros = Tensor._from_array(np.zeros(idx.shape, g.dtype.np), g.dtype, g.device)
        return _index_put(g, idx, zeros)

    record("IndexPutBackward0", [x, v], [y], [vjp_x, lambda g, c: _index_gather(g, idx)], [(), ()])
    return y


# --------------------------------------------------------------------------------- getitem


def _normalize_key(key):
    if not isinstance(key, tuple):
        key = (key,)
    return key


def _is_advanced(k) -> bool:
    return isinstance(k, (Tensor, list, np.ndarray)) or (isinstance(k, bool))


def _as_index_array(k):
    if isinstance(k, Tensor):
        if k.dtype.category >= 2:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k._data
    arr = np.asarray(k)
    if arr.dtype.kind == "f":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr


def getitem(self: Tensor, key):
    """``self[key]``: ints, slices (positive steps), None, Ellipsis as views, applied one at a
    time as torch does (SelectBackward0, SliceBackward0, UnsqueezeBackward0); tensor, list and
    bool indices as one IndexBackward0 copy."""
    key = _normalize_key(key)
    n_specified = sum(
        1
        for k in key
        if k is not None
        and k is not Ellipsis
        and not (isinstance(k, Tensor) and k.dtype is _dtypes.bool)
        and not isinstance(k, bool)
    )
    n_specified += sum(k.dim() for k in key if isinstance(k, Tensor) and k.dtype is _dtypes.bool)
    if n_specified > self.dim():
        raise IndexError(f"too many indices for tensor of dimension {self.dim()}")
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if any(_is_advanced(k) for k in key):
        return _advanced_getitem(self, key)
    out = self
    dim = 0
    for pos, k in enumerate(key):
        if k is Ellipsis:
            rest = sum(1 for kk in key[pos + 1 :] if kk is not None)
            dim = out.dim() - rest
            continue
        if k is None:
            out = out.unsqueeze(dim)
            dim += 1
        elif isinstance(k, (int, np.integer)):
            size = out.shape[dim] if dim < out.dim() else 0
            if not -size <= int(k) < size:
                raise IndexError(
                    f"index {int(k)} is out of bounds for dimension {dim} with size {size}"
                )
            out = select(out, dim, int(k))
        elif isinstance(k, slice):
            out = _slice(out, dim, k)
            dim += 1
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                "are valid indices (got " + type(k).__name__ + ")"
            )
    if out is self:
        out = make_view(self, "AliasBackward0", lambda a: a[...])
    return out


def _advanced_getitem(self: Tensor, key):
    np_key = []
    for k in key:
        if isinstance(k, (Tensor, list, np.ndarray)):
            np_key.append(_as_index_array(k))
        elif isinstance(k, bool):
            np_key.append(np.bool_(k))
        elif isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            np_key.append(k)
        else:
            np_key.append(k)
    np_key = tuple(np_key)
    _check_bounds(self, np_key)
    data = self._data[np_key]
    y = finish(data, self.dtype, self.device)
    if needs_grad(self):
        from .._ops import index_map_node

        y._grad_fn = index_map_node("IndexBackward0", self, lambda a: a[np_key], y.shape)
    return y


def _check_bounds(self: Tensor, np_key) -> None:
    dim = 0
    for k in np_key:
        if isinstance(k, np.ndarray) and k.dtype.kind in "iu":
            size = self.shape[dim] if dim < self.dim() else 0
            if k.size and (k.max() >= size or k.min() < -size):
                bad = int(k.max() if k.max() >= size else k.min())
                raise IndexError(
                    f"index {bad} is out of bounds for dimension {dim} with size {size}"
                )
            dim += 1
        elif isinstance(k, np.ndarray) and k.dtype == np.bool_:
            dim += max(k.ndim, 1) if k.ndim else 0
        elif k is None:
            continue
        else:
            dim += 1


@register("select", node="SelectBackward0")
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (a view)."""
    from .._tensor import _wrap_dim

    if input.dim() == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {d}"
        )
    i = index % size
    sl = (slice(None),) * d + (i, Ellipsis)
    return make_view(input, "SelectBackward0", lambda a: a[sl])


def _slice(input: Tensor, dim: int, k: slice) -> Tensor:
    if k.step is not None and k.step <= 0:
        raise ValueError("step must be greater than zero")
    if input.dim() == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    sl = (slice(None),) * dim + (k, Ellipsis)
    return make_view(input, "SliceBackward0", lambda a: a[sl])


@register("narrow", node="SliceBackward0")
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    from .._tensor import _wrap_dim

    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _slice(input, d, slice(start, start + length))


def setitem(self: Tensor, key, value) -> None:
    """``self[key] = value``: a copy into the view (CopySlices) or an index_put_."""
    key = _normalize_key(key)
    if any(_is_advanced(k) for k in key):
        index_put_(self, key, value)
        return
    getitem(self, key).copy_(value)


def _scalar_tensor(value, like: Tensor) -> Tensor:
    """A number assigned by ``t[key] = value``: a 0-dim tensor of ``t``'s dtype (not a wrapped
    number; torch's setitem builds it with the destination's options)."""
    return Tensor._from_array(np.asarray(value).astype(like.dtype.np), like.dtype, like.device)


def index_put_(self: Tensor, key, value) -> Tensor:
    np_key = tuple(
        _as_index_array(k) if isinstance(k, (Tensor, list, np.ndarray)) else k for k in key
    )
    _check_bounds(self, np_key)
    index = np.array(np.arange(self.numel()).reshape(self.shape)[np_key])
    if isinstance(value, Tensor) and value.dtype is not self.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_dtypes.scalar_type_name(self.dtype)} for the destination and "
            f"{_dtypes.scalar_type_name(value.dtype)} for the source."
        )
    v = value if isinstance(value, Tensor) else _scalar_tensor(value, self)

    def put(x, v):
        y = _index_put(x, index, v)
        if y.grad_fn is not None:
            _retype(y.grad_fn, "IndexPutBackward0")
        return y

    return inplace(self, put, v)


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
Tensor.index_put_ = lambda self, indices, values, accumulate=False: index_put_(
    self, tuple(indices), values
)


@register("nonzero", inplace=False)
def nonzero(input: Tensor, *, as_tuple: bool = False):
    nz = np.nonzero(input._data)
    if as_tuple:
        return tuple(
            Tensor._from_array(a.astype(np.int64), _dtypes.int64, input.device) for a in nz
        )
    return Tensor._from_array(np.stack(nz, axis=-1).astype(np.int64), _dtypes.int64, input.device)


# ------------------------------------------------------------- gather, scatter_add, index_select


def _index_tensor(name: str, index) -> np.ndarray:
    if not isinstance(index, Tensor) or index.dtype is not _dtypes.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return index._data


def _along(index: np.ndarray, dim: int) -> tuple:
    """Full NumPy index tuples for torch's gather/scatter: position, with ``index`` at ``dim``."""
    grids = list(np.indices(index.shape, sparse=True)) if index.ndim else []
    if index.ndim == 0:
        return (index,)
    grids[dim] = index
    return tuple(grids)


def _check_gather(name, input: Tensor, dim: int, idx: np.ndarray, other_shape=None) -> None:
    nd = max(input.dim(), 1)
    if max(idx.ndim, 1) != nd:
        raise RuntimeError(
            "Index tensor must have the same number of dimensions as "
            f"{'input' if name == 'gather' else 'self'} tensor"
        )
    size = input.shape[dim] if input.dim() else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


@register("gather", node="GatherBackward0")
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (dim 0); the gradient is a scatter_add into zeros."""
    from .._tensor import _wrap_dim

    idx = _index_tensor("gather", index)
    d = _wrap_dim(dim, input.dim())
    _check_gather("gather", input, d, idx)
    data = input._data.reshape(input.shape if input.dim() else (1,))
    key = _along(idx.reshape(idx.shape if idx.ndim else (1,)) % max(data.shape[d], 1), d)
    out = data[key].reshape(idx.shape)
    y = finish(out, input.dtype, input.device)
    shape = tuple(input.shape)

    def vjp(g, c):
        zeros = Tensor._from_array(np.zeros(shape, g.dtype.np), g.dtype, g.device)
        return scatter_add(zeros, d, c.index, g)

    record(
        "GatherBackward0", [input], [y], [vjp], [("index", "self")], {"index": index, "self": input}
    )
    return y


@register("scatter_add", node="ScatterAddBackward0", inplace=True)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """input with src[i][j] added at [index[i][j]][j] (dim 0), repeats adding up; gradients:
    ``grad`` for input, ``grad.gather(dim, index)`` for src."""
    from .._tensor import _wrap_dim

    idx = _index_tensor("scatter_add", index)
    d = _wrap_dim(dim, input.dim())
    _check_gather("scatter_add", input, d, idx)
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    shape = tuple(input.shape)
    cdt = compute_np_dtype(input.dtype)
    data = input._data.astype(cdt).reshape(shape if shape else (1,)).copy()
    if idx.size:
        i2 = idx.reshape(idx.shape if idx.ndim else (1,))
        key = _along(i2 % data.shape[d], d)
        region = tuple(slice(0, s) for s in i2.shape)
        s_data = src._data.astype(cdt).reshape(src.shape if src.dim() else (1,))[region]
        np.add.at(data, key, s_data)
    y = finish(data.reshape(shape), input.dtype, input.device)
    record(
        "ScatterAddBackward0",
        [input, src],
        [y],
        [lambda g, c: g, lambda g, c: gather(g, d, c.index)],
        [(), ("index",)],
        {"index": index},
    )
    return y


def _index_vector(name: str, index) -> np.ndarray:
    if not isinstance(index, Tensor) or index.dtype not in (_dtypes.int64, _dtypes.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index.dim() > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    return index._data.reshape(-1).astype(np.int64)


@register("index_select", node="IndexSelectBackward0")
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices at ``index`` along ``dim`` (a copy); the gradient is an index_add into zeros,
    so repeated indices accumulate."""
    from .._tensor import _wrap_dim

    idx = _index_vector("index_select", index)
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise IndexError("index out of range in self")
    data = input._data if input.dim() else input._data.reshape(1)
    out = np.take(data, idx, axis=d)
    if input.dim() == 0:
        out = out.reshape(())
    y = finish(out, input.dtype, input.device)
    shape = tuple(input.shape)

    def vjp(g, c):
        zeros = Tensor._from_array(np.zeros(shape, g.dtype.np), g.dtype, g.device)
        return index_add(zeros, d, c.index, g)

    record("IndexSelectBackward0", [input], [y], [vjp], [("index",)], {"index": index})
    return y


@register("index_add", node="IndexAddBackward0", inplace=True)
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """input with alpha * source's slices added at ``index`` along ``dim``."""
    from .._tensor import _wrap_dim

    idx = _index_vector("index_add", index)
    d = _wrap_dim(dim, input.dim())
    cdt = compute_np_dtype(input.dtype)
    shape = tuple(input.shape)
    data = input._data.astype(cdt).reshape(shape if shape else (1,)).copy()
    src = source._data.astype(cdt).reshape(source.shape if source.dim() else (1,))
    moved = np.moveaxis(data, d, 0)
    np.add.at(moved, idx, np.moveaxis(src, d, 0) * alpha)
    y = finish(data.reshape(shape), input.dtype, input.device)
    record(
        "IndexAddBackward0",
        [input, source],
        [y],
        [
            lambda g, c: g,
            lambda g, c: (
                index_select(g, d, c.index) * alpha if alpha != 1 else index_select(g, d, c.index)
            ),
        ],
        [(), ("index",)],
        {"index": index},
    )
    return y


@register("masked_fill", node="MaskedFillBackward0", inplace=True)
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """input with ``value`` where ``mask``; MaskedFillBackward0 (number) / MaskedFillBackward1
    (0-dim tensor value, which gets the sum of the gradient where ``mask``)."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dtypes.bool:
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{_dtypes.type_meta_name(getattr(mask, 'dtype', _dtypes.float32))}"
        )
    from .pointwise import broadcast_shapes, where

    out_shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.dim()} dimension(s)."
            )
        v = value._data
    else:
        v = value
    cdt = compute_np_dtype(input.dtype)
    with np.errstate(all="ignore"):
        out = np.where(mask._data, np.asarray(v).astype(cdt), input._data.astype(cdt))
    y = finish(np.broadcast_to(out, out_shape), input.dtype, input.device)
    if isinstance(value, Tensor):
        record(
            "MaskedFillBackward1",
            [input, value],
            [y],
            [
                lambda g, c: g.masked_fill(c.mask, 0),
                lambda g, c: where(c.mask, g, 0.0).sum(),
            ],
            [("mask",), ("mask",)],
            {"mask": mask},
        )
    else:
        record(
            "MaskedFillBackward0",
            [input],
            [y],
            [lambda g, c: g.masked_fill(c.mask, 0)],
            [("mask",)],
            {"mask": mask},
        )
    return y
