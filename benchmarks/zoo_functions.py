"""Custom autograd Functions for the bug zoo: correct ones, and ones with a planted bug each.

Every bug is one a real Function has had: a gradient left unsummed or of the wrong dtype, a
backward that assumes contiguous memory, needs_input_grad ignored or mis-indexed, grad_output or
inputs modified in place, tensors kept on ctx, zero-size and 0-d inputs, undefined grads of
unused outputs, silently wrong double backward, non-determinism.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable

_CACHE: list = []


# --- correct -------------------------------------------------------------------------------------
class Sin(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


class Softplus(Function):
    @staticmethod
    def forward(x):
        return torch.nn.functional.softplus(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * torch.sigmoid(x)


class RowSum(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.sum(-1)

    @staticmethod
    def backward(ctx, g):
        return g.unsqueeze(-1).expand(ctx.shape).clone()


class SinCos(Function):
    """Two outputs; undefined output grads arrive as None and are handled."""

    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, gs, gc):
        (x,) = ctx.saved_tensors
        out = torch.zeros_like(x)
        if gs is not None:
            out = out + gs * x.cos()
        if gc is not None:
            out = out - gc * x.sin()
        return out


class ScaleInplace(Function):
    """Doubles its input in place, marked dirty and returned (correctly)."""

    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


# --- buggy ---------------------------------------------------------------------------------------
def linear_function(grad_bias=None, grad_input=None, needs=None, weight_grad=None):
    """A LinearFunction whose backward pieces can be replaced to plant a bug."""

    class Linear(Function):
        @staticmethod
        def forward(ctx, x, w, b=None):
            ctx.save_for_backward(x, w, b)
            out = x @ w.t()
            return out if b is None else out + b

        @staticmethod
        def backward(ctx, g):
            x, w, b = ctx.saved_tensors
            nig = needs(ctx) if needs else ctx.needs_input_grad
            gx = gw = gb = None
            if nig[0]:
                gx = grad_input(g, w) if grad_input else g @ w
            if nig[1]:
                gw = weight_grad(g, x) if weight_grad else g.t() @ x
            if b is not None and nig[2]:
                gb = grad_bias(g) if grad_bias else g.sum(0)
            return gx, gw, gb

    return Linear


LinearBiasUnsummed = linear_function(grad_bias=lambda g: g)
LinearBiasKeepdim = linear_function(grad_bias=lambda g: g.sum(0, keepdim=True))
LinearIgnoresNeeds = linear_function(needs=lambda ctx: (True, True, True))
LinearMisindexed = linear_function(needs=lambda ctx: ctx.needs_input_grad[1:] + (True,))
LinearContiguousGrad = linear_function(
    grad_input=lambda g, w: (g.view(-1, g.shape[-1]) @ w).view(g.shape[0], w.shape[1])
)
LinearStridesIgnored = linear_function(
    weight_grad=lambda g, x: (
        g.t() @ torch.as_strided(x, x.shape, (x.shape[1], 1)) if x.numel() else g.t() @ x
    )
)
LinearWrongDtype = linear_function(grad_bias=lambda g: g.sum(0).double())
LinearWrongWeightGrad = linear_function(weight_grad=lambda g, x: g.t() @ x * 1.001)


def exp_function(backward, forward=None, once=False, attr=False, materialize=True):
    class ExpF(Function):
        @staticmethod
        def forward(ctx, x):
            result = forward(x) if forward else x.exp()
            if attr:
                ctx.result = result
            else:
                ctx.save_for_backward(result, x)
            return result

        @staticmethod
        def backward(ctx, g):
            if attr:
                result, x = ctx.result, None
            else:
                result, x = ctx.saved_tensors
            return backward(ctx, g, result, x)

    if once:
        ExpF.backward = staticmethod(once_differentiable(ExpF.__dict__["backward"].__func__))
    return ExpF


ExpWrongScale = exp_function(lambda ctx, g, r, x: g * r * 1.01)
ExpDoubleGrad = exp_function(lambda ctx, g, r, x: (g * r).double())
ExpFloatGrad = exp_function(lambda ctx, g, r, x: (g * r).float())
ExpFlattenGrad = exp_function(lambda ctx, g, r, x: (g * r).reshape(-1))
ExpViewGrad = exp_function(lambda ctx, g, r, x: g.view(-1).mul(r.reshape(-1)).view(r.shape))
ExpModifiesGradOutput = exp_function(lambda ctx, g, r, x: g.mul_(r))
ExpModifiesSaved = exp_function(lambda ctx, g, r, x: r.mul_(g))
ExpAttrResult = exp_function(lambda ctx, g, r, x: g * r, attr=True)
ExpDetachedDouble = exp_function(lambda ctx, g, r, x: g * r.detach())
ExpNumpyBackward = exp_function(
    lambda ctx, g, r, x: torch.from_numpy(np.asarray(g.detach().cpu().numpy() * r.detach().numpy()))
)
ExpNoisy = exp_function(lambda ctx, g, r, x: g * r + torch.randn_like(g) * 1e-6 * r.abs())
ExpOnce = exp_function(lambda ctx, g, r, x: g * r, once=True)
ExpWrongDtypeForward = exp_function(
    lambda ctx, g, r, x: g * r.to(g.dtype), forward=lambda x: x.double().exp()
)
ExpRowLoop = exp_function(
    lambda ctx, g, r, x: g * r,
    forward=lambda x: torch.stack([row.exp() for row in x.unbind(0)]),
)


class ReluWrongThreshold(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        gi = g.clone()
        gi[x < 0.5] = 0
        return gi


class ReluModifiesGradOutput(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g[x < 0] = 0
        return g


class SinWrongSign(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * x.cos()


class SinAttrInput(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        return g * ctx.x.cos()


class SinModifiesInput(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x.clone())
        out = x.sin()
        x.mul_(0.5)  # scratch use of the input, not marked dirty
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


class SinSelfCycle(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.me = ctx  # keeps the node alive through a cycle
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


class SinGlobalCache(Function):
    @staticmethod
    def forward(ctx, x):
        out = x.sin()
        ctx.save_for_backward(x)
        _CACHE.append(out)  # a "cache" that keeps every output alive
        if len(_CACHE) > 1000:
            del _CACHE[:500]
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


class SinCosAssumesBothGrads(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, gs, gc):
        (x,) = ctx.saved_tensors
        return gs * x.cos() - gc * x.sin()


class SinCosIgnoresSecond(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, gs, gc):
        (x,) = ctx.saved_tensors
        return gs * x.cos()


class MulAddUnreduced(Function):
    """x * y + z whose gradients are not summed back over broadcast dimensions."""

    @staticmethod
    def forward(ctx, x, y, z):
        ctx.save_for_backward(x, y)
        return x * y + z

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x, g


class RowSumZeroSize(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.sum(-1)

    @staticmethod
    def backward(ctx, g):
        # "fast path" that breaks on empty rows
        return (
            (g.unsqueeze(-1) / g.unsqueeze(-1).abs().max() * g.abs().max())
            .expand(ctx.shape)
            .clone()
        )


class ChannelScale(Function):
    """(n,c,h,w) * (c): per-channel scale; correct."""

    @staticmethod
    def forward(ctx, x, s):
        ctx.save_for_backward(x, s)
        return x * s[:, None, None]

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        gx = gs = None
        if ctx.needs_input_grad[0]:
            gx = g * s[:, None, None]
        if ctx.needs_input_grad[1]:
            gs = (g * x).sum((0, 2, 3))
        return gx, gs


class ChannelScaleView(Function):
    """Per-channel scale whose backward flattens with .view (breaks on channels_last)."""

    @staticmethod
    def forward(ctx, x, s):
        ctx.save_for_backward(x, s)
        return x * s[:, None, None]

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        n, c, h, w = x.shape
        gx = gs = None
        if ctx.needs_input_grad[0]:
            gx = g * s[:, None, None]
        if ctx.needs_input_grad[1]:
            gs = (
                (g * x).transpose(0, 1).reshape(c, -1).sum(1)
                if False
                else ((g * x).view(n, c, h * w).sum((0, 2)))
            )
        return gx, gs


class MulConstGradForConstant(Function):
    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c
        return x * c

    @staticmethod
    def backward(ctx, g):
        return g * ctx.c, g.sum()


def mul_const_grad_for_constant(x):
    return MulConstGradForConstant.apply(x, 3.0)


class TooFewGrads(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return (g * y,)


class InplaceUnmarked(Function):
    """Doubles its input in place and returns it without mark_dirty."""

    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        return x

    @staticmethod
    def backward(ctx, g):
        return g * 2


def gelu_like_no_grad_bug(x):
    """Uses the Function under grad mode, an approximation under no_grad (off by 1e-2)."""
    if torch.is_grad_enabled():
        return Softplus.apply(x)
    return torch.nn.functional.softplus(x) + 1e-2
