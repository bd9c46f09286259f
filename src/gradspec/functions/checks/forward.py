"""Forward values and metadata, which outputs require grad, VJP values (against the reference
or finite differences), and the op under no_grad."""

from __future__ import annotations

import numpy as np

from gradspec.functions.case import ADVICE, Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.oracles import fd_directional, to_numpy
from gradspec.functions.recompute import no_input_grad_limit
from gradspec.functions.script import Script
from gradspec.functions.ties import explained_by_ties
from gradspec.functions.usercode import user_call
from gradspec.tolerances import dtype_name


def outputs_script(case: Case, check: str, layouts=None, no_grad=False) -> Script:
    s = Script(case, check)
    names = s.inputs(layouts=layouts)
    s.call(names, no_grad=no_grad)
    return s


def check_outputs(case: Case, outs, what="forward", key="base", check="forward", layouts=None):
    """Compare each output with the reference (values, dtype, shape, device; integer and bool
    outputs exactly, up to ties) or, without one, with the signature (shape; output-only
    dimensions take any size) and the example (dtype, device)."""
    ex = case.example

    def fail(msg, k=None, expected=None, rtol=0.0, atol=0.0, exact=False):
        s = outputs_script(case, check, layouts)
        if k is not None and expected is not None:
            if exact:
                s.expect_close(f"[{check}] output {k}", f"outs[{k}]", expected, "float64", 0.0, 0.0)
            else:
                s.expect_close(
                    f"[{check}] output {k}", f"outs[{k}]", expected, "float64", rtol, atol
                )
        else:
            s.line(
                "print('outputs:', [(type(o).__name__, getattr(o, 'shape', None), "
                "getattr(o, 'dtype', None)) for o in outs])"
            )
            s.expect("False", msg)
        raise CheckFailure(msg, repro=s)

    if case.has_reference:
        ref = case.ref(key) if key == "base" else case.ref(key, case.answers.inputs[key][0])
        extra = outs[len(ref.outputs) :]
        if len(outs) < len(ref.outputs) or any(o is not None for o in extra):
            # trailing None outputs (a Function returning (loss, None, ...)) are accepted
            fail(f"{what}: fn returned {len(outs)} output(s), the reference {len(ref.outputs)}")
        for k, (o, r) in enumerate(zip(outs, ref.outputs)):
            if r is None:
                continue
            if not hasattr(o, "shape"):
                fail(f"{what}: output {k} is {type(o).__name__}, not a tensor")
            if tuple(o.shape) != r.shape:
                fail(f"{what}: output {k} has shape {tuple(o.shape)}, expected {r.shape}")
            if dtype_name(o.dtype) != r.dtype:
                fail(f"{what}: output {k} has dtype {dtype_name(o.dtype)}, expected {r.dtype}")
            if str(o.device) != str(ex.device) and not str(o.device).startswith(ex.device):
                fail(f"{what}: output {k} is on {o.device}, expected {ex.device}")
            if not r.is_float:
                if not np.array_equal(to_numpy(o), r.value):
                    if explained_by_ties(case):
                        raise NotApplicable(
                            "tied values: fn and the reference pick different elements among "
                            "equal ones, which torch leaves unspecified"
                        )
                    bad = int(np.sum(to_numpy(o) != r.value))
                    fail(
                        f"{what}: output {k} ({r.dtype}) differs from the reference in {bad} of "
                        f"{r.value.size} elements (compared exactly; also with ties broken)",
                        k,
                        r.value,
                        exact=True,
                    )
                continue
            msg = case.compare_to_reference(o, key, "output", k, f"{what}: output {k}")
            if msg:
                rtol, atol = case.tol(key, "output", k)
                fail(msg, k, r.value, rtol, atol)
        return
    expected = case.sig.output_shapes(ex.shapes)
    if len(outs) > len(expected) and all(o is None for o in outs[len(expected) :]):
        outs = outs[: len(expected)]  # trailing None outputs are accepted
    if len(outs) != len(expected):
        fail(f"{what}: fn returned {len(outs)} output(s), the signature says {len(expected)}")
    for k, (o, shape) in enumerate(zip(outs, expected)):
        if not hasattr(o, "shape"):
            continue
        if shape is not None and tuple(o.shape) != tuple(shape):
            fail(
                f"{what}: output {k} has shape {tuple(o.shape)}, the signature gives {tuple(shape)}"
            )
        if o.is_floating_point() and dtype_name(o.dtype) != ex.dtype:
            fail(f"{what}: output {k} has dtype {dtype_name(o.dtype)} for {ex.dtype} inputs")
        if not str(o.device).startswith(ex.device):
            fail(f"{what}: output {k} is on {o.device}, expected {ex.device}")


@register(
    "forward",
    "contract.forward-matches-reference",
    "Each output has the reference's values, shape, dtype and the inputs' device (integer and "
    "bool outputs exactly, up to the order of tied values).",
    order=10,
    value=True,
    basic=True,
)
def forward(case: Case):
    outs = case.call(case.make_inputs())
    check_outputs(case, outs)


def _differentiable(case: Case, outs, mask) -> tuple[list[bool], list[bool]]:
    """Per tensor output: does the reference's require grad with every input requiring grad,
    and with those in ``mask``? With an intended ``vjp`` (or no reference), every floating
    output is differentiable."""
    if case.has_reference and case.spec.vjp is None:
        every = case.ref_requires_grad(case.grad_mask())
        some = case.ref_requires_grad(mask) if any(mask) else [False] * len(every)
        ks = [k for k, _ in case.tensor_outputs(outs)]
        pick = lambda flags: [flags[k] if k < len(flags) else False for k in ks]  # noqa: E731
        return pick(every), pick(some)
    flags = [o.is_floating_point() or o.is_complex() for _, o in case.tensor_outputs(outs)]
    return flags, [f and any(mask) for f in flags]


@register(
    "output-requires-grad",
    "contract.output-requires-grad",
    "An output requires grad (and has a grad_fn) exactly when some input requires grad and the "
    "output is differentiable (integer and bool outputs never are); with no input requiring "
    "grad, no output does.",
    structure=("shapes", "requires_grad", "args"),
    order=20,
    value=True,
)
def output_requires_grad(case: Case):
    ex = case.example
    for mask in (ex.requires_grad, (False,) * len(ex.shapes)):
        inputs = case.make_inputs(requires_grad=mask)
        outs = case.call(inputs)
        any_rg = any(mask)
        every, some = _differentiable(case, outs, mask)
        for (k, o), d, want in zip(case.tensor_outputs(outs), every, some):
            if bool(o.requires_grad) == want and (o.requires_grad or o.grad_fn is None):
                continue
            if o.requires_grad and d and o.grad_fn is not None:
                # differentiable, just not in the inputs that require grad here: a custom
                # Function's outputs require grad whenever an input does (torch's rule)
                continue
            s = Script(case, "output-requires-grad")
            s.call(s.inputs(requires_grad=mask))
            which = "inputs " + str([i for i, m in enumerate(mask) if m]) if any_rg else "none"
            if not o.requires_grad and o.grad_fn is not None:
                msg = f"output {k} has a grad_fn but does not require grad"
                s.expect(f"outs[{k}].grad_fn is None", msg)
                raise CheckFailure(msg, repro=s)
            if o.requires_grad and not d and any_rg:
                msg = (
                    f"output {k} requires grad but the reference's does not: backward is asked "
                    "for a gradient nobody needs; mark it with ctx.mark_non_differentiable"
                )
                s.expect(f"not outs[{k}].requires_grad", msg)
                raise CheckFailure(msg, level=ADVICE, repro=s)
            limit = no_input_grad_limit(case, inputs)
            if want and limit is not None:
                raise CheckFailure(limit, level=ADVICE, key=("reentrant-limits",))
            msg = (
                f"output {k} has requires_grad={o.requires_grad} but expected {want} "
                f"(inputs requiring grad: {which})"
            )
            s.expect(f"outs[{k}].requires_grad == {want}", msg)
            raise CheckFailure(msg, repro=s)


def grads_script(
    case: Case,
    check: str,
    inputs,
    outs,
    cots,
    *,
    mask=None,
    layouts=None,
    grad_layouts=None,
    only=None,
    what=None,
    i=None,
    expected=None,
    tol=None,
):
    """Inputs, call, cotangents, raw backward, engine gradients and (given ``expected``) the
    comparison of input ``i``'s gradient."""
    s = Script(case, check)
    names = s.inputs(requires_grad=mask, layouts=layouts)
    s.call(names)
    cot_names = s.cotangents(outs, layouts=grad_layouts, only=only)
    view = case.node(outs, inputs)
    if view is not None and only is None:
        s.raw_backward(outs, cot_names, view)
    wrt = s.wrt(names, inputs)
    s.grads(outs, wrt, cot_names, only=only)
    if i is not None:
        j = [n for n, x in enumerate(inputs) if x is not None and x.requires_grad].index(i)
        if expected is None:
            s.expect(f"grads[{j}] is not None", what or f"gradient of input {i} is None")
        else:
            rtol, atol = tol
            s.expect_close(f"[{check}] {what}", f"grads[{j}]", expected, "float64", rtol, atol)
    return s


@register(
    "vjp",
    "contract.vjp-matches-reference",
    "The gradients backward gives (random cotangents, contiguous inputs) equal the reference's "
    "vector-Jacobian product (or the intended vjp=); at kinks any valid subgradient is accepted.",
    mode="reference",
    order=30,
    value=True,
    basic=True,
)
def vjp(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    ref = case.ref()
    for (_, o), r in zip(case.tensor_outputs(outs), ref.outputs):
        if r is not None and tuple(o.shape) != r.shape:
            raise NotApplicable("output shapes differ from the reference (see 'forward')")
    if not case.selection_agrees(outs):
        raise NotApplicable("fn's index outputs differ from the reference's (see 'forward')")
    cots = case.cotangents(outs)
    grads = case.engine_grads(outs, inputs, cots)

    def repro(i):
        e = ref.grads[i]
        return grads_script(
            case, "vjp", inputs, outs, cots, i=i, expected=e,
            tol=case.tol("base", "grad", i), what=f"vjp: gradient of {case.input_name(i)}",
        )  # fmt: skip

    case.check_grads(grads, inputs, "base", "vjp", repro=repro)


def fd_inner_product(case: Case, inputs, grads, cots, outs, what: str):
    """<cotangent, J v> by central differences in float64 against <grad, v>, per input."""
    import torch

    values = case.values
    f = lambda *xs: user_call(case.spec.fn, *case.full_args(list(xs)))  # noqa: E731
    try:
        xs64 = [
            None
            if v is None
            else torch.tensor(v, dtype=torch.float64, device=case.example.device)
            if case.example.is_float(i)
            else inputs[i].detach()
            for i, v in enumerate(values)
        ]
        f(*xs64)
    except Exception:  # fn does not run in float64: difference in its own dtype
        xs64 = [None if x is None else x.detach() for x in inputs]
    float_ks = [k for k, _ in case.float_outputs(outs)]
    diff_ks = [k for k, _ in case.diff_outputs(outs)]
    cot_np = [to_numpy(c) for c in cots]
    first = next((x for x in xs64 if x is not None), None)
    eps = 1e-6 if first is None or first.dtype == torch.float64 else 1e-3
    for i, (x, g) in enumerate(zip(inputs, grads)):
        if x is None or not x.requires_grad or x.numel() == 0:
            continue
        d = case.example.direction(i, tuple(x.shape))
        central, fwd, bwd = fd_directional(f, xs64, i, d, eps=eps)

        def pick(arrs):
            by_k = dict(zip(float_ks, arrs))
            return sum(float(np.sum(by_k[k] * c)) for k, c in zip(diff_ks, cot_np) if k in by_k)

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
            s = Script(case, "vjp-fd")
            s.gradcheck(s.inputs())
            raise CheckFailure(
                f"{what}: <grad of {case.input_name(i)}, v> = {ana:.6g} but finite differences "
                f"give <cotangent, J v> = {num:.6g} for a random direction v",
                repro=s,
            )


@register(
    "vjp-fd",
    "contract.vjp-finite-difference",
    "Without a reference: for random cotangent u and direction v, <grad, v> equals <u, J v> by "
    "central finite differences in float64 (skipped along directions that cross a kink).",
    mode="fd",
    order=40,
    value=True,
    basic=True,
)
def vjp_fd(case: Case):
    inputs = case.make_inputs()
    outs = case.call(inputs)
    cots = case.cotangents(outs)
    grads = case.engine_grads(outs, inputs, cots)
    fd_inner_product(case, inputs, grads, cots, outs, "vjp")


@register(
    "no-grad",
    "contract.no-grad",
    "Under torch.no_grad the op runs, gives the same values, and its outputs have no grad_fn "
    "(and do not require grad, unless they are views of an input that does, as torch's own "
    "views are).",
    order=160,
)
def no_grad(case: Case):
    import torch

    inputs = case.make_inputs(nonleaf=False)
    with torch.no_grad():
        outs = case.call(inputs)
    for k, o in case.tensor_outputs(outs):
        if any(o is x for x in inputs):
            continue  # the input itself, returned unchanged: it requires grad as it did
        view_of_grad = o._is_view() and o._base is not None and o._base.requires_grad
        if o.grad_fn is not None or (o.requires_grad and not view_of_grad):
            msg = f"under no_grad output {k} requires_grad={o.requires_grad}, grad_fn={o.grad_fn}"
            s = outputs_script(case, "no-grad", no_grad=True)
            s.expect(f"outs[{k}].grad_fn is None and not outs[{k}].requires_grad", msg)
            raise CheckFailure(msg, repro=s)
    grad_outs = case.call(case.make_inputs())
    for (k, o), (_, r) in zip(case.tensor_outputs(outs), case.tensor_outputs(grad_outs)):
        msg = case.close(
            o,
            to_numpy(r),
            f"no_grad output {k} vs. grad mode",
            key="base" if case.has_reference else None,
            kind="output",
            index=k,
        )
        if msg:
            s = Script(case, "no-grad")
            names = s.inputs(nonleaf=False)
            s.call(names, no_grad=True, target="plain")
            s.call(s.inputs(suffix="_g"), target="outs")
            rtol, atol = case.tol()
            s.line(
                f"_check_close('[no-grad] output {k} under no_grad vs. grad mode', plain[{k}], "
                f"outs[{k}], rtol={rtol!r}, atol={float(np.max(atol))!r})"
            )
            raise CheckFailure(msg, repro=s)
