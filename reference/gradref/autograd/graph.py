"""gradref.autograd.graph: the Node type and gradient edges."""

from __future__ import annotations

from .. import _engine, _surface
from .._engine import (
    GradientEdge,
    Node,
    RemovableHandle,
    gradient_edge,
    pop_saved_tensors_hooks,
    push_saved_tensors_hooks,
    queue_callback,
)


def increment_version(tensor) -> None:
    """Bump the version counter of ``tensor`` (or of each tensor of a sequence), as an in-place
    change does, for code that modifies a tensor's memory behind autograd's back."""
    for t in (tensor,) if not isinstance(tensor, (list, tuple)) else tensor:
        t._vc.bump()


def get_gradient_edge(tensor) -> GradientEdge:
    """The edge a gradient for ``tensor`` flows into: its grad_fn and output number, or its
    AccumulateGrad node for a leaf."""

    if not tensor.requires_grad:
        raise RuntimeError(
            "It is not possible to get the gradient edge for a Tensor that does not require "
            "gradients"
        )
    node, nr = gradient_edge(tensor)
    return GradientEdge(node, nr, ownership_token=None)


__all__ = [
    "Node",
    "GradientEdge",
    "get_gradient_edge",
    "increment_version",
    "queue_callback",
    "saved_tensors_hooks",
    "save_on_cpu",
    "disable_saved_tensors_hooks",
    "register_multi_grad_hook",
]


class saved_tensors_hooks:
    """Pack/unpack hooks for tensors saved for backward while the context is active."""

    def __init__(self, pack_hook, unpack_hook) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):

        push_saved_tensors_hooks(self.pack_hook, self.unpack_hook)
        return self

    def __exit__(self, *exc) -> None:

        pop_saved_tensors_hooks()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept as host copies and moved back to their device on unpack."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        def pack(t):
            return (t.device, t.detach().cpu().clone())

        def unpack(packed):
            device, t = packed
            return t.to(device)

        super().__init__(pack, unpack)


class disable_saved_tensors_hooks:
    """Entering ``saved_tensors_hooks`` inside this context raises ``error_message``."""

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message
        self.prev = None

    def __enter__(self):

        self.prev = getattr(_engine._local, "hooks_disabled", None)
        _engine._local.hooks_disabled = self.error_message
        return self

    def __exit__(self, *exc) -> None:

        _engine._local.hooks_disabled = self.prev


def register_multi_grad_hook(tensors, fn, *, mode: str = "all"):
    """``mode="all"``: call ``fn(grads)`` once per backward pass that reaches any of ``tensors``,
    after the pass, with their gradients (None for those not reached); ``mode="any"``: call
    ``fn(grad)`` with the first of their gradients computed in the pass."""
    tensors = tuple(tensors)
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    state: dict = {"grads": None}
    handles = []

    def make(i):
        def hook(grad):
            if state["grads"] is None:
                state["grads"] = [None] * len(tensors)
                if mode == "any":
                    fn(grad)
                queue_callback(finish)
            state["grads"][i] = grad
            return None

        return hook

    def finish():
        grads, state["grads"] = state["grads"], None
        if mode == "all":
            fn(grads)

    for i, t in enumerate(tensors):
        if t.requires_grad:
            handles.append(t.register_hook(make(i)))

    class _Multi(RemovableHandle):
        def remove(self_inner) -> None:
            for h in handles:
                h.remove()

    return _Multi(None)


# torch's names gradref lacks raise NotImplementedError naming them (see _surface)
__getattr__ = _surface.module_getattr("torch.autograd.graph", __name__)
