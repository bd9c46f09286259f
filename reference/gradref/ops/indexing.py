"""Indexing: the three linear primitives every view and index op's gradient is built from, and
``tensor[key]`` / ``tensor[key] = value`` with torch's semantics.

* ``_index_gather(x, idx)``: ``x.flatten()[idx]`` (any ``idx`` shape);
* ``_index_scatter(g, idx, shape)``: zeros of ``shape`` with ``g`` added at ``idx`` (repeats add);
* ``_index_put(x, idx, v)``: ``x`` with the elements at ``idx`` replaced by ``v``.

Each is the VJP of another, so double backward through any view or index works.
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import _dtypes
from .._ops import (
    compute_np_dtype,
    finish,
    make_view,
    record,
)
from .._tensor import Tensor, _wrap_dim
from ._table import register
from .pointwise import broadcast_shapes, where


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


# ------------------------------------------------------------------------- select, slice


@register("select", node="SelectBackward0")
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (a view); SelectBackward0 saves ``dim`` and
    ``index`` as given."""

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
    fields = {"dim": dim, "index": index, "self_sym_sizes": tuple(input.shape)}
    offset = i * input.stride(d)
    return make_view(input, "SelectBackward0", lambda a: a[sl], fields=fields, offset=offset)


def narrow_slice(input: Tensor, dim: int, start: int, end: int, step: int = 1) -> Tensor:
    """aten::slice: the elements ``start:end:step`` along ``dim`` (a view); SliceBackward0
    saves the arguments as given (unclamped)."""

    if step <= 0:
        raise ValueError("step must be greater than zero")
    if input.dim() == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.dim())
    sl = (slice(None),) * d + (slice(start, end, step), Ellipsis)
    size = input.shape[d]
    first = start + size if start < 0 else start  # where torch's slice starts, clamped
    first = min(max(first, 0), size)
    fields = {
        "dim": dim,
        "start": start,
        "end": end,
        "step": step,
        "self_sym_sizes": tuple(input.shape),
    }
    offset = first * input.stride(d)
    return make_view(input, "SliceBackward0", lambda a: a[sl], fields=fields, offset=offset)


@register("narrow", node="SliceBackward0")
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:

    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return narrow_slice(input, dim, start, start + length)


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

    values = {"index": index, "self": input, "dim": dim, "sparse_grad": sparse_grad}
    record("GatherBackward0", [input], [y], [vjp], [("index", "self")], values)
    return y


@register("scatter_add", node="ScatterAddBackward0", inplace=True)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """input with src[i][j] added at [index[i][j]][j] (dim 0), repeats adding up; gradients:
    ``grad`` for input, ``grad.gather(dim, index)`` for src."""

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
        {"index": index, "dim": dim},
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

    values = {"index": index, "dim": dim, "self_sym_sizes": shape}
    record("IndexSelectBackward0", [input], [y], [vjp], [("index",)], values)
    return y


@register("index_add", node="IndexAddBackward0", inplace=True)
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """input with alpha * source's slices added at ``index`` along ``dim``."""

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
        [(), ("index", "source")],
        {"index": index, "source": source, "dim": dim, "alpha": alpha, "source_dim": source.dim()},
    )
    return y


@register("index_fill", node="IndexFillBackward0", inplace=True)
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """input with ``value`` at the slices ``index`` along ``dim``; the gradient is zero there
    (IndexFillBackward0; IndexFillBackward1 for a 0-dim tensor value, which gets their sum)."""

    if not isinstance(index, Tensor) or index.dtype is not _dtypes.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    idx = index._data.reshape(-1)
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    cdt = compute_np_dtype(input.dtype)
    data = input._data.astype(cdt).copy()
    v = value._data if isinstance(value, Tensor) else value
    if data.ndim:
        np.moveaxis(data, d, 0)[idx % size] = v
    elif idx.size:
        data[...] = v
    y = finish(data, input.dtype, input.device)
    fields = {"dim": dim, "index": index}

    def vjp_self(g, c):
        return g.index_fill(d, c.index, 0.0)

    if isinstance(value, Tensor):
        record(
            "IndexFillBackward1",
            [input, value],
            [y],
            [vjp_self, lambda g, c: g.index_select(d, c.index).sum()],
            [("index",), ("index",)],
            fields,
        )
    else:
        record("IndexFillBackward0", [input], [y], [vjp_self], [("index",)], fields)
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
    y = finish(np.array(np.broadcast_to(out, out_shape), order="C"), input.dtype, input.device)
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


# ------------------------------------------------------------------ take, take_along_dim, put


def _flat_positions(name: str, input: Tensor, index: Tensor) -> np.ndarray:
    idx = _index_tensor(name, index)
    n = input.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return idx % builtins.max(n, 1)


@register("take", node="TakeBackward0")
def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of the flattened input at ``index`` (shaped as ``index``); the gradient
    adds back into the flattened input (repeats accumulate)."""
    pos = _flat_positions("take", input, index)
    y = finish(input._data.reshape(-1)[pos], input.dtype, input.device)
    shape = tuple(input.shape)
    record(
        "TakeBackward0",
        [input],
        [y],
        [lambda g, c: _index_scatter(g, pos, shape)],
        [("index", "self")],
        {"index": index, "self": input},
    )
    return y


@register("take_along_dim")
def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    """gather along ``dim`` with ``input`` and ``indices`` broadcast to each other elsewhere (as
    torch composes it: expand, then gather); the flattened input when ``dim`` is None."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = _wrap_dim(dim, input.dim())
    a, b = list(input.shape), list(indices.shape)
    if len(a) != len(b):
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {len(a)} dimensions for input, and {len(b)} dimensions for "
            "indices"
        )
    sa, sb = list(a), list(b)
    sa[d] = sb[d] = 1
    common = list(broadcast_shapes(tuple(sa), tuple(sb)))
    ea, eb = list(common), list(common)
    ea[d], eb[d] = a[d], b[d]
    return gather(input.expand(*ea), d, indices.expand(*eb))


@register("put", node="PutBackward0", inplace=True)
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` with ``source`` written (or added, ``accumulate``) at the flat ``index``."""
    pos = _flat_positions("put", input, index)
    if source.numel() != pos.size:
        raise RuntimeError(
            f"put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {pos.size}"
        )
    cdt = compute_np_dtype(input.dtype)
    flat = input._data.astype(cdt).reshape(-1).copy()
    src = source._data.astype(cdt).reshape(-1)
    if accumulate:
        np.add.at(flat, pos.reshape(-1), src)
    else:
        flat[pos.reshape(-1)] = src
    y = finish(flat.reshape(input.shape), input.dtype, input.device)
    src_shape = tuple(source.shape)

    def vjp_self(g, c):
        if accumulate:
            return g
        zeros = Tensor._from_array(np.zeros(pos.shape, g.dtype.np), g.dtype, g.device)
        return _index_put(g, pos, zeros)

    record(
        "PutBackward0",
        [input, source],
        [y],
        [vjp_self, lambda g, c: _index_gather(g, pos).reshape(src_shape)],
        [("index",), ("index", "source")],
        {"index": index, "accumulate": accumulate, "source": source},
    )
    return y


# -------------------------------------------------------------------- index_copy, masked_scatter


@register("index_copy", node="IndexCopyBackward0", inplace=True)
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with its slices ``index`` along ``dim`` replaced by ``source``'s; the gradient
    of ``input`` is zero there, that of ``source`` the gradient's slices."""
    idx = _index_vector("index_copy", index)
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} "
                         f"with size {size}")  # fmt: skip
    cdt = compute_np_dtype(input.dtype)
    shape = tuple(input.shape)
    data = input._data.astype(cdt).reshape(shape if shape else (1,)).copy()
    src = source._data.astype(cdt).reshape(source.shape if source.dim() else (1,))
    np.moveaxis(data, d, 0)[idx] = np.moveaxis(src, d, 0)
    y = finish(data.reshape(shape), input.dtype, input.device)
    record(
        "IndexCopyBackward0",
        [input, source],
        [y],
        [
            lambda g, c: g.index_fill(d, c.index, 0.0),
            lambda g, c: index_select(g, d, c.index) if g.dim() else g,
        ],
        [("index",), ("index", "source")],
        {"index": index, "dim": dim, "source": source, "source_dim": source.dim()},
    )
    return y


@register("masked_scatter", node="MaskedScatterBackward0", inplace=True)
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the first elements of ``source`` (in order) where ``mask`` (broadcast) is
    True; the gradient of ``source`` is the gradient there, zero-padded to its shape."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dtypes.bool:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{getattr(mask, 'dtype', None)}")  # fmt: skip
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    m = np.broadcast_to(mask._data, shape)
    k = int(m.sum())
    if source.numel() < k:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements "
                           "as ones in mask")  # fmt: skip
    cdt = compute_np_dtype(input.dtype)
    data = np.array(np.broadcast_to(input._data.astype(cdt), shape))
    data[m] = source._data.astype(cdt).reshape(-1)[:k]
    y = finish(data, input.dtype, input.device)
    in_shape, src_shape = tuple(input.shape), tuple(source.shape)
    positions = np.flatnonzero(m.reshape(-1))

    def vjp_source(g, c):
        picked = _index_gather(g, positions)
        n = int(np.prod(src_shape, dtype=np.int64))
        return _index_scatter(picked, np.arange(k), (n,)).reshape(src_shape)

    record(
        "MaskedScatterBackward0",
        [input, source],
        [y],
        [lambda g, c: g.masked_fill(c.mask, 0).sum_to_size(in_shape), vjp_source],
        [("mask",), ("mask",)],
        {"mask": mask, "source_sym_sizes": src_shape},
    )
    return y
