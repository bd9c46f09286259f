"""brevitas: the straight-through-estimator Functions of ``brevitas.ops.autograd_ste_ops``
(forward a rounding, sign or clamp; backward passes the gradient through, as each class
docstring says), and ``AbsBinarySignGradFn`` (abs with a binary-sign backward)."""

import gradref as T
from hypothesis import strategies as st

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "brevitas"

EW = "()->()"


def _binary_sign(x):  # brevitas.function.ops.binary_sign: +1 where x >= 0, else -1
    return T.where(x >= 0, 1.0, -1.0).to(x.dtype)


def _ste(fn, ref, **kw):
    return lambda: spec(fn, ref, EW, broadcast=True, vjp=lambda x, g: g, **kw)


def entries():
    from brevitas.ops import autograd_ste_ops as ste

    return [
        Entry("RoundSteFn", "Function", _ste(ste.RoundSteFn.apply, lambda x: x.round()),
              surrogate=True),
        Entry("CeilSteFn", "Function", _ste(ste.CeilSteFn.apply, lambda x: x.ceil()),
              surrogate=True),
        Entry("FloorSteFn", "Function", _ste(ste.FloorSteFn.apply, lambda x: x.floor()),
              surrogate=True),
        Entry("RoundToZeroSteFn", "Function",
              _ste(ste.RoundToZeroSteFn.apply, lambda x: x.sign() * x.abs().floor()),
              surrogate=True),
        Entry("BinarySignSteFn", "Function", _ste(ste.BinarySignSteFn.apply, _binary_sign),
              surrogate=True),
        Entry("TernarySignSteFn", "Function", _ste(ste.TernarySignSteFn.apply, lambda x: x.sign()),
              surrogate=True),
        Entry("ScalarClampSteFn", "Function",
              lambda: spec(ste.ScalarClampSteFn.apply, lambda x, lo, hi: x.clamp(lo, hi), EW,
                           broadcast=True, args={1: st.floats(-2.0, -0.1), 2: st.floats(0.1, 2.0)},
                           vjp=lambda x, lo, hi, g: (g, None, None)),
              typical_args={1: -1.0, 2: 1.0}, surrogate=True),
        # min_val / max_val are tensors whose gradient is "always None" (the class docstring)
        Entry("TensorClampSteFn", "Function",
              lambda: spec(ste.TensorClampSteFn.apply,
                           lambda x, lo, hi: T.minimum(T.maximum(x, lo), hi), "(),(),()->()",
                           broadcast=True, bounds=[(-3, 3), (-2, -0.1), (0.1, 2)],
                           vjp=lambda x, lo, hi, g: (g, T.zeros_like(lo), T.zeros_like(hi))),
              surrogate=True),
        Entry("AbsBinarySignGradFn", "Function",
              lambda: spec(ste.AbsBinarySignGradFn.apply, lambda x: x.abs(), EW, broadcast=True,
                           vjp=lambda x, g: g * _binary_sign(x)),
              surrogate=True),
    ]  # fmt: skip
