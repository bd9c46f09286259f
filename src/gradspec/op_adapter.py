"""The one place ``gradspec run`` learns about the op table (:mod:`gradspec.opinfo`).

The runner sees the op table as an :class:`OpTable`: a list of :class:`OpEntry` (name, the
sentence it checks, the conventions it relies on) and ``run(name, device, settings)`` giving
:class:`OpOutcome` records, one per sub-check: ``forward`` (values), ``vjp`` (first-order
gradients), ``double-backward`` (gradients of gradients, where the op claims them) and ``node``
(torch's grad_fn name, where the table names it). When the op table is missing or has a shape this
adapter does not know, the table is *absent* (with the reason) and the run reports the ops area as
absent.

The comparison is deliberately small: the same drawn values become torch and gradref leaves with
the same layout (with ``opinfo.materialize``); outputs, VJPs against the same cotangents and
double-backward results must agree in shape, dtype and value within ``op_tolerance``.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .shrink_budget import ShrinkBudget

#: Seconds Hypothesis may spend shrinking one failure (see gradspec.shrink_budget).
SHRINK_SECONDS = 3.0

#: a _Mismatch for every sub-check (torch could not run the op on the example)
ALL = "*"

SUBCHECKS = ("forward", "node", "vjp", "double-backward")

_SENTENCES = {
    "forward": "torch's forward values agree with gradref's",
    "node": "torch's grad_fn has the name the op table records",
    "vjp": "torch's vector-Jacobian product agrees with gradref's",
    "double-backward": "torch's double backward agrees with gradref's",
}


@dataclass(frozen=True)
class OpEntry:
    name: str
    sentence: str
    behaviour: str = ""
    conventions: tuple[str, ...] = ()


@dataclass
class OpOutcome:
    id: str
    status: str  # "passed" | "failed" | "skipped"
    behaviour: str = ""
    sentence: str = ""
    message: str = ""
    example: str = ""
    reproducer: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpExample:
    dtype: str
    shapes: tuple
    layouts: tuple
    requires_grad: tuple
    seed: int

    def describe(self) -> str:
        return (
            f"dtype = {self.dtype!r}\nshapes = {self.shapes!r}\nlayouts = {self.layouts!r}\n"
            f"requires_grad = {self.requires_grad!r}\nseed = {self.seed!r}"
        )


class _Mismatch(Exception):
    def __init__(self, check: str, message: str, example: OpExample):
        super().__init__(message)
        self.check, self.message, self.example = check, message, example


class OpTable:
    """The op table as the runner sees it (absent: ``absent`` says why)."""

    def __init__(self, absent: str | None = None, table: dict | None = None, module: Any = None):
        self.absent = absent
        self.table = table or {}
        self.module = module

    def ops(self) -> list[OpEntry]:
        return [
            OpEntry(
                name,
                f"{name}: forward, VJP"
                + (" and double backward" if info.double_backward else "")
                + " agree with gradref",
                f"ops.{name}",
                tuple(info.conventions),
            )
            for name, info in self.table.items()
        ]

    def subchecks(self, name: str) -> list[str]:
        info = self.table[name]
        out = ["forward"]
        if info.node is not None:
            out.append("node")
        out.append("vjp")
        if info.double_backward:
            out.append("double-backward")
        return out

    def run(self, name: str, device: str, settings: Any) -> list[OpOutcome]:
        """Check one op on one device under Hypothesis ``settings``; one outcome per sub-check.

        A failing sub-check is shrunk and recorded, and the search goes on for the others.
        """
        from hypothesis import given

        info = self.table[name]
        tags = tuple(f"convention.{c}" for c in info.conventions)
        active = self.subchecks(name)
        failed: dict[str, _Mismatch] = {}
        crashed: dict[str, str] = {}
        compared = {"n": 0}
        while active:
            budget = ShrinkBudget(SHRINK_SECONDS, key=lambda ex: ex)
            body = _body(self.module, info, device, active, compared)
            test = settings(given(_examples(info))(budget.wrap(body)))
            try:
                test()
            except _Mismatch as m:
                # torch failing to run the op at all fails every sub-check still searched
                names = list(active) if m.check == ALL else [m.check]
                for c in names:
                    failed[c] = m
                if not set(names) & set(active):  # cannot happen; never loop forever
                    break
                active = [c for c in active if c not in names]
                continue
            except Exception as e:  # Hypothesis itself gave up (Flaky, Unsatisfiable, ...)
                for c in active:
                    crashed[c] = f"{type(e).__name__}: {str(e).strip().splitlines()[0]}"
                active = []
            break
        out = []
        for c in self.subchecks(name):
            rid = f"ops.{name}/{c}"
            if c in failed:
                m = failed[c]
                out.append(
                    OpOutcome(
                        rid,
                        "failed",
                        f"ops.{name}",
                        _SENTENCES[c],
                        m.message,
                        m.example.describe(),
                        reproducer(name, m.example, device),
                        tags,
                    )  # fmt: skip
                )
            elif c in crashed:
                out.append(
                    OpOutcome(rid, "failed", f"ops.{name}", _SENTENCES[c], crashed[c], tags=tags)
                )
            elif not compared["n"]:
                why = "gradref could not run any drawn example"
                out.append(OpOutcome(rid, "skipped", f"ops.{name}", _SENTENCES[c], why, tags=tags))
            else:
                out.append(OpOutcome(rid, "passed", f"ops.{name}", _SENTENCES[c], tags=tags))
        return out


def _body(opinfo, info, device: str, checks: list[str], compared: dict):
    checks_t = tuple(checks)

    def body(ex):
        with warnings.catch_warnings():  # torch's performance notes are not results
            warnings.simplefilter("ignore")
            ok = _check_example(opinfo, info, ex, device, checks_t)
        if ok:
            compared["n"] += 1

    return body


def _examples(info):
    from hypothesis import strategies as st

    n_inputs = None

    @st.composite
    def draw(draw_):
        dtype = draw_(st.sampled_from(tuple(info.dtypes)))
        shapes = tuple(tuple(int(x) for x in s) for s in draw_(info.shapes))
        n = len(shapes) if n_inputs is None else n_inputs
        layouts = tuple(draw_(st.sampled_from(tuple(info.layouts))) for _ in range(n))
        diff = [info.is_differentiable(i) for i in range(n)]
        mask = draw_(
            st.tuples(*[st.booleans() for _ in range(n)])
            .map(lambda m: tuple(not b and d for b, d in zip(m, diff)))
            .filter(any)
        )
        seed = draw_(st.integers(0, 2**31 - 1))
        return OpExample(dtype, shapes, layouts, mask, seed)

    return draw()


# ------------------------------------------------------------------------------ one example


def _name(t) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def _numpy(t) -> np.ndarray:
    t = t.detach()
    if t.is_complex():
        t = t.to(_wide(t, "complex128"))
    elif t.dtype.is_floating_point:
        t = t.to(_wide(t, "float64"))
    try:  # torch: resolves conjugate and negative bits, zero tensors, devices
        return np.asarray(t.numpy(force=True))
    except TypeError:  # gradref
        return np.asarray(t.numpy())


def _wide(t, name: str):
    mod = type(t).__module__.split(".")[0]
    import importlib

    return getattr(importlib.import_module(mod), name)


class _Side:
    """One namespace's run of one example: leaves, outputs, and (lazily) gradients."""

    def __init__(self, opinfo, T, info, ex: OpExample, device: str):
        self.opinfo, self.T, self.info, self.ex, self.device = opinfo, T, info, ex, device
        values = opinfo.draw_values(info, ex.shapes, ex.dtype, ex.seed, ex.layouts)
        self.leaves = [
            opinfo.materialize(T, v, ex.dtype, lay, device, rg)
            for v, lay, rg in zip(values, ex.layouts, ex.requires_grad)
        ]
        aux = opinfo.draw_aux(info, ex.shapes, ex.seed)
        self.aux = {k: T.tensor(a, device=device) for k, a in aux.items()}
        self.result = info.call(T, *self.leaves, **self.aux)
        self.outputs = opinfo.outputs_of(self.result)
        self.diff = [o for o in opinfo.differentiable_outputs(self.result) if o.requires_grad]

    def cotangents(self, requires_grad: bool) -> list:
        out = []
        for k, o in enumerate(self.diff):
            rng = np.random.default_rng([self.ex.seed, 1000 + k])
            v = rng.standard_normal(tuple(o.shape))
            if _name(o).startswith("complex"):
                v = v + 1j * rng.standard_normal(tuple(o.shape))
            v = self.opinfo._round_to(v, _name(o))
            t = self.T.tensor(v, dtype=o.dtype, device=self.device)
            out.append(t.requires_grad_(requires_grad))
        return out

    def wrt(self) -> list:
        return [t for t in self.leaves if t.requires_grad]

    def vjp(self, create_graph: bool = False):
        vs = self.cotangents(create_graph)
        if not self.diff:
            return vs, [None] * len(self.wrt())
        grads = self.T.autograd.grad(
            self.diff, self.wrt(), vs, allow_unused=True, create_graph=create_graph
        )
        return vs, list(grads)

    def double_backward(self):
        vs, grads = self.vjp(create_graph=True)
        terms = []
        for j, g in enumerate(grads):
            if g is None or not g.requires_grad:
                continue
            rng = np.random.default_rng([self.ex.seed, 3000 + j])
            w = rng.standard_normal(tuple(g.shape))
            if g.is_complex():
                w = w + 1j * rng.standard_normal(tuple(g.shape))
            wt = self.T.tensor(w, dtype=g.dtype, device=self.device)
            terms.append((g * wt.conj()).real.sum() if g.is_complex() else (g * wt).sum())
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return list(self.T.autograd.grad(total, self.wrt() + vs, allow_unused=True))


def _tolerance(info, ex: OpExample, dtype: str, magnitude: float):
    try:
        from gradspec.tolerances import op_tolerance
    except ImportError:  # older tolerances module: torch.testing's defaults, widened for sums
        from gradspec.tolerances import tolerance

        return tolerance(dtype, info.reduction(ex.shapes))
    return op_tolerance(dtype, info.reduction(ex.shapes), magnitude, info.steps)


def _differences(what: str, got: list, want: list, info, ex: OpExample) -> str | None:
    """None when gradref's ``want`` and torch's ``got`` agree, else what differs."""
    if len(got) != len(want):
        return f"{what}: torch gives {len(got)} tensors, gradref {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        where = f"{what}[{i}]"
        if g is None or w is None:
            other = w if g is None else g
            if other is not None and np.any(_numpy(other)):
                side = "torch" if g is None else "gradref"
                return f"{where}: {side} gives no gradient, the other side a non-zero one"
            continue
        if tuple(g.shape) != tuple(w.shape):
            return f"{where}: shape: torch {list(g.shape)}, gradref {list(w.shape)}"
        if _name(g) != _name(w):
            return f"{where}: dtype: torch {_name(g)}, gradref {_name(w)}"
        a, b = _numpy(g), _numpy(w)
        if a.size == 0:
            continue
        if a.dtype.kind in "biu":
            if not np.array_equal(a, b):
                return f"{where}: values differ: torch {a.tolist()}, gradref {b.tolist()}"
            continue
        finite = np.isfinite(b)
        mag = float(np.max(np.abs(b[finite]))) if finite.any() else 1.0
        rtol, atol = _tolerance(info, ex, _name(w), max(mag, 1e-30))
        with np.errstate(invalid="ignore"):
            close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        if not close.all():
            idx = tuple(int(k) for k in np.argwhere(~close)[0])
            return (
                f"{where}: values differ at index {idx}: torch {a[idx]!r}, gradref {b[idx]!r} "
                f"({int((~close).sum())} of {a.size} differ; rtol {rtol:.3g}, atol {atol:.3g})"
            )
    return None


def _check_example(opinfo, info, ex: OpExample, device: str, checks: tuple[str, ...]) -> bool:
    """Raise _Mismatch for the first sub-check (of ``checks``) that fails on ``ex``; False when
    gradref cannot run the example (nothing to compare with), else True."""
    import gradref
    import torch

    def fail(check: str, why: str):
        raise _Mismatch(check, why, ex)

    try:
        ref = _Side(opinfo, gradref, info, ex, "cpu")
    except Exception:  # gradref cannot run this example: nothing to compare with
        return False
    try:
        got = _Side(opinfo, torch, info, ex, device)
    except Exception as e:
        fail(ALL, f"torch raised {type(e).__name__}: {_line(e)}")
    if "forward" in checks:
        why = _differences("output", got.outputs, ref.outputs, info, ex)
        if why:
            fail("forward", why)
    if "node" in checks and got.diff:
        node = type(got.diff[0].grad_fn).__name__ if got.diff[0].grad_fn is not None else None
        name = got.diff[0].grad_fn.name() if got.diff[0].grad_fn is not None else node
        if name != info.node:
            fail("node", f"torch's grad_fn is {name}, the op table says {info.node}")
    if "vjp" in checks:
        try:
            _, g_grads = got.vjp()
        except Exception as e:
            fail("vjp", f"torch's backward raised {type(e).__name__}: {_line(e)}")
        try:
            _, r_grads = ref.vjp()
        except Exception:
            return True
        why = _differences("grad", g_grads, r_grads, info, ex)
        if why:
            fail("vjp", why)
    if "double-backward" in checks and ex.dtype in ("float64", "complex128"):
        try:
            got2 = _Side(opinfo, torch, info, ex, device).double_backward()
        except Exception as e:
            fail("double-backward", f"torch raised {type(e).__name__}: {_line(e)}")
        try:
            ref2 = _Side(opinfo, gradref, info, ex, "cpu").double_backward()
        except Exception:
            return True
        if (got2 is None) != (ref2 is None):
            fail("double-backward", f"torch gives {got2!r:.60}, gradref {ref2!r:.60}")
        if got2 is not None:
            why = _differences("grad2", got2, ref2, info, ex)
            if why:
                fail("double-backward", why)
    return True


def _line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


def reproducer(name: str, ex: OpExample, device: str) -> str:
    return "\n".join(
        [
            f"# gradspec reproducer for op {name!r} on {device}",
            "from gradspec.op_adapter import replay",
            "",
            f"replay({name!r}, dtype={ex.dtype!r}, shapes={ex.shapes!r}, layouts={ex.layouts!r},",
            f"       requires_grad={ex.requires_grad!r}, seed={ex.seed!r}, device={device!r})",
            "",
        ]
    )


def replay(name, *, dtype, shapes, layouts, requires_grad, seed, device="cpu") -> None:
    """Re-run one op-table example on torch and gradref; AssertionError saying what differs."""
    table = load()
    if table.absent:
        raise RuntimeError(table.absent)
    info = table.table[name]
    ex = OpExample(dtype, tuple(map(tuple, shapes)), tuple(layouts), tuple(requires_grad), seed)
    try:
        _check_example(table.module, info, ex, device, tuple(table.subchecks(name)))
    except _Mismatch as m:
        raise AssertionError(f"{name} {m.check}: {m.message}\n{ex.describe()}") from None
    print(f"{name}: torch and gradref agree on this example")


@functools.cache
def load() -> OpTable:
    """The op table, or an absent one saying why there is none."""
    try:
        import gradspec.opinfo as opinfo
    except ImportError as e:
        if getattr(e, "name", None) == "gradspec.opinfo":
            return OpTable(absent="no op table (gradspec.opinfo is not installed)")
        return OpTable(absent=f"the op table cannot be imported: {e}")
    except Exception as e:  # a broken op table must not stop the rest of the run
        return OpTable(absent=f"the op table cannot be imported: {type(e).__name__}: {e}")
    table = getattr(opinfo, "OPS", None)
    needed = ("draw_values", "draw_aux", "materialize", "outputs_of", "differentiable_outputs")
    if not isinstance(table, dict) or not all(hasattr(opinfo, n) for n in needed):
        return OpTable(absent="gradspec.opinfo has no OPS table this adapter knows")
    return OpTable(table=dict(table), module=opinfo)
