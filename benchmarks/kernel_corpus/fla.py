"""flash-linear-attention's core (``fla-core``, imported as ``fla``): the Triton autograd
Functions of its modules (norms, activations, losses) as they ship. fla autotunes most kernels,
which gradspec's interpreter layer runs with the first config."""

from __future__ import annotations

import gradref as T
import gradref.nn.functional as F

from .cases import Case, small

PKG = "fla-core"
EPS = 1e-5


def l2norm():
    from fla.modules.norm.l2norm import L2NormFunction

    def ref(x, eps, output_dtype):
        return x * T.rsqrt((x * x).sum(-1, keepdim=True) + eps)

    return dict(fn=L2NormFunction.apply, reference=ref, signature="(n,d)->(n,d)",
                args={1: 1e-6, 2: None}, **small())  # fmt: skip


def layer_norm():
    from fla.modules.norm.layernorm import layer_norm as fla_layer_norm

    def fn(x, w, b):
        return fla_layer_norm(x, w, b, None, EPS)

    return dict(fn=fn, reference=lambda x, w, b: F.layer_norm(x, (x.shape[-1],), w, b, EPS),
                signature="(n,d),(d),(d)->(n,d)", **small())  # fmt: skip


def rms_norm():
    from fla.modules.norm.layernorm import rms_norm as fla_rms_norm

    def fn(x, w, b):
        return fla_rms_norm(x, w, b, None, EPS)

    def ref(x, w, b):
        return x * T.rsqrt((x * x).mean(-1, keepdim=True) + EPS) * w + b

    return dict(fn=fn, reference=ref, signature="(n,d),(d),(d)->(n,d)", **small())


def rms_norm_residual():
    """prenorm with a residual: returns (norm(x + residual), x + residual)."""
    from fla.modules.norm.layernorm import rms_norm as fla_rms_norm

    def fn(x, w, r):
        return fla_rms_norm(x, w, None, r, EPS, True)

    def ref(x, w, r):
        s = x + r
        return s * T.rsqrt((s * s).mean(-1, keepdim=True) + EPS) * w, s

    return dict(fn=fn, reference=ref, signature="(n,d),(d),(n,d)->(n,d),(n,d)", **small())


def swiglu():
    from fla.modules.activations.ops import SwiGLUFunction

    return dict(fn=SwiGLUFunction.apply, reference=lambda x, y: F.silu(x) * y,
                signature="(n,d),(n,d)->(n,d)", **small())  # fmt: skip


def sigmoidglu():
    from fla.modules.activations.ops import SigmoidGLUFunction

    return dict(fn=SigmoidGLUFunction.apply, reference=lambda x, y: F.sigmoid(x) * y,
                signature="(n,d),(n,d)->(n,d)", **small())  # fmt: skip


def logsigmoid():
    from fla.modules.activations.ops import LogSigmoidFunction

    def ref(x, temperature):
        return F.logsigmoid(x) / temperature

    return dict(fn=LogSigmoidFunction.apply, reference=ref, signature="(n,d)->(n,d)",
                args={1: 2.0}, **small())  # fmt: skip


def swish():
    from fla.modules.activations.ops import SwishFunction

    return dict(fn=SwishFunction.apply, reference=lambda x: F.silu(x),
                signature="(n,d)->(n,d)", **small())  # fmt: skip


def cross_entropy():
    """fla's fused cross entropy returns (loss per row, z-loss): the loss is checked."""
    from fla.modules.fused_cross_entropy.ops import cross_entropy_loss

    def fn(x, t):
        return cross_entropy_loss(x, t)[0]

    return dict(fn=fn, reference=lambda x, t: F.cross_entropy(x, t, reduction="none"),
                signature="(n,c),(n)->(n)", integer_inputs={1: (0, "c", [-100])},
                **small())  # fmt: skip


CASES = [
    Case("l2norm", PKG, l2norm),
    Case("layer_norm", PKG, layer_norm),
    Case("rms_norm", PKG, rms_norm),
    Case("rms_norm[prenorm residual]", PKG, rms_norm_residual),
    Case("swiglu", PKG, swiglu),
    Case("sigmoidglu", PKG, sigmoidglu),
    Case("logsigmoid", PKG, logsigmoid),
    Case("swish", PKG, swish),
    Case("cross_entropy", PKG, cross_entropy),
]
