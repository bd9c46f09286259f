"""The selection ops (gradref/ops/selection.py: topk, sort, argsort, median, kthvalue, cummax,
cummin, one_hot, masked_select, scatter): torch's errors (type and message), return types and
the tie rules torch fixes, each run on torch and gradref alike. Values, VJPs, double backward
and node names are compared by the op table (tests/ops/test_ops_vs_torch.py)."""

from __future__ import annotations

import gradref
import numpy as np
import pytest
import torch

from gradspec.testing import expected_difference

ERRORS = {
    "topk-k-too-large": lambda T: T.ones(3, 4).topk(5),
    "topk-k-negative": lambda T: T.ones(3, 4).topk(-1),
    "topk-dim-range": lambda T: T.ones(3, 4).topk(1, dim=2),
    "kthvalue-k-range": lambda T: T.ones(3, 4).kthvalue(5),
    "kthvalue-k-zero": lambda T: T.ones(3, 4).kthvalue(0),
    "median-empty-dim": lambda T: T.ones(3, 0).median(1),
    "one-hot-negative": lambda T: T.nn.functional.one_hot(T.tensor([-1, 0])),
    "one-hot-too-large": lambda T: T.nn.functional.one_hot(T.tensor([3, 0]), 2),
    "one-hot-float": lambda T: T.nn.functional.one_hot(T.tensor([1.0, 0.0])),
    "one-hot-empty": lambda T: T.nn.functional.one_hot(T.zeros(0, dtype=T.int64)),
    "masked-select-mask-dtype": lambda T: T.ones(3).masked_select(T.ones(3, dtype=T.int64)),
    "scatter-dtype": lambda T: T.ones(3, 4).scatter(
        1, T.tensor([[0], [1], [2]]), T.ones(3, 1, dtype=T.float64)
    ),
    "scatter-index-dtype": lambda T: T.ones(3, 4).scatter(1, T.tensor([[0.0], [1.0], [2.0]]), 5.0),
    "scatter-out-of-bounds": lambda T: T.ones(3, 4).scatter(1, T.tensor([[0], [1], [7]]), 5.0),
    "scatter-index-rank": lambda T: T.ones(3, 4).scatter(1, T.tensor([0, 1, 2]), 5.0),
}


def _raise(T, f):
    with pytest.raises(Exception) as info:
        f(T)
    return type(info.value), str(info.value).splitlines()[0]


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_match_torch(case):
    ours = _raise(gradref, ERRORS[case])
    with expected_difference(f"selection.errors.{case}"):
        assert ours == _raise(torch, ERRORS[case])


VALUES = {
    "topk-empty-rows": lambda T, x: x[:0].topk(2),
    "topk-0d": lambda T, x: x[0, 0].topk(1),
    "sort-0d": lambda T, x: x[0, 0].sort(),
    "median-empty": lambda T, x: (x[:0].median(),),
    "median-nan": lambda T, x: T.median(x * T.tensor([1.0, float("nan"), 1.0, 1.0]), 1),
    "cummax-nan": lambda T, x: (x * T.tensor([1.0, float("nan"), 1.0, 1.0])).cummax(1),
    "kthvalue-0d": lambda T, x: x[0, 0].kthvalue(1),
    "one-hot-empty-with-classes": lambda T, x: (
        T.nn.functional.one_hot(T.zeros(0, dtype=T.int64), 3),
    ),
    "masked-select-broadcast": lambda T, x: (x.masked_select(T.tensor([True, False, True, True])),),
}


@pytest.mark.parametrize("case", sorted(VALUES))
def test_edge_values_match_torch(case):
    data = np.random.default_rng(0).standard_normal((3, 4))
    got = VALUES[case](gradref, gradref.tensor(data))
    with expected_difference(f"selection.values.{case}"):
        want = VALUES[case](torch, torch.tensor(data))
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert tuple(a.shape) == tuple(b.shape)
            assert str(a.dtype) == str(b.dtype).replace("torch", "gradref")
            np.testing.assert_array_equal(np.asarray(a.tolist()), np.asarray(b.tolist()))


@pytest.mark.parametrize("op", ["topk", "sort", "median", "kthvalue", "cummax", "cummin"])
def test_return_types_have_torch_names(op):
    x = gradref.tensor([[1.0, 3.0, 2.0]])
    call = {
        "topk": lambda t: t.topk(2),
        "sort": lambda t: t.sort(),
        "median": lambda t: t.median(1),
        "kthvalue": lambda t: t.kthvalue(1),
        "cummax": lambda t: t.cummax(1),
        "cummin": lambda t: t.cummin(1),
    }[op]
    ours = call(x)
    assert repr(ours).startswith(f"torch.return_types.{op}(")
    with expected_difference(f"selection.return-types.{op}"):
        theirs = call(torch.tensor([[1.0, 3.0, 2.0]]))
        assert type(theirs).__name__ == op
        assert ours.indices.tolist() == theirs.indices.tolist()


def test_documented_tie_rules_hold_in_torch():
    """The rules TIE_RULES states as torch's (not the ones it calls unspecified)."""
    x = [1.0, 3.0, 3.0, 0.0, 3.0, 1.0]
    for T in (torch, gradref):
        t = T.tensor(x)
        assert t.sort(stable=True, descending=True).indices.tolist() == [1, 2, 4, 0, 5, 3]
        assert t.max(0).indices.item() == 1  # the first maximum
        assert t.cummax(0).indices.tolist() == [0, 1, 2, 2, 4, 4]  # ties move the index
        assert t.cummin(0).indices.tolist() == [0, 0, 0, 3, 3, 3]
