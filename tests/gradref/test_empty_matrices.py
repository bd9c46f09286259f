"""gradref's linear algebra on matrices with no elements (0x0, and batches of none): the values
and gradients torch gives, not a NumPy reshape error (``reshape(-1, 0, 0)`` cannot infer a batch
size). A user's spec draws empty sizes (``sizes={"n": range(0, 4)}``), so a reference that
solves or factors a matrix meets them."""

import gradref as T
import numpy as np
import pytest
import torch


def _spd(m, a):
    n = a.shape[-1]
    return a @ a.mT + n * m.eye(n, dtype=a.dtype) + m.eye(n, dtype=a.dtype)


OPS = {
    "inv": lambda m, a: m.linalg.inv(_spd(m, a)),
    "inv_ex": lambda m, a: m.linalg.inv_ex(_spd(m, a)).inverse,
    "det": lambda m, a: m.linalg.det(_spd(m, a)),
    "slogdet": lambda m, a: m.linalg.slogdet(_spd(m, a))[1],
    "cholesky": lambda m, a: m.linalg.cholesky(_spd(m, a)),
    "cholesky_ex": lambda m, a: m.linalg.cholesky_ex(_spd(m, a)).L,
    "solve": lambda m, a: m.linalg.solve(_spd(m, a), a),
}

SHAPES = [(0, 0), (2, 0, 0), (0, 3, 3), (0, 0, 0)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(OPS))
def test_empty_matrices_agree_with_torch(name, shape):
    out = {}
    for m in (torch, T):
        a = m.tensor(np.zeros(shape), dtype=m.float64).requires_grad_()
        y = OPS[name](m, a)
        w = m.tensor(np.ones(tuple(y.shape)), dtype=m.float64)
        try:
            (g,) = m.autograd.grad((y * w).sum(), a)
        except RuntimeError as e:
            if m is torch and name == "det" and "not have been used in the graph" in str(e):
                pytest.skip(
                    "this torch's det backward gives an empty matrix no gradient (torch 2.2 "
                    "does; 2.15 gives an empty one, which gradref follows)"
                )
            raise
        out[m.__name__] = (np.asarray(y.detach().tolist()), tuple(g.shape))
    (ty, tg), (ry, rg) = out["torch"], out["gradref"]
    assert ry.shape == ty.shape and np.array_equal(ry, ty), (ry, ty)
    assert rg == tg == shape
