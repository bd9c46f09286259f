"""snntorch: the surrogate-gradient spike Functions of ``snntorch.surrogate``. Forward is the
Heaviside step (``x > 0``, as snntorch's code and its other docs use it), backward the
surrogate its docstring gives, so each spec has ``vjp=``."""

import math

import gradref as T
from hypothesis import strategies as st

from benchmarks.corpus._harness import Entry, spec
from benchmarks.corpus._refs import step

PACKAGE = "snntorch"

EW = "()->()"
SLOPE = st.floats(0.5, 30.0)


def _s(fn, vjp, args=None, **kw):
    n = len(args or {})
    return lambda: spec(fn, lambda x, *a: step(x), EW, broadcast=True, args=args or {},
                        vjp=lambda x, *rest: (vjp(x, *rest), *([None] * n)), **kw)  # fmt: skip


def entries():
    from snntorch import surrogate as sg

    return [
        Entry("StraightThroughEstimator", "Function",
              _s(sg.StraightThroughEstimator.apply, lambda x, g: g), surrogate=True),
        # docstring: dS/dU = U_thr where U < U_thr, -U_thr where U >= U_thr
        Entry("Triangular", "Function",
              _s(sg.Triangular.apply, lambda x, t, g: T.where(x >= 0, -t * g, t * g),
                 {1: st.floats(0.1, 2.0)}), typical_args={1: 1.0}, surrogate=True),
        Entry("FastSigmoid", "Function",
              _s(sg.FastSigmoid.apply, lambda x, k, g: g / (k * x.abs() + 1.0) ** 2, {1: SLOPE}),
              typical_args={1: 25.0}, surrogate=True),
        Entry("ATan", "Function",
              _s(sg.ATan.apply,
                 lambda x, a, g: a / 2 / (1 + (math.pi / 2 * a * x) ** 2) * g,
                 {1: st.floats(0.5, 5.0)}), typical_args={1: 2.0}, surrogate=True),
        # docstring: dS/dU = 1 where U >= U_thr (a spike was emitted), else 0
        Entry("Heaviside", "Function",
              _s(sg.Heaviside.apply, lambda x, g: g * step(x)), surrogate=True),
        Entry("Sigmoid", "Function",
              _s(sg.Sigmoid.apply,
                 lambda x, k, g: g * k * T.exp(-k * x) / (T.exp(-k * x) + 1) ** 2,
                 {1: SLOPE}, bounds=(-2, 2)), typical_args={1: 25.0}, surrogate=True),
        Entry("SpikeRateEscape", "Function",
              _s(sg.SpikeRateEscape.apply,
                 lambda x, b, k, g: g * k * T.exp(-b * (x - 1).abs()),
                 {1: st.floats(0.5, 2.0), 2: SLOPE}), typical_args={1: 1.0, 2: 25.0},
              surrogate=True),
        # docstring: the gradient of a threshold-shifted leaky ReLU: 1 where spiking, slope else
        Entry("LeakySpikeOperator", "Function",
              _s(sg.LeakySpikeOperator.apply,
                 lambda x, k, g: T.where(x > 0, g, k * g), {1: st.floats(0.01, 0.5)}),
              typical_args={1: 0.1}, surrogate=True),
        Entry("SparseFastSigmoid", "Function",
              _s(sg.SparseFastSigmoid.apply,
                 lambda x, k, b, g: g / (k * x.abs() + 1.0) ** 2 * (x > b).to(x.dtype),
                 {1: SLOPE, 2: st.floats(-1.0, 1.0)}), typical_args={1: 25.0, 2: 0.5},
              surrogate=True),
    ]  # fmt: skip
