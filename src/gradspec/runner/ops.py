"""The one place ``gradspec run`` learns about the op table (:mod:`gradspec.ops.table`).

The runner sees the op table as an :class:`OpTable`: a list of :class:`OpEntry` (name, the
sentence it checks, the conventions it relies on) and ``run(name, device, settings)`` giving
:class:`OpOutcome` records, one per sub-check: ``forward`` (values), ``vjp`` (first-order
gradients), ``double-backward`` (gradients of gradients, where the op claims them) and ``node``
(torch's grad_fn name, where the table names it). When the op table is missing or has a shape this
adapter does not know, the table is *absent* (with the reason) and the run reports the ops area as
absent.

The comparison is :mod:`gradspec.ops.compare`'s, the one the op tests use: the same drawn values
become torch and gradref leaves with the same layout; outputs, VJPs against the same cotangents
and double-backward results must agree in shape, dtype and value within ``op_tolerance``.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any

from gradspec.runner.shrinking import ShrinkBudget

#: Seconds Hypothesis may spend shrinking one failure (see gradspec.runner.shrinking).
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


def _example_text(ex) -> str:
    return (
        f"dtype = {ex.dtype!r}\nshapes = {ex.shapes!r}\nlayouts = {ex.layouts!r}\n"
        f"requires_grad = {ex.requires_grad!r}\nseed = {ex.seed!r}"
    )


class _Mismatch(Exception):
    def __init__(self, check: str, message: str, example):
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
        if info.node is not None and info.check_node:
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
                        _example_text(m.example),
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
    from gradspec.ops.compare import examples

    return examples(info)


# ------------------------------------------------------------------------------ one example


def _check_example(opinfo, info, ex, device: str, checks: tuple[str, ...]) -> bool:
    """Raise _Mismatch for the first sub-check (of ``checks``) that fails on ``ex``; False when
    gradref cannot run the example (nothing to compare with), else True."""
    import gradref
    import torch

    from gradspec.ops.compare import Run, difference, double_backward_dtypes

    def compare(what: str, got: list, want: list, check: str, steps: int | None = None):
        if len(got) != len(want):
            raise _Mismatch(check, f"{what}: torch gives {len(got)}, gradref {len(want)}", ex)
        for i, (g, w) in enumerate(zip(got, want)):
            why = difference(
                torch,
                g,
                gradref,
                w,
                dtype=ex.dtype,
                what=f"{what} {i}",
                info=info,
                ex=ex,
                steps=steps,
                names=("torch", "gradref"),
            )
            if why:
                raise _Mismatch(check, why, ex)

    try:
        ref = Run(gradref, info, ex, "cpu")
    except Exception:  # gradref cannot run this example: nothing to compare with
        return False
    try:
        got = Run(torch, info, ex, device)
    except Exception as e:
        raise _Mismatch(ALL, f"torch raised {type(e).__name__}: {_line(e)}", ex) from None
    if "forward" in checks:
        compare("output", got.outputs, ref.outputs, "forward")
    if "node" in checks and got.diff:
        fn = got.diff[0].grad_fn
        name = fn.name() if fn is not None else None
        if name != info.node:
            raise _Mismatch("node", f"torch's grad_fn is {name}, the op table says {info.node}", ex)
    if "vjp" in checks:
        try:
            _, g_grads = got.vjp()
        except Exception as e:
            raise _Mismatch(
                "vjp", f"torch's backward raised {type(e).__name__}: {_line(e)}", ex
            ) from None
        try:
            _, r_grads = ref.vjp()
        except Exception:
            return True
        compare("VJP of input", g_grads, r_grads, "vjp")
    if "double-backward" in checks and ex.dtype in double_backward_dtypes(info):
        try:
            got2 = Run(torch, info, ex, device).double_backward()
        except Exception as e:
            raise _Mismatch(
                "double-backward", f"torch raised {type(e).__name__}: {_line(e)}", ex
            ) from None
        try:
            ref2 = Run(gradref, info, ex, "cpu").double_backward()
        except Exception:
            return True
        if (got2 is None) != (ref2 is None):
            side = "torch" if ref2 is None else "gradref"
            raise _Mismatch(
                "double-backward",
                f"first-order gradients require grad in {side} only",
                ex,
            )
        if got2 is not None:
            compare("double backward, gradient", got2, ref2, "double-backward", steps=16)
    return True


def _line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


def reproducer(name: str, ex, device: str) -> str:
    return "\n".join(
        [
            f"# gradspec reproducer for op {name!r} on {device}",
            "from gradspec.runner.ops import replay",
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
    from gradspec.ops.compare import Example

    ex = Example(dtype, tuple(map(tuple, shapes)), tuple(layouts), tuple(requires_grad), seed)
    try:
        _check_example(table.module, info, ex, device, tuple(table.subchecks(name)))
    except _Mismatch as m:
        raise AssertionError(f"{name} {m.check}: {m.message}\n{_example_text(ex)}") from None
    print(f"{name}: torch and gradref agree on this example")


@functools.cache
def load() -> OpTable:
    """The op table, or an absent one saying why there is none."""
    try:
        import gradspec.ops.table as opinfo
    except ImportError as e:
        if getattr(e, "name", None) == "gradspec.ops.table":
            return OpTable(absent="no op table (gradspec.ops.table is not installed)")
        return OpTable(absent=f"the op table cannot be imported: {e}")
    except Exception as e:  # a broken op table must not stop the rest of the run
        return OpTable(absent=f"the op table cannot be imported: {type(e).__name__}: {e}")
    table = getattr(opinfo, "OPS", None)
    needed = ("draw_values", "draw_aux", "materialize", "outputs_of", "differentiable_outputs")
    if not isinstance(table, dict) or not all(hasattr(opinfo, n) for n in needed):
        return OpTable(absent="gradspec.ops.table has no OPS table this adapter knows")
    return OpTable(table=dict(table), module=opinfo)
