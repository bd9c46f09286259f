"""Scenarios for custom autograd.Function: both styles, ctx API, and backward's return rules."""

from __future__ import annotations

from hypothesis import strategies as st

from gradspec.behaviours.observe import attempt
from gradspec.behaviours.scenarios._draws import arrays, float_dtypes, scalars, small_arrays
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import leaf, square_function, tensor


def _exp(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            result = a.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, g):
            (result,) = ctx.saved_tensors
            return g * result

    return Exp


@scenario("custom-function.apply", draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes()))
def apply(T, x, dtype):
    w = leaf(T, x, dtype)
    out = _exp(T).apply(w)
    out.sum().backward()
    return out, w.grad


@scenario(
    "custom-function.setup-context-style",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), k=scalars()),
)
def setup_context_style(T, x, dtype, k):
    class Scale(T.autograd.Function):
        @staticmethod
        def forward(a, factor):
            return a * factor

        @staticmethod
        def setup_context(ctx, inputs, output):
            _, factor = inputs
            ctx.factor = factor

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None

    w = leaf(T, x, dtype)
    out = Scale.apply(w, k)
    out.sum().backward()
    return out, w.grad, out.grad_fn.name()


@scenario("custom-function.node-name", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def node_name(T, x, dtype):
    w = leaf(T, x, dtype)

    class MyReLU(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a.relu()

        @staticmethod
        def backward(ctx, g):
            return g

    return _exp(T).apply(w).grad_fn.name(), MyReLU.apply(w).grad_fn.name()


@scenario(
    "custom-function.needs-input-grad",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), rg=st.tuples(st.booleans(), st.booleans())),
)
def needs_input_grad(T, x, dtype, rg):
    seen = []

    class Mul3(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            seen.append(tuple(ctx.needs_input_grad))
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            seen.append(tuple(ctx.needs_input_grad))
            return g, g, None

    a = tensor(T, x, dtype, requires_grad=rg[0])
    b = tensor(T, x, dtype, requires_grad=rg[1])
    out = Mul3.apply(a, b, 2.0)
    if out.requires_grad:
        out.sum().backward()
    return seen, out.requires_grad


@scenario("custom-function.save-for-backward", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def save_for_backward(T, x, dtype):
    seen = []

    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a, None)
            return a * a

        @staticmethod
        def backward(ctx, g):
            a, nothing = ctx.saved_tensors
            seen.append((a, nothing))
            return 2.0 * a * g

    w = leaf(T, x, dtype)
    Square.apply(w).sum().backward()
    return seen, w.grad


@scenario(
    "custom-function.save-non-tensor-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), k=st.integers(-5, 5)),
    raises="TypeError",
)
def save_non_tensor(T, x, dtype, k):
    class Foo(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, factor):
            ctx.save_for_backward(a, factor)
            return a * factor

        @staticmethod
        def backward(ctx, g):
            return g, None

    Foo.apply(leaf(T, x, dtype), k)


@scenario(
    "custom-function.saved-tensor-version-check",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def saved_tensor_version_check(T, x, dtype):
    Square = square_function(T)
    h = leaf(T, x, dtype) * 1.0
    out = Square.apply(h)
    h.add_(1.0)
    out.sum().backward()


def _returning(T, name, grads):
    """A Function called ``name`` whose backward returns ``grads(g)``."""

    def forward(ctx, *args):
        return args[0] * 2.0

    def backward(ctx, g):
        return grads(g)

    return type(
        name,
        (T.autograd.Function,),
        {"forward": staticmethod(forward), "backward": staticmethod(backward)},
    )


@scenario(
    "custom-function.too-few-grads-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def too_few_grads(T, x, dtype):
    Foo = _returning(T, "Foo", lambda g: (g,))
    w = leaf(T, x, dtype)
    Foo.apply(w, w).sum().backward()


@scenario(
    "custom-function.extra-none-grads-ok",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), extra=st.integers(1, 3)),
)
def extra_none_grads(T, x, dtype, extra):
    Foo = _returning(T, "Foo", lambda g: (g * 2.0,) + (None,) * extra)
    w = leaf(T, x, dtype)
    Foo.apply(w).sum().backward()
    return w.grad


@scenario(
    "custom-function.extra-tensor-grads-raise",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def extra_tensor_grads(T, x, dtype):
    Foo = _returning(T, "Foo", lambda g: (g, g))
    Foo.apply(leaf(T, x, dtype)).sum().backward()


@scenario(
    "custom-function.grad-for-non-tensor-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), k=scalars()),
    raises="RuntimeError",
)
def grad_for_non_tensor(T, x, dtype, k):
    Foo = _returning(T, "Foo", lambda g: (g, g))
    Foo.apply(leaf(T, x, dtype), k).sum().backward()


@scenario(
    "custom-function.wrong-shape-raises",
    draws=dict(x=arrays((3,)), dtype=float_dtypes()),
    raises="RuntimeError",
)
def wrong_shape(T, x, dtype):
    Foo = _returning(T, "Foo", lambda g: T.ones(4, dtype=getattr(T, dtype)))
    Foo.apply(leaf(T, x, dtype)).sum().backward()


@scenario(
    "custom-function.expandable-shape-summed",
    draws=dict(x=arrays((3,)), dtype=float_dtypes(), lead=st.integers(1, 3)),
)
def expandable_shape(T, x, dtype, lead):
    Foo = _returning(T, "Foo", lambda g: T.ones((lead, 3), dtype=getattr(T, dtype)))
    w = leaf(T, x, dtype)
    Foo.apply(w).sum().backward()
    return w.grad


@scenario(
    "custom-function.wrong-dtype-cast",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), to=float_dtypes()),
)
def wrong_dtype_cast(T, x, dtype, to):
    Foo = _returning(T, "Foo", lambda g: g.to(getattr(T, to)) * 2.0)
    w = leaf(T, x, dtype)
    Foo.apply(w).sum().backward()
    return w.grad


@scenario(
    "custom-function.grads-for-non-requiring-dropped",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def grads_dropped(T, x, dtype):
    class Foo(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, T.ones(7)

    a, b = leaf(T, x, dtype), tensor(T, x, dtype)
    Foo.apply(a, b).sum().backward()
    return a.grad, b.grad


def _double_inplace(T, mark, returned):
    class Foo(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            if mark:
                ctx.mark_dirty(a)
            a.mul_(2.0)
            return a if returned else a * 1.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    return Foo


@scenario("custom-function.mark-dirty", draws=dict(x=small_arrays(), dtype=float_dtypes()))
def mark_dirty(T, x, dtype):
    w = leaf(T, x, dtype)
    a = w * 1.0
    r = _double_inplace(T, True, True).apply(a)
    r.sum().backward()
    return r is a, a._version, a.grad_fn.name(), a, w.grad


@scenario(
    "custom-function.dirty-not-returned-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def dirty_not_returned(T, x, dtype):
    _double_inplace(T, True, False).apply(leaf(T, x, dtype) * 1.0)


@scenario(
    "custom-function.dirty-leaf-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def dirty_leaf(T, x, dtype):
    _double_inplace(T, True, True).apply(leaf(T, x, dtype))


@scenario(
    "custom-function.returned-input-is-view", draws=dict(x=small_arrays(), dtype=float_dtypes())
)
def returned_input_is_view(T, x, dtype):
    class Ident(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

    w = leaf(T, x, dtype)
    r = Ident.apply(w)
    r.sum().backward()
    return r is w, r._base is w, r.is_leaf, r.grad_fn.name(), w.grad


@scenario(
    "custom-function.mark-non-differentiable",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def mark_non_differentiable(T, x, dtype):
    seen = []

    class WithMask(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            mask = (a > 0.0).to(a.dtype)
            ctx.mark_non_differentiable(mask)
            return a * 2.0, mask

        @staticmethod
        def backward(ctx, g, g_mask):
            seen.append(g_mask)
            return g * 2.0

    w = leaf(T, x, dtype)
    out, mask = WithMask.apply(w)
    out.sum().backward()
    return mask, seen, w.grad


def _once(T, seen):
    from_namespace = T.autograd.function.once_differentiable

    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        @from_namespace
        def backward(ctx, g):
            seen.append(T.is_grad_enabled())
            (a,) = ctx.saved_tensors
            return 2.0 * a * g

    return Square


@scenario(
    "custom-function.once-differentiable-no-grad",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), create_graph=st.booleans()),
)
def once_no_grad(T, x, dtype, create_graph):
    seen = []
    w = leaf(T, x, dtype)
    (g,) = T.autograd.grad(_once(T, seen).apply(w).sum(), w, create_graph=create_graph)
    return seen, g


@scenario(
    "custom-function.once-differentiable-twice-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def once_twice(T, x, dtype):
    w = leaf(T, x, dtype)
    z = (_once(T, []).apply(w) * w).sum()
    (g,) = T.autograd.grad(z, w, create_graph=True)
    g.sum().backward()


@scenario(
    "custom-function.no-grad-fn-under-no-grad",
    draws=dict(x=small_arrays(bound=2.0), dtype=float_dtypes()),
)
def no_grad_fn_under_no_grad(T, x, dtype):
    w = leaf(T, x, dtype)
    with T.no_grad():
        out = _exp(T).apply(w)
    return out, out.grad_fn is None


@scenario(
    "custom-function.only-direct-tensor-args",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def only_direct_tensor_args(T, x, dtype):
    class FromList(T.autograd.Function):
        @staticmethod
        def forward(ctx, items):
            return items[0] * 2.0

        @staticmethod
        def backward(ctx, g):
            return None

    out = FromList.apply([leaf(T, x, dtype)])
    return out, out.grad_fn is None


@scenario(
    "custom-function.jvp-missing-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(low_precision=False)),
    raises="NotImplementedError",
)
def jvp_missing(T, x, dtype):
    fwAD = T.autograd.forward_ad
    with fwAD.dual_level():
        d = fwAD.make_dual(tensor(T, x, dtype), tensor(T, x, dtype))
        _exp(T).apply(d)


@scenario(
    "custom-function.materialize-non-diff-grads-off",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), off=st.booleans(), mark=st.booleans()),
)
def materialize_non_diff_grads_off(T, x, dtype, off, mark):
    seen = []

    class TwoOut(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            if off:
                ctx._materialize_non_diff_grads = False
            first, second = a * 2.0, a * 3.0
            if mark:
                ctx.mark_non_differentiable(second)
            return first, second

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1, g2))
            return g1 * 2.0

    w = leaf(T, x, dtype)
    first, _ = TwoOut.apply(w)
    first.sum().backward()
    return seen, w.grad


def _view_of(T, as_is):
    class ViewOf(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a if as_is else a[...]

        @staticmethod
        def backward(ctx, g):
            return g

    return ViewOf


@scenario(
    "custom-function.view-output-inplace-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), as_is=st.booleans()),
    raises="RuntimeError",
)
def view_output_inplace(T, x, dtype, as_is):
    out = _view_of(T, as_is).apply(leaf(T, x, dtype) * 1.0)
    out.mul_(2.0)


@scenario(
    "custom-function.view-output-base-modified-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), as_is=st.booleans()),
    raises="RuntimeError",
)
def view_output_base_modified(T, x, dtype, as_is):
    base = leaf(T, x, dtype) * 1.0
    out = _view_of(T, as_is).apply(base)
    with T.no_grad():
        base.mul_(2.0)
    return out.grad_fn


def _doubling_inplace(T, jvp_inplace):
    class DoubleInplace(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.mark_dirty(a)
            return a.mul_(2.0)

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

        @staticmethod
        def jvp(ctx, t):
            return t.mul_(2.0) if jvp_inplace else t * 2.0

    return DoubleInplace


@scenario(
    "custom-function.dirty-jvp-not-inplace-raises",
    draws=dict(x=arrays((3,)), t=arrays((3,)), dtype=st.sampled_from(["float32", "float64"])),
    raises="RuntimeError",
)
def dirty_jvp_not_inplace(T, x, t, dtype):
    fw = T.autograd.forward_ad
    with fw.dual_level():
        dual = fw.make_dual(tensor(T, x, dtype), tensor(T, t, dtype))
        _doubling_inplace(T, jvp_inplace=False).apply(dual)


@scenario(
    "custom-function.forward-without-forward-ad",
    draws=dict(
        x=arrays((3,)),
        t=arrays((3,)),
        dtype=st.sampled_from(["float32", "float64"]),
        dirty=st.booleans(),
    ),
)
def forward_without_forward_ad(T, x, t, dtype, dirty):
    fw = T.autograd.forward_ad
    seen = []

    class Scale(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            seen.append(fw.unpack_dual(a).tangent)
            return a * 3.0

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

        @staticmethod
        def jvp(ctx, ta):
            return ta * 3.0

    fn = _doubling_inplace(T, jvp_inplace=True) if dirty else Scale
    with fw.dual_level():
        dual = fw.make_dual(tensor(T, x, dtype), tensor(T, t, dtype))
        out = fn.apply(dual)
        primal, tangent = fw.unpack_dual(out)
        return seen, primal * 1.0, tangent * 1.0


@scenario(
    "custom-function.setup-context-default-args",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), k=st.one_of(st.none(), scalars())),
)
def setup_context_default_args(T, x, dtype, k):
    seen = []

    class Scale(T.autograd.Function):
        @staticmethod
        def forward(a, factor=2.5):
            return a * factor

        @staticmethod
        def setup_context(ctx, inputs, output):
            seen.append(inputs[1:])
            ctx.factor = inputs[1]

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None

    w = leaf(T, x, dtype)
    out = Scale.apply(w) if k is None else Scale.apply(w, k)
    out.sum().backward()
    return seen, out, w.grad


@scenario(
    "custom-function.backward-and-vjp-raises",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def backward_and_vjp(T, x, dtype):
    class Both(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            return g

        @staticmethod
        def vjp(ctx, g):
            return g

    w = leaf(T, x, dtype)
    out = Both.apply(w)
    out.sum().backward()


@scenario(
    "custom-function.vjp-alone", draws=dict(x=small_arrays(), dtype=float_dtypes(), k=scalars())
)
def vjp_alone(T, x, dtype, k):
    class ScaleVjp(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * k

        @staticmethod
        def vjp(ctx, g):
            return g * k

    w = leaf(T, x, dtype)
    ScaleVjp.apply(w).sum().backward()
    return w.grad


@scenario(
    "custom-function.saved-variables-deprecated",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def saved_variables_deprecated(T, x, dtype):
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_variables
            return 2.0 * a * g

    w = leaf(T, x, dtype)
    Square.apply(w).sum().backward()
    return w.grad


@scenario(
    "custom-function.instantiation-deprecated",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
    raises="RuntimeError",
)
def instantiation_deprecated(T, x, dtype):
    Square = square_function(T)
    made = Square()
    assert isinstance(made, Square)
    made(leaf(T, x, dtype))


@scenario(
    "custom-function.dirty-view-multiple-outputs-raises",
    draws=dict(
        x=arrays(st.integers(1, 4).map(lambda n: (2, n))),
        dtype=float_dtypes(),
        second=st.sampled_from(["same", "other", "number"]),
    ),
    raises="RuntimeError",
)
def dirty_view_multiple_outputs(T, x, dtype, second):
    class DoubleTwice(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            a.mul_(2.0)
            ctx.mark_dirty(a)
            return a, {"same": a, "other": a * 1.0, "number": 3}[second]

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2.0

    DoubleTwice.apply((leaf(T, x, dtype) * 1.0)[0])


@scenario(
    "custom-function.saved-input-returned-as-is",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), as_leaf=st.booleans()),
)
def saved_input_returned_as_is(T, x, dtype, as_leaf):
    stashed = []

    class Identity(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a

        @staticmethod
        def backward(ctx, g):
            stashed.append(ctx)
            (a,) = ctx.saved_tensors
            return g * 1.0 + a * 0.0

    w = leaf(T, x, dtype)
    a = w if as_leaf else w * 1.0
    out = Identity.apply(a)
    out.sum().backward(retain_graph=True)
    (saved,) = stashed[0].saved_tensors
    grad_fn = saved.grad_fn
    return saved is a, saved.is_leaf, saved.requires_grad, grad_fn and grad_fn.name(), w.grad


@scenario(
    "custom-function.raw-saved-tensors",
    draws=dict(x=small_arrays(), dtype=float_dtypes(), save=st.booleans(), k=scalars(0.5, 0.25)),
)
def raw_saved_tensors(T, x, dtype, save, k):
    log = []

    class Scale(T.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            if save:
                ctx.save_for_backward(a, None)
            return a * 3.0

        @staticmethod
        def backward(ctx, g):
            if save:
                a, none = ctx.saved_tensors
                log.append(("saved", a * 1.0, none))
            return g * 3.0

    w = leaf(T, x, dtype)
    y = Scale.apply(w)
    raw = y.grad_fn._raw_saved_tensors
    seen = [type(s).__name__ for s in raw]
    if save:
        seen.append(attempt(lambda: raw[1].register_hooks(lambda t: t, lambda t: t)))
        raw[0].register_hooks(
            lambda t: (log.append("pack"), t * k)[1], lambda t: (log.append("unpack"), t / k)[1]
        )
    y.sum().backward()
    after = attempt(lambda: y.grad_fn._raw_saved_tensors)
    return seen, log, after, w.grad


@scenario(
    "custom-function.view-output-no-grad-inplace-raises",
    draws=dict(
        x=arrays(st.integers(1, 4).map(lambda n: (2, n))),
        dtype=float_dtypes(),
        as_is=st.booleans(),
        op=st.sampled_from(["add_", "copy_"]),
    ),
    raises="RuntimeError",
)
def view_output_no_grad_inplace(T, x, dtype, as_is, op):
    out = _view_of(T, as_is).apply(tensor(T, x, dtype))
    untouched = (out.requires_grad, out.grad_fn)
    out.mul_(2.0)  # nothing requires grad: allowed
    getattr(out, op)(leaf(T, x[0], dtype))
    return untouched


@scenario(
    "custom-function.multi-output-view-inplace-raises",
    draws=dict(x=arrays((3,)), y=arrays((2,)), dtype=float_dtypes(), first=st.booleans()),
    raises="RuntimeError",
)
def multi_output_view_inplace(T, x, y, dtype, first):
    class TwoOut(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            view = a.narrow(0, 0, 2)
            return view, view + b

        @staticmethod
        def backward(ctx, g_view, g_sum):
            return T.cat([g_view + g_sum, g_view[:1] * 0.0]), g_sum

    a = leaf(T, x, dtype) * 1.0
    b = leaf(T, y, dtype) * 1.0
    view, total = TwoOut.apply(a, b)
    total.add_(3.0)  # not a view: allowed
    seen = node_name_of(total)
    view.add_(3.0)
    return seen


def node_name_of(t):
    return None if t.grad_fn is None else t.grad_fn.name()


@scenario(
    "custom-function.dirty-non-input-warns",
    draws=dict(x=small_arrays(), dtype=float_dtypes()),
)
def dirty_non_input(T, x, dtype):
    class ScaleAdd(T.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            c = 3.0 * a
            c.add_(b)
            ctx.mark_dirty(c)
            return c

        @staticmethod
        def backward(ctx, g):
            return 3.0 * g, g

    a = leaf(T, x, dtype)
    out = ScaleAdd.apply(a * 1.0, tensor(T, x * 0.5 + 1.0, dtype))
    out.sum().backward()
    return out, out._version, node_name_of(out), a.grad
