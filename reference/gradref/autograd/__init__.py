"""gradref.autograd: backward, grad, Function, and the grad-mode managers, as in torch.autograd."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from .. import _engine, _grad_mode, _surface
from .._factories import ones, ones_like, zeros_like
from .._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .._tensor import Size, Tensor
from ..ops.shape import stack
from . import anomaly_mode, forward_ad, function, functional, graph, variable
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .variable import Variable

grad_mode = _grad_mode  # torch.autograd.grad_mode: no_grad, enable_grad, set_grad_enabled...

__all__ = [
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "function",
    "graph",
    "Variable",
]


def _single(x) -> bool:
    """A tensor or a GradientEdge (a tuple, but one argument)."""
    return isinstance(x, (Tensor, _engine.GradientEdge))


def _tensor_or_tensors_to_tuple(tensors, length: int) -> tuple:
    if tensors is None:
        return (None,) * length
    if isinstance(tensors, Tensor):
        return (tensors,)
    return tuple(tensors)


def _make_grads(outputs, grads) -> tuple:
    """Check given output gradients against the outputs; create ones for scalar outputs."""
    new = []
    for out, grad in zip(outputs, grads):
        if isinstance(out, _engine.GradientEdge):
            out = _EdgeOutput(out)
        if isinstance(grad, Tensor):
            if tuple(out.shape) != tuple(grad.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{_index(grads, grad)}] has a shape of "
                    f"{grad.shape!r} and output[{_index(outputs, out)}] has a shape of "
                    f"{out.shape!r}."
                )
            if out.dtype.is_complex != grad.dtype.is_complex:
                raise RuntimeError(
                    "For complex Tensors, both grad_output and output are required to have the "
                    f"same dtype. Mismatch in dtype: grad_output[{_index(grads, grad)}] has a "
                    f"dtype of torch.{grad.dtype.name} and output[{_index(outputs, out)}] has a "
                    f"dtype of torch.{out.dtype.name}."
                )
            new.append(grad)
        elif grad is None:
            if out.requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out.dtype.is_floating_point:
                    raise RuntimeError(
                        "grad can be implicitly created only for real scalar outputs but got "
                        f"torch.{out.dtype.name}"
                    )
                new.append(
                    ones_like(out)
                    if isinstance(out, Tensor)
                    else ones(tuple(out.shape), dtype=out.dtype, device=out.device)
                )
            else:
                new.append(None)
        else:
            raise TypeError(
                f"gradients can be either Tensors or None, but got {type(grad).__name__}"
            )
    return tuple(new)


class _EdgeOutput:
    """What _make_grads reads of an output given as a GradientEdge: its input metadata."""

    def __init__(self, edge) -> None:
        meta = edge.node._input_metadata[edge.output_nr]

        self.shape = Size(meta.shape)
        self.dtype = meta.dtype
        self.device = meta.device
        self.requires_grad = True

    def numel(self) -> int:
        return self.shape.numel()


def _index(seq, item) -> int:
    for i, x in enumerate(seq):
        if x is item:
            return i
    return 0


def _as_tuple(x, what: str) -> tuple:
    if _single(x):
        return (x,)
    if type(x) is dict:
        return tuple(x.values())
    if isinstance(x, Mapping):
        raise TypeError(
            f"`inputs` argument to `{what}()` must be a dict, not {type(x).__name__}. Other "
            "Mapping types are not supported."
        )
    return tuple(x)


def backward(
    tensors,
    grad_tensors=None,
    retain_graph=None,
    create_graph=False,
    grad_variables=None,
    inputs=None,
) -> None:
    """Accumulate into the ``.grad`` of leaves (of ``inputs`` only, when given) the gradient of
    ``tensors`` seeded with ``grad_tensors``."""
    if grad_variables is not None:
        warnings.warn(
            "`grad_variables` is deprecated. Use `grad_tensors` instead.",
            FutureWarning,
            stacklevel=2,
        )
        if grad_tensors is None:
            grad_tensors = grad_variables
        else:
            raise RuntimeError(
                "`grad_tensors` and `grad_variables` (deprecated) arguments both passed to "
                "`backward()`. Please only use `grad_tensors`."
            )
    inputs_tuple = () if inputs is None else _as_tuple(inputs, "backward")
    if inputs is not None and len(inputs_tuple) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    tensors = (tensors,) if _single(tensors) else tuple(tensors)
    grads = _make_grads(tensors, _tensor_or_tensors_to_tuple(grad_tensors, len(tensors)))
    if retain_graph is None:
        retain_graph = create_graph
    _engine.execute(
        tensors,
        grads,
        retain_graph=retain_graph,
        create_graph=create_graph,
        inputs=inputs_tuple or None,
        capture=False,
        warn_create_graph=inputs is None,
    )


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """The gradients of ``outputs`` with respect to ``inputs``; ``.grad`` is left untouched."""
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = (outputs,) if _single(outputs) else tuple(outputs)
    inputs_tuple = _as_tuple(inputs, "grad")
    if len(inputs_tuple) == 0:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use "
            "torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    if is_grads_batched:
        return _batched_grad(
            outputs,
            inputs,
            inputs_tuple,
            grad_outputs,
            retain_graph,
            create_graph,
            allow_unused,
            materialize_grads,
        )
    grads = _make_grads(outputs, _tensor_or_tensors_to_tuple(grad_outputs, len(outputs)))
    if retain_graph is None:
        retain_graph = create_graph
    result = _engine.execute(
        outputs,
        grads,
        retain_graph=retain_graph,
        create_graph=create_graph,
        inputs=inputs_tuple,
        capture=True,
    )
    if not allow_unused:
        for i, r in enumerate(result):
            if r is None:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
    if materialize_grads:
        if any(
            r is None and isinstance(inp, _engine.GradientEdge)
            for r, inp in zip(result, inputs_tuple)
        ):
            raise RuntimeError(
                "materialize_grads cannot be used when the given input is a GradientEdge"
            )
        result = [
            r if r is not None else zeros_like(inp, requires_grad=create_graph)
            for r, inp in zip(result, inputs_tuple)
        ]
    result = tuple(result)
    if type(inputs) is dict:
        return dict(zip(inputs.keys(), result))
    return result


def _batched_grad(
    outputs,
    inputs,
    inputs_tuple,
    grad_outputs,
    retain_graph,
    create_graph,
    allow_unused,
    materialize_grads,
):
    """``grad(..., is_grads_batched=True)``: the first dimension of every grad_output indexes a
    batch of vector-Jacobian products, computed one by one and stacked along a new first
    dimension (torch vmaps the backward; the values are the same)."""
    grad_outputs = _tensor_or_tensors_to_tuple(grad_outputs, len(outputs))
    for i, (go, out) in enumerate(zip(grad_outputs, outputs)):
        if go is not None and tuple(go.shape[1:]) != tuple(out.shape):
            raise RuntimeError(
                "If `is_grads_batched=True`, we interpret the first dimension of each grad_output "
                "as the batch dimension. The sizes of the remaining dimensions are expected to "
                "match the shape of corresponding output, but a mismatch was detected: "
                f"grad_output[{i}] has a shape of {go.shape} and output[{i}] has a shape of "
                f"{out.shape}. If you only want some tensors in `grad_output` to be considered "
                "batched, consider using vmap."
            )
    sizes = {go.shape[0] for go in grad_outputs if go is not None}
    batch = sizes.pop() if sizes else 0
    keep = create_graph if retain_graph is None else retain_graph
    rows = []
    for b in range(batch):
        rows.append(
            grad(
                outputs,
                inputs_tuple,
                [None if go is None else go[b] for go in grad_outputs],
                retain_graph=keep or b < batch - 1,
                create_graph=create_graph,
                allow_unused=allow_unused,
                materialize_grads=materialize_grads,
            )
        )
    result = tuple(
        None if not rows or rows[0][k] is None else stack([r[k] for r in rows])
        for k in range(len(inputs_tuple))
    )
    if type(inputs) is dict:
        return dict(zip(inputs.keys(), result))
    return result


# torch's names gradref lacks raise NotImplementedError naming them (see _surface)
__getattr__ = _surface.module_getattr("torch.autograd", __name__)
