"""The Function under torch's transforms: ``torch.vmap`` and ``torch.func``, ``torch.autocast``,
``torch.compile`` and forward-mode AD. Each check runs only where it applies (a custom Function
with a vmap rule, a float32 example for autocast, a Function defining ``jvp``); what torch allows
but the Function does not support is advice, never a failure."""

from __future__ import annotations

import numpy as np

from gradspec.functions.case import ADVICE, Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.oracles import to_numpy
from gradspec.functions.usercode import user_call
from gradspec.tolerances import tolerance

#: samples stacked along the batch dimension of the vmap check
BATCH = 3


def function_class(case: Case):
    """The ``torch.autograd.Function`` subclass whose ``.apply`` is ``fn``, or None."""
    import torch

    owner = getattr(case.spec.fn, "__self__", None)
    if isinstance(owner, type) and issubclass(owner, torch.autograd.Function):
        return owner
    return None


def _overrides(cls, name: str) -> bool:
    import torch

    return getattr(cls, name, None) is not getattr(torch.autograd.Function, name, None)


def _float_inputs(case: Case, dtype: str | None = None, requires_grad: bool = True) -> list:
    """Contiguous inputs with every floating input requiring grad."""
    mask = case.grad_mask() if requires_grad else (False,) * len(case.values)
    return case.make_inputs(requires_grad=mask, nonleaf=False, dtype=dtype)


def _close(case: Case, got, want, what: str, dtype: str, reduction: int = 1) -> str | None:
    """None when two torch results agree within ``dtype``'s tolerance (both computed by the
    op itself: no reference is involved)."""
    from gradspec.functions.blame import judge

    a, b = to_numpy(got), to_numpy(want)
    rtol, atol = tolerance(dtype, max(reduction, case.reduction_length()))
    return judge(what, a, b, 4 * rtol, 4 * atol)


# ------------------------------------------------------------------------------------ vmap


def _vmap_support(cls) -> str | None:
    """None when torch.func can transform the Function; else why not."""
    if not _overrides(cls, "setup_context"):
        return (
            f"{cls.__name__} takes ctx in forward (no setup_context staticmethod), so torch.vmap "
            "and torch.func transforms refuse it"
        )
    if not (getattr(cls, "generate_vmap_rule", False) or _overrides(cls, "vmap")):
        return (
            f"{cls.__name__} has neither generate_vmap_rule = True nor a vmap staticmethod, so "
            "torch.vmap refuses it"
        )
    return None


def _samples(case: Case) -> list[list]:
    """BATCH sets of input values: the example's and perturbed copies (seeded)."""
    rng = np.random.default_rng([case.example.seed, 6000])
    out = [list(case.values)]
    for _ in range(BATCH - 1):
        out.append(
            [
                v
                if v is None or not case.example.is_float(i)
                else v + 0.25 * rng.standard_normal(np.shape(v))
                for i, v in enumerate(case.values)
            ]
        )
    return out


@register(
    "vmap",
    "contract.vmap-matches-loop",
    "A custom Function with a vmap rule (generate_vmap_rule=True or a vmap staticmethod) gives "
    "under torch.vmap, and under torch.func.vjp and jacrev, what it gives sample by sample.",
    once=True,
    order=210,
)
def vmap(case: Case):
    import torch

    cls = function_class(case)
    if cls is None:
        raise NotApplicable("fn is not a custom autograd.Function's apply")
    why = _vmap_support(cls)
    if why is not None:
        raise CheckFailure(
            f"{why} (allowed, but it cannot be batched or used with torch.func; define "
            "setup_context and set generate_vmap_rule = True, or write a vmap staticmethod)",
            level=ADVICE,
            key=("vmap-support", cls.__name__),
            static=True,
        )
    if any(v is None for v in case.values) or any(0 in np.shape(v) for v in case.values):
        raise NotApplicable("an omitted or empty input")
    samples = _samples(case)
    dtype = case.dtype
    per = []
    for vals in samples:
        xs = case.make_inputs(requires_grad=case.grad_mask(), nonleaf=False, values=vals)
        outs = case.call(xs)
        per.append((xs, outs))
    float_idx = [k for k, _ in case.float_outputs(per[0][1])]
    stacked = [
        None if x is None else torch.stack([p[0][i].detach() for p in per])
        for i, x in enumerate(per[0][0])
    ]
    args = case.full_args(stacked)
    in_dims = tuple(0 if isinstance(a, torch.Tensor) else None for a in args)
    try:
        batched = user_call(torch.vmap(lambda *a: case.spec.fn(*a), in_dims=in_dims), *args)
    except Exception as e:  # noqa: BLE001 - the user's vmap rule
        raise CheckFailure(
            f"torch.vmap({cls.__name__}.apply) raised {type(e).__name__}: {e}",
            key=("vmap-raised", type(e).__name__),
        ) from None
    batched = batched if isinstance(batched, tuple) else (batched,)
    for k in float_idx:
        want = torch.stack([p[1][k].detach() for p in per])
        if tuple(batched[k].shape) != tuple(want.shape):
            raise CheckFailure(
                f"under torch.vmap output {k} has shape {tuple(batched[k].shape)}, the "
                f"per-sample loop stacks to {tuple(want.shape)} (wrong out_dims or batching in "
                "the vmap rule)"
            )
        msg = _close(case, batched[k], want, f"under torch.vmap, output {k}", dtype)
        if msg:
            raise CheckFailure(msg + " (against the per-sample loop)")
    # gradients: torch.func.vjp, vmapped, against the engine sample by sample
    wrt = [i for i, m in enumerate(case.grad_mask()) if m]
    if not wrt or not float_idx:
        return
    cots = [torch.stack([case.cotangent(k, tuple(p[1][k].shape)) for p in per]) for k in float_idx]

    def sample_vjp(*a):
        xs, cs = a[: len(args)], a[len(args) :]

        def f(*diff):
            full = list(xs)
            for i, d in zip(wrt, diff):
                full[case.positions[i]] = d
            out = case.spec.fn(*full)
            out = out if isinstance(out, tuple) else (out,)
            return tuple(out[k] for k in float_idx)

        _, pullback = torch.func.vjp(f, *[xs[case.positions[i]] for i in wrt])
        return pullback(tuple(cs))

    try:
        vgrads = user_call(torch.vmap(sample_vjp, in_dims=in_dims + (0,) * len(cots)), *args, *cots)
    except Exception as e:  # noqa: BLE001
        raise CheckFailure(
            f"torch.vmap(torch.func.vjp({cls.__name__}.apply)) raised {type(e).__name__}: {e}",
            key=("vmap-vjp-raised", type(e).__name__),
        ) from None
    for b, (xs, outs) in enumerate(per):
        diff = [outs[k] for k in float_idx]
        leaves = [xs[i] for i in wrt]
        cb = [c[b] for c in cots]
        eng = user_call(torch.autograd.grad, diff, leaves, cb, allow_unused=True, retain_graph=True)
        for j, (g, e) in enumerate(zip(vgrads, eng)):
            if e is None:
                continue
            msg = _close(case, g[b], e, f"under vmap(vjp), gradient of {case.input_name(wrt[j])}",
                         dtype)  # fmt: skip
            if msg:
                raise CheckFailure(msg + f" (sample {b}, against backward run by the engine)")
    _jacrev(case, cls, per[0], wrt, float_idx)


def _jacrev(case: Case, cls, sample, wrt, float_idx) -> None:
    """torch.func.jacrev on one sample against Jacobian rows from the engine (small outputs)."""
    import torch

    xs, outs = sample
    k = float_idx[0]
    if outs[k].numel() > 16 or outs[k].numel() == 0:
        return
    args = case.full_args([None if x is None else x.detach() for x in xs])

    def f(*diff):
        full = list(args)
        for i, d in zip(wrt, diff):
            full[case.positions[i]] = d
        out = case.spec.fn(*full)
        return (out if isinstance(out, tuple) else (out,))[k]

    try:
        jac = user_call(
            torch.func.jacrev(f, argnums=tuple(range(len(wrt)))),
            *[args[case.positions[i]] for i in wrt],
        )
    except Exception as e:  # noqa: BLE001
        raise CheckFailure(
            f"torch.func.jacrev({cls.__name__}.apply) raised {type(e).__name__}: {e}",
            key=("jacrev-raised", type(e).__name__),
        ) from None
    out = outs[k]
    for r in range(out.numel()):
        e = torch.zeros_like(out).reshape(-1)
        e[r] = 1
        rows = user_call(torch.autograd.grad, out, [xs[i] for i in wrt], e.reshape(out.shape),
                         retain_graph=True, allow_unused=True)  # fmt: skip
        for j, row in enumerate(rows):
            if row is None:
                continue
            got = jac[j].reshape(out.numel(), *row.shape)[r]
            msg = _close(case, got, row, f"torch.func.jacrev, d output {k}[{r}] / d "
                         f"{case.input_name(wrt[j])}", case.dtype)  # fmt: skip
            if msg:
                raise CheckFailure(msg + " (against backward run by the engine)")


# -------------------------------------------------------------------------------- autocast


def _decorated(method, name: str) -> bool:
    code = getattr(method, "__code__", None)
    return code is not None and code.co_name == name


def _amp_device(method) -> str | None:
    """The ``device_type`` a ``torch.amp.custom_fwd``/``custom_bwd`` decorator was given;
    ``"cuda"`` for ``torch.cuda.amp``'s own decorators (all torch had before 2.4, which take no
    device_type); None when it cannot be read."""
    import inspect
    from pathlib import PurePath

    try:
        value = inspect.getclosurevars(method).nonlocals.get("device_type")
    except (TypeError, ValueError):
        return None
    if isinstance(value, str):
        return value
    parts = PurePath(method.__code__.co_filename).parts
    return "cuda" if parts[-3:-1] == ("cuda", "amp") else None


@register(
    "autocast",
    "contract.autocast-consistent",
    "A Function meant for autocast (forward decorated with custom_fwd) runs under "
    "torch.autocast (CPU bfloat16, CUDA float16): backward runs later outside autocast as a "
    "training step runs it, and the gradients come back with the inputs' dtypes; custom_fwd "
    "and custom_bwd are used together. One not written for autocast that fails there gets "
    "advice.",
    once=True,
    order=220,
)
def autocast(case: Case):
    import torch

    cls = function_class(case)
    if cls is None:
        raise NotApplicable("fn is not a custom autograd.Function's apply")
    if case.dtype != "float32":
        raise NotApplicable("autocast casts float32 inputs: checked on float32 examples")
    device_type = case.example.device.split(":")[0]
    amp = {"cpu": torch.bfloat16, "cuda": torch.float16}.get(device_type)
    if amp is None:
        raise NotApplicable(f"no autocast dtype for {device_type}")
    fwd = _decorated(cls.forward, "decorate_fwd")
    bwd = _decorated(cls.backward, "decorate_bwd")
    meant = _amp_device(cls.forward) if fwd else None
    if meant is not None and meant != device_type:
        raise NotApplicable(
            f"forward is decorated with custom_fwd(device_type={meant!r}): it is meant for "
            f"{meant} autocast, checked on {meant} examples"
        )
    inputs = _float_inputs(case)
    if not any(x is not None and x.requires_grad for x in inputs):
        raise NotApplicable("no floating input")
    try:
        with torch.autocast(device_type, dtype=amp):
            outs = user_call(case.spec.fn, *case.full_args(inputs))
    except Exception as e:  # noqa: BLE001 - the user's forward under autocast
        if any(x is not None and x.numel() == 0 for x in inputs):
            raise NotApplicable("fn raises on zero-size inputs under autocast") from None
        raise CheckFailure(
            f"forward raised {type(e).__name__} under torch.autocast({device_type!r}, "
            f"dtype={amp}): {e}",
            level="failure" if fwd else ADVICE,
            key=("autocast-forward", type(e).__name__),
        ) from None
    outs = outs if isinstance(outs, tuple) else (outs,)
    diff = [o for _, o in case.diff_outputs(outs)]
    if not diff:
        raise NotApplicable("no differentiable output")
    cots = [torch.ones_like(o) for o in diff]
    wrt = [x for x in inputs if x is not None and x.requires_grad]
    try:
        grads = user_call(torch.autograd.grad, diff, wrt, cots, allow_unused=True)
    except Exception as e:  # noqa: BLE001 - the user's backward
        if any(x is not None and x.numel() == 0 for x in inputs):
            raise NotApplicable("backward raises on zero-size inputs under autocast") from None
        if not fwd:  # not written for autocast: allowed, worth knowing before AMP training
            raise CheckFailure(
                f"not autocast-safe: with the forward under torch.autocast({device_type!r}, "
                f"dtype={amp}) backward raises {type(e).__name__} ({str(e).splitlines()[0]}); "
                "if it is to run under autocast, decorate forward with "
                "@torch.amp.custom_fwd(device_type=...) and backward with "
                "@torch.amp.custom_bwd(device_type=...)",
                level=ADVICE,
                key=("autocast-unsafe", cls.__name__),
            ) from None
        hint = (
            "decorate backward with @torch.amp.custom_bwd(device_type=...) too, so it runs in "
            "the forward's autocast state"
            if not bwd
            else "it fails in the forward's own autocast state"
        )
        raise CheckFailure(
            f"backward raised {type(e).__name__} after a forward under torch.autocast("
            f"{device_type!r}, dtype={amp}) (forward is decorated with custom_fwd, so it is "
            f"meant for autocast), run outside autocast as a training step runs it: {e}; {hint}",
            key=("autocast-backward", type(e).__name__),
        ) from None
    for x, g in zip(wrt, grads):
        if g is not None and g.dtype != x.dtype:
            raise CheckFailure(
                f"under autocast a gradient came back as {g.dtype} for a {x.dtype} input"
            )
        if g is not None and not torch.isfinite(g).all() and torch.isfinite(x).all():
            raise CheckFailure("under autocast backward gave non-finite gradients")
    if fwd != bwd:
        raise CheckFailure(
            f"{cls.__name__}.{'forward' if fwd else 'backward'} is decorated with "
            f"torch.amp.{'custom_fwd' if fwd else 'custom_bwd'} but "
            f"{'backward' if fwd else 'forward'} is not: backward then does not run in the "
            "forward's autocast state (decorate both, with the same device_type)",
            level=ADVICE,
            key=("autocast-decorators", cls.__name__),
            static=True,
        )


# --------------------------------------------------------------------------------- compile


def mentions_compile(spec) -> bool:
    """Whether fn's source (or its Function's) refers to torch.compile: a compile-only code
    path (``torch.compiler.is_compiling()``) is where compiled and eager results part."""
    owner = getattr(spec.fn, "__self__", None)
    return any(_source_mentions_compile(obj) for obj in (spec.fn, owner) if obj is not None)


#: what :func:`_source_mentions_compile` found, per object (reading a class's source parses
#: its whole module: once per object and process)
_MENTIONS: dict = {}


def _source_mentions_compile(obj) -> bool:
    import inspect

    try:
        hit = _MENTIONS.get(obj)
    except TypeError:  # unhashable: not remembered
        hit = None
    if hit is not None:
        return hit
    try:
        src = inspect.getsource(obj)
    except (OSError, TypeError):
        src = ""
    hit = any(w in src for w in ("is_compiling", "torch.compile", "_dynamo", "torch.compiler"))
    try:
        if len(_MENTIONS) >= 1 << 8:
            _MENTIONS.clear()
        _MENTIONS[obj] = hit
    except TypeError:
        pass
    return hit


@register(
    "compile",
    "contract.compile-matches-eager",
    "torch.compile(fn) (the aot_eager backend: dynamo's tracing and AOTAutograd, no code "
    "generation) gives eager's outputs and gradients; graph breaks are advice. It costs "
    "seconds, so it runs when named in checks= or when fn's code refers to torch.compile "
    "(a compile-only code path).",
    once=True,
    default=mentions_compile,
    order=230,
)
def compile(case: Case):  # noqa: A001 - the check's name
    import torch

    if case.dtype not in ("float32", "float64"):
        raise NotApplicable("compared in float32 and float64")
    try:
        import torch._dynamo as dynamo
    except Exception as e:  # noqa: BLE001 - no compiler here
        raise NotApplicable(f"torch.compile is not available: {e}") from None
    inputs = _float_inputs(case)
    outs = case.call(inputs)
    diff = case.diff_outputs(outs)
    cots = case.cotangents(outs)
    wrt = [x for x in inputs if x is not None and x.requires_grad]
    eager = user_call(torch.autograd.grad, [o for _, o in diff], wrt, cots, allow_unused=True) if (
        diff and wrt) else ()  # fmt: skip
    fn = case.spec.fn
    dynamo.reset()
    try:
        compiled = torch.compile(fn, backend="aot_eager", dynamic=False)
        c_inputs = _float_inputs(case)
        c_outs = user_call(compiled, *case.full_args(c_inputs))
    except Exception as e:  # noqa: BLE001 - torch.compile could not run it
        dynamo.reset()
        if "not supported" in str(e) and "Python" in str(e):
            raise NotApplicable(f"torch.compile: {e}") from None
        raise CheckFailure(
            f"torch.compile (aot_eager) could not run it: {type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else ''}",
            level=ADVICE,
            key=("compile-raised", type(e).__name__),
        ) from None
    c_outs = c_outs if isinstance(c_outs, tuple) else (c_outs,)
    for k, o in case.float_outputs(outs):
        msg = _close(case, c_outs[k], o, f"under torch.compile, output {k}", case.dtype)
        if msg:
            dynamo.reset()
            raise CheckFailure(msg + " (against eager)")
    c_diff = [c_outs[k] for k, _ in diff]
    c_wrt = [x for x in c_inputs if x is not None and x.requires_grad]
    if eager:
        c_grads = user_call(torch.autograd.grad, c_diff, c_wrt, cots, allow_unused=True)
        for j, (g, e) in enumerate(zip(c_grads, eager)):
            if e is None or g is None:
                continue
            msg = _close(case, g, e, f"under torch.compile, gradient {j}", case.dtype)
            if msg:
                dynamo.reset()
                raise CheckFailure(msg + " (against eager)")
    breaks = _graph_breaks(dynamo, fn, case.full_args(_float_inputs(case)))
    dynamo.reset()
    if breaks:
        raise CheckFailure(
            f"torch.compile splits it into several graphs ({len(breaks)} graph break(s); "
            f"first: {breaks[0]}): allowed, but each break costs a return to Python",
            level=ADVICE,
            key=("graph-breaks", breaks[0]),
        )


def _graph_breaks(dynamo, fn, args) -> list[str]:
    try:
        info = user_call(dynamo.explain(fn), *args)
    except Exception:  # noqa: BLE001 - explain is best effort
        return []
    return [str(getattr(r, "reason", r)).splitlines()[0] for r in info.break_reasons]


# ----------------------------------------------------------------------------- forward AD


@register(
    "forward-ad",
    "contract.forward-ad-matches-reference",
    "A custom Function that defines jvp gives, under forward-mode AD (dual tensors), the "
    "reference's Jacobian-vector product (without a reference: central finite differences in "
    "float64), tensors saved with save_for_forward included.",
    order=200,
)
def forward_ad(case: Case):
    import torch
    import torch.autograd.forward_ad as fwad

    cls = function_class(case)
    if cls is None:
        raise NotApplicable("fn is not a custom autograd.Function's apply")
    if not _overrides(cls, "jvp"):
        raise NotApplicable(f"{cls.__name__} defines no jvp")
    if case.dtype not in ("float32", "float64"):
        raise NotApplicable("compared in float32 and float64")
    inputs = _float_inputs(case, requires_grad=False)
    rng = np.random.default_rng([case.example.seed, 7000])
    tangents = [
        None if x is None or not case.example.is_float(i) else rng.standard_normal(tuple(x.shape))
        for i, x in enumerate(inputs)
    ]
    try:
        with fwad.dual_level():
            duals = [
                x if t is None else fwad.make_dual(x, torch.tensor(t, dtype=x.dtype))
                for x, t in zip(inputs, tangents)
            ]
            outs = user_call(case.spec.fn, *case.full_args(duals))
            outs = outs if isinstance(outs, tuple) else (outs,)
            got = [
                None if not isinstance(o, torch.Tensor) else fwad.unpack_dual(o).tangent
                for o in outs
            ]
    except Exception as e:  # noqa: BLE001 - the user's jvp
        raise CheckFailure(
            f"forward-mode AD raised {type(e).__name__}: {e}",
            key=("forward-ad-raised", type(e).__name__),
        ) from None
    want = _reference_jvp(case, tangents)
    for k, (g, w) in enumerate(zip(got, want)):
        if w is None:
            continue
        if g is None:
            if np.any(w != 0):
                raise CheckFailure(f"forward-mode AD: output {k} has no tangent")
            continue
        msg = _close_arrays(case, to_numpy(g), w, f"forward-mode AD: tangent of output {k}")
        if msg:
            raise CheckFailure(msg)


def _close_arrays(case: Case, a, e, what: str) -> str | None:
    from gradspec.functions.blame import judge

    rtol, atol = tolerance(case.dtype, case.reduction_length())
    return judge(what, a, e, 4 * rtol, 4 * atol)


def _reference_jvp(case: Case, tangents) -> list:
    """The reference's JVP (gradref.func.jvp), or central finite differences of fn in float64
    without a reference."""
    if case.has_reference and case.T is not None and hasattr(case.T, "func"):
        T = case.T
        vals = case.values
        dt = getattr(T, case.dtype)
        prim = [None if v is None else T.tensor(v, dtype=dt) for v in vals]
        wrt = [i for i, t in enumerate(tangents) if t is not None]
        tans = [T.tensor(tangents[i], dtype=dt) for i in wrt]

        def f(*diff):
            full = list(prim)
            for i, d in zip(wrt, diff):
                full[i] = d
            out = case.spec.reference(*case.full_args(full))
            return out if isinstance(out, tuple) else (out,)

        try:
            _, jv = user_call(T.func.jvp, f, tuple(prim[i] for i in wrt), tuple(tans))
        except Exception as e:  # noqa: BLE001 - the reference cannot do forward AD
            raise NotApplicable(f"the reference's jvp could not be computed: {e}") from None
        return [None if t is None else np.asarray(t.detach().tolist(), dtype=np.float64)
                for t in (jv if isinstance(jv, tuple) else (jv,))]  # fmt: skip
    import torch

    h = 1e-6
    base = case.make_inputs(requires_grad=(False,) * len(case.values), nonleaf=False,
                            dtype="float64")  # fmt: skip

    def at(sign):
        xs = [None if x is None else (x if t is None else x + sign * h * torch.tensor(t,
              dtype=torch.float64)) for x, t in zip(base, tangents)]  # fmt: skip
        out = user_call(case.spec.fn, *case.full_args(xs))
        return out if isinstance(out, tuple) else (out,)

    plus, minus = at(1.0), at(-1.0)
    return [None if not isinstance(p, torch.Tensor) or not p.is_floating_point()
            else to_numpy((p - m) / (2 * h)) for p, m in zip(plus, minus)]  # fmt: skip
