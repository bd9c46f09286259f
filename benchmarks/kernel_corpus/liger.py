"""liger-kernel (LinkedIn's Triton kernels for LLM training): its autograd Functions as they ship,
each with the reference its documentation names (the Hugging Face / PyTorch computation it
replaces), written in gradref."""

from __future__ import annotations

import gradref as T
import gradref.nn.functional as F

from .cases import Case, small

PKG = "liger-kernel"
EPS = 1e-6


def _rms(x, w, eps):
    return x * T.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w


def rms_norm():
    from liger_kernel.ops.rms_norm import LigerRMSNormFunction

    def ref(x, w, eps):
        return _rms(x, w, eps)

    return dict(fn=LigerRMSNormFunction.apply, reference=ref, signature="(n,d),(d)->(n,d)",
                args={2: EPS}, **small())  # fmt: skip


def layer_norm():
    from liger_kernel.ops.layer_norm import LigerLayerNormFunction

    def ref(x, w, b, eps):
        return F.layer_norm(x, (x.shape[-1],), w, b, eps)

    return dict(fn=LigerLayerNormFunction.apply, reference=ref,
                signature="(n,d),(d),(d)->(n,d)", args={3: EPS}, **small())  # fmt: skip


def swiglu():
    from liger_kernel.ops.swiglu import LigerSiLUMulFunction

    return dict(fn=LigerSiLUMulFunction.apply, reference=lambda a, b: F.silu(a) * b,
                signature="(n,d),(n,d)->(n,d)", **small())  # fmt: skip


def geglu():
    from liger_kernel.ops.geglu import LigerGELUMulFunction

    return dict(fn=LigerGELUMulFunction.apply,
                reference=lambda a, b: F.gelu(a, approximate="tanh") * b,
                signature="(n,d),(n,d)->(n,d)", **small())  # fmt: skip


def cross_entropy():
    """``weight`` left out (None), as most callers pass it. Liger's losses return ``(loss, None,
    ...)`` (the optional z-loss, accuracy, predicted tokens not asked for): the trailing Nones
    are no outputs of the signature."""
    from liger_kernel.ops.cross_entropy import LigerCrossEntropyFunction

    return dict(fn=LigerCrossEntropyFunction.apply,
                reference=lambda x, t, weight: F.cross_entropy(x, t), args={2: None},
                signature="(n,c),(n)->()", integer_inputs={1: (0, "c", [-100])},
                **small())  # fmt: skip


def fused_linear_cross_entropy():
    from liger_kernel.ops.fused_linear_cross_entropy import LigerFusedLinearCrossEntropyFunction

    return dict(fn=LigerFusedLinearCrossEntropyFunction.apply,
                reference=lambda x, w, t: F.cross_entropy(x @ w.t(), t),
                signature="(n,h),(v,h),(n)->()", integer_inputs={2: (0, "v", [-100])},
                **small())  # fmt: skip


def kl_div():
    from liger_kernel.ops.kl_div import LigerKLDivLossFunction

    def ref(y_pred, y_true):  # y_true is a target: nondiff (Liger returns None for it)
        return (y_true * (T.log(y_true) - y_pred)).sum() / y_pred.shape[0]

    return dict(fn=LigerKLDivLossFunction.apply, reference=ref,
                signature="(n,v),(n,v)->()", bounds=[(-3.0, 0.0), (0.05, 1.0)], nondiff=[1],
                **small())  # fmt: skip


def _jsd_ref(x, y, beta):
    """Liger's generalized JSD of log-probabilities ``x`` (student) and ``y`` (teacher), summed
    and divided by the number of rows: beta * KL(P || M) + (1 - beta) * KL(Q || M)."""
    p, q = T.exp(y), T.exp(x)
    m = beta * p + (1 - beta) * q
    log_m = T.log(m)
    loss = beta * p * (y - log_m) + (1 - beta) * q * (x - log_m)
    return loss.sum() / x.shape[0]


def jsd():
    from liger_kernel.ops.jsd import LigerJSDFunction

    return dict(fn=LigerJSDFunction.apply,
                reference=lambda x, y, shift_labels, beta: _jsd_ref(x, y, beta),
                signature="(n,v),(n,v)->()", args={2: None, 3: 0.5}, nondiff=[1],
                bounds=[(-3.0, 0.0), (-3.0, 0.0)], **small())  # fmt: skip


def tvd():
    from liger_kernel.ops.tvd import LigerTVDLossFunction

    def ref(p, q):
        return 0.5 * (p - q).abs().sum() / p.shape[0]

    return dict(fn=LigerTVDLossFunction.apply, reference=ref,
                signature="(n,v),(n,v)->()", bounds=[(0.0, 1.0), (0.0, 1.0)], nondiff=[1],
                **small())  # fmt: skip


GROUPS, CHANNELS = 2, 4


def _group_norm_ref(x, w, b, c, g, eps):
    n = x.shape[0]
    xg = x.reshape(n, g, -1)
    mean = xg.mean(-1, keepdim=True)
    var = ((xg - mean) * (xg - mean)).mean(-1, keepdim=True)
    y = ((xg - mean) * T.rsqrt(var + eps)).reshape(x.shape)
    return y * w.reshape(1, -1, 1) + b.reshape(1, -1, 1)


def group_norm():
    from liger_kernel.ops.group_norm import LigerGroupNormFunction

    return dict(fn=LigerGroupNormFunction.apply, reference=_group_norm_ref,
                signature=f"(n,{CHANNELS},l),({CHANNELS}),({CHANNELS})->(n,{CHANNELS},l)",
                args={3: CHANNELS, 4: GROUPS, 5: EPS}, **small())  # fmt: skip


def softmax():
    from liger_kernel.ops.softmax import LigerSoftmaxFunction

    return dict(fn=LigerSoftmaxFunction.apply, reference=lambda x: x.softmax(-1),
                signature="(n,d)->(n,d)", **small())  # fmt: skip


def _sparsemax_ref(x, dim):
    """Sparsemax (Martins & Astudillo 2016) over the last dim: the support is found on detached
    values (sorted), the threshold recomputed from it differentiably."""
    z = x.detach()
    zs = z.sort(-1, descending=True)[0]
    k = T.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    support = (1 + k * zs > zs.cumsum(-1)).to(z.dtype)
    kz = support.sum(-1, keepdim=True)
    tau = ((zs * support).sum(-1, keepdim=True) - 1) / kz
    mask = (z > tau).to(x.dtype)
    tau = ((x * mask).sum(-1, keepdim=True) - 1) / mask.sum(-1, keepdim=True)
    return T.clamp(x - tau, min=0)


def sparsemax():
    from liger_kernel.ops.sparsemax import LigerSparsemaxFunction

    return dict(fn=LigerSparsemaxFunction.apply, reference=_sparsemax_ref,
                signature="(n,d)->(n,d)", args={1: -1}, **small())  # fmt: skip


def _rotate_half(x):
    h = x.shape[-1] // 2
    return T.cat([-x[..., h:], x[..., :h]], -1)


def _rope_ref(q, k, cos, sin):
    """Hugging Face's apply_rotary_pos_emb with cos/sin of shape (1, s, d): the kernel reads the
    left half of cos and sin (Hugging Face builds them as two equal halves), so the reference
    uses the left half twice."""
    h = cos.shape[-1] // 2
    cos = cos[..., :h]
    sin = sin[..., :h]
    cos = T.cat([cos, cos], -1).unsqueeze(1)
    sin = T.cat([sin, sin], -1).unsqueeze(1)
    return q * cos + _rotate_half(q) * sin, k * cos + _rotate_half(k) * sin


def rope():
    from liger_kernel.ops.rope import LigerRopeFunction

    return dict(fn=LigerRopeFunction.apply, reference=_rope_ref,
                signature="(b,h,s,d),(b,g,s,d),(1,s,d),(1,s,d)->(b,h,s,d),(b,g,s,d)",
                sizes={"d": [2, 4, 6]}, nondiff=[2, 3], **small())  # fmt: skip


def fused_add_rms_norm():
    from liger_kernel.ops.fused_add_rms_norm import LigerFusedAddRMSNormFunction

    def ref(x, r, w, eps):
        s = x + r
        return _rms(s, w, eps), s

    return dict(fn=LigerFusedAddRMSNormFunction.apply, reference=ref,
                signature="(n,d),(n,d),(d)->(n,d),(n,d)", args={3: EPS}, **small())  # fmt: skip


CASES = [
    Case("rms_norm", PKG, rms_norm),
    Case("layer_norm", PKG, layer_norm),
    Case("swiglu", PKG, swiglu),
    Case("geglu", PKG, geglu),
    Case("cross_entropy", PKG, cross_entropy),
    Case("fused_linear_cross_entropy", PKG, fused_linear_cross_entropy),
    Case("kl_div", PKG, kl_div),
    Case("jsd", PKG, jsd),
    Case("tvd", PKG, tvd),
    Case("group_norm", PKG, group_norm),
    Case("softmax", PKG, softmax),
    Case("sparsemax", PKG, sparsemax),
    Case("rope", PKG, rope),
    Case("fused_add_rms_norm", PKG, fused_add_rms_norm),
]


# ----- the cases of the historical bugs, on any release (a control on the current one) ---------


def cross_entropy_none():
    """``reduction="none"``: a loss per row, so backward gets one grad_output per row."""
    from liger_kernel.ops.cross_entropy import LigerCrossEntropyFunction

    def ref(x, t, weight, ignore_index, lse_square_scale, label_smoothing, reduction):
        return F.cross_entropy(x, t, reduction=reduction)

    return dict(fn=LigerCrossEntropyFunction.apply, reference=ref,
                args={2: None, 3: -100, 4: 0.0, 5: 0.0, 6: "none"}, signature="(n,c),(n)->(n)",
                integer_inputs={1: (0, "c", [-100])},
                **small())  # fmt: skip


def fused_linear_cross_entropy_none():
    """``reduction="none"``: a loss per token, grad_output per token."""
    from liger_kernel.ops.fused_linear_cross_entropy import LigerFusedLinearCrossEntropyFunction

    def ref(x, w, t, bias, ce_weight, ignore_index, lse_square_scale, label_smoothing, reduction):
        return F.cross_entropy(x @ w.t(), t, reduction=reduction)

    return dict(fn=LigerFusedLinearCrossEntropyFunction.apply, reference=ref,
                args={3: None, 4: None, 5: -100, 6: 0.0, 7: 0.0, 8: "none"},
                signature="(n,h),(v,h),(n)->(n)", integer_inputs={2: (0, "v", [-100])},
                **small())  # fmt: skip


def rope_cos_per_batch():
    """cos/sin of shape (b, s, d): one per sequence of the batch (position ids given)."""
    from liger_kernel.ops.rope import LigerRopeFunction

    return dict(fn=LigerRopeFunction.apply, reference=_rope_ref,
                signature="(b,h,s,d),(b,g,s,d),(b,s,d),(b,s,d)->(b,h,s,d),(b,g,s,d)",
                sizes={"d": [2, 4, 6], "b": [2, 3]}, nondiff=[2, 3], **small())  # fmt: skip


def layer_norm_short_rows():
    """Rows shorter than the kernel's block (a power of two), with a mean far from zero: the
    masked lanes must not enter the variance."""
    from liger_kernel.ops.layer_norm import LigerLayerNormFunction

    def ref(x, w, b, eps):
        return F.layer_norm(x, (x.shape[-1],), w, b, eps)

    return dict(fn=LigerLayerNormFunction.apply, reference=ref,
                signature="(n,d),(d),(d)->(n,d)", args={3: EPS}, sizes={"d": [3, 5, 6, 7]},
                bounds=[(1.0, 3.0), (-2.0, 2.0), (-2.0, 2.0)], **small())  # fmt: skip


CASES += [
    Case("cross_entropy[reduction=none]", PKG, cross_entropy_none),
    Case("fused_linear_cross_entropy[reduction=none]", PKG, fused_linear_cross_entropy_none),
    Case("rope[cos per batch]", PKG, rope_cos_per_batch),
    Case("layer_norm[short rows]", PKG, layer_norm_short_rows),
]


def fused_linear_cross_entropy_bias():
    """With the lm head's bias."""
    from liger_kernel.ops.fused_linear_cross_entropy import LigerFusedLinearCrossEntropyFunction

    return dict(fn=LigerFusedLinearCrossEntropyFunction.apply,
                reference=lambda x, w, t, b: F.cross_entropy(x @ w.t() + b, t),
                signature="(n,h),(v,h),(n),(v)->()", integer_inputs={2: (0, "v")},
                **small())  # fmt: skip


CASES += [Case("fused_linear_cross_entropy[bias]", PKG, fused_linear_cross_entropy_bias)]
