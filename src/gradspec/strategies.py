"""Hypothesis strategies for autograd tests: shapes, dtypes, devices, memory layouts, values.

Values are drawn from a NumPy generator seeded by a Hypothesis-drawn integer: continuous values
almost surely avoid the kinks (non-differentiable points) that shrinking floats towards 0 would
hit, and drawing large arrays stays cheap. Shapes, layouts, dtypes, devices and which inputs
require grad are drawn and shrunk by Hypothesis.

The same drawn data becomes a torch tensor and a reference-namespace tensor bit for bit: values
are kept as float64 NumPy arrays already rounded to the example's dtype.
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

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

FLOAT_DTYPES: tuple[str, ...] = ("float32", "float64", "float16", "bfloat16")


def torch_dtype(name: str):
    import torch

    return getattr(torch, name)


def shapes(
    *, min_dims: int = 0, max_dims: int = 4, min_side: int = 0, max_side: int = 5
) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes including 0-d, size-1 and (when ``min_side`` is 0) zero-size dimensions."""
    return array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def dtypes(names=("float32", "float64")) -> st.SearchStrategy[str]:
    """Floating dtype names; shrinks towards the first."""
    return st.sampled_from(tuple(names))


def devices() -> st.SearchStrategy[str]:
    """The devices available here (``cpu``, and ``cuda`` when it works)."""
    from gradspec.devices import available_devices

    return st.sampled_from(available_devices())


@lru_cache(maxsize=64)
def _sampled(names: tuple):
    return st.sampled_from(names)


def layouts(names=LAYOUTS) -> st.SearchStrategy[str]:
    """Memory layouts; shrinks towards ``contiguous``. (One strategy object per tuple of
    names: drawing from a strategy built afresh each time costs Hypothesis its analysis.)"""
    return _sampled(tuple(names))


def requires_grad_masks(n: int, present=None) -> st.SearchStrategy[tuple[bool, ...]]:
    """Which of ``n`` inputs require grad: at least one of the present ones does."""
    present = tuple(present) if present is not None else (True,) * n
    return _masks(n, present)


@lru_cache(maxsize=256)
def _masks(n: int, present: tuple) -> st.SearchStrategy[tuple[bool, ...]]:

    def ok(mask):
        return any(m and p for m, p in zip(mask, present))

    return (
        st.tuples(*[st.booleans() for _ in range(n)])
        .map(lambda m: tuple(not b for b in m))  # shrink towards "all require grad"
        .filter(ok)
    )


def round_to_dtype(values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` rounded to ``dtype`` and returned as float64 (exactly representable)."""
    import torch

    if dtype == "float64":
        return np.asarray(values, dtype=np.float64)
    t = torch.from_numpy(np.array(values, dtype=np.float64)).to(torch_dtype(dtype))
    return t.to(torch.float64).numpy()


def expand_values(values: np.ndarray, seed: int) -> tuple[np.ndarray, int | None]:
    """Values made constant along one dimension of size > 1 (so they can be a stride-0 expand)."""
    dims = [d for d, s in enumerate(values.shape) if s > 1]
    if not dims:
        return values, None
    dim = dims[0]
    index = [slice(None)] * values.ndim
    index[dim] = slice(0, 1)
    return np.broadcast_to(values[tuple(index)], values.shape).copy(), dim


def materialize(values, layout: str, dtype, device="cpu", requires_grad: bool = False):
    """A torch tensor holding ``values`` (a NumPy array) with the given memory ``layout``.

    contiguous: a fresh tensor; transposed: the transpose of a contiguous tensor (for 0-d and
    1-d, as ``strided``); offset: a view into a larger storage with a non-zero storage offset;
    strided: every other element of a twice-as-long last dimension; expanded: a stride-0 view
    along the first dimension of size > 1 on which the values are constant (else contiguous);
    channels_last: torch.channels_last for 4-d, last-dimension-moved-to-front for 3-d, else as
    transposed. The result is a leaf, requiring grad when ``requires_grad``.
    """
    import torch

    if isinstance(dtype, str):
        dtype = torch_dtype(dtype)
    template = _template(values, layout, dtype, device)
    if template is not None:  # a dense layout built before from the same array: copy it
        t = template.clone(memory_format=torch.preserve_format)
        if t.stride() == template.stride():
            return t.requires_grad_(True) if requires_grad else t
    t = _materialize(values, layout, dtype, device)
    if layout in _DENSE and isinstance(values, np.ndarray):
        _remember(values, layout, dtype, device, t)
    t = t.detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


#: layouts whose tensors ``clone`` reproduces stride for stride (no offset, no gaps, no overlap)
_DENSE = ("contiguous", "transposed", "channels_last")
#: (id of the values array, layout, dtype, device) -> (weak reference to the array, tensor)
_TEMPLATES: dict = {}
_MAX_TEMPLATES = 512


def _template(values, layout, dtype, device):
    if layout not in _DENSE or not isinstance(values, np.ndarray):
        return None
    hit = _TEMPLATES.get((id(values), layout, dtype, str(device)))
    if hit is None or hit[0]() is not values:
        return None
    return hit[1]


def _remember(values, layout, dtype, device, t) -> None:
    """Keep ``t`` as the template for ``values`` in ``layout``: the examples' arrays are never
    written to, and a weak reference tells when ``id(values)`` names another array."""
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        for key in list(_TEMPLATES)[: _MAX_TEMPLATES // 2]:
            del _TEMPLATES[key]
    try:
        ref = weakref.ref(values)
    except TypeError:
        return
    _TEMPLATES[(id(values), layout, dtype, str(device))] = (
        ref,
        t.detach().clone(memory_format=torch_preserve()),
    )


def torch_preserve():
    import torch

    return torch.preserve_format


def _materialize(values, layout: str, dtype, device):
    import torch

    values = np.asarray(values, dtype=np.float64)
    base = torch.from_numpy(np.array(values, dtype=np.float64)).to(dtype=dtype, device=device)
    shape = tuple(values.shape)
    ndim = len(shape)
    if layout == "transposed" and ndim < 2:
        layout = "strided"
    if layout == "channels_last" and ndim < 3:
        layout = "transposed" if ndim == 2 else "strided"
    if layout == "contiguous":
        t = base.clone()
    elif layout == "transposed":
        t = base.transpose(-1, -2).contiguous().transpose(-1, -2)
    elif layout == "offset":
        storage = torch.zeros(base.numel() + 3, dtype=dtype, device=device)
        t = storage[3:].view(shape) if shape else storage[3:4].view(())
        t.copy_(base)
    elif layout == "strided":
        if ndim == 0:
            storage = torch.zeros(2, dtype=dtype, device=device)
            t = storage[1:].view(())
        else:
            storage = torch.zeros(shape[:-1] + (2 * shape[-1],), dtype=dtype, device=device)
            t = storage[..., ::2]
        t.copy_(base)
    elif layout == "expanded":
        dims = [d for d, s in enumerate(shape) if s > 1]
        if dims and bool((base == base.narrow(dims[0], 0, 1)).all()):
            t = base.narrow(dims[0], 0, 1).clone().expand(shape)
        else:
            t = base.clone()
    elif layout == "channels_last":
        if ndim == 4:
            t = base.contiguous(memory_format=torch.channels_last)
        else:
            perm = (ndim - 1,) + tuple(range(ndim - 1))
            inverse = tuple(int(i) for i in np.argsort(perm))
            t = base.permute(perm).contiguous().permute(inverse)
    else:
        raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")
    return t
