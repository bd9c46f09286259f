"""pyro-ppl: ``pyro.ops.special.safe_log`` (log whose gradient is clamped to at most 1/eps) and
the EWMA log of ``pyro.contrib.oed.eig`` (log forward; backward divides by a running average
the caller passes in)."""

import gradref as T
import torch

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "pyro-ppl"


def entries():
    from pyro.contrib.oed.eig import _EwmaLogFn
    from pyro.ops.special import safe_log

    def safe_log_vjp(x, g):
        eps = torch.finfo(getattr(torch, str(x.dtype).split(".")[-1])).eps
        return g / x.clamp(min=eps)

    return [
        # documented: "Like torch.log but avoids infinite gradients at log(0) by clamping them
        # to at most 1 / finfo.eps"; its domain is x >= 0 (log of a negative number is NaN)
        Entry("safe_log (_SafeLog)", "Function",
              lambda: spec(safe_log, lambda x: x.log(), "()->()", broadcast=True,
                           bounds=(0.0, 4.0), vjp=safe_log_vjp),
              surrogate=True),
        # forward input.log(); backward grad / ewma, nothing for the ewma (EwmaLog passes an
        # ewma of the input's shape)
        Entry("_EwmaLogFn (EwmaLog)", "Function",
              lambda: spec(_EwmaLogFn.apply, lambda x, ewma: x.log(), "(n),(n)->(n)",
                           bounds=[(0.1, 4.0), (0.1, 4.0)],
                           vjp=lambda x, ewma, g: (g / ewma, T.zeros_like(ewma))),
              surrogate=True),
    ]  # fmt: skip
