"""timm: the memory-efficient activations (``timm.layers.activations_me``), Functions whose
backward recomputes from the saved input, and one of their Modules."""

import gradref as T

from benchmarks.corpus._harness import Entry, module_spec, spec

PACKAGE = "timm"

EW = "()->()"


def entries():
    from timm.layers import activations_me as me

    F = T.nn.functional
    return [
        Entry("SwishAutoFn", "Function",
              lambda: spec(me.SwishAutoFn.apply, lambda x: x * x.sigmoid(), EW, broadcast=True)),
        Entry("MishAutoFn", "Function",
              lambda: spec(me.MishAutoFn.apply, lambda x: x * F.softplus(x).tanh(), EW,
                           broadcast=True)),
        # timm documents these as the hard (piecewise linear) variants; gradref has no
        # F.hardsigmoid / F.hardswish / F.mish, so the formulas are written out
        Entry("HardSigmoidAutoFn", "Function",
              lambda: spec(me.HardSigmoidAutoFn.apply, lambda x: (x + 3).clamp(0, 6) / 6, EW,
                           broadcast=True, bounds=(-5, 5))),
        Entry("HardSwishAutoFn", "Function",
              lambda: spec(me.HardSwishAutoFn.apply, lambda x: x * (x + 3).clamp(0, 6) / 6, EW,
                           broadcast=True, bounds=(-5, 5))),
        Entry("HardMishAutoFn", "Function",
              lambda: spec(me.HardMishAutoFn.apply, lambda x: 0.5 * x * (x + 2).clamp(0, 2), EW,
                           broadcast=True, bounds=(-4, 4))),
        Entry("SwishMe (Module)", "Module",
              lambda: module_spec(me.SwishMe(), lambda x: x * x.sigmoid(), "(n,d)->(n,d)")),
    ]  # fmt: skip
