"""Reductions: sum and mean over all elements, a dim, or a tuple of dims, with keepdim."""

from __future__ import annotations

import builtins

import numpy as np

from .. import _dtypes, _grad_mode
from .._factories import zeros_like
from .._forward import or_zeros
from .._ops import compute, record
from .._tensor import Tensor, _wrap_dim
from ._table import register
from .indexing import scatter_add
from .pointwise import maximum, minimum, where
from .return_types import return_type
from .shape import cat, stack


def reduction_dims(input: Tensor, dim) -> tuple | None:
    """Normalise ``dim`` (None, int, or sequence) to sorted non-negative dims; None means all."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) == 0:
        return None
    n = input.dim()
    out = []
    for d in dims:
        w = _wrap_dim(d, n)
        if w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(sorted(out))


def expand_back(g: Tensor, input_shape, dims, keepdim: bool) -> Tensor:
    """Undo a reduction's shape change: unsqueeze reduced dims, then expand to the input."""
    if dims is None:
        dims = tuple(range(len(input_shape)))
    if not keepdim and dims:
        shape = list(input_shape)
        for d in dims:
            shape[d] = 1
        g = g.reshape(shape)
    return g.expand(input_shape)


def _axis(dims):
    return None if dims is None else dims


def dim_field(dim):
    """A ``dim`` argument as torch's node saves it (``int[]?``): as given, not normalised."""
    if dim is None:
        return None
    return (dim,) if isinstance(dim, int) else tuple(dim)


@register("sum", node="SumBackward0")
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    """Sum; integers and bool accumulate in int64. SumBackward0 (all) / SumBackward1 (dims)."""
    if isinstance(dim, _dtypes.dtype):
        dim, dtype = None, dim
    dims = reduction_dims(input, dim)
    if dtype is not None:
        rdt = _dtypes.as_dtype(dtype)
    elif input.dtype.category <= 1:
        rdt = _dtypes.int64
    else:
        rdt = input.dtype
    y = compute(
        lambda a: np.sum(a, axis=_axis(dims), keepdims=keepdim), [input], rdt, rdt, input.device
    )
    shape = tuple(input.shape)
    name = "SumBackward0" if dim is None else "SumBackward1"
    fields = {"dim": dim_field(dim), "keepdim": keepdim, "self_sym_sizes": shape}
    record(name, [input], [y], [lambda g, c: expand_back(g, shape, dims, keepdim)], [()], fields)
    return y


@register("mean", node="MeanBackward0")
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over all elements or dims; floating and complex inputs only."""
    rdt = _dtypes.as_dtype(dtype) if dtype is not None else input.dtype
    if rdt.category < 2:
        raise NotImplementedError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_dtypes.scalar_type_name(input.dtype)}"
        )
    dims = reduction_dims(input, dim)
    shape = tuple(input.shape)
    count = int(
        np.prod(
            [shape[d] for d in (dims if dims is not None else range(len(shape)))], dtype=np.int64
        )
    )
    y = compute(
        lambda a: (
            np.mean(a, axis=_axis(dims), keepdims=keepdim)
            if a.size
            else np.sum(a, axis=_axis(dims), keepdims=keepdim) * np.nan
        ),
        [input],
        rdt,
        rdt,
        input.device,
    )
    name = "MeanBackward0" if dim is None else "MeanBackward1"
    fields = {
        "dim": dim_field(dim),
        "keepdim": keepdim,
        "self_sym_numel": input.numel(),
        "self_sym_sizes": shape,
    }
    record(
        name,
        [input],
        [y],
        [lambda g, c: expand_back(g, shape, dims, keepdim) / count],
        [()],
        fields,
    )
    return y


# --------------------------------------------------------------------------------------- helpers


def _numel_over(shape, dims) -> int:
    dims = range(len(shape)) if dims is None else dims
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _keep(t: Tensor, input_shape, dims, keepdim: bool) -> Tensor:
    """A reduced tensor (or its gradient) with the reduced dims restored as size 1."""
    if keepdim:
        return t
    dims = tuple(range(len(input_shape))) if dims is None else dims
    shape = list(input_shape)
    for d in dims:
        shape[d] = 1
    return t.reshape(shape)


def _require_nonempty(name: str, input: Tensor, dims) -> None:
    if dims is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _no_complex(name: str, input: Tensor) -> None:
    if input.dtype.is_complex:
        raise RuntimeError(f"{name}(): does not support complex input")


# ------------------------------------------------------------------------------------ prod


def _exclusive_cumprod(x: Tensor, d: int) -> Tensor:
    """[1, x0, x0 x1, ...] along ``d``: products of the elements strictly before each one."""

    n = x.shape[d]
    shape = list(x.shape)
    shape[d] = 1
    one = Tensor._from_array(np.ones(shape, x.dtype.np), x.dtype, x.device)
    return cat([one, x.narrow(d, 0, n - 1)], d).cumprod(d)


def _prod_others(x: Tensor, d: int) -> Tensor:
    """For each element, the product of all the others along ``d``, exact with zeros (torch's
    prod_safe_zeros_backward: exclusive cumulative products from both ends)."""
    left = _exclusive_cumprod(x, d)
    right = _exclusive_cumprod(x.flip(d), d).flip(d)
    return left * right


def _zero_count(x: Tensor) -> int:
    return int((x == 0).sum().item())


def _prod_backward(g: Tensor, x: Tensor, result: Tensor, d, keepdim: bool) -> Tensor:
    """torch's prod_backward: ``g * result / x`` when no element of the input is zero (so inf
    and NaN meet there as in that division); otherwise the products of the other elements
    along ``d`` (``d`` None: the flattened input), except that a full product with several
    zeros gets all-zero gradients when no graph of the gradient is being recorded."""
    if x.dim() == 0:
        return g
    shape = tuple(x.shape)
    if d is not None and not keepdim:
        g, result = g.unsqueeze(d), result.unsqueeze(d)
    zeros = _zero_count(x)
    if zeros == 0:
        return g * (result / x).conj()
    if d is None and zeros > 1 and not _grad_mode.is_grad_enabled():
        return zeros_like(x)
    flat = x.reshape(-1) if d is None else x
    axis = 0 if d is None else d
    if flat.shape[axis] == 1:
        return g.expand(shape) if d is None else g
    return (g * _prod_others(flat, axis).conj()).reshape(shape)


@register("prod", node="ProdBackward0")
def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over all elements (ProdBackward0) or one dim (ProdBackward1), with torch's
    gradient (:func:`_prod_backward`). The forward-mode derivative is torch's: that gradient
    for a cotangent of ones (with the grad mode of the call) times the tangent, summed."""
    if isinstance(dim, _dtypes.dtype):
        dim, dtype = None, dim
    if dtype is not None:
        rdt = _dtypes.as_dtype(dtype)
    elif input.dtype.category <= 1:
        rdt = _dtypes.int64
    else:
        rdt = input.dtype
    shape = tuple(input.shape)
    recording = _grad_mode.is_grad_enabled()

    def ones_like_result(c):
        r = c.result
        return Tensor._from_array(np.ones(tuple(r.shape), r.dtype.np), r.dtype, r.device)

    def jvp_with(d, sum_dims):
        def jvp(tangents, c):
            (t,) = tangents
            with _grad_mode.set_grad_enabled(recording):
                w = _prod_backward(ones_like_result(c), c.self, c.result, d, keepdim)
            wt = w * t
            return wt.sum() if sum_dims is None else wt.sum(sum_dims, keepdim)

        return jvp

    if dim is None:
        y = compute(lambda a: np.prod(a), [input], rdt, rdt, input.device)

        def vjp(g, c):
            if c.self.numel() == 0:
                return g.expand(c.self.shape)
            return _prod_backward(g, c.self, c.result, None, False)

        # torch saves the result too (prod_backward reads it): its version is checked
        record(
            "ProdBackward0",
            [input],
            [y],
            [vjp],
            [("self", "result")],
            {"self": input, "result": y},
            jvp=jvp_with(None, None),
        )
        return y
    d = _wrap_dim(dim, input.dim())
    if input.dim() == 0:
        d = None
    y = compute(lambda a: np.prod(a, axis=d, keepdims=keepdim), [input], rdt, rdt, input.device)

    def vjp_dim(g, c):
        if d is None:
            return g
        if shape[d] == 0:
            return _keep(g, shape, (d,), keepdim).expand(shape)
        return _prod_backward(g, c.self, c.result, d, keepdim)

    def jvp_dim(tangents, c):
        if d is None:
            return tangents[0]
        return jvp_with(d, d)(tangents, c)

    # torch saves the result too (prod_backward reads it): its version is checked
    record(
        "ProdBackward1",
        [input],
        [y],
        [vjp_dim],
        [("self", "result")],
        {"self": input, "result": y, "dim": dim, "keepdim": keepdim},
        jvp=jvp_dim,
    )
    return y


# ---------------------------------------------------------------------- cumulative sum, product


def _cum_dtype(input: Tensor, dtype):
    if dtype is not None:
        return _dtypes.as_dtype(dtype)
    return _dtypes.int64 if input.dtype.category <= 1 else input.dtype


def _cumulative(npfn, input: Tensor, dim: int, dtype):
    """The wrapped dim and ``npfn`` (np.cumsum, np.cumprod) along it, in the result dtype."""
    d = _wrap_dim(dim, input.dim())
    rdt = _cum_dtype(input, dtype)
    axis = d if input.dim() else None
    y = compute(
        lambda a: npfn(a, axis=axis).reshape(a.shape),
        [input],
        rdt,
        rdt,
        input.device,
        contiguous=True,
    )
    return d, y


@register("cumsum", node="CumsumBackward0", inplace=True)
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Cumulative sum; the gradient is the reversed cumulative sum of the gradient."""
    d, y = _cumulative(np.cumsum, input, dim, dtype)

    def vjp(g, c):
        if g.dim() == 0:
            return g
        return g.flip(d).cumsum(d).flip(d)

    record("CumsumBackward0", [input], [y], [vjp], [()], {"dim": dim})
    return y


def _reversed_cumsum(w: Tensor, d: int) -> Tensor:
    return w.flip(d).cumsum(d).flip(d)


def _cumprod_backward(g: Tensor, x: Tensor, result: Tensor, d: int) -> Tensor:
    """torch's cumprod_backward. With no zero in the input: the reversed cumulative sum of
    ``result * g`` divided by the input. With zeros, when no graph of the gradient is being
    recorded: that formula before each slice's first zero, the first zero's own gradient from
    the products between it and the second zero (the cotangent masked to 0 elsewhere, so
    0 * inf there is NaN, as in torch), 0 after it; when a graph is recorded: for each k the
    product of the elements before k times the cumulative products after it."""
    if x.numel() <= 1 or x.shape[d] == 1:
        return g
    w = result.conj() * g
    is_zero = x == 0
    if _zero_count(x) == 0:
        return _reversed_cumsum(w, d) / x.conj()
    n = x.shape[d]
    if not _grad_mode.is_grad_enabled():
        count = is_zero.to(_dtypes.int64).cumsum(d)
        before = count == 0
        zero = Tensor._from_array(np.zeros((), g.dtype.np), g.dtype, g.device)
        grad_before = where(before, _reversed_cumsum(where(before, w, zero), d) / x.conj(), 0.0)
        first = is_zero & (count == 1)
        between = (count == 1) & ~first
        one = Tensor._from_array(np.ones((), x.dtype.np), x.dtype, x.device)
        span = where(between, x.conj(), one).cumprod(d)
        total = (span * where(count == 1, g, zero)).sum(d, keepdim=True)
        # the output just before the first zero (1 where the zero comes first)
        shape = list(x.shape)
        shape[d] = 1
        prev = cat(
            [Tensor._from_array(np.ones(shape, result.dtype.np), result.dtype, result.device),
             result.conj().narrow(d, 0, n - 1)],
            d,
        )  # fmt: skip
        before_zero = where(first, prev, 0.0).sum(d, keepdim=True)
        return where(first, total * before_zero, grad_before)
    out = []
    for k in range(n):
        after = x.conj().narrow(d, k + 1, n - k - 1).cumprod(d)
        if k == 0:
            shape = list(x.shape)
            shape[d] = 1
            one = Tensor._from_array(np.ones(shape, x.dtype.np), x.dtype, x.device)
            omitted = cat([one, after], d)
        else:
            until = prod(x.conj().narrow(d, 0, k), d, keepdim=True)
            omitted = until if k == n - 1 else cat([until, until * after], d)
        out.append((g.narrow(d, k, n - k) * omitted).sum(d))
    return stack(out, d)


def _cumprod_jvp(t: Tensor, x: Tensor, result: Tensor, d: int) -> Tensor:
    """torch's cumprod_jvp: ``cumsum(t / x) * result`` up to each slice's first zero, from
    there the cumulative product of the input with the first zero replaced by its tangent."""
    gradient = (t / x).cumsum(d) * result
    is_zero = x == 0
    if x.dim() == 0:
        return where(is_zero, t, gradient)
    first = is_zero & (is_zero.to(_dtypes.int64).cumsum(d) == 1)
    new = where(first, t, x).cumprod(d)
    after = first.to(_dtypes.int64).cumsum(d) > 0
    return where(after, new, gradient)


@register("cumprod", node="CumprodBackward0", inplace=True)
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Cumulative product, with torch's gradient (:func:`_cumprod_backward`) and forward-mode
    derivative (:func:`_cumprod_jvp`)."""
    d, y = _cumulative(np.cumprod, input, dim, dtype)

    record(
        "CumprodBackward0",
        [input],
        [y],
        [lambda g, c: _cumprod_backward(g, c.self, c.result, d)],
        [("self", "result")],
        {"self": input, "result": y, "dim": dim},
        jvp=lambda ts, c: _cumprod_jvp(ts[0], c.self, c.result, d),
    )
    return y


# ------------------------------------------------------------------------------ max, min, amax


max_return = return_type("max")
min_return = return_type("min")


def record_full_selection(node: str, input: Tensor, y: Tensor, jvp=None) -> None:
    """Record a full max/min/median (no dim) as ``node``: ties share the gradient equally
    (``jvp``: the op's own forward-mode formula; by default torch's evenly read tangent)."""
    record(
        node,
        [input],
        [y],
        [lambda g, c: _evenly_distribute(g, c.self, c.result, None, False)],
        [("self", "result")],
        {"self": input, "result": y},
        jvp=jvp or (lambda t, c: _evenly_read(t[0], c.self, c.result, None, False)),
    )


def _evenly_read(t: Tensor, x: Tensor, value: Tensor, dims, keepdim: bool) -> Tensor:
    """torch's forward-mode rule for full max/min/median and amax/amin: the mean of the
    tangents of the elements ``==`` the result. It compares with ``==`` only (unlike the VJP of
    full max/min), so a NaN result matches none: 0/0, a NaN tangent."""
    shape = tuple(x.shape)
    mask = x == _keep(value, shape, dims, keepdim)
    axes = tuple(range(len(shape))) if dims is None else dims
    if not axes:
        return where(mask, t, 0.0) / mask.to(x.dtype)
    return where(mask, t, 0.0).sum(axes, keepdim=keepdim) / mask.sum(axes, keepdim=keepdim)


def _evenly_distribute(
    g: Tensor, x: Tensor, value: Tensor, dims, keepdim: bool, full: bool = True
) -> Tensor:
    """Ties share the gradient equally, by one of torch's two rules:

    * ``full`` (max/min/median over all elements, ``evenly_distribute_backward``): NaN maxima
      tie with a NaN result, and on the CPU the shares are put into zeros, so the other elements
      get 0 whatever the gradient (inf included);
    * else (amax/amin, ``scale_grad_by_count``): ties by ``==`` only, so a NaN maximum gets no
      match and the gradient is 0/0 = NaN; the shares multiply the mask (an inf gradient gives
      NaN off the ties)."""
    shape = tuple(x.shape)
    v = _keep(value, shape, dims, keepdim)
    gk = _keep(g, shape, dims, keepdim)
    mask = (x == v) | (x.isnan() & v.isnan()) if full else x == v
    axes = tuple(range(len(shape))) if dims is None else dims
    count = mask.sum(axes, keepdim=True) if axes else mask.to(x.dtype)
    if full:
        return where(mask, gk / count, 0.0)
    return mask * (gk / count)


def _extreme(name: str, npfn, argfn, input, dim, keepdim, other):
    if isinstance(dim, Tensor):
        dim, other = None, dim
    if other is not None:
        return (maximum if name == "max" else minimum)(input, other)
    _no_complex(name, input)
    if dim is None:
        _require_nonempty(name, input, None)
        y = compute(lambda a: npfn(a), [input], input.dtype, input.dtype, input.device)
        node = "MaxBackward1" if name == "max" else "MinBackward1"
        record_full_selection(node, input, y)
        return y
    d = _wrap_dim(dim, input.dim())
    node = "MaxBackward0" if name == "max" else "MinBackward0"
    fields = {"dim": dim, "keepdim": keepdim, "self_sym_sizes": tuple(input.shape)}
    if input.dim() == 0:
        values = compute(lambda a: a, [input], input.dtype, input.dtype, input.device)
        indices = Tensor._from_array(np.zeros((), np.int64), _dtypes.int64, input.device)
        record(
            node,
            [input],
            [values, indices],
            [lambda g, c: g],
            [("indices",)],
            {"indices": indices, **fields},
        )
        return (max_return if name == "max" else min_return)(values, indices)
    _require_nonempty(name, input, (d,))
    idx = argfn(input._data, axis=d, keepdims=True)
    values = compute(
        lambda a: (
            np.take_along_axis(a, idx, axis=d)
            if keepdim
            else np.take_along_axis(a, idx, axis=d).squeeze(d)
        ),
        [input],
        input.dtype,
        input.dtype,
        input.device,
    )
    idx_out = idx if keepdim else idx.squeeze(d)
    indices = Tensor._from_array(idx_out.astype(np.int64), _dtypes.int64, input.device)
    shape = tuple(input.shape)

    def vjp(g, c):

        zeros = Tensor._from_array(np.zeros(shape, g.dtype.np), g.dtype, g.device)
        index_keep = _keep(c.indices, shape, (d,), keepdim)
        return scatter_add(zeros, d, index_keep, _keep(g, shape, (d,), keepdim))

    # torch saves the returned indices (an output, and not differentiable: the object itself)
    record(node, [input], [values, indices], [vjp], [("indices",)], {"indices": indices, **fields})
    return (max_return if name == "max" else min_return)(values, indices)


@register("max", node="MaxBackward1")
def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """max(input) (ties split evenly), max(input, dim, keepdim) -> (values, indices) with the
    gradient routed to the returned index, max(input, other) = maximum."""
    return _extreme("max", np.max, np.argmax, input, dim, keepdim, other)


@register("min", node="MinBackward1")
def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None):  # noqa: A001
    """min(input), min(input, dim, keepdim) -> (values, indices), min(input, other) = minimum."""
    return _extreme("min", np.min, np.argmin, input, dim, keepdim, other)


def _amax_like(name: str, node: str, npfn, input: Tensor, dim, keepdim: bool) -> Tensor:
    _no_complex(name, input)
    dims = reduction_dims(input, dim) if dim not in ((), []) else None
    if input.dim() == 0:
        dims = None
    _require_nonempty(name, input, dims)
    y = compute(
        lambda a: npfn(a, axis=_axis(dims), keepdims=keepdim),
        [input],
        input.dtype,
        input.dtype,
        input.device,
    )
    record(
        node,
        [input],
        [y],
        [lambda g, c: _evenly_distribute(g, c.self, c.result, dims, keepdim, full=False)],
        [("self", "result")],
        {"self": input, "result": y, "dim": dim_field(dim), "keepdim": keepdim},
        jvp=lambda t, c: _evenly_read(t[0], c.self, c.result, dims, keepdim),
    )
    return y


@register("amax", node="AmaxBackward0")
def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Maximum over dims (all when ``dim=()``); ties share the gradient equally."""
    return _amax_like("amax", "AmaxBackward0", np.max, input, dim, keepdim)


@register("amin", node="AminBackward0")
def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Minimum over dims (all when ``dim=()``); ties share the gradient equally."""
    return _amax_like("amin", "AminBackward0", np.min, input, dim, keepdim)


# ------------------------------------------------------------------------------------ var, std


def _correction(unbiased, correction) -> float:
    if unbiased is not None and correction is not None:
        raise RuntimeError("Cannot pass both unbiased and correction arguments")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


#: var/std called without ``dim``: torch's overload without it saves no correction (None)
_NO_DIM = object()


def _var_args(input, dim, unbiased, keepdim, correction, name: str = "std and var"):
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if dim is _NO_DIM:
        dim = None
    c = _correction(unbiased, correction)
    if input.dtype.category < 2:
        raise NotImplementedError(f"{name} only support floating point and complex dtypes")
    dims = reduction_dims(input, dim)
    if input.dim() == 0:
        dims = None
    return dims, c, keepdim


def _var_np(a, dims, c, keepdim):
    axis = _axis(dims)
    n = a.size if dims is None else int(np.prod([a.shape[d] for d in dims]))
    mean = np.sum(a, axis=axis, keepdims=True) / n if n else np.full([1] * a.ndim, np.nan)
    dev = a - mean
    if n:
        # equal values have no spread: torch's Welford pass keeps the mean exactly at the value
        # (so std is exactly 0 and its gradient masked to 0), where sum / n can be an ulp off
        first = a[tuple(slice(0, 1) if axis is None or d in axis else slice(None)
                        for d in range(a.ndim))]  # fmt: skip
        same = np.all(a == first, axis=axis, keepdims=True) & np.isfinite(first)
        dev = np.where(same, 0, dev)
    ss = np.sum((dev * np.conj(dev)).real, axis=axis, keepdims=keepdim)
    return ss / np.maximum(n - c, 0)


def _var_backward(g: Tensor, x: Tensor, dims, c, keepdim: bool) -> Tensor:
    shape = tuple(x.shape)
    n = _numel_over(shape, dims)
    axes = tuple(range(len(shape))) if dims is None else dims
    mean = x.mean(axes, keepdim=True) if axes else x
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = float(np.float64(2.0) / np.float64(n - c))
    return factor * _keep(g, shape, dims, keepdim) * (x - mean)


def _reduction_factor(input: Tensor, dims) -> int:
    """torch's "input numel divided by output numel" (0 for an empty input)."""
    return 0 if input.numel() == 0 else _numel_over(tuple(input.shape), dims)


def _warn_dof(name: str, n: int, c) -> None:
    if n - c <= 0:
        import warnings

        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )


def _var_fields(dim, unbiased, keepdim, correction) -> dict:
    """What VarBackward0/StdBackward0 save: torch's overloads give ``correction`` as passed,
    1 or 0 from ``unbiased`` or from the ``dim`` overload, None with neither."""
    if isinstance(dim, bool):
        dim, unbiased = _NO_DIM, dim
    if correction is not None:
        saved = correction
    elif unbiased is not None:
        saved = int(bool(unbiased))
    else:
        saved = None if dim is _NO_DIM else 1
    return {
        "correction": saved,
        "dim": dim_field(None if dim is _NO_DIM else dim),
        "keepdim": keepdim,
    }


@register("var", node="VarBackward0")
def var(input: Tensor, dim=_NO_DIM, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance with ``correction`` (default 1; ``unbiased=False`` means 0)."""
    dims, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction)
    _warn_dof("var", _reduction_factor(input, dims), c)
    rdt = input.dtype.to_real()
    y = compute(lambda a: _var_np(a, dims, c, keepdim), [input], input.dtype, rdt, input.device)
    record(
        "VarBackward0",
        [input],
        [y],
        [lambda g, ctx: _var_backward(g, ctx.self, dims, c, keepdim)],
        [("self",)],
        {"self": input, **_var_fields(dim, unbiased, keepdim, correction)},
    )
    return y


def _std_jvp(t: Tensor, x: Tensor, result: Tensor, dims, c, keepdim: bool) -> Tensor:
    """torch's forward-mode formula for std: var's JVP over 2 std, and 0 (not NaN) where the
    std is 0 (its VJP masks the same points)."""
    full = _var_backward(t, x, dims, c, True)
    axes = tuple(range(x.dim())) if dims is None else dims
    total = full.sum(axes, keepdim=keepdim) if axes else full
    return where(result == 0, 0.0, total / (2 * result))


@register("std", node="StdBackward0")
def std(input: Tensor, dim=_NO_DIM, unbiased=None, keepdim: bool = False, *, correction=None):
    """Standard deviation; where it is 0 the gradient is 0 (torch masks ``grad / (2 std)``)."""

    dims, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction)
    _warn_dof("std", _reduction_factor(input, dims), c)
    rdt = input.dtype.to_real()
    y = compute(
        lambda a: np.sqrt(_var_np(a, dims, c, keepdim)), [input], input.dtype, rdt, input.device
    )

    def vjp(g, ctx):
        gv = where(ctx.result == 0, 0.0, g / (2 * ctx.result))
        return _var_backward(gv, ctx.self, dims, c, keepdim)

    def jvp(t, ctx):
        return _std_jvp(t[0], ctx.self, ctx.result, dims, c, keepdim)

    fields = _var_fields(dim, unbiased, keepdim, correction)
    record(
        "StdBackward0",
        [input],
        [y],
        [vjp],
        [("self", "result")],
        {"self": input, "result": y, **fields},
        jvp=jvp,
    )
    return y


# ----------------------------------------------------------------------------------------- norm


def _vector_norm_np(a, p, dims, keepdim, acc=np.float64):
    """torch's vector norm: ``|x|^p`` summed in the accumulation dtype ``acc`` (float32 for
    float32 and narrower inputs, so squares overflow and underflow there as in torch), and
    ``|x|`` itself where each result reduces a single element (torch does no arithmetic then)."""
    axis = _axis(dims)
    m = np.abs(a)
    if p == np.inf:
        return np.max(m, axis=axis, keepdims=keepdim) if m.size else np.zeros(())
    if p == -np.inf:
        return np.min(m, axis=axis, keepdims=keepdim)
    if p == 0:
        return np.sum(m != 0, axis=axis, keepdims=keepdim).astype(np.float64)
    if m.size and _numel_over(m.shape, dims) == 1:
        return np.sum(m, axis=axis, keepdims=keepdim)
    m = m.astype(acc)
    if p == 1:
        return np.sum(m, axis=axis, keepdims=keepdim)
    if p == 2:
        return np.sqrt(np.sum(m * m, axis=axis, keepdims=keepdim))
    return np.sum(m ** acc(p), axis=axis, keepdims=keepdim) ** acc(1.0 / p)


def _vector_norm_backward(g: Tensor, x: Tensor, norm: Tensor, p, dims, keepdim) -> Tensor:
    """torch's linalg_vector_norm_backward, case by case (see CONVENTIONS for the points)."""

    shape = tuple(x.shape)
    g = _keep(g, shape, dims, keepdim)
    norm = _keep(norm, shape, dims, keepdim)
    if p == 0:
        return zeros_like(x)
    if p == 1:
        return x.sgn() * g
    if p == 2:
        return g * where(norm == 0, 0.0, x / norm)
    if p in (np.inf, -np.inf):
        a = x.abs()
        mask = (a == norm) | a.isnan()
        axes = tuple(range(len(shape))) if dims is None else dims
        count = mask.sum(axes, keepdim=True) if axes else mask.to(x.dtype)
        return x.sgn() * ((g / count) * mask)
    if p < 1:
        scaled = x.sgn() * where(x == 0, 0.0, x.abs().pow(p - 1))
        return scaled * g * norm.pow(1 - p)
    scaled = x.sgn() * x.abs().pow(p - 1) if p < 2 else x * x.abs().pow(p - 2)
    # the masked norm is replaced by 1 before dividing: the JVP (a backward through this VJP)
    # then gets 0 at a zero norm, as torch's forward formula, not 0 * inf
    zero = norm == 0
    return scaled * where(zero, 0.0, g / where(zero, 1.0, norm).pow(p - 1))


def _vector_norm_jvp(x: Tensor, t: Tensor, p, norm: Tensor, dims, keepdim: bool) -> Tensor:
    """torch's norm_jvp: the tangent of the p-norm of ``x`` along ``t``, summed before it is
    divided by the norm (so an overflowing norm meets an overflowing sum as in torch), 0 where
    the norm is 0 (p >= 1), ties of the inf-norm sharing it."""
    axes = tuple(range(x.dim())) if dims is None else dims

    def total(v):
        return v.sum(axes, keepdim=keepdim) if axes else v

    if p == 0:
        return zeros_like(norm)
    if p == 1:
        return total(x.sgn() * t)
    if p == 2:
        return where(norm == 0, 0.0, total(x * t) / norm)
    if p in (np.inf, -np.inf):
        nk = _keep(norm, tuple(x.shape), dims, keepdim)
        a = x.abs()
        hit = ((a == nk) | (x.isnan() & nk.isnan())).to(x.dtype)
        count = hit.sum(axes, keepdim=True) if axes else hit
        return total(x.sgn() * t * hit / count)
    if p < 1:
        return total(where(x == 0, 0.0, x.abs().pow(p - 1)) * (x.sgn() * t)) * norm.pow(1 - p)
    if p < 2:
        return where(norm == 0, 0.0, total(x.abs().pow(p - 1) * (x.sgn() * t)) / norm.pow(p - 1))
    return where(norm == 0, 0.0, total(x.abs().pow(p - 2) * (x * t)) / norm.pow(p - 1))


@register("norm", node="LinalgVectorNormBackward0")
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm over all elements or ``dim`` (p a number, inf, -inf, or 'fro' = 2);
    LinalgVectorNormBackward0, as torch.norm routes to linalg.vector_norm."""
    if p is None or p == "fro":
        p = 2  # torch.norm passes ord=2 (an int) to linalg.vector_norm
    if isinstance(p, str):
        raise NotImplementedError(f"gradref.norm: p={p!r} (matrix norms) is not implemented")
    ord_field = p
    p = float(p)
    if input.dtype.category < 2:
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{_dtypes.scalar_type_name(input.dtype)}"
        )
    if dtype is not None:
        input = input.to(dtype)
    dims = reduction_dims(input, dim)
    if input.dim() == 0:
        dims = None
    if p < 0 and input.numel() == 0:
        raise RuntimeError(
            "linalg.vector_norm cannot compute the -inf norm on an empty tensor because the "
            "operation does not have an identity"
        )
    rdt = input.dtype.to_real()
    acc = np.float64 if rdt.np == np.float64 else np.float32
    y = compute(
        lambda a: _vector_norm_np(a, p, dims, keepdim, acc), [input], input.dtype, rdt, input.device
    )
    record(
        "LinalgVectorNormBackward0",
        [input],
        [y],
        [lambda g, c: _vector_norm_backward(g, c.self, c.result, p, dims, keepdim)],
        [("self", "result")],
        {"self": input, "result": y, "dim": dim_field(dim), "keepdim": keepdim, "ord": ord_field},
    )
    return y


# ----------------------------------------------------------------- logsumexp, softmax, log_softmax


@register("logsumexp", node="LogsumexpBackward0")
def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, stable; the gradient is ``g * exp(x - result)``."""
    dims = reduction_dims(input, dim)
    if input.dim() == 0:
        dims = None
    rdt = input.dtype if input.dtype.category >= 2 else _dtypes.get_default_dtype()

    def fwd(a):
        axis = _axis(dims)
        if a.size == 0:
            return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdim))
        m = np.max(a, axis=axis, keepdims=True)
        m = np.where(np.isinf(m), 0, m)  # as torch: an infinite maximum is not subtracted
        s = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
        return s if keepdim else np.squeeze(s, axis=axis)

    y = compute(fwd, [input], rdt, rdt, input.device)
    shape = tuple(input.shape)

    def jvp(t, c):
        # sum(exp(x - amax) * t) / sum(exp(x - amax)), the maximum subtracted even where it is
        # infinite (inf - inf: a NaN tangent), as torch computes it
        x = c.self
        axes = tuple(range(x.dim())) if dims is None else dims
        if x.numel() == 0:
            e = x.exp()
        else:
            e = (x - x.amax(axes, keepdim=True)).exp() if axes else (x - x).exp()
        if not axes:
            return e * t[0] / e
        return (e * t[0]).sum(axes, keepdim=keepdim) / e.sum(axes, keepdim=keepdim)

    record(
        "LogsumexpBackward0",
        [input],
        [y],
        [
            lambda g, c: (
                _keep(g, shape, dims, keepdim)
                * (c.self - _keep(c.result, shape, dims, keepdim)).exp()
            )
        ],
        [("self", "result")],
        {"self": input, "result": y, "dim": dim_field(dim), "keepdim": keepdim},
        jvp=jvp,
    )
    return y


def _softmax_input(input: Tensor, dim, dtype):
    if dim is None:
        raise TypeError("softmax(): argument 'dim' must be int, not NoneType")
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.category < 2:
        raise RuntimeError(
            f'"softmax_lastdim_kernel_impl" not implemented for '
            f"'{_dtypes.scalar_type_name(input.dtype)}'"
        )
    return input, _wrap_dim(dim, input.dim()), dim


def _np_softmax(a, d, log: bool):
    if a.ndim == 0:
        return np.zeros_like(a) if log else np.ones_like(a)
    if a.size == 0:
        return a
    m = np.max(a, axis=d, keepdims=True)
    m = np.where(m == -np.inf, 0, m)  # as torch: a +inf or NaN maximum makes the row NaN
    z = a - m
    lse = np.log(np.sum(np.exp(z), axis=d, keepdims=True))
    return z - lse if log else np.exp(z - lse)


def _softmax_family(input: Tensor, dim, dtype, log: bool, node: str, grad) -> Tensor:
    """softmax (``log`` False) or log_softmax along ``dim``, recorded as ``node`` with
    ``grad(g, result, d)`` as its VJP (zero for a 0-d input)."""
    x, d, dim = _softmax_input(input, dim, dtype)
    y = compute(
        lambda a: _np_softmax(a, d if x.dim() else None, log),
        [x],
        x.dtype,
        x.dtype,
        x.device,
        contiguous=True,
    )

    def vjp(g, c):
        if g.dim() == 0:
            return g * 0
        return grad(g, c.result, d)

    record(node, [x], [y], [vjp], [("result",)], {"result": y, "dim": dim})
    return y


@register("softmax", node="SoftmaxBackward0")
def softmax(input: Tensor, dim=None, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``; gradient ``y * (g - sum(g * y))``."""

    def grad(g, y, d):
        return y * (g - (g * y).sum(d, keepdim=True))

    return _softmax_family(input, dim, dtype, False, "SoftmaxBackward0", grad)


@register("log_softmax", node="LogSoftmaxBackward0")
def log_softmax(input: Tensor, dim=None, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim``; gradient ``g - exp(y) * sum(g)``."""

    def grad(g, y, d):
        return g - y.exp() * g.sum(d, keepdim=True)

    return _softmax_family(input, dim, dtype, True, "LogSoftmaxBackward0", grad)


# ------------------------------------------------------------------------- var_mean, std_mean


def _mean_backward(g: Tensor, shape, dims, keepdim: bool) -> Tensor:
    return expand_back(g, shape, dims, keepdim) / builtins.max(_numel_over(shape, dims), 1)


def _welford(a, dims, c, keepdim):
    """(variance, mean) as torch's var_mean computes them: one Welford pass over the reduced
    elements in order, so an infinity followed by another element makes the mean NaN, and
    equal huge values have mean the value and variance 0 (no overflowing sum)."""
    axes = tuple(range(a.ndim)) if dims is None else dims
    keep = [k for k in range(a.ndim) if k not in axes]
    rows = np.transpose(a, keep + list(axes)).reshape([a.shape[k] for k in keep] + [-1])
    n = rows.shape[-1]
    mean = np.zeros(rows.shape[:-1], rows.dtype)
    m2 = np.zeros(rows.shape[:-1], np.float64)
    with np.errstate(all="ignore"):
        for k in range(n):
            x = rows[..., k]
            delta = x - mean
            mean = mean + delta / (k + 1)
            m2 = m2 + (np.conj(delta) * (x - mean)).real
        var = m2 / np.maximum(n - c, 0) if n else np.full(mean.shape, np.nan)
        if not n:
            mean = np.full(mean.shape, np.nan, rows.dtype)
    if keepdim:
        shape = [1 if k in axes else a.shape[k] for k in range(a.ndim)]
        var, mean = var.reshape(shape), mean.reshape(shape)
    return var, mean


def _moments(name: str, input, dim, unbiased, keepdim, correction, std: bool):
    """var_mean / std_mean -> (var or std, mean), one node (VarMeanBackward0, StdMeanBackward0)
    whose gradient is var's (std's) plus mean's."""
    dims, c, keepdim = _var_args(input, dim, unbiased, keepdim, correction, name)
    _warn_dof(name, _reduction_factor(input, dims), c)
    shape = tuple(input.shape)
    rdt = input.dtype.to_real()
    spread = compute(
        lambda a: (np.sqrt if std else (lambda v: v))(_welford(a, dims, c, keepdim)[0]),
        [input],
        input.dtype,
        rdt,
        input.device,
    )
    m = compute(
        lambda a: _welford(a, dims, c, keepdim)[1], [input], input.dtype, input.dtype, input.device
    )

    def vjp(grads, ctx):
        g_spread, g_mean = grads
        if std:
            g_spread = where(ctx.result0 == 0, 0.0, g_spread / (2 * ctx.result0))
        return _var_backward(g_spread, ctx.self, dims, c, keepdim) + _mean_backward(
            g_mean, shape, dims, keepdim
        )

    def std_jvp(t, ctx):
        axes = tuple(range(ctx.self.dim())) if dims is None else dims
        mean = t[0].mean(axes, keepdim=keepdim) if axes else t[0]
        return _std_jvp(t[0], ctx.self, ctx.result0, dims, c, keepdim), mean

    fields = _var_fields(dim, unbiased, keepdim, correction)
    if std:
        node, uses, values = "StdMeanBackward0", ("self", "result0"), {"result0": spread}
    else:
        node, uses, values = "VarMeanBackward0", ("self",), {}
    record(
        node,
        [input],
        [spread, m],
        [vjp],
        [uses],
        {"self": input, **values, **fields},
        jvp=std_jvp if std else None,
    )
    return spread, m


@register("var_mean", node="VarMeanBackward0", method=False)
def var_mean(input: Tensor, dim=_NO_DIM, unbiased=None, keepdim: bool = False, *, correction=None):
    """(variance, mean) over ``dim``; the gradient is var's plus mean's."""
    return _moments("var_mean", input, dim, unbiased, keepdim, correction, std=False)


@register("std_mean", node="StdMeanBackward0", method=False)
def std_mean(input: Tensor, dim=_NO_DIM, unbiased=None, keepdim: bool = False, *, correction=None):
    """(standard deviation, mean) over ``dim``; where the std is 0 its gradient is 0."""
    return _moments("std_mean", input, dim, unbiased, keepdim, correction, std=True)


# ------------------------------------------------------------------------------------ aminmax


aminmax_return = type(
    "aminmax",
    (tuple,),
    {
        "__new__": lambda cls, mn, mx: tuple.__new__(cls, (mn, mx)),
        "min": property(lambda self: self[0]),
        "max": property(lambda self: self[1]),
        "__repr__": lambda self: f"torch.return_types.aminmax(\nmin={self[0]!r},\nmax={self[1]!r})",
    },
)


@register("aminmax")
def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """(min, max) over ``dim`` (all elements when None) in one node, AminmaxBackward0: each
    gradient is shared equally among the tied extremes, as amin's and amax's."""
    _no_complex("aminmax", input)
    if dim is not None:
        d = _wrap_dim(dim, input.dim())
        dims = (d,) if input.dim() else None
        if input.dim() and input.shape[d] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size.")
    else:
        dims = None
        if input.numel() == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation "
                "has no identity."
            )
    outs = [
        compute(
            lambda a, f=f: f(a, axis=_axis(dims), keepdims=keepdim) if a.ndim else a,
            [input],
            input.dtype,
            input.dtype,
            input.device,
        )
        for f in (np.min, np.max)
    ]
    mn, mx = outs

    def vjp(grads, c):
        g_min, g_max = grads
        return _evenly_distribute(g_min, c.self, c.min, dims, keepdim, full=False) + (
            _evenly_distribute(g_max, c.self, c.max, dims, keepdim, full=False)
        )

    record(
        "AminmaxBackward0",
        [input],
        [mn, mx],
        [vjp],
        [("self", "min", "max")],
        {"self": input, "min": mn, "max": mx, "dim": dim, "keepdim": keepdim},
    )
    return aminmax_return(mn, mx)


# ----------------------------------------------------------------------------- nansum, nanmean


@register("nansum", node="NansumBackward0")
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum treating NaN as zero; the gradient is zero at the NaNs."""
    if input.dtype.is_complex:
        raise RuntimeError("nansum does not support complex inputs")
    dims = reduction_dims(input, dim)
    if input.dim() == 0:
        dims = None
    rdt = (
        _dtypes.as_dtype(dtype)
        if dtype is not None
        else (_dtypes.int64 if input.dtype.category <= 1 else input.dtype)
    )
    y = compute(
        lambda a: np.nansum(a, axis=_axis(dims), keepdims=keepdim), [input], rdt, rdt, input.device
    )
    shape = tuple(input.shape)

    def vjp(g, c):
        # torch multiplies by the mask (an infinite gradient times 0 is NaN), not where
        return expand_back(g, shape, dims, keepdim) * (~c.self.isnan()).to(g.dtype)

    record(
        "NansumBackward0",
        [input],
        [y],
        [vjp],
        [("self",)],
        {"self": input, "dim": dim_field(dim), "keepdim": keepdim},
    )
    return y


@register("nanmean")
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean of the non-NaN elements: ``nansum`` divided by their count (as torch composes it,
    so the node is DivBackward0)."""
    if input.dtype.category < 2:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{_dtypes.scalar_type_name(input.dtype)}"
        )
    count = (
        (~input.isnan()).sum(dim, keepdim=keepdim) if dim is not None else ((~input.isnan()).sum())
    )
    return nansum(input, dim, keepdim, dtype=dtype).div(count)


# -------------------------------------------------------------------------------- logcumsumexp


@register("logcumsumexp", node="LogcumsumexpBackward0")
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(x))) along ``dim``, stable. The gradient of element i is
    ``sum_{j >= i} g_j exp(x_i - y_j)``."""
    d = _wrap_dim(dim, input.dim())
    if input.dtype.category < 2:
        raise RuntimeError(
            f'"logcumsumexp_out_cpu" not implemented for '
            f"'{_dtypes.scalar_type_name(input.dtype)}'"
        )
    axis = d if input.dim() else None

    def fwd(a):
        if a.ndim == 0 or a.size == 0:
            return a
        return np.logaddexp.accumulate(a, axis=axis)

    y = compute(fwd, [input], input.dtype, input.dtype, input.device, contiguous=True)

    def vjp(g, c):
        # torch's formula, in log space: sum_{j >= i} g_j exp(x_i - y_j) as the difference of
        # two reversed logcumsumexps, of the log-magnitudes of g's positive and negative parts
        # (the dtype's lowest value standing for log 0); at infinities this is NaN or finite
        # where the linear sum is not
        x, r = c.self, c.result
        if x.dim() == 0 or g.numel() == 0:  # a 0-d input's gradient is g itself, inf or not
            return g
        lowest = float(np.finfo(g.dtype.np).min)
        log_abs = g.abs().log()

        def part(log_g):  # exp(x + reversed logcumsumexp(log_g - y))
            return ((log_g - r).flip(d).logcumsumexp(d).flip(d) + x).exp()

        return part(where(g > 0, log_abs, lowest)) - part(where(g < 0, log_abs, lowest))

    def jvp(t, c):
        # cumsum(exp(x - max) * t) / (cumsum(exp(x - max)) + 1e-13), as torch computes it
        x = c.self if c.self.dim() else c.self.reshape(1)
        tx = t[0] if t[0].dim() else t[0].reshape(1)
        e = (x - x.amax(d, keepdim=True)).exp()
        out = (e * tx).cumsum(d) / (e.cumsum(d) + 1e-13)
        return out if c.self.dim() else out.reshape(())

    record(
        "LogcumsumexpBackward0",
        [input],
        [y],
        [vjp],
        [("self", "result")],
        {"self": input, "result": y, "dim": dim},
        jvp=jvp,
    )
    return y


# ------------------------------------------------------------------------------ dist, renorm


@register("dist", node="DistBackward0")
def dist(input: Tensor, other: Tensor, p=2) -> Tensor:
    """The p-norm of ``input - other`` (broadcast); the gradient is the norm's, summed back to
    each input's shape (``other`` gets its negative)."""
    if isinstance(other, Tensor) and input.dtype is not other.dtype:
        raise RuntimeError(
            f"expected both inputs to have same dtype, but got "
            f"{_dtypes.scalar_type_name(input.dtype)} and {_dtypes.scalar_type_name(other.dtype)}"
        )
    pf = float(p)
    rdt = input.dtype.to_real()
    acc = np.float64 if rdt.np == np.float64 else np.float32
    y = compute(
        lambda a, b: _vector_norm_np(a - b, pf, None, False, acc),
        [input, other],
        input.dtype,
        rdt,
        input.device,
    )
    a_shape, b_shape = tuple(input.shape), tuple(other.shape)

    def grad_diff(g, c):
        return _vector_norm_backward(g, c.self - c.other, c.result, pf, None, False)

    record(
        "DistBackward0",
        [input, other],
        [y],
        [
            lambda g, c: grad_diff(g, c).sum_to_size(a_shape),
            lambda g, c: (-grad_diff(g, c)).sum_to_size(b_shape),
        ],
        [("self", "other", "result"), ("self", "other", "result")],
        {"self": input, "other": other, "result": y, "p": p},
        jvp=lambda ts, c: _vector_norm_jvp(
            c.self - c.other,
            or_zeros(ts[0], c.self) - or_zeros(ts[1], c.other),
            pf,
            c.result,
            None,
            False,
        ),
    )
    return y


@register("renorm", node="RenormBackward0", inplace=True)
def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to norm
    ``maxnorm`` (by ``maxnorm / (norm + 1e-7)``, as torch); the gradient includes the scale's
    dependence on the input."""
    if float(p) <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if float(maxnorm) < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions"
        )
    d = _wrap_dim(dim, input.dim())
    pf, mx = float(p), float(maxnorm)
    dims = tuple(k for k in range(input.dim()) if k != d)
    rdt = input.dtype.to_real()
    acc = np.float64 if rdt.np == np.float64 else np.float32

    def fwd(a):
        n = _vector_norm_np(a, pf, dims, True, acc).astype(np.float64)
        return a * np.where(n > mx, mx / (n + 1e-7), 1.0)

    y = compute(fwd, [input], input.dtype, input.dtype, input.device)

    def vjp(g, c):
        # torch's renorm_backward: the scaled branch only where the norm exceeds maxnorm
        x = c.self
        n = norm(x, pf, dims, keepdim=True)
        s = (x.conj() * g).real if x.is_complex() else x * g
        nb = _vector_norm_backward(s.sum(dims, keepdim=True), x, n, pf, dims, True)
        invnorm = (n + 1e-7).reciprocal()
        return where(n > mx, mx * invnorm * (g - invnorm * nb), g)

    def jvp(t, c):
        # torch's renorm_jvp: the norm in float32 for float16/bfloat16, and norm_jvp's tangent
        x, tx = c.self, t[0]
        low = x.dtype in (_dtypes.float16, _dtypes.bfloat16)
        n = norm(x, pf, dims, keepdim=True, dtype=_dtypes.float32 if low else None)
        invnorm = (n + 1e-7).reciprocal()
        scaled = invnorm * mx * (tx - x * invnorm * _norm_jvp(x, tx, pf, n, dims))
        return where(n > mx, scaled, tx)

    record(
        "RenormBackward0",
        [input],
        [y],
        [vjp],
        [("self",)],
        {"self": input, "p": p, "dim": dim, "maxnorm": maxnorm},
        jvp=jvp,
    )
    return y


def _norm_jvp(x: Tensor, t: Tensor, p: float, n: Tensor, dims) -> Tensor:
    """torch's norm_jvp (kept dims): the tangent of the p-norm ``n`` of ``x`` over ``dims``
    along ``t``, 0 where the norm is 0 (for 1 < p)."""

    def real(v: Tensor) -> Tensor:
        return v.real if v.is_complex() else v

    if p == 0:
        return zeros_like(n)
    if p == 1:
        return real(x.sgn() * t.conj()).sum(dims, keepdim=True)
    if p == 2:
        return where(n == 0, 0.0, real(x * t.conj()).sum(dims, keepdim=True) / n)
    if p == np.inf:
        is_max = ((x.abs() == n) | (x.isnan() & n.isnan())).to(n.dtype)
        count = (is_max != 0).sum(dims, keepdim=True)
        return (real(x.sgn() * t.conj()) * is_max / count).sum(dims, keepdim=True)
    if p < 1:
        powers = where(x == 0, 0.0, x.abs().pow(p - 1))
        return (powers * real(x.sgn() * t.conj())).sum(dims, keepdim=True) * n.pow(1 - p)
    if p < 2:
        total = (x.abs().pow(p - 1) * real(x.sgn() * t.conj())).sum(dims, keepdim=True)
    else:
        total = (x.abs().pow(p - 2) * real(x * t.conj())).sum(dims, keepdim=True)
    return where(n == 0, 0.0, total / n.pow(p - 1))
