"""Kernel authors' Functions, each correct one beside a copy with one bug that only one of
gradspec's checks sees: tile boundaries, vmap rules, autocast, torch.compile fallbacks, forward
AD, leaks, state kept across training steps, ONNX export. Written the way kernel code is written
(blocked loops, setup_context + vmap staticmethods, custom_fwd/custom_bwd, compile-time fallback
paths, caches); ``benchmarks/kernel_zoo.py`` runs them through gradspec and gradcheck."""

from __future__ import annotations

import weakref

import torch

from benchmarks.torch_compat import custom_bwd, custom_fwd, is_compiling

BLOCK = 128
_SEEN: list = []  # a module-level list, as debugging code leaves behind
_GRADS: list = []


# ------------------------------------------------------------------ a blocked row softmax


def _blocked_softmax(x: torch.Tensor, remainder: bool = True) -> torch.Tensor:
    """Row softmax computed block by block over the columns, as a tiled kernel does."""
    n, d = x.shape
    full = d - d % BLOCK if d > BLOCK else d
    stop = d if remainder else full
    m = torch.full((n, 1), float("-inf"), dtype=x.dtype)
    for s in range(0, stop, BLOCK):
        m = torch.maximum(m, x[:, s : min(s + BLOCK, stop)].amax(1, keepdim=True))
    e = torch.zeros_like(x)
    for s in range(0, stop, BLOCK):
        e[:, s : min(s + BLOCK, stop)] = (x[:, s : min(s + BLOCK, stop)] - m).exp()
    return e / e.sum(1, keepdim=True)


class BlockedSoftmax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = _blocked_softmax(x.detach())
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(1, keepdim=True))


class BlockedSoftmaxRemainderIgnored(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = _blocked_softmax(x.detach(), remainder=False)  # BUG: the last partial block
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(1, keepdim=True))


# ------------------------------------------------------------------------------ vmap rules


class ScaleRows(torch.autograd.Function):
    """rows * scale[:, None], functorch style with a hand-written vmap rule."""

    @staticmethod
    def forward(x, s):
        return x * s.unsqueeze(-1)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s.unsqueeze(-1), (g * x).sum(-1)

    @staticmethod
    def vmap(info, in_dims, x, s):
        x = (
            x.movedim(in_dims[0], 0)
            if in_dims[0] is not None
            else x.expand(info.batch_size, *x.shape)
        )
        s = (
            s.movedim(in_dims[1], 0)
            if in_dims[1] is not None
            else s.expand(info.batch_size, *s.shape)
        )
        return ScaleRows.apply(x, s), 0


class ScaleRowsBadVmap(torch.autograd.Function):
    @staticmethod
    def forward(x, s):
        return x * s.unsqueeze(-1)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        return g * s.unsqueeze(-1), (g * x).sum(-1)

    @staticmethod
    def vmap(info, in_dims, x, s):
        x = (
            x.movedim(in_dims[0], 0)
            if in_dims[0] is not None
            else x.expand(info.batch_size, *x.shape)
        )
        s = (
            s.movedim(in_dims[1], 0)
            if in_dims[1] is not None
            else s.expand(info.batch_size, *s.shape)
        )
        return x * s[:1].unsqueeze(-1), 0  # BUG: every sample scaled by the first sample's s


# -------------------------------------------------------------------------------- autocast


class AmpLinear(torch.autograd.Function):
    """x @ w.T as an AMP-aware Function (custom_fwd / custom_bwd on both)."""

    @staticmethod
    @custom_fwd(device_type="cpu")
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.mm(w.t())

    @staticmethod
    @custom_bwd(device_type="cpu")
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g.mm(w), g.t().mm(x)


class AmpLinearNoCustomBwd(torch.autograd.Function):
    @staticmethod
    @custom_fwd(device_type="cpu")
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.mm(w.t())  # autocast runs this mm in bfloat16

    @staticmethod
    def backward(ctx, g):  # BUG: no custom_bwd: a bfloat16 g meets the float32 saved w
        x, w = ctx.saved_tensors
        return g.mm(w), g.t().mm(x)


# ------------------------------------------------------------ torch.compile fallback paths


class FusedGelu(torch.autograd.Function):
    """tanh-GELU with a pure-PyTorch path used while compiling (as fused kernels do)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x**3)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        t = torch.tanh(0.7978845608 * (x + 0.044715 * x**3))
        dt = (1 - t * t) * 0.7978845608 * (1 + 3 * 0.044715 * x * x)
        return g * (0.5 * (1 + t) + 0.5 * x * dt)


def fused_gelu(x):
    if is_compiling():
        return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x**3)))
    return FusedGelu.apply(x)


def fused_gelu_bad_fallback(x):
    if is_compiling():
        return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.44715 * x**3)))  # BUG: constant
    return FusedGelu.apply(x)


# ------------------------------------------------------------------------------ forward AD


class ExpJvp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        ctx.save_for_forward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return t * y


class ExpJvpWrong(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        ctx.save_for_forward(x)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y

    @staticmethod
    def jvp(ctx, t):
        (x,) = ctx.saved_tensors
        return t * x  # BUG: the tangent scaled by x, not by exp(x)


# ----------------------------------------------------------------------------------- leaks


class SinLogged(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


class SinLoggedLeaks(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        _GRADS.append(g)  # BUG: "for debugging", never cleared
        return g * x.cos()


# ----------------------------------------------------------- state across training steps


class _LinearFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, wt):
        ctx.save_for_backward(x, w)
        return x.mm(wt)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g.mm(w), g.t().mm(x), None


class CachedLinear(torch.nn.Module):
    """A linear layer that keeps w.T around for speed, refreshed when w changes (another
    tensor, or the same one updated in place: its version counter moves)."""

    def __init__(self, i: int = 3, o: int = 2):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(o, i, dtype=torch.float64) * 0.5)
        self._wt, self._of, self._version = None, None, None

    def forward(self, x):
        w = self.weight
        if self._of is None or self._of() is not w or self._version != w._version:
            self._wt = w.detach().t().contiguous()
            self._of, self._version = weakref.ref(w), w._version
        return _LinearFn.apply(x, w, self._wt.to(x.dtype))


class CachedLinearStale(torch.nn.Module):
    def __init__(self, i: int = 3, o: int = 2):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(o, i, dtype=torch.float64) * 0.5)
        self._wt, self._of = None, None

    def forward(self, x):
        w = self.weight
        if self._of is None or self._of() is not w:  # BUG: an in-place update keeps the cache
            self._wt = w.detach().t().contiguous()
            self._of = weakref.ref(w)
        return _LinearFn.apply(x, w, self._wt.to(x.dtype))


# -------------------------------------------------------------------------------- export


class MyLinearOnnx(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.mm(w.t())

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g.mm(w), g.t().mm(x)

    @staticmethod
    def symbolic(g, x, w):
        return g.op("MYLINEAR", x, w)


class MyLinearOnnxNoReturn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x.mm(w.t())

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g.mm(w), g.t().mm(x)

    @staticmethod
    def symbolic(g, x, w):
        g.op("MYLINEAR", x, w)  # BUG: the node is built but not returned


def _softmax_ref(x):
    return x.softmax(-1)


def _gelu_ref(x):
    return 0.5 * x * (1 + (0.7978845608 * (x + 0.044715 * x**3)).tanh())


#: name -> (correct, buggy, reference, signature, the check that catches the bug, options)
CASES = {
    "tile-boundary": (
        BlockedSoftmax.apply, BlockedSoftmaxRemainderIgnored.apply, _softmax_ref,
        "(n,d)->(n,d)", "forward", {"block_sizes": (BLOCK,), "sizes": {"n": range(1, 4)}},
    ),
    "vmap-rule": (
        ScaleRows.apply, ScaleRowsBadVmap.apply, lambda x, s: x * s.unsqueeze(-1),
        "(n,d),(n)->(n,d)", "vmap", {},
    ),
    "autocast": (
        AmpLinear.apply, AmpLinearNoCustomBwd.apply, lambda x, w: x @ w.t(),
        "(n,i),(o,i)->(n,o)", "autocast", {},
    ),
    "compile-fallback": (
        fused_gelu, fused_gelu_bad_fallback, _gelu_ref, "()->()", "compile", {},
    ),
    "forward-ad": (ExpJvp.apply, ExpJvpWrong.apply, lambda x: x.exp(), "()->()", "forward-ad", {}),
    "leaks": (SinLogged.apply, SinLoggedLeaks.apply, lambda x: x.sin(), "()->()", "leaks", {}),
    "export": (
        MyLinearOnnx.apply, MyLinearOnnxNoReturn.apply, lambda x, w: x @ w.t(),
        "(n,i),(o,i)->(n,o)", "export", {},
    ),
}  # fmt: skip

#: modules: name -> (correct module factory, buggy factory, reference, signature, check, options)
MODULE_CASES = {
    "stale-cache": (
        CachedLinear, CachedLinearStale, lambda x, weight: x @ weight.t(), "(n,3)->(n,2)",
        "train-steps", {"train_steps": 3},
    ),
}  # fmt: skip
