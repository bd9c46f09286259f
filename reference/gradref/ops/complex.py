"""Complex parts: conj, real, imag (torch's conjugate-Wirtinger gradients)."""

from __future__ import annotations

import numpy as np

from .._ops import compute, make_view, record
from .._tensor import Tensor
from ._table import register


@register("conj", node="ConjBackward0")
def conj(input: Tensor) -> Tensor:
    """Complex conjugate; real tensors are returned as they are."""
    if not input.dtype.is_complex:
        return input
    y = compute(np.conj, [input], input.dtype, input.dtype, input.device)
    record("ConjBackward0", [input], [y], [lambda g, c: g.conj()], [()])
    return y


Tensor.conj_physical = conj
Tensor.resolve_conj = lambda self: self
Tensor.resolve_neg = lambda self: self
Tensor.is_conj = lambda self: False


def _as_real_np(a: np.ndarray) -> np.ndarray:
    """A complex array's memory seen as real pairs (shape + (2,)), without copying."""
    r = a.real
    return np.lib.stride_tricks.as_strided(
        r, shape=a.shape + (2,), strides=r.strides + (r.itemsize,), writeable=True
    )


@register("view_as_real", method=False)
def view_as_real(input: Tensor) -> Tensor:
    """The real and imaginary parts as a last dim of size 2 (a view); the gradient is
    ``g[..., 0] + 1j * g[..., 1]``."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return make_view(
        input,
        "ViewAsRealBackward0",
        _as_real_np,
        dtype=input.dtype.to_real(),
        vjp=lambda g, c: g.select(-1, 0) + g.select(-1, 1) * 1j,
    )


def _part(input: Tensor, which: str) -> Tensor:
    """torch's real/imag of a complex tensor: ``view_as_real(z).select(-1, 0 or 1)``."""
    if not input.dtype.is_complex:
        if which == "imag":
            raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
        return input
    pairs = view_as_real(input)
    return pairs.select(pairs.dim() - 1, 0 if which == "real" else 1)


@register("real", method=False)
def real(input: Tensor) -> Tensor:
    return _part(input, "real")


@register("imag", method=False)
def imag(input: Tensor) -> Tensor:
    return _part(input, "imag")


Tensor.real = property(real)
Tensor.imag = property(imag)
