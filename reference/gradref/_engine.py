"""The backward engine: graph nodes, saved tensors, hooks, and the dependency-counting executor.

A backward pass is the chain rule run over a DAG of nodes:

1. count, for every node reachable from the roots, how many edges point at it;
2. start from a virtual root that emits the root gradients;
3. run a ready node (all its incoming gradients have arrived, summed in its input buffer): tensor
   pre-hooks, retain_grad updates, node pre-hooks, the node, post-hooks;
4. check each gradient it returns against the metadata of the input it flows to (sum-to-size,
   cast to dtype: the engine's silent repairs) and add it into that node's buffer.

Ready nodes run latest-created first (torch's sequence numbers); AccumulateGrad nodes first of all.
"""

from __future__ import annotations

import heapq
import itertools
import re
import threading
import traceback
import warnings
import weakref
from collections import OrderedDict
from typing import NamedTuple

from . import _grad_mode, _surface
from ._dtypes import legacy_type_name, type_string

_sequence = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)

PACK_HOOK_INPLACE_MESSAGE = (
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to pack "
    "hook cannot be modified by in-place operations as this can lead to unexpected side-effects. "
    "Please open an issue if you need to perform in-place operations on the input to a pack hook."
)

DETACHED_INPLACE_MESSAGE = (
    "Trying to use a saved tensor that has been detached in-place, i.e. with .detach_().This is "
    "not supported, please use out-of-place `.detach()` instead"
)

CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter "
    "and its gradient which can cause a memory leak. We recommend using autograd.grad when "
    "creating the graph to avoid this. If you have to use this function, make sure to reset the "
    ".grad fields of your parameters to None after use to break the cycle and avoid the leak."
)


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook (idempotent)."""

    _ids = itertools.count()

    def __init__(self, hooks_dict) -> None:
        self._hooks = weakref.ref(hooks_dict) if hooks_dict is not None else None
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        hooks = self._hooks() if self._hooks is not None else None
        if hooks is not None and self.id in hooks:
            del hooks[self.id]

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _HookDict(OrderedDict):
    """OrderedDict that can be weak-referenced (handles hold weak references)."""


def add_hook(hooks: _HookDict, fn) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


def hook_name(fn) -> str:
    """How torch names a hook in its messages: its ``__name__``, else ``<unknown>``."""
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


class InputMetadata:
    """Shape, dtype and device of a forward tensor: what a gradient flowing to it must have."""

    __slots__ = ("shape", "dtype", "device")

    def __init__(self, tensor) -> None:
        self.shape = tuple(tensor.shape)
        self.dtype = tensor.dtype
        self.device = tensor.device


class Node:
    """A backward function in the graph (``grad_fn``).

    ``next_functions`` pairs each forward input with the node its gradient flows to and which of
    that node's inputs it is; ``None`` marks an input that needs no gradient.
    """

    #: what ``name()`` returns; each node class sets its own (see ``_nodes.op_node_class``)
    _name = "Node"

    def __init__(self, next_edges=()) -> None:
        self._next_edges = tuple(next_edges)
        self._seq = next(_sequence)
        self._pre_hooks = _HookDict()
        self._post_hooks = _HookDict()
        self._tensor_pre_hooks: dict[int, _HookDict] = {}
        self._retains_grad: dict[int, weakref.ref] = {}
        self._input_metadata: list[InputMetadata] = []
        self.metadata: dict = {}
        if anomaly_mode()[0]:
            self.metadata["traceback_"] = _user_stack()
            parent = getattr(_local, "running_node", None)
            if parent is not None:  # made by a backward running in anomaly mode
                self.metadata["parent_"] = parent

    # -- public surface ---------------------------------------------------------------------
    def name(self) -> str:
        return self._name

    @property
    def next_functions(self):
        return tuple((fn, nr) for fn, nr in self._next_edges)

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs) -> tuple | None`` runs after the node."""
        return add_hook(self._post_hooks, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs) -> tuple | None`` runs before the node."""
        return add_hook(self._pre_hooks, fn)

    def __call__(self, *grads):
        return self.apply(*grads)

    def apply(self, *grads):
        """Run the backward function directly on ``grads`` (one per forward output)."""
        if len(grads) != self.num_inputs:
            raise TypeError(f"expected {self.num_inputs} arguments, got {len(grads)} instead")
        out = self._apply(list(grads))
        return tuple(out) if len(out) != 1 else out[0]

    def _sequence_nr(self) -> int:
        """The creation order torch's engine runs ready nodes by (latest first)."""
        return self._seq

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # -- engine interface -------------------------------------------------------------------
    @property
    def num_inputs(self) -> int:
        return len(self._input_metadata)

    def _apply(self, grads: list):
        raise NotImplementedError

    def _release_variables(self) -> None:
        pass

    def _tensor_hooks(self, nr: int) -> _HookDict:
        return self._tensor_pre_hooks.setdefault(nr, _HookDict())

    #: the torch attributes of this kind of node (see _surface): missing ones raise
    #: NotImplementedError
    _SURFACE = "NODE"

    def __getattr__(self, name: str):

        names = sum((getattr(_surface, group) for group in self._SURFACE.split()), ())
        raise _surface.attribute_error(self, "torch.autograd.graph.Node", names, name)


_PACKAGE_DIR = __file__.rsplit("/", 1)[0]


def _user_stack() -> str:
    """The current stack without gradref's own frames (what anomaly mode reports)."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]
    return "".join(traceback.format_list(frames))


class GraphRoot(Node):
    _name = "GraphRoot"

    def __init__(self, edges, grads) -> None:
        super().__init__(edges)
        self._grads = grads

    def _apply(self, grads):
        return list(self._grads)


class AccumulateGrad(Node):
    """Sink of a leaf: adds the incoming gradient into ``variable.grad``."""

    _name = "torch::autograd::AccumulateGrad"
    _SURFACE = "NODE ACCUMULATE_GRAD"

    def __init__(self, variable) -> None:
        super().__init__(())
        self._seq = (1 << 64) - 1  # UINT64_MAX: runs before every other ready node
        self._variable = variable  # held, as torch's AccumulateGrad holds its variable
        self._input_metadata = [InputMetadata(variable)]

    @property
    def variable(self):
        return self._variable

    def _apply(self, grads):
        (grad,) = grads
        var = self._variable
        if var is None or grad is None:
            return []
        accumulate_into(var, grad)
        for hook in list(var._post_acc_hooks.values()):
            if hook(var) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")
        return []


def accumulate_into(var, grad) -> None:
    """torch's AccumulateGrad::accumulateGrad: steal or copy the first grad, then add into it
    in place (no graph) or out of place (when the pass records a graph)."""
    from ._tensor import Tensor

    recording = _grad_mode.is_grad_enabled()
    if var._grad is None:
        if recording:
            var._grad = _clone_obey_contract(grad, var)
        else:
            var._grad = Tensor._from_array(
                _like_layout(grad._data, var._data), var.dtype, var.device
            )
    elif not recording:
        existing = var._grad
        existing._data[...] = (existing._data + grad._data).astype(existing._data.dtype)
        existing._vc.bump()
    else:
        var._grad = var._grad + grad


def _clone_obey_contract(grad, var):
    """torch's clone_obey_contract, recorded (create_graph): a new tensor laid out like a dense
    ``var`` that ``copy_``s the gradient (CopyBackwards), else a contiguous clone."""

    from ._ops import _dense
    from ._tensor import Tensor

    if var._data.size == 0 or _dense(var._data):
        out = Tensor._from_array(_empty_strided_like(var._data), var.dtype, var.device)
        return out.copy_(grad)
    from . import contiguous_format

    return grad.clone(memory_format=contiguous_format)


def _empty_strided_like(like):
    """An uninitialised array with ``like``'s shape and exact strides (empty_strided); ``like``
    is dense and non-overlapping, so one buffer of its size holds it."""
    import numpy as np

    if like.size == 0:
        return np.empty(like.shape, like.dtype)
    buf = np.empty(like.size, like.dtype)  # dense: its strides permute a contiguous layout's
    return np.lib.stride_tricks.as_strided(buf, like.shape, like.strides, writeable=True)


def _obeys_layout_contract(grad, var) -> bool:
    """torch's obeys_layout_contract: ``grad`` has ``var``'s strides on every dim of size > 1
    (and no 0 stride on a size-1 dim), ``var`` being dense and non-overlapping."""
    from ._ops import _dense

    if var.size == 0 or not _dense(var):
        return False
    for n, gs, vs in zip(grad.shape, grad.strides, var.strides):
        if (n != 1 and gs != vs) or (n == 1 and gs == 0):
            return False
    return True


def _like_layout(values, like):
    """The first ``.grad`` of a leaf without create_graph: torch steals the incoming gradient
    when it obeys the layout contract (so it keeps its own strides), else copies it laid out
    like ``like`` when ``like`` is dense and non-overlapping (its strides exactly), else
    contiguous."""
    import numpy as np

    if _obeys_layout_contract(values, like):
        out = _empty_strided_like(values)
        out[...] = values
        return out
    dense = like.size > 0 and all(st != 0 or n == 1 for st, n in zip(like.strides, like.shape))
    if dense:
        span = sum((n - 1) * abs(st) for st, n in zip(like.strides, like.shape)) + like.itemsize
        dense = span == like.size * like.itemsize
    out = _empty_strided_like(like) if dense else np.empty(like.shape, like.dtype)
    out[...] = values
    return out


class SavedTensor:
    """A tensor saved for backward (torch's SavedVariable): checks its version on unpack, freed
    after backward.

    What unpacking returns follows torch: a saved input, or a saved leaf, is the original tensor;
    a saved output is a new tensor sharing its data and version counter whose grad_fn is the node
    that saved it (saving the output itself would be a reference cycle); with saved-tensor hooks,
    a new tensor around what the unpack hook returned, carrying the saved tensor's autograd
    metadata (grad_fn, or requires_grad and the gradient accumulator of a leaf).
    """

    __slots__ = (
        "_tensor",
        "_version",
        "_is_output",
        "_is_leaf",
        "_node",
        "_freed",
        "_output_nr",
        "_hooks",
        "_grad_fn",
        "_requires_grad",
        "_accumulator",
        "_undefined",
    )

    @classmethod
    def undefined(cls) -> SavedTensor:
        """What a node holds for a tensor it saved as None (an absent optional input)."""
        out = cls.__new__(cls)
        for name in cls.__slots__:
            setattr(out, name, None)
        out._freed = False
        out._undefined = True
        return out

    def __init__(self, tensor, node=None, is_output: bool = False, is_leaf=None) -> None:
        """``is_leaf``: whether ``tensor`` is a leaf once the op is recorded (an output that
        is about to get ``node`` as grad_fn is not); by default, whether it is one now."""
        if tensor._is_inference:
            raise RuntimeError(
                "Inference tensors cannot be saved for backward. Please do not use Tensors "
                "created in inference mode in computation tracked by autograd. To work around "
                "this, you can make a clone to get a normal tensor and use it in autograd, or use "
                "`torch.no_grad()` instead of `torch.inference_mode()`."
            )
        self._tensor = tensor
        self._version = tensor._vc.value
        self._is_output = is_output
        self._is_leaf = tensor.is_leaf if is_leaf is None else is_leaf
        self._node = weakref.ref(node) if node is not None else None
        self._freed = False
        self._output_nr = tensor._output_nr
        self._hooks = None
        self._grad_fn = None
        self._requires_grad = False
        self._accumulator = None
        self._undefined = False
        # a Python number wrapped as a tensor is saved, and freed, but never packed
        hooks = (
            None if getattr(tensor, "_wrapped_number", False) else (current_saved_tensors_hooks())
        )
        if hooks is not None:
            self._set_hooks(*hooks)

    def _set_hooks(self, pack, unpack) -> None:
        """Pack the tensor now and unpack it on use (torch's set_hooks_and_pack_data)."""
        tensor = self._tensor
        # torch's save_metadata: a leaf keeps requires_grad and its accumulator, an input
        # its grad_fn; an output gets the saving node back on unpack
        if self._is_leaf:
            self._requires_grad = tensor.requires_grad
            if tensor.requires_grad:
                self._accumulator = tensor._grad_accumulator()
        elif not self._is_output:
            self._grad_fn = tensor.grad_fn
        version = tensor._vc.value
        with _grad_mode.no_grad():  # torch runs pack hooks without recording
            packed = pack(tensor)
        if tensor._vc.value != version:
            raise RuntimeError(PACK_HOOK_INPLACE_MESSAGE)
        self._hooks = (packed, unpack)
        self._tensor = None

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        """Pack this saved tensor with ``pack_hook`` now and unpack it with ``unpack_hook``
        when backward reads it (``grad_fn._raw_saved_<name>.register_hooks``)."""
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("register_hooks(): pack_hook and unpack_hook must be callables")
        if self._undefined:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor with value None is forbidden"
            )
        if self._hooks is not None:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor whose hooks have already been set. "
                "Hint: only one pair of hooks is allowed at a time."
            )
        if self._freed or self._tensor is None:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor after it has been freed. Saved "
                "intermediate values of the graph are freed when you call .backward() or "
                "autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved variables after calling "
                "backward."
            )
        self._set_hooks(pack_hook, unpack_hook)

    def unpack(self, saved_for=None, *, in_backward: bool = False):
        """The saved tensor (see the class doc); ``saved_for`` is the node reading it;
        ``in_backward``: a built-in node's backward reads it (which needs the history of a
        saved non-leaf input)."""
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        if saved_for is None and self._node is not None:
            saved_for = self._node()
        if self._hooks is not None:
            packed, unpack = self._hooks
            data = unpack(packed)
            from ._tensor import Tensor

            if not isinstance(data, Tensor):
                raise TypeError(
                    "Output of saved tensor unpack_hook expected to be a Tensor but got result "
                    f"of type {type(data).__name__}"
                )
            grad_fn = self._grad_fn if self._grad_fn is not None or self._is_leaf else saved_for
            return _unpacked(data, grad_fn, self._output_nr, self._requires_grad, self._accumulator)
        t = self._tensor
        current = t._vc.value
        if current != self._version:
            if self._is_output and self._node is not None and self._node() is not None:
                owner = self._node().name()
            elif t.grad_fn is not None:
                owner = t.grad_fn.name()
            else:
                owner = None
            shape = "[" + ", ".join(str(s) for s in t.shape) + "]"
            where = (
                f", which is output {self._output_nr} of {forward_name(owner)},"
                if owner is not None
                else ""
            )
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{legacy_type_name(t.dtype, t.device.type)} {shape}]{where} "
                f"is at version {current}; expected version {self._version} instead. Hint: enable "
                "anomaly detection to find the operation that failed to compute its gradient, "
                "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )
        if in_backward and not self._is_output and not self._is_leaf and t.grad_fn is None:
            raise RuntimeError(DETACHED_INPLACE_MESSAGE)
        if not self._is_output or self._is_leaf or saved_for is None:
            return t
        return _unpacked(t, saved_for, self._output_nr, False, None)

    def free(self) -> None:
        self._freed = True
        self._tensor = None
        self._hooks = None


def _unpacked(data, grad_fn, output_nr, requires_grad, accumulator):
    """A new tensor on ``data``'s memory with the given autograd metadata (not a view)."""
    from ._tensor import Tensor

    out = Tensor._from_array(data._data, data._dtype, data._device, fresh=False)
    out._vc = data._vc
    out._is_inference = data._is_inference
    out._grad_fn = grad_fn
    out._output_nr = output_nr if grad_fn is not None else 0
    out._requires_grad = requires_grad and grad_fn is None
    out._accumulator = accumulator
    return out


# -----------------------------------------------------------------------------------------------
# saved-tensor hooks and anomaly mode (thread-local state)

_local = threading.local()


def _hook_stack() -> list:
    stack = getattr(_local, "saved_hooks", None)
    if stack is None:
        stack = _local.saved_hooks = []
    return stack


def current_saved_tensors_hooks():
    stack = _hook_stack()
    return stack[-1] if stack else None


def push_saved_tensors_hooks(pack, unpack) -> None:
    message = getattr(_local, "hooks_disabled", None)
    if message is not None:
        raise RuntimeError(message)
    _hook_stack().append((pack, unpack))


def pop_saved_tensors_hooks() -> None:
    _hook_stack().pop()


def anomaly_mode() -> tuple[bool, bool]:
    return getattr(_local, "anomaly", (False, True))


def set_anomaly_mode(enabled: bool, check_nan: bool = True) -> None:
    _local.anomaly = (bool(enabled), bool(check_nan))


def forward_name(name: str) -> str:
    """The name torch's messages give a node's forward op: ``ExpBackward0`` -> ``Exp``,
    ``SumBackward1`` -> ``Sum1``, ``FooBackward`` -> ``Foo``."""
    return re.sub(r"Backward(\d*)$", lambda m: "" if m.group(1) in ("", "0") else m.group(1), name)


# -----------------------------------------------------------------------------------------------
# gradient validation: the engine's silent repairs and its loud errors


def validate_gradient(node_name: str, index: int, grad, meta: InputMetadata):
    """Make ``grad`` fit the input it flows to, as torch's validate_outputs does."""
    from ._tensor import Tensor

    if not isinstance(grad, Tensor):
        raise TypeError(
            f"function {node_name} returned a gradient of type {type(grad).__name__} at index "
            f"{index}, expected a Tensor or None"
        )
    if grad._data.shape != meta.shape:
        if _expandable(meta.shape, grad._data.shape):
            grad = grad.sum_to_size(meta.shape)
        else:
            raise RuntimeError(
                f"Function {node_name} returned an invalid gradient at index {index} - got "
                f"{_shape_str(grad.shape)} but expected shape compatible with "
                f"{_shape_str(meta.shape)}"
            )
    if grad.dtype is not meta.dtype:
        if grad.dtype.is_complex and not meta.dtype.is_complex:
            grad = grad.real
        grad = grad.to(meta.dtype)
    if grad.device != meta.device:
        raise RuntimeError(
            f"Function {node_name} returned an invalid gradient at index {index} - expected "
            f"device {meta.device} but got {grad.device}"
        )
    return grad


def _shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _expandable(target, shape) -> bool:
    """Can a tensor of ``target`` shape be expanded to ``shape``?"""
    if len(target) > len(shape):
        return False
    for t, s in zip(reversed(target), reversed(shape)):
        if t != s and t != 1:
            return False
    return True


# -----------------------------------------------------------------------------------------------
# the executor

_warned_create_graph = False


class GradientEdge(NamedTuple):
    """A node and one of its inputs (torch.autograd.graph.GradientEdge): where a gradient
    flows; accepted wherever a tensor names a gradient (``autograd.grad``, ``backward``)."""

    node: Node
    output_nr: int
    ownership_token: object = None


def gradient_edge(tensor):
    """The (node, input_nr) a gradient for ``tensor`` (or a GradientEdge) flows into."""
    if isinstance(tensor, GradientEdge):
        return tensor.node, tensor.output_nr
    fn = tensor.grad_fn
    if fn is not None:
        return fn, tensor._output_nr
    if tensor._requires_grad:
        return tensor._grad_accumulator(), 0
    return None, 0


def execute(
    roots,
    grad_roots,
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs=None,
    capture: bool = False,
    warn_create_graph: bool = False,
):
    """Run backward from ``roots`` seeded with ``grad_roots``.

    With ``capture`` the gradients reaching ``inputs`` are returned and nothing is accumulated
    (autograd.grad); otherwise leaves accumulate, only those in ``inputs`` when it is given.
    """
    global _warned_create_graph
    root_edges = []
    for i, t in enumerate(roots):
        edge = gradient_edge(t)
        if edge[0] is None:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        root_edges.append(edge)
    root = GraphRoot(root_edges, grad_roots)

    captures: dict[Node, list[tuple[int, int]]] = {}
    needed = None
    if inputs is not None:
        targets = set()
        for k, t in enumerate(inputs):
            node, nr = gradient_edge(t)
            if node is None:
                if not t.requires_grad:
                    raise RuntimeError("One of the differentiated Tensors does not require grad")
                continue  # a view made under no_grad: it requires grad but no gradient reaches it
            if capture:
                captures.setdefault(node, []).append((nr, k))
            elif not isinstance(t, GradientEdge):
                t.retain_grad()  # backward(inputs=[non-leaf]) fills its .grad, as torch does
            targets.add(node)
        needed = _needed_nodes(root, targets, capture)

    def executes(node) -> bool:
        return needed is None or node in needed or node in captures

    # dependencies: number of edges pointing at each node that will execute
    deps: dict[Node, int] = {}
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for nxt, _ in node._next_edges:
            if nxt is None or not executes(nxt):
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)

    if create_graph and warn_create_graph and not _warned_create_graph:
        _warned_create_graph = True
        warnings.warn(CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)

    captured = [None] * (len(inputs) if inputs is not None else 0)
    callbacks: list = []
    _callback_stack().append(callbacks)
    try:
        _run(root, {}, deps, captures, needed, captured, retain_graph, create_graph, executes)
        while callbacks:  # final callbacks run after the pass, in the order they were queued
            callbacks.pop(0)()
    finally:
        _callback_stack().pop()
    return captured


def _callback_stack() -> list:
    stack = getattr(_local, "callbacks", None)
    if stack is None:
        stack = _local.callbacks = []
    return stack


def queue_callback(fn) -> None:
    """Run ``fn()`` once the current backward pass has finished (torch's queue_callback)."""
    stack = _callback_stack()
    if not stack:
        raise RuntimeError("Final callbacks can only be installed during backward pass.")
    stack[-1].append(fn)


def _run(root, buffers, deps, captures, needed, captured, retain_graph, create_graph, executes):
    tick = itertools.count()
    ready: list = [(0, next(tick), root)]
    with _grad_mode.set_grad_enabled(create_graph):
        while ready:
            _, _, node = heapq.heappop(ready)
            grads = buffers.pop(node, None) or [None] * node.num_inputs
            if node is not root:
                runs = needed is None or node in needed
                if node in captures and runs:
                    for nr, k in captures[node]:
                        captured[k] = grads[nr]
                grads = _call_tensor_pre_hooks(node, grads)
                if node in captures and not runs:
                    for nr, k in captures[node]:
                        captured[k] = grads[nr]
                if not runs:
                    continue
                grads = _call_pre_hooks(node, grads)
            outputs = _run_node(node, grads)
            outputs = _call_post_hooks(node, outputs, grads)
            if not retain_graph:
                node._release_variables()
            _route(node, outputs, buffers, deps, ready, tick, executes)


def _run_node(node, grads):
    enabled, check_nan = anomaly_mode()
    if not enabled:
        return node._apply(list(grads))
    outer = getattr(_local, "running_node", None)
    _local.running_node = node
    try:
        outputs = node._apply(list(grads))
        if check_nan:
            import numpy as np

            for i, out in enumerate(outputs):
                if out is not None and np.isnan(out._data.astype(np.complex128)).any():
                    raise RuntimeError(
                        f"Function '{node.name()}' returned nan values in its {i}th output."
                    )
        return outputs
    except Exception:
        _warn_anomaly(node)
        raise
    finally:
        _local.running_node = outer


def _warn_anomaly(node) -> None:
    """torch's AnomalyMetadata::print_stack: the failing node's forward traceback, then that of
    each node whose backward created it (nodes made by a backward run in anomaly mode)."""
    if "traceback_" not in node.metadata:
        warnings.warn(
            f"Error detected in {node.name()}. No forward pass information available. Enable "
            "detect anomaly during forward pass for more information.",
            UserWarning,
            stacklevel=5,
        )
        return
    warnings.warn(
        f"Error detected in {node.name()}. Traceback of forward call that caused the "
        f"error:\n{node.metadata['traceback_']}",
        UserWarning,
        stacklevel=5,
    )
    parent = node.metadata.get("parent_")
    while parent is not None:
        warnings.warn(
            f"\n\nPrevious calculation was induced by {parent.name()}. Traceback of forward "
            "call that induced the previous calculation:\n"
            f"{parent.metadata.get('traceback_', '')}",
            UserWarning,
            stacklevel=5,
        )
        parent = parent.metadata.get("parent_")


def _needed_nodes(root, targets, capture):
    """Nodes that must run: those from which a target is reachable, and the targets themselves
    when they accumulate (backward with inputs=) rather than capture (autograd.grad)."""
    order = []
    visited = {root}
    stack = [(root, iter(root._next_edges))]
    while stack:  # iterative post-order
        node, it = stack[-1]
        for nxt, _ in it:
            if nxt is not None and nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, iter(nxt._next_edges)))
                break
        else:
            stack.pop()
            order.append(node)
    reaches: dict[Node, bool] = {}
    needed = set()
    for node in order:  # children before parents
        below = any(reaches[nxt] for nxt, _ in node._next_edges if nxt is not None)
        reaches[node] = below or node in targets
        if below or (node in targets and not capture):
            needed.add(node)
    return needed


def _call_tensor_pre_hooks(node, grads):
    grads = list(grads)
    for nr, hooks in list(node._tensor_pre_hooks.items()):
        for hook in list(hooks.values()):
            # a gradient that is undefined when the node runs reaches the hook as None
            new = hook(grads[nr])
            if new is not None:
                check_hook_result(hook, grads[nr], new)
                grads[nr] = new
    for nr, ref in list(node._retains_grad.items()):
        t = ref()
        if t is not None and grads[nr] is not None:
            new = grads[nr] if _grad_mode.is_grad_enabled() else grads[nr].detach()
            t._grad = new.clone() if t._grad is None else t._grad + new
    return grads


def check_hook_result(hook, old, new) -> None:
    """torch's check_single_result on what a hook returned in place of ``old``: no value
    for an absent gradient, a tensor of the same type (dtype and device) and size."""
    from ._tensor import Tensor

    if new is None:
        return
    if old is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new.dtype is not old.dtype or new.device.type != old.device.type:
        raise RuntimeError(
            f"hook '{hook_name(hook)}' has changed the type of value (was "
            f"{type_string(old.dtype, old.device.type)} got "
            f"{type_string(new.dtype, new.device.type)})"
        )
    if tuple(new.shape) != tuple(old.shape):
        raise RuntimeError(f"hook '{hook_name(hook)}' has changed the size of value")


def _call_pre_hooks(node, grads):
    for hook in list(node._pre_hooks.values()):
        new = hook(tuple(grads))
        if new is not None:
            grads = _hook_values(hook, new, grads)
    return grads


def _call_post_hooks(node, outputs, grads):
    for hook in list(node._post_hooks.values()):
        new = hook(tuple(outputs), tuple(grads))
        if new is not None:
            outputs = _hook_values(hook, new, outputs)
    return outputs


def _hook_values(hook, new, old) -> list:
    """torch's check_result: as many values as before, each passing check_hook_result (a
    None entry is kept: that gradient is dropped)."""
    new = list(new)
    if len(new) != len(old):
        raise RuntimeError(
            f"hook '{hook_name(hook)}' has returned an incorrect number of values "
            f"(got {len(new)}, but expected {len(old)})"
        )
    for o, n in zip(old, new):
        check_hook_result(hook, o, n)
    return new


def _route(node, outputs, buffers, deps, ready, tick, executes) -> None:
    edges = node._next_edges
    for i, (nxt, nr) in enumerate(edges):
        if nxt is None or not executes(nxt):
            continue
        grad = outputs[i] if i < len(outputs) else None
        if grad is not None:
            grad = validate_gradient(node.name(), i, grad, nxt._input_metadata[nr])
            buf = buffers.setdefault(nxt, [None] * nxt.num_inputs)
            buf[nr] = grad if buf[nr] is None else buf[nr] + grad
        deps[nxt] -= 1
        if deps[nxt] == 0:
            heapq.heappush(ready, (-nxt._seq, next(tick), nxt))
