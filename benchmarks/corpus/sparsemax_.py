"""sparsemax (the standalone package): its ``Sparsemax`` Module over a Function."""

from benchmarks.corpus import _refs
from benchmarks.corpus._harness import Entry, module_spec

PACKAGE = "sparsemax"


def entries():
    from sparsemax import Sparsemax

    return [
        Entry("Sparsemax (Module, SparsemaxFunction)", "Module",
              lambda: module_spec(Sparsemax(dim=-1), _refs.sparsemax, "(n,d)->(n,d)",
                                  sizes={"d": range(1, 8)})),
    ]  # fmt: skip
