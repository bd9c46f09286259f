"""entmax: sparsemax, 1.5-entmax (sort-based, with the partial-sort ``k``) and the bisection
entmax, as Functions and as a Module."""

from hypothesis import strategies as st

from benchmarks.corpus import _refs
from benchmarks.corpus._harness import Entry, module_spec, spec

PACKAGE = "entmax"

ROWS = "(n,d)->(n,d)"
# the row's dimension is at least 1: a softmax-like map of an empty row is not defined (torch's
# softmax returns an empty row; entmax's sort-based threshold indexes the first sorted value)
SIZES = {"d": range(1, 8)}
K = st.sampled_from([None, 1, 2])


def entries():
    import entmax

    return [
        Entry("sparsemax (SparsemaxFunction)", "Function",
              lambda: spec(entmax.sparsemax, lambda x, dim, k: _refs.sparsemax(x), ROWS,
                           args={1: -1, 2: K}, sizes=SIZES),
              typical_args={1: -1, 2: None}),
        Entry("entmax15 (Entmax15Function)", "Function",
              lambda: spec(entmax.entmax15, lambda x, dim, k: _refs.entmax15(x), ROWS,
                           args={1: -1, 2: K}, sizes=SIZES),
              typical_args={1: -1, 2: None}),
        Entry("entmax_bisect alpha=1.5 (EntmaxBisectFunction)", "Function",
              lambda: spec(entmax.entmax_bisect, lambda x, a, dim: _refs.entmax15(x), ROWS,
                           args={1: 1.5, 2: -1}, sizes=SIZES),
              typical_args={1: 1.5, 2: -1}),
        Entry("sparsemax_bisect (SparsemaxBisectFunction)", "Function",
              lambda: spec(entmax.sparsemax_bisect, lambda x, dim: _refs.sparsemax(x), ROWS,
                           args={1: -1}, sizes=SIZES),
              typical_args={1: -1}),
        Entry("Entmax15 (Module)", "Module",
              lambda: module_spec(entmax.Entmax15(dim=-1), _refs.entmax15, ROWS, sizes=SIZES)),
    ]  # fmt: skip
