"""Selection: ops that pick elements and say which (values, indices) — topk, sort, argsort,
median and kthvalue, cummax and cummin — and one_hot, masked_select, scatter.

Each value-and-index op routes the gradient to the index it returns (torch's
``value_selecting_reduction_backward``: a scatter of the gradient into zeros), except the full
median, which splits it evenly among tied medians. Which of several tied elements an op returns
is torch's tie rule; where torch fixes one it is data in ``TIE_RULES`` (and, for the gradient it
routes, in ``conventions.py``), where it does not (topk, median and kthvalue with a dim: "not
guaranteed" in torch's docs) gradref takes the elements a stable sort gives.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._forward import or_zeros
from .._ops import compute, finish, record
from .._tensor import Tensor, _wrap_dim
from ._table import register
from .indexing import _index_scatter, gather, scatter_add
from .pointwise import broadcast_shapes, where
from .reductions import _no_complex, record_full_selection
from .return_types import return_type

#: torch's rule (or its absence) for which of tied elements each op returns
TIE_RULES: dict[str, str] = {
    "sort": "stable: equal values keep their input order, ascending and descending (torch's CPU "
    "sort is stable; stable=True guarantees it)",
    "argsort": "as sort",
    "topk": "not guaranteed by torch ('the indices of tied elements are not guaranteed to be "
    "stable'); gradref returns the tied elements a stable sort puts first",
    "max.dim": "the first occurrence (conventions: max.dim-index)",
    "min.dim": "the first occurrence",
    "median.dim": "not guaranteed by torch ('indices does not necessarily contain the first "
    "occurrence'); gradref returns the first occurrence",
    "kthvalue": "not guaranteed by torch (as median); gradref returns the first occurrence",
    "median": "the lower median; its gradient is split evenly among the tied medians "
    "(conventions: median.full-ties)",
    "cummax": "the last occurrence of the running maximum: a tie moves the index forward "
    "(conventions: cummax.ties); NaN propagates with its own index",
    "cummin": "as cummax, for the running minimum",
}


#: the tie rules that decide a gradient, as convention entries (id, op, setup, expr, grad, doc),
#: added to ``conventions.CONVENTIONS`` and checked against torch by tests/ops
TIE_CONVENTIONS: tuple = (
    (
        "sort.ties",
        "sort",
        "x = T.tensor([2.0, 1.0, 2.0], dtype=T.float64, requires_grad=True)",
        "(x.sort(descending=True, stable=True).values * T.tensor([1.0, 2.0, 3.0], "
        "dtype=T.float64)).sum()",
        [[1.0, 3.0, 2.0]],
        "A stable sort keeps tied values in input order, so each gets the gradient of its place.",
    ),
    (
        "median.full-ties",
        "median",
        "x = T.tensor([1.0, 2.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)",
        "x.median()",
        [[0.0, 0.5, 0.5, 0.0]],
        "median() of all elements is the lower median; tied medians share its gradient evenly.",
    ),
    (
        "cummax.ties",
        "cummax",
        "x = T.tensor([1.0, 3.0, 3.0], dtype=T.float64, requires_grad=True)",
        "x.cummax(0).values.sum()",
        [[1.0, 1.0, 1.0]],
        "cummax's index moves to the latest of tied maxima, so each tie gets its own gradient.",
    ),
    (
        "cummin.ties",
        "cummin",
        "x = T.tensor([3.0, 1.0, 1.0], dtype=T.float64, requires_grad=True)",
        "x.cummin(0).values.sum()",
        [[1.0, 1.0, 1.0]],
        "cummin's index moves to the latest of tied minima, as cummax's.",
    ),
)


topk_return = return_type("topk")
sort_return = return_type("sort")
median_return = return_type("median")
kthvalue_return = return_type("kthvalue")
cummax_return = return_type("cummax")
cummin_return = return_type("cummin")


def _long(a: np.ndarray, device) -> Tensor:
    return Tensor._from_array(np.asarray(a, dtype=np.int64), _dtypes.int64, device)


def _order(a: np.ndarray, d: int, descending: bool) -> np.ndarray:
    """Stable sort order along ``d``; NaN sorts as the largest value (as in torch)."""
    if not descending:
        return np.argsort(a, axis=d, kind="stable")
    # descending and stable: sort the negated keys, NaN first
    key = np.where(np.isnan(a), -np.inf, -a) if a.dtype.kind == "f" else -a.astype(np.float64)
    nan_first = np.isnan(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool)
    order = np.argsort(key, axis=d, kind="stable")
    if nan_first.any():  # NaN before -inf keys: put them first, keeping their order
        flag = np.take_along_axis(nan_first, order, axis=d)
        order = np.take_along_axis(order, np.argsort(~flag, axis=d, kind="stable"), axis=d)
    return order


def _scatter_back(g: Tensor, shape, d: int, indices: Tensor, keepdim: bool) -> Tensor:
    """torch's value_selecting_reduction_backward: g scattered into zeros at ``indices``."""
    if not keepdim and len(shape):
        g = g.unsqueeze(d)
        indices = indices.unsqueeze(d)
    if not len(shape):
        return g.reshape(())
    zeros = Tensor._from_array(np.zeros(shape, g.dtype.np), g.dtype, g.device)
    return scatter_add(zeros, d, indices, g)


def _select(name, node, ret, input: Tensor, d: int, idx: np.ndarray, keepdim: bool, dim=None):
    """values = input gathered at ``idx`` (keepdim-shaped indices along ``d``); the node saves
    ``dim`` as given (``d`` when None), ``keepdim`` and the input's sizes, as torch's do."""
    shape = tuple(input.shape)
    fields = {"dim": d if dim is None else dim, "keepdim": keepdim, "self_sym_sizes": shape}
    if input.dim() == 0:
        values = compute(lambda a: a, [input], input.dtype, input.dtype, input.device)
        indices = _long(np.zeros((), np.int64), input.device)
        record(node, [input], [values], [lambda g, c: g], [("indices",)],
               {"indices": indices, **fields})  # fmt: skip
        return ret(values, indices)
    squeeze = (lambda a: a) if keepdim else (lambda a: np.squeeze(a, d))
    values = compute(
        lambda a: squeeze(np.take_along_axis(a, idx, axis=d)),
        [input],
        input.dtype,
        input.dtype,
        input.device,
    )
    indices = _long(squeeze(idx), input.device)
    record(
        node,
        [input],
        [values],
        [lambda g, c: _scatter_back(g, shape, d, c.indices, keepdim)],
        [("indices",)],
        {"indices": indices, **fields},
    )
    return ret(values, indices)


# ----------------------------------------------------------------------------- sort, topk


_UNSET = object()


@register("sort", node="SortBackward0")
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable=_UNSET):
    """(values, indices) sorted along ``dim``; stable (see TIE_RULES). Passing ``stable`` picks
    torch's ``sort.stable`` overload, whose node is SortBackward1."""
    if isinstance(dim, bool):  # sort(input, descending) positional misuse is torch's too
        raise TypeError("sort(): argument 'dim' must be int, not bool")
    _no_complex("sort", input)
    d = _wrap_dim(dim, input.dim())
    node = "SortBackward0" if stable is _UNSET else "SortBackward1"
    if input.dim() == 0:
        return _select("sort", node, sort_return, input, 0, None, True, dim)
    idx = _order(input._data, d, descending)
    return _select("sort", node, sort_return, input, d, idx, True, dim)


@register("argsort")
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False):
    """The indices sort would return (an int64 tensor; not differentiable)."""
    d = _wrap_dim(dim, input.dim())
    if input.dim() == 0:
        return _long(np.zeros((), np.int64), input.device)
    return _long(_order(input._data, d, descending), input.device)


@register("topk", node="TopkBackward0")
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices."""
    _no_complex("topk", input)
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if input.dim() == 0:
        return _select("topk", "TopkBackward0", topk_return, input, 0, None, True, dim)
    idx = np.take(_order(input._data, d, descending=largest), np.arange(k), axis=d)
    return _select("topk", "TopkBackward0", topk_return, input, d, idx, True, dim)


# ------------------------------------------------------------------------- median, kthvalue


def _kth_index(a: np.ndarray, d: int, k: int) -> np.ndarray:
    """Index (keepdim) of the k-th smallest along ``d`` (1-based), the first of ties; NaN is
    the largest value, and a NaN anywhere makes the median NaN in torch (handled by callers)."""
    order = np.argsort(a, axis=d, kind="stable")
    return np.take(order, [k - 1], axis=d)


@register("median", node="MedianBackward0")
def median(input: Tensor, dim=None, keepdim: bool = False):
    """median(input): the lower median (NaN if any), gradient split among tied medians;
    median(input, dim, keepdim) -> (values, indices) (MedianBackward1)."""
    _no_complex("median", input)
    if dim is None:
        a = input._data.reshape(-1)
        if a.size == 0 or np.isnan(a).any():
            value = np.asarray(np.nan)
        else:
            value = np.sort(a, kind="stable")[(a.size - 1) // 2]
        y = finish(value, input.dtype, input.device)
        record_full_selection("MedianBackward0", input, y)
        return y
    d = _wrap_dim(dim, input.dim())
    if input.dim() == 0:
        return _select("median", "MedianBackward1", median_return, input, 0, None, keepdim, dim)
    n = input.shape[d]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    a = input._data
    idx = _kth_index(a, d, (n + 1) // 2)
    nan = np.isnan(a).any(axis=d, keepdims=True) if a.dtype.kind == "f" else None
    if nan is not None and nan.any():  # a NaN in the row is its median
        first_nan = np.argmax(np.isnan(a), axis=d).reshape(idx.shape)
        idx = np.where(nan, first_nan, idx)
    return _select("median", "MedianBackward1", median_return, input, d, idx, keepdim, dim)


@register("kthvalue", node="KthvalueBackward0")
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element along ``dim`` (1-based) and its index."""
    _no_complex("kthvalue", input)
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.dim() == 0:
        return _select(
            "kthvalue", "KthvalueBackward0", kthvalue_return, input, 0, None, keepdim, dim
        )
    idx = _kth_index(input._data, d, k)
    return _select("kthvalue", "KthvalueBackward0", kthvalue_return, input, d, idx, keepdim, dim)


# ---------------------------------------------------------------------------- cummax, cummin


def _cum_extreme(name: str, input: Tensor, dim: int):
    _no_complex(name, input)
    d = _wrap_dim(dim, input.dim())
    node = "CummaxBackward0" if name == "cummax" else "CumminBackward0"
    ret = cummax_return if name == "cummax" else cummin_return
    a = np.moveaxis(input._data.reshape(input.shape if input.dim() else (1,)), d, -1)
    idx = np.zeros(a.shape, np.int64)
    vals = a.copy()
    if a.shape[-1]:
        best = a[..., 0].copy()
        best_i = np.zeros(a.shape[:-1], np.int64)
        better = np.greater_equal if name == "cummax" else np.less_equal
        for j in range(a.shape[-1]):
            x = a[..., j]
            with np.errstate(invalid="ignore"):
                take = better(x, best) | np.isnan(x)
            take &= ~np.isnan(best) | np.isnan(x)
            best = np.where(take, x, best)
            best_i = np.where(take, j, best_i)
            vals[..., j], idx[..., j] = best, best_i
    vals = np.moveaxis(vals, -1, d).reshape(input.shape)
    idx = np.moveaxis(idx, -1, d).reshape(input.shape)
    values = compute(lambda _a: vals, [input], input.dtype, input.dtype, input.device)
    indices = _long(idx, input.device)
    shape = tuple(input.shape)

    def vjp(g, c):
        if not len(shape):
            return g
        zeros = Tensor._from_array(np.zeros(shape, g.dtype.np), g.dtype, g.device)
        return scatter_add(zeros, d, c.indices, g)

    record(
        node,
        [input],
        [values],
        [vjp],
        [("indices", "self")],
        {"indices": indices, "self": input, "dim": dim},
    )
    return ret(values, indices)


@register("cummax", node="CummaxBackward0")
def cummax(input: Tensor, dim: int):
    """Running maximum along ``dim`` and the index where it was reached (the last of ties)."""
    return _cum_extreme("cummax", input, dim)


@register("cummin", node="CumminBackward0")
def cummin(input: Tensor, dim: int):
    """Running minimum along ``dim`` and the index where it was reached (the last of ties)."""
    return _cum_extreme("cummin", input, dim)


# --------------------------------------------------------- one_hot, masked_select, scatter


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """torch.nn.functional.one_hot: int64 indicators of ``tensor``'s classes, in a new last
    dimension of size ``num_classes`` (inferred as max + 1 when -1)."""
    if not isinstance(tensor, Tensor) or tensor.dtype is not _dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._data
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size and a.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if a.size and a.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (a[..., None] == np.arange(num_classes)).astype(np.int64)
    return _long(out, tensor.device)


@register("masked_select", node="MaskedSelectBackward0")
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where ``mask`` (broadcast together) is True, as a 1-d tensor;
    the gradient is scattered back to those positions (summed over broadcast dimensions)."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dtypes.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")

    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    big = np.broadcast_to(mask._data, shape)
    flat = np.flatnonzero(big.reshape(-1))
    in_shape = tuple(input.shape)

    def vjp(g, c):

        full = _index_scatter(g, flat, shape)
        return full.sum_to_size(in_shape) if tuple(shape) != in_shape else full

    data = np.broadcast_to(input._data, shape).reshape(-1)[flat]
    y = finish(data, input.dtype, input.device)
    record(
        "MaskedSelectBackward0",
        [input],
        [y],
        [vjp],
        [("mask", "self")],
        {"mask": mask, "self": input},
    )
    return y


def _check_index(name: str, input: Tensor, d: int, index) -> np.ndarray:
    if not isinstance(index, Tensor) or index.dtype not in (_dtypes.int64, _dtypes.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    idx = index._data
    if max(idx.ndim, 1) != max(input.dim(), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    size = input.shape[d] if input.dim() else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = int(idx.max() if idx.max() >= size else idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return idx


def _along(idx: np.ndarray, d: int) -> tuple:
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    return tuple(grids)


@register("scatter", node="ScatterBackward0", inplace=True)
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None):
    """``input`` with ``src`` (a tensor, ScatterBackward0; or a number, ScatterBackward1)
    written at ``index`` along ``dim``. Gradients: ``grad`` with the written positions zeroed
    for ``input``, ``grad.gather(dim, index)`` for ``src``. With repeated indices the last
    write wins, as on torch's CPU."""
    if reduce is not None:
        raise NotImplementedError("gradref: scatter(reduce=...) is not mirrored")
    if src is None:
        src = value
    d = _wrap_dim(dim, input.dim())
    idx = _check_index("scatter", input, d, index).astype(np.int64)
    shape = tuple(input.shape)
    data = input._data.copy().reshape(shape if shape else (1,))
    i2 = idx.reshape(idx.shape if idx.ndim else (1,))
    region = tuple(slice(0, s) for s in i2.shape)
    if isinstance(src, Tensor):
        if src.dtype is not input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        s_data = src._data.reshape(src.shape if src.dim() else (1,))[region]
    else:
        s_data = np.broadcast_to(np.asarray(src, dtype=input.dtype.np), i2.shape)
    if i2.size:
        data[_along(i2 % max(data.shape[d], 1), d)] = s_data
    y = finish(data.reshape(shape), input.dtype, input.device)
    # torch saves the index tensor it was given (the same object)
    index_t = index if index.dtype is _dtypes.int64 else Tensor._from_array(
        idx.astype(np.int64), _dtypes.int64, input.device
    )  # fmt: skip

    def vjp_input(g, c):
        return scatter(g, d, c.index, 0.0)

    if isinstance(src, Tensor):
        record(
            "ScatterBackward0",
            [input, src],
            [y],
            [vjp_input, lambda g, c: gather(g, d, c.index)],
            [("index",), ("index",)],
            {"index": index_t, "dim": dim},
        )
    else:
        record("ScatterBackward1", [input], [y], [vjp_input], [("index",)],
               {"index": index_t, "dim": dim})  # fmt: skip
    return y


# ------------------------------------------------------------------------------ mode, nanmedian

mode_return = return_type("mode")
nanmedian_return = return_type("nanmedian")
TIE_RULES["mode"] = (
    "the smallest of the most frequent values, at the index of its last occurrence (torch's CPU "
    "kernel; not documented)"
)
TIE_RULES["nanmedian"] = "as median, over the values that are not NaN (NaN when all are)"


def _mode_index(a: np.ndarray, d: int) -> np.ndarray:
    rows = np.moveaxis(a, d, -1)
    flat = rows.reshape(-1, rows.shape[-1])
    out = np.zeros(flat.shape[0], np.int64)
    for i, row in enumerate(flat):
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]  # np.unique sorts: the smallest of the most frequent
        out[i] = np.flatnonzero(row == best)[-1]
    return np.expand_dims(out.reshape(rows.shape[:-1]), d)


@register("mode", node="ModeBackward0")
def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """The most frequent value along ``dim`` and the index of its last occurrence; the gradient
    goes to that index (ModeBackward0)."""
    _no_complex("mode", input)
    d = _wrap_dim(dim, input.dim())
    if input.dim() == 0:
        return _select("mode", "ModeBackward0", mode_return, input, 0, None, keepdim, dim)
    if input.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    idx = _mode_index(input._data, d)
    return _select("mode", "ModeBackward0", mode_return, input, d, idx, keepdim, dim)


def _evenly_read(t, c):
    """The tangent of a full median: the mean of the tangents of the elements equal to it
    (compared with ==, so a NaN median matches none: 0/0, a NaN tangent), as torch's
    forward-mode formula reads it."""
    mask = c.self == c.result
    return (mask * (t[0] / mask.sum())).sum()


@register("nanmedian", node="NanmedianBackward0")
def nanmedian(input: Tensor, dim=None, keepdim: bool = False):
    """median ignoring NaN: nanmedian(input) (NanmedianBackward0, tied medians share the
    gradient) and nanmedian(input, dim, keepdim) -> (values, indices) (NanmedianBackward1)."""
    _no_complex("nanmedian", input)
    if dim is None:
        a = input._data.reshape(-1)
        kept = np.sort(a[~np.isnan(a)], kind="stable")
        value = np.asarray(np.nan) if kept.size == 0 else kept[(kept.size - 1) // 2]
        y = finish(value, input.dtype, input.device)
        record_full_selection("NanmedianBackward0", input, y, jvp=_evenly_read)
        return y
    d = _wrap_dim(dim, input.dim())
    if input.dim() == 0:
        return _select("nanmedian", "NanmedianBackward1", nanmedian_return, input, 0, None,
                       keepdim, dim)  # fmt: skip
    n = input.shape[d]
    if n == 0:
        raise IndexError(f"nanmedian(): Expected reduction dim {d} to have non-zero size.")
    a = input._data
    order = np.argsort(a, axis=d, kind="stable")  # NaN last
    count = np.sum(~np.isnan(a), axis=d, keepdims=True)
    idx = np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis=d)
    return _select("nanmedian", "NanmedianBackward1", nanmedian_return, input, d, idx, keepdim,
                   dim)  # fmt: skip


# ---------------------------------------------------------------------------- scatter_reduce

_REDUCE_UFUNC = {"sum": np.add, "mean": np.add, "amax": np.maximum, "amin": np.minimum}
_REDUCE_START = {"sum": 0.0, "mean": 0.0, "amax": -np.inf, "amin": np.inf}


@register("scatter_reduce", node="ScatterReduceBackward0", inplace=True)
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True):  # fmt: skip
    """``src`` reduced into ``input`` at ``index`` along ``dim`` with ``reduce`` ('sum',
    'mean', 'amax', 'amin'; 'prod' is not mirrored), ``input``'s own value taking part when
    ``include_self``. Gradients as torch's scatter_reduce_backward: mean divides by the count,
    amax/amin share the gradient equally among the elements equal to the result."""
    if reduce == "prod":
        raise NotImplementedError("gradref: scatter_reduce(reduce='prod') is not mirrored")
    if reduce not in _REDUCE_UFUNC:
        raise RuntimeError(
            "reduce argument must be either sum, prod, mean, amax or amin, got " + str(reduce)
        )
    if src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _wrap_dim(dim, input.dim())
    idx = _check_index("scatter_reduce", input, d, index).astype(np.int64)
    shape = tuple(input.shape)
    cdt = np.complex128 if input.dtype.is_complex else np.float64
    data = input._data.astype(cdt).reshape(shape if shape else (1,)).copy()
    i2 = idx.reshape(idx.shape if idx.ndim else (1,))
    region = tuple(slice(0, s) for s in i2.shape)
    s_data = src._data.astype(cdt).reshape(src.shape if src.dim() else (1,))[region]
    key = _along(i2 % max(data.shape[d], 1), d) if i2.size else None
    if key is not None:
        count = np.zeros(data.shape)
        np.add.at(count, key, 1.0)
        hit = count > 0
        if not include_self:
            data = np.where(hit, _REDUCE_START[reduce], data)
        _REDUCE_UFUNC[reduce].at(data, key, s_data)
        if reduce == "mean":
            data = data / np.maximum(count + (1.0 if include_self else 0.0), 1.0)
    y = finish(data.reshape(shape), input.dtype, input.device)
    index_t = index

    def ones_like(t):
        return Tensor._from_array(np.ones(tuple(t.shape), t.dtype.np), t.dtype, t.device)

    def grads(g, c):
        if reduce == "sum":
            g_self, g_src = g, gather(g, d, c.index)
        elif reduce == "mean":
            start = ones_like(g) if include_self else ones_like(g) * 0.0
            n = scatter_add(start, d, c.index, ones_like(c.index.to(g.dtype)))
            n = n.masked_fill(n == 0, 1.0)
            g_self, g_src = g / n, gather(g, d, c.index) / gather(n, d, c.index)
        else:
            value = gather(c.result, d, c.index)
            self_is = (c.self == c.result).to(g.dtype)
            src_part = c.src[tuple(slice(0, s) for s in c.index.shape)]
            src_is = (src_part == value).to(g.dtype)
            share = g / scatter_add(self_is, d, c.index, src_is)
            g_self, g_src = self_is * share, src_is * gather(share, d, c.index)
        if not include_self:
            g_self = g_self.scatter(d, c.index, 0.0)
        return g_self, g_src

    def vjp_src(g, c):
        part = grads(g, c)[1]
        if tuple(part.shape) == tuple(src.shape):
            return part
        full = Tensor._from_array(np.zeros(tuple(src.shape), g.dtype.np), g.dtype, g.device)
        return scatter_add(full, d, _positions_like(part, d), part) if part.numel() else full

    def extremum_jvp(t, c):
        # the mean of the tangents of the elements equal to the result, counting only those
        # that take part (unlike the VJP, which counts an excluded self too); 0/0 at NaN
        region = tuple(slice(0, s) for s in c.index.shape)
        self_in = c.self == c.result
        if not include_self:
            self_in = self_in.scatter(d, c.index, False)
        src_in = c.src[region] == gather(c.result, d, c.index)
        t_self = where(self_in, or_zeros(t[0], c.self), 0.0)
        t_src = where(src_in, or_zeros(t[1], c.src)[region], 0.0)
        count = scatter_add(self_in.to(c.self.dtype), d, c.index, src_in.to(c.self.dtype))
        return scatter_add(t_self, d, c.index, t_src) / count

    record(
        "ScatterReduceBackward0",
        [input, src],
        [y],
        [lambda g, c: grads(g, c)[0], vjp_src],
        [("index", "self", "src", "result"), ("index", "self", "src", "result")],
        {
            "dim": dim,
            "include_self": include_self,
            "index": index_t,
            "reduce": reduce,
            "self": input,
            "src": src,
            "result": y,
        },  # fmt: skip
        jvp=extremum_jvp if reduce in ("amax", "amin") else None,
    )
    return y


def _positions_like(part: Tensor, d: int) -> Tensor:
    """Indices along ``d`` that put ``part`` at the start of a larger tensor (its own
    positions)."""
    n = part.shape[d]
    shape = [1] * part.dim()
    shape[d] = n
    pos = np.broadcast_to(np.arange(n).reshape(shape), tuple(part.shape))
    return _long(np.array(pos), part.device)
