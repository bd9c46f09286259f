"""Scenarios for grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.scenarios._draws import float_dtypes, small_arrays
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, tensor


@scenario("grad-mode.no-grad-results", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def no_grad_results(T, x, dtype):
    w = leaf(T, x, dtype)
    with T.no_grad():
        y = (w * 2.0).exp()
        inside = T.is_grad_enabled()
    return y, y.grad_fn is None, inside, T.is_grad_enabled()


@scenario(
    "grad-mode.no-grad-factory-explicit",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def no_grad_factory(T, x, dtype):
    with T.no_grad():
        a = tensor(T, x, dtype, requires_grad=True)
        b = T.ones(x.shape, dtype=getattr(T, dtype), requires_grad=True)
        c = T.zeros(x.shape, dtype=getattr(T, dtype))
    return a, b, c


@scenario("grad-mode.enable-grad-nests", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def enable_grad_nests(T, x, dtype):
    w = leaf(T, x, dtype)
    with T.no_grad():
        with T.enable_grad():
            a = w * 2.0
            inner = T.is_grad_enabled()
        b = w * 2.0
        outer = T.is_grad_enabled()
    return a.requires_grad, inner, b.requires_grad, outer, T.is_grad_enabled()


@scenario(
    "grad-mode.no-grad-decorator",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), parens=st.booleans()),
)
def no_grad_decorator(T, x, dtype, parens):
    w = leaf(T, x, dtype)

    def f():
        return w * 2.0, T.is_grad_enabled()

    g = T.no_grad()(f) if parens else T.no_grad(f)
    y, inside = g()
    return y.requires_grad, inside, T.is_grad_enabled()


@scenario(
    "grad-mode.set-grad-enabled-forms",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), mode=st.booleans()),
)
def set_grad_enabled_forms(T, x, dtype, mode):
    w = leaf(T, x, dtype)
    with T.set_grad_enabled(mode):
        as_ctx = (w * 2.0).requires_grad

    @T.set_grad_enabled(mode)
    def f():
        return (w * 2.0).requires_grad

    as_decorator = f()
    after_decorator = T.is_grad_enabled()
    T.set_grad_enabled(mode)
    try:
        as_call = (w * 2.0).requires_grad, T.is_grad_enabled()
    finally:
        T.set_grad_enabled(True)
    return as_ctx, as_decorator, after_decorator, as_call


@scenario(
    "grad-mode.restored-after-exception",
    draws=dict(mode=st.sampled_from(["no_grad", "enable_grad", "set_grad_enabled"])),
)
def restored_after_exception(T, mode):
    states = []
    for outer in (True, False):
        T.set_grad_enabled(outer)
        try:
            ctx = {
                "no_grad": T.no_grad,
                "enable_grad": T.enable_grad,
                "set_grad_enabled": lambda outer=outer: T.set_grad_enabled(not outer),
            }[mode]()
            with ctx:
                raise ValueError("boom")
        except ValueError:
            pass
        states.append(T.is_grad_enabled())
    T.set_grad_enabled(True)
    return states


@scenario("grad-mode.inference-mode", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def inference_mode(T, x, dtype):
    w = leaf(T, x, dtype)
    with T.inference_mode():
        y = w * 2.0
        t = tensor(T, x, dtype)
        inside = (T.is_grad_enabled(), T.is_inference_mode_enabled())
    return y, inside, y.is_inference(), t.is_inference(), w.is_inference(), T.is_grad_enabled()


@scenario(
    "grad-mode.inference-tensor-save-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def inference_tensor_save(T, x, dtype):
    with T.inference_mode():
        t = tensor(T, x, dtype)
    w = leaf(T, x, dtype)
    (w * t).sum().backward()


@scenario(
    "grad-mode.decorate-class-deprecated",
    draws=dict(
        x=small_arrays(), dtype=float_dtypes(), manager=st.sampled_from(["no_grad", "enable_grad"])
    ),
)
def decorate_class(T, x, dtype, manager):
    w = leaf(T, x, dtype)

    class Doubler:
        def __init__(self):
            self.out = w * 2.0

    decorated = getattr(T, manager)()(Doubler)
    made = decorated()
    return isinstance(decorated, type), isinstance(made, Doubler), made.out.requires_grad


@scenario(
    "grad-mode.decorated-generator",
    draws=dict(
        x=small_arrays(),
        dtype=float_dtypes(),
        manager=st.sampled_from(["no_grad", "enable_grad"]),
        outer=st.booleans(),
        steps=st.lists(st.sampled_from(["send", "throw"]), max_size=3),
    ),
)
def decorated_generator(T, x, dtype, manager, outer, steps):
    w = leaf(T, x, dtype)
    log = []

    @getattr(T, manager)()
    def gen():
        try:
            while True:
                try:
                    received = yield (w * 2.0).requires_grad
                    log.append(("received", received, T.is_grad_enabled()))
                except KeyError:
                    log.append(("thrown", T.is_grad_enabled()))
        finally:
            log.append(("closing", T.is_grad_enabled()))

    with T.set_grad_enabled(outer):
        g = gen()
        log.append(("first", next(g), T.is_grad_enabled()))
        for k, step in enumerate(steps):
            out = g.send(k) if step == "send" else g.throw(KeyError)
            log.append((step, out, T.is_grad_enabled()))
        g.close()
        log.append(("closed", T.is_grad_enabled()))
    return log
