"""Backwards that re-run forward: what gradspec learns about them once, and their documented
limits.

Activation checkpointing (``torch.utils.checkpoint``, and packages' own versions of it) and
adjoint ODE solvers run the module's forward again inside backward. torch documents what that
costs, and those costs are the design, not a Function's bug:

- the reentrant variant (``use_reentrant=True``) refuses ``torch.autograd.grad`` and supports
  ``.backward()`` only; "at least one of the inputs needs to have requires_grad=True if grads
  are needed for model inputs, otherwise the checkpointed part of the model won't have
  gradients"; it does not support double backward;
- the recomputation reads what the forward reads when backward runs: "if the function
  invocation during the backward pass differs from the forward pass, e.g., due to a global
  variable, the checkpointed version may not be equivalent, potentially causing an error being
  raised or leading to silently incorrect gradients".

:func:`learn` finds out, on the preflight's example, whether backward refuses
``torch.autograd.grad`` (then every check takes gradients with ``.backward()``) and whether it
re-runs the checked module's forward. The checks ask :func:`no_input_grad_limit` and
:func:`recomputed_state` before calling a finding a failure; silently wrong values stay
failures.
"""

from __future__ import annotations

from gradspec.functions import limits
from gradspec.functions.outcomes import FnRaised

#: the advice for an example outside the reentrant variant's documented domain
NO_INPUT_GRAD = (
    "backward refuses torch.autograd.grad, as torch's reentrant checkpoint does "
    "(use_reentrant=True), and torch documents its limits: with no input requiring grad the "
    "parameters get no gradient ({detail}); torch.autograd.grad and double backward are not "
    "supported (use_reentrant=False has none of these limits)"
)


def learn(case) -> None:
    """Set ``case.facts.backward_only`` and ``case.facts.recomputes`` from one forward and
    backward on ``case``'s example (every floating input requiring grad). Nothing is learned
    when the op raises there (the checks report that)."""
    module = getattr(case.spec, "module", None)
    hooks, calls = [], [0]
    forward_ran = False
    try:
        inputs = case.make_inputs()
        outs = case.call(inputs)
        forward_ran = True
        cots = case.cotangents(outs)
        if module is not None:
            for m in module.modules():
                hooks.append(m.register_forward_pre_hook(lambda *_: calls.__setitem__(0, 1)))
        case.engine_grads(outs, inputs, cots)  # sets backward_only on a refusal
    except FnRaised as e:
        # a hung backward is put aside: the check that next calls it meets it at once and
        # reports it in its own stage (a hung forward stays hung: every later call raises it
        # at once, in the forward); neither is waited for again
        if isinstance(e.error, limits.Hung) and forward_ran:
            s = limits.STATE
            s.hung, s.pending = None, s.hung
        return
    except Exception:  # noqa: BLE001 - inputs gradspec cannot build here: nothing to learn
        return
    finally:
        for h in hooks:
            h.remove()
    case.facts.recomputes = bool(calls[0])


def _forward_inputs(case) -> range:
    """Positions (in ``case.values``) of the inputs that are not the module's parameters."""
    n = len(case.values) - len(getattr(case.spec, "parameters", ()) or ())
    return range(n)


def no_input_grad_limit(case, inputs) -> str | None:
    """The advice text when ``inputs`` lie outside the reentrant checkpoint's documented domain
    (backward refuses ``torch.autograd.grad`` and no input other than the module's parameters
    requires grad), else None."""
    if not case.facts.backward_only:
        return None
    forward = [inputs[i] for i in _forward_inputs(case) if i < len(inputs)]
    if any(x is not None and getattr(x, "requires_grad", False) for x in forward):
        return None
    return NO_INPUT_GRAD.format(detail="torch warns: Gradients will be None")


def recomputed_state(case, index: int) -> bool:
    """Whether input ``index`` is a parameter of a module whose backward re-runs its forward:
    backward reads it when it runs, by design, so an in-place change after forward reaches
    the gradients without an error."""
    return case.facts.recomputes and index not in _forward_inputs(case)
