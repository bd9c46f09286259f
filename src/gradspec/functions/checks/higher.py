"""Repeated backward (determinism), double backward, and gradcheck/gradgradcheck."""

from __future__ import annotations

import numpy as np
import torch

from gradspec.functions import gradcheck as gradcheck_shim
from gradspec.functions.calls import _refuses_grad
from gradspec.functions.case import (
    ADVICE,
    FAILURE,
    Case,
    CheckFailure,
    FnRaised,
    NotApplicable,
    ReferenceProblem,
)
from gradspec.functions.checks import register
from gradspec.functions.oracles import to_numpy
from gradspec.functions.script import Script
from gradspec.functions.usercode import user_call


def _bits_equal(a, b) -> bool:
    return a.shape == b.shape and bool(torch.equal(a.nan_to_num(0.125), b.nan_to_num(0.125)))


@register(
    "deterministic",
    "contract.deterministic-backward",
    "Backward run twice on the same graph (retain_graph=True) gives bit-identical gradients, "
    "unless the spec claims deterministic=False.",
    order=140,
)
def deterministic(case: Case):
    if case.spec.claim("deterministic", True) is False:
        raise NotApplicable("spec claims deterministic=False")
    inputs = case.make_inputs()
    outs = case.call(inputs)
    cots = case.cotangents(outs)
    if not cots:
        raise NotApplicable("no differentiable output")
    # each pass gets its own copy of the cotangents, and the first pass's gradients are copied
    # before the second runs: a backward that writes into grad_output (advice of its own) is
    # not blamed here again, and one that changes a gradient it returned is caught
    pristine = [c.detach().clone() for c in cots]
    before = [None if x is None else x.detach().clone() for x in inputs]
    first = case.engine_grads(outs, inputs, [c.clone() for c in pristine], retain_graph=True)
    first = [None if g is None else g.detach().clone() for g in first]
    for x, b in zip(inputs, before):
        if x is not None and not _bits_equal(x.detach(), b):
            raise NotApplicable(
                "backward overwrote an input, so a second pass reads its writes (see "
                "inputs-unmodified)"
            )
    second = case.engine_grads(outs, inputs, [c.clone() for c in pristine], retain_graph=True)
    for i, (a, b) in enumerate(zip(first, second)):
        if a is None and b is None:
            continue
        if a is None or b is None or not _bits_equal(a, b):
            s = Script(case, "deterministic")
            names = s.inputs()
            s.call(names)
            cn = s.cotangents(outs)
            wrt = s.wrt(names, inputs)
            s.grads(outs, wrt, cn, out="first", retain_graph=True)
            s.grads(outs, wrt, cn, out="second", retain_graph=True)
            msg = (
                "two backward passes through the same graph (retain_graph=True) gave different "
                f"gradients for {case.input_name(i)}"
            )
            s.expect("all(torch.equal(a, b) for a, b in zip(first, second))", msg)
            raise CheckFailure(msg, repro=s)


def _second_cots(case: Case, grads, wrt_index):
    return [
        None
        if g is None
        else torch.tensor(case._second(i, tuple(g.shape)), dtype=g.dtype, device=g.device)
        for i, g in zip(wrt_index, grads)
    ]


def _double_script(case: Case, inputs, outs, names_msg) -> Script:
    s = Script(case, "double-backward")
    names = s.inputs()
    s.call(names)
    cn = s.cotangents(outs, requires_grad=True)
    s.grads(outs, s.wrt(names, inputs), cn, create_graph=True)
    s.line(
        'print("first-order grads:", [None if g is None else (g.requires_grad, g.grad_fn) '
        "for g in grads])"
    )
    return s


#: the hazard of a backward that is not differentiable and not @once_differentiable
UNTRACKED = (
    "create_graph=True silently gives detached gradients; mark backward @once_differentiable"
)


#: the same, for a backward that refuses torch.autograd.grad (torch's reentrant checkpoint)
UNTRACKED_REENTRANT = (
    "create_graph=True silently gives detached gradients: backward refuses torch.autograd.grad, "
    "as torch's reentrant checkpoint does, which torch documents as not supporting double "
    "backward (use_reentrant=False supports it)"
)


def _untracked(case: Case) -> str:
    return UNTRACKED_REENTRANT if case.facts.backward_only else UNTRACKED


def _untracked_key(level):
    """One finding however many inputs it shows on (advice); failures keep their messages."""
    return ("double-backward", ADVICE, "untracked") if level == ADVICE else None


def _aliases_any(g, tensors) -> bool:
    """Whether ``g`` shares memory with one of ``tensors`` (a gradient written into
    grad_output's or an input's memory and returned: an in-place finding of its own)."""
    try:
        ptr = g.untyped_storage().data_ptr()
    except Exception:  # noqa: BLE001 - no storage (e.g. a tensor subclass): cannot tell
        return False
    return any(
        isinstance(t, torch.Tensor) and t.numel() and t.untyped_storage().data_ptr() == ptr
        for t in tensors
    )


@register(
    "double-backward",
    "contract.double-backward",
    "Differentiating the gradients again (create_graph=True) is either right or refused loudly "
    "(e.g. @once_differentiable); a backward that is neither (gradients detached, or partly "
    "untracked) gets advice, a failure where the spec claims double_backward=True. A wrong "
    "second derivative through tracked torch ops is a failure.",
    structure=("shapes", "requires_grad", "args"),
    order=150,
)
def double_backward(case: Case):
    """The verdict, following torch's docs ("Extending torch.autograd": a backward that is not
    differentiable should be marked ``@once_differentiable``):

    * refused loudly (once_differentiable, an error): right, unless double_backward=True is
      claimed;
    * ``claims={"double_backward": False}``: the author says so by design; detached or
      untracked gradients pass; a double backward that runs through tracked ops gets advice
      (the claim is stale, or backward should be @once_differentiable);
    * gradients detached, or a second derivative missing (autograd reaches no input through
      backward: the kernel ran outside autograd): documented-but-risky. Nothing is wrong until
      someone differentiates twice, and then the second-order values are silently wrong:
      advice with that hazard, a failure under double_backward=True;
    * a gradient returned in grad_output's or an input's memory (written in place by
      backward): its graph is that tensor's, so the second derivative is meaningless; that is
      the in-place finding of grad-output-unmodified / inputs-unmodified, not repeated here
      (a failure under double_backward=True);
    * otherwise backward was differentiated through tracked torch ops and gave a wrong second
      derivative: silently wrong values, a failure.
    """
    claim = case.spec.claim("double_backward")
    inputs = case.make_inputs()
    outs = case.call(inputs)
    diff = case.diff_outputs(outs)
    if not diff:
        raise NotApplicable("no differentiable output")
    if not case.selection_agrees(outs):
        raise NotApplicable("fn's index outputs differ from the reference's (see 'forward')")
    cots = [c.requires_grad_(True) for c in case.cotangents(outs)]
    wrt = [case.leaf(x) for x in inputs if x is not None and x.requires_grad]
    wrt_index = [i for i, x in enumerate(inputs) if x is not None and x.requires_grad]
    refused = None
    try:
        grads = case.engine_grads(outs, inputs, cots, create_graph=True)
        grads = [grads[i] for i in wrt_index]
    except FnRaised as e:
        if not isinstance(e.error, RuntimeError):
            raise
        refused = e.error
    g2 = None
    detached = False
    level = FAILURE if claim is True else ADVICE
    if refused is None:
        live = [g for g in grads if g is not None]
        if any(g.grad_fn is not None and "Error" in g.grad_fn.name() for g in live):
            refused = RuntimeError("first-order gradients carry a DelayedError node")
        elif live and not any(g.requires_grad for g in live):
            detached = True
            nonzero = [g for g in live if bool((g != 0).any())]
            # a real VJP depends on grad_output; a surrogate given by vjp= may not (a constant
            # gradient): the vjp's own second order, compared below, says which
            surrogate = case.spec.vjp is not None and case.has_reference
            if nonzero and claim is not False and not surrogate:
                msg = (
                    "with create_graph=True the gradients came back detached (no grad_fn) "
                    "although they are not zero, so they depend on grad_output: double "
                    "backward would silently treat them as constants; compute backward with "
                    "differentiable torch ops or mark it @once_differentiable"
                )
                if level == ADVICE:
                    msg = _untracked(case)
                s = _double_script(case, inputs, outs, msg)
                s.expect("any(g is not None and g.requires_grad for g in grads)", msg)
                raise CheckFailure(msg, level=level, repro=s, key=_untracked_key(level))
        if refused is None and not detached:
            in_place = [
                g
                for g in live
                if _aliases_any(g, cots) or _aliases_any(g, [x for x in inputs if x is not None])
            ]
            if in_place and claim is not True:
                raise NotApplicable(
                    "backward returns a gradient in grad_output's or an input's memory (see "
                    "grad-output-unmodified / inputs-unmodified)"
                )
            pairs = [
                (g, v)
                for g, v in zip(grads, _second_cots(case, grads, wrt_index))
                if g is not None and g.requires_grad
            ]
            try:
                g2 = user_call(
                    torch.autograd.grad,
                    [g for g, _ in pairs],
                    wrt + cots,
                    [v for _, v in pairs],
                    allow_unused=True,
                )
            except RuntimeError as e:
                refused = e
            except Exception as e:  # noqa: BLE001 - the user's double backward
                raise FnRaised(e, "double backward") from e
    if refused is not None:
        if claim is True:
            raise CheckFailure(f"spec claims double_backward=True but it was refused: {refused}")
        return
    if claim is False:
        if detached or g2 is None or any(g is None for g in g2[: len(wrt)]):
            return  # not differentiable twice, as claimed (untracked by design)
        raise CheckFailure(
            "spec claims double_backward=False, yet double backward runs through tracked torch "
            "ops: mark backward @once_differentiable so it is refused, or drop the claim",
            level=ADVICE,
        )
    if g2 is None:
        g2 = [None] * (len(wrt) + len(cots))
    if case.has_reference:
        try:  # the first-order answer's run, when the checker asked for second order up front
            ref = case.ref("base", second=case.example.second_masked)
        except ReferenceProblem as e:
            raise NotApplicable(f"the reference cannot double-differentiate: {e}") from e
        names = [case.input_name(i) for i in wrt_index]
        names += [f"grad_output {k}" for k, _ in diff]
        present = case.floating()
        slots = [present.index(i) for i in wrt_index]
        slots += list(range(len(present), len(present) + len(cots)))
        for name, g, slot in zip(names, g2, slots):
            e = ref.grads2[slot]
            got = np.zeros(np.shape(e)) if g is None else to_numpy(g)
            msg = case.compare_to_reference(
                got, "base", "grad2", slot,
                f"double backward: second-order gradient w.r.t. {name}", scale=10.0, second=True,
            )  # fmt: skip
            if msg:
                untracked = detached or g is None
                if detached:
                    msg = (
                        "with create_graph=True the gradients came back detached (no grad_fn), "
                        f"but the reference's second-order gradient w.r.t. {name} is not zero: "
                        + msg
                    )
                elif g is None:
                    msg = (
                        "with create_graph=True the gradients do not depend on "
                        f"{name} through autograd (backward computed them outside it), but the "
                        "reference's second-order gradient w.r.t. it is not zero: " + msg
                    )
                if untracked and level == ADVICE:
                    msg = f"{_untracked(case)} ({msg.splitlines()[0]})"
                s = _double_script(case, inputs, outs, msg)
                s.comment(msg.splitlines()[0])
                s.expect("False", msg)
                if untracked:
                    raise CheckFailure(msg, level=level, repro=s, key=_untracked_key(level))
                raise CheckFailure(msg, repro=s)
    elif not detached:
        _gradgradcheck(case)


def _float64_inputs(case: Case):
    ex = case.example
    out = []
    for i, (v, rg) in enumerate(zip(case.values, ex.requires_grad)):
        if v is None:
            out.append(None)
        elif not ex.is_float(i):
            out.append(case.make_inputs()[i])
        else:
            out.append(
                torch.tensor(v, dtype=torch.float64, device=ex.device, requires_grad=bool(rg))
            )
    return out


def _gradcheck_script(case: Case, gradgrad: bool) -> Script:
    s = Script(case, "double-backward" if gradgrad else "gradcheck")
    s.gradcheck(s.inputs(dtype="float64"), gradgrad=gradgrad)
    return s


def _fn64(case: Case):
    return lambda *xs: case.spec.fn(*case.full_args(list(xs)))


def _gradgradcheck(case: Case):
    if case.dtype != "float64":
        raise NotApplicable("gradgradcheck runs on float64 examples")
    xs = _float64_inputs(case)
    if any(x is not None and x.numel() == 0 for x in xs):
        raise NotApplicable("gradgradcheck refuses zero-size inputs (edge-shapes covers them)")
    try:
        user_call(gradcheck_shim.gradgradcheck, _fn64(case), xs, fast_mode=True)
    except Exception as e:
        if _refuses_grad(e):
            raise NotApplicable(f"backward refuses torch.autograd.grad: {e}") from None
        raise CheckFailure(
            f"gradgradcheck failed: {str(e).splitlines()[0]}", repro=_gradcheck_script(case, True)
        ) from e


@register(
    "gradcheck",
    "contract.gradcheck",
    "torch.autograd.gradcheck passes in float64 (finite differences against backward, "
    "including undefined output grads).",
    mode="fd",
    once=True,
    order=170,
)
def gradcheck(case: Case):
    if case.dtype != "float64":
        raise NotApplicable("gradcheck runs on float64 examples")
    xs = _float64_inputs(case)
    if any(x is not None and x.numel() == 0 for x in xs):
        raise NotApplicable("gradcheck refuses zero-size inputs (edge-shapes covers them)")
    if not any(x is not None and x.requires_grad for x in xs):
        raise NotApplicable("no input requires grad")
    try:
        user_call(
            gradcheck_shim.gradcheck, _fn64(case), xs, fast_mode=True, check_undefined_grad=True
        )
    except Exception as e:
        if _refuses_grad(e):
            raise NotApplicable(f"backward refuses torch.autograd.grad: {e}") from None
        raise CheckFailure(
            f"gradcheck failed: {str(e).splitlines()[0]}", repro=_gradcheck_script(case, False)
        ) from e
