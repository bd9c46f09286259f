"""torch.linalg: the functions gradref mirrors (the ops are in ``gradref.ops.linalg`` and
``gradref.ops.reductions``)."""

from __future__ import annotations

from .ops.linalg import LinAlgError, matmul
from .ops.linalg import linalg_cholesky as cholesky
from .ops.linalg import linalg_cholesky_ex as cholesky_ex
from .ops.linalg import linalg_cross as cross
from .ops.linalg import linalg_det as det
from .ops.linalg import linalg_inv as inv
from .ops.linalg import linalg_inv_ex as inv_ex
from .ops.linalg import linalg_slogdet as slogdet
from .ops.linalg import linalg_solve as solve
from .ops.linalg import linalg_solve_triangular as solve_triangular
from .ops.reductions import norm as _norm

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cross",
    "det",
    "inv",
    "inv_ex",
    "matmul",
    "slogdet",
    "solve",
    "solve_triangular",
    "vector_norm",
]


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """The vector ``ord``-norm over all elements or ``dim`` (LinalgVectorNormBackward0)."""
    return _norm(x, ord, dim, keepdim, dtype)
