"""spikingjelly: the surrogate spike Functions of ``spikingjelly.activation_based.surrogate``
(forward ``heaviside``: 1 where x >= 0) whose backward is the derivative of the smooth
``primitive_function`` each surrogate Module documents, and one surrogate Module."""

import math

import gradref as T
from hypothesis import strategies as st

from benchmarks.corpus._harness import Entry, module_spec, spec

PACKAGE = "spikingjelly"

EW = "()->()"
A = st.floats(0.5, 5.0)


def _heaviside(x):
    return (x >= 0).to(x.dtype)


def _s(fn, vjp, **kw):
    return lambda: spec(fn, lambda x, a: _heaviside(x), EW, broadcast=True, args={1: A},
                        vjp=lambda x, a, g: (vjp(x, a, g), None), **kw)  # fmt: skip


def _sigmoid_vjp(x, a, g):
    s = (a * x).sigmoid()
    return g * a * s * (1 - s)


def entries():
    from spikingjelly.activation_based import surrogate as sg

    return [
        # primitive sigmoid(a x)
        Entry("sigmoid", "Function", _s(sg.sigmoid.apply, _sigmoid_vjp),
              typical_args={1: 4.0}, surrogate=True),
        # primitive atan(pi/2 a x)/pi + 1/2
        Entry("atan", "Function",
              _s(sg.atan.apply, lambda x, a, g: g * (a / 2) / (1 + (math.pi / 2 * a * x) ** 2)),
              typical_args={1: 2.0}, surrogate=True),
        # primitive (softsign(a x) + 1)/2
        Entry("soft_sign", "Function",
              _s(sg.soft_sign.apply, lambda x, a, g: g * a / (2 * (1 + a * x.abs()) ** 2)),
              typical_args={1: 2.0}, surrogate=True),
        # primitive: exp(a x)/2 for x < 0, 1 - exp(-a x)/2 for x >= 0
        Entry("piecewise_exp", "Function",
              _s(sg.piecewise_exp.apply, lambda x, a, g: g * a / 2 * T.exp(-a * x.abs())),
              typical_args={1: 1.0}, surrogate=True),
        # primitive: 0 / -a^2/2 x|x| + a x + 1/2 / 1 for x < -1/a, |x| <= 1/a, x > 1/a
        Entry("piecewise_quadratic", "Function",
              _s(sg.piecewise_quadratic.apply,
                 lambda x, a, g: g * T.where(x.abs() <= 1 / a, a - a * a * x.abs(), 0.0)),
              typical_args={1: 1.0}, surrogate=True),
        # primitive erfc(-a x)/2
        Entry("erf", "Function",
              _s(sg.erf.apply,
                 lambda x, a, g: g * a / math.sqrt(math.pi) * T.exp(-(a * x) ** 2)),
              typical_args={1: 2.0}, surrogate=True),
        Entry("Sigmoid (surrogate Module, spiking)", "Module",
              lambda: module_spec(sg.Sigmoid(alpha=4.0, spiking=True), _heaviside, "(n,d)->(n,d)",
                                  vjp=lambda x, g: _sigmoid_vjp(x, 4.0, g)),
              surrogate=True),
    ]  # fmt: skip
