"""Lifetime of the graph: saved tensors freed by backward, nothing kept alive by a cycle."""

from __future__ import annotations

import contextlib
import gc
import weakref

from gradspec.functions.case import Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.script import Script
from gradspec.functions.usercode import user_call


def _run(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    held = module_held(case)
    refs = [
        weakref.ref(o)
        for _, o in case.tensor_outputs(outs)
        if not any(o is x for x in inputs) and id(o) not in held
    ]  # an input returned unchanged lives as long as the caller's input; module state is kept
    view = case.node(outs, inputs)
    node = None if view is None else view.node
    node_ref = weakref.ref(node) if node is not None else None
    cots = case.cotangents(outs)
    freed = None
    if cots:
        case.engine_grads(outs, inputs, cots)
        if node is not None:
            try:
                freed = not node.saved_tensors
            except RuntimeError:
                freed = True
    del node, view, outs, cots
    return refs, node_ref, freed


def module_held(case: Case) -> set:
    """ids of the tensors the checked module (or a submodule) holds as attributes: state the
    module keeps by design (the last input, output or loss, as in PyTorch's style-transfer
    tutorial), which lives as long as the module does."""
    import torch

    module = case.spec.module
    if not isinstance(module, torch.nn.Module):
        return set()
    return {
        id(v) for m in module.modules() for v in vars(m).values() if isinstance(v, torch.Tensor)
    }


def _script(case: Case, message: str, collect: bool) -> Script:
    s = Script(case, "graph-freed")
    s.line("import gc, weakref")
    s.call(s.inputs())
    s.line(
        "refs = [weakref.ref(o) for o in outs if isinstance(o, torch.Tensor)]",
        "del outs",
    )
    if collect:
        s.line("gc.collect()")
    s.expect("all(r() is None for r in refs)", message)
    return s


@register(
    "graph-freed",
    "contract.graph-freed",
    "After backward (without retain_graph) saved tensors are freed, and once the outputs are "
    "dropped the graph dies at once: no reference cycle (e.g. an output kept on ctx) keeps it "
    "alive until the garbage collector runs.",
    once=True,
    order=130,
)
def graph_freed(case: Case):
    msg_global = (
        "outputs / the backward node outlive every reference the caller holds, even after "
        "gc.collect(): something global keeps the graph alive"
    )
    msg_cycle = (
        "outputs / the backward node stay alive after the caller drops them until "
        "gc.collect() runs: a reference cycle (e.g. an output or ctx stored on ctx) keeps the "
        "graph and its memory alive"
    )
    with _young_only():
        refs, node_ref, freed = _run(case)
        if freed is False:
            raise CheckFailure(
                "ctx.saved_tensors still accessible after backward without "
                "retain_graph: saved tensors were not freed"
            )
        if not _alive(refs, node_ref):
            return
        gc.collect()  # over the objects the call made (see _young_only)
        if not _alive(refs, node_ref):  # a cycle among them
            raise CheckFailure(msg_cycle, repro=_script(case, msg_cycle, False))
    if not case.facts.graph_kept_globally:
        gc.collect()  # over every object: "global" is first said after a full collection
        if not _alive(refs, node_ref):
            raise CheckFailure(msg_cycle, repro=_script(case, msg_cycle, False))
        case.facts.graph_kept_globally = True
    # Once said, the later examples of the run (the shrinking of that finding among them) are
    # told by the cheap collection: a full one takes 0.1-0.3 s in a process with torch
    # imported, and what they find is that same finding (the reproducer of the example kept
    # collects in full again, in a fresh process).
    raise CheckFailure(msg_global, repro=_script(case, msg_global, True))


def _alive(refs, node_ref) -> bool:
    """Whether an output (``refs``) or the backward node (``node_ref``) is still alive."""
    return any(r() is not None for r in refs) or (node_ref is not None and node_ref() is not None)


@contextlib.contextmanager
def _young_only():
    """Inside, ``gc.collect()`` visits only the objects made inside: every object tracked
    before is frozen (``gc.freeze``; a full collection in a process with torch imported takes
    0.1-0.2 s, this one milliseconds). Garbage that reaches an object made before is not
    collected here: the caller collects in full before it calls anything alive."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _holder(obj) -> str | None:
    """Where a leaked tensor is held, when a module-level container (or attribute) holds it:
    ``mymodule.CACHE`` — else None."""
    import sys

    holders = {id(r): r for r in gc.get_referrers(obj)}
    for name, mod in list(sys.modules.items()):
        d = getattr(mod, "__dict__", None)
        if not isinstance(d, dict) or name.startswith(("torch", "numpy", "hypothesis", "_")):
            continue
        for attr, value in list(d.items()):
            if value is obj or id(value) in holders:
                return f"{name}.{attr}"
            klass = value if isinstance(value, type) else None
            if klass is not None:
                for a, v in list(vars(klass).items()):
                    if v is obj or id(v) in holders:
                        return f"{name}.{attr}.{a}"
    return None


def _step(case: Case):
    """One forward and backward as a training step runs it, on fresh inputs (clones of the
    leaves when the Function modifies its inputs in place); weak references to every tensor
    the caller held, or None when forward or backward raised (other checks report that)."""
    import torch

    from gradspec.inputs import torch_tensor as materialize

    ex = case.example
    mask = case.grad_mask()
    leaves, inputs = [], []
    for i, v in enumerate(case.values):
        if v is None:
            inputs.append(None)
            continue
        if not ex.is_float(i):
            inputs.append(materialize(v, "contiguous", ex.tensor_dtype(i), ex.device))
            continue
        leaf = materialize(v, "contiguous", ex.dtype, ex.device, requires_grad=mask[i])
        leaves.append((case.input_name(i), leaf))
        if case.facts.modifies_inputs:
            with torch.set_grad_enabled(bool(mask[i])):
                inputs.append(leaf.clone())
        else:
            inputs.append(leaf)
    try:
        outs = case.call(inputs)
        diff = [o for _, o in case.diff_outputs(outs)]
        cots = [torch.ones_like(o) for o in diff]
        wrt = [x for _, x in leaves if x.requires_grad]
        grads = (
            user_call(torch.autograd.grad, diff, wrt, cots, allow_unused=True)
            if diff and wrt
            else ()
        )
    except Exception:  # noqa: BLE001 - forward and backward errors belong to other checks
        return None
    watched = list(leaves)
    watched += [(case.input_name(i), x) for i, x in enumerate(inputs)
                if x is not None and all(x is not t for _, t in leaves)]  # fmt: skip
    watched += [(f"grad_output {k}", c) for k, c in enumerate(cots)]
    watched += [(f"the gradient backward made for input {j}", g) for j, g in enumerate(grads)
                if g is not None]  # fmt: skip
    return [(what, weakref.ref(t)) for what, t in watched]


@register(
    "leaks",
    "contract.no-leaks",
    "Once the caller drops the inputs, grad_outputs and gradients of a forward and backward, "
    "and runs the next step, none of the first step's tensors stays alive: the Function (or "
    "Module) keeps no growing global, class-level or attribute store of tensors it was given "
    "or made. Keeping the last step's tensors until the next step replaces them (a module's "
    "self.loss) is allowed.",
    once=True,
    order=190,
)
def leaks(case: Case):
    done = case.facts.leaks_clean
    if case.dtype in done:
        return  # one clean pair of steps per dtype tells (gc.collect is costly)
    with _young_only():
        refs = _step(case)
        if refs is None:
            raise NotApplicable(
                "forward or backward raised on a plain step (reported by other checks)"
            )
        if any(r() is not None for _, r in refs):
            # Something still holds the step's tensors: a cycle, a cache of the last step, or a
            # store that grows. Only the last is a leak: run a second step and collect.
            if _step(case) is None:
                raise NotApplicable("the second step raised (reported by other checks)")
            gc.collect()  # over the objects the steps made (see _young_only)
    holders = case.facts.leak_holders
    shrinking = case.facts.focus == "leaks" and case.dtype in holders
    if any(r() is not None for _, r in refs) and not shrinking:
        gc.collect()  # over every object: the verdict never rests on the cheap collection
    alive = [(what, r()) for what, r in refs if r() is not None]
    if not alive:
        done.add(case.dtype)
        return
    if shrinking:  # a smaller example of a leak found after a full collection: the same store
        where = holders[case.dtype]  # (each full collection and referrer search 0.1-0.3 s)
    else:
        where = holders[case.dtype] = _holder(alive[0][1])
    names = ", ".join(w for w, _ in alive)
    by = f", held by {where}" if where else ""
    raise CheckFailure(
        f"{names} of a first step stay(s) alive after the caller dropped everything, a second "
        f"step ran and gc.collect() ran{by}: the Function keeps a growing global or "
        "class-level store of tensors of finished steps, so their memory (and the graph "
        "behind them) is never freed",
        key=("leaks", where or names),
    )
