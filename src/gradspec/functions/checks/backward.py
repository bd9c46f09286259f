"""What backward really returns, read from the node (the engine hides wrong shapes by summing
them down and wrong dtypes by casting), and its behaviour for every requires-grad subset."""

from __future__ import annotations

import itertools

import torch

from gradspec.functions.case import ADVICE, Case, CheckFailure, NodeView, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.keys import root_key
from gradspec.functions.oracles import to_numpy
from gradspec.functions.recompute import no_input_grad_limit
from gradspec.functions.script import Script
from gradspec.tolerances import dtype_name

HIDDEN = (
    "torch's engine {does} today (validate_outputs), which hides the bug, but the gradient "
    "backward returns is wrong wherever it is used without the engine: {name}.backward "
    "called from another Function's backward, or out.grad_fn.apply(...)"
)


def _function_name(view: NodeView) -> str:
    cls = getattr(type(view.node), "_forward_cls", None)
    return getattr(cls, "__name__", "MyFunction")


def _raw_script(case: Case, check: str, mask, outs, inputs, view) -> Script:
    s = Script(case, check)
    names = s.inputs(requires_grad=mask)
    s.call(names)
    cn = s.cotangents(outs)
    s.raw_backward(outs, cn, view)
    return s


def check_returned(case: Case, ret, view: NodeView, inputs, what: str, script) -> None:
    """``ret`` (one value per node argument) against torch's contract for backward; the
    finding is keyed without ``what`` (the mask), so every check meeting it is one root cause."""
    try:
        _check_returned(case, ret, view, inputs, what, script)
    except CheckFailure as e:
        core = e.message[len(what) + 2 :] if e.message.startswith(what + ": ") else e.message
        e.key = ("backward-returns", e.level, root_key(core))
        raise


def _check_returned(case: Case, ret, view: NodeView, inputs, what: str, script) -> None:
    n = len(view.arg_of)
    names = case.names
    if len(ret) < n:
        msg = (
            f"{what}: backward returned {len(ret)} value(s) for {n} forward argument(s) (torch "
            f"raises: function backward returned an incorrect number of gradients)"
        )
        raise CheckFailure(msg, repro=script().expect(f"len(ret) == {n}", msg))
    for j, extra in enumerate(ret[n:]):
        if extra is not None:
            msg = (
                f"{what}: backward returned {len(ret)} values for {n} forward arguments; extra "
                f"value {n + j} is not None (torch raises)"
            )
            raise CheckFailure(msg, repro=script().expect(f"ret[{n + j}] is None", msg))
    needs = view.needs_input_grad
    for p, g in enumerate(ret[:n]):
        i = view.arg_of[p]
        if g is None or not needs[p]:
            continue
        x = inputs[i]
        label = f"gradient {p} (for {case.input_name(i)})"
        if not isinstance(g, torch.Tensor):
            msg = f"{what}: {label} is a {type(g).__name__}, not a tensor"
            raise CheckFailure(
                msg, repro=script().expect(f"isinstance(ret[{p}], torch.Tensor)", msg)
            )
        if tuple(g.shape) != tuple(x.shape):
            if _expandable(tuple(x.shape), tuple(g.shape)):
                why = HIDDEN.format(does="sums it to size", name=_function_name(view))
            else:
                why = "torch's engine raises (the shapes do not broadcast)"
            msg = (
                f"{what}: {label} has shape {tuple(g.shape)} but {names[case.positions[i]]} has "
                f"shape {tuple(x.shape)}; {why}"
            )
            raise CheckFailure(
                msg,
                repro=script().expect(
                    f"tuple(ret[{p}].shape) == {tuple(x.shape)!r}",
                    f"{label} has shape {tuple(g.shape)}, input shape {tuple(x.shape)}",
                ),
            )
        if g.dtype != x.dtype:
            msg = (
                f"{what}: {label} has dtype {dtype_name(g.dtype)} but {names[case.positions[i]]} "
                f"is {dtype_name(x.dtype)}; "
                + HIDDEN.format(does="casts it", name=_function_name(view))
            )
            raise CheckFailure(
                msg,
                repro=script().expect(
                    f"ret[{p}].dtype == torch.{dtype_name(x.dtype)}",
                    f"{label} has dtype {dtype_name(g.dtype)}, input {dtype_name(x.dtype)}",
                ),
            )
        if g.device != x.device:
            msg = f"{what}: {label} is on {g.device}, {case.input_name(i)} on {x.device}"
            raise CheckFailure(
                msg, repro=script().expect(f"ret[{p}].device == {str(x.device)!r}", msg)
            )


def _max(atol) -> float:
    return float(atol.max()) if hasattr(atol, "max") and getattr(atol, "size", 1) else float(atol)


def _expandable(shape, grad_shape) -> bool:
    """Whether torch's engine can sum a gradient of ``grad_shape`` down to ``shape``."""
    try:
        torch.empty(shape).expand(grad_shape)
    except RuntimeError:
        return False
    return True


@register(
    "backward-returns",
    "contract.backward-returns-exact-grads",
    "backward returns one gradient per forward argument (extra trailing values None), each with "
    "exactly its input's shape, dtype and device, and None for non-tensor arguments.",
    structure=("shapes", "requires_grad", "args"),
    order=50,
    value=True,
    basic=True,
)
def backward_returns(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    view, ret = case.raw_backward(outs, inputs)
    check_returned(
        case, ret, view, inputs, "backward",
        lambda: _raw_script(case, "backward-returns", None, outs, inputs, view),
    )  # fmt: skip


def subsets(n_present: list[int], limit: int = 15):
    """Every non-empty subset of the present inputs (at most ``limit``, singletons first)."""
    res = []
    for r in range(1, len(n_present) + 1):
        for s in itertools.combinations(n_present, r):
            res.append(s)
    if len(res) > limit:
        res = res[: limit - 1] + [tuple(n_present)]
    return res


def _passed_through(g, cots) -> bool:
    """Whether the gradient ``g`` is one of the cotangents backward was given, or a view of one
    (an identity or reshaping backward computes nothing for it), or holds no elements."""
    if not isinstance(g, torch.Tensor):
        return False
    if g.numel() == 0:
        return True
    ptr = g.untyped_storage().data_ptr()
    return any(
        isinstance(c, torch.Tensor) and c.numel() and c.untyped_storage().data_ptr() == ptr
        for c in cots
    )


@register(
    "needs-input-grad",
    "contract.needs-input-grad",
    "For every subset of inputs requiring grad, backward runs and gives the gradients it gives "
    "when every input requires grad; a gradient computed for an input whose "
    "ctx.needs_input_grad is False is allowed (torch ignores it) but wasted work: advice.",
    structure=("shapes", "args"),
    order=60,
)
def needs_input_grad(case: Case):
    present = case.floating()
    if not present:
        raise NotApplicable("no floating input")
    full_mask = case.grad_mask()
    full_in = case.make_inputs(requires_grad=full_mask)
    full_out = case.call(full_in)
    full = case.engine_grads(full_out, full_in, case.cotangents(full_out))
    key = None
    if case.has_reference:
        try:
            case.ref()
            key = "base"
        except Exception:  # noqa: BLE001 - only the tolerance needs it
            key = None
    advice = None
    for subset in subsets(present):
        mask = tuple(i in subset for i in range(len(case.values)))
        label = f"only {', '.join(case.names[case.positions[i]] for i in subset)} requiring grad"
        inputs = case.make_inputs(requires_grad=mask)
        outs = case.call(inputs)
        cots = case.cotangents(outs)
        try:
            view, ret = case.raw_backward(outs, inputs, cots)
        except NotApplicable:
            view, ret = None, None
        if view is not None:
            script = lambda mask=mask, outs=outs, inputs=inputs, view=view: _raw_script(  # noqa: E731
                case, "needs-input-grad", mask, outs, inputs, view
            )
            check_returned(case, ret, view, inputs, label, script)
            for p, (g, nd) in enumerate(zip(ret, view.needs_input_grad)):
                i = view.arg_of[p] if p < len(view.arg_of) else None
                if nd or g is None or i is None or advice is not None:
                    continue
                if _passed_through(g, cots):  # grad_output handed on as it is: no work done
                    continue
                msg = (
                    f"{label}: backward computed a gradient for {case.input_name(i)} although "
                    f'ctx.needs_input_grad[{p}] is False. torch allows it ("Returning gradients '
                    "for inputs that don't require it is not an error\") and drops it, but the "
                    f"work is wasted: skip it when not ctx.needs_input_grad[{p}] and return None"
                )
                advice = CheckFailure(
                    msg, level=ADVICE, repro=script().expect(f"ret[{p}] is None", msg)
                )
        if mask == full_mask:
            continue  # the baseline itself
        # a fresh forward with fresh cotangents: a backward that writes into grad_output or
        # its saved tensors (findings of their own) is not blamed here for a second pass
        fresh_in = case.make_inputs(requires_grad=mask)
        fresh_out = case.call(fresh_in)
        grads = case.engine_grads(fresh_out, fresh_in, case.cotangents(fresh_out))
        for i in subset:
            if grads[i] is None and full[i] is None:
                continue
            g = grads[i] if grads[i] is not None else torch.zeros_like(full[i])
            f = full[i] if full[i] is not None else torch.zeros_like(grads[i])
            msg = case.close(
                g,
                to_numpy(f),
                f"{label}: gradient of {case.input_name(i)} (vs. every input requiring grad)",
                key=key,
                kind="grad",
                index=i,
            )
            limit = no_input_grad_limit(case, fresh_in)
            if grads[i] is None and msg and limit is not None:
                advice = advice or CheckFailure(limit, level=ADVICE, key=("reentrant-limits",))
                continue
            if grads[i] is None and msg:
                msg = (
                    f"{label}: the gradient of {case.input_name(i)} is None (treated as zero) "
                    "although it requires grad: is ctx.needs_input_grad indexed right?"
                )
            if msg:
                s = Script(case, "needs-input-grad")
                names = s.inputs(requires_grad=mask)
                s.call(names)
                s.grads(outs, s.wrt(names, inputs), s.cotangents(outs))
                fnames = s.inputs(requires_grad=full_mask, suffix="_all")
                s.call(fnames, target="all_outs")
                s.grads(
                    full_out,
                    s.wrt(fnames, full_in),
                    s.cotangents(full_out, target="all_outs"),
                    target="all_outs",
                    out="expected",
                )
                j = [n for n, x in enumerate(inputs) if x is not None and x.requires_grad].index(i)
                rtol, atol = case.tol(key, "grad", i)
                s.line(
                    f"_check_close('[needs-input-grad] gradient of input {i}', grads[{j}], "
                    f"expected[{present.index(i)}], rtol={rtol!r}, atol={_max(atol)!r})"
                )
                raise CheckFailure(msg, repro=s)
    if advice is not None:
        raise advice
