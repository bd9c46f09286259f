"""Forward values and metadata, VJP values, layouts, edge shapes, output subsets, no_grad."""

from __future__ import annotations

import itertools

import numpy as np

from gradspec.functions.case import Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.examples import Example
from gradspec.functions.oracles import ReferenceFailed, fd_directional, to_numpy
from gradspec.tolerances import dtype_name


def _check_outputs(case: Case, outs, what="forward"):
    """Compare each output with the reference (values, dtype, shape, device) or, without one,
    with the signature (shape) and the example (dtype, device)."""
    ex = case.example
    if case.spec.reference is not None:
        ref = case.ref()
        if len(outs) != len(ref.outputs):
            raise CheckFailure(
                f"{what}: fn returned {len(outs)} output(s), the reference {len(ref.outputs)}"
            )
        for k, (o, r) in enumerate(zip(outs, ref.outputs)):
            if r is None:
                continue
            if not hasattr(o, "shape"):
                raise CheckFailure(f"{what}: output {k} is {type(o).__name__}, not a tensor")
            if tuple(o.shape) != r.shape:
                raise CheckFailure(
                    f"{what}: output {k} has shape {tuple(o.shape)}, expected {r.shape}"
                )
            if dtype_name(o.dtype) != r.dtype:
                raise CheckFailure(
                    f"{what}: output {k} has dtype {dtype_name(o.dtype)}, expected {r.dtype}"
                )
            if str(o.device) != str(ex.device) and not str(o.device).startswith(ex.device):
                raise CheckFailure(f"{what}: output {k} is on {o.device}, expected {ex.device}")
            msg = case.close(o, r.value, f"{what}: output {k}", dtype=r.dtype)
            if msg:
                raise CheckFailure(msg)
        return
    expected = case.sig.output_shapes(ex.shapes)
    if len(outs) != len(expected):
        raise CheckFailure(
            f"{what}: fn returned {len(outs)} output(s), the signature says {len(expected)}"
        )
    for k, (o, shape) in enumerate(zip(outs, expected)):
        if shape is not None and tuple(o.shape) != tuple(shape):
            raise CheckFailure(
                f"{what}: output {k} has shape {tuple(o.shape)}, the signature gives {tuple(shape)}"
            )
        if o.is_floating_point() and dtype_name(o.dtype) != ex.dtype:
            raise CheckFailure(
                f"{what}: output {k} has dtype {dtype_name(o.dtype)} for {ex.dtype} inputs"
            )
        if not str(o.device).startswith(ex.device):
            raise CheckFailure(f"{what}: output {k} is on {o.device}, expected {ex.device}")


@register(
    "forward",
    "contract.forward-matches-reference",
    "Each output has the reference's values, shape, dtype and the inputs' device.",
)
def forward(case: Case):
    import torch

    with torch.no_grad():
        inputs = case.make_inputs()
    outs = case.call(inputs)
    _check_outputs(case, outs)


@register(
    "output-requires-grad",
    "contract.output-requires-grad",
    "An output requires grad (and has a grad_fn) exactly when some input requires grad and the "
    "output is differentiable; with no input requiring grad, no output does.",
)
def output_requires_grad(case: Case):
    ex = case.example
    for mask in (ex.requires_grad, (False,) * len(ex.shapes)):
        inputs = case.make_inputs(requires_grad=mask)
        outs = case.call(inputs)
        any_rg = any(mask)
        if case.spec.reference is not None:
            ref = case.ref()
            diff = [r is not None and r.requires_grad for r in ref.outputs]
        else:
            diff = [o.is_floating_point() or o.is_complex() for _, o in case.tensor_outputs(outs)]
        for (k, o), d in zip(case.tensor_outputs(outs), diff):
            want = any_rg and d
            if bool(o.requires_grad) != want:
                which = "inputs " + str([i for i, m in enumerate(mask) if m]) if any_rg else "none"
                raise CheckFailure(
                    f"output {k} has requires_grad={o.requires_grad} but expected {want} "
                    f"(inputs requiring grad: {which})"
                )
            if not o.requires_grad and o.grad_fn is not None:
                raise CheckFailure(f"output {k} has a grad_fn but does not require grad")


@register(
    "vjp",
    "contract.vjp-matches-reference",
    "The gradients backward gives (random cotangents, contiguous inputs) equal the reference's "
    "vector-Jacobian product; at kinks any valid subgradient is accepted.",
    mode="reference",
)
def vjp(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    ref = case.ref()
    for (_, o), r in zip(case.tensor_outputs(outs), ref.outputs):
        if r is not None and tuple(o.shape) != r.shape:
            raise NotApplicable("output shapes differ from the reference (see 'forward')")
    cots = case.cotangents(outs)
    grads = case.engine_grads(outs, inputs, cots)
    case.check_grads(grads, inputs, "base", "vjp")


def fd_inner_product(case: Case, inputs, grads, cots, outs, what: str):
    """<cotangent, J v> by central differences in float64 against <grad, v>, per input."""
    import torch

    values = case.values
    try:
        xs64 = [
            None if v is None else torch.tensor(v, dtype=torch.float64, device=case.example.device)
            for v in values
        ]
        case.call(xs64)
        f = case.spec.fn
    except Exception:  # fn does not run in float64: difference in its own dtype
        xs64 = [None if x is None else x.detach() for x in inputs]
        f = case.spec.fn
    diff_ks = [k for k, _ in case.diff_outputs(outs)]
    cot_np = [to_numpy(c) for c in cots]
    eps = (
        1e-6
        if xs64[0] is None
        or xs64[next(i for i, x in enumerate(xs64) if x is not None)].dtype == torch.float64
        else 1e-3
    )
    for i, (x, g) in enumerate(zip(inputs, grads)):
        if x is None or not x.requires_grad or x.numel() == 0:
            continue
        d = case.example.direction(i, tuple(x.shape))
        central, fwd, bwd = fd_directional(f, xs64, i, d, eps=eps)
        pick = lambda arrs: sum(float(np.sum(arrs[k] * c)) for k, c in zip(diff_ks, cot_np))  # noqa: E731
        num, one_f, one_b = pick(central), pick(fwd), pick(bwd)
        scale = max(1.0, abs(num))
        if abs(one_f - one_b) > 1e-2 * scale + 100 * eps * scale:
            continue  # a kink along this direction: any subgradient is valid
        ana = 0.0 if g is None else float(np.sum(to_numpy(g) * d))
        tol = (1e-5 + 1e-3 * scale) * (1 if eps < 1e-4 else 100)
        if case.dtype in ("float16", "bfloat16"):
            tol *= 100
        if case.dtype == "float32":
            tol *= 10
        if abs(ana - num) > tol:
            raise CheckFailure(
                f"{what}: <grad of input {i}, v> = {ana:.6g} but finite differences give "
                f"<cotangent, J v> = {num:.6g} for a random direction v"
            )


@register(
    "vjp-fd",
    "contract.vjp-finite-difference",
    "Without a reference: for random cotangent u and direction v, <grad, v> equals <u, J v> by "
    "central finite differences in float64 (skipped along directions that cross a kink).",
    mode="fd",
)
def vjp_fd(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    cots = case.cotangents(outs)
    grads = case.engine_grads(outs, inputs, cots)
    fd_inner_product(case, inputs, grads, cots, outs, "vjp")


@register(
    "layouts",
    "contract.layout-independent",
    "Non-contiguous, offset, strided, expanded (stride-0) and channels_last inputs and "
    "grad_outputs give the same outputs and gradients as contiguous ones.",
)
def layouts(case: Case):
    ex = case.example
    # besides the drawn layouts, every tensor transposed, then every one channels_last (permuted
    # for 3-d and more; materialize falls back to transposed or strided below that)
    variants = [(ex.layouts, ex.grad_layouts)]
    for every in ("transposed", "channels_last"):
        variants.append(((every,) * len(ex.layouts), (every,) * len(ex.grad_layouts)))
    for lay, glay in variants:
        if all(x == "contiguous" for x in lay + glay):
            continue
        sub = Example(**{**ex.__dict__, "layouts": lay, "grad_layouts": glay})
        _layouts(Case(case.spec, case.sig, sub, case.T, case.memo))


def _layouts(case: Case):
    ex = case.example
    lay, glay = ex.layouts, ex.grad_layouts
    inputs = case.make_inputs(layouts=lay)
    desc = ", ".join(f"input {i}: {x}" for i, x in enumerate(lay) if case.values[i] is not None)
    desc += "; " + ", ".join(f"grad_output {k}: {x}" for k, x in enumerate(glay))
    outs = case.call(inputs)
    if case.spec.reference is not None:
        _check_outputs(case, outs, f"layouts ({desc})")
        cots = case.cotangents(outs, layouts=True)
        grads = case.engine_grads(outs, inputs, cots)
        case.check_grads(grads, inputs, "base", f"layouts ({desc})")
        return
    plain_in = case.make_inputs()
    plain_outs = case.call(plain_in)
    for (k, o), (_, p) in zip(case.tensor_outputs(outs), case.tensor_outputs(plain_outs)):
        msg = case.close(o.detach(), to_numpy(p), f"layouts ({desc}): output {k}")
        if msg:
            raise CheckFailure(msg)
    cots = case.cotangents(outs, layouts=True)
    plain_cots = [c.contiguous() for c in cots]
    grads = case.engine_grads(outs, inputs, cots)
    pgrads = case.engine_grads(plain_outs, plain_in, plain_cots)
    for i, (g, p) in enumerate(zip(grads, pgrads)):
        if g is None or p is None:
            if (g is None) != (p is None):
                raise CheckFailure(
                    f"layouts ({desc}): gradient of input {i} is None in one layout only"
                )
            continue
        msg = case.close(g, to_numpy(p), f"layouts ({desc}): gradient of input {i}")
        if msg:
            raise CheckFailure(msg)


def edge_examples(case: Case) -> list[tuple[str, Example]]:
    """0-d (when the signature allows), size-1 and zero-size variants of the example."""
    ex = case.example
    sig = case.sig
    out = []
    present = ex.present

    def shapes_with(size, loop):
        res = []
        for core, p in zip(sig.inputs, present):
            if not p:
                res.append(None)
                continue
            res.append(tuple(loop) + tuple(int(d) if d.isdigit() else size for d in core))
        return tuple(res)

    loop = (1,) if case.spec.broadcast else ()
    if all(not core for core, p in zip(sig.inputs, present) if p):
        out.append(("0-d", shapes_with(1, ())))
    out.append(("size-1", shapes_with(1, loop)))
    out.append(("zero-size", shapes_with(0, loop)))
    if case.spec.broadcast:
        out.append(("zero-size loop", shapes_with(1, (0,))))
    seen, res = set(), []
    for label, shapes in out:
        if shapes in seen:
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
        ).with_values()
        res.append((label, e))
    return res


@register(
    "edge-shapes",
    "contract.edge-shapes",
    "0-d, size-1 and zero-size inputs work: right outputs, right gradients (zero-size gradients "
    "of the inputs' shapes), no error.",
    once=True,
)
def edge_shapes(case: Case):
    for label, ex in edge_examples(case):
        sub = Case(case.spec, case.sig, ex, case.T, case.memo)
        sub.memo_prefix = label
        inputs = sub.make_inputs()
        try:
            outs = sub.call(inputs)
        except Exception as e:
            raise CheckFailure(
                f"{label} inputs {list(ex.shapes)}: fn raised {type(e).__name__}: {e}"
            ) from e
        key = f"edge:{label}"
        if case.spec.reference is not None:
            try:
                ref = sub.ref(key)
            except ReferenceFailed:
                continue  # the reference cannot do this shape: nothing to compare against
            sub.memo[("base", sub.dtype, True, False)] = ref
            _check_outputs(sub, outs, f"{label} inputs {list(ex.shapes)}")
        else:
            _check_outputs(sub, outs, f"{label} inputs {list(ex.shapes)}")
        cots = sub.cotangents(outs)
        try:
            grads = sub.engine_grads(outs, inputs, cots)
        except Exception as e:
            raise CheckFailure(
                f"{label} inputs {list(ex.shapes)}: backward raised {type(e).__name__}: {e}"
            ) from e
        for i, (g, x) in enumerate(zip(grads, inputs)):
            if g is not None and tuple(g.shape) != tuple(x.shape):
                raise CheckFailure(
                    f"{label}: gradient of input {i} has shape {tuple(g.shape)}, "
                    f"input has {tuple(x.shape)}"
                )
        if case.spec.reference is not None:
            sub.check_grads(grads, inputs, key, f"{label} inputs {list(ex.shapes)}")
        elif sub.tensor_outputs(outs) and all(o.numel() for _, o in sub.tensor_outputs(outs)):
            fd_inner_product(sub, inputs, grads, cots, outs, f"{label} inputs")
        try:
            node, ret = sub.raw_backward(outs, inputs)
        except Exception:
            continue
        for i, (g, x) in enumerate(zip(ret, inputs)):
            if g is not None and x is not None and tuple(g.shape) != tuple(x.shape):
                raise CheckFailure(
                    f"{label} inputs {list(ex.shapes)}: backward returned a gradient of shape "
                    f"{tuple(g.shape)} for input {i} of shape {tuple(x.shape)}",
                    "contract.backward-returns-exact-grads",
                )


def _masked_cot(cot, keep):
    def masked(k, shape, _dtype=None):
        return cot(k, shape) if k in keep else np.zeros(shape)

    return masked


@register(
    "output-subsets",
    "contract.undefined-output-grads",
    "A multi-output op backpropagated from any subset of its outputs (the others' grads "
    "undefined, materialized as zeros or None) gives the VJP with zero cotangents for the rest.",
)
def output_subsets(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    diff = [k for k, _ in case.diff_outputs(outs)]
    if len(diff) < 2:
        raise NotApplicable("fewer than two differentiable outputs")
    full = None
    for r in range(1, len(diff)):
        for subset in itertools.combinations(diff, r):
            inputs = case.make_inputs()
            outs = case.call(inputs)
            cots = case.cotangents(outs, only=subset)
            try:
                grads = case.engine_grads(outs, inputs, cots, only=subset)
            except Exception as e:
                raise CheckFailure(
                    f"backward from outputs {list(subset)} only (the other outputs' grads "
                    f"undefined) raised {type(e).__name__}: {e}"
                ) from e
            if case.spec.reference is not None:
                key = f"outputs{list(subset)}"
                ref = case.memo.get((key, case.dtype, True, False))
                if ref is None:
                    base = case.ref()
                    saved = case._cot
                    case._cot = _masked_cot(saved, subset)
                    try:
                        ref = case.ref(key)
                    finally:
                        case._cot = saved
                    del base
                case.check_grads(
                    grads, inputs, key, f"backward from outputs {list(subset)}", ref=ref
                )
            else:
                if full is None:
                    fi = case.make_inputs()
                    fo = case.call(fi)
                    fc = case.cotangents(fo)
                    fc = [c if k in subset else c * 0 for k, c in zip(diff, fc)]
                    full = case.engine_grads(fo, fi, fc)
                for i, (g, f) in enumerate(zip(grads, full)):
                    if g is None or f is None:
                        continue
                    msg = case.close(
                        g,
                        to_numpy(f),
                        f"backward from outputs {list(subset)}: "
                        f"gradient of input {i} (vs. zero cotangents for the rest)",
                    )
                    if msg:
                        raise CheckFailure(msg)
                full = None


@register(
    "no-grad",
    "contract.no-grad",
    "Under torch.no_grad the op runs, gives the same values, and its outputs neither require "
    "grad nor have a grad_fn.",
)
def no_grad(case: Case):
    import torch

    inputs = case.make_inputs(nonleaf=False)
    with torch.no_grad():
        outs = case.call(inputs)
    for k, o in case.tensor_outputs(outs):
        if o.requires_grad or o.grad_fn is not None:
            raise CheckFailure(
                f"under no_grad output {k} requires_grad={o.requires_grad}, grad_fn={o.grad_fn}"
            )
    ref_outs = case.call(case.make_inputs())
    for (k, o), (_, r) in zip(case.tensor_outputs(outs), case.tensor_outputs(ref_outs)):
        msg = case.close(o, to_numpy(r), f"no_grad output {k} vs. grad mode")
        if msg:
            raise CheckFailure(msg)
