"""Specs used by the CLI and plugin tests: one correct, one with a planted bug."""

import gradspec
from tests.fixtures import zoo_functions as z

sin_ok = gradspec.spec(
    z.Sin.apply,
    lambda x: x.sin(),
    "()->()",
    broadcast=True,
    name="Sin",
    dtypes=["float64"],
    max_examples=4,
)
exp_bad = gradspec.spec(
    z.ExpDoubleGrad.apply,
    lambda x: x.exp(),
    "()->()",
    broadcast=True,
    name="ExpDoubleGrad",
    dtypes=["float32"],
    max_examples=4,
    checks=["backward-returns"],
)

needs_advice = gradspec.spec(
    z.LinearIgnoresNeeds.apply,
    lambda x, w, b: x @ w.t() + b,
    "(n,i),(o,i),(o)->(n,o)",
    name="LinearIgnoresNeeds",
    dtypes=["float32"],
    max_examples=4,
    checks=["needs-input-grad"],
)
