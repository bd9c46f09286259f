"""Lifetime of the graph: saved tensors freed by backward, nothing kept alive by a cycle."""

from __future__ import annotations

import gc
import weakref

from gradspec.functions.case import Case, CheckFailure
from gradspec.functions.checks import register
from gradspec.functions.script import Script


def _run(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    refs = [weakref.ref(o) for _, o in case.tensor_outputs(outs)]
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
)
def graph_freed(case: Case):
    refs, node_ref, freed = _run(case)
    if freed is False:
        raise CheckFailure(
            "ctx.saved_tensors still accessible after backward without "
            "retain_graph: saved tensors were not freed"
        )
    msg_global = (
        "outputs / the backward node outlive every reference the caller holds, even after "
        "gc.collect(): something global keeps the graph alive"
    )
    msg_cycle = (
        "outputs / the backward node stay alive after the caller drops them until "
        "gc.collect() runs: a reference cycle (e.g. an output or ctx stored on ctx) keeps the "
        "graph and its memory alive"
    )
    alive = [r for r in refs if r() is not None]
    node_alive = node_ref is not None and node_ref() is not None
    if not alive and not node_alive:
        return
    gc.collect()
    still = [r for r in refs if r() is not None] or (
        node_ref is not None and node_ref() is not None
    )
    if still:
        raise CheckFailure(msg_global, repro=_script(case, msg_global, True))
    raise CheckFailure(msg_cycle, repro=_script(case, msg_cycle, False))
