"""Scenarios for saved-tensor hooks, saved attributes of nodes, and anomaly mode."""

from __future__ import annotations

from gradspec.behaviours.scenarios._draws import arrays, float_dtypes, nonempty_arrays, small_arrays
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf


@scenario("saved-hooks.pack-unpack", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def pack_unpack(T, x, dtype):
    log = []

    def pack(t):
        log.append(("pack", tuple(t.shape)))
        return t * 1.0

    def unpack(t):
        log.append(("unpack", tuple(t.shape)))
        return t

    w = leaf(T, x, dtype)
    with T.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = w.exp() * w
    y.sum().backward()
    return log, w.grad


@scenario("saved-hooks.disabled-raises", raises="RuntimeError")
def disabled(T):
    with T.autograd.graph.disable_saved_tensors_hooks("hooks are disabled here"):
        with T.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass


@scenario("graph.saved-attributes", draws=dict(x=nonempty_arrays(), dtype=float_dtypes()))
def saved_attributes(T, x, dtype):
    w = leaf(T, x, dtype)
    y = w * w
    seen = [y.grad_fn._saved_self, y.grad_fn._saved_other]
    z = w.exp()
    seen.append(z.grad_fn._saved_result)
    z.sum().backward()
    try:
        _ = z.grad_fn._saved_result
    except RuntimeError as e:
        seen.append(str(e).split("(")[0])
    return seen


@scenario(
    "anomaly.nan-check",
    draws=dict(x=arrays((3,), positive=True), dtype=float_dtypes()),
    raises="RuntimeError",
)
def nan_check(T, x, dtype):
    with T.autograd.detect_anomaly():
        w = leaf(T, -x, dtype)
        w.sqrt().sum().backward()
