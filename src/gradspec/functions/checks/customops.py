"""Checks of custom operators (``torch.library.custom_op``, ``triton_op``): the fake
implementation against the real one (``fake``), the schema's mutation and aliasing declarations
(``schema``), a ``register_vmap`` rule against per-sample calls (the ``vmap`` check, for ops),
and ``torch.compile(fullgraph=True, dynamic=True)`` against eager (the ``compile`` check, for
ops). Each is a failure only where PyTorch's custom-op docs say the behaviour is wrong."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from gradspec.functions.case import ADVICE, Case, CheckFailure, FnRaised, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.customop import OpCall
from gradspec.functions.script import Script
from gradspec.functions.usercode import user_call


def op_of(case: Case) -> OpCall:
    fn = case.spec.fn
    if not isinstance(fn, OpCall):
        raise NotApplicable("fn is not a custom operator (torch.library.custom_op)")
    return fn


def _is_op_spec(spec) -> bool:
    return isinstance(spec.fn, OpCall)


def _interpreted(op: OpCall) -> str | None:
    """Why a check cannot run a triton_op here (Triton's CPU interpreter), or None."""
    interpret = os.environ.get("TRITON_INTERPRET", "").lower() in ("1", "true", "on", "yes")
    if op.is_triton and interpret:
        return (
            "a triton_op under Triton's CPU interpreter (TRITON_INTERPRET=1): the interpreter "
            "runs kernels on real memory, so it cannot run them on fake tensors"
        )
    return None


def _real_args(case: Case) -> list:
    """The op's positional arguments: the example's tensors in its layouts, no grad (an
    expanded input the op writes to is made dense: torch refuses writes to overlapping
    memory)."""
    import torch

    ex = case.example
    inputs = case.make_inputs(
        requires_grad=(False,) * len(ex.shapes), layouts=ex.layouts, nonleaf=False
    )
    args = case.full_args(inputs)
    mutated = getattr(case.spec.fn, "mutated", ())
    for p in mutated:
        a = args[p]
        if isinstance(a, torch.Tensor) and any(
            st == 0 and n > 1 for n, st in zip(a.shape, a.stride())
        ):
            args[p] = a.clone()
    return args


def _as_tuple(out) -> tuple:
    if out is None:
        return ()
    return tuple(out) if isinstance(out, tuple | list) else (out,)


def _call_op(case: Case, op: OpCall, args):
    try:
        return _as_tuple(user_call(op.overload, *args))
    except Exception as e:  # noqa: BLE001 - the user's kernel
        err = FnRaised(e, "forward")
        err.case = case
        raise err from e


def _script(case: Case, check: str) -> tuple[Script, str]:
    """A reproducer body that builds the example's arguments as ``args``."""
    ex = case.example
    s = Script(case, check)
    names = s.inputs(requires_grad=(False,) * len(ex.shapes), layouts=ex.layouts, nonleaf=False)
    s.line(f"args = [{s.args_src(names)}]")
    return s, "args"


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0] if text else ''}"


def _storage(t):
    try:
        return t.untyped_storage().data_ptr()
    except Exception:  # noqa: BLE001 - fake or storage-less tensors
        return None


# ------------------------------------------------------------------------------------ fake


def _aliases(outs, args) -> list:
    """Per output, the positions of the arguments it shares storage with."""
    import torch

    res = []
    for o in outs:
        if not isinstance(o, torch.Tensor) or o.numel() == 0:
            res.append(())
            continue
        ptr = _storage(o)
        res.append(tuple(p for p, a in enumerate(args) if isinstance(a, torch.Tensor)
                         and a.numel() and ptr is not None and _storage(a) == ptr))  # fmt: skip
    return res


def _fake_aliases(fouts, fargs) -> list:
    """Per fake output, the positions of the fake arguments it is a view of (or is)."""
    import torch

    res = []
    for o in fouts:
        if not isinstance(o, torch.Tensor) or o.numel() == 0:
            res.append(())
            continue
        try:
            base = o.untyped_storage()
            same = [p for p, a in enumerate(fargs) if isinstance(a, torch.Tensor) and a.numel()
                    and a.untyped_storage()._cdata == base._cdata]  # fmt: skip
            res.append(tuple(same))
        except Exception:  # noqa: BLE001
            res.append(())
    return res


def _significant_strides(t) -> tuple:
    """The strides of the dims of size > 1 (others say nothing about the layout)."""
    if t.numel() == 0:
        return ()
    return tuple((d, s) for d, (n, s) in enumerate(zip(t.shape, t.stride())) if n > 1)


def _fake_repro(case: Case, op: OpCall, k: int, what: str):
    s, args = _script(case, "fake")
    s.line(
        "from torch._subclasses.fake_tensor import FakeTensorMode",
        f"real_args = [a.clone() if isinstance(a, torch.Tensor) else a for a in {args}]",
        "real = _as_tuple(op(*real_args))",
        "try:",
        "    with FakeTensorMode() as mode:",
        f"        fake_args = [mode.from_tensor(a) if isinstance(a, torch.Tensor) else a "
        f"for a in {args}]",
        "        fake = _as_tuple(op(*fake_args))",
        "except Exception as e:",
        "    raise AssertionError(f'[fake] the fake implementation raised {type(e).__name__}: "
        "{e}') from e",
        "print('real:', [(tuple(o.shape), o.dtype, o.stride(), o.device) for o in real])",
        "print('fake:', [(tuple(o.shape), o.dtype, o.stride(), o.device) for o in fake])",
    )
    if k >= 0:
        s.expect(
            f"tuple(real[{k}].shape) == tuple(fake[{k}].shape) and real[{k}].dtype == "
            f"fake[{k}].dtype and real[{k}].device == fake[{k}].device and "
            f"all(real[{k}].stride(d) == fake[{k}].stride(d) for d in range(real[{k}].dim()) "
            f"if real[{k}].shape[d] > 1) and real[{k}].storage_offset() == "
            f"fake[{k}].storage_offset()",
            what,
        )
    elif k == -2:
        s.line(
            "real_alias = [[p for p, a in enumerate(real_args) if isinstance(a, torch.Tensor) "
            "and a.numel() and o.numel() and o.untyped_storage().data_ptr() == "
            "a.untyped_storage().data_ptr()] for o in real]",
            "fake_alias = [[p for p, a in enumerate(fake_args) if isinstance(a, torch.Tensor) "
            "and a.numel() and o.numel() and o.untyped_storage()._cdata == "
            "a.untyped_storage()._cdata] for o in fake]",
        )
        s.expect("real_alias == fake_alias", what)
    else:
        s.expect("len(real) == len(fake)", what)
    return s


@register(
    "fake",
    "contract.customop-fake-matches",
    "A custom operator's fake implementation (register_fake; a triton_op's own) run under "
    "FakeTensorMode gives outputs with the real outputs' shape, dtype, device, strides (of the "
    "dims of size > 1), storage offset and aliasing, on every drawn example (zero-size "
    "included); with symbolic sizes it neither specialises a size to its value nor reads "
    "tensor data. An op without a fake implementation gets advice (torch.compile and "
    "torch.export cannot trace it).",
    default=_is_op_spec,
    structure=("shapes", "layouts", "args"),
    order=54,
)
def fake(case: Case):

    op = op_of(case)
    if not op.has_fake():
        raise CheckFailure(
            f"{op.qualname} has no fake implementation (register_fake): allowed, but "
            "torch.compile and torch.export cannot trace it",
            level=ADVICE,
            key=("no-fake", op.qualname),
            static=True,
        )
    why = _interpreted(op)
    if why is not None:
        raise NotApplicable(why)
    args = _compare_fake(case, op)
    _symbolic(case, op, args)
    from gradspec.functions.checks.variants import edge_examples

    for label, ex in edge_examples(case):  # zero-size shapes, which fake sizes often miss
        if "zero-size" not in label:
            continue
        try:
            _compare_fake(case.variant(ex), op)
        except FnRaised:
            continue  # the op itself refuses the shape: edge-shapes' finding, if any
        except CheckFailure as e:
            e.example = ex
            raise


def _compare_fake(case: Case, op: OpCall) -> list:
    """The fake implementation against the op on the case's example; returns the arguments."""
    import torch
    from torch._subclasses.fake_tensor import FakeTensorMode

    args = _real_args(case)
    real_args = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
    real = _call_op(case, op, real_args)
    try:
        with FakeTensorMode() as mode:
            fargs = [mode.from_tensor(a) if isinstance(a, torch.Tensor) else a for a in args]
            fouts = _as_tuple(user_call(op.overload, *fargs))
    except Exception as e:  # noqa: BLE001 - the user's fake implementation
        msg = (
            f"the fake implementation raised {_first_line(e)} under FakeTensorMode, where the "
            "op itself runs (a fake implementation must not read tensor data)"
        )
        raise CheckFailure(msg, key=("fake-raised", type(e).__name__),
                           repro=_fake_repro(case, op, -1, msg)) from None  # fmt: skip
    if len(fouts) != len(real):
        msg = f"the fake implementation returns {len(fouts)} output(s), the op {len(real)}"
        raise CheckFailure(msg, repro=_fake_repro(case, op, -1, msg))
    for k, (r, f) in enumerate(zip(real, fouts)):
        if not isinstance(r, torch.Tensor):
            continue
        problems = []
        if tuple(r.shape) != tuple(f.shape):
            problems.append(f"shape {tuple(f.shape)}, the op's {tuple(r.shape)}")
        if r.dtype != f.dtype:
            problems.append(f"dtype {f.dtype}, the op's {r.dtype}")
        if r.device != f.device:
            problems.append(f"device {f.device}, the op's {r.device}")
        if not problems and _significant_strides(r) != _significant_strides(f):
            problems.append(f"strides {f.stride()}, the op's {r.stride()}")
        if not problems and r.numel() and r.storage_offset() != f.storage_offset():
            problems.append(f"storage offset {f.storage_offset()}, the op's {r.storage_offset()}")
        if problems:
            msg = f"the fake implementation's output {k} has " + "; ".join(problems)
            raise CheckFailure(msg, repro=_fake_repro(case, op, k, msg))
    ra, fa = _aliases(real, real_args), _fake_aliases(fouts, fargs)
    for k, (r, f) in enumerate(zip(ra, fa)):
        if r != f:
            msg = (
                f"output {k} of the op aliases argument(s) {list(r)} but the fake "
                f"implementation's aliases {list(f)}"
            )
            raise CheckFailure(msg, repro=_fake_repro(case, op, -2, msg))
    return args


def _symbolic(case: Case, op: OpCall, args) -> None:
    """The fake implementation on symbolic sizes: no specialisation, no data-dependent read."""
    import torch

    sizes = [s for a in args if isinstance(a, torch.Tensor) for s in a.shape]
    if not sizes or min(sizes) < 2:
        return  # sizes 0 and 1 are specialised by torch itself
    try:
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import ShapeEnv
    except ImportError:  # pragma: no cover - old torch
        return
    import sympy

    env = ShapeEnv()
    script, sargs = _script(case, "fake")
    script.line(
        "import sympy",
        "from torch._subclasses.fake_tensor import FakeTensorMode",
        "from torch.fx.experimental.symbolic_shapes import ShapeEnv",
        "env = ShapeEnv()",
        "with FakeTensorMode(shape_env=env) as mode:",
        f"    fake = [mode.from_tensor(a) if isinstance(a, torch.Tensor) else a for a in {sargs}]",
        "    op(*fake)",
        "backed = getattr(env, 'backed_var_to_val', None) or env.var_to_val",
        "values = {s: int(v) for s, v in backed.items()}",
        "print('guards:', [g.expr for g in env.guards], 'replacements:', env.replacements)",
        "for r in env.replacements.values():",
        "    assert not getattr(r, 'is_number', False), f'a size specialised to {r}'",
        "for g in env.guards:",
        "    for scale in (2, 7):",
        "        held = g.expr.xreplace({s: sympy.Integer(v * scale) for s, v in values.items()})",
        "        assert held is not sympy.false, f'guard {g.expr} fails for other sizes'",
    )
    try:
        with FakeTensorMode(shape_env=env) as mode:
            fargs = [mode.from_tensor(a) if isinstance(a, torch.Tensor) else a for a in args]
            inputs = {str(s.node.expr) for a in fargs if isinstance(a, torch.Tensor)
                      for s in a.shape if isinstance(s, torch.SymInt)}  # fmt: skip
            _as_tuple(user_call(op.overload, *fargs))
    except Exception as e:  # noqa: BLE001 - the user's fake implementation
        raise CheckFailure(
            f"with symbolic sizes (dynamic shapes) the fake implementation raised "
            f"{_first_line(e)}: it must compute output sizes from input sizes, without "
            "reading tensor data (use ctx.new_dynamic_size() for a data-dependent size)",
            key=("fake-symbolic-raised", type(e).__name__),
            repro=script,
        ) from None
    backed = getattr(env, "backed_var_to_val", None) or env.var_to_val
    values = {s: v for s, v in backed.items() if str(s) in inputs}
    for s, r in env.replacements.items():
        if str(s) in inputs and getattr(r, "is_number", False):
            raise CheckFailure(
                f"with symbolic sizes the fake implementation specialises a size to {r}: it "
                "compares a size with a constant (torch.compile then recompiles for every size)",
                key=("fake-specialises",),
                repro=script,
            )
    for g in env.guards:
        expr = g.expr
        for scale in (2, 7):
            held = expr.xreplace({s: sympy.Integer(int(v) * scale) for s, v in values.items()})
            if held in (sympy.false, False):
                raise CheckFailure(
                    f"with symbolic sizes the fake implementation guards on {expr} (sizes "
                    f"{ {str(k): int(v) for k, v in values.items()} }), which other sizes "
                    "break: it specialises on the sizes it was traced with",
                    key=("fake-specialises",),
                    repro=script,
                )


# ---------------------------------------------------------------------------------- schema


def _same(a, b) -> bool:
    import torch

    if a.shape != b.shape:
        return False
    if a.is_floating_point() or a.is_complex():
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return bool(torch.equal(a, b))


def _schema_repro(case: Case, p: int, name: str, expect: str, what: str):
    s, args = _script(case, "schema")
    s.line(
        f"before, version = {args}[{p}].clone(), {args}[{p}]._version",
        f"outs = _as_tuple(op(*{args}))",
        f"changed = not torch.equal(before, {args}[{p}]) or {args}[{p}]._version != version",
        f"print('{name} changed by the op:', changed)",
        "print('schema:', op._schema)",
    )
    s.expect(expect, what)
    return s


@register(
    "schema",
    "contract.customop-schema",
    "A custom operator mutates only the inputs declared in mutates_args, writes each declared "
    "one where the reference's new value differs from the old, and returns no output that "
    "aliases an input or another output (torch.library.custom_op's contract).",
    default=_is_op_spec,
    structure=("shapes", "layouts", "args"),
    order=52,
)
def schema(case: Case):
    import torch

    op = op_of(case)
    args = _real_args(case)
    before = [a.clone() if isinstance(a, torch.Tensor) else None for a in args]
    versions = [a._version if isinstance(a, torch.Tensor) else None for a in args]
    outs = _call_op(case, op, args)
    names = case.names
    for p, a in enumerate(args):
        if not isinstance(a, torch.Tensor) or p in op.mutated:
            continue
        if not _same(a, before[p]) or a._version != versions[p]:
            msg = (
                f"the op writes to argument {p} ({names[p]}), which its schema does not declare "
                f"mutated ({op.overload._schema}): add it to mutates_args, or write to a copy"
            )
            raise CheckFailure(msg, repro=_schema_repro(case, p, names[p], "not changed", msg))
    for k, o in enumerate(outs):
        if not isinstance(o, torch.Tensor) or o.numel() == 0:
            continue
        ptr = _storage(o)
        for p, a in enumerate(args):
            if isinstance(a, torch.Tensor) and a.numel() and _storage(a) == ptr:
                msg = (
                    f"output {k} aliases argument {p} ({names[p]}): a custom op's outputs may "
                    "not alias its inputs (return a copy, e.g. x.clone())"
                )
                s, sargs = _script(case, "schema")
                s.line(f"outs = _as_tuple(op(*{sargs}))")
                s.expect(f"outs[{k}].untyped_storage().data_ptr() != "
                         f"{sargs}[{p}].untyped_storage().data_ptr()", msg)  # fmt: skip
                raise CheckFailure(msg, repro=s)
        for j in range(k):
            q = outs[j]
            if isinstance(q, torch.Tensor) and q.numel() and _storage(q) == ptr:
                raise CheckFailure(
                    f"output {k} aliases output {j}: a custom op's outputs may not alias each other"
                )
    if not case.has_reference or not op.mutated:
        return
    ref = case.ref(vjp=False)
    n_ret = len(outs)
    for j, p in enumerate(op.mutated):
        if not isinstance(args[p], torch.Tensor) or n_ret + j >= len(ref.outputs):
            continue
        expected = ref.outputs[n_ret + j]
        if expected is None or tuple(expected.shape) != tuple(args[p].shape):
            continue
        old = before[p].detach().to("cpu", torch.float64).numpy()
        if case.close(old, expected.value, "old value") is None:
            continue  # the reference leaves it as it was here
        if _same(args[p], before[p]):
            msg = (
                f"argument {p} ({names[p]}) is declared mutated (mutates_args) and the "
                "reference changes it, but the op left it unchanged"
            )
            raise CheckFailure(msg, repro=_schema_repro(case, p, names[p], "changed", msg))


# ------------------------------------------------------------------------------------ vmap


def _vmap_op(case: Case):
    """The ``vmap`` check on a custom op with a register_vmap rule: under torch.vmap, with all
    arguments batched along dim 0, along the last dim, each argument batched alone, and with
    out_dims=-1, the op gives what it gives sample by sample."""
    import torch

    from gradspec.functions.checks.transforms import BATCH, _close, _samples

    op = op_of(case)
    if not op.has_vmap_rule():
        raise NotApplicable(
            f"{op.qualname} has no vmap rule (register_vmap): torch.vmap runs it sample by sample"
        )
    if any(v is None for v in case.values) or any(0 in np.shape(v) for v in case.values):
        raise NotApplicable("an omitted or empty input")
    samples = _samples(case)
    per = []
    for vals in samples:
        xs = case.make_inputs(requires_grad=(False,) * len(vals), nonleaf=False, values=vals)
        with torch.no_grad():
            per.append((xs, _as_tuple(case.call(xs))))
    n_in = len(per[0][0])
    tensor_inputs = [i for i in range(n_in) if per[0][0][i] is not None]

    def batched_call(batched: set, dim: int, out_dim: int):
        stacked, in_dims = [], []
        for i in range(n_in):
            x = per[0][0][i]
            if x is None or i not in batched:
                stacked.append(x)
                in_dims.append(None)
                continue
            d = dim if dim >= 0 else x.dim() + 1 + dim
            stacked.append(torch.stack([p[0][i] for p in per], dim=d))
            in_dims.append(d)
        full = case.full_args(stacked)
        dims = [None] * len(full)
        for i, p in enumerate(case.positions):
            dims[p] = in_dims[i]
        with torch.no_grad():
            out = torch.vmap(case.spec.fn, in_dims=tuple(dims), out_dims=out_dim)(*full)
        return _as_tuple(out)

    variants = [(set(tensor_inputs), 0, 0, "every tensor argument batched along dim 0")]
    variants.append((set(tensor_inputs), -1, 0, "every tensor argument batched along its last dim"))
    variants.append((set(tensor_inputs), 0, -1, "out_dims=-1"))
    if len(tensor_inputs) > 1:
        for i in tensor_inputs:
            variants.append(({i}, 0, 0, f"only {case.input_name(i)} batched"))
    for batched, dim, out_dim, what in variants:
        repro = _vmap_repro(case, [case.positions[i] for i in sorted(batched)], dim, out_dim)
        try:
            got = batched_call(batched, dim, out_dim)
        except Exception as e:  # noqa: BLE001 - the user's vmap rule
            raise CheckFailure(
                f"torch.vmap({op.qualname}) with {what} raised {_first_line(e)}",
                key=("vmap-raised", type(e).__name__, what),
                repro=repro,
            ) from None
        for k in range(len(per[0][1])):
            if batched == set(tensor_inputs):
                want = [p[1][k] for p in per]
            else:
                (i,) = batched
                want = []
                for p in per:
                    xs = list(per[0][0])
                    xs[i] = p[0][i]
                    with torch.no_grad():
                        want.append(_as_tuple(case.call(xs))[k])
            want = torch.stack(want, dim=0 if out_dim == 0 else want[0].dim())
            g = got[k] if k < len(got) else None
            if g is None or tuple(g.shape) != tuple(want.shape):
                raise CheckFailure(
                    f"under torch.vmap with {what}, output {k} has shape "
                    f"{None if g is None else tuple(g.shape)}, the per-sample loop stacks to "
                    f"{tuple(want.shape)} (wrong in_dims handling or out_dims in the vmap rule)",
                    key=("vmap-shape", what),
                    repro=repro,
                )
            msg = _close(case, g, want, f"under torch.vmap with {what}, output {k}", case.dtype)
            if msg:
                raise CheckFailure(msg + f" (against {BATCH} per-sample calls)", repro=repro)


def _vmap_repro(case: Case, positions: list, dim: int, out_dim: int):
    """torch.vmap of fn with the arguments at ``positions`` batched along ``dim`` (three
    shifted copies of the example's values), against the per-sample calls."""
    s, args = _script(case, "vmap")
    s.line(
        f"BATCHED, DIM, OUT_DIM = {positions!r}, {dim}, {out_dim}",
        f"stacked = {{p: torch.stack([{args}[p] + 0.25 * b for b in range(3)], dim=DIM) "
        "for p in BATCHED}",
        f"dims = [(DIM if DIM >= 0 else {args}[p].dim() + 1 + DIM) if p in stacked else None "
        f"for p in range(len({args}))]",
        f"full = [stacked.get(p, a) for p, a in enumerate({args})]",
        "with torch.no_grad():",
        "    got = _as_tuple(torch.vmap(fn, in_dims=tuple(dims), out_dims=OUT_DIM)(*full))",
        "    per = [_as_tuple(fn(*[a.select(dims[p], b) if p in stacked else a "
        "for p, a in enumerate(full)])) for b in range(3)]",
        "for k, g in enumerate(got):",
        "    want = torch.stack([p[k] for p in per], dim=0 if OUT_DIM == 0 else per[0][k].dim())",
        "    _check_close(f'under torch.vmap, output {k}', g, want, rtol=1e-5, atol=1e-5)",
    )
    return s


# --------------------------------------------------------------------------------- compile


def _compile_op(case: Case):
    """The ``compile`` check on a custom op: torch.compile(fullgraph=True, dynamic=True) with
    the aot_eager backend (dynamo and AOTAutograd through the fake implementation) gives eager's
    outputs and gradients."""
    import torch

    op = op_of(case)
    if case.dtype not in ("float32", "float64"):
        raise NotApplicable("compared in float32 and float64")
    if not op.has_fake():
        raise NotApplicable(f"{op.qualname} has no fake implementation: torch.compile cannot "
                            "trace it (see the fake check)")  # fmt: skip
    why = _interpreted(op)
    if why is not None:
        raise NotApplicable(why)
    key = ("compile-op", case.example.device)
    done = case.facts.structures.get(key, 0)
    if done and case.facts.focus != "compile":
        raise NotApplicable("compiled once per device (each compilation costs seconds)")
    case.facts.structures[key] = done + 1
    try:
        import torch._dynamo as dynamo
    except Exception as e:  # noqa: BLE001
        raise NotApplicable(f"torch.compile is not available: {e}") from None
    mask = case.grad_mask() if op.differentiable else (False,) * len(case.values)
    inputs = case.make_inputs(requires_grad=mask, nonleaf=False)
    outs = case.call(inputs)
    diff = case.diff_outputs(outs)
    cots = case.cotangents(outs)
    wrt = [x for x in inputs if x is not None and x.requires_grad]
    eager = torch.autograd.grad([o for _, o in diff], wrt, cots, allow_unused=True) if (
        diff and wrt) else ()  # fmt: skip
    dynamo.reset()
    c_inputs = case.make_inputs(requires_grad=mask, nonleaf=False)
    try:
        compiled = torch.compile(case.spec.fn, backend="aot_eager", fullgraph=True, dynamic=True)
        c_outs = _as_tuple(compiled(*case.full_args(c_inputs)))
        c_diff = [c_outs[k] for k, _ in diff]
        c_wrt = [x for x in c_inputs if x is not None and x.requires_grad]
        c_grads = torch.autograd.grad(c_diff, c_wrt, cots, allow_unused=True) if eager else ()
    except Exception as e:  # noqa: BLE001 - the op under torch.compile
        dynamo.reset()
        msg = (
            f"torch.compile(fullgraph=True, dynamic=True) raised {_first_line(e)} (a custom "
            "op must trace through its fake implementation without a graph break)"
        )
        s, args = _script(case, "compile")
        s.line(
            "compiled = torch.compile(fn, backend='aot_eager', fullgraph=True, dynamic=True)",
        )
        s.line("try:")
        if eager:
            s.line(
                f"    wrt = [a.requires_grad_() for a in {args} if isinstance(a, torch.Tensor) "
                "and a.is_floating_point()]",
                f"    outs = [o for o in _as_tuple(compiled(*{args})) if o.requires_grad]",
                "    torch.autograd.grad(outs, wrt, [torch.ones_like(o) for o in outs], "
                "allow_unused=True)",
            )
        else:
            s.line(f"    compiled(*{args})")
        s.line(
            "except Exception as e:",
            "    raise AssertionError(f'[compile] torch.compile(fullgraph=True, dynamic=True) "
            "raised {type(e).__name__}') from e",
        )
        raise CheckFailure(msg, key=("op-compile-raised", type(e).__name__), repro=s) from None
    dynamo.reset()
    for k, o in case.float_outputs(outs):
        msg = _close_t(case, c_outs[k], o, f"under torch.compile, output {k}")
        if msg:
            raise CheckFailure(msg + " (against eager)")
    for j, (g, e) in enumerate(zip(c_grads, eager)):
        if e is None or g is None:
            continue
        msg = _close_t(case, g, e, f"under torch.compile, gradient {j}")
        if msg:
            raise CheckFailure(msg + " (against eager)")


def _close_t(case: Case, got, want, what: str):
    from gradspec.functions.checks.transforms import _close

    if tuple(got.shape) != tuple(want.shape):
        return f"{what} has shape {tuple(got.shape)}, eager's {tuple(want.shape)}"
    return _close(case, got, want, what, case.dtype)


# ---------------------------------------------------------------- the existing checks, for ops


def _for_ops(check, on_op, sentence: str = ""):
    """``check`` with its run replaced by ``on_op`` for custom ops (a string: not applicable,
    for that reason); ``sentence`` is added to the check's."""
    original = check.run

    def run(case: Case):
        if isinstance(case.spec.fn, OpCall):
            if isinstance(on_op, str):
                raise NotApplicable(on_op)
            return on_op(case)
        return original(case)

    run.__name__ = getattr(original, "__name__", check.name)
    return replace(check, run=run, sentence=f"{check.sentence} {sentence}".strip())


#: checks of gradients only: not applicable to a custom op without gradients
GRADIENT_CHECKS = (
    "vjp", "vjp-fd", "backward-returns", "needs-input-grad", "output-subsets",
    "grad-output-unmodified", "saved-tensors-version", "graph-freed", "deterministic",
    "double-backward", "gradcheck", "forward-ad",
)  # fmt: skip


def _unless_differentiable(check):
    original = check.run

    def run(case: Case):
        fn = case.spec.fn
        if isinstance(fn, OpCall) and not fn.differentiable:
            raise NotApplicable(
                f"{fn.qualname} has no gradients (no autograd formula, or it mutates; "
                "differentiable=True checks them)"
            )
        return original(case)

    run.__name__ = getattr(original, "__name__", check.name)
    return replace(check, run=run)


def install(checks: dict) -> None:
    """Route the vmap and compile checks to their custom-op versions (compile then runs by
    default on custom ops), and leave mutation to the schema check."""
    if "vmap" in checks:
        checks["vmap"] = _for_ops(
            checks["vmap"],
            _vmap_op,
            "A custom operator's register_vmap rule gives under torch.vmap, with every argument "
            "batched along dim 0 or its last dim, each batched alone, and out_dims=-1, what the "
            "op gives sample by sample.",
        )
    if "compile" in checks:
        c = _for_ops(
            checks["compile"],
            _compile_op,
            "A custom operator is compiled with fullgraph=True and dynamic=True (through its "
            "fake implementation, no graph break allowed), by default, once per device.",
        )
        default = c.default
        checks["compile"] = replace(
            c, default=lambda s: _is_op_spec(s) or (default is None or default(s))
        )
    for name in GRADIENT_CHECKS:
        if name in checks:
            checks[name] = _unless_differentiable(checks[name])
    if "inputs-unmodified" in checks:
        checks["inputs-unmodified"] = _for_ops(
            checks["inputs-unmodified"],
            "a custom operator: the schema check compares its writes with mutates_args",
        )
