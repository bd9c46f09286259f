"""The custom autograd Functions from PyTorch's documentation, as gradspec specs.

Each Function is written as in the docs (notes/extending.rst, the "Defining new autograd
Functions" tutorial); each spec pairs it with a reference written against gradref (the same code
runs against torch). All of them pass ``gradspec check gradspec.functions.seeds``.
"""

from __future__ import annotations

import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable

import gradspec
from gradspec.functions.module import module_spec


class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LinearFunction(Function):
    """Linear with an optional bias (notes/extending.rst)."""

    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class LinearF(Function):
    """The setup_context style Linear, bias broadcast with ``bias[None, ...]``."""

    @staticmethod
    def forward(input, weight, bias):
        output = input @ weight.t()
        if bias is not None:
            output = output + bias[None, ...]
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output @ weight
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t() @ input
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias

    @staticmethod
    def symbolic(g, input, weight, bias):
        """The article's ONNX export: one custom node (exported with opset 11 and
        ONNX_ATEN_FALLBACK)."""
        return g.op("MYLINEAR", input, weight, bias)


class LinearFModule(torch.nn.Module):
    """The article's module around LinearF: Parameters, trained with SGD against MSELoss on
    y = 2 * x1 + 3 * x2 + 4."""

    def __init__(self, input_features: int = 2, output_features: int = 1):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(output_features, input_features))
        self.bias = torch.nn.Parameter(torch.empty(output_features))
        torch.nn.init.uniform_(self.weight, -0.1, 0.1)
        torch.nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, input):
        return LinearF.apply(input, self.weight, self.bias)


class MulConstant(Function):
    """Multiply by a constant (a non-tensor argument gets a None gradient)."""

    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class MyCube(Function):
    """x**3 returning the derivative as a second, non-differentiable-by-design output
    (notes/extending.func.rst); backward written with torch ops, so double backward works."""

    @staticmethod
    def forward(x):
        result = x**3
        dx = 3 * x**2
        return result, dx

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        result, dx = output
        ctx.save_for_backward(x, dx)

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        x, dx = ctx.saved_tensors
        return grad_output * dx + grad_dx * 6 * x


class Square(Function):
    """x**2 with a backward that is not differentiable by design (@once_differentiable)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x


class MulAdd(Function):
    """x * y + z, elementwise with broadcasting: gradients are summed back to each input's shape."""

    @staticmethod
    def forward(ctx, x, y, z):
        ctx.save_for_backward(x, y)
        ctx.shapes = (x.shape, y.shape, z.shape)
        return x * y + z

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        sx, sy, sz = ctx.shapes
        gx = gy = gz = None
        if ctx.needs_input_grad[0]:
            gx = _sum_to(grad_output * y, sx)
        if ctx.needs_input_grad[1]:
            gy = _sum_to(grad_output * x, sy)
        if ctx.needs_input_grad[2]:
            gz = _sum_to(grad_output, sz)
        return gx, gy, gz


def _sum_to(g, shape):
    while g.dim() > len(shape):
        g = g.sum(0)
    for d, s in enumerate(shape):
        if s == 1 and g.shape[d] != 1:
            g = g.sum(d, keepdim=True)
    return g


def _linear_ref(x, w, b=None):
    out = x @ w.t()
    return out if b is None else out + b


exp = gradspec.spec(
    Exp.apply,
    lambda x: x.exp(),
    "()->()",
    broadcast=True,
    name="Exp",
    claims={"double_backward": True},
)
my_relu = gradspec.spec(MyReLU.apply, lambda x: x.relu(), "()->()", broadcast=True, name="MyReLU")
linear = gradspec.spec(
    LinearFunction.apply,
    _linear_ref,
    "(n,i),(o,i),(o)?->(n,o)",
    name="LinearFunction",
    claims={"double_backward": True},
)
linear_f = gradspec.spec(LinearF.apply, _linear_ref, "(n,i),(o,i),(o)?->(n,o)", name="LinearF")
mul_const = gradspec.spec(
    MulConstant.apply,
    lambda x, c: x * c,
    "()->()",
    broadcast=True,
    name="MulConstant",
    args={1: 0.5},  # the constant: a non-tensor argument, not in the signature
)
my_cube = gradspec.spec(
    MyCube.apply,
    lambda x: (x**3, 3 * x**2),
    "(n)->(n),(n)",
    name="MyCube",
    claims={"double_backward": True},
)
square = gradspec.spec(
    Square.apply,
    lambda x: x * x,
    "()->()",
    broadcast=True,
    name="Square",
    claims={"double_backward": False},
)
mul_add = gradspec.spec(
    MulAdd.apply, lambda x, y, z: x * y + z, "(),(),()->()", broadcast=True, name="MulAdd"
)

linear_f_module = module_spec(
    LinearFModule(),
    lambda x, weight, bias: x @ weight.t() + bias,
    "(n,2)->(n,1)",
    name="LinearFModule",
    train_steps=5,
)

SPECS = [exp, my_relu, linear, linear_f, linear_f_module, mul_const, my_cube, square, mul_add]
