"""The corpus harness (benchmarks/corpus): every corpus module names its package and builds its
entries lazily; a row's verdict, its findings and the gradcheck column come from what gradspec
and gradcheck really say (checked on the docs' Functions, which need no corpus package)."""

from __future__ import annotations

import importlib

import gradref as T
import pytest
import torch

from benchmarks.corpus import MODULES
from benchmarks.corpus.__main__ import run_entry
from benchmarks.corpus._harness import Entry, spec, typical_inputs
from benchmarks.corpus.install import corpus_requirements


@pytest.mark.parametrize("name", MODULES)
def test_corpus_module_names_its_package(name):
    mod = importlib.import_module(f"benchmarks.corpus.{name}")
    assert isinstance(mod.PACKAGE, str) and mod.PACKAGE
    assert callable(mod.entries)
    # the package is pinned in the corpus extra
    assert any(r.split("==")[0].lower() == mod.PACKAGE.lower() for r in corpus_requirements())


class _Exp(torch.autograd.Function):
    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x.exp()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class _WrongExp(_Exp):
    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * 2  # the derivative of exp is exp, not 2 exp


def _row(fn):
    e = Entry(
        "exp", "Function", lambda: spec(fn, lambda x: T.exp(x), "(n)->(n)", dtypes=["float64"])
    )
    return run_entry("pkg", "1.0", e, max_examples=5, gradcheck=True)


def test_correct_function_row_is_ok_for_both():
    row = _row(_Exp.apply)
    assert row["verdict"] == "ok", row
    assert row["failures"] == [] and row["gradcheck"] == "ok"


def test_wrong_gradient_row_fails_for_both():
    row = _row(_WrongExp.apply)
    assert "failure" in row["verdict"], row
    assert any(f["check"] == "vjp" for f in row["failures"])
    assert row["gradcheck"] == "FAIL" and row["gradcheck_message"]


def test_spec_error_is_a_row_not_a_crash_of_the_runner():
    e = Entry("bad", "Function", lambda: spec(_Exp, lambda x: T.exp(x), "(n)->(n)"))
    row = run_entry("pkg", "1.0", e, max_examples=5, gradcheck=False)
    assert row["verdict"] == "SpecError" and "apply" in row["crash"]


def test_typical_inputs_honour_fixed_sizes_and_args():
    s = spec(lambda x, k: x * k, lambda x, k: x * k, "(n,d)->(n,d)", args={1: 2.0}, sizes={"d": 7})
    xs = typical_inputs(s, Entry("m", "Function", lambda: s, typical_args={1: 3.0}))
    assert xs[0].shape[-1] == 7 and xs[0].dtype == torch.float64 and xs[0].requires_grad
    assert xs[1] == 3.0
