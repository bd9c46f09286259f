"""The op table (see ``_table.OPS``); importing this package registers every op."""

from . import (
    activations,
    complex,
    conv_transpose,
    distances,
    fold,
    getitem,
    indexing,
    linalg,
    mutation,
    nn,
    normalisation,
    operators,
    pointwise,
    pooling,
    reductions,
    selection,  # topk, sort, median, cummax, one_hot, scatter, ...
    shape,
    special,
    unpool,
)
from ._table import OPS, register

__all__ = [
    "activations",
    "OPS",
    "register",
    "complex",
    "conv_transpose",
    "distances",
    "fold",
    "getitem",
    "indexing",
    "linalg",
    "nn",
    "normalisation",
    "mutation",
    "operators",
    "pointwise",
    "pooling",
    "reductions",
    "shape",
    "selection",
    "special",
    "unpool",
]
