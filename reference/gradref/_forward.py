"""Forward-mode AD state and tangent propagation.

Tangents live on tensors per dual level. By default gradref derives an op's JVP from its VJP,
with no second table to keep in step: a VJP ``u -> g(u)`` is linear in ``u``, so ``J t`` is the
gradient with respect to ``u`` of ``<g(u), t>``, computed by one small backward through the VJP
(which is written in gradref ops), seeded with ``t``. Views map tangents through the same view
function as their values.

The derived JVP is the right linear map, but at special values (inf, NaN, ties) it combines
them in the VJP's order. Where torch's forward-mode formula (``result:`` in derivatives.yaml)
combines them otherwise, the op gives ``record`` a ``jvp`` of its own: ``jvp(tangents, ctx)``
with one tangent per differentiable input (None where the input has none) returns the tangent of
each differentiable output (one Tensor, or a tuple; None for a zero tangent). torch replaces an
undefined tangent by a zero tensor that ``mul`` and ``add`` skip (an efficient zero: 0 * inf
is 0 there) but other ops (``mm``, ``conv``...) read as zeros (0 * inf is NaN): ``add_defined``
and ``or_zeros`` say which a formula means.
"""

from __future__ import annotations

import threading

import numpy as np

from . import _dtypes, _engine, _grad_mode
from ._tensor import Tensor

_state = threading.local()


def current_level() -> int | None:
    return getattr(_state, "level", None)


def set_level(level: int | None) -> None:
    _state.level = level


def _registry() -> list:
    reg = getattr(_state, "duals", None)
    if reg is None:
        reg = _state.duals = []
    return reg


def get_tangent(t, level: int | None = None):
    if level is None:
        level = current_level()
    if level is None:
        return None
    grads = getattr(t, "_fw_grads", None)
    return grads.get(level) if grads else None


def set_tangent(t, tangent, level: int | None = None) -> None:
    if level is None:
        level = current_level()
    if not hasattr(t, "_fw_grads") or t._fw_grads is None:
        t._fw_grads = {}
    t._fw_grads[level] = tangent
    _registry().append(t)


def clear_level(level: int) -> None:
    for t in _registry():
        grads = getattr(t, "_fw_grads", None)
        if grads:
            grads.pop(level, None)
    _registry().clear()


def active_tangents(inputs) -> list | None:
    """Tangents of ``inputs`` at the current level, or None when none has one."""
    if current_level() is None:
        return None
    tangents = [get_tangent(t) if hasattr(t, "_data") else None for t in inputs]
    return tangents if any(t is not None for t in tangents) else None


def propagate(inputs, outputs, vjps, values, differentiable=None, jvp=None) -> None:
    """Set the tangents of ``outputs`` of an op whose ``inputs`` carry tangents.

    The VJPs see the gradients the engine gives them: one per output up to the last
    differentiable one (a tuple when there are several), so ``differentiable`` (as for
    ``record``) says which outputs get a tangent."""
    tangents = active_tangents(inputs)
    if tangents is None:
        return
    from ._ops import Ctx

    if any(t is not None and t.dtype.is_complex for t in tangents) or any(
        o.dtype.is_complex for o in outputs
    ):
        raise NotImplementedError("gradref's forward-mode AD covers real dtypes only")
    level = current_level()
    set_level(None)  # the JVP computation itself is plain (no tangents)
    try:
        if jvp is not None:
            _explicit(outputs, tangents, jvp, values, differentiable, level)
            return
        with _grad_mode.enable_grad():
            plain = {k: (v.detach() if isinstance(v, Tensor) else v) for k, v in values.items()}
            needs = tuple(t is not None for t in tangents)
            flags = differentiable if differentiable is not None else (True,) * len(outputs)
            diff = [
                k
                for k, (o, d) in enumerate(zip(outputs, flags))
                if d and _dtypes.is_differentiable_dtype(o.dtype)
            ]
            n = diff[-1] + 1 if diff else 0
            for k in diff:
                out = outputs[k]
                us = [
                    Tensor._from_array(
                        np.zeros(o.shape, o.dtype.np), o.dtype, o.device, requires_grad=(j == k)
                    )
                    for j, o in enumerate(outputs[:n])
                ]
                g = us[0] if n == 1 else tuple(us)
                ctx = Ctx(plain, needs)
                # the gradient of sum_i <g_i(u), t_i> with respect to u: one backward from the
                # g_i seeded with the t_i (what the backward of the sum of products would seed
                # them with, 1 * t_i, bit for bit)
                roots, seeds = [], []
                for inp, vjp, t in zip(inputs, vjps, tangents):
                    if t is None:
                        continue
                    gi = vjp(g, ctx)
                    if gi is None:
                        continue
                    if tuple(gi.shape) != tuple(inp.shape):
                        gi = gi.sum_to_size(tuple(inp.shape))
                    if gi.requires_grad:
                        roots.append(gi)
                        seeds.append(t if t.dtype is gi.dtype else t.to(gi.dtype))
                tangent = None
                if roots:
                    (tangent,) = _engine.execute(
                        roots,
                        seeds,
                        retain_graph=False,
                        create_graph=False,
                        inputs=(us[k],),
                        capture=True,
                    )
                    if tangent is not None and any(
                        np.may_share_memory(tangent._data, s._data) for s in seeds
                    ):
                        tangent = _fresh(tangent)
                if tangent is None:
                    tangent = Tensor._from_array(
                        np.zeros(out.shape, out.dtype.np), out.dtype, out.device
                    )
                set_tangent(out, tangent.detach(), level)
    finally:
        set_level(level)


def _fresh(t: Tensor) -> Tensor:
    """A new tensor with ``t``'s values, laid out as an elementwise result computed from ``t``
    (``1 * t``): a tangent that passed through the VJPs unchanged (or as a view of the seed)
    must not be the seed's memory, which may be a stride-0 expansion no view can map."""
    from ._ops import finish, iterator_layout

    return finish(t._data, t.dtype, t.device, iterator_layout(tuple(t.shape), [t._data]))


def _explicit(outputs, tangents, jvp, values, differentiable, level) -> None:
    """Set the output tangents from an op's own forward-mode formula ``jvp``."""
    from ._ops import Ctx

    plain = {k: (v.detach() if isinstance(v, Tensor) else v) for k, v in values.items()}
    ctx = Ctx(plain, tuple(t is not None for t in tangents))
    with _grad_mode.no_grad():
        got = jvp([None if t is None else t.detach() for t in tangents], ctx)
    got = list(got) if isinstance(got, (tuple, list)) else [got]
    flags = differentiable if differentiable is not None else (True,) * len(outputs)
    diff = [o for o, d in zip(outputs, flags) if d and _dtypes.is_differentiable_dtype(o.dtype)]
    if len(got) != len(diff):
        raise AssertionError(f"a jvp gave {len(got)} tangents for {len(diff)} outputs")
    for out, tangent in zip(diff, got):
        if tangent is None:
            tangent = Tensor._from_array(np.zeros(out.shape, out.dtype.np), out.dtype, out.device)
        elif tuple(tangent.shape) != tuple(out.shape):
            tangent = tangent.expand(tuple(out.shape)).contiguous()
        elif any(t is not None and np.may_share_memory(tangent._data, t._data) for t in tangents):
            tangent = _fresh(tangent)  # (a formula that passes an input's tangent through)
        set_tangent(out, tangent.to(out.dtype).detach(), level)


def or_zeros(tangent, like):
    """``tangent``, or zeros shaped like ``like`` where it is undefined (None)."""
    if tangent is not None:
        return tangent
    return Tensor._from_array(np.zeros(like.shape, like.dtype.np), like.dtype, like.device)


def add_defined(*terms):
    """The sum of the terms that are not None (torch's undefined tangents add nothing), or
    None when every term is."""
    total = None
    for t in terms:
        if t is not None:
            total = t if total is None else total + t
    return total
