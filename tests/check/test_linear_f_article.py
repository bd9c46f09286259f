"""LinearF as its article uses it: an nn.Module with Parameters, trained for 300 SGD steps
against MSELoss on y = 2 * x1 + 3 * x2 + 4, and exported to ONNX with its symbolic node. The
training is compared step by step with torch.nn.Linear from the same initial parameters (an
independent reference), and must recover (2, 3, 4)."""

from __future__ import annotations

import io
import warnings

import pytest
import torch

import gradspec
from gradspec.functions import seeds
from gradspec.functions.checks.export import torchscript_exporter


def _data(n=64):
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n, 2, generator=gen)
    return x, (2 * x[:, :1] + 3 * x[:, 1:] + 4)


def test_300_sgd_steps_match_nn_linear_and_recover_the_coefficients():
    torch.manual_seed(0)
    model = seeds.LinearFModule()
    plain = torch.nn.Linear(2, 1)
    with torch.no_grad():
        plain.weight.copy_(model.weight)
        plain.bias.copy_(model.bias)
    x, y = _data()
    loss_fn = torch.nn.MSELoss()
    opts = [torch.optim.SGD(m.parameters(), lr=0.1) for m in (model, plain)]
    for _ in range(300):
        for m, opt in zip((model, plain), opts):
            opt.zero_grad()
            loss_fn(m(x), y).backward()
            opt.step()
        torch.testing.assert_close(model.weight, plain.weight)
        torch.testing.assert_close(model.bias, plain.bias)
    assert torch.allclose(model.weight.detach(), torch.tensor([[2.0, 3.0]]), atol=0.15)
    assert torch.allclose(model.bias.detach(), torch.tensor([4.0]), atol=0.15)


def test_the_module_passes_check_module_with_training_steps():
    report = gradspec.run(seeds.linear_f_module, checks=["train-steps", "vjp"], max_examples=4)
    assert report.ok, str(report)


def test_training_starts_from_parameters_that_require_grad_whatever_the_last_call_installed():
    # a check's call installs its drawn tensors in the module, and an example may draw a
    # parameter that needs no gradient: the training must not inherit that tensor (the
    # optimizer would never move it, and the trained module would differ from the reference)
    import gradref

    from gradspec.functions.answers import Answers
    from gradspec.functions.case import Case, Facts
    from gradspec.functions.checks import CHECKS
    from gradspec.functions.examples import Example
    from gradspec.functions.module import module_spec

    s = module_spec(seeds.LinearFModule(), lambda x, weight, bias: x @ weight.t() + bias,
                    "(n,2)->(n,1)", train_steps=2)  # fmt: skip
    s.fn(torch.ones(3, 2), torch.ones(1, 2), torch.zeros(1, requires_grad=True))
    assert not s.module.weight.requires_grad  # installed, as a checked call leaves it
    ex = Example("float64", "cpu", ((3, 2), (1, 2), (1,)), (True, True, True),
                 ("contiguous",) * 3, ("contiguous",), 0, bounds=((-2.0, 2.0),) * 3)  # fmt: skip
    ex = ex.with_values()
    case = Case(s, s.parsed(), ex, gradref, Answers(s, gradref, (), 0), Facts())
    CHECKS["train-steps"].run(case)  # CheckFailure when the weight was not trained
    assert "float64" in case.facts.trained


def test_onnx_export_holds_the_symbolic_node():
    onnx = pytest.importorskip("onnx")
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fallback = torch.onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK
        torch.onnx.export(seeds.LinearFModule(), (torch.rand(4, 2),), buf, opset_version=11,
                          operator_export_type=fallback, **torchscript_exporter())  # fmt: skip
    ops = [n.op_type for n in onnx.load_from_string(buf.getvalue()).graph.node]
    assert ops == ["MYLINEAR"]
    # the bias present on every example (an export passes every input: the seed spec's optional
    # bias may be omitted on all of a few random draws)
    with_bias = gradspec.spec(seeds.LinearF.apply, seeds._linear_ref, "(n,i),(o,i),(o)->(n,o)")
    report = gradspec.run(with_bias, checks=["export"], max_examples=2)
    assert report.ok and any(o.status == "passed" for o in report.outcomes), str(report)
