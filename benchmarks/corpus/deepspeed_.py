"""deepspeed: the ZeRO stage-3 linear layer (``deepspeed.runtime.zero.linear``): the Function
``LinearFunctionForZeroStage3`` (bias optional, any number of leading dimensions, a vmap rule)
and the ``LinearModuleForZeroStage3`` Module. Importing deepspeed on a CPU machine selects its
CPU accelerator by itself (it logs a warning)."""

import gradref as T

from benchmarks.corpus._harness import Entry, module_spec, spec

PACKAGE = "deepspeed"


def _linear(x, w, b):
    y = x @ w.t()
    return y if b is None else y + b


def entries():
    from deepspeed.runtime.zero.linear import (
        LinearFunctionForZeroStage3,
        LinearModuleForZeroStage3,
    )

    F = T.nn.functional
    return [
        Entry("LinearFunctionForZeroStage3", "Function",
              lambda: spec(LinearFunctionForZeroStage3.apply, _linear, "(n,i),(o,i),(o)?->(n,o)")),
        Entry("LinearFunctionForZeroStage3 3-d input", "Function",
              lambda: spec(LinearFunctionForZeroStage3.apply, _linear,
                           "(b,n,i),(o,i),(o)?->(b,n,o)")),
        Entry("LinearModuleForZeroStage3 (Module)", "Module",
              lambda: module_spec(LinearModuleForZeroStage3(3, 2),
                                  lambda x, weight, bias: F.linear(x, weight, bias),
                                  "(n,3)->(n,2)")),
    ]  # fmt: skip
