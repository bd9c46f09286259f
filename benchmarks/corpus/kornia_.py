"""kornia: ``_TargetLogSoftmax`` of ``kornia.losses.focal`` — the target-class log-probability
``log_softmax(where(valid, pred, 0), 1).gather(1, target)`` that ``focal_loss`` uses for large
CPU logits (its docstring gives that formula; ``valid`` is optional)."""

import gradref as T

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "kornia"


def _ref(pred, target, valid):
    x = pred if valid is None else T.where(valid, pred, 0.0)
    return x.log_softmax(1).gather(1, target)


def entries():
    from kornia.losses.focal import _TargetLogSoftmax

    return [
        Entry("_TargetLogSoftmax (focal_loss)", "Function",
              lambda: spec(_TargetLogSoftmax.apply, _ref, "(n,c),(n,1),(n,1)?->(n,1)",
                           integer_inputs={1: (0, "c"), 2: "bool"})),
    ]  # fmt: skip
