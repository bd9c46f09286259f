"""Tensor factories with torch's signatures and dtype inference."""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtypes
from ._device import as_device
from ._tensor import Tensor

_rng = np.random.default_rng(0)


def manual_seed(seed: int):
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def _infer_dtype(data):
    """torch.tensor's inference: bool < int64 < default float < default complex."""
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, np.ndarray):
        return _dtypes.from_numpy_dtype(data.dtype)
    if isinstance(data, np.generic):
        return _dtypes.from_numpy_dtype(data.dtype)
    kinds = set()

    def walk(x):
        if isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, Tensor):
            kinds.add(x.dtype.category)
        elif isinstance(x, (bool, np.bool_)):
            kinds.add(0)
        elif isinstance(x, (int, np.integer)):
            kinds.add(1)
        elif isinstance(x, (float, np.floating)):
            kinds.add(2)
        elif isinstance(x, (complex, np.complexfloating)):
            kinds.add(3)
        else:
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")

    walk(data)
    top = max(kinds) if kinds else 2
    return {
        0: _dtypes.bool,
        1: _dtypes.int64,
        2: _dtypes.get_default_dtype(),
        3: _dtypes._default_complex(),
    }[top]


def _to_array(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):

        def conv(x):
            if isinstance(x, Tensor):
                if x.numel() != 1 and x.dim() != 0:
                    return x._data.tolist()
                return x.item()
            if isinstance(x, (list, tuple)):
                return [conv(v) for v in x]
            return x

        data = conv(data)
        try:
            return np.array(data)
        except ValueError:
            raise ValueError(
                f"expected sequence of length {len(data[0])} at dim 1 (got {len(data[-1])})"
            ) from None
    return np.asarray(data)


def _check_requires_grad(dtype, requires_grad) -> None:
    if requires_grad and not _dtypes.is_differentiable_dtype(dtype):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def tensor(
    data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    """A new leaf holding a copy of ``data`` (nested sequences, numbers, arrays, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
            "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(data)
    _check_requires_grad(dt, requires_grad)
    arr = _to_array(data)
    if arr.dtype.kind == "c" and not dt.is_complex:
        raise TypeError("must be real number, not complex")
    with np.errstate(all="ignore"):
        arr = np.array(arr, dtype=dt.np, copy=True)
    dev = as_device(device if device is not None else getattr(data, "device", None))
    return Tensor._from_array(arr, dt, dev, requires_grad, fresh=False)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor):
        if (dtype is None or _dtypes.as_dtype(dtype) is data.dtype) and (
            device is None or as_device(device) == data.device
        ):
            return data
        return data.to(dtype=dtype or data.dtype, device=device or data.device)
    if isinstance(data, np.ndarray) and dtype is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``arr``."""
    dt = _dtypes.from_numpy_dtype(arr.dtype)
    return Tensor._from_array(arr, dt, as_device(None), fresh=False)


def _size(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, (int, np.integer)):
            raise TypeError(f"expected int for size, but got {type(a).__name__}")
        if a < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {a}: {list(args)}")
    return tuple(int(a) for a in args)


def _make(shape, fill, dtype, device, requires_grad) -> Tensor:
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    return Tensor._from_array(
        np.full(shape, fill, dtype=dt.np), dt, as_device(device), requires_grad
    )


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    return _make(_size(size), 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None) -> Tensor:
    return _make(_size(size), 1, dtype, device, requires_grad)


def empty(
    *size, dtype=None, device=None, requires_grad=False, memory_format=None, layout=None
) -> Tensor:
    return _make(_size(size), 0, dtype, device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = _dtypes.scalar_dtype(fill_value)
    return _make(_size((size,)), fill_value, dtype, device, requires_grad)


def _like(input: Tensor, fill, dtype, device, requires_grad) -> Tensor:
    return _make(
        tuple(input.shape), fill, dtype or input.dtype, device or input.device, requires_grad
    )


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, 0, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, 1, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(input, 0, dtype, device, requires_grad)


def full_like(
    input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None
):
    return _like(input, fill_value, dtype, device, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        dtype = (
            _dtypes.int64
            if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals)
            else _dtypes.get_default_dtype()
        )
    dt = _dtypes.as_dtype(dtype)
    _check_requires_grad(dt, requires_grad)
    n = max(int(np.ceil((vals[1] - vals[0]) / vals[2])), 0)
    data = vals[0] + np.arange(n, dtype=np.float64 if dt.category >= 2 else np.int64) * vals[2]
    return Tensor._from_array(data.astype(dt.np), dt, as_device(device), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    return Tensor._from_array(
        np.linspace(start, end, steps).astype(dt.np), dt, as_device(device), requires_grad
    )


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    return Tensor._from_array(np.eye(n, m).astype(dt.np), dt, as_device(device), requires_grad)


def _random(gen, size, dtype, device, requires_grad):
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.get_default_dtype()
    _check_requires_grad(dt, requires_grad)
    data = gen(_size(size))
    if dt.is_complex:
        data = (data + 1j * gen(_size(size))) / np.sqrt(2)
    return Tensor._from_array(np.asarray(data).astype(dt.np), dt, as_device(device), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    return _random(lambda s: _rng.standard_normal(s), size, dtype, device, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None) -> Tensor:
    return _random(lambda s: _rng.random(s), size, dtype, device, requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    return randn(
        tuple(input.shape),
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    return rand(
        tuple(input.shape),
        dtype=dtype or input.dtype,
        device=device or input.device,
        requires_grad=requires_grad,
    )


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    dt = _dtypes.as_dtype(dtype) if dtype is not None else _dtypes.int64
    _check_requires_grad(dt, requires_grad)
    data = _rng.integers(low, high, size=_size((size,)))
    return Tensor._from_array(data.astype(dt.np), dt, as_device(device), requires_grad)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    return input.is_complex()
