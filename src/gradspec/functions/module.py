"""Checking an ``nn.Module`` whose forward uses custom Functions: its parameters become inputs.

``module_spec`` turns ``module`` into a function of its forward's inputs followed by its
parameters (called through ``torch.func.functional_call``, so the parameters are the tensors
gradspec draws and differentiates), extends the signature with each parameter's fixed shape,
and calls ``reference(*inputs, **parameters)`` with the parameters by name. Every check then
treats a parameter's gradient like an input's.
"""

from __future__ import annotations

from gradspec.functions.signature import parse_signature
from gradspec.functions.spec import Spec, SpecError, spec


def _core(shape) -> str:
    return "(" + ",".join(str(int(s)) for s in shape) + ")"


def module_spec(module, reference, signature: str, *, name: str | None = None, **options) -> Spec:
    """A :class:`Spec` checking ``module`` (an instance) and its parameters' gradients."""
    import inspect

    import torch

    if inspect.isclass(module):
        raise SpecError(
            f"check_module needs a module instance, got the class {module.__name__}; pass "
            f"{module.__name__}(...)"
        )
    if not isinstance(module, torch.nn.Module):
        raise SpecError(
            f"check_module needs an nn.Module, got {type(module).__name__}; for an "
            "autograd.Function use gradspec.check(MyFunction.apply, ...)"
        )
    try:
        sig = parse_signature(signature)
    except ValueError as e:
        raise SpecError(str(e)) from None
    params = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    names = tuple(n for n, _ in params)
    left, right = signature.split("->")
    extra = ",".join(_core(p.shape) for _, p in params)
    full = f"{left.strip()},{extra}->{right.strip()}" if extra else signature
    n_forward = sig.n_inputs + len(options.get("args") or {})

    fn = _swapping_call(module, names, n_forward)

    ref = None
    if reference is not None:

        def ref(*args):
            return reference(*args[:n_forward], **dict(zip(names, args[n_forward:])))

    train_steps = options.pop("train_steps", 0)
    bounds = options.pop("bounds", None)
    if bounds is not None and not (
        len(bounds) == 2 and all(isinstance(b, int | float) for b in bounds)
    ):
        bounds = list(bounds) + [(-2.0, 2.0)] * len(names)
    s = spec(fn, ref, full, name=name or type(module).__name__, bounds=bounds, **options)
    from dataclasses import replace

    return replace(s, module=module, parameters=names, train_steps=train_steps).validate()


def _swapping_call(module, names, n_forward: int):
    """``module`` as a function of its forward's inputs followed by its parameters: the drawn
    tensors are installed in place of the parameters (as ``torch.func.functional_call`` does)
    and stay installed after forward, so that wherever the module's parameters are used —
    ``self.parameters()`` handed to a Function, forward re-run inside backward by activation
    checkpointing — they are the tensors gradspec differentiates. Each output's backward node
    re-installs its own call's tensors first (another call may have come in between);
    ``fn.restore()`` puts the module's own parameters back (the checker calls it when done)."""
    from torch.nn.utils._named_member_accessor import NamedMemberAccessor

    accessor = NamedMemberAccessor(module)
    state: dict = {"orig": None}

    def install(values):
        swapped, _ = accessor.swap_tensors_dict(dict(zip(names, values)), allow_missing=False)
        if state["orig"] is None:
            state["orig"] = swapped

    def fn(*args):
        import torch

        inputs, values = args[:n_forward], args[n_forward:]
        if not names:
            return module(*inputs)
        install(values)
        out = module(*inputs)
        for o in out if isinstance(out, tuple | list) else (out,):
            node = getattr(o, "grad_fn", None) if isinstance(o, torch.Tensor) else None
            if node is not None and hasattr(node, "register_prehook"):
                node.register_prehook(lambda grads, values=tuple(values): install(values))
        return out

    def restore():
        if state["orig"] is not None:
            accessor.swap_tensors_dict(state["orig"], allow_missing=False)
            state["orig"] = None

    fn.restore = restore
    return fn


def check_module(module, reference, signature: str, *, namespace=None, **options):
    """Check an ``nn.Module`` whose forward uses custom autograd Functions.

    ``signature`` covers the forward's tensor inputs and outputs; the module's parameters are
    added as inputs of their own (fixed) shapes, drawn like inputs and checked like them.
    ``reference(*inputs, **parameters)`` gets the parameters by name (``weight=``, ``bias=``);
    a ``vjp`` gets them positionally after the inputs: ``vjp(*inputs, *parameters,
    *grad_outputs)``.
    Every option of :func:`gradspec.check` applies. ``train_steps=N`` also trains the module for
    N steps of SGD and of Adam from the same initial parameters and data as the reference and
    compares the parameters after each step. A module that defines its own ``backward`` method
    gets advice: autograd never calls it.
    """
    from gradspec.functions.checker import run

    return run(module_spec(module, reference, signature, **options), namespace=namespace)
