"""gradref.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp, as in torch.

All are built on ``autograd.grad``; ``jvp`` uses the double-VJP trick (the VJP is linear in its
cotangent, so differentiating ``<vjp(u), v>`` with respect to ``u`` gives ``J v``), as torch does.
"""

from __future__ import annotations

from .. import _surface
from .._factories import zeros_like
from .._grad_mode import enable_grad
from .._tensor import Tensor
from ..ops.shape import stack


def _as_tuple(x, arg_name: str, fn_name: str):
    if isinstance(x, Tensor):
        return False, (x,)
    if not isinstance(x, tuple):
        raise TypeError(
            f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
            f"the value at index 0 has type {type(x)}."
        )
    for i, el in enumerate(x):
        if not isinstance(el, Tensor):
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but the value at index {i} has type {type(el)}."
            )
    return True, x


def _outputs_as_tuple(out, fn_name: str):
    if isinstance(out, Tensor):
        return False, (out,)
    if not isinstance(out, tuple) or not all(isinstance(o, Tensor) for o in out):
        raise TypeError(
            f"The outputs of the user-provided function given to {fn_name} must be either a "
            "Tensor or a tuple of Tensors but the given outputs of the user-provided function "
            f"has type {type(out)}."
        )
    return True, out


def _grad_preprocess(inputs, create_graph: bool):
    if create_graph:
        return tuple(
            i if i.requires_grad else i.view_as(i).requires_grad_() if i.is_leaf else i
            for i in inputs
        )
    return tuple(i.detach().requires_grad_(True) for i in inputs)


def _grads(outputs, inputs, grad_outputs, create_graph: bool, strict: bool, what: str):
    from . import grad

    diff_outputs = [o for o in outputs if o.requires_grad]
    diff_grads = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if strict:
        for i, o in enumerate(outputs):
            if not o.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. The "
                    "outputs must be computed in a differentiable manner from the input when "
                    "running in strict mode."
                )
    if not diff_outputs:
        return tuple(None for _ in inputs)
    res = grad(
        diff_outputs,
        inputs,
        diff_grads,
        create_graph=create_graph,
        allow_unused=True,
        retain_graph=True,
    )
    if strict:
        for i, r in enumerate(res):
            if r is None:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. "
                    f"This is not allowed in strict mode{what}."
                )
    return res


def _fill(res, inputs):
    return tuple(r if r is not None else zeros_like(i) for r, i in zip(res, inputs))


def _finish(res, create_graph: bool):
    return tuple(r if create_graph else r.detach() for r in res)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J)."""
    with enable_grad():
        is_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph)
        out_tuple, outputs = _outputs_as_tuple(func(*inputs), "vjp")
        if v is None:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the user-provided function returns a "
                    "single Tensor with a single element."
                )
            vs = (None,)
        else:
            _, vs = _as_tuple(v, "v", "vjp")
        res = _fill(_grads(outputs, inputs, vs, create_graph, strict, ""), inputs)
    outs = _finish(outputs, create_graph)
    res = _finish(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if is_tuple else res[0])


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v), through the double-VJP trick."""
    from . import grad

    with enable_grad():
        is_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph)
        if v is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function "
                    "is a single Tensor with a single element."
                )
            vs = (inputs[0].new_ones(()).reshape(inputs[0].shape),)
        else:
            _, vs = _as_tuple(v, "v", "jvp")
        out_tuple, outputs = _outputs_as_tuple(func(*inputs), "jvp")
        us = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        g = _grads(outputs, inputs, us, True, strict, "")
        terms = [(gi * vi).sum() for gi, vi in zip(g, vs) if gi is not None]
        if terms and any(t.requires_grad for t in terms):
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            res = grad(total, us, create_graph=create_graph, allow_unused=True)
        else:
            res = (None,) * len(us)
        res = _fill(res, outputs)
    outs = _finish(outputs, create_graph)
    res = _finish(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if out_tuple else res[0])


def jacobian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
):
    """d func(inputs) / d inputs: ``out.shape + in.shape`` for each (output, input) pair."""
    with enable_grad():
        is_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph)
        out_tuple, outputs = _outputs_as_tuple(func(*inputs), "jacobian")
        rows = []
        for out in outputs:
            flat = out.reshape(-1)
            per_input = [[] for _ in inputs]
            for j in range(flat.numel()):
                if flat.requires_grad:
                    g = _grads(
                        (flat[j],),
                        inputs,
                        (None,),
                        create_graph,
                        strict,
                        " when computing the jacobian",
                    )
                else:
                    if strict:
                        _grads((flat[j],), inputs, (None,), create_graph, strict, "")
                    g = (None,) * len(inputs)
                for k, (gk, inp) in enumerate(zip(g, inputs)):
                    per_input[k].append(gk if gk is not None else zeros_like(inp))
            row = []
            for k, inp in enumerate(inputs):
                if per_input[k]:
                    jac = stack(per_input[k]).reshape(tuple(out.shape) + tuple(inp.shape))
                else:
                    jac = inp.new_zeros(tuple(out.shape) + tuple(inp.shape))
                row.append(jac if create_graph else jac.detach())
            rows.append(tuple(row))
    if not out_tuple and not is_tuple:
        return rows[0][0]
    if not out_tuple:
        return rows[0]
    if not is_tuple:
        return tuple(r[0] for r in rows)
    return tuple(rows)


def hessian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
):
    """The Hessian of a scalar function."""
    is_tuple, tuple_inputs = _as_tuple(inputs, "inputs", "hessian")

    def ensure_single_output(*inp):
        out = func(*inp)
        _, out_t = _outputs_as_tuple(out, "hessian")
        if len(out_t) != 1 or out_t[0].numel() != 1:
            raise RuntimeError(
                "The function given to hessian should return a single Tensor with a single element."
            )
        return out_t[0].reshape(())

    def jac_func(*inp):
        j = jacobian(ensure_single_output, inp, create_graph=True, strict=strict)
        return j

    res = jacobian(jac_func, tuple_inputs, create_graph=create_graph, strict=strict)
    if not is_tuple:
        return res[0][0]
    return res


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H)."""
    from . import grad

    with enable_grad():
        is_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _grad_preprocess(inputs, create_graph)
        _, outputs = _outputs_as_tuple(func(*inputs), "vhp")
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError(
                "The function given to vhp should return a single Tensor with a single element."
            )
        if v is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the input to the user-provided function "
                    "is a single Tensor with a single element."
                )
            vs = (inputs[0].new_ones(inputs[0].shape),)
        else:
            _, vs = _as_tuple(v, "v", "vhp")
        jac = _fill(grad(outputs, inputs, create_graph=True, allow_unused=True), inputs)
        terms = [(j * vi).sum() for j, vi in zip(jac, vs)]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        if total.requires_grad:
            res = _fill(grad(total, inputs, create_graph=create_graph, allow_unused=True), inputs)
        else:
            res = tuple(zeros_like(i) for i in inputs)
    out = _finish(outputs, create_graph)[0]
    res = _finish(res, create_graph)
    return out, (res if is_tuple else res[0])


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v); equal to vhp for the symmetric Hessians of smooth functions."""
    return vhp(func, inputs, v, create_graph, strict)


# torch's names gradref lacks raise NotImplementedError naming them (see _surface)
__getattr__ = _surface.module_getattr("torch.autograd.functional", __name__)
