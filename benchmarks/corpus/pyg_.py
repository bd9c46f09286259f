"""torch-geometric: ``torch_geometric.utils.sparse_cross_entropy`` (``SparseCrossEntropy``), the
cross entropy whose one-hot targets are given as sparse (row, class) indices; the spec gives
one target class per row, where it equals ``F.cross_entropy`` (mean over rows), as its
docstring says."""

import gradref as T
import torch

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "torch-geometric"


def entries():
    from torch_geometric.utils.cross_entropy import sparse_cross_entropy

    def fn(x, y):
        index = torch.stack([torch.arange(x.shape[0], device=y.device), y])
        return sparse_cross_entropy(x, index)

    return [
        Entry("sparse_cross_entropy (SparseCrossEntropy)", "Function",
              lambda: spec(fn, lambda x, y: T.nn.functional.cross_entropy(x, y), "(n,c),(n)->()",
                           integer_inputs={1: (0, "c")})),
    ]  # fmt: skip
