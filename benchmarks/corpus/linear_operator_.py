"""linear-operator: ``inv_quad`` (the InvQuad Function, b^T A^-1 b summed over the right-hand
sides) and ``solve`` (the Solve Function, A^-1 B), on dense positive-definite matrices. The
spec draws any square x and passes A = x x^T + (n + 1) I, as a user whose inputs are
covariance matrices would: the Functions read only one triangle of A (through a Cholesky
factor), so perturbing one entry of A alone, as plain gradcheck on A does, leaves the domain of
symmetric matrices."""

import gradref as T

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "linear-operator"

SIG_SOLVE = "(n,n),(n,m)->(n,m)"


def _spd(m, x):
    n = x.shape[-1]
    return x @ x.mT + (n + 1) * m.eye(n, dtype=x.dtype, device=getattr(x, "device", None))


def entries():
    import torch
    from linear_operator import inv_quad, solve

    def inv_quad_spd(x, r):
        return inv_quad(_spd(torch, x), r)

    def inv_quad_ref(x, r):
        return (r * T.linalg.solve(_spd(T, x), r)).sum()

    def solve_spd(x, r):
        return solve(_spd(torch, x), r)

    def solve_ref(x, r):
        return T.linalg.solve(_spd(T, x), r)

    return [
        Entry("inv_quad (InvQuad)", "Function",
              lambda: spec(inv_quad_spd, inv_quad_ref, "(n,n),(n,m)->()")),
        Entry("solve (Solve)", "Function", lambda: spec(solve_spd, solve_ref, SIG_SOLVE)),
    ]  # fmt: skip
