"""Variants of the drawn example: other memory layouts, edge shapes (0-d, size-1, zero-size,
mixed zero-size), and backward from subsets of the outputs.

Layouts and output subsets compare the op with *itself* (on contiguous inputs, with explicit
zero cotangents), so a wrong gradient is the ``vjp`` check's finding, not theirs too: each check
reports the property it is about.
"""

from __future__ import annotations

import itertools

from gradspec.functions.case import (
    Case,
    CheckFailure,
    FnRaised,
    NotApplicable,
    ReferenceProblem,
)
from gradspec.functions.checks import STRUCTURE_EXAMPLES, register
from gradspec.functions.checks.backward import _max
from gradspec.functions.checks.forward import check_outputs, fd_inner_product
from gradspec.functions.examples import Example
from gradspec.functions.oracles import to_numpy
from gradspec.functions.preconditions import allowed_size, shapes_outside
from gradspec.functions.script import Script


def _with(ex: Example, **changes) -> Example:
    fields = {**ex.__dict__, "values": (), "expanded": (), "recorded": {}}
    fields.update(changes)
    return Example(**fields).with_values()


#: examples per dtype on which the layouts check also runs the widened copy
WIDENED_EXAMPLES = 4


def widened(case: Case) -> Example | None:
    """The example with every named core dimension (and zero-size loop dimension) at least 2:
    a layout of a tensor whose dimensions are all 0 or 1 is no different from contiguous, so
    layout bugs need sizes of 2 and more to show."""
    import numpy as np

    ex, sig = case.example, case.sig
    sizes = sig.dim_sizes(ex.shapes)
    wide = {k: allowed_size(case.spec, k, max(v, 2), v) for k, v in sizes.items()}
    loops = [
        shape[: len(shape) - len(core)]
        for core, shape in zip(sig.inputs, ex.shapes)
        if shape is not None
    ]
    loop = tuple(np.broadcast_shapes(*loops)) if loops else ()
    if case.spec.broadcast:  # every input gets the whole loop, of sizes 2 and more
        loop = tuple(max(s, 2) for s in loop) or (2, 3)
    shapes = []
    for core, shape in zip(sig.inputs, ex.shapes):
        if shape is None:
            shapes.append(None)
            continue
        own = loop if case.spec.broadcast else shape[: len(shape) - len(core)]
        dims = tuple(int(d) if d.isdigit() else wide.get(d, 2) for d in core)
        shapes.append(tuple(own) + dims)
    shapes = tuple(shapes)
    if shapes == ex.shapes:
        return None
    return _with(ex, shapes=shapes)


def _tol_key(case: Case):
    if not case.has_reference:
        return None
    try:
        case.ref()
    except ReferenceProblem:
        return None
    return "base"


def _compare_own(case: Case, got, base, what: str, key, kind: str, k: int, make_script):
    msg = case.close(got, to_numpy(base), what, key=key, kind=kind, index=k)
    if msg:
        script, actual = make_script()
        rtol, atol = case.tol(key, kind, k)
        script.expect_close(f"[layouts] {what}", actual, to_numpy(base), "float64", rtol, atol)
        # one root cause per output or gradient, whichever layouts show it
        what_key = "output" if kind == "output" else f"gradient of {case.input_name(k)}"
        raise CheckFailure(msg, repro=script, key=("layouts", "failure", what_key))


def _effective(layout: str, ndim: int) -> str:
    """The layout ``materialize`` really gives a tensor of ``ndim`` dimensions."""
    if layout == "transposed" and ndim < 2:
        return "strided"
    if layout == "channels_last" and ndim < 3:
        return "transposed" if ndim == 2 else "strided"
    return layout


def _baseline(case: Case, mask):
    """Outputs and gradients on contiguous inputs (what every layout must reproduce)."""
    base_in = case.make_inputs(requires_grad=mask)
    base_out = case.call(base_in)
    base = case.engine_grads(base_out, base_in, case.cotangents(base_out))
    return base_in, base_out, base


def _layout_variant(case: Case, lay, glay, mask, key, baseline):
    ex = case.example
    desc = ", ".join(
        f"{case.names[case.positions[i]]}: {x}"
        for i, x in enumerate(lay)
        if case.values[i] is not None
    )
    desc += "; " + ", ".join(f"grad_output {k}: {x}" for k, x in enumerate(glay))
    sub = case.variant(Example(**{**ex.__dict__, "layouts": lay, "grad_layouts": glay}))
    base_in, base_out, base = baseline
    inputs = sub.make_inputs(requires_grad=mask, layouts=lay)
    outs = sub.call(inputs)

    def script():
        s = Script(case, "layouts")
        bn = s.inputs(requires_grad=mask, suffix="_c")
        s.call(bn, target="plain")
        names = s.inputs(requires_grad=mask, layouts=lay)
        s.call(names)
        return s, bn, names

    for (k, o), (_, p) in zip(case.float_outputs(outs), case.float_outputs(base_out)):
        _compare_own(
            case,
            o.detach(),
            p.detach(),
            f"layouts ({desc}): output {k}",
            key,
            "output",
            k,
            lambda k=k: (script()[0], f"outs[{k}]"),
        )
    cots = sub.cotangents(outs, layouts=True)
    grads = sub.engine_grads(outs, inputs, cots)
    for i, (g, b) in enumerate(zip(grads, base)):
        if (g is None) != (b is None):
            raise CheckFailure(
                f"layouts ({desc}): gradient of {case.input_name(i)} is None in one layout only"
            )
        if g is None:
            continue

        def make(i=i):
            s, bn, names = script()
            bc = s.cotangents(base_out, target="plain")
            s.grads(base_out, s.wrt(bn, base_in), bc, target="plain", out="base")
            cn = s.cotangents(outs, layouts=sub.example.grad_layouts)
            s.grads(outs, s.wrt(names, inputs), cn)
            j = [n for n, x in enumerate(inputs) if x is not None and x.requires_grad].index(i)
            return s, f"grads[{j}]"

        _compare_own(
            case, g, b, f"layouts ({desc}): gradient of {case.input_name(i)}", key, "grad", i, make
        )


@register(
    "layouts",
    "contract.layout-independent",
    "Non-contiguous, offset, strided, expanded (stride-0) and channels_last inputs and "
    "grad_outputs give the same outputs and gradients as contiguous ones (every input "
    "requiring grad; also with every dimension at least 2, where layouts differ).",
    order=70,
)
def layouts(case: Case):
    bases = [case]
    wide = widened(case)
    done = case.facts.widened.get(case.dtype, 0)
    if wide is not None and done < WIDENED_EXAMPLES:
        case.facts.widened[case.dtype] = done + 1
        bases.append(case.variant(wide, fresh_answers=True))
    tried = False
    for base in bases:
        ex = base.example
        mask = base.grad_mask()
        key = _tol_key(base)
        variants = [(ex.layouts, ex.grad_layouts)]
        if base is not case or case.facts.first_of_structure(
            "layouts", ex, ("shapes", "args"), STRUCTURE_EXAMPLES, part="every input alike"
        ):  # the drawn layouts vary by example; these two do not
            for every in ("transposed", "channels_last"):
                variants.append(((every,) * len(ex.layouts), (every,) * len(ex.grad_layouts)))
        seen = set()
        baseline = None
        for lay, glay in variants:
            dims = [0 if s is None else len(s) for s in ex.shapes]
            eff = (tuple(_effective(x, d) for x, d in zip(lay, dims)), tuple(glay))
            if all(x == "contiguous" for x in lay + glay) or eff in seen:
                continue
            seen.add(eff)
            tried = True
            if baseline is None:
                baseline = _baseline(base, mask)
            _layout_variant(base, lay, glay, mask, key, baseline)
    if not tried:
        raise NotApplicable("every layout drawn is contiguous")


def edge_examples(case: Case) -> list[tuple[str, Example]]:
    """0-d (when the signature allows), size-1, zero-size, mixed zero-size (one named dimension
    0, the others 2) and zero-size-loop variants of the example."""
    ex = case.example
    sig = case.sig
    present = ex.present
    names = sorted({d for core in sig.inputs for d in core if not d.isdigit()})
    drawn = sig.dim_sizes(ex.shapes)

    def shapes_with(size_of, loop):
        res = []
        for core, p in zip(sig.inputs, present):
            if not p:
                res.append(None)
                continue
            res.append(
                tuple(loop)
                + tuple(
                    int(d)
                    if d.isdigit()
                    else allowed_size(case.spec, d, size_of(d), drawn.get(d, size_of(d)))
                    for d in core
                )
            )  # a size sizes= rules out keeps the drawn one
        return tuple(res)

    loop = (1,) if case.spec.broadcast else ()
    out = []
    if all(not core for core, p in zip(sig.inputs, present) if p):
        out.append(("0-d", shapes_with(lambda d: 1, ())))
    out.append(("size-1", shapes_with(lambda d: 1, loop)))
    out.append(("zero-size", shapes_with(lambda d: 0, loop)))
    if len(names) > 1:
        for name in names[:4]:
            out.append(
                (f"zero-size ({name}=0)", shapes_with(lambda d, n=name: 0 if d == n else 2, loop))
            )
    if case.spec.broadcast:
        out.append(("zero-size loop", shapes_with(lambda d: 1, (0,))))
    seen, res = set(), []
    for label, shapes in out:
        if shapes in seen or shapes_outside(case.spec, sig, shapes):
            continue
        seen.add(shapes)
        e = Example(
            dtype=ex.dtype,
            device=ex.device,
            shapes=shapes,
            requires_grad=ex.requires_grad,
            layouts=("contiguous",) * len(shapes),
            grad_layouts=("contiguous",),
            seed=ex.seed,
            bounds=ex.bounds,
            args=ex.args,
            kinds=ex.kinds,
        ).with_values()
        res.append((label, e))
    return res


@register(
    "edge-shapes",
    "contract.edge-shapes",
    "0-d, size-1 and zero-size inputs (every dimension 0, or one of them) work: right outputs, "
    "right gradients (zero-size gradients of the inputs' shapes); raising a clear error on "
    "zero-size inputs is advice (torch ops accept them), silenced by the claim "
    "empty_inputs=False.",
    once=True,
    order=80,
)
def edge_shapes(case: Case):
    for label, ex in edge_examples(case):
        sub = case.variant(ex, fresh_answers=True)
        what = f"{label} inputs ({sub.text()})"
        try:
            inputs = sub.make_inputs()
        except NotApplicable:
            continue  # outside the spec's preconditions (assume=)
        outs = sub.call(inputs)
        if sub.has_reference:
            try:
                sub.ref()
            except ReferenceProblem as e:
                case.notes.append((str(e), sub.text()))
                continue  # the reference cannot do this shape: nothing to compare against
        try:
            _edge(case, sub, ex, label, what, inputs, outs)
        except CheckFailure as e:
            e.example = ex if e.example is None else e.example
            raise
        except NotApplicable:
            continue
        except ReferenceProblem as e:
            case.notes.append((str(e), sub.text()))
            continue


def _edge(case: Case, sub: Case, ex, label: str, what: str, inputs, outs):
    """One edge variant: outputs, gradient shapes and values, what backward returns."""
    check_outputs(sub, outs, what, check="edge-shapes")
    if not sub.selection_agrees(outs):
        return
    cots = sub.cotangents(outs)
    grads = sub.engine_grads(outs, inputs, cots)
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is not None and tuple(g.shape) != tuple(x.shape):
            raise CheckFailure(
                f"{label}: gradient of {case.input_name(i)} has shape {tuple(g.shape)}, "
                f"input has {tuple(x.shape)}"
            )
    if sub.has_reference:
        from gradspec.functions.checks.forward import grads_script

        def repro(i):
            return grads_script(
                sub, "edge-shapes", inputs, outs, cots, i=i, expected=sub.ref().grads[i],
                tol=sub.tol("base", "grad", i), what=f"{what}: gradient of input {i}",
            )  # fmt: skip

        sub.check_grads(grads, inputs, "base", what, repro=repro)
    elif sub.tensor_outputs(outs) and all(o.numel() for _, o in sub.tensor_outputs(outs)):
        fd_inner_product(sub, inputs, grads, cots, outs, what)
    inputs = sub.make_inputs()
    outs = sub.call(inputs)
    try:
        view, ret = sub.raw_backward(outs, inputs)
    except NotApplicable:
        return
    for p, g in enumerate(ret):
        i = view.arg_of[p] if p < len(view.arg_of) else None
        x = None if i is None else inputs[i]
        if g is not None and x is not None and hasattr(g, "shape"):
            if tuple(g.shape) != tuple(x.shape):
                raise CheckFailure(
                    f"{what}: backward returned a gradient of shape {tuple(g.shape)} for "
                    f"{case.input_name(i)} of shape {tuple(x.shape)}",
                    "contract.backward-returns-exact-grads",
                )


@register(
    "output-subsets",
    "contract.undefined-output-grads",
    "A multi-output op backpropagated from any subset of its outputs (the others' grads "
    "undefined, materialized as zeros or None) gives the gradients it gives with zero "
    "cotangents for the rest.",
    order=90,
)
def output_subsets(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    diff = [k for k, _ in case.diff_outputs(outs)]
    if len(diff) < 2:
        raise NotApplicable("fewer than two differentiable outputs")
    key = _tol_key(case)
    for r in range(1, len(diff)):
        for subset in itertools.combinations(diff, r):
            inputs = case.make_inputs()
            outs = case.call(inputs)
            cots = case.cotangents(outs, only=subset)
            try:
                grads = case.engine_grads(outs, inputs, cots, only=subset)
            except FnRaised as e:
                s = Script(case, "output-subsets")
                names = s.inputs()
                s.call(names)
                s.comment(f"backward from outputs {list(subset)} only: the others' grads undefined")
                s.grads(outs, s.wrt(names, inputs), s.cotangents(outs, only=subset), only=subset)
                e.repro = s
                raise
            fi = case.make_inputs()
            fo = case.call(fi)
            fc = [c if k in subset else c * 0 for k, c in zip(diff, case.cotangents(fo))]
            full = case.engine_grads(fo, fi, fc)
            for i, (g, f) in enumerate(zip(grads, full)):
                if g is None and f is None:
                    continue
                if g is None or f is None:
                    g = g if g is not None else f * 0
                    f = f if f is not None else g * 0
                msg = case.close(
                    g,
                    to_numpy(f),
                    f"backward from outputs {list(subset)} only: gradient of "
                    f"{case.input_name(i)} (vs. zero cotangents for the rest)",
                    key=key,
                    kind="grad",
                    index=i,
                )
                if msg:
                    s = Script(case, "output-subsets")
                    names = s.inputs()
                    s.call(names)
                    cn = s.cotangents(outs, only=subset)
                    s.grads(outs, s.wrt(names, inputs), cn, only=subset)
                    s.line("# the same with explicit zero cotangents for the other outputs")
                    fn_ = s.inputs(suffix="_z")
                    s.call(fn_, target="zouts")
                    zc = s.cotangents(fo, target="zouts")
                    for k, name in zip(diff, zc):
                        if k not in subset:
                            s.line(f"{name} = torch.zeros_like({name})")
                    s.grads(fo, s.wrt(fn_, fi), zc, target="zouts", out="expected")
                    j = [n for n, x in enumerate(inputs) if x is not None and x.requires_grad]
                    j = j.index(i)
                    rtol, atol = case.tol(key, "grad", i)
                    s.line(
                        f"_check_close('[output-subsets] gradient of input {i}', grads[{j}], "
                        f"expected[{j}], rtol={rtol!r}, atol={_max(atol)!r})"
                    )
                    raise CheckFailure(msg, repro=s)
