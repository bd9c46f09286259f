"""The conventions at non-differentiable points (``gradref.ops.conventions.CONVENTIONS``):
gradref must give each entry's value, and so must the installed torch, unless an expected
difference (``convention.<id>``) says this torch made another choice."""

from __future__ import annotations

import gradref
import numpy as np
import pytest
import torch
from gradref.ops.conventions import CONVENTIONS

from gradspec.testing import expected_difference

IDS = [c.id for c in CONVENTIONS]


def _grads(T, c):
    scope = {"T": T}
    exec(c.setup, scope)
    leaves = [scope[n] for n in ("x", "y") if n in scope]
    out = eval(c.expr, scope)
    grads = T.autograd.grad(out, leaves, allow_unused=True)
    return [None if g is None else np.asarray(g.detach().tolist()) for g in grads]


def _check(T, c):
    got = _grads(T, c)
    for i, expected in enumerate(c.grad):
        g = got[i]
        g = np.zeros_like(np.asarray(expected, dtype=float)) if g is None else g
        np.testing.assert_array_equal(
            g, np.asarray(expected, dtype=float), err_msg=f"{c.id} ({c.doc}) input {i}"
        )


@pytest.mark.parametrize("cid", IDS)
def test_gradref_follows_convention(cid):
    _check(gradref, CONVENTIONS[IDS.index(cid)])


@pytest.mark.parametrize("cid", IDS)
def test_torch_follows_convention(cid):
    c = CONVENTIONS[IDS.index(cid)]
    with expected_difference(f"convention.{cid}"):
        _check(torch, c)


def test_every_convention_named_in_the_op_table_exists():
    from gradspec.ops.table import OPS

    named = {cid for o in OPS.values() for cid in o.conventions}
    assert named <= set(IDS), sorted(named - set(IDS))
