"""Bug zoo: planted bugs in custom autograd Functions, and correct Functions, each run through
``gradspec.check`` with defaults and through what a careful user does today (``gradcheck`` +
``gradgradcheck`` in float64 on one input of a typical shape). Prints bugs caught, false alarms
and time for each.

    python benchmarks/bug_zoo.py            # the full table
    python benchmarks/bug_zoo.py --only Exp # entries whose name contains "Exp"
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import gradspec  # noqa: E402
from benchmarks.tradeoffs import caught_as_advice  # noqa: E402
from gradspec.functions import gradcheck as gradcheck_shim  # noqa: E402
from gradspec.functions import seeds  # noqa: E402
from gradspec.functions.signature import parse_signature  # noqa: E402
from tests.fixtures import zoo_functions as z  # noqa: E402


@dataclass
class Entry:
    name: str
    bug: str | None  # the planted bug class, None for a correct Function
    spec: gradspec.Spec


def lin_ref(x, w, b=None):
    out = x @ w.t()
    return out if b is None else out + b


def S(fn, ref, sig, **kw):
    return gradspec.spec(fn, ref, sig, **kw)


LIN = "(n,i),(o,i),(o)?->(n,o)"
EW = "()->()"
exp_ref = lambda x: x.exp()  # noqa: E731
sin_ref = lambda x: x.sin()  # noqa: E731
sincos_ref = lambda x: (x.sin(), x.cos())  # noqa: E731

CORRECT = [
    Entry("Exp (seed)", None, seeds.exp),
    Entry("MyReLU (seed)", None, seeds.my_relu),
    Entry("LinearFunction (seed)", None, seeds.linear),
    Entry("LinearF (seed)", None, seeds.linear_f),
    Entry("MulConstant (seed)", None, seeds.mul_const),
    Entry("MyCube (seed)", None, seeds.my_cube),
    Entry("Square once_differentiable (seed)", None, seeds.square),
    Entry("MulAdd broadcasting (seed)", None, seeds.mul_add),
    Entry("Sin", None, S(z.Sin.apply, sin_ref, EW, broadcast=True)),
    Entry(
        "Softplus setup_context",
        None,
        S(z.Softplus.apply, lambda x: (x.exp() + 1).log(), EW, broadcast=True),
    ),
    Entry("RowSum", None, S(z.RowSum.apply, lambda x: x.sum(-1), "(n)->()", broadcast=True)),
    Entry("SinCos materialize=False", None, S(z.SinCos.apply, sincos_ref, "(n)->(n),(n)")),
    Entry(
        "ChannelScale",
        None,
        S(z.ChannelScale.apply, lambda x, s: x * s.reshape(-1, 1, 1), "(n,c,h,w),(c)->(n,c,h,w)"),
    ),
    Entry(
        "ScaleInplace mark_dirty",
        None,
        S(
            z.ScaleInplace.apply,
            lambda x: x * 2,
            EW,
            broadcast=True,
            claims={"modifies_inputs": True},
        ),
    ),
]

BUGS = [
    Entry(
        "Linear bias grad unsummed", "unsummed grad", S(z.LinearBiasUnsummed.apply, lin_ref, LIN)
    ),
    Entry("Linear bias grad keepdim", "unsummed grad", S(z.LinearBiasKeepdim.apply, lin_ref, LIN)),
    Entry(
        "MulAdd broadcast grads unreduced",
        "unsummed grad",
        S(z.MulAddUnreduced.apply, lambda x, y, w: x * y + w, "(),(),()->()", broadcast=True),
    ),
    Entry("Linear bias grad float64", "wrong dtype", S(z.LinearWrongDtype.apply, lin_ref, LIN)),
    Entry(
        "Exp grad .double()", "wrong dtype", S(z.ExpDoubleGrad.apply, exp_ref, EW, broadcast=True)
    ),
    Entry("Exp grad .float()", "wrong dtype", S(z.ExpFloatGrad.apply, exp_ref, EW, broadcast=True)),
    Entry(
        "Exp forward float64 output",
        "wrong dtype",
        S(z.ExpWrongDtypeForward.apply, exp_ref, EW, broadcast=True),
    ),
    Entry(
        "Exp grad flattened", "wrong shape", S(z.ExpFlattenGrad.apply, exp_ref, EW, broadcast=True)
    ),
    Entry(
        # view(-1, o) keeps a 2-d grad_output's shape, which every stride allows: the only
        # input where it raises is a zero-size one (a view of no elements into [-1, 0])
        "Linear grad_output.view",
        "zero-size",
        S(z.LinearContiguousGrad.apply, lin_ref, LIN),
    ),
    Entry(
        "Exp grad_output.view(-1)",
        "assumes contiguous",
        S(z.ExpViewGrad.apply, exp_ref, EW, broadcast=True),
    ),
    Entry(
        "Linear as_strided ignores strides",
        "assumes contiguous",
        S(z.LinearStridesIgnored.apply, lin_ref, LIN),
    ),
    Entry(
        "ChannelScale .view on channels_last",
        "assumes contiguous",
        S(
            z.ChannelScaleView.apply,
            lambda x, s: x * s.reshape(-1, 1, 1),
            "(n,c,h,w),(c)->(n,c,h,w)",
        ),
    ),
    Entry(
        "Linear ignores needs_input_grad",
        "needs_input_grad",
        S(z.LinearIgnoresNeeds.apply, lin_ref, LIN),
    ),
    Entry(
        "Linear needs_input_grad mis-indexed",
        "needs_input_grad",
        S(z.LinearMisindexed.apply, lin_ref, LIN),
    ),
    Entry(
        "MyReLU modifies grad_output",
        "grad_output modified",
        S(z.ReluModifiesGradOutput.apply, lambda x: x.relu(), EW, broadcast=True),
    ),
    Entry(
        "Exp grad_output.mul_",
        "grad_output modified",
        S(z.ExpModifiesGradOutput.apply, exp_ref, EW, broadcast=True),
    ),
    Entry(
        "Sin modifies input (no mark_dirty)",
        "input modified",
        S(z.SinModifiesInput.apply, sin_ref, EW, broadcast=True),
    ),
    Entry(
        "In-place without mark_dirty",
        "input modified",
        S(
            z.InplaceUnmarked.apply,
            lambda x: x * 2,
            EW,
            broadcast=True,
            claims={"modifies_inputs": True},
        ),
    ),
    Entry(
        "Exp backward modifies saved result",
        "input modified",
        S(z.ExpModifiesSaved.apply, exp_ref, EW, broadcast=True),
    ),
    Entry(
        "Sin input kept on ctx",
        "ctx attribute",
        S(z.SinAttrInput.apply, sin_ref, EW, broadcast=True),
    ),
    Entry(
        "Exp result kept on ctx",
        "ctx attribute",
        S(z.ExpAttrResult.apply, exp_ref, EW, broadcast=True),
    ),
    Entry(
        "Sin ctx self-reference cycle",
        "graph kept alive",
        S(z.SinSelfCycle.apply, sin_ref, EW, broadcast=True),
    ),
    Entry(
        "Sin global output cache",
        "graph kept alive",
        S(z.SinGlobalCache.apply, sin_ref, EW, broadcast=True),
    ),
    Entry(
        "Exp per-row loop (zero-size)", "zero-size", S(z.ExpRowLoop.apply, exp_ref, "(n,m)->(n,m)")
    ),
    Entry(
        "RowSum max-normalised (zero-size)",
        "zero-size",
        S(z.RowSumZeroSize.apply, lambda x: x.sum(-1), "(n)->()", broadcast=True),
    ),
    Entry(
        "SinCos assumes both grads",
        "undefined grads",
        S(z.SinCosAssumesBothGrads.apply, sincos_ref, "(n)->(n),(n)"),
    ),
    Entry(
        "SinCos ignores second grad",
        "undefined grads",
        S(z.SinCosIgnoresSecond.apply, sincos_ref, "(n)->(n),(n)"),
    ),
    Entry(
        "Exp double backward detached",
        "double backward",
        S(z.ExpDetachedDouble.apply, exp_ref, EW, broadcast=True),
    ),
    Entry(
        "Exp backward through numpy",
        "double backward",
        S(z.ExpNumpyBackward.apply, exp_ref, EW, broadcast=True),
    ),
    Entry(
        "Exp once_differentiable claimed differentiable",
        "double backward",
        S(z.ExpOnce.apply, exp_ref, EW, broadcast=True, claims={"double_backward": True}),
    ),
    Entry(
        "Exp noisy backward", "non-deterministic", S(z.ExpNoisy.apply, exp_ref, EW, broadcast=True)
    ),
    Entry(
        "Softplus differs under no_grad",
        "no_grad",
        S(z.gelu_like_no_grad_bug, lambda x: (x.exp() + 1).log(), EW, broadcast=True),
    ),
    Entry(
        "Exp gradient 1% off", "wrong value", S(z.ExpWrongScale.apply, exp_ref, EW, broadcast=True)
    ),
    Entry(
        "Sin gradient wrong sign",
        "wrong value",
        S(z.SinWrongSign.apply, sin_ref, EW, broadcast=True),
    ),
    Entry(
        "MyReLU wrong threshold",
        "wrong value",
        S(z.ReluWrongThreshold.apply, lambda x: x.relu(), EW, broadcast=True),
    ),
    Entry(
        "Linear weight grad 0.1% off", "wrong value", S(z.LinearWrongWeightGrad.apply, lin_ref, LIN)
    ),
    Entry(
        "MulConstant grad for the constant",
        "wrong count",
        S(z.mul_const_grad_for_constant, lambda x: x * 3.0, EW, broadcast=True),
    ),
    Entry(
        "Too few gradients",
        "wrong count",
        S(z.TooFewGrads.apply, lambda x, y: x * y, "(),()->()", broadcast=True),
    ),
]


def typical_inputs(spec: gradspec.Spec) -> list:
    """One float64 input of a typical shape, every input requiring grad (what users test)."""
    sig = parse_signature(spec.signature)
    sizes = {"n": 4, "i": 3, "o": 5, "c": 3, "h": 4, "w": 5, "m": 3}
    rng = np.random.default_rng(0)
    inputs = []
    for core in sig.inputs:
        shape = tuple(int(d) if d.isdigit() else sizes.get(d, 4) for d in core)
        if not core and spec.broadcast:
            shape = (4, 3)
        low, high = (spec.bounds or (-2.0, 2.0))[:2] if spec.bounds else (-2.0, 2.0)
        inputs.append(
            torch.tensor(rng.uniform(low, high, shape), dtype=torch.float64, requires_grad=True)
        )
    return inputs


def run_gradcheck(spec: gradspec.Spec) -> tuple[bool, str]:
    """True when gradcheck (+ gradgradcheck unless double backward is disclaimed) complains."""
    from gradspec.functions.oracles import merge_args

    inputs = typical_inputs(spec)
    args = [(p, v) for p, v in spec.args.items()]  # fixed non-tensor arguments, in place
    if spec.claim("modifies_inputs"):
        inputs = [x.detach().clone().requires_grad_() for x in inputs]
        fn = lambda *a: spec.fn(*merge_args([x.clone() for x in a], args))  # noqa: E731
    else:
        fn = lambda *a: spec.fn(*merge_args(list(a), args))  # noqa: E731
    try:
        gradcheck_shim.gradcheck(fn, inputs)
        if spec.claim("double_backward") is not False:
            gradcheck_shim.gradgradcheck(fn, inputs)
    except Exception as e:
        return True, f"{type(e).__name__}: {str(e).splitlines()[0][:60]}"
    return False, ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    entries = [e for e in CORRECT + BUGS if not args.only or args.only in e.name]
    rows = []
    totals = {
        "gs_caught": 0,
        "gs_advice": 0,
        "gc_caught": 0,
        "gs_false": 0,
        "gc_false": 0,
        "gs_t": 0.0,
        "gc_t": 0.0,
    }
    for e in entries:
        t = time.perf_counter()
        report = gradspec.run(e.spec)
        gs_t = time.perf_counter() - t
        t = time.perf_counter()
        gc_flag, gc_msg = run_gradcheck(e.spec)
        gc_t = time.perf_counter() - t
        gs_flag = not report.ok
        totals["gs_t"] += gs_t
        totals["gc_t"] += gc_t
        if e.bug:
            as_advice = caught_as_advice(report, e.bug)
            totals["gs_caught"] += gs_flag or as_advice
            totals["gs_advice"] += as_advice
            totals["gc_caught"] += gc_flag
        else:
            totals["gs_false"] += gs_flag
            totals["gc_false"] += gc_flag
        checks = ",".join(sorted(report.failed_checks())) or "-"
        if report.advice:
            checks += " advice:" + ",".join(sorted(report.advised_checks()))
        if report.errors:
            checks += " ERR:" + ",".join(o.check for o in report.errors)
        rows.append(
            (
                e.name,
                e.bug or "(correct)",
                "FAIL" if gs_flag else "ok",
                f"{gs_t:.1f}",
                "FAIL" if gc_flag else "ok",
                f"{gc_t:.2f}",
                checks,
            )
        )
        print(" | ".join(rows[-1]), flush=True)
    n_bugs = sum(1 for e in entries if e.bug)
    n_ok = len(entries) - n_bugs
    head = ("entry", "planted bug", "gradspec", "s", "gradcheck", "s", "gradspec checks failed")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print()
    print(
        f"planted bugs caught: gradspec {totals['gs_caught']}/{n_bugs} "
        f"({totals['gs_advice']} as advice: documented trade-offs), "
        f"gradcheck+gradgradcheck {totals['gc_caught']}/{n_bugs}"
    )
    print(
        f"false alarms on correct Functions: gradspec {totals['gs_false']}/{n_ok}, "
        f"gradcheck+gradgradcheck {totals['gc_false']}/{n_ok}"
    )
    print(f"time: gradspec {totals['gs_t']:.1f}s, gradcheck+gradgradcheck {totals['gc_t']:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
