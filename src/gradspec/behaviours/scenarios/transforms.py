"""Scenarios for autograd.functional and torch.func transforms."""

from __future__ import annotations

import importlib

from gradspec.behaviours.scenarios._draws import arrays, float_dtypes
from gradspec.behaviours.scenarios._registry import scenario
from gradspec.behaviours.scenarios._util import tensor

_VEC = arrays((3,), bound=2.0)


def _func(T):
    return importlib.import_module(T.__name__ + ".func")


@scenario(
    "functional.jacobian", draws=dict(x=_VEC, y=_VEC, dtype=float_dtypes(low_precision=False))
)
def jacobian(T, x, y, dtype):
    F = T.autograd.functional
    a, b = tensor(T, x, dtype), tensor(T, y, dtype)
    return (
        F.jacobian(lambda u: u.sin() * u, a),
        F.jacobian(lambda u, v: (u * v, (u * v).sum()), (a, b)),
        F.jacobian(lambda u: u.sum(), a),
        F.jacobian(lambda u: T.ones(2, dtype=u.dtype), a),
    )


@scenario("functional.hessian", draws=dict(x=_VEC, y=_VEC, dtype=float_dtypes(low_precision=False)))
def hessian(T, x, y, dtype):
    F = T.autograd.functional
    a, b = tensor(T, x, dtype), tensor(T, y, dtype)
    return (
        F.hessian(lambda u: (u**3).sum(), a),
        F.hessian(lambda u, v: (u * v * u).sum(), (a, b)),
    )


@scenario(
    "functional.vjp-jvp-hvp", draws=dict(x=_VEC, v=_VEC, dtype=float_dtypes(low_precision=False))
)
def products(T, x, v, dtype):
    F = T.autograd.functional
    a, d = tensor(T, x, dtype), tensor(T, v, dtype)
    return (
        F.vjp(lambda u: u.exp() * u, a, d),
        F.jvp(lambda u: u.exp() * u, a, d),
        F.hvp(lambda u: (u.exp() * u).sum(), a, d),
        F.vhp(lambda u: (u**3).sum(), a, d),
    )


@scenario("functional.strict-raises", draws=dict(x=_VEC), raises="RuntimeError")
def strict(T, x):
    F = T.autograd.functional
    F.jacobian(lambda u: T.ones(2), tensor(T, x), strict=True)


@scenario("functional.v-none-nonscalar-raises", draws=dict(x=_VEC), raises="RuntimeError")
def v_none(T, x):
    T.autograd.functional.vjp(lambda u: u * 2.0, tensor(T, x))


@scenario("func.grad", draws=dict(x=_VEC, y=_VEC, dtype=float_dtypes(low_precision=False)))
def func_grad(T, x, y, dtype):
    F = _func(T)
    a, b = tensor(T, x, dtype), tensor(T, y, dtype)
    g = F.grad(lambda u: (u.sin() * u).sum())(a)
    g2 = F.grad(lambda u, v: (u * v.exp()).sum(), argnums=(0, 1))(a, b)
    gaux = F.grad(lambda u: ((u**2).sum(), u.mean()), has_aux=True)(a)
    second = F.grad(F.grad(lambda s: s**3))(a[0])
    value = F.grad_and_value(lambda u: (u**2).sum())(a)
    return g, g.requires_grad, g2, gaux, second, value


@scenario("func.grad-nonscalar-raises", draws=dict(x=_VEC), raises="RuntimeError")
def func_grad_nonscalar(T, x):
    _func(T).grad(lambda u: u**2)(tensor(T, x))


@scenario("func.vmap", draws=dict(x=arrays((2, 3)), y=_VEC, dtype=float_dtypes()))
def func_vmap(T, x, y, dtype):
    F = _func(T)
    a, b = tensor(T, x, dtype), tensor(T, y, dtype)
    return (
        F.vmap(lambda r: r.sum())(a),
        F.vmap(lambda r, s: r * s, in_dims=(0, None))(a, b),
        F.vmap(lambda r: r.sum(), in_dims=1)(a),
        F.vmap(lambda r: (r, r.sum()), out_dims=(1, 0))(a),
        F.vmap(F.grad(lambda r: (r**2).sum()))(a),
    )


@scenario("func.jacrev-hessian", draws=dict(x=_VEC, dtype=float_dtypes(low_precision=False)))
def func_jac(T, x, dtype):
    F = _func(T)
    a = tensor(T, x, dtype)
    return (
        F.jacrev(lambda u: u**2 * u.sum())(a),
        F.jacfwd(lambda u: u.sin())(a),
        F.hessian(lambda u: (u**3).sum())(a),
        F.vjp(lambda u: u**2, a)[1](T.ones_like(a)),
        F.jvp(lambda u: u**2, (a,), (T.ones_like(a),)),
    )


def _functions(T):
    class Foo(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    class Bar(T.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2.0

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    return Foo, Bar


@scenario("func.function-needs-setup-context", draws=dict(x=arrays((2, 3))), raises="RuntimeError")
def needs_setup_context(T, x):
    Foo, _ = _functions(T)
    _func(T).grad(lambda u: Foo.apply(u).sum())(tensor(T, x))


@scenario("func.function-vmap-needs-rule", draws=dict(x=arrays((2, 3)), dtype=float_dtypes()))
def vmap_needs_rule(T, x, dtype):
    _, Bar = _functions(T)
    a = tensor(T, x, dtype)

    class Foo(Bar):
        pass

    class Gen(Bar):
        generate_vmap_rule = True

    out = [_func(T).vmap(Gen.apply)(a), _func(T).grad(lambda u: Bar.apply(u).sum())(a)]
    try:
        _func(T).vmap(Foo.apply)(a)
    except RuntimeError as e:
        out.append(str(e).split(".")[0])
    return out
