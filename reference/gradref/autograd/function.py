"""Custom autograd Functions: ``Function.apply``, the ctx (which is also the backward node, as in
torch), both styles (``forward(ctx, ...)`` and ``forward(...)`` + ``setup_context``), and the
checks torch applies to what ``backward`` returns."""

from __future__ import annotations

import functools
import warnings

import numpy as np

from .. import _dtypes, _engine, _forward, _grad_mode, _surface
from .._ops import CopySlices, _set_history
from .._tensor import Tensor
from ..func import active_transforms

ONCE_DIFFERENTIABLE_MESSAGE = (
    "trying to differentiate twice a function that was marked with @once_differentiable"
)


class FunctionCtx:
    """What ``forward``/``setup_context`` and ``backward`` receive as ``ctx``."""

    def save_for_backward(self, *tensors) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__}"
                )
        self.to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Tensors for ``jvp``, which reads them as ``ctx.saved_tensors``."""
        for t in tensors:
            if not (t is None or isinstance(t, Tensor)):
                raise AssertionError(
                    "save_for_forward expects all arguments to be tensors; you should save "
                    "non-tensors as attributes on ctx."
                )
        self.saved_for_forward = tensors

    def mark_dirty(self, *args) -> None:
        self.dirty_tensors = args

    def mark_shared_storage(self, *pairs) -> None:
        raise RuntimeError(
            "mark_shared_storage is deprecated. Tensors with shared storages are automatically "
            "tracked. Note that calls to `set_()` are not tracked"
        )

    def mark_non_differentiable(self, *args) -> None:
        self.non_differentiable = args

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value


class BackwardCFunction(_engine.Node, FunctionCtx):
    """The node of one ``apply`` call; it is the ``ctx`` the user's code sees.

    Each Function class gets its own subclass, ``<Name>Backward`` (``_backward_class``), as
    torch's FunctionMeta makes one: tools name a node by ``type(node).__name__``."""

    _forward_cls = None
    _SURFACE = "NODE CUSTOM_NODE"

    def __init__(self, edges, is_tensor_input) -> None:
        _engine.Node.__init__(self, edges)
        self._is_tensor_input = is_tensor_input
        self._saved = None
        self._freed = False
        self.to_save = ()
        self.dirty_tensors = ()
        self.non_differentiable = ()
        self.materialize_grads = True
        # torch's switch for gradients of outputs marked non-differentiable: left True, an
        # undefined one is materialized as zeros like any other; set False, it stays None
        self._materialize_non_diff_grads = True
        self._non_diff_outputs: frozenset[int] = frozenset()
        self.needs_input_grad = ()
        self._jvp_saved = None  # save_for_forward's tensors while jvp runs
        self.saved_for_forward = None

    @property
    def saved_tensors(self):
        """What ``save_for_backward`` saved; inside ``jvp``, what ``save_for_forward`` saved."""
        if self._jvp_saved is not None:
            return self._jvp_saved
        if self._freed:
            raise RuntimeError(_engine.FREED_MESSAGE)
        if self._saved is None:
            return tuple(self.to_save)
        return tuple(s.unpack() if isinstance(s, _engine.SavedTensor) else s for s in self._saved)

    @property
    def _raw_saved_tensors(self):
        """The SavedTensor objects behind ``saved_tensors`` (for ``register_hooks``)."""
        if self._freed:
            raise RuntimeError(_engine.FREED_MESSAGE)
        return tuple(
            s if isinstance(s, _engine.SavedTensor) else _engine.SavedTensor.undefined()
            for s in (self._saved or ())
        )

    @property
    def saved_variables(self):
        """The deprecated name of ``saved_tensors`` (warns)."""
        warnings.warn(
            "'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning, stacklevel=2
        )
        return self.saved_tensors

    def _release_variables(self) -> None:
        if self._saved is not None:
            for s in self._saved:
                if isinstance(s, _engine.SavedTensor):
                    s.free()
        self._freed = True

    def _apply(self, grads):
        cls = self._forward_cls
        if self.materialize_grads:
            keep_none = () if self._materialize_non_diff_grads else self._non_diff_outputs
            grads = [
                g
                if g is not None or meta is None or i in keep_none
                else Tensor._from_array(
                    np.zeros(meta.shape, meta.dtype.np), meta.dtype, meta.device
                )
                for i, (g, meta) in enumerate(zip(grads, self._input_metadata))
            ]
        result = _user_backward(cls)(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._is_tensor_input)
        name = self.name()
        if len(result) != n:
            if len(result) > n and all(r is None for r in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(
                    f"function {name} returned an incorrect number of gradients (expected {n}, "
                    f"got {len(result)})"
                )
        out = []
        for i, (r, is_tensor) in enumerate(zip(result, self._is_tensor_input)):
            if not is_tensor:
                if r is not None:
                    raise RuntimeError(
                        f"function {name} returned a gradient different than None at position "
                        f"{i + 1}, but the corresponding forward input was not a Variable"
                    )
                continue
            out.append(r)
        return out

    def apply(self, *grads):
        """Call the user's backward on ``grads`` and return exactly what it returned
        (one entry per tensor input), without the engine's repairs."""
        return tuple(self._apply(list(grads)))

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"


BOTH_BACKWARD_AND_VJP_MESSAGE = (
    "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You should only "
    "implement one of them."
)


def _user_backward(cls):
    """The backward a Function defines: ``vjp`` or ``backward`` (defining both raises when
    backward runs, as torch's BackwardCFunction.apply does)."""
    has_backward = cls.backward is not Function.backward
    has_vjp = cls.vjp is not Function.vjp
    if has_backward and has_vjp:
        raise RuntimeError(BOTH_BACKWARD_AND_VJP_MESSAGE)
    return cls.vjp if has_vjp else cls.backward


def _backward_class(cls) -> type:
    """``<cls.__name__>Backward``, the node class of Function ``cls`` (made once per class)."""
    made = cls.__dict__.get("_backward_cls")
    if made is None:
        name = f"{cls.__name__}Backward"
        made = type(name, (BackwardCFunction,), {"_forward_cls": cls, "_name": name})
        cls._backward_cls = made
    return made


def _is_overridden(cls, name: str) -> bool:
    return getattr(cls, name) is not getattr(Function, name)


class Function(FunctionCtx):
    """Base class for custom differentiable operations; use ``MyFunction.apply(...)``."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs) -> None:
        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        uses_ctx = not _is_overridden(cls, "setup_context")
        if kwargs or not uses_ctx:
            # with setup_context, forward's defaults are bound into ``inputs`` (torch's
            # bind_default_args); a forward taking ctx gets the defaults only with keywords
            import inspect

            sig = inspect.signature(cls.forward)
            bound = sig.bind(*((None,) if uses_ctx else ()), *args, **kwargs)
            bound.apply_defaults()
            args = bound.args[1:] if uses_ctx else bound.args
        _check_transforms(cls)
        tensor_inputs = [a for a in args if isinstance(a, Tensor)]
        is_tensor_input = tuple(isinstance(a, Tensor) for a in args)
        executable = _grad_mode.is_grad_enabled() and any(t.requires_grad for t in tensor_inputs)
        edges = [
            _engine.gradient_edge(t) if executable and t.requires_grad else (None, 0)
            for t in tensor_inputs
        ]
        ctx = _backward_class(cls)(edges, is_tensor_input)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        level = _forward.current_level()
        _forward.set_level(None)  # forward runs without forward-mode AD too: jvp gives tangents
        try:
            with _grad_mode.no_grad():
                if _is_overridden(cls, "setup_context"):
                    output = cls.forward(*args)
                    cls.setup_context(ctx, args, output)
                else:
                    output = cls.forward(ctx, *args)
        finally:
            _forward.set_level(level)
        result = _wrap_outputs(ctx, args, tensor_inputs, output, executable)
        if _forward.active_tangents(tensor_inputs) is not None:
            _forward_jvp(cls, ctx, args, result)
        return result


DIRTY_VIEW_MULTIPLE_OUTPUTS_MESSAGE = (
    "If your Function modifies inplace an input that is a view of another Tensor, your Function "
    "cannot return more than one Tensor. This is not supported by the current autograd engine. "
    "You should either make sure the input is not a view (using .clone() for example) or make "
    "your Function only return one Tensor (potentially splitting it into two Functions: one doing "
    "the inplace that returns a single Tensor and a second one that does the other operations). "
    "You can ask on the forum https://discuss.pytorch.org/ if you need help to do this change."
)


def _wrap_outputs(ctx, args, tensor_inputs, output, executable):
    is_tuple = isinstance(output, tuple)
    outs = list(output) if is_tuple else [output]
    dirty = list(ctx.dirty_tensors)
    non_diff = list(ctx.non_differentiable)

    def contains(seq, t) -> bool:
        return any(t is s for s in seq)

    for d in dirty:
        if executable and not contains(tensor_inputs, d):
            warnings.warn(
                "ctx.mark_dirty() received a tensor that was not an input. Only input Tensors "
                "that have been mutated should be passed to ctx.mark_dirty().",
                UserWarning,
                stacklevel=3,
            )
        if not contains(outs, d):
            raise RuntimeError(
                "Some elements marked as dirty during the forward method were not returned as "
                "output. The inputs that are modified inplace must all be outputs of the "
                "Function."
            )
    wrapped = []
    non_diff_outputs: list[int] = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            wrapped.append(o)
            continue
        is_input = contains(tensor_inputs, o)
        is_dirty = contains(dirty, o)
        differentiable = not contains(non_diff, o) and _dtypes.is_differentiable_dtype(o.dtype)
        if is_input and not is_dirty:
            o = _alias(o)
        if is_dirty:
            if executable and o._base is not None and len(outs) > 1:
                raise RuntimeError(DIRTY_VIEW_MULTIPLE_OUTPUTS_MESSAGE)
            o._vc.bump()
        if executable and differentiable:
            if is_dirty:
                _rebase_dirty(o, ctx, i)
            else:
                o._grad_fn = ctx
                o._output_nr = i
                o._requires_grad = False
        elif executable and not differentiable and not is_dirty:
            o._grad_fn = None
            o._requires_grad = False
        if executable and not differentiable:
            non_diff_outputs.append(i)
        if o._base is not None and not is_dirty and (differentiable or not executable):
            # a view made inside forward (or an input returned as-is): modifying it in place
            # would bypass the custom backward, so torch forbids it (as for the views of a
            # multi-output op when the Function returns several outputs)
            kind = "multi_output" if len(outs) > 1 else "custom_function"
            o._creation_meta = (kind, _engine.forward_name(ctx.name()), i)
        wrapped.append(o)
    ctx._non_diff_outputs = frozenset(non_diff_outputs)
    ctx._input_metadata = [
        _engine.InputMetadata(o) if isinstance(o, Tensor) else None for o in wrapped
    ]
    if executable:
        saved = []
        for t in ctx.to_save:
            if t is None:
                saved.append(None)
                continue
            # an output is saved as such only if it is the very tensor returned (an input
            # returned as-is comes back as a new alias, and is saved as the input it is)
            idx = next((k for k, o in enumerate(outs) if o is t and wrapped[k] is t), None)
            if idx is not None:
                saved.append(_engine.SavedTensor(wrapped[idx], ctx, is_output=True))
            else:
                saved.append(_engine.SavedTensor(t, None))
        ctx._saved = saved
    return tuple(wrapped) if is_tuple else wrapped[0]


def _check_transforms(cls) -> None:
    """torch.func's rules for a Function used under a function transform."""

    active = active_transforms()
    if not active:
        return
    if not _is_overridden(cls, "setup_context"):
        raise RuntimeError(
            "In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, "
            "jacrev, ...), it must override the setup_context staticmethod. For more details, "
            "please see https://pytorch.org/docs/main/notes/extending.func.html"
        )
    if "vmap" in active and not cls.generate_vmap_rule and "vmap" not in vars(cls):
        raise RuntimeError(
            f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please "
            "override and implement the vmap staticmethod or set generate_vmap_rule=True. For "
            "more details, please see https://pytorch.org/docs/main/notes/extending.func.html"
        )


def _forward_jvp(cls, ctx, args, result) -> None:
    """Forward mode through a custom Function: its ``jvp`` maps input tangents to outputs'."""
    if not _is_overridden(cls, "jvp"):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD."
        )
    tangents = [_forward.get_tangent(a) if isinstance(a, Tensor) else None for a in args]
    saved = getattr(ctx, "saved_for_forward", None)
    ctx._jvp_saved = tuple(saved) if saved is not None else None
    try:
        with _grad_mode.no_grad():
            out_tangents = cls.jvp(ctx, *tangents)
    finally:
        ctx._jvp_saved = None
    outs = result if isinstance(result, tuple) else (result,)
    if not isinstance(out_tangents, tuple):
        out_tangents = (out_tangents,)
    dirty = ctx.dirty_tensors
    for o, t in zip(outs, out_tangents):
        if not isinstance(o, Tensor) or t is None:
            continue
        before = _forward.get_tangent(o) if any(o is d for d in dirty) else None
        if before is not None and t is not before:
            raise RuntimeError(INPLACE_JVP_MESSAGE)
        _forward.set_tangent(o, t)


INPLACE_JVP_MESSAGE = (
    "An inplace custom Function is not modifying the forward mode gradients inplace. If the "
    "forward is modifying an input inplace, then the jvp function must modify the corresponding "
    "gradient inplace."
)


def _alias(t: Tensor) -> Tensor:
    """A returned input comes back as a new tensor viewing the same memory (torch: view_as)."""
    out = Tensor._from_array(t._data.view(), t.dtype, t.device, fresh=False)
    out._vc = t._vc
    out._base = t._base if t._base is not None else t
    parent = t._view_fn
    out._view_fn = (lambda a: parent(a)[...]) if parent is not None else (lambda a: a[...])
    out._attr_version = t._vc.value
    out._is_inference = t._is_inference
    return out


def _rebase_dirty(t: Tensor, ctx, i: int) -> None:
    if t._base is None and t._requires_grad and t._grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad has been used in an in-place operation."
        )
    if t._base is not None:
        if t._base._requires_grad and t._base._grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad has been used in an in-place "
                "operation."
            )
        base = t._base
        _set_history(base, CopySlices(base, t._view_fn, ctx))
        t._regenerate_view_grad_fn()
        return
    _set_history(t, ctx)
    t._output_nr = i


def once_differentiable(fn):
    """Run ``backward`` without recording; differentiating its result again raises.

    As torch does: when a gradient coming in requires grad, each result is detached, made a leaf
    that requires grad, and passed through a DelayedError, whose outputs have an ``Error`` node
    (``torch::autograd::Error``) pointing at those leaves; running that node raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with _grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not _grad_mode.is_grad_enabled():
            return outputs
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        if not isinstance(outputs, tuple):
            outputs = (outputs,)
        fakes = []
        for o in outputs:
            if o is not None:
                o = o.detach()
                o.requires_grad = True
            fakes.append(o)
        return _delayed_error(ONCE_DIFFERENTIABLE_MESSAGE, fakes)

    return wrapper


def _delayed_error(message: str, inputs: list):
    """torch's DelayedError: new tensors on the inputs' memory whose node raises ``message``."""
    node = Error(
        message, [_engine.gradient_edge(t) if t is not None else (None, 0) for t in inputs]
    )
    outs = []
    for i, t in enumerate(inputs):
        if t is None:
            outs.append(None)
            continue
        o = Tensor._from_array(t._data, t.dtype, t.device, fresh=False)
        o._vc = t._vc
        o._grad_fn = node
        o._output_nr = i
        outs.append(o)
    node._input_metadata = [_engine.InputMetadata(o) if o is not None else None for o in outs]
    return outs[0] if len(outs) == 1 else tuple(outs)


class Error(_engine.Node):
    """A node whose backward raises (torch::autograd::Error)."""

    _name = "torch::autograd::Error"

    def __init__(self, message: str, edges) -> None:
        super().__init__(edges)
        self._message = message

    def _apply(self, grads):
        raise RuntimeError(self._message)


class InplaceFunction(Function):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    pass


# torch's names gradref lacks raise NotImplementedError naming them (see _surface)
__getattr__ = _surface.module_getattr("torch.autograd.function", __name__)
