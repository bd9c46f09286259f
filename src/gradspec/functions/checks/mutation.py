"""In-place modification: of grad_output by backward, of inputs by forward or backward, and of
saved inputs/outputs after forward (which save_for_backward's version check must catch)."""

from __future__ import annotations

import numpy as np
import torch

from gradspec.functions.case import ADVICE, Case, CheckFailure, FnRaised, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.oracles import to_numpy
from gradspec.functions.recompute import recomputed_state
from gradspec.functions.script import Script


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


@register(
    "grad-output-unmodified",
    "contract.grad-output-unmodified",
    "backward does not modify grad_output in place: writing the gradient into grad_output's "
    "memory is advice (another consumer of that grad_output sees the writes), silenced by the "
    "claim modifies_grad_output=True.",
    order=100,
)
def grad_output_unmodified(case: Case):
    """A memory-saving kernel may write its gradient into grad_output's memory on purpose. The
    values it returns are right (the value checks say so); the hazard is torch's engine
    handing the same grad_output tensor to another node too (e.g. both inputs of an add),
    which then silently reads the writes: advice, unless the spec claims it by design."""
    if case.spec.claim("modifies_grad_output") is True:
        raise NotApplicable("spec claims modifies_grad_output=True (by design)")
    inputs = case.make_inputs()
    outs = case.call(inputs)
    cots = case.cotangents(outs)
    before = [to_numpy(c).copy() for c in cots]
    versions = [c._version for c in cots]
    try:
        case.raw_backward(outs, inputs, cots)
    except NotApplicable:
        case.engine_grads(outs, inputs, cots)
    for k, (c, b, v) in enumerate(zip(cots, before, versions)):
        if c._version != v or not _same(to_numpy(c), b):
            msg = (
                f"backward modified grad_output {k} in place: a second consumer of this "
                "grad_output sees your writes (claims={'modifies_grad_output': True} if by "
                "design)"
            )
            s = Script(case, "grad-output-unmodified")
            names = s.inputs()
            s.call(names)
            cn = s.cotangents(outs)
            s.line(f"before = [g.clone() for g in [{', '.join(cn)}]]")
            s.grads(outs, s.wrt(names, inputs), cn)
            s.expect(f"all(torch.equal(a, b) for a, b in zip(before, [{', '.join(cn)}]))", msg)
            raise CheckFailure(msg, level=ADVICE, repro=s, key=("grad-output-unmodified",))


@register(
    "inputs-unmodified",
    "contract.inputs-unmodified-unless-dirty",
    "forward and backward leave inputs unmodified, unless forward marks them dirty with "
    "ctx.mark_dirty and returns them; overwriting an input otherwise (a memory-saving kernel "
    "storing a gradient in it) is advice, silenced by the claim modifies_inputs=True.",
    order=110,
)
def inputs_unmodified(case: Case):
    """Writes into an input that forward does not mark dirty (or that backward makes) leave
    the Function's own values right where the value checks pass; the hazard is another
    consumer of that input reading the writes: advice, unless the spec claims it by design."""
    claimed = case.spec.claim("modifies_inputs") is True
    inputs = case.make_inputs()
    before = [None if x is None else to_numpy(x).copy() for x in inputs]
    versions = [None if x is None else x._version for x in inputs]
    outs = case.call(inputs)
    returned = {id(o) for o in outs}
    for i, (x, b, v) in enumerate(zip(inputs, before, versions)):
        if x is None or id(x) in returned:
            continue
        if x._version != v or not _same(to_numpy(x), b):
            tensors = [o for o in outs if isinstance(o, torch.Tensor)]
            returned_it = _aliases(x, tensors) is not None
            if returned_it:  # an in-place op without mark_dirty: its graph is wrong
                msg = (
                    f"forward modified {case.input_name(i)} in place and returned it without "
                    "ctx.mark_dirty: autograd does not know, so gradients that depend on it "
                    "are wrong"
                )
            elif claimed:
                continue
            else:
                msg = (
                    f"forward modified {case.input_name(i)} in place without ctx.mark_dirty (and "
                    f"returning it): a second consumer of {case.input_name(i)} sees your writes, "
                    "not its values (claims={'modifies_inputs': True} if by design)"
                )
            s = Script(case, "inputs-unmodified")
            names = s.inputs()
            s.line(f"before = {names[i]}.detach().clone()")
            s.call(names)
            s.expect(
                f"torch.equal({names[i]}.detach(), before) or any(o is {names[i]} for o in outs)",
                msg,
            )
            if returned_it:
                raise CheckFailure(msg, repro=s)
            raise CheckFailure(msg, level=ADVICE, repro=s, key=("inputs-unmodified", "forward"))
    if claimed:
        return  # overwriting inputs in backward is by design
    after_fwd = [None if x is None else to_numpy(x).copy() for x in inputs]
    cots = case.cotangents(outs)
    if not cots:
        return
    case.engine_grads(outs, inputs, cots)
    for i, (x, b) in enumerate(zip(inputs, after_fwd)):
        if x is not None and not _same(to_numpy(x), b):
            raise CheckFailure(
                f"backward modified {case.input_name(i)} in place: a second consumer of "
                f"{case.input_name(i)} sees your writes, not its values "
                "(claims={'modifies_inputs': True} if by design)",
                level=ADVICE,
                key=("inputs-unmodified", "backward"),
            )


def _grad_line(s: Script, outs, names, inputs, cots) -> str:
    s2 = Script(s.case, s.check)
    s2.leaf_names = s.leaf_names
    s2.grads(outs, s2.wrt(names, inputs), cots)
    return s2.lines[-1]


def _aliases(t: torch.Tensor, others) -> int | None:
    try:
        ptr = t.untyped_storage().data_ptr()
    except Exception:
        return None
    for j, o in enumerate(others):
        if isinstance(o, torch.Tensor) and o.numel() and t.numel():
            if o.untyped_storage().data_ptr() == ptr:
                return j
    return None


def _ctx_tensors(node):
    """(name, tensor) for the tensors stored as attributes of a custom Function's ctx."""
    found = []
    for name, v in vars(node).items() if hasattr(node, "__dict__") else ():
        items = v.values() if isinstance(v, dict) else v if isinstance(v, list | tuple) else [v]
        for x in items:
            if isinstance(x, torch.Tensor):
                found.append((name, x))
    return found


@register(
    "saved-tensors-version",
    "contract.saved-tensors-version-checked",
    "Inputs and outputs that backward uses are saved with ctx.save_for_backward, so modifying "
    "one in place after forward makes backward raise (any error) instead of silently using the "
    "new values (tensors kept as ctx attributes escape this check). A module parameter read "
    "by a backward that re-runs the module's forward (activation checkpointing, adjoint "
    "solvers) is read when backward runs, by design: advice.",
    structure=("shapes", "args"),
    order=120,
)
def saved_tensors_version(case: Case):
    present = case.floating()
    # 1. tensors kept on ctx that alias an input or output
    inputs = case.make_inputs(nonleaf=True)
    outs = case.call(inputs)
    view = case.node(outs, inputs)
    node = None if view is None else view.node
    if node is not None:
        for name, t in _ctx_tensors(node):
            j = _aliases(t, inputs)
            what = None
            if j is not None:
                what = (
                    f"ctx.{name} holds {case.input_name(j)} (or a view of it) as an attribute: "
                    "it escapes the version check; use ctx.save_for_backward"
                )
                target = case.names[case.positions[j]]
            else:
                j = _aliases(t, [o for _, o in case.tensor_outputs(outs)])
                if j is not None:
                    what = (
                        f"ctx.{name} holds output {j} (or a view of it) as an attribute: it "
                        "escapes the version check and makes a reference cycle; use "
                        "ctx.save_for_backward"
                    )
                    target = f"outs[{j}]"
            if what is not None:
                s = Script(case, "saved-tensors-version")
                names = s.inputs(nonleaf=True)
                s.call(names)
                cn = s.cotangents(outs)
                s.line(
                    "view = outs[0].grad_fn",
                    f"held = getattr(view, {name!r})",
                    f"print('ctx.{name} shares memory with {target}:', "
                    f"held.untyped_storage().data_ptr() == {target}.untyped_storage().data_ptr())",
                    "with torch.no_grad():",
                    f"    {target}.add_(0.75)  # modified in place after forward",
                    "try:",
                    "    " + _grad_line(s, outs, names, inputs, cn),
                    "except RuntimeError as e:",
                    "    print('raised as it should:', e)",
                    "else:",
                    f"    raise AssertionError({('[saved-tensors-version] ' + what)!r})",
                )
                raise CheckFailure(what, repro=s)
    del node, view, outs, inputs
    # 2. behaviour: modify each input / output in place after forward, then backward
    base_in = case.make_inputs(nonleaf=True)
    base_out = case.call(base_in)
    base = case.engine_grads(base_out, base_in, case.cotangents(base_out))
    advice = None
    targets = [("input", i) for i in present]
    targets += [("output", k) for k, _ in case.diff_outputs(base_out)]
    for kind, idx in targets:
        inputs = case.make_inputs(nonleaf=True)
        outs = case.call(inputs)
        victim = inputs[idx] if kind == "input" else outs[idx]
        if victim.numel() == 0 or any(victim is o for o in outs if kind == "input"):
            continue
        try:
            with torch.no_grad():
                victim.add_(0.75)
        except RuntimeError:
            continue  # torch refuses to modify this one (e.g. a view it protects)
        cots = case.cotangents(outs)
        try:
            grads = case.engine_grads(outs, inputs, cots)
        except FnRaised:
            # the version check, torch's view rule, or any other error: backward refused
            # loudly after the modification, so nothing went silently wrong
            continue
        for i, (g, b) in enumerate(zip(grads, base)):
            if g is None or b is None:
                continue
            if case.close(g, to_numpy(b), "") is not None:
                if kind == "input" and recomputed_state(case, idx):
                    advice = advice or CheckFailure(
                        f"backward re-runs the module's forward (recomputation, as activation "
                        f"checkpointing and adjoint solvers do), so {case.input_name(idx)} "
                        "modified in place between forward and backward silently changes the "
                        f"gradients (of {case.input_name(i)} here) instead of raising; torch "
                        "documents this hazard for checkpointing (the recomputed forward must "
                        "see what the first one saw)",
                        level=ADVICE,
                        key=("saved-tensors-version", "recomputed"),
                    )
                    break
                msg = (
                    f"{kind} {idx} was modified in place after forward and backward silently "
                    f"used the new values (gradient of {case.input_name(i)} changed) instead of "
                    "raising: a tensor kept as a ctx attribute escapes save_for_backward's "
                    "version check"
                )
                s = Script(case, "saved-tensors-version")
                names = s.inputs(nonleaf=True)
                s.call(names)
                cn = s.cotangents(outs)
                target = names[idx] if kind == "input" else f"outs[{idx}]"
                s.line("with torch.no_grad():", f"    {target}.add_(0.75)")
                s.line("try:")
                s.line("    " + _grad_line(s, outs, names, inputs, cn))
                s.line(
                    "except RuntimeError as e:",
                    "    print('raised as it should:', e)",
                    "else:",
                    f"    raise AssertionError({('[saved-tensors-version] ' + msg)!r})",
                )
                raise CheckFailure(msg, repro=s)
    if advice is not None:
        raise advice
