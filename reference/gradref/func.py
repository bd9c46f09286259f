"""gradref.func: function transforms (vmap, grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian) with torch.func's signatures.

vmap runs the function once per slice and stacks the results (the semantics of a batching rule,
without one); grad-like transforms run autograd on fresh inputs and nest by recording a graph
when they run inside another transform. Custom Functions used under a transform follow
torch.func's rules (setup_context required; vmap needs a rule or ``generate_vmap_rule``).
"""

from __future__ import annotations

import functools
import threading

from . import _grad_mode
from ._factories import tensor, zeros_like
from ._tensor import Tensor
from .ops.shape import stack

_state = threading.local()


def _stack() -> list:
    s = getattr(_state, "stack", None)
    if s is None:
        s = _state.stack = []
    return s


def active_transforms() -> tuple:
    return tuple(_stack())


class _Transform:
    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self):
        _stack().append(self.name)

    def __exit__(self, *exc) -> None:
        _stack().pop()


def _tree_map(fn, x):
    if isinstance(x, tuple):
        return tuple(_tree_map(fn, v) for v in x)
    if isinstance(x, list):
        return [_tree_map(fn, v) for v in x]
    if isinstance(x, dict):
        return {k: _tree_map(fn, v) for k, v in x.items()}
    return fn(x)


def _leaves(x) -> list:
    out = []
    _tree_map(out.append, x)
    return out


# ------------------------------------------------------------------------------------- vmap


def vmap(func, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None):
    """Map ``func`` over a dimension of its inputs: one call per slice, results stacked."""

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        dims = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(
                f"vmap(wrapped, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible "
                f"with the structure of `inputs`. in_dims has structure {len(dims)} but inputs "
                f"has structure {len(args)}."
            )
        sizes = []
        for a, d in zip(args, dims):
            for leaf in _leaves(a):
                if d is not None and isinstance(leaf, Tensor):
                    if leaf.dim() == 0:
                        raise ValueError(
                            f"vmap(wrapped, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} "
                            "for an input but the input is of type Tensor of dim 0. We cannot "
                            "vmap over non-Tensor arguments or 0-dim Tensors."
                        )
                    sizes.append(leaf.shape[d])
        if not sizes:
            raise ValueError(
                f"vmap(wrapped, in_dims={in_dims}, ...)(<inputs>): at least one input must be a "
                "Tensor with a mapped dimension (in_dims not None)"
            )
        if len(set(sizes)) != 1:
            raise ValueError(
                "vmap: Expected all tensors to have the same size in the mapped dimension, got "
                f"sizes {sizes} for the mapped dimension"
            )
        results = []
        with _Transform("vmap"):
            for i in range(sizes[0]):
                sliced = [
                    _tree_map(lambda t, d=d, i=i: t.select(d, i) if isinstance(t, Tensor) else t, a)
                    if d is not None
                    else a
                    for a, d in zip(args, dims)
                ]
                results.append(func(*sliced, **kwargs))
        return _stack_results(results, out_dims)

    return wrapped


def _stack_results(results, out_dims):

    first = results[0]
    if isinstance(first, tuple):
        dims = out_dims if isinstance(out_dims, tuple) else (out_dims,) * len(first)
        return tuple(_stack_results([r[k] for r in results], dims[k]) for k in range(len(first)))
    if isinstance(first, Tensor):
        return stack(results, dim=out_dims)

    return stack([tensor(r) for r in results], dim=out_dims)


# ------------------------------------------------------------------------------ grad & co.


def _prepare(args, argnums):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    new = list(args)
    for n in nums:
        a = args[n]

        def fresh(t):
            if not isinstance(t, Tensor):
                return t
            if t.requires_grad:  # inside another transform: keep the outer graph
                return t.view_as(t)
            return t.detach().requires_grad_()

        new[n] = _tree_map(fresh, a)
    return new, nums


def _finish(x, outermost: bool):
    if not outermost:
        return x
    return _tree_map(lambda t: t.detach() if isinstance(t, Tensor) else t, x)


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """``(grad, value)`` of a scalar-valued ``func`` with respect to ``args[argnums]``."""

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        from .autograd import grad as _grad

        outermost = "grad" not in _stack()
        with _Transform("grad"), _grad_mode.enable_grad():
            new, nums = _prepare(args, argnums)
            out = func(*new, **kwargs)
            aux = None
            if has_aux:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(
                        "grad_and_value(f)(*args): output of function f should be a tuple: "
                        "(output, aux) if has_aux is True"
                    )
                out, aux = out
            if not isinstance(out, Tensor):
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                    f"{type(out)}"
                )
            if out.dim() != 0:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                    f"tensor with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev "
                    "APIs instead?"
                )
            inputs = [_leaves(new[n]) for n in nums]
            flat = [t for group in inputs for t in group]
            if out.requires_grad:
                grads = _grad(
                    out, flat, create_graph=True, allow_unused=True, materialize_grads=True
                )
            else:
                grads = tuple(zeros_like(t) for t in flat)
            it = iter(grads)
            per_arg = [_tree_map(lambda _: next(it), new[n]) for n in nums]
            g = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
        g = _finish(g, outermost)
        value = _finish(out, outermost)
        if has_aux:
            return g, (value, _finish(aux, outermost))
        return g, value

    return wrapped


def grad(func, argnums=0, has_aux: bool = False):
    """The gradient of a scalar-valued ``func`` with respect to ``args[argnums]``."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        if has_aux:
            return g, value[1]
        return g

    return wrapped


def vjp(func, *primals, has_aux: bool = False):
    """``(func(*primals), vjp_fn)``; ``vjp_fn(cotangents)`` gives one gradient per primal."""
    from .autograd import grad as _grad

    outermost = "grad" not in _stack()
    with _Transform("grad"), _grad_mode.enable_grad():
        new, _ = _prepare(primals, tuple(range(len(primals))))
        out = func(*new)
        aux = None
        if has_aux:
            out, aux = out

    def vjp_fn(*cotangents):
        cts = cotangents[0] if len(cotangents) == 1 else cotangents
        outs = _leaves(out)
        cts_flat = _leaves(cts)
        flat_in = [t for p in new for t in _leaves(p)]
        with _Transform("grad"), _grad_mode.enable_grad():
            grads = _grad(
                outs,
                flat_in,
                cts_flat,
                retain_graph=True,
                create_graph=True,
                allow_unused=True,
                materialize_grads=True,
            )
        it = iter(grads)
        res = tuple(_tree_map(lambda _: next(it), p) for p in new)
        return _finish(res, outermost)

    result = (_finish(out, outermost), vjp_fn)
    if has_aux:
        return result + (_finish(aux, outermost),)
    return result


def jvp(func, primals, tangents, *, strict: bool = False, has_aux: bool = False):
    """``(func(*primals), J @ tangents)`` by the double-VJP trick."""
    from .autograd import grad as _grad

    outermost = "grad" not in _stack()
    with _Transform("grad"), _grad_mode.enable_grad():
        new, _ = _prepare(tuple(primals), tuple(range(len(primals))))
        out = func(*new)
        aux = None
        if has_aux:
            out, aux = out
        outs = _leaves(out)
        us = [zeros_like(o).requires_grad_() for o in outs]
        flat_in = [t for p in new for t in _leaves(p)]
        g = _grad(outs, flat_in, us, create_graph=True, allow_unused=True, materialize_grads=True)
        total = None
        for gi, ti in zip(g, [t for p in tangents for t in _leaves(p)]):
            term = (gi * ti).sum()
            total = term if total is None else total + term
        if total is not None and total.requires_grad:
            res = _grad(total, us, create_graph=True, allow_unused=True, materialize_grads=True)
        else:
            res = tuple(zeros_like(o) for o in outs)
        it = iter(res)
        tangent_out = _tree_map(lambda _: next(it), out)
    result = (_finish(out, outermost), _finish(tangent_out, outermost))
    if has_aux:
        return result + (_finish(aux, outermost),)
    return result


def jacrev(func, argnums=0, *, has_aux: bool = False, chunk_size=None):
    """The Jacobian of ``func`` with respect to ``args[argnums]`` (out.shape + in.shape)."""

    @functools.wraps(func)
    def wrapped(*args):
        from .autograd import grad as _grad

        outermost = "grad" not in _stack()
        with _Transform("grad"), _grad_mode.enable_grad():
            new, nums = _prepare(args, argnums)
            out = func(*new)
            aux = None
            if has_aux:
                out, aux = out
            inputs = [new[n] for n in nums]

            def jac_of(o):
                flat = o.reshape(-1)
                per_in = [[] for _ in inputs]
                for j in range(flat.numel()):
                    gs = _grad(
                        flat[j],
                        inputs,
                        retain_graph=True,
                        create_graph=True,
                        allow_unused=True,
                        materialize_grads=True,
                    )
                    for k, gk in enumerate(gs):
                        per_in[k].append(gk)
                res = []
                for k, inp in enumerate(inputs):
                    shape = tuple(o.shape) + tuple(inp.shape)
                    res.append(
                        stack(per_in[k]).reshape(shape) if per_in[k] else inp.new_zeros(shape)
                    )
                return res[0] if isinstance(argnums, int) else tuple(res)

            jac = _tree_map(jac_of, out)
        jac = _finish(jac, outermost)
        if has_aux:
            return jac, _finish(aux, outermost)
        return jac

    return wrapped


jacfwd = jacrev


def hessian(func, argnums=0):
    """``jacfwd(jacrev(func))``."""
    return jacfwd(jacrev(func, argnums), argnums)


def functional_call(*args, **kwargs):  # pragma: no cover - gradref has no nn.Module
    raise NotImplementedError("gradref has no nn.Module, so no functional_call")


__all__ = ["vmap", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]
