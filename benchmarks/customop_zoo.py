"""The custom-op zoo (``benchmarks/customop_ops.py``) through gradspec.check, through
``torch.library.opcheck`` and through gradcheck, side by side: which planted bugs each
catches, and whether the correct ops pass. opcheck and gradcheck get one sample each, the one
a user writing a test would pick (contiguous float32 inputs of a few elements, float64 for
gradcheck, every input requiring grad where the op has gradients).

    TRITON_INTERPRET=1 python benchmarks/customop_zoo.py      # (on CPU, for the triton_op)
"""

from __future__ import annotations

import os
import sys
import time

import torch

if not torch.cuda.is_available() and "triton" not in sys.modules:
    os.environ.setdefault("TRITON_INTERPRET", "1")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import customop_ops as zoo  # noqa: E402

import gradspec  # noqa: E402
from gradspec.functions.signature import parse_signature  # noqa: E402

SIZES = {"n": 3, "d": 4, "i": 3, "o": 2}


def _sample(sig: str, dtype, requires_grad: bool, scalar_shape=(3,)):
    torch.manual_seed(0)  # the same sample on every run
    shapes = []
    for core in parse_signature(sig).inputs:
        shape = tuple(int(d) if d.isdigit() else SIZES.get(d, 3) for d in core)
        shapes.append(shape or scalar_shape)
    return [torch.randn(s, dtype=dtype, requires_grad=requires_grad) for s in shapes]


def _full_args(op, tensors, opts):
    """The op's positional arguments: the tensors, and a typical value for the others."""
    schema = op._opoverload._schema if hasattr(op, "_opoverload") else op._schema
    fixed = opts.get("args", {})
    out, it = [], iter(tensors)
    for p, a in enumerate(schema.arguments):
        t = str(a.type)
        if "Tensor" in t:
            out.append(next(it, None))
        elif p in fixed:
            out.append(fixed[p])
        elif t == "float":
            out.append(0.5)
        elif t in ("int", "SymInt"):
            out.append(2)
        elif t == "bool":
            out.append(True)
    return out


def _differentiable(op, opts) -> bool:
    if "differentiable" in opts:
        return opts["differentiable"]
    schema = op._opoverload._schema
    mutates = any(a.alias_info is not None and a.alias_info.is_write for a in schema.arguments)
    return getattr(op, "_backward_fn", None) is not None and not mutates


def opcheck_catches(op, sig, opts) -> str:
    """'caught (the opcheck test that failed)' on the typical sample, or 'passes'."""
    import re

    diff = _differentiable(op, opts)
    args = _full_args(op, _sample(sig, torch.float32, diff), opts)
    try:
        torch.library.opcheck(op, args)
    except Exception as e:  # noqa: BLE001 - opcheck's OpCheckError, or the op raising
        test = re.search(r"(test_\w+) failed", str(e))
        return f"caught ({test.group(1) if test else type(e).__name__})"
    return "passes"


def gradcheck_catches(op, sig, opts) -> str:
    if not _differentiable(op, opts):
        return "n/a"
    xs = _sample(sig, torch.float64, True)
    args = _full_args(op, xs, opts)
    pos = [p for p, a in enumerate(args) if isinstance(a, torch.Tensor)]

    def f(*ts):
        full = list(args)
        for p, t in zip(pos, ts):
            full[p] = t
        return op(*full)

    try:
        ok = torch.autograd.gradcheck(f, [args[p] for p in pos], fast_mode=True)
    except Exception:  # noqa: BLE001
        return "yes"
    return "no" if ok else "yes"


def run_op(name, op, ref, sig, opts, bug):
    gs_opts = dict(opts)
    t = time.perf_counter()
    report = gradspec.check(op, ref, sig, **gs_opts)
    seconds = time.perf_counter() - t
    cannot = [o for o in report.errors]
    return {
        "op": name,
        "bug class": bug or "— (correct)",
        "gradspec": ("caught: " + ",".join(sorted(report.failed_checks())))
        if not report.ok
        else "passes",
        "opcheck": opcheck_catches(op, sig, opts),
        "gradcheck": {"yes": "caught", "no": "passes", "n/a": "n/a"}[
            gradcheck_catches(op, sig, opts)
        ],
        "seconds": round(seconds, 1),
        "errors": len(cannot),
        "report": report,
    }


def run_module():
    t = time.perf_counter()
    report = gradspec.check_module(
        zoo.ScaledLinear(3, 2), zoo.module_reference, "(n,3)->(n,2)", dtypes=["float32"],
        max_examples=8,
    )  # fmt: skip
    seconds = time.perf_counter() - t
    return {
        "op": "ScaledLinear (nn.Module)",
        "bug class": "— (correct)",
        "gradspec": "passes" if report.ok else "caught: " + ",".join(report.failed_checks()),
        "opcheck": "n/a",
        "gradcheck": "n/a",
        "seconds": round(seconds, 1),
        "errors": len(report.errors),
        "report": report,
    }


def rows(names=None):
    out = []
    for name, (op, ref, sig, opts) in zoo.CORRECT.items():
        if names is None or name in names:
            out.append(run_op(name, op, ref, sig, opts, None))
    if names is None or "module" in names:
        out.append(run_module())
    for name, (op, ref, sig, opts, bug) in zoo.BUGS.items():
        if names is None or name in names:
            out.append(run_op(name, op, ref, sig, opts, bug))
    return out


def table(results) -> str:
    keys = ["op", "bug class", "gradspec", "opcheck", "gradcheck", "seconds"]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in results:
        lines.append("| " + " | ".join(str(r[k]) for k in keys) + " |")
    correct = [r for r in results if r["bug class"].startswith("—")]
    bugs = [r for r in results if not r["bug class"].startswith("—")]
    for tool in ("gradspec", "opcheck", "gradcheck"):
        caught = sum(r[tool].startswith("caught") for r in bugs)
        alarms = sum(r[tool].startswith("caught") for r in correct)
        lines.append(f"{tool}: {caught} / {len(bugs)} bugs caught, {alarms} false alarm(s) on "
                     f"{len(correct)} correct ops")  # fmt: skip
    lines.append(
        f"gradspec errors (cannot express / internal): {sum(r['errors'] for r in results)}"
    )
    return "\n".join(lines)


def main() -> int:
    if not zoo.HAVE_CUSTOM_OP:
        print(f"torch {torch.__version__} has no torch.library.custom_op (needs torch >= 2.4)")
        return 0
    results = rows()
    print(table(results))
    bad = [r for r in results if r["errors"] or
           (r["bug class"].startswith("—") != (r["gradspec"] == "passes"))]  # fmt: skip
    for r in bad:
        print(f"\n{r['op']}:\n{r['report']}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
