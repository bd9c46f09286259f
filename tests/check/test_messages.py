"""What a report says: the example of a finding is the most informative failing one, the text
table cuts nothing, and Hypothesis's files go to gradspec's cache, not the caller's directory."""

import os
import subprocess
import sys

import torch

import gradspec
from gradspec.functions.report import Outcome, Report


class MeanBias(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w.t() + b

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, g.t() @ x, g.mean(0)  # bug: the bias gradient is the mean, not the sum


def test_a_finding_met_on_non_empty_inputs_is_reported_there():
    r = gradspec.check(MeanBias.apply, lambda x, w, b: x @ w.t() + b, "(n,i),(o,i),(o)->(n,o)",
                       checks=["vjp"], dtypes=["float64"])  # fmt: skip
    (f,) = r.failures
    assert "input 2 (b)" in f.message and "nan" not in f.message
    shapes = [tuple(t["shape"]) for t in f.example["inputs"]]
    assert all(0 not in s for s in shapes), f.example_text


def test_a_finding_only_on_empty_inputs_keeps_its_example():
    class EmptyFails(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            if x.numel() == 0:
                raise RuntimeError("no kernel for empty inputs")
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    # raising on zero-size inputs is edge-shapes' advice, whichever check meets it first
    r = gradspec.check(EmptyFails.apply, lambda x: x * 2, "(n)->(n)",
                       checks=["forward", "edge-shapes"], dtypes=["float64"])  # fmt: skip
    (f,) = [a for a in r.advice if "zero-size" in a.message]
    assert "no kernel for empty inputs" in f.message and "[0]" in f.example_text


def test_the_table_wraps_long_results_and_cuts_nothing():
    advice = "advice: " + " ".join(f"word{i}" for i in range(60)) + " THE-END"
    r = Report(name="x", outcomes=[Outcome("needs-input-grad", "cpu", "float32", "passed", advice)])
    table = r.table()
    assert "THE-END" in table and "word59" in table
    assert all(len(line) <= 100 for line in table.splitlines())
    assert " ".join(table.split()).count("word30") == 1


def test_hypothesis_files_go_to_gradspecs_cache(tmp_path):
    cwd, cache = tmp_path / "work", tmp_path / "cache"
    cwd.mkdir()
    env = dict(os.environ, GRADSPEC_CACHE=str(cache))
    env.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    code = (
        "import gradspec\nfrom gradspec.functions import seeds\n"
        "gradspec.run(seeds.exp, max_examples=3, checks=['vjp'])\n"
        "from hypothesis import configuration\n"
        "print(getattr(configuration, '__hypothesis_home_directory'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.strip() == str(cache / "hypothesis")
    assert not (cwd / ".hypothesis").exists()


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    from gradspec.profiles import cache_dir

    monkeypatch.setenv("GRADSPEC_CACHE", str(tmp_path / "g"))
    assert cache_dir() == str(tmp_path / "g")
    monkeypatch.delenv("GRADSPEC_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == str(tmp_path / "xdg" / "gradspec")
