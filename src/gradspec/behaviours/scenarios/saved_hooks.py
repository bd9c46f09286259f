"""Scenarios for saved-tensor hooks, saved attributes of nodes, and anomaly mode."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import (
    arrays,
    float_dtypes,
    nonempty_arrays,
    scalars,
    small_arrays,
)
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


@scenario(
    "saved-hooks.pack-modifies-input-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), leaf_input=st.booleans()),
    raises="RuntimeError",
)
def pack_modifies_input(T, x, dtype, leaf_input):
    def pack(t):
        t.add_(1.0)
        return t

    w = leaf(T, x, dtype)
    a = w if leaf_input else w * 1.0
    with T.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        a * a


@scenario("saved-hooks.pack-without-grad", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def pack_without_grad(T, x, dtype):
    modes = []

    def pack(t):
        modes.append(T.is_grad_enabled())
        return t * 1.0

    w = leaf(T, x, dtype)
    with T.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = w * w
    return modes, y.requires_grad


@scenario(
    "saved-hooks.raw-saved-register-hooks",
    draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes(), k=scalars(away_from_zero=0.25)),
)
def raw_saved_register_hooks(T, x, dtype, k):
    log = []

    def pack(t):
        log.append("pack")
        return t * k

    def unpack(t):
        log.append("unpack")
        return t / k

    w = leaf(T, x, dtype)
    y = w.exp()
    y.grad_fn._raw_saved_result.register_hooks(pack, unpack)
    log.append("registered")
    y.sum().backward()
    return log, w.grad


@scenario(
    "saved-hooks.raw-saved-register-twice-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def raw_saved_register_twice(T, x, dtype):
    y = leaf(T, x, dtype).exp()  # kept alive: the saved tensor lives in its node
    y.grad_fn._raw_saved_result.register_hooks(lambda t: t, lambda t: t)
    y.grad_fn._raw_saved_result.register_hooks(lambda t: t, lambda t: t)


@scenario(
    "saved-hooks.raw-saved-register-freed-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def raw_saved_register_freed(T, x, dtype):
    y = leaf(T, x, dtype).exp()
    y.sum().backward()
    y.grad_fn._raw_saved_result.register_hooks(lambda t: t, lambda t: t)


@scenario(
    "anomaly.backward-error-warning",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="ValueError",
)
def anomaly_backward_error(T, x, dtype):
    class Throws(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            raise ValueError("backward failed on purpose")

    w = leaf(T, x, dtype)
    with T.autograd.detect_anomaly():
        Throws.apply(w).sum().backward()


def _fails(T):
    class Fails(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    return Fails


@scenario(
    "anomaly.no-forward-information",
    draws=dict(x=nonempty_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def anomaly_no_forward_information(T, x, dtype):
    out = _fails(T).apply(leaf(T, x, dtype))
    with T.autograd.detect_anomaly():
        out.sum().backward()


@scenario(
    "anomaly.parent-traceback",
    draws=dict(x=nonempty_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def anomaly_parent_traceback(T, x, dtype):
    Fails = _fails(T)

    class Outer(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return Fails.apply(2.0 * a * g)

    w = leaf(T, x, dtype)
    with T.autograd.detect_anomaly():
        out = Outer.apply(w)  # kept alive: the parent node must outlive the failure
        (g,) = T.autograd.grad(out.sum(), w, create_graph=True)
        g.sum().backward()


@scenario(
    "saved-hooks.raw-saved-none-raises",
    draws=dict(x=arrays((3, 2)), dtype=float_dtypes(), column=st.integers(0, 1)),
    raises="RuntimeError",
)
def raw_saved_none(T, x, dtype, column):
    w = leaf(T, x, dtype)
    out = w[:, T.tensor([column])]  # saves the indices (None, index)
    out.grad_fn._raw_saved_indices[1].register_hooks(lambda t: t, lambda t: t)
    out.grad_fn._raw_saved_indices[0].register_hooks(lambda t: t, lambda t: t)
