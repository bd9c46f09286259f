"""norse: the surrogate-gradient threshold Functions (``norse.torch.functional.threshold`` and
``superspike``). Forward is the Heaviside step; each backward is the derivative of the smooth
approximation the class docstring gives (HeaviTanh, HeaviCirc), or the cited paper's surrogate
(Triangle: Esser et al. / Bellec et al.; SuperSpike: Zenke & Ganguli, with norse's ``alpha``
as the paper's beta)."""

import gradref as T
from hypothesis import strategies as st

from benchmarks.corpus._harness import Entry, spec
from benchmarks.corpus._refs import step

PACKAGE = "norse"

EW = "()->()"
K = st.floats(0.5, 5.0)


def _s(fn, vjp, **kw):
    return lambda: spec(fn, lambda x, a: step(x), EW, broadcast=True, args={1: K},
                        vjp=lambda x, a, g: (vjp(x, a, g), None), **kw)  # fmt: skip


def entries():
    from norse.torch.functional import superspike, threshold

    return [
        # h(x, k) = 1/2 + 1/2 tanh(k x)  ->  h' = k/2 (1 - tanh(k x)^2)
        Entry("HeaviTanh", "Function",
              _s(threshold.HeaviTanh.apply, lambda x, k, g: g * k / 2 * (1 - (k * x).tanh() ** 2)),
              typical_args={1: 1.0}, surrogate=True),
        # h(x, a) = 1/2 + 1/2 x / sqrt(x^2 + a^2)  ->  h' = a^2 / (2 (x^2 + a^2)^(3/2))
        Entry("HeaviCirc", "Function",
              _s(threshold.HeaviCirc.apply,
                 lambda x, a, g: g * a * a / (2 * (x * x + a * a) ** 1.5)),
              typical_args={1: 1.0}, surrogate=True),
        Entry("Triangle", "Function",
              _s(threshold.Triangle.apply, lambda x, a, g: g * a * T.relu(1 - x.abs())),
              typical_args={1: 0.3}, surrogate=True),
        Entry("SuperSpike", "Function",
              _s(superspike.SuperSpike.apply, lambda x, a, g: g / (a * x.abs() + 1.0) ** 2),
              typical_args={1: 2.0}, surrogate=True),
    ]  # fmt: skip
