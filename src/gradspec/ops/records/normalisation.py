"""The op table's records: batch, instance, group and local response normalisation, normalize.
(layer_norm's records are with the losses, where they were first written.)"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradspec.ops.opinfo import (
    CENTRED_LAST_DIM,
    centred_intermediates,
    functional,
    over_smallest,
)
from gradspec.ops.records._build import op


def _bn_shapes(affine: bool, min_values: int = 2):
    """Input (N, C, *spatial) with more than one value per channel, and C-sized weight, bias."""

    def build(t):
        n, c, sp = t[0], t[1], tuple(t[2])
        x = (n, c) + sp
        return (x, (c,), (c,)) if affine else (x,)

    return (
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.lists(st.integers(1, 3), max_size=2))
        .map(build)
        .filter(lambda s: s[0][0] * int(_prod(s[0][2:])) >= min_values)
    )


def _prod(xs) -> int:
    out = 1
    for v in xs:
        out *= v
    return out


def _per_channel(shapes) -> int:
    x = shapes[0]
    return x[0] * _prod(x[2:])


def _norm(name, call, shapes, node, **kw):
    kw.setdefault("reduction", _per_channel)
    kw.setdefault("steps", 8)
    kw.setdefault("scale", 316.0)
    return op(name, call, shapes, node=node, **kw)


def _stats(T, x):
    c = x.shape[1]
    return T.zeros(c, dtype=x.dtype), T.ones(c, dtype=x.dtype)


#: torch's CPU batch_norm backward reads a strided weight as if it were contiguous (a wrong
#: input gradient, every torch: convention ``batch_norm.strided-weight`` shows it), so the
#: records hand the kernel a contiguous weight (a strided one gets its copy's CloneBackward0,
#: as a user's ``w.contiguous()`` would)


def _bn_train(T, x, w, b):
    rm, rv = _stats(T, x)
    y = functional(T).batch_norm(x, rm, rv, w.contiguous(), b, training=True, momentum=0.3)
    return y, rm, rv  # the updated running statistics are compared as outputs too


#: batch statistics: over every dim but the channels
_PER_CHANNEL_CENTRED = centred_intermediates(lambda ndim: (0, *range(2, ndim)))
_norm(
    "nn.functional.batch_norm.train",
    _bn_train,
    _bn_shapes(True),
    "NativeBatchNormBackward0",
    intermediates=_PER_CHANNEL_CENTRED,
)
_norm(
    "nn.functional.batch_norm.train-no-stats",
    lambda T, x: functional(T).batch_norm(x, None, None, training=True),
    _bn_shapes(False),
    "NativeBatchNormBackward0",
    intermediates=_PER_CHANNEL_CENTRED,
)
_norm(
    "nn.functional.batch_norm.eval",
    lambda T, x, w, b: functional(T).batch_norm(
        x,
        T.linspace(-0.5, 0.5, x.shape[1], dtype=x.dtype),
        T.linspace(0.5, 2.0, x.shape[1], dtype=x.dtype),
        w.contiguous(),
        b,
        training=False,
    ),  # fmt: skip
    _bn_shapes(True, min_values=1),
    "NativeBatchNormBackward0",
    steps=4,
    scale=1.0,
)
_norm(
    "nn.functional.instance_norm",
    lambda T, x, w, b: functional(T).instance_norm(x, weight=w, bias=b),
    st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(2, 4), st.integers(1, 3)).map(
        lambda t: ((t[0], t[1], t[2], t[3]), (t[1],), (t[1],))
    ),
    "ViewBackward0",
    reduction=lambda s: _prod(s[0][2:]),
    intermediates=centred_intermediates(lambda ndim: tuple(range(2, ndim))),
)
_norm(
    "nn.functional.group_norm",
    lambda T, x, w, b: functional(T).group_norm(x, 2, w, b),
    st.tuples(st.integers(1, 2), st.integers(1, 2), st.lists(st.integers(1, 3), max_size=2))
    .map(lambda t: ((t[0], 2 * t[1]) + tuple(t[2]), (2 * t[1],), (2 * t[1],)))
    .filter(lambda s: s[0][1] // 2 * _prod(s[0][2:]) >= 2),
    "NativeGroupNormBackward0",
    reduction=lambda s: s[0][1] // 2 * _prod(s[0][2:]),
    intermediates=lambda v: CENTRED_LAST_DIM((v[0].reshape(v[0].shape[0], 2, -1), *v[1:])),
)
_norm(
    "nn.functional.local_response_norm",
    lambda T, x: functional(T).local_response_norm(x, 3, alpha=0.5, k=1.5),
    st.tuples(
        st.integers(1, 2), st.integers(1, 4), st.lists(st.integers(1, 3), min_size=1, max_size=2)
    ).map(lambda t: ((t[0], t[1]) + tuple(t[2]),)),  # fmt: skip
    "DivBackward0",
    reduction=lambda s: 3,
    steps=8,
    scale=1.0,
    dtypes=("float64", "float32"),
    note="torch has no float16/bfloat16 CPU kernel for avg_pool3d, which it composes this with",
)


def _normalize_terms(values) -> float:
    """``intermediates`` of normalize over the last dim: its derivatives form t / |x| and
    x (x . t) / |x|^3, each up to about 3 / |x| (tangents and cotangents are O(1)), and cancel
    them (exactly, for a row of one value: a bfloat16 JVP of 0.03 where the derivative is 0)."""
    x = np.asarray(values[0], dtype=np.float64)
    return over_smallest(3.0, np.sqrt((x * x).sum(axis=-1)))


op(
    "nn.functional.normalize",
    lambda T, x: functional(T).normalize(x, dim=-1),
    st.tuples(st.integers(1, 3), st.integers(1, 4)).map(lambda t: (t,)),
    node="DivBackward0",
    reduction=lambda s: s[0][-1],
    bounds=((0.2, 2.0),),
    intermediates=_normalize_terms,
)

# ------------------------------------------------------------------------ weight normalisation


def _weight_norm_shapes(dim: int):
    """A weight v of 2 or 3 dims and its magnitude g: v's size along ``dim``, 1 elsewhere."""

    def build(t):
        v = tuple(t[: t[-1]])
        g = tuple(s if d == dim % len(v) else 1 for d, s in enumerate(v))
        return v, g

    return st.tuples(
        st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.sampled_from([2, 3])
    ).map(build)


def _weight_norm_terms(dim: int):
    """``intermediates`` of the fused weight norm: its backward forms a * grad_w and b * v with
    a = g / norm, each up to about |a| * |grad_w| * sqrt(k) (k values per norm), and cancels
    them down to the gradient."""

    def estimate(values) -> float:
        v, g = (np.abs(np.asarray(x, dtype=np.float64)) for x in values[:2])
        axes = tuple(d for d in range(v.ndim) if d != dim % v.ndim)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            norms = np.sqrt((v * v).sum(axis=axes, keepdims=True))
            ratios = g.reshape(norms.shape) / norms
        # a NaN ratio gives NaN gradients (compared as NaN); the others still round at theirs
        ratios = ratios[~np.isnan(ratios)]
        a = float(np.max(ratios)) if ratios.size else float("nan")
        # a finite a whose terms overflow rounds at the largest float
        return min(a * 3.0 * np.sqrt(v.size), np.finfo(np.float64).max) if np.isfinite(a) else a

    return estimate


op(
    "_weight_norm.fused-first",
    lambda T, v, g: T._weight_norm(v, g, 0),
    _weight_norm_shapes(0),
    node="WeightNormInterfaceBackward0",
    intermediates=_weight_norm_terms(0),
    note="torch fuses the first and the last dim into _weight_norm_interface",
)
op(
    "_weight_norm.fused-last",
    lambda T, v, g: T._weight_norm(v, g, v.dim() - 1),
    _weight_norm_shapes(-1),
    node="WeightNormInterfaceBackward0",
    intermediates=_weight_norm_terms(-1),
)
