"""Memory layouts, and building a tensor of any namespace with one.

:func:`materialize` is the one way gradspec turns drawn values into a tensor: the op table
builds the same example in torch and in gradref with it (``T`` is the namespace), the
Function checker and the behaviours build torch tensors with it.
"""

from __future__ import annotations

import weakref

import numpy as np

#: Memory layouts gradspec can give a tensor. ``expanded`` changes the values (they are constant
#: along the expanded dimension), the others only change strides and storage offset.
LAYOUTS: tuple[str, ...] = (
    "contiguous",
    "transposed",
    "offset",
    "strided",
    "expanded",
    "channels_last",
)
#: the layouts that keep every drawn value distinct (``expanded`` repeats values: ties)
TIE_FREE_LAYOUTS: tuple[str, ...] = ("contiguous", "transposed", "offset", "strided")


def expand_values(values: np.ndarray, seed: int | None = None) -> tuple[np.ndarray, int | None]:
    """Values made constant along their first dimension of size > 1 (so that they can be a
    stride-0 expand), and that dimension (None when there is none)."""
    dims = [d for d, s in enumerate(values.shape) if s > 1]
    if not dims:
        return values, None
    dim = dims[0]
    index = [slice(None)] * values.ndim
    index[dim] = slice(0, 1)
    return np.broadcast_to(values[tuple(index)], values.shape).copy(), dim


def materialize(T, values, layout: str, dtype, device="cpu", requires_grad: bool = False):
    """A leaf tensor of namespace ``T`` (``torch`` or ``gradref``) holding ``values`` (a NumPy
    array) with the given memory ``layout``, built with the same calls in every namespace.

    contiguous: a fresh tensor; transposed: the transpose of a contiguous tensor (for 0-d and
    1-d, as ``strided``); offset: a view into a larger storage at storage offset 3; strided:
    every other element of a twice-as-long last dimension (0-d: a view at offset 1); expanded:
    a stride-0 view along the first dimension of size > 1 on which the values are constant
    (else contiguous); channels_last: ``channels_last`` for 4-d, last-dimension-moved-to-front
    for 3-d, else as transposed. ``dtype`` is a name or a dtype of ``T``; the result requires
    grad when ``requires_grad``.
    """
    if isinstance(dtype, str):
        dtype = getattr(T, dtype)
    cache = _is_torch(T) and layout in _DENSE and isinstance(values, np.ndarray)
    template = _template(values, layout, dtype, device) if cache else None
    if template is not None:  # a dense layout built before from the same array: copy it
        t = template.clone(memory_format=T.preserve_format)
        if t.stride() == template.stride():
            return t.requires_grad_(True) if requires_grad else t
    t = _build(T, values, layout, dtype, device)
    if cache:
        _remember(T, values, layout, dtype, device, t)
    t = t.detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


def torch_tensor(values, layout: str, dtype, device="cpu", requires_grad: bool = False):
    """:func:`materialize` in torch (for the parts that build torch tensors only)."""
    import torch

    return materialize(torch, values, layout, dtype, device, requires_grad)


def _is_torch(T) -> bool:
    return getattr(T, "__name__", "") == "torch"


def _build(T, values, layout: str, dtype, device):
    values = np.asarray(values)
    values = values.astype(np.complex128 if np.iscomplexobj(values) else np.float64)
    shape = tuple(values.shape)
    ndim = len(shape)

    def make(a):
        return T.tensor(np.array(a, order="C"), dtype=dtype, device=device)

    if layout == "transposed" and ndim < 2:
        layout = "strided"
    if layout == "channels_last" and ndim < 3:
        layout = "transposed" if ndim == 2 else "strided"
    if layout == "contiguous":
        return make(values)
    if layout == "transposed":
        return make(np.swapaxes(values, -1, -2)).transpose(-1, -2)
    if layout == "offset":
        flat = np.concatenate([np.zeros(3, values.dtype), values.reshape(-1)])
        return make(flat)[3:].view(shape)
    if layout == "strided":
        if ndim == 0:
            return make(np.stack([np.zeros((), values.dtype), values]))[1:].view(())
        storage = np.zeros(shape[:-1] + (2 * shape[-1],), values.dtype)
        storage[..., ::2] = values
        return make(storage)[..., ::2]
    if layout == "expanded":
        expanded, dim = expand_values(values)
        if dim is not None and np.array_equal(expanded, values):
            return make(np.take(values, [0], axis=dim)).expand(shape)
        return make(values)
    if layout == "channels_last":
        if ndim == 4:
            return make(values).contiguous(memory_format=T.channels_last)
        perm = (ndim - 1,) + tuple(range(ndim - 1))
        inverse = tuple(int(i) for i in np.argsort(perm))
        return make(values).permute(perm).contiguous().permute(inverse)
    raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")


#: layouts whose tensors ``clone`` reproduces stride for stride (no offset, no gaps, no overlap)
_DENSE = ("contiguous", "transposed", "channels_last")
#: (id of the values array, layout, dtype, device) -> (weak reference to the array, tensor)
_TEMPLATES: dict = {}
_MAX_TEMPLATES = 512


def _template(values, layout, dtype, device):
    hit = _TEMPLATES.get((id(values), layout, dtype, str(device)))
    if hit is None or hit[0]() is not values:
        return None
    return hit[1]


def _remember(T, values, layout, dtype, device, t) -> None:
    """Keep ``t`` as the template for ``values`` in ``layout``: the examples' arrays are never
    written to, and a weak reference tells when ``id(values)`` names another array."""
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        for key in list(_TEMPLATES)[: _MAX_TEMPLATES // 2]:
            del _TEMPLATES[key]
    copy = t.detach().clone(memory_format=T.preserve_format)
    if copy.stride() != t.stride() or copy.storage_offset() != t.storage_offset():
        return  # a layout that falls back to strided (a 0-d or 1-d transposed): not dense
    try:
        ref = weakref.ref(values)
    except TypeError:
        return
    _TEMPLATES[(id(values), layout, dtype, str(device))] = (ref, copy)
