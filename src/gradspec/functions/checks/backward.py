"""What backward really returns, read from the node (the engine hides wrong shapes by summing
them down and wrong dtypes by casting), and its behaviour for every requires-grad subset."""

from __future__ import annotations

import itertools

import torch

from gradspec.functions.case import Case, CheckFailure
from gradspec.functions.checks import register
from gradspec.tolerances import dtype_name


def _check_returned(ret, inputs, needs, what: str):
    n = len(inputs)
    if len(ret) < n:
        raise CheckFailure(
            f"{what}: backward returned {len(ret)} gradient(s) for {n} forward input(s)"
        )
    for j, extra in enumerate(ret[n:]):
        if extra is not None:
            raise CheckFailure(
                f"{what}: backward returned {len(ret)} values for {n} forward inputs; "
                f"extra value {n + j} is not None"
            )
    for i, (g, x) in enumerate(zip(ret, inputs)):
        if g is None:
            continue
        if x is None or not isinstance(x, torch.Tensor):
            raise CheckFailure(
                f"{what}: backward returned a gradient for input {i}, which is "
                "not a tensor (expected None)"
            )
        if not isinstance(g, torch.Tensor):
            raise CheckFailure(f"{what}: gradient {i} is a {type(g).__name__}, not a tensor")
        if not needs[i]:
            continue
        if tuple(g.shape) != tuple(x.shape):
            raise CheckFailure(
                f"{what}: gradient {i} has shape {tuple(g.shape)} but input {i} has shape "
                f"{tuple(x.shape)} (the engine would silently sum it to size or raise)"
            )
        if g.dtype != x.dtype:
            raise CheckFailure(
                f"{what}: gradient {i} has dtype {dtype_name(g.dtype)} but input {i} is "
                f"{dtype_name(x.dtype)} (the engine would cast it silently)"
            )
        if g.device != x.device:
            raise CheckFailure(f"{what}: gradient {i} is on {g.device}, input {i} on {x.device}")


@register(
    "backward-returns",
    "contract.backward-returns-exact-grads",
    "backward returns one gradient per forward input (extra trailing values None), each with "
    "exactly its input's shape, dtype and device, and None for non-tensor inputs.",
)
def backward_returns(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    node, ret = case.raw_backward(outs, inputs)
    _check_returned(ret, inputs, node.needs_input_grad, "backward")


def subsets(n_present: list[int], limit: int = 15):
    """Every non-empty subset of the present inputs (at most ``limit``, singletons first)."""
    res = []
    for r in range(1, len(n_present) + 1):
        for s in itertools.combinations(n_present, r):
            res.append(s)
    if len(res) > limit:
        res = res[: limit - 1] + [tuple(n_present)]
    return res


@register(
    "needs-input-grad",
    "contract.needs-input-grad",
    "For every subset of inputs requiring grad, backward runs, returns None for each input "
    "whose ctx.needs_input_grad is False, and gives the right gradients for the others.",
)
def needs_input_grad(case: Case):
    present = [i for i, v in enumerate(case.values) if v is not None]
    for subset in subsets(present):
        mask = tuple(i in subset for i in range(len(case.values)))
        label = f"only inputs {list(subset)} requiring grad"
        inputs = case.make_inputs(requires_grad=mask)
        outs = case.call(inputs)
        cots = case.cotangents(outs)
        try:
            node, ret = case.raw_backward(outs, inputs, cots)
        except CheckFailure:
            raise
        except Exception as e:
            if type(e).__name__ == "NotApplicable":
                node, ret = None, None
            else:
                raise CheckFailure(f"{label}: backward raised {type(e).__name__}: {e}") from e
        if node is not None:
            needs = node.needs_input_grad
            for i, (g, nd) in enumerate(zip(ret, needs)):
                if not nd and g is not None:
                    raise CheckFailure(
                        f"{label}: backward returned a gradient for input {i} although "
                        f"ctx.needs_input_grad[{i}] is False (return None and skip the work)"
                    )
            _check_returned(ret, inputs, needs, label)
        inputs = case.make_inputs(requires_grad=mask)
        outs = case.call(inputs)
        cots = case.cotangents(outs)
        try:
            grads = case.engine_grads(outs, inputs, cots)
        except Exception as e:
            raise CheckFailure(f"{label}: backward raised {type(e).__name__}: {e}") from e
        if case.spec.reference is not None:
            case.check_grads(grads, inputs, "base", label)
        else:
            full = case.make_inputs(requires_grad=tuple(v is not None for v in case.values))
            fo = case.call(full)
            fg = case.engine_grads(fo, full, case.cotangents(fo))
            for i in subset:
                if grads[i] is None and fg[i] is None:
                    continue
                if grads[i] is None or fg[i] is None:
                    raise CheckFailure(
                        f"{label}: gradient of input {i} is None only when "
                        "other inputs' requires_grad changes"
                    )
                msg = case.close(
                    grads[i],
                    fg[i].detach().cpu().double().numpy(),
                    f"{label}: gradient of input {i} (vs. all inputs requiring grad)",
                )
                if msg:
                    raise CheckFailure(msg)
