"""The realistic zoo: custom autograd Functions written the way real projects write them
(``tests/fixtures/realistic_functions.py``), half correct, half with one planted bug each, run
through ``gradspec.check`` with defaults (or the one README-documented option an entry names)
and through what a careful user does today: ``gradcheck`` + ``gradgradcheck`` in float64 on one
input of a typical shape. Prints, per entry, both verdicts and what gradspec found; then bugs
caught, false alarms and crashes.

    python benchmarks/realistic_zoo.py              # the full table
    python benchmarks/realistic_zoo.py --only Swish # entries whose name contains "Swish"
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
import torch
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import gradref as T  # noqa: E402

import gradspec  # noqa: E402
from benchmarks.tradeoffs import caught_as_advice  # noqa: E402
from gradspec.functions import gradcheck as gradcheck_shim  # noqa: E402
from gradspec.functions.module import module_spec  # noqa: E402
from tests.fixtures import realistic_functions as R  # noqa: E402

F = T.nn.functional


@dataclass
class Entry:
    name: str
    bug: str | None  # the planted bug, None for a correct Function
    spec: gradspec.Spec
    #: the non-tensor arguments a user would pass to gradcheck
    typical_args: dict = field(default_factory=dict)
    #: options beyond the defaults this entry is run with (README-documented), e.g. strict
    options: dict = field(default_factory=dict)


def S(fn, ref, sig, **kw):
    return gradspec.spec(fn, ref, sig, **kw)


EW = "()->()"
ALPHA = {1: st.floats(0.1, 2.0)}
CE_INTS = {1: (0, "c", [-100])}


def _leaky(x, slope, scale, square):
    y = T.where(x > 0, x, x * slope) * scale
    return y * y if square else y


def _ln(x, w, b, eps):
    return F.layer_norm(x, (x.shape[-1],), w, b, eps)


def _sort3(x, dim):
    s = x.sort(dim)
    return s.values, s.indices, s.indices.argsort(dim)


LEAKY_ARGS = {1: st.floats(0.01, 0.5), 2: st.integers(1, 3), 3: st.booleans()}

CORRECT = [
    Entry(
        "GradientReversal (DANN)",
        None,
        S(
            R.GradientReversal.apply,
            lambda x, a: x * 1.0,
            EW,
            broadcast=True,
            args=ALPHA,
            vjp=lambda x, a, g: (-a * g, None),
        ),
        {1: 0.5},
    ),
    Entry(
        "Binarize STE (binarized nets)",
        None,
        S(
            R.BinarizeSTE.apply,
            lambda x: x.sign(),
            EW,
            broadcast=True,
            vjp=lambda x, g: g * (x.abs() <= 1),
        ),
    ),
    Entry(
        "FakeQuant STE int bits",
        None,
        S(
            R.FakeQuantSTE.apply,
            lambda x, b: (x.clamp(-1, 1) * (2 ** (b - 1) - 1)).round() / (2 ** (b - 1) - 1),
            EW,
            broadcast=True,
            args={1: st.integers(2, 8)},
            vjp=lambda x, b, g: (g, None),
        ),
        {1: 4},
    ),
    Entry(
        "Swish memory-efficient",
        None,
        S(R.SwishMemoryEfficient.apply, lambda x: x * x.sigmoid(), EW, broadcast=True),
    ),
    Entry(
        "Mish memory-efficient",
        None,
        S(R.MishMemoryEfficient.apply, lambda x: x * F.softplus(x).tanh(), EW, broadcast=True),
    ),
    Entry(
        "Fused bias+GeLU (Megatron)",
        None,
        S(R.GeLUFunction.apply, lambda x, b: F.gelu(x + b, approximate="tanh"), "(n,h),(h)->(n,h)"),
    ),
    Entry(
        "Softmax cross-entropy, ignore_index",
        None,
        S(
            R.SoftmaxCrossEntropy.apply,
            lambda x, t, ii: F.cross_entropy(x, t, ignore_index=ii),
            "(n,c),(n)->()",
            integer_inputs=CE_INTS,
            args={2: -100},
        ),
        {2: -100},
    ),
    Entry(
        "LayerNorm, optional affine",
        None,
        S(R.LayerNormFunction.apply, _ln, "(n,d),(d)?,(d)?->(n,d)", args={3: 1e-5}),
        {3: 1e-5},
    ),
    Entry(
        "TopK with indices",
        None,
        S(R.TopK.apply, lambda x, k: x.topk(k, -1), "(n,d)->(n,k),(n,k)", args={1: 2}),
        {1: 2},
    ),
    Entry(
        "NumpySort (autograd_function_db)",
        None,
        S(R.NumpySort.apply, _sort3, "(n,d)->(n,d),(n,d),(n,d)", args={1: -1}),
        {1: -1},
    ),
    Entry(
        "NumpyMul (autograd_function_db)",
        None,
        S(R.NumpyMul.apply, lambda x, y: x * y, "(n,m),(n,m)->(n,m)"),
    ),
    Entry(
        "NumpyCube (autograd_function_db)",
        None,
        S(R.NumpyCube.apply, lambda x: (x**3, 3 * x**2), "(n)->(n),(n)"),
    ),
    Entry(
        "NumpyExp_ mark_dirty (autograd_function_db)",
        None,
        S(R.NumpyExp_.apply, lambda x: x.exp(), EW, broadcast=True),
    ),
    Entry(
        "Select view (autograd_function_db)",
        None,
        S(R.Select.apply, lambda x, i: x[i], "(n,d)->(d)", args={1: st.integers(0, 1)}),
        {1: 1},
    ),
    Entry(
        "In-place ReLU mark_dirty",
        None,
        S(R.ReLUInplace.apply, lambda x: x.relu(), EW, broadcast=True),
    ),
    Entry("Transpose view", None, S(R.TransposeView.apply, lambda x: x.t(), "(n,m)->(m,n)")),
    Entry(
        "custom_fwd/custom_bwd Linear",
        None,
        S(R.AmpLinear.apply, lambda x, w: x @ w.t(), "(n,i),(o,i)->(n,o)"),
    ),
    Entry(
        "NumPy backward, once_differentiable",
        None,
        S(R.NumpyErf.apply, lambda x: x.erf(), EW, broadcast=True),
    ),
    Entry(
        "LegendrePolynomial3 (tutorial)",
        None,
        S(R.LegendrePolynomial3.apply, lambda x: 0.5 * (5 * x**3 - 3 * x), EW, broadcast=True),
    ),
    Entry("MyReLU (tutorial)", None, S(R.MyReLU.apply, lambda x: x.relu(), EW, broadcast=True)),
    Entry(
        "float/int/bool arguments",
        None,
        S(R.ScaledLeakyReLU.apply, _leaky, EW, broadcast=True, args=LEAKY_ARGS),
        {1: 0.1, 2: 2, 3: False},
    ),
    Entry(
        "Clipped gradient (surrogate)",
        None,
        S(
            R.ClipGradient.apply,
            lambda x, c: x * 1.0,
            EW,
            broadcast=True,
            args={1: st.floats(0.1, 1.0)},
            vjp=lambda x, c, g: (g.clamp(-c, c), None),
        ),
        {1: 0.5},
    ),
    Entry(
        "Masked mean, bool mask input",
        None,
        S(
            R.MaskedMean.apply,
            lambda x, m: (x * m).sum() / m.sum().clamp(min=1),
            "(n),(n)->()",
            integer_inputs={1: "bool"},
        ),
    ),
    Entry(
        "LayerNorm nn.Module (check_module)",
        None,
        module_spec(
            R.MyLayerNorm(4),
            lambda x, weight, bias: F.layer_norm(x, (4,), weight, bias, 1e-5),
            "(n,4)->(n,4)",
        ),
    ),
]

BUGS = [
    Entry(
        "GradientReversal without the minus",
        "wrong surrogate gradient",
        S(
            R.GradientReversalNoNeg.apply,
            lambda x, a: x * 1.0,
            EW,
            broadcast=True,
            args=ALPHA,
            vjp=lambda x, a, g: (-a * g, None),
        ),
        {1: 0.5},
    ),
    Entry(
        "Binarize STE modifies grad_output",
        "grad_output modified",
        S(
            R.BinarizeSTEModifiesGrad.apply,
            lambda x: x.sign(),
            EW,
            broadcast=True,
            vjp=lambda x, g: g * (x.abs() <= 1),
        ),
    ),
    Entry(
        "Swish wrong derivative",
        "wrong value",
        S(R.SwishWrongDerivative.apply, lambda x: x * x.sigmoid(), EW, broadcast=True),
    ),
    Entry(
        "Mish grad_output.view(-1)",
        "assumes contiguous",
        S(R.MishContiguousGrad.apply, lambda x: x * F.softplus(x).tanh(), EW, broadcast=True),
    ),
    Entry(
        "Fused bias+GeLU, bias grad unsummed",
        "unsummed grad",
        S(
            R.GeLUBiasUnsummed.apply,
            lambda x, b: F.gelu(x + b, approximate="tanh"),
            "(n,h),(h)->(n,h)",
        ),
    ),
    Entry(
        "Softmax cross-entropy divides by batch",
        "wrong value with ignore_index",
        S(
            R.SoftmaxCrossEntropyBatchMean.apply,
            lambda x, t, ii: F.cross_entropy(x, t, ignore_index=ii),
            "(n,c),(n)->()",
            integer_inputs=CE_INTS,
            args={2: -100},
        ),
        {2: -100},
    ),
    Entry(
        "LayerNorm unbiased variance",
        "wrong forward",
        S(R.LayerNormUnbiased.apply, _ln, "(n,d),(d)?,(d)?->(n,d)", args={3: 1e-5}),
        {3: 1e-5},
    ),
    Entry(
        "TopK grad buffer torch.zeros (float32)",
        "wrong dtype",
        S(R.TopKFloat32Grad.apply, lambda x, k: x.topk(k, -1), "(n,d)->(n,k),(n,k)", args={1: 2}),
        {1: 2},
    ),
    Entry(
        "Sort backward gathers",
        "wrong value",
        S(R.SortGatherBackward.apply, lambda x: x.sort(-1), "(n,d)->(n,d),(n,d)"),
    ),
    Entry(
        "In-place ReLU without mark_dirty",
        "input modified",
        S(R.ReLUInplaceUnmarked.apply, lambda x: x.relu(), EW, broadcast=True),
    ),
    Entry(
        "Flatten with .view",
        "assumes contiguous",
        S(R.FlattenView.apply, lambda x: x.reshape(-1), "(n,m)->(k)"),
    ),
    Entry(
        "custom_bwd Linear, float32 weight grad",
        "wrong dtype",
        S(R.AmpLinearFloatGrad.apply, lambda x, w: x @ w.t(), "(n,i),(o,i)->(n,o)"),
    ),
    Entry(
        "NumPy backward without once_differentiable",
        "double backward",
        S(R.NumpyErfNotOnce.apply, lambda x: x.erf(), EW, broadcast=True),
    ),
    Entry(
        "LegendrePolynomial3 wrong constant",
        "wrong value",
        S(R.LegendreWrongConstant.apply, lambda x: 0.5 * (5 * x**3 - 3 * x), EW, broadcast=True),
    ),
    Entry(
        "bool flag ignored in backward",
        "wrong value for one argument",
        S(R.ScaledLeakyReLUIgnoresSquare.apply, _leaky, EW, broadcast=True, args=LEAKY_ARGS),
        {1: 0.1, 2: 2, 3: False},
    ),
    Entry(
        "Per-sample loop with torch.stack (empty batch)",
        "zero-size",
        S(R.PerSampleGeLU.apply, lambda x: F.gelu(x), "(n,d)->(n,d)"),
    ),
    Entry(
        "Batch flatten reshape(n, -1) (n=0)",
        "mixed zero-size",
        S(R.BatchFlatten.apply, lambda x: x * 2, "(n,d)->(n,d)"),
    ),
    Entry(
        "Swish keeps output on ctx",
        "graph kept alive",
        S(R.SwishKeepsOutput.apply, lambda x: x * x.sigmoid(), EW, broadcast=True),
    ),
    Entry(
        "Content loss Module with backward()",
        "backward never called",
        module_spec(R.ContentLoss(torch.zeros(3)), lambda x: x * 1.0, "(3)->(3)"),
        options={"strict": True},
    ),
]

SIZES = {"n": 4, "i": 3, "o": 5, "c": 5, "d": 5, "h": 3, "m": 3}


def typical_inputs(spec: gradspec.Spec, args: dict) -> list:
    """One float64 input of a typical shape, every floating input requiring grad (what users
    test), integer inputs in range, the typical non-tensor arguments in place."""
    sig = spec.parsed()
    rng = np.random.default_rng(0)
    kinds = spec.input_kinds()
    tensors = []
    for i, core in enumerate(sig.inputs):
        shape = tuple(int(d) if d.isdigit() else SIZES.get(d, 4) for d in core)
        if not core and spec.broadcast:
            shape = (4, 3)
        if kinds[i] is None:
            lo, hi = spec.bounds_per_input()[i]
            v = torch.tensor(rng.uniform(lo, hi, shape), dtype=torch.float64, requires_grad=True)
        elif kinds[i][0] == "bool":
            v = torch.tensor(rng.random(shape) < 0.5)
        else:
            high = kinds[i][2]
            high = SIZES.get(sig.inputs[high[0]][-high[1]], 4) if isinstance(high, tuple) else high
            v = torch.tensor(rng.integers(kinds[i][1], high, shape))
        tensors.append(v)
    merged, it = [], iter(tensors)
    for p in range(len(tensors) + len(args)):
        merged.append(args[p] if p in args else next(it))
    return merged


def run_gradcheck(e: Entry) -> tuple[bool, str]:
    """True when gradcheck + gradgradcheck complain (or cannot run)."""
    spec = e.spec
    full = typical_inputs(spec, e.typical_args)
    positions = [p for p in range(len(full)) if p not in e.typical_args]
    inplace = "mark_dirty" in e.name or "In-place" in e.name
    grads = [p for p in positions if full[p].is_floating_point()]

    def fn(*xs):
        args = list(full)
        for p, x in zip(grads, xs):
            args[p] = x.clone() if inplace else x
        return spec.fn(*args)

    xs = [full[p] for p in grads]
    try:
        gradcheck_shim.gradcheck(fn, xs)
        gradcheck_shim.gradgradcheck(fn, xs)
    except Exception as ex:  # noqa: BLE001
        return True, f"{type(ex).__name__}: {str(ex).splitlines()[0][:60]}"
    return False, ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None)
    ap.add_argument("--max-examples", type=int, default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    entries = [e for e in CORRECT + BUGS if not args.only or args.only in e.name]
    rows = []
    totals = dict(
        gs_caught=0, gs_advice=0, gc_caught=0, gs_false=0, gc_false=0, crashes=0, gs_t=0.0
    )
    for e in entries:
        t = time.perf_counter()
        try:
            report = gradspec.run(e.spec, max_examples=args.max_examples, **e.options)
            crashed = bool(report.errors)
            gs_flag = not report.ok
            found = ",".join(sorted(report.failed_checks())) or "-"
            if report.advice:
                found += " advice:" + ",".join(sorted(report.advised_checks()))
            if report.errors:
                found += " ERROR:" + ",".join(o.check for o in report.errors)
        except Exception as ex:  # noqa: BLE001 - a crash is a result here
            traceback.print_exc()
            crashed, gs_flag, found = True, True, f"CRASH {type(ex).__name__}: {ex}"[:80]
        gs_t = time.perf_counter() - t
        gc_flag, _ = run_gradcheck(e)
        totals["gs_t"] += gs_t
        totals["crashes"] += crashed
        if e.bug:
            as_advice = not crashed and caught_as_advice(report, e.bug)
            totals["gs_caught"] += (gs_flag and not crashed) or as_advice
            totals["gs_advice"] += as_advice
            totals["gc_caught"] += gc_flag
        else:
            totals["gs_false"] += gs_flag
            totals["gc_false"] += gc_flag
        option = ",".join(f"{k}={v}" for k, v in e.options.items()) or "defaults"
        rows.append(
            (e.name, e.bug or "(correct)", option, "FAIL" if gs_flag else "ok", f"{gs_t:.1f}",
             "FAIL" if gc_flag else "ok", found)
        )  # fmt: skip
        print(" | ".join(rows[-1]), flush=True)
    n_bugs = sum(1 for e in entries if e.bug)
    n_ok = len(entries) - n_bugs
    head = ("entry", "planted bug", "run with", "gradspec", "s", "gradcheck", "gradspec found")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    print()
    print(
        f"{len(entries)} cases ({n_ok} correct, {n_bugs} with a planted bug); planted bugs caught:"
        f" gradspec {totals['gs_caught']}/{n_bugs} ({totals['gs_advice']} as advice: documented"
        f" trade-offs), gradcheck+gradgradcheck "
        f"{totals['gc_caught']}/{n_bugs}"
    )
    print(
        f"false alarms on correct Functions: gradspec {totals['gs_false']}/{n_ok}, "
        f"gradcheck+gradgradcheck {totals['gc_false']}/{n_ok}; gradspec crashes: "
        f"{totals['crashes']}; gradspec time {totals['gs_t']:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
