"""Custom autograd Functions written the way real projects write them, for the realistic zoo
(``benchmarks/realistic_zoo.py``): correct ones, and ones with one planted bug each.

The styles follow their sources: GradientReversal from DANN code, straight-through estimators
from binarized and quantized nets, memory-efficient Swish and Mish (save the input, recompute in
backward), Megatron/Apex-style fused bias+GeLU and fused softmax-cross-entropy with an
``ignore_index``, a LayerNorm with optional affine parameters, Functions taking float/int/bool
arguments, top-k and sort with index outputs, in-place Functions with ``mark_dirty``, view-
returning Functions, ``torch.amp.custom_fwd``/``custom_bwd``, NumPy backwards, the Functions of
``torch.testing._internal.autograd_function_db`` (NumpyCube, NumpyMul, NumpySort, NumpyExp_,
Select) and the PyTorch tutorials' ``LegendrePolynomial3`` and ``MyReLU``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd import Function
from torch.autograd.function import once_differentiable

from benchmarks.torch_compat import custom_bwd, custom_fwd


def to_numpy(tensor):
    return tensor.cpu().numpy()


# ================================================================================= correct ====


class GradientReversal(Function):
    """DANN's gradient reversal layer: identity forward, -alpha * grad backward."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.neg() * ctx.alpha, None


class BinarizeSTE(Function):
    """Binarized nets: sign forward, straight-through (hardtanh) gradient."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sign()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[x.abs() > 1] = 0
        return grad_input


class FakeQuantSTE(Function):
    """Quantization-aware training: round to ``bits`` levels in [-1, 1], identity gradient."""

    @staticmethod
    def forward(ctx, x, bits):
        scale = 2 ** (bits - 1) - 1
        return torch.round(x.clamp(-1, 1) * scale) / scale

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


class SwishMemoryEfficient(Function):
    """x * sigmoid(x), saving only x (recomputing sigmoid in backward)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_output * (s * (1 + x * (1 - s)))


class MishMemoryEfficient(Function):
    """x * tanh(softplus(x)), saving only x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.tanh(F.softplus(x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        sx = torch.sigmoid(x)
        fx = torch.tanh(F.softplus(x))
        return grad_output * (fx + x * sx * (1 - fx * fx))


def _bias_gelu(bias, y):
    x = bias + y
    return x * 0.5 * (1.0 + torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x)))


def _bias_gelu_back(g, bias, y):
    x = bias + y
    tanh_out = torch.tanh(0.79788456 * x * (1 + 0.044715 * x * x))
    ff = 0.5 * x * ((1 - tanh_out * tanh_out) * (0.79788456 + 0.1070322243 * x * x)) + 0.5 * (
        1 + tanh_out
    )
    return ff * g


class GeLUFunction(Function):
    """Megatron-LM's fused bias + GeLU (tanh approximation): forward(input, bias)."""

    @staticmethod
    def forward(ctx, input, bias):
        ctx.save_for_backward(input, bias)
        return _bias_gelu(bias, input)

    @staticmethod
    def backward(ctx, grad_output):
        input, bias = ctx.saved_tensors
        tmp = _bias_gelu_back(grad_output, bias, input)
        return tmp, tmp.sum(0)


class SoftmaxCrossEntropy(Function):
    """Fused softmax + cross-entropy with integer targets and ``ignore_index`` (mean over the
    targets that are not ignored, as F.cross_entropy). Backward recomputes the softmax from the
    saved logits with torch ops, so double backward is right too."""

    @staticmethod
    def forward(ctx, logits, target, ignore_index):
        logits_max = logits.max(dim=-1, keepdim=True).values if logits.shape[-1] else logits
        shifted = logits - logits_max
        exp = shifted.exp()
        sum_exp = exp.sum(-1, keepdim=True)
        valid = target != ignore_index
        safe = torch.where(valid, target, torch.zeros_like(target))
        if logits.shape[-1]:
            picked = shifted.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
        else:
            picked = shifted.sum(-1)
        losses = (sum_exp.squeeze(-1).log() - picked) * valid
        count = valid.sum()
        ctx.save_for_backward(logits, safe, valid, count)
        return losses.sum() / count

    @staticmethod
    def backward(ctx, grad_output):
        logits, safe, valid, count = ctx.saved_tensors
        c = logits.shape[-1]
        softmax = logits.softmax(-1)
        one_hot = F.one_hot(safe, c).to(logits.dtype) if c else torch.zeros_like(logits)
        scale = grad_output / count
        grad = torch.where(valid.unsqueeze(-1), (softmax - one_hot) * scale, 0.0)
        return grad, None, None


class LayerNormFunction(Function):
    """LayerNorm over the last dimension with optional affine weight and bias, saving only the
    input (Apex's memory_efficient=False style recomputes the statistics in backward, with
    differentiable torch ops, so double backward is right too)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        ctx.save_for_backward(x, weight, bias)
        ctx.eps = eps
        xhat, _ = _normalize(x, eps)
        out = xhat if weight is None else xhat * weight
        return out if bias is None else out + bias

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, bias = ctx.saved_tensors
        xhat, rstd = _normalize(x, ctx.eps)
        gx = gw = gb = None
        if weight is not None and ctx.needs_input_grad[1]:
            gw = (grad_output * xhat).sum(0)
        if bias is not None and ctx.needs_input_grad[2]:
            gb = grad_output.sum(0)
        if ctx.needs_input_grad[0]:
            gxhat = grad_output if weight is None else grad_output * weight
            gx = rstd * (gxhat - _mean(gxhat) - xhat * _mean(gxhat * xhat))
        return gx, gw, gb, None


def _mean(t):
    return t.mean(-1, keepdim=True) if t.shape[-1] else t.sum(-1, keepdim=True)


def _normalize(x, eps):
    mean = _mean(x)
    rstd = torch.rsqrt(_mean((x - mean) ** 2) + eps)
    return (x - mean) * rstd, rstd


class TopK(Function):
    """Top-k values and indices along the last dimension; indices non-differentiable."""

    @staticmethod
    def forward(ctx, x, k):
        values, indices = x.topk(k, dim=-1)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.shape = x.shape
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        (indices,) = ctx.saved_tensors
        grad = grad_values.new_zeros(ctx.shape)
        return grad.scatter(-1, indices, grad_values), None


class NumpySort(Function):
    """torch.testing._internal.autograd_function_db's NumpySort (sorted values, indices and
    inverse indices, NumPy in the forward, NumpyTake in the backward)."""

    @staticmethod
    def forward(x, dim):
        device = x.device
        x = to_numpy(x)
        ind = np.argsort(x, axis=dim)
        ind_inv = np.argsort(ind, axis=dim)
        return (
            torch.tensor(np.take_along_axis(x, ind, dim), device=device),
            torch.tensor(ind, device=device),
            torch.tensor(ind_inv, device=device),
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        _x, dim = inputs
        _, ind, ind_inv = output
        ctx.mark_non_differentiable(ind, ind_inv)
        ctx.save_for_backward(ind, ind_inv)
        ctx.dim = dim

    @staticmethod
    def backward(ctx, grad_output, _0, _1):
        ind, ind_inv = ctx.saved_tensors
        return NumpyTake.apply(grad_output, ind_inv, ind, ctx.dim), None


class NumpyTake(Function):
    @staticmethod
    def forward(x, ind, ind_inv, dim):
        device = x.device
        x = to_numpy(x)
        ind = to_numpy(ind)
        return torch.tensor(np.take_along_axis(x, ind, dim), device=device)

    @staticmethod
    def setup_context(ctx, inputs, output):
        _x, ind, ind_inv, dim = inputs
        ctx.save_for_backward(ind, ind_inv)
        ctx.dim = dim

    @staticmethod
    def backward(ctx, grad_output):
        ind, ind_inv = ctx.saved_tensors
        return NumpyTake.apply(grad_output, ind_inv, ind, ctx.dim), None, None, None


class NumpyMul(Function):
    """autograd_function_db's NumpyMul: a NumPy forward, a backward through NumpyMul itself."""

    @staticmethod
    def forward(x, y):
        return torch.tensor(to_numpy(x) * to_numpy(y), device=x.device)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        gx = NumpyMul.apply(grad_output, y) if ctx.needs_input_grad[0] else None
        gy = NumpyMul.apply(grad_output, x) if ctx.needs_input_grad[1] else None
        return gx, gy


class NumpyCube(Function):
    """autograd_function_db's NumpyCube: x**3 and its derivative as a second output."""

    @staticmethod
    def forward(input):
        input_np = to_numpy(input)
        dinput = torch.tensor(3 * input_np**2, device=input.device)
        return torch.tensor(input_np**3, device=input.device), dinput

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0], output[1])

    @staticmethod
    def backward(ctx, grad_output, grad_saved):
        input, dinput = ctx.saved_tensors
        return NumpyMul.apply(grad_output, dinput) + 6 * NumpyMul.apply(grad_saved, input)


class NumpyExp_(Function):  # noqa: N801 - torch's name
    """autograd_function_db's NumpyExp_: exp in place through NumPy, marked dirty."""

    @staticmethod
    def forward(x):
        x_np = to_numpy(x)
        np.exp(x_np, x_np)
        return x

    @staticmethod
    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.mark_dirty(x)
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_output):
        (output,) = ctx.saved_tensors
        return NumpyMul.apply(grad_output, output)


class Select(Function):
    """autograd_function_db's Select: ``x[idx]``, a view of the input."""

    @staticmethod
    def forward(x, idx):
        return x[idx]

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, idx = inputs
        ctx.x_shape = x.shape
        ctx.idx = idx

    @staticmethod
    def backward(ctx, grad_output):
        result = grad_output.new_zeros(ctx.x_shape)
        result[ctx.idx] = grad_output
        return result, None


class ReLUInplace(Function):
    """An in-place ReLU: modifies its input, marks it dirty, returns it."""

    @staticmethod
    def forward(ctx, x):
        x.clamp_(min=0)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out > 0).to(grad_output.dtype)


class TransposeView(Function):
    """Returns ``x.t()``, a view of its input."""

    @staticmethod
    def forward(ctx, x):
        return x.t()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.t()


class AmpLinear(Function):
    """A linear layer with torch.amp's custom_fwd/custom_bwd (the autocast recipe)."""

    @staticmethod
    @custom_fwd(device_type="cuda")
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return x @ weight.t()

    @staticmethod
    @custom_bwd(device_type="cuda")
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        grad_x = grad_output @ weight if ctx.needs_input_grad[0] else None
        grad_w = grad_output.t() @ x if ctx.needs_input_grad[1] else None
        return grad_x, grad_w


class NumpyErf(Function):
    """erf with a NumPy backward, marked @once_differentiable (double backward refused)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.erf(x)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        xn = to_numpy(x.double())
        d = 2.0 / math.sqrt(math.pi) * np.exp(-xn * xn)
        return grad_output * torch.from_numpy(np.asarray(d)).to(grad_output)


class LegendrePolynomial3(Function):
    """The PyTorch tutorial's P3(x) = (5x^3 - 3x) / 2."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class MyReLU(Function):
    """The PyTorch tutorial's MyReLU."""

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


class ScaledLeakyReLU(Function):
    """Arguments of every kind: a float slope, an int scale and a bool ``square`` flag."""

    @staticmethod
    def forward(ctx, x, slope, scale, square):
        ctx.save_for_backward(x)
        ctx.slope, ctx.scale, ctx.square = slope, scale, square
        y = torch.where(x > 0, x, x * slope) * scale
        return y * y if square else y

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        y = torch.where(x > 0, x, x * ctx.slope) * ctx.scale
        dy = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, ctx.slope)) * ctx.scale
        g = grad_output * (2 * y * dy if ctx.square else dy)
        return g, None, None, None


class ClipGradient(Function):
    """Identity forward; the gradient clipped to [-clip, clip] (a surrogate gradient)."""

    @staticmethod
    def forward(ctx, x, clip):
        ctx.clip = clip
        return x.clone()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.clamp(-ctx.clip, ctx.clip), None


class MaskedMean(Function):
    """Mean of ``x`` over the positions a bool mask selects (0 when none is)."""

    @staticmethod
    def forward(ctx, x, mask):
        count = mask.sum().clamp(min=1)
        ctx.save_for_backward(mask, count)
        return (x * mask).sum() / count

    @staticmethod
    def backward(ctx, grad_output):
        mask, count = ctx.saved_tensors
        return grad_output * mask / count, None


class LayerNormModuleFn(LayerNormFunction):
    """The same LayerNorm Function, used by a Module."""


class MyLayerNorm(torch.nn.Module):
    """An nn.Module whose forward calls a custom Function with its parameters."""

    def __init__(self, d: int, eps: float = 1e-5):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))
        self.bias = torch.nn.Parameter(torch.zeros(d))
        self.eps = eps

    def forward(self, x):
        return LayerNormModuleFn.apply(x, self.weight, self.bias, self.eps)


# ================================================================================== buggy =====


class GradientReversalNoNeg(Function):
    """Bug: forgets the minus sign (scales instead of reversing)."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.alpha, None


class BinarizeSTEModifiesGrad(Function):
    """Bug: zeroes grad_output in place instead of a copy."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sign()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad_output[x.abs() > 1] = 0
        return grad_output


class SwishWrongDerivative(Function):
    """Bug: sigmoid * (1 + x * sigmoid) instead of sigmoid * (1 + x * (1 - sigmoid))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_output * (s * (1 + x * s))


class MishContiguousGrad(Function):
    """Bug: flattens grad_output with .view(-1), which needs contiguous memory."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.tanh(F.softplus(x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        sx = torch.sigmoid(x)
        fx = torch.tanh(F.softplus(x))
        d = (fx + x * sx * (1 - fx * fx)).reshape(-1)
        return (grad_output.view(-1) * d).view(x.shape)


class GeLUBiasUnsummed(Function):
    """Bug: the bias gradient is not summed over the batch (the engine sums it silently)."""

    @staticmethod
    def forward(ctx, input, bias):
        ctx.save_for_backward(input, bias)
        return _bias_gelu(bias, input)

    @staticmethod
    def backward(ctx, grad_output):
        input, bias = ctx.saved_tensors
        tmp = _bias_gelu_back(grad_output, bias, input)
        return tmp, tmp


class SoftmaxCrossEntropyBatchMean(Function):
    """Bug: divides by the batch size instead of the number of targets not ignored."""

    @staticmethod
    def forward(ctx, logits, target, ignore_index):
        loss = F.cross_entropy(logits, target, ignore_index=ignore_index)
        valid = target != ignore_index
        safe = torch.where(valid, target, torch.zeros_like(target))
        ctx.save_for_backward(logits, safe, valid)
        return loss

    @staticmethod
    def backward(ctx, grad_output):
        logits, safe, valid = ctx.saved_tensors
        c = logits.shape[-1]
        one_hot = F.one_hot(safe, c).to(logits.dtype) if c else torch.zeros_like(logits)
        n = valid.numel()
        scale = grad_output / n
        grad = torch.where(valid.unsqueeze(-1), (logits.softmax(-1) - one_hot) * scale, 0.0)
        return grad, None, None


class LayerNormUnbiased(Function):
    """Bug: normalizes with the unbiased variance (torch's layer_norm uses the biased one)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        ctx.save_for_backward(x, weight, bias)
        ctx.eps = eps
        return _layer_norm_unbiased(x, weight, bias, eps)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight, bias = ctx.saved_tensors
        with torch.enable_grad():
            xs = x.detach().requires_grad_()
            w = None if weight is None else weight.detach().requires_grad_()
            b = None if bias is None else bias.detach().requires_grad_()
            out = _layer_norm_unbiased(xs, w, b, ctx.eps)
        wrt = [t for t in (xs, w, b) if t is not None]
        grads = list(torch.autograd.grad(out, wrt, grad_output))
        gx = grads.pop(0)
        gw = grads.pop(0) if w is not None else None
        gb = grads.pop(0) if b is not None else None
        return gx, gw, gb, None


def _layer_norm_unbiased(x, weight, bias, eps):
    mean = x.mean(-1, keepdim=True)
    out = (x - mean) / torch.sqrt(x.var(-1, keepdim=True) + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


class TopKFloat32Grad(Function):
    """Bug: the gradient buffer is torch.zeros(shape), float32 whatever the input's dtype."""

    @staticmethod
    def forward(ctx, x, k):
        values, indices = x.topk(k, dim=-1)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.shape = x.shape
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        (indices,) = ctx.saved_tensors
        grad = torch.zeros(ctx.shape)
        return grad.scatter(-1, indices, grad_values.float()), None


class SortGatherBackward(Function):
    """Bug: backward gathers with the sort indices instead of scattering back."""

    @staticmethod
    def forward(ctx, x):
        values, indices = x.sort(dim=-1)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        (indices,) = ctx.saved_tensors
        return grad_values.gather(-1, indices)


class ReLUInplaceUnmarked(Function):
    """Bug: modifies its input in place without ctx.mark_dirty."""

    @staticmethod
    def forward(ctx, x):
        x.clamp_(min=0)
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out > 0).to(grad_output.dtype)


class FlattenView(Function):
    """Bug: x.view(-1) in forward needs contiguous memory (use reshape)."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.view(-1)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.shape)


class AmpLinearFloatGrad(Function):
    """Bug: backward casts the weight gradient to float32 (the engine casts it back)."""

    @staticmethod
    @custom_fwd(device_type="cuda")
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return x @ weight.t()

    @staticmethod
    @custom_bwd(device_type="cuda")
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        grad_x = grad_output @ weight if ctx.needs_input_grad[0] else None
        grad_w = (grad_output.t() @ x).float() if ctx.needs_input_grad[1] else None
        return grad_x, grad_w


class NumpyErfNotOnce(Function):
    """Bug: a NumPy backward without @once_differentiable: double backward silently zero."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.erf(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        xn = to_numpy(x.detach().double())
        d = 2.0 / math.sqrt(math.pi) * np.exp(-xn * xn)
        g = to_numpy(grad_output.detach().double()) * d
        return torch.from_numpy(np.asarray(g)).to(grad_output)


class LegendreWrongConstant(Function):
    """Bug: 1.5 * (5x^2 - 3) instead of 1.5 * (5x^2 - 1)."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 3)


class ScaledLeakyReLUIgnoresSquare(Function):
    """Bug: backward forgets the ``square`` flag."""

    @staticmethod
    def forward(ctx, x, slope, scale, square):
        ctx.save_for_backward(x)
        ctx.slope, ctx.scale, ctx.square = slope, scale, square
        y = torch.where(x > 0, x, x * slope) * scale
        return y * y if square else y

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        dy = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, ctx.slope)) * ctx.scale
        return grad_output * dy, None, None, None


class PerSampleGeLU(Function):
    """Bug: a per-sample loop (torch.stack of the rows), which raises on an empty batch."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.stack([F.gelu(row) for row in x.unbind(0)])

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
        pdf = torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return grad_output * (cdf + x * pdf)


class BatchFlatten(Function):
    """Bug: x.reshape(x.shape[0], -1) cannot infer -1 when the batch is empty."""

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.reshape(x.shape[0], -1) * 2

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.shape) * 2


class SwishKeepsOutput(Function):
    """Bug: keeps the output on ctx (a reference cycle that delays freeing the graph)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        out = x * torch.sigmoid(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = torch.sigmoid(x)
        return grad_output * (s * (1 + x * (1 - s)))


class ContentLoss(torch.nn.Module):
    """The old neural-style tutorial's content loss, with a backward() autograd never calls."""

    def __init__(self, target, weight: float = 1.0):
        super().__init__()
        self.target = target.detach() * weight
        self.weight = weight

    def forward(self, input):
        self.loss = F.mse_loss(input * self.weight, self.target)
        return input.clone()

    def backward(self, retain_graph=True):
        print("ContentLoss.backward")
        self.loss.backward(retain_graph=retain_graph)
        return self.loss
