"""A user's bad inputs, each with a clear answer: absent devices are not run (never a pass),
wrong ONNX ``symbolic`` methods fail, the CLI takes files and says what is wrong with an option in
one line."""

import os
import textwrap

import pytest
import torch

import gradspec
from gradspec.cli import main
from gradspec.functions import seeds

#: a device no test machine has (cuda:15), so "absent" holds with or without a GPU
ABSENT = "cuda:15"


def exp_spec(**kw):
    return gradspec.spec(seeds.Exp.apply, lambda x: x.exp(), "(n)->(n)", **kw)


# -- absent devices -------------------------------------------------------------------------


def test_an_absent_requested_device_is_not_run_and_not_ok():
    r = gradspec.run(exp_spec(), devices=["cpu", ABSENT], checks=["vjp"], max_examples=2)
    assert not r.ok
    assert list(r.not_run) == [ABSENT] and "not available" in r.not_run[ABSENT]
    assert all(o.device == "cpu" and o.status == "passed" for o in r.outcomes)
    text = str(r)
    assert text.splitlines()[0].startswith("gradspec check of Exp.apply: FAILED (not run on")
    assert f"NOT RUN on {ABSENT}: " in text and "where_available=True" in text
    assert r.to_dict()["not_run"] == r.not_run and r.to_dict()["ok"] is False


def test_a_spec_naming_an_absent_device_is_not_run():
    r = gradspec.run(exp_spec(devices=[ABSENT]), checks=["vjp"], max_examples=2)
    assert not r.ok and ABSENT in r.not_run and r.examples_run == 0


def test_where_available_skips_an_absent_device():
    r = gradspec.run(
        exp_spec(), devices=["cpu", ABSENT], checks=["vjp"], max_examples=2, where_available=True
    )
    assert r.ok and not r.not_run
    skipped = [o for o in r.outcomes if o.device == ABSENT]
    assert skipped and all(o.status == "skipped" and "not available" in o.detail for o in skipped)


def test_bad_device_and_dtype_overrides_are_spec_errors():
    with pytest.raises(gradspec.SpecError, match="'gpu' is not a torch device"):
        gradspec.run(exp_spec(), devices=["gpu"])
    with pytest.raises(gradspec.SpecError, match="dtype 'int32' is not one of"):
        gradspec.run(exp_spec(), dtypes=["int32"])
    with pytest.raises(gradspec.SpecError, match="max_examples"):
        gradspec.run(exp_spec(), max_examples=0)


# -- the CLI --------------------------------------------------------------------------------

USER_FILE = """
import torch, gradspec


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


spec = gradspec.spec(Exp.apply, lambda x: x.exp(), "(n)->(n)")
"""


@pytest.fixture
def user_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "sub" / "my_exp_ops.py"
    path.parent.mkdir()
    path.write_text(USER_FILE)
    return path


@pytest.mark.parametrize("form", ["{path}", "{path}:spec", "./sub/my_exp_ops.py"])
def test_check_takes_a_python_file(capsys, user_file, form):
    target = form.format(path=user_file)
    assert main(["check", target, "--max-examples", "2", "--check", "vjp"]) == 0
    out = capsys.readouterr().out
    assert "Exp.apply" in out and "all 1 spec(s) passed" in out


def test_a_file_target_reproducer_imports_the_file_module(capsys, user_file, tmp_path):
    user_file.write_text(USER_FILE.replace("return g * y", "return g * y * 2"))
    rc = main(["check", f"{user_file}:spec", "--max-examples", "3", "--check", "vjp",
               "--dtype", "float64", "--reproducers", str(tmp_path / "r")])  # fmt: skip
    assert rc == 1
    (script,) = (tmp_path / "r").glob("*.py")
    assert "from my_exp_ops import Exp" in script.read_text()


def _one_line_exit_2(capsys, argv, *needles):
    rc = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2, err
    assert len(err) == 1 and err[0].startswith("gradspec "), err
    for n in needles:
        assert n in err[0], err
    return err[0]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["no_such_file.py"], ["no such file: no_such_file.py"]),
        (["{path}:nothing"], ["has no attribute 'nothing'"]),
        (["{path}:spec", "--dtype", "int32"], ["--dtype", "'int32'"]),
        (["{path}:spec", "--device", "gpu"], ["--device", "'gpu' is not a torch device"]),
        (["{path}:spec", "--device", ABSENT], [f"--device {ABSENT}: ", "--where-available"]),
        (["{path}:spec", "--check", "bogus"], ["unknown check(s) bogus"]),
        (["{path}:spec", "--profile", "fast"], ["--profile 'fast'"]),
        (["{path}:spec", "--max-examples", "0"], ["--max-examples must be at least 1"]),
        (["{path}:spec", "--max-examples", "x"], ["invalid int value"]),
        (["{path}:spec", "--json", "/no/such/dir/r.json"], ["does not exist"]),
        (["{path}:spec", "--no-such-option"], ["unrecognized arguments"]),
    ],
)
def test_every_bad_option_is_one_line_and_exit_2(capsys, user_file, args, needles):
    argv = ["check"] + [a.format(path=user_file) for a in args]
    _one_line_exit_2(capsys, argv, *needles)


def test_a_file_that_raises_on_import_is_one_line(capsys, tmp_path):
    bad = tmp_path / "broken_ops.py"
    bad.write_text("import torch\nraise RuntimeError('no kernel for this machine')\n")
    _one_line_exit_2(capsys, ["check", str(bad)], "RuntimeError: no kernel for this machine")
    bad.write_text("def f(:\n")
    _one_line_exit_2(capsys, ["check", str(bad)], "SyntaxError")
    bad.write_text("import sys\nsys.exit(3)\n")
    _one_line_exit_2(capsys, ["check", str(bad)], "sys.exit(3)")


def test_a_module_that_raises_on_import_is_one_line(capsys, tmp_path, monkeypatch):
    (tmp_path / "raising_mod_xyz.py").write_text("x = 1 / 0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    _one_line_exit_2(capsys, ["check", "raising_mod_xyz:spec"], "ZeroDivisionError")


def test_where_available_runs_the_present_devices(capsys, user_file):
    rc = main(["check", f"{user_file}:spec", "--device", "cpu", "--device", ABSENT,
               "--where-available", "--max-examples", "2", "--check", "vjp"])  # fmt: skip
    assert rc == 0
    assert "skipped" in capsys.readouterr().out


# -- the export check -----------------------------------------------------------------------


def _linear(symbolic, name):
    class F(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b):
            ctx.save_for_backward(x, w)
            return x @ w.t() + b

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g @ w, g.t() @ x, g.sum(0)

    F.symbolic = staticmethod(symbolic)
    F.__name__ = F.__qualname__ = name
    return F


def _export_report(F):
    pytest.importorskip("onnx")
    return gradspec.check(F.apply, lambda x, w, b: x @ w.t() + b, "(n,i),(o,i),(o)->(n,o)",
                          checks=["export"], max_examples=3, dtypes=["float32"])  # fmt: skip


def test_export_runs_a_correct_gemm_graph():
    r = _export_report(_linear(lambda g, x, w, b: g.op("Gemm", x, w, b, transB_i=1), "GemmOk"))
    assert r.ok, r
    (o,) = r.outcomes
    assert o.status == "passed" and "reference evaluator" in o.detail and "gives" in o.detail


def test_export_catches_a_gemm_without_transb():
    r = _export_report(_linear(lambda g, x, w, b: g.op("Gemm", x, w, b), "GemmNoTransB"))
    assert not r.ok
    (f,) = r.failures
    assert f.check == "export" and "Gemm(input_0, input_1, input_2)" in f.message
    assert "reference evaluator" in f.message


def test_export_catches_a_misspelled_op():
    r = _export_report(_linear(lambda g, x, w, b: g.op("Gem", x, w, b, transB_i=1), "Gem"))
    assert not r.ok
    (f,) = r.failures
    assert "'Gem', which is not an ONNX operator (did you mean 'Gemm'?)" in f.message


def test_export_catches_wrong_values_from_a_standard_graph():
    # square weights: the Gemm without transB runs, and gives x @ w + b instead of x @ w.t() + b
    pytest.importorskip("onnx")
    F = _linear(lambda g, x, w, b: g.op("Gemm", x, w, b), "GemmSquare")
    r = gradspec.check(F.apply, lambda x, w, b: x @ w.t() + b, "(n,i),(i,i),(i)->(n,i)",
                       checks=["export"], max_examples=3, dtypes=["float32"],
                       sizes={"i": 3})  # fmt: skip
    assert not r.ok
    assert "differs from the Function's forward" in r.failures[0].message


def test_export_checks_a_custom_op_attributes_and_says_the_graph_did_not_run():
    pytest.importorskip("onnx")
    F = _linear(lambda g, x, w, b: g.op("mydomain::MyLinear", x, w, b, alpha_f=2.0), "Custom")
    r = _export_report(F)
    assert r.ok, r
    assert "cannot run the graph" in r.outcomes[0].detail


def test_the_seed_linear_f_export_passes_and_says_why_it_was_not_run():
    pytest.importorskip("onnx")
    # the bias present on every example (the seed spec's optional bias may be omitted on all of
    # a few random draws, and an export passes every input)
    with_bias = gradspec.spec(seeds.LinearF.apply, seeds._linear_ref, "(n,i),(o,i),(o)->(n,o)")
    r = gradspec.run(with_bias, checks=["export"], max_examples=2)
    assert r.ok, r
    passed = [o for o in r.outcomes if o.status == "passed"]
    said = [(o.dtype, o.status, o.detail) for o in r.outcomes]
    assert passed and "MYLINEAR" in passed[0].detail and "cannot run" in passed[0].detail, said


def test_recorder_reads_attributes_and_input_positions():
    from gradspec.functions.checks.export import misspelled, recorded

    F = _linear(lambda g, x, w, b: g.op("Gemm", x, w, b, transB_i=1, alpha_f=0.5), "R")
    assert recorded(F, 3) == [("Gemm", [0, 1, 2], {"transB": 1, "alpha": 0.5}, 1)]
    standard = {"Gemm", "Relu", "MatMul"}
    assert misspelled("Gem", standard) == "Gemm" and misspelled("gemm", standard) == "Gemm"
    assert misspelled("MYLINEAR", standard) is None


def test_devices_module_names_the_reason():
    from gradspec.devices import absent_reason, split_devices

    assert absent_reason("cpu") is None
    present, absent = split_devices(["cpu", ABSENT])
    assert present == ["cpu"] and list(absent) == [ABSENT]
    if not torch.cuda.is_available():
        assert "cuda is not available here" in absent_reason("cuda")


def test_readme_names_what_the_pytest_commands_need():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md")).read()
    ci = readme[readme.index("## Run it in CI") :]
    assert "pytest -p gradspec" in ci
    assert textwrap.dedent("gradspec[pytest]") in ci


def _clamp_between(symbolic):
    class ClampBetween(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, lo, hi):
            return torch.where(x > hi, hi, torch.where(x < lo, lo, x))

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    ClampBetween.symbolic = staticmethod(symbolic)
    return ClampBetween


def _upper_then_lower(g, x, lo, hi):
    y = g.op("Where", g.op("Greater", x, hi), hi, x)
    return g.op("Where", g.op("Less", y, lo), lo, y)


def test_export_matches_each_of_several_nodes_of_one_op():
    # two Where nodes: the second (taking lo) is not the first exported Where (taking hi)
    pytest.importorskip("onnx")
    F = _clamp_between(_upper_then_lower)
    r = gradspec.check(F.apply, lambda x, lo, hi: x * 1.0, "(),(),()->()", broadcast=True,
                       checks=["export"], max_examples=3, dtypes=["float32"],
                       bounds=[(-0.5, 0.5), (-1.0, -0.9), (0.9, 1.0)])  # fmt: skip
    assert r.ok, r


def test_export_catches_a_where_given_the_wrong_bound():
    pytest.importorskip("onnx")

    def swapped(g, x, lo, hi):
        y = g.op("Where", g.op("Greater", x, hi), lo, x)  # the upper bound replaced by lo
        return g.op("Where", g.op("Less", y, lo), lo, y)

    F = _clamp_between(swapped)
    r = gradspec.check(F.apply, lambda x, lo, hi: x * 1.0, "(),(),()->()", broadcast=True,
                       checks=["export"], max_examples=3, dtypes=["float32"],
                       bounds=[(2.0, 3.0), (-1.0, -0.9), (0.9, 1.0)])  # fmt: skip
    assert not r.ok


def test_export_compares_a_tensor_attribute_by_value():
    # Constant's value_t reaches the graph as a TensorProto: the same number is the same value
    pytest.importorskip("onnx")

    class AddThree(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x + 3

        @staticmethod
        def backward(ctx, g):
            return g

        @staticmethod
        def symbolic(g, x):
            return g.op("Add", x, g.op("Constant", value_t=torch.tensor(3.0)))

    r = gradspec.check(AddThree.apply, lambda x: x + 3, "(n)->(n)", checks=["export"],
                       max_examples=3, dtypes=["float32"])  # fmt: skip
    assert r.ok, r
