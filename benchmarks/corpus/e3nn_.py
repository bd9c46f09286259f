"""e3nn: ``e3nn.math.soft_unit_step``, the smooth step exp(-1/x) for x > 0 (0 elsewhere)."""

import gradref as T

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "e3nn"


def _soft_unit_step(x):
    positive = x > 0
    return T.where(positive, T.exp(-1 / T.where(positive, x, 1.0)), 0.0)


def entries():
    from e3nn.math import soft_unit_step

    return [
        Entry("soft_unit_step (_SoftUnitStep)", "Function",
              lambda: spec(soft_unit_step, _soft_unit_step, "()->()", broadcast=True)),
    ]  # fmt: skip
