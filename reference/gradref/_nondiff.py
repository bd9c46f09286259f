"""Non-differentiable utilities with torch's names: comparisons of whole tensors, predicates,
index reductions, and the ``new_*`` factories. Their results never require grad."""

from __future__ import annotations

import numpy as np

from . import _dtypes
from ._factories import _make, tensor
from ._tensor import Tensor, _wrap_dim


def _bool(arr, device) -> Tensor:
    return Tensor._from_array(np.asarray(arr, dtype=np.bool_), _dtypes.bool, device)


def _long(arr, device) -> Tensor:
    return Tensor._from_array(np.asarray(arr, dtype=np.int64), _dtypes.int64, device)


def _values(t: Tensor) -> np.ndarray:
    return t._data.astype(np.complex128 if t.dtype.is_complex else np.float64)


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"{_dtypes.scalar_type_name(input.dtype)} did not match "
            f"{_dtypes.scalar_type_name(other.dtype)}"
        )
    return _bool(
        np.isclose(_values(input), _values(other), rtol=rtol, atol=atol, equal_nan=equal_nan),
        input.device,
    )


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(np.array_equal(_values(input), _values(other)))


def _reduce_index(fn, name):
    def op(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        if input.dtype.is_complex:
            raise RuntimeError(f"{name}(): does not support complex input")
        if input.numel() == 0 and dim is None:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        if dim is None:
            out = fn(_values(input).reshape(-1))
            return _long(np.reshape(out, (1,) * input.dim()) if keepdim else out, input.device)
        d = _wrap_dim(dim, input.dim())
        data = _values(input)
        if input.dim() == 0:
            return _long(0, input.device)
        return _long(fn(data, axis=d, keepdims=keepdim), input.device)

    op.__name__ = name
    return op


def _nan_argmax(a, axis=None, keepdims=False):
    # torch propagates NaN: the first NaN wins
    nan = np.isnan(a)
    idx = np.argmax(np.where(nan, np.inf, a), axis=axis, keepdims=keepdims)
    if nan.any():
        first_nan = np.argmax(nan, axis=axis, keepdims=keepdims)
        has_nan = np.any(nan, axis=axis, keepdims=keepdims)
        idx = np.where(has_nan, first_nan, idx)
    return idx


def _nan_argmin(a, axis=None, keepdims=False):
    nan = np.isnan(a)
    idx = np.argmin(np.where(nan, -np.inf, a), axis=axis, keepdims=keepdims)
    if nan.any():
        first_nan = np.argmax(nan, axis=axis, keepdims=keepdims)
        has_nan = np.any(nan, axis=axis, keepdims=keepdims)
        idx = np.where(has_nan, first_nan, idx)
    return idx


argmax = _reduce_index(_nan_argmax, "argmax")
argmin = _reduce_index(_nan_argmin, "argmin")


def _predicate(fn, name):
    def op(input: Tensor) -> Tensor:
        return _bool(fn(_values(input)), input.device)

    op.__name__ = name
    return op


isnan = _predicate(np.isnan, "isnan")
isinf = _predicate(np.isinf, "isinf")
isfinite = _predicate(np.isfinite, "isfinite")
isposinf = _predicate(np.isposinf, "isposinf")
isneginf = _predicate(np.isneginf, "isneginf")
isreal = _predicate(np.isreal, "isreal")


def _any_all(fn, name):
    def op(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        data = input._data.astype(np.bool_)
        axis = (
            None
            if dim is None
            else (
                tuple(_wrap_dim(d, input.dim()) for d in dim)
                if isinstance(dim, (tuple, list))
                else _wrap_dim(dim, input.dim())
            )
        )
        return _bool(fn(data, axis=axis, keepdims=keepdim), input.device)

    op.__name__ = name
    return op


any = _any_all(np.any, "any")  # noqa: A001
all = _any_all(np.all, "all")  # noqa: A001


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    axis = None if dim is None else (tuple(dim) if isinstance(dim, (tuple, list)) else dim)
    return _long(np.count_nonzero(input._data, axis=axis), input.device)


NONDIFF = {
    f.__name__: f
    for f in (
        isclose,
        allclose,
        equal,
        argmax,
        argmin,
        isnan,
        isinf,
        isfinite,
        isposinf,
        isneginf,
        isreal,
        any,
        all,
        count_nonzero,
    )
}
for _name, _fn in NONDIFF.items():
    setattr(Tensor, _name, _fn)


# -- new_* factories: same dtype and device as self unless given -----------------------------


def _new_size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _new(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        return _make(
            _new_size(size), fill, dtype or self.dtype, device or self.device, requires_grad
        )

    return method


Tensor.new_zeros = _new(0)
Tensor.new_ones = _new(1)
Tensor.new_empty = _new(0)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _make(tuple(size), fill_value, dtype or self.dtype, device or self.device, requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(
        data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad
    )


Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
