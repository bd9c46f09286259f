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
    report = gradspec.run(seeds.linear_f, checks=["export"], max_examples=2)
    assert report.ok and any(o.status == "passed" for o in report.outcomes), str(report)
