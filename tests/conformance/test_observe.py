"""Observation capture and comparison (gradspec.behaviours.observe), exercised with torch and
NumPy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradspec.behaviours.observe import (
    CompareOptions,
    DTypeRecord,
    Observation,
    Raised,
    TensorRecord,
    Warned,
    attempt,
    compare,
    first_line,
    is_tensor,
    observe,
    record,
)
from gradspec.tolerances import tolerance


def _obs(result=None, error=None, warned=()):
    return Observation(result=record(result), error=error, warnings=tuple(warned))


def test_tensor_record_fields():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    r = record(w * 2)
    assert isinstance(r, TensorRecord)
    assert (r.dtype, r.shape, r.requires_grad, r.is_leaf) == ("float32", (2,), True, False)
    assert r.values.dtype == np.float64
    assert r.values.tolist() == [2.0, 4.0]


def test_bfloat16_complex_int_and_bool_values():
    assert record(torch.tensor([1.5], dtype=torch.bfloat16)).values.tolist() == [1.5]
    c = record(torch.tensor([1 + 2j], dtype=torch.complex64))
    assert c.values.dtype == np.complex128 and c.values.tolist() == [1 + 2j]
    i = record(torch.tensor([[3]], dtype=torch.int16))
    assert i.values.dtype == np.int64 and i.shape == (1, 1)
    b = record(torch.tensor([True, False]))
    assert b.values.dtype == np.bool_
    z = record(torch.zeros(0, 3))
    assert z.shape == (0, 3) and z.values.shape == (0, 3)


def test_conj_view_is_resolved():
    z = torch.tensor([1 + 2j]).conj()
    assert record(z).values.tolist() == [1 - 2j]


def test_duck_typing_and_other_values():
    assert is_tensor(torch.ones(1)) and not is_tensor(np.ones(1))
    assert record(torch.float16) == DTypeRecord("float16")
    assert record(torch.Size([2, 3])) == (2, 3)
    assert record({"a": [True, 1, 2.5, "s", None]}) == {"a": [True, 1, 2.5, "s", None]}


def test_first_line_strips_triggered_suffix():
    msg = "some warning (Triggered internally at /x/y.cpp:54.)\nmore"
    assert first_line(msg) == "some warning"
    assert first_line("") == ""


def test_observe_captures_exception_and_warnings():
    def f():
        warnings.warn("careful\nsecond line", UserWarning, stacklevel=1)
        raise RuntimeError("bad thing\ndetails")

    obs = observe(f)
    assert obs.result is None
    assert obs.error == Raised("RuntimeError", "bad thing")
    assert obs.warnings == (Warned("UserWarning", "careful"),)


def test_attempt_records_an_exception_as_a_value():
    assert attempt(lambda: 3) == 3
    assert attempt(lambda: 1 / 0) == Raised("ZeroDivisionError", "division by zero")


def test_equal_observations_agree():
    a = _obs((torch.tensor([1.0, math.nan, math.inf]), 2, "x"))
    b = _obs((torch.tensor([1.0, math.nan, math.inf]), 2, "x"))
    assert compare(a, b) == []


def test_value_difference_names_path_and_index():
    a = _obs((None, {"grad": torch.tensor([1.0, 2.0, 0.5])}))
    b = _obs((None, {"grad": torch.tensor([1.0, 2.0, 0.25])}))
    (diff,) = compare(a, b)
    assert diff.startswith("result[1].grad: values differ at index (2,): torch 0.5, gradref 0.25")


def test_nan_and_inf_positions_must_match():
    nan = _obs(torch.tensor([math.nan, 1.0]))
    one = _obs(torch.tensor([1.0, 1.0]))
    assert compare(nan, one)
    pos, neg = _obs(torch.tensor([math.inf])), _obs(torch.tensor([-math.inf]))
    assert compare(pos, neg)


def test_metadata_differences_are_reported():
    a = _obs(torch.ones(2, requires_grad=True))
    b = _obs(torch.ones(2, dtype=torch.float64))
    diffs = compare(a, b)
    assert any(d.startswith("result.dtype:") for d in diffs)
    assert any(d.startswith("result.requires_grad:") for d in diffs)
    c = _obs(torch.ones(3))
    assert any(d.startswith("result.shape:") for d in compare(_obs(torch.ones(2)), c))


def test_tuple_vs_list_and_length():
    assert compare(_obs((1, 2)), _obs([1, 2]))
    assert compare(_obs((1, 2)), _obs((1, 2, 3)))
    assert compare(_obs(True), _obs(1))
    assert compare(_obs(None), _obs(0))


def test_exceptions_compare_by_type_name_and_first_line():
    a = _obs(error=Raised("RuntimeError", "msg"))
    assert compare(a, _obs(error=Raised("RuntimeError", "msg"))) == []
    assert compare(a, _obs(error=Raised("ValueError", "msg")))
    assert compare(a, _obs(error=Raised("RuntimeError", "other")))
    assert compare(a, _obs(result=1))


def test_prefix_match_of_messages():
    prefix = "one of the variables needed for gradient computation has been modified"
    a = _obs(error=Raised("RuntimeError", prefix + ": [torch.FloatTensor [3]] ..."))
    b = _obs(error=Raised("RuntimeError", prefix + ": [gradref.float32 [3]] ..."))
    assert compare(a, b)
    assert compare(a, b, CompareOptions(message_prefix=prefix)) == []


def test_warnings_compared_unless_disabled():
    a = _obs(1, warned=[Warned("UserWarning", "w")])
    b = _obs(1)
    assert compare(a, b)
    assert compare(a, b, CompareOptions(compare_warnings=False)) == []


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "complex64"])
@given(x=hnp.arrays(np.float64, 3, elements=st.floats(-4.0, 4.0)))
def test_values_within_tolerance_agree_and_beyond_do_not(dtype, x):
    rtol, atol = tolerance(dtype)
    slack = atol + rtol * np.abs(x)

    def rec(values):
        return Observation(TensorRecord(dtype, (3,), values, False, True), None, ())

    assert compare(rec(x), rec(x + slack / 4)) == []
    assert compare(rec(x), rec(x - slack / 4)) == []
    (diff,) = compare(rec(x), rec(x + slack * 8))
    assert "values differ at index (0,)" in diff


def test_integer_values_compare_exactly():
    a = Observation(TensorRecord("int64", (2,), np.array([1, 2]), False, True), None, ())
    b = Observation(TensorRecord("int64", (2,), np.array([1, 3]), False, True), None, ())
    assert compare(a, b)
