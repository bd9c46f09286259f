"""fairscale: ``checkpoint_wrapper`` (activation checkpointing: ``CheckpointFunction`` re-runs
the wrapped module's forward inside backward), on a Linear + Tanh, checked with
``check_module``."""

import copy

import gradref as T

from benchmarks.corpus._harness import Entry, module_spec

PACKAGE = "fairscale"


def entries():
    import torch
    from fairscale.nn.checkpoint import checkpoint_wrapper

    torch.manual_seed(0)
    inner = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    # gradcheck's float64 copy is wrapped anew: a deep copy of a wrapped module still runs the
    # original (bugs/fairscale_checkpoint_wrapper_deepcopy.py)
    inner64 = copy.deepcopy(inner).double()
    wrapped, wrapped64 = checkpoint_wrapper(inner), checkpoint_wrapper(inner64)
    names = [n for n, _ in wrapped.named_parameters()]

    def ref(x, **p):
        w, b = (p[n] for n in names)
        return T.tanh(x @ w.t() + b)

    return [
        Entry("checkpoint_wrapper(Linear+Tanh) (CheckpointFunction)", "Module",
              lambda: module_spec(wrapped, ref, "(n,3)->(n,2)"),
              gradcheck_fn=wrapped64),
    ]  # fmt: skip
