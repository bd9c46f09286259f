"""Gradients that are inf or NaN reaching a VJP whose result for an input does not depend on
the gradient's values (copy_ onto a tensor, fill_, zero_, the overwritten part of
select_scatter and slice_scatter, index_copy of a 0-d tensor, ``x ** 0``, the off-diagonal of
trace, the elements that are not the maximum of a full max/min/median): torch gives zeros
(``zeros_like(grad)``, or the gradient put into zeros), not ``grad * 0``, which is NaN there.
The op table draws finite cotangents; such gradients come from the graph around the op (a
random program drew ``exp`` overflowing upstream of a ``copy_``; ``benchmarks/cotangent_survey.py``
lists the ops that still differ)."""

from __future__ import annotations

import gradref
import numpy as np
import pytest
import torch

INF, NAN = float("inf"), float("nan")


def _case(T, name: str):
    """(output, inputs, cotangent) of one case in namespace ``T``."""
    x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    s = T.tensor([7.0, 8.0, 9.0], requires_grad=True)
    g = T.tensor([[INF, NAN, -INF], [1.0, INF, 2.0]])
    x0 = T.tensor(1.5, requires_grad=True)
    if name == "copy_":
        return (x * 1).copy_(s), [x, s], g
    if name == "fill_-tensor":
        return (x * 1).fill_(s[0]), [x, s], g
    if name == "fill_-scalar":
        return (x * 1).fill_(2.0), [x], g
    if name == "zero_":
        return (x * 1).zero_(), [x], g
    if name == "select_scatter":
        return T.select_scatter(x, s, 0, 1), [x, s], g
    if name == "slice_scatter":
        return T.slice_scatter(x, s[None], 0, 1, 2), [x, s], g
    if name == "index_copy-0d":
        return x0.index_copy(0, T.tensor([0]), T.tensor(3.0)), [x0], T.tensor(INF)
    if name == "index_fill-0d":
        return x0.index_fill(0, T.tensor([0]), 3.0), [x0], T.tensor(NAN)
    if name == "index_fill-0d-no-index":
        return x0.index_fill(0, T.tensor([], dtype=T.int64), 3.0), [x0], T.tensor(INF)
    if name == "pow-0":
        return x.pow(0), [x], g
    g0 = T.tensor(INF)
    if name == "trace":
        return x[:, :2].trace(), [x], g0
    if name in ("max", "min", "median", "nanmedian"):
        tied = T.tensor([[1.0, 6.0, 3.0], [6.0, 1.0, 1.0]], requires_grad=True)
        return getattr(tied, name)(), [tied], g0
    raise AssertionError(name)


CASES = ["copy_", "fill_-tensor", "fill_-scalar", "zero_", "select_scatter", "slice_scatter",
         "index_copy-0d", "index_fill-0d", "index_fill-0d-no-index", "pow-0", "trace", "max",
         "min", "median", "nanmedian"]  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_nonfinite_gradients_give_torchs_values(name):
    def grads(T):
        y, inputs, g = _case(T, name)
        got = T.autograd.grad(y, inputs, g, allow_unused=True)
        return [None if t is None else np.array(t.detach().tolist()) for t in got]

    theirs, ours = grads(torch), grads(gradref)
    assert len(theirs) == len(ours)
    for t, o in zip(theirs, ours):
        assert (t is None) == (o is None)
        if t is not None:
            np.testing.assert_array_equal(o, t)  # NaN where torch has NaN, inf as inf
