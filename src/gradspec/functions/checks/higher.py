"""Repeated backward (determinism), double backward, and gradcheck/gradgradcheck."""

from __future__ import annotations

import numpy as np
import torch

from gradspec.functions import gradcheck as gradcheck_shim
from gradspec.functions.case import Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.oracles import ReferenceFailed, to_numpy


def _bits_equal(a, b) -> bool:
    return a.shape == b.shape and bool(torch.equal(a.nan_to_num(0.125), b.nan_to_num(0.125)))


@register(
    "deterministic",
    "contract.deterministic-backward",
    "Backward run twice on the same graph (retain_graph=True) gives bit-identical gradients, "
    "unless the spec claims deterministic=False.",
)
def deterministic(case: Case):
    if case.spec.claim("deterministic", True) is False:
        raise NotApplicable("spec claims deterministic=False")
    inputs = case.make_inputs()
    outs = case.call(inputs)
    cots = case.cotangents(outs)
    if not cots:
        raise NotApplicable("no differentiable output")
    first = case.engine_grads(outs, inputs, cots, retain_graph=True)
    try:
        second = case.engine_grads(outs, inputs, cots, retain_graph=True)
    except RuntimeError as e:
        raise CheckFailure(f"a second backward with retain_graph=True raised: {e}") from e
    for i, (a, b) in enumerate(zip(first, second)):
        if a is None and b is None:
            continue
        if a is None or b is None or not _bits_equal(a, b):
            raise CheckFailure(
                f"two backward passes through the same graph (retain_graph=True) gave different "
                f"gradients for input {i}"
            )


def _second_cots(case: Case, grads, wrt_index):
    return [
        None
        if g is None
        else torch.tensor(case._second(i, tuple(g.shape)), dtype=g.dtype, device=g.device)
        for i, g in zip(wrt_index, grads)
    ]


@register(
    "double-backward",
    "contract.double-backward",
    "Differentiating the gradients again (create_graph=True) is either right or refused loudly "
    "(e.g. @once_differentiable); first-order gradients are never silently detached. A "
    "double_backward claim is checked both ways.",
)
def double_backward(case: Case):
    claim = case.spec.claim("double_backward")
    inputs = case.make_inputs()
    outs = case.call(inputs)
    diff = case.diff_outputs(outs)
    if not diff:
        raise NotApplicable("no differentiable output")
    cots = [c.requires_grad_(True) for c in case.cotangents(outs)]
    wrt = [case.leaf(x) for x in inputs if x is not None and x.requires_grad]
    refused = None
    try:
        grads = torch.autograd.grad(
            [o for _, o in diff], wrt, cots, create_graph=True, allow_unused=True
        )
    except RuntimeError as e:
        refused = e
    if refused is None:
        live = [g for g in grads if g is not None]
        if live and not any(g.requires_grad for g in live):
            raise CheckFailure(
                "with create_graph=True the gradients came back detached (no grad_fn): double "
                "backward would silently treat them as constants; make backward differentiable "
                "or mark it @once_differentiable"
            )
        wrt_index = [i for i, x in enumerate(inputs) if x is not None and x.requires_grad]
        delayed = [g for g in live if g.grad_fn is not None and "Error" in g.grad_fn.name()]
        if delayed:
            refused = RuntimeError(
                "first-order gradients carry a DelayedError node (@once_differentiable)"
            )
        pairs = [
            (g, v)
            for g, v in zip(grads, _second_cots(case, grads, wrt_index))
            if g is not None and g.requires_grad
        ]
        if refused is None:
            try:
                g2 = torch.autograd.grad(
                    [g for g, _ in pairs], wrt + cots, [v for _, v in pairs], allow_unused=True
                )
            except RuntimeError as e:
                refused = e
    if refused is not None:
        if claim is True:
            raise CheckFailure(f"spec claims double_backward=True but it was refused: {refused}")
        return
    if claim is False:
        raise CheckFailure(
            "spec claims double_backward=False, yet double backward ran without "
            "error (mark backward @once_differentiable, or fix the claim)"
        )
    if case.spec.reference is not None:
        mask = case.example.requires_grad
        saved = case._second
        case._second = lambda i, shape: saved(i, shape) if mask[i] else np.zeros(shape)
        try:
            ref = case.ref("double", second=True)
        except ReferenceFailed as e:
            raise NotApplicable(f"the reference cannot double-differentiate: {e}") from e
        finally:
            case._second = saved
        names = [f"input {i}" for i, x in enumerate(inputs) if x is not None and x.requires_grad]
        names += [f"grad_output {k}" for k, _ in diff]
        present = [i for i, v in enumerate(case.values) if v is not None]
        ref_wrt = [
            ref.grads2[present.index(i)]
            for i, x in enumerate(inputs)
            if x is not None and x.requires_grad
        ]
        ref_wrt += ref.grads2[len(present) :]
        for name, g, e in zip(names, g2, ref_wrt):
            got = np.zeros(np.shape(e)) if g is None else to_numpy(g)
            msg = case.close(
                got, e, f"double backward: second-order gradient w.r.t. {name}", scale=10.0
            )
            if msg:
                raise CheckFailure(msg)
    else:
        _gradgradcheck(case)


def _float64_inputs(case: Case):
    return [
        None
        if v is None
        else torch.tensor(
            v, dtype=torch.float64, device=case.example.device, requires_grad=bool(rg)
        )
        for v, rg in zip(case.values, case.example.requires_grad)
    ]


def _gradgradcheck(case: Case):
    if case.dtype != "float64":
        raise NotApplicable("gradgradcheck runs on float64 examples")
    xs = _float64_inputs(case)
    try:
        gradcheck_shim.gradgradcheck(case.spec.fn, xs, fast_mode=True)
    except Exception as e:
        raise CheckFailure(f"gradgradcheck failed: {str(e).splitlines()[0]}") from e


@register(
    "gradcheck",
    "contract.gradcheck",
    "torch.autograd.gradcheck passes in float64 (finite differences against backward, "
    "including undefined output grads).",
    mode="fd",
    once=True,
)
def gradcheck(case: Case):
    if case.dtype != "float64":
        raise NotApplicable("gradcheck runs on float64 examples")
    xs = _float64_inputs(case)
    if not any(x is not None and x.numel() for x in xs):
        raise NotApplicable("no non-empty input")
    try:
        gradcheck_shim.gradcheck(case.spec.fn, xs, fast_mode=True, check_undefined_grad=True)
    except Exception as e:
        raise CheckFailure(f"gradcheck failed: {str(e).splitlines()[0]}") from e
