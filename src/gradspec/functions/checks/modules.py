"""nn.Modules checked with check_module: a ``backward`` method autograd never calls."""

from __future__ import annotations

from gradspec.functions.case import ADVICE, Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.script import Script


def defines_backward(module) -> bool:
    """Whether the module's class (not nn.Module) defines a ``backward`` method: an instance
    method, as people write expecting autograd to call it (a staticmethod or classmethod named
    backward is a helper the class calls itself, as surrogate-gradient Modules have)."""
    import torch

    for klass in type(module).__mro__:
        if klass is torch.nn.Module:
            return False
        if "backward" in vars(klass):
            return not isinstance(vars(klass)["backward"], staticmethod | classmethod)
    return False


@register(
    "module-backward",
    "contract.module-backward-not-called",
    "An nn.Module's own backward() method is never called by autograd: the gradients come from "
    "the graph its forward builds; a custom gradient belongs in an autograd.Function.",
    once=True,
    order=180,
)
def module_backward(case: Case):
    module = case.spec.module
    if module is None:
        raise NotApplicable("not an nn.Module (check_module)")
    if not defines_backward(module):
        raise NotApplicable(f"{type(module).__name__} defines no backward method")
    name = type(module).__name__
    msg = (
        f"{name} defines backward(), but autograd never calls an nn.Module's backward: "
        f"loss.backward() differentiates the graph {name}.forward builds and ignores it. If it "
        "is meant to compute the gradient, move forward and backward into a "
        "torch.autograd.Function (staticmethods forward(ctx, ...) and backward(ctx, grad)) and "
        f"call MyFunction.apply(...) in {name}.forward; if it is a helper you call yourself, "
        "give it another name"
    )
    inputs = case.make_inputs()
    outs = case.call(inputs)
    s = Script(case, "module-backward")
    s.line("called = []", "module.backward = lambda *a, **k: called.append(True)")
    names = s.inputs()
    s.call(names)
    s.grads(outs, s.wrt(names, inputs), s.cotangents(outs))
    s.expect("called", f"autograd never called {name}.backward")
    raise CheckFailure(msg, level=ADVICE, repro=s, static=True)
