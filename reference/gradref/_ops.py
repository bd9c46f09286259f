"""The op layer: how an op computes, records its node, saves tensors, runs in place, makes views.

An op is a NumPy forward plus, per differentiable input, a VJP written with gradref ops (so that
double backward records a graph when ``create_graph=True``) and the names of the saved values the
VJP uses. Only what the inputs that require grad need is saved, as in torch's generated code, so
version-counter errors fire exactly when torch's do. Broadcasting and dtype are undone centrally
by the engine (``_engine.validate_gradient``), as torch's ``validate_outputs`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from . import _dtypes, _engine, _forward, _grad_mode, _nodes
from ._device import as_device
from ._engine import forward_name
from ._tensor import Tensor

# -----------------------------------------------------------------------------------------------
# arguments, dtypes, devices


def compute_np_dtype(d) -> np.dtype:
    """Floating ops compute in float64 (complex128) and round once to the result dtype."""
    if d.is_complex:
        return np.dtype(np.complex128)
    if d.is_floating_point:
        return np.dtype(np.float64)
    return d.np


def is_scalar(x) -> bool:
    return isinstance(x, (bool, int, float, complex, np.number, np.bool_))


def common_device(*args):
    """The device of the tensor arguments; 0-dim CPU tensors may mix with any device."""
    dev = None
    cpu_scalar = None
    for a in args:
        if not isinstance(a, Tensor):
            continue
        if a.dim() == 0 and a.device.type == "cpu":
            cpu_scalar = a.device
            continue
        if dev is None:
            dev = a.device
        elif a.device != dev:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{_dev_order(dev, a.device)}!"
            )
    return dev if dev is not None else (cpu_scalar or as_device(None))


def _dev_order(a, b) -> str:
    first, second = (a, b) if a.type != "cpu" else (b, a)
    return f"{first}, {second}"


def wrap(x, dtype=None, device=None) -> Tensor:
    """A Python number as torch wraps it for a tensor argument: a 0-dim CPU tensor of the
    number's own dtype (float64, int64, complex128 or bool) marked as a wrapped number, which
    type promotion treats as the number itself; a tensor is returned as it is. (``dtype`` and
    ``device``, the op's, are not used: computing casts, and wrapped numbers live on the CPU.)"""
    if isinstance(x, Tensor):
        return x
    own = _dtypes.wrapped_number_dtype(x)
    t = Tensor._from_array(np.asarray(x).astype(own.np), own, as_device("cpu"))
    t._wrapped_number = True  # saved for backward like a tensor, but never packed by hooks
    return t


def arrays(args, cdt: np.dtype, common=None):
    """The arguments' values in NumPy's ``cdt``. With ``common`` (the op's floating or complex
    dtype), a floating operand of another dtype and a wrapped number are first rounded to it,
    as TensorIterator casts every input to the common dtype before the kernel runs (so
    ``bfloat16_tensor + 2.4140625`` adds 2.40625); integer tensors (indices) are not."""
    out = []
    for a in args:
        if isinstance(a, Tensor):
            v = a._data
            if (
                common is not None
                and a.dtype is not common
                and (a.dtype.category >= 2 or getattr(a, "_wrapped_number", False))
            ):
                with np.errstate(all="ignore"):
                    v = v.astype(common.np)
            out.append(v.astype(cdt, copy=False))
        else:
            out.append(np.asarray(a).astype(cdt))
    return out


def opmath_scalar(b: Tensor, dtype):
    """The second operand of a product or a true division as torch's CPU kernels take it: a
    0-dim operand next to a float16 or bfloat16 result is read unrounded, at float32 (the
    kernels' ``original_scalar_value<opmath_t>``), so ``half_tensor * 0.4005`` multiplies by
    0.4005 in float32, not by 0.4006 (0.4005 in float16); other operands are returned as they
    are (and rounded to the common dtype by :func:`arrays`, as for ``+`` and ``-``)."""
    if dtype not in (_dtypes.float16, _dtypes.bfloat16) or b.dim() != 0:
        return b
    if b.dtype.category < 2 and not getattr(b, "_wrapped_number", False):
        return b
    return np.asarray(b._data).astype(np.float32)


def in_opmath(fn: Callable, b) -> Callable:
    """``fn`` computed in float32 when ``b`` came from :func:`opmath_scalar` (as torch's
    reduced-precision kernels compute, rounding to the result dtype after), else ``fn``."""
    if not isinstance(b, np.ndarray):
        return fn
    return lambda x, y: fn(x.astype(np.float32), y.astype(np.float32))


def finish(result, dtype, device, layout=None) -> Tensor:
    """Wrap a computed NumPy result as a fresh tensor of ``dtype`` (rounded once), laid out as
    ``layout`` (dimensions from slowest to fastest moving) when given, else as NumPy did."""
    with np.errstate(all="ignore"):
        return _finish(result, dtype, device, layout)


def _finish(result, dtype, device, layout=None) -> Tensor:
    """:func:`finish`, NumPy's floating-point warnings already silenced by the caller."""
    result = np.asarray(result)
    if dtype is _dtypes.bool:
        result = result.astype(np.bool_)
    elif dtype.category == 1 and result.dtype.kind in "fc":
        result = np.trunc(result)
    if layout is None:
        out = np.array(result, dtype=dtype.np, copy=True)
    else:  # ``layout``: the dimensions from slowest to fastest moving
        out = np.empty([result.shape[d] for d in layout], dtype=dtype.np)
        out = out.transpose(np.argsort(layout))
        out[...] = result
    return Tensor._from_array(out, dtype, device)


def iterator_layout(shape: tuple, operands) -> list | None:
    """The dimension order (slowest to fastest) torch's TensorIterator gives an elementwise
    result: dimensions ordered by the operands' strides, broadcast dimensions ignored, ties to
    the smaller dimension, C order when nothing decides (ATen's reorder_dimensions)."""
    ndim = len(shape)
    if ndim < 2:
        return None
    if all(a.shape == tuple(shape) and _contiguous(a) for a in operands):
        return None  # torch's fast path: every operand contiguous, so is the result
    strides = []
    for a in operands:  # a broadcast dimension counts as stride 0; size-1 dims keep theirs
        lead = ndim - a.ndim
        strides.append(
            (0,) * lead
            + tuple(
                0 if n == 1 and shape[lead + i] != 1 else st
                for i, (n, st) in enumerate(zip(a.shape, a.strides))
            )
        )
    perm = list(range(ndim - 1, -1, -1))  # fastest-moving dimension first

    def should_swap(d0: int, d1: int) -> int:
        for st in strides:
            s0, s1 = st[d0], st[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 < s1:
                return -1
            if s0 > s1:
                return 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm[::-1]


def compute(
    fn: Callable, args, cdtype, out_dtype, device, contiguous: bool = False, **params
) -> Tensor:
    """``fn`` on the arguments' values (in ``cdtype``'s compute dtype), as a new tensor laid
    out as TensorIterator would lay out an elementwise result, or C-contiguous when
    ``contiguous`` (ops whose kernels allocate a contiguous result: softmax, cumsum...)."""
    cdt = compute_np_dtype(cdtype)
    inputs = arrays(args, cdt, cdtype if cdtype.category >= 2 else None)
    with np.errstate(all="ignore"):
        result = np.asarray(fn(*inputs, **params))
        if contiguous:
            return _finish(np.array(result, order="C"), out_dtype, device)
        tensors = [a._data for a in args if isinstance(a, Tensor) and a._data.ndim > 0]
        layout = None
        if tensors and all(_engine._expandable(t.shape, result.shape) for t in tensors):
            layout = iterator_layout(result.shape, tensors)
        return _finish(result, out_dtype, device, layout)


def finish_like(values, like: np.ndarray, dtype, device) -> Tensor:
    """``values`` as a new tensor of ``dtype`` laid out as torch's ``empty_like(like,
    preserve_format)``: ``like``'s exact strides when it is dense and non-overlapping, else
    C-contiguous (clone, to, flip)."""
    values = np.asarray(values)
    item = np.dtype(dtype.np).itemsize
    if like.size and _dense(like):
        strides = tuple(s // like.itemsize * item for s in like.strides)
        out = np.lib.stride_tricks.as_strided(
            np.empty(like.size, dtype.np), like.shape, strides, writeable=True
        )
    else:
        out = np.empty(like.shape, dtype.np)
    with np.errstate(all="ignore"):
        out[...] = values
    return Tensor._from_array(out, dtype, device)


# -----------------------------------------------------------------------------------------------
# recording


class Ctx:
    """What a VJP sees: unpacked saved tensors and values by name, and needs_input_grad."""

    def __init__(self, values: dict, needs_input_grad: tuple) -> None:
        self.__dict__.update(values)
        self.needs_input_grad = needs_input_grad


class OpNode(_engine.Node):
    """The grad_fn of a built-in op: one VJP per differentiable input.

    Each node name has its own subclass (``new_node``), whose properties are the saved fields
    torch exposes for that node (``_saved_self``, ``_saved_dim``...; see ``_nodes``)."""

    #: a multi-output node's VJPs see None for an output that got no gradient (torch's
    #: undefined gradient), instead of zeros: for formulas whose result depends on which
    #: gradients are defined (``record(..., undefined_grads=True)``)
    _undefined_grads = False

    def __init__(self, edges, vjps, needs) -> None:
        super().__init__(edges)
        self._vjps = vjps
        self._saved: dict = {}  # field -> SavedTensor (or a tuple of them, for Tensor[])
        self._values: dict = {}  # field -> a non-tensor value (and VJP-internal values)
        self._needs = needs

    def _apply(self, grads):
        if all(g is None for g in grads):
            return [None] * len(self._next_edges)
        values = dict(self._values)
        # torch's generated nodes unpack saved inputs in name order, then saved outputs
        for name in sorted(self._saved, key=lambda k: (_is_output(self._saved[k]), k)):
            saved = self._saved[name]
            if isinstance(saved, tuple):
                values[name] = tuple(
                    None if s is None else s.unpack(self, in_backward=True) for s in saved
                )
            else:
                values[name] = saved.unpack(self, in_backward=True)
        if len(grads) == 1:
            g = grads[0]
        else:
            g = tuple(
                gr if gr is not None or self._undefined_grads else _zeros_for(meta)
                for gr, meta in zip(grads, self._input_metadata)
            )
        ctx = Ctx(values, self._needs)
        return [vjp(g, ctx) if need else None for vjp, need in zip(self._vjps, self._needs)]

    def _release_variables(self) -> None:
        for st in self._saved.values():
            for s in st if isinstance(st, tuple) else (st,):
                if s is not None:
                    s.free()


def _is_output(saved) -> bool:
    first = saved[0] if isinstance(saved, tuple) and saved else saved
    return bool(getattr(first, "_is_output", False))


def new_node(name: str, edges, vjps, needs) -> OpNode:
    """A node of the class torch gives ``name`` (see ``_nodes.op_node_class``)."""
    return _nodes.op_node_class(name, OpNode)(edges, vjps, needs)


def set_fields(node: OpNode, fields: dict) -> None:
    """Store torch's saved fields on ``node``: tensors (and tuples of them, for ``Tensor[]``
    fields) as saved tensors, everything else as values."""
    declared = dict(_nodes.fields_of(node.name()))
    for key, value in fields.items():
        kind = declared.get(key, "")
        if kind == "Tensor[]":
            node._saved[key] = tuple(
                None if t is None else _engine.SavedTensor(t, node) for t in value
            )
        elif kind.startswith("Tensor"):
            if value is not None:
                node._saved[key] = _engine.SavedTensor(value, node)
        else:
            node._values[key] = value


def retype(node: OpNode, name: str) -> None:
    """Give ``node`` the class (and so the name and saved fields) of torch's node ``name``."""
    node.__class__ = _nodes.op_node_class(name, OpNode)


def _zeros_for(meta) -> Tensor:
    return Tensor._from_array(np.zeros(meta.shape, meta.dtype.np), meta.dtype, meta.device)


def needs_grad(*tensors) -> bool:
    if not _grad_mode.is_grad_enabled():
        return False
    return any(isinstance(t, Tensor) and t.requires_grad for t in tensors)


def record(
    name: str,
    inputs: Sequence,
    outputs: Sequence[Tensor],
    vjps: Sequence,
    uses: Sequence[Sequence[str]] = (),
    values: dict | None = None,
    differentiable: Sequence[bool] | None = None,
    jvp=None,
    undefined_grads: bool = False,
) -> None:
    """Attach a node called ``name`` to ``outputs`` if grad mode is on and an input requires grad.

    ``inputs``: the differentiable inputs (Tensor or None), one per VJP. ``vjps[i](g, ctx)``
    returns the gradient for ``inputs[i]``. ``uses[i]`` names the entries of ``values`` that
    ``vjps[i]`` reads; those that are tensors are saved (version-checked, freed after backward).
    ``differentiable[k]`` False marks an output that gets no grad_fn (torch's non-differentiable
    outputs, such as layer_norm's mean and rstd); by default every floating output gets one.
    ``jvp``: the op's own forward-mode formula (see ``_forward``); by default the JVP is
    derived from the VJPs. ``undefined_grads``: the VJPs of a multi-output node see None for
    an output without a gradient, instead of zeros (see ``OpNode._undefined_grads``).
    """
    if _forward.current_level() is not None:
        _forward.propagate(inputs, outputs, vjps, values or {}, differentiable, jvp)
    if not needs_grad(*inputs):
        return
    edges = [
        _engine.gradient_edge(t) if isinstance(t, Tensor) and t.requires_grad else (None, 0)
        for t in inputs
    ]
    # torch's should_compute_output: a gradient is computed (and what it needs saved) only
    # for an input with an edge; a view made under no_grad requires grad but has none
    needs = tuple(node is not None for node, _ in edges)
    values = values or {}
    # torch's generated code saves an input only when a gradient that needs it will be
    # computed, but saves an output (``result``) whenever any formula uses it; in declaration
    # order, which is the order saved-tensor pack hooks see
    wanted: list[str] = []
    for need, names in zip(needs, uses or [()] * len(inputs)):
        for n in names:
            is_output = any(values.get(n) is o for o in outputs)
            if (need or is_output) and n not in wanted:
                wanted.append(n)
    node = new_node(name, edges, tuple(vjps), needs)
    if undefined_grads:
        node._undefined_grads = True
    flags = differentiable if differentiable is not None else (True,) * len(outputs)
    diff_outputs = [
        o for o, d in zip(outputs, flags) if d and _dtypes.is_differentiable_dtype(o.dtype)
    ]
    declared = dict(_nodes.fields_of(name))

    def save(t):
        if t is None:
            return None
        is_out = any(t is o for o in outputs)
        gets_node = any(t is o for o in diff_outputs)
        return _engine.SavedTensor(t, node, is_output=is_out, is_leaf=(not gets_node and t.is_leaf))

    for key in wanted:
        v = values.get(key)
        if isinstance(v, Tensor):
            node._saved[key] = save(v)
        elif declared.get(key) == "Tensor[]":
            node._saved[key] = tuple(save(t) for t in v)
        else:
            node._values[key] = v
    # torch saves a node's non-tensor fields whichever gradients are needed
    for key, kind in declared.items():
        if not kind.startswith("Tensor") and key in values:
            node._values.setdefault(key, values[key])
    diff_ids = {id(d) for d in diff_outputs}  # (alive here, so identity by id)
    last = -1
    for i, o in enumerate(outputs):
        if id(o) in diff_ids:
            o._grad_fn = node
            o._output_nr = i
            last = i
    # gradients flow into differentiable outputs only (a trailing integer output such as max's
    # indices is an output torch saves, but gets no gradient slot here)
    node._input_metadata = [_engine.InputMetadata(o) for o in outputs[: last + 1]]


# -----------------------------------------------------------------------------------------------
# in-place


INFERENCE_INPLACE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone "
    "to get a normal tensor before doing inplace update.See "
    "https://github.com/pytorch/rfcs/pull/17 for more details."
)


def check_inplace(self: Tensor, *others) -> None:
    """torch's autograd checks before an in-place write into ``self`` (an inference tensor has
    no autograd: see ``inplace``)."""
    if self._is_inference and not _grad_mode.is_inference_mode_enabled():
        return
    if not _grad_mode.is_grad_enabled():
        return
    base = self._base
    # torch reads the stored grad_fn here: a view whose base gained a history after the view
    # was made (and whose grad_fn was not regenerated since) still counts as a leaf
    requires = (
        self._requires_grad
        or self._grad_fn is not None
        or (base is not None and base.requires_grad)
    )
    if base is not None:
        meta = self._creation_meta
        if meta == "no_grad":
            raise RuntimeError(
                "A view was created in no_grad mode and is being modified inplace with grad "
                "mode enabled. Given that this use case is ambiguous and error-prone, it is "
                "forbidden. You can clarify your code by moving both the view and the inplace "
                "either both inside the no_grad block (if you don't want the inplace to be "
                "tracked) or both outside (if you want the inplace to be tracked)."
            )
        if meta == "inference" and not _grad_mode.is_inference_mode_enabled():
            raise RuntimeError(
                "A view was created in inference mode and is being modified inplace in normal "
                "mode. Given that this use case is ambiguous and error-prone, it is forbidden. "
                "You can clarify your code by moving both the view and the inplace either both "
                "inside the inference_mode block (if you don't want the inplace to be tracked) "
                "or both outside (if you want the inplace to be tracked)."
            )
        if (
            isinstance(meta, tuple)
            and meta[0] in ("custom_function", "multi_output")
            and (requires or needs_grad(*others))
        ):
            raise RuntimeError(view_rebase_message(self, meta, base_modified=False))
        if requires and base._requires_grad and base._grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation."
            )
    if requires and self._grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


_VIEW_REBASE_REASONS = {
    "multi_output": (
        "This view is the output of a function that returns multiple views. Such functions do "
        "not allow the output views to be modified inplace. You should replace the inplace "
        "operation by an out-of-place one."
    ),
    "custom_function": (
        "This view was created inside a custom Function (or because an input was returned "
        "as-is) and the autograd logic to handle view+inplace would override the custom "
        "backward associated with the custom Function, leading to incorrect gradients. This "
        "behavior is forbidden. You can fix this by cloning the output of the custom Function."
    ),
}


def view_rebase_message(view: Tensor, meta: tuple, base_modified: bool) -> str:
    """torch's handle_view_on_rebase error for a view whose creation forbids in-place changes,
    ``meta`` being ``(kind, forward name, output_nr)``: a view with a grad_fn is named as that
    node's output, one without (made where nothing required grad) as made in no_grad mode."""
    what = "its base or another view of its base has been" if base_modified else "is being"
    if view._grad_fn is not None:
        name = forward_name(view._grad_fn.name())
        prefix = f"Output {view._output_nr} of {name} is a view and {what} modified inplace."
    else:
        prefix = (
            f"A view was created in no_grad mode and {what} modified inplace with grad mode "
            "enabled."
        )
    return f"{prefix} {_VIEW_REBASE_REASONS[meta[0]]}"


def check_overlap(self: Tensor, *others, internal: bool = True) -> None:
    """torch's memory-overlap checks for a write into ``self`` reading ``others``."""
    if (
        internal
        and self._data.size > 1
        and any(st == 0 and n > 1 for st, n in zip(self._data.strides, self._data.shape))
    ):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    for other in others:
        if other is not self and _overlap_status(self._data, other._data) == "partial":
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation."
            )


def _contiguous(a: np.ndarray) -> bool:
    """C-contiguous in torch's sense: strides of size-1 dimensions don't matter."""
    expected = a.itemsize
    for n, st in zip(a.shape[::-1], a.strides[::-1]):
        if n != 1:
            if st != expected:
                return False
            expected *= n
    return True


def _dense(a: np.ndarray) -> bool:
    span = sum((n - 1) * abs(st) for st, n in zip(a.strides, a.shape)) + a.itemsize
    return all(st != 0 or n == 1 for st, n in zip(a.strides, a.shape)) and span == a.nbytes


def _overlap_status(a: np.ndarray, b: np.ndarray) -> str:
    """ATen's get_overlap_status: "full" (same memory, same layout), "partial", "none", or
    "too hard" (either is not dense and non-overlapping; then torch does not check)."""
    if a.size == 0 or b.size == 0:
        return "none"
    if not (_dense(a) and _dense(b)):
        return "too hard"
    a0 = a.__array_interface__["data"][0] + sum(
        (n - 1) * st for st, n in zip(a.strides, a.shape) if st < 0
    )
    b0 = b.__array_interface__["data"][0] + sum(
        (n - 1) * st for st, n in zip(b.strides, b.shape) if st < 0
    )
    a1, b1 = a0 + a.nbytes, b0 + b.nbytes
    if a0 == b0 and a1 == b1:
        return "full" if a.strides == b.strides else "partial"
    return "partial" if a0 < b1 and b0 < a1 else "none"


def check_cast(result_dtype, self_dtype) -> None:
    """In-place results must be castable to the destination (no category demotion)."""
    if result_dtype.category > self_dtype.category:
        raise RuntimeError(
            f"result type {_dtypes.scalar_type_name(result_dtype)} can't be cast to the desired "
            f"output type {_dtypes.scalar_type_name(self_dtype)}"
        )


def snapshot(self: Tensor) -> Tensor:
    """A copy of ``self``'s values that keeps ``self``'s place in the graph (torch saves the
    original self of an in-place op this way when the formula needs it)."""
    s = Tensor._from_array(self._data.copy(), self._dtype, self._device)
    s._grad_fn = self.grad_fn
    s._output_nr = self._output_nr
    s._requires_grad = self._requires_grad
    s._accumulator = self._accumulator
    if self._requires_grad and self._grad_fn is None:
        s._accumulator = self._grad_accumulator()
    tangent = _forward.get_tangent(self)
    if tangent is not None:
        _forward.set_tangent(s, tangent)
    return s


def inplace(
    self: Tensor,
    fn: Callable,
    *args,
    check_dtype: bool = True,
    check_internal_overlap: bool = True,
    **kwargs,
) -> Tensor:
    """Run the out-of-place ``fn(self, *args, **kwargs)`` and write its result into ``self``,
    bumping the version counter and rebasing ``self``'s history (CopySlices for views).
    Filling ops pass ``check_internal_overlap=False``: writing one value to an expanded tensor is
    allowed, as in torch."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    # an inference tensor outside inference mode has no autograd: the kernel runs and writes,
    # and only bumping its (absent) version counter raises, as in torch
    outside_inference = self._is_inference and not _grad_mode.is_inference_mode_enabled()
    check_inplace(self, *tensors)
    check_overlap(self, *tensors, internal=check_internal_overlap)
    recording = not outside_inference and needs_grad(self, *tensors)
    if recording:
        result = fn(snapshot(self), *args, **kwargs)
    else:
        with _grad_mode.no_grad():
            result = fn(snapshot(self), *args, **kwargs)
    if check_dtype:
        check_cast(result.dtype, self._dtype)
    if tuple(result.shape) != tuple(self.shape):
        try:
            np.broadcast_to(result._data, self._data.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(result.shape)}"
            ) from None
    with np.errstate(all="ignore"):
        self._data[...] = result._data.astype(self._dtype.np)
    if outside_inference:
        raise RuntimeError(INFERENCE_INPLACE_MESSAGE)
    self._vc.bump()
    if recording:
        rebase_history(self, result)
    tangent = _forward.get_tangent(result)
    if tangent is not None:
        _forward.set_tangent(self, tangent)
    return self


def rebase_history(self: Tensor, result: Tensor) -> None:
    """Make ``result``'s node the history of ``self`` (which now holds its values)."""
    node = result._grad_fn
    if node is None:
        return
    node._input_metadata = [_engine.InputMetadata(self)]
    for st in getattr(node, "_saved", {}).values():
        if isinstance(st, _engine.SavedTensor) and st._tensor is result:
            # a saved output is ``self`` at its new version
            st._tensor = self
            st._version = self._vc.value
    if self._base is None:
        _set_history(self, node)
        return
    base = self._base
    _set_history(base, CopySlices(base, self._view_fn, node))
    self._regenerate_view_grad_fn()


def _set_history(t: Tensor, node) -> None:
    """Give ``t`` a new grad_fn; a retain_grad registration moves along (torch's behaviour)."""
    old, old_nr = t._grad_fn, t._output_nr
    t._grad_fn = node
    t._output_nr = 0
    if old is not None and t._retains_grad:
        ref = old._retains_grad.pop(old_nr, None)
        if ref is not None:
            node._retains_grad[0] = ref


class CopySlices(_engine.Node):
    """History of a base whose view was modified in place: the view's region gets the in-place
    op's gradient, the rest passes through."""

    _name = "torch::autograd::CopySlices"

    def __init__(self, base: Tensor, view_fn, fn: _engine.Node) -> None:
        edges = [_engine.gradient_edge(base)] + list(fn._next_edges[1:])
        super().__init__(edges)
        self._fn = fn
        self._index = np.array(view_fn(np.arange(base.numel()).reshape(base.shape)))
        self._input_metadata = [_engine.InputMetadata(base)]

    def _apply(self, grads):
        from .ops.indexing import _index_gather, _index_put

        if self._fn is None:
            raise RuntimeError(_engine.FREED_MESSAGE)
        (g,) = grads
        if g is None:
            return [None] * len(self._next_edges)
        g_slice = _index_gather(g, self._index)
        res = self._fn._apply([g_slice])
        first = res[0]
        if first is not None and self._index.size != np.unique(self._index).size:
            # torch copies the view's gradient into a strided slice of the base's: a view
            # whose elements share memory (an expand) cannot be written
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers "
                "to a single memory location. Please clone() the tensor before performing the "
                "operation."
            )
        if first is None:
            first = g_slice * 0
        elif tuple(first.shape) != tuple(g_slice.shape):
            first = first.sum_to_size(g_slice.shape)
        return [_index_put(g, self._index, first)] + list(res[1:])

    @property
    def _wrapped_node(self):
        """The in-place op's own node (None once released)."""
        return self._fn

    def _release_variables(self) -> None:
        # torch drops the in-place op's node itself: a second pass raises backward-twice
        if self._fn is not None:
            self._fn._release_variables()
        self._fn = None


# -----------------------------------------------------------------------------------------------
# views


def index_map_node(
    name: str,
    x: Tensor,
    np_view_fn,
    out_shape,
    vjp=None,
    fields: dict | None = None,
    out_dtype=None,
) -> _engine.Node:
    """A node whose backward scatters the gradient of ``np_view_fn(x)`` back into ``x``'s shape,
    adding where elements repeat. Works for every view and for advanced indexing alike.

    A view op may pass its natural ``vjp(g, ctx)`` instead (a transpose's gradient is the
    transposed gradient, a view of it, as in torch, so layouts match torch's). ``fields`` are the
    values torch's node saves (``_saved_dim``, ``_saved_self_sym_sizes``...)."""
    from .ops.indexing import _index_scatter

    shape = tuple(x.shape)
    if vjp is None:
        index = np.array(np_view_fn(np.arange(x.numel()).reshape(x.shape)))
        values = {"index_map": index, "shape": shape}  # not torch field names
        vjp = lambda g, ctx: _index_scatter(g, ctx.index_map, ctx.shape)  # noqa: E731
    else:
        values = {"shape": shape}
    node = new_node(name, [_engine.gradient_edge(x)], (vjp,), (True,))
    node._values.update(values)
    set_fields(node, fields or {})  # torch's saved fields (dim, start, self_sym_sizes...)
    meta = _engine.InputMetadata.__new__(_engine.InputMetadata)
    # the view's own dtype (view_as_complex and view_as_real change it)
    meta.shape, meta.dtype, meta.device = tuple(out_shape), out_dtype or x.dtype, x.device
    node._input_metadata = [meta]
    return node


def make_view(
    x: Tensor,
    name: str,
    np_view_fn,
    *,
    multi_output: tuple | None = None,
    dtype=None,
    vjp=None,
    fields: dict | None = None,
    node: bool = True,
    offset: int | None = None,
) -> Tensor:
    """A tensor sharing ``x``'s memory through ``np_view_fn``, with torch's view bookkeeping;
    ``node=False`` leaves the grad_fn to the caller (one node for several views). ``offset``:
    how many elements further into the storage the view starts (for slices and selects, whose
    empty results NumPy does not move), else read from the data pointers."""
    data = np_view_fn(x._data)
    if data.size > 0 and x._data.size > 0 and not np.may_share_memory(data, x._data):
        raise AssertionError(f"{name}: view function copied")  # a gradref bug, not a user error
    out = Tensor._from_array(data, dtype or x._dtype, x._device, fresh=False)
    out._vc = x._vc
    out._is_inference = x._is_inference
    if offset is None:
        ptr = data.__array_interface__["data"][0] - x._data.__array_interface__["data"][0]
        offset = ptr // x._dtype.itemsize if data.size else 0
    out._offset = x.storage_offset() + offset
    parent_fn = x._view_fn
    out._base = x._base if x._base is not None else x
    out._view_fn = (lambda a: np_view_fn(parent_fn(a))) if parent_fn is not None else np_view_fn
    out._attr_version = x._vc.value
    if _grad_mode.is_inference_mode_enabled():
        out._creation_meta = "inference" if not x._is_inference else None
    elif x.requires_grad and not _grad_mode.is_grad_enabled():
        out._creation_meta = "no_grad"
    elif multi_output is not None:
        out._creation_meta = ("multi_output",) + multi_output
    # torch's propagate_creation_meta: a view of a view keeps the first one's restriction
    # unless it has its own, and an inference-mode one always
    previous = x._creation_meta if x._base is not None else None
    if previous is not None and (out._creation_meta is None or previous == "inference"):
        out._creation_meta = previous
    if node and needs_grad(x):
        out._grad_fn = index_map_node(name, x, np_view_fn, out.shape, vjp, fields, out.dtype)
    tangent = _forward.get_tangent(x)
    if tangent is not None:
        _forward.set_tangent(
            out,
            Tensor._from_array(np_view_fn(tangent._data), dtype or tangent.dtype, tangent.device),
        )
    return out


def make_views(x: Tensor, name: str, np_view_fns, vjp, fields: dict) -> tuple:
    """Several views of ``x`` made by one op (split, unbind...): one node ``name`` whose outputs
    they are, in order, with ``vjp(grads, ctx)`` given a tuple of their gradients (zeros for
    those that got none), as torch's multi-output view nodes."""

    outs = tuple(
        make_view(x, name, fn, multi_output=(forward_name(name), k), node=False)
        for k, fn in enumerate(np_view_fns)
    )
    if needs_grad(x) and outs:
        node = new_node(
            name,
            [_engine.gradient_edge(x)],
            (lambda g, c: vjp(g if isinstance(g, tuple) else (g,), c),),
            (True,),
        )
        node._values.update(fields)
        node._input_metadata = [_engine.InputMetadata(o) for o in outs]
        for k, o in enumerate(outs):
            o._grad_fn = node
            o._output_nr = k
    return outs
