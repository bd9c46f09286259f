"""gradref.autograd.forward_ad: dual tensors, as in torch.autograd.forward_ad."""

from __future__ import annotations

from typing import NamedTuple

from .. import _dtypes, _forward, _surface
from .._ops import make_view
from .._tensor import Tensor


class UnpackedDualTensor(NamedTuple):
    primal: Tensor
    tangent: Tensor | None


def enter_dual_level() -> int:
    if _forward.current_level() is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _forward.set_level(0)
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    current = _forward.current_level()
    if level is None:
        level = current
    if level != current:
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. This "
            "is not supported."
        )
    _forward.clear_level(level)
    _forward.set_level(None)


class dual_level:
    """Context manager: tangents exist inside it and are cleared on exit."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A view of ``tensor`` carrying ``tangent`` as its forward gradient."""
    if level is None:
        level = _forward.current_level()
    if level is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first."
        )
    if not _dtypes.is_differentiable_dtype(tensor.dtype):
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: torch.{tensor.dtype.name}"
        )
    if not _dtypes.is_differentiable_dtype(tangent.dtype):
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: torch.{tangent.dtype.name}"
        )
    if _forward.get_tangent(tensor, level) is not None:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at the "
            f"same level {level} is not supported."
        )
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            "original Tensor, this is not supported. Tensor is of size "
            f"[{', '.join(map(str, tensor.shape))}] while the given forward gradient is of size "
            f"[{', '.join(map(str, tangent.shape))}]."
        )

    # torch's _make_dual is a view op: ViewBackward0, saving the sizes
    out = make_view(tensor, "ViewBackward0", _whole, vjp=_passed,
                    fields={"self_sym_sizes": tuple(tensor.shape)})  # fmt: skip
    _forward.set_tangent(out, tangent, level)
    return out


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """The primal and the tangent (or None) of ``tensor``. Inside a dual level the primal is a
    view without tangent (a ``torch::autograd::Identity`` node when ``tensor`` requires grad),
    with or without a tangent; outside any level it is ``tensor`` itself."""
    if level is None:
        level = _forward.current_level()
    if level is None:
        return UnpackedDualTensor(tensor, None)
    tangent = _forward.get_tangent(tensor, level)
    saved = _forward.current_level()
    _forward.set_level(None)
    try:
        primal = make_view(tensor, "torch::autograd::Identity", _whole, vjp=_passed)
    finally:
        _forward.set_level(saved)
    return UnpackedDualTensor(primal, tangent)


def _whole(a):
    return a[...]


def _passed(g, ctx):
    return g


__all__ = [
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
    "UnpackedDualTensor",
]


# torch's names gradref lacks raise NotImplementedError naming them (see _surface)
__getattr__ = _surface.module_getattr("torch.autograd.forward_ad", __name__)
