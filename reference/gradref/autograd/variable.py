"""``Variable``, the legacy name of a tensor (torch.autograd.variable), and the execution engine
it exposes as ``Variable._execution_engine``."""

from __future__ import annotations

from .. import _engine
from .._factories import empty
from .._tensor import Tensor


class _ExecutionEngine:
    """What ``Variable._execution_engine`` is: the engine's Python face."""

    @staticmethod
    def queue_callback(callback) -> None:
        """Run ``callback()`` once the backward pass now running has finished (callbacks run
        in the order they were queued); outside a backward pass this raises."""
        _engine.queue_callback(callback)


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: a new tensor sharing ``data``'s memory, detached
    from its history, with the given requires_grad (no data: an empty float tensor). Every
    tensor is an instance of ``Variable``."""

    _execution_engine = _ExecutionEngine()

    def __new__(cls, data=None, requires_grad: bool = False):
        if data is None:
            out = empty(0)
        elif isinstance(data, Tensor):
            out = data.detach()
        else:
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out.requires_grad_(bool(requires_grad))
        return out
