"""x-transformers: ``DetachMultiple`` (``detach_multiple``, in its belief-state wrapper), a
Function that detaches several tensors at once and hands their gradients back unchanged."""

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "x-transformers"


def entries():
    from x_transformers.belief_state_wrapper import detach_multiple

    return [
        Entry("detach_multiple (DetachMultiple)", "Function",
              lambda: spec(detach_multiple, lambda x, y: (x, y), "(n,d),(m,d)->(n,d),(m,d)")),
    ]  # fmt: skip
