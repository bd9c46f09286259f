"""Oracles: what the right answer is.

``reference_result`` is namespace-generic: it turns drawn NumPy values into tensors of a namespace
``T`` (``gradref``, or ``torch`` itself), calls the reference with the non-tensor arguments at
their positions, and computes the reference VJP with ``T.autograd.grad`` — or, for a Function
with an intended surrogate gradient, with the user's ``vjp`` — and, on request, the second-order
VJP with ``create_graph=True``. Results come back as plain NumPy float64 arrays plus dtype names,
so they can be compared with anything and written into reproducers.

Without a reference, ``fd_directional`` gives the finite-difference directional derivative used
by the random-direction inner-product test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradspec.functions.usercode import user_call
from gradspec.tolerances import dtype_name


class ReferenceFailed(Exception):
    """The reference itself could not compute something (not a failure of the op under test)."""


def namespace(name: str = "gradref"):
    """The reference namespace: ``gradref`` when importable (``name="torch"`` for torch)."""
    import importlib

    return importlib.import_module(name)


def is_torch(t) -> bool:
    return type(t).__module__.startswith("torch")


def to_numpy(t) -> np.ndarray:
    """A tensor of any namespace as a float64 NumPy array (complex128 for complex; bool and
    integers as float64 too, exact for the sizes gradspec draws). Low-precision dtypes are
    widened first: neither torch nor gradref gives a NumPy bfloat16 array."""
    if hasattr(t, "detach"):
        t = t.detach()
    if is_torch(t):
        import torch

        t = t.cpu()
        if t.is_complex():
            return t.to(torch.complex128).numpy()
        return t.to(torch.float64).numpy()
    if hasattr(t, "dtype") and hasattr(t, "to") and getattr(t.dtype, "is_floating_point", False):
        import gradref

        wide = gradref.complex128 if getattr(t.dtype, "is_complex", False) else gradref.float64
        t = t.to(wide)
    a = t.numpy() if hasattr(t, "numpy") else np.asarray(t)
    a = np.asarray(a)
    if np.iscomplexobj(a):
        return a.astype(np.complex128)
    return a.astype(np.float64)


def as_tuple(out) -> tuple:
    if isinstance(out, tuple | list):
        return tuple(out)
    return (out,)


def merge_args(tensors, args) -> list:
    """The full positional argument list: ``tensors`` in order, with the non-tensor ``args``
    (``(position, value)`` pairs) at their positions."""
    fixed = dict(args)
    out, it = [], iter(tensors)
    for p in range(len(tensors) + len(fixed)):
        out.append(fixed[p] if p in fixed else next(it))
    return out


@dataclass
class RefOutput:
    value: np.ndarray
    dtype: str
    shape: tuple
    requires_grad: bool

    @property
    def is_float(self) -> bool:
        return self.dtype.startswith(("float", "bfloat", "complex"))


@dataclass
class RefResult:
    outputs: list  # of RefOutput (None for a non-tensor output)
    grads: list | None = None  # per input: np array, or None for an omitted input
    grads2: list | None = None  # per input then per differentiable output's cotangent
    #: what was made of the user's answers on the way (a vjp's gradient summed to size, ...)
    notes: list = field(default_factory=list)
    #: per output, the inputs its graph reaches (with every input requiring grad); None when
    #: unknown
    reaches: list | None = None

    def requires_grad_under(self, mask) -> list | None:
        """Which outputs require grad when exactly the inputs in ``mask`` do, read off the
        graph of this run (autograd's rule: an output requires grad when its graph reaches an
        input that does); None when the graph could not be read."""
        if self.reaches is None:
            return None
        return [
            o is not None and o.requires_grad and any(mask[i] for i in r if i < len(mask))
            for o, r in zip(self.outputs, self.reaches)
        ]


def graph_reaches(outs, xs) -> list | None:
    """Per output, the indices of the leaves in ``xs`` its graph reaches (``next_functions``
    down to ``AccumulateGrad.variable``, as in torch and gradref); None when a node cannot be
    walked."""
    index = {id(x): i for i, x in enumerate(xs) if x is not None}
    found = []
    try:
        for o in outs:
            hit: set = set()
            if is_tensor(o) and o.requires_grad:
                if o.grad_fn is None:
                    if id(o) in index:
                        hit.add(index[id(o)])
                else:
                    stack, seen = [o.grad_fn], set()
                    while stack:
                        node = stack.pop()
                        if id(node) in seen:
                            continue
                        seen.add(id(node))
                        var = getattr(node, "variable", None)
                        if var is not None:
                            if id(var) in index:
                                hit.add(index[id(var)])
                            continue
                        stack.extend(nf for nf, _ in node.next_functions if nf is not None)
            found.append(hit)
    except Exception:  # noqa: BLE001 - a node without next_functions: run the mask instead
        return None
    return found


def is_tensor(x) -> bool:
    return hasattr(x, "dtype") and hasattr(x, "shape") and hasattr(x, "requires_grad")


def _floating(t) -> bool:
    return bool(
        getattr(t.dtype, "is_floating_point", False) or getattr(t.dtype, "is_complex", False)
    )


def _vjp_grads(T, vjp, full, xs, outs, diff, cots, positions, notes):
    """The user's intended gradients: ``vjp(*inputs, *grad_outputs)``, one grad_output per
    output as backward gets them (zeros for non-differentiable tensor outputs, None for
    non-tensor ones); returns one gradient per present tensor input, in order."""
    by_k = {k: c for (k, _), c in zip(diff, cots)}
    gouts = []
    for k, o in enumerate(outs):
        if not is_tensor(o):
            gouts.append(None)
        elif k in by_k:
            gouts.append(by_k[k])
        else:
            gouts.append(T.zeros(tuple(o.shape), dtype=o.dtype))
    got = as_tuple(user_call(vjp, *full, *gouts))
    if len(got) == len(full):
        per_tensor = [got[p] for p in positions]
    elif len(got) == len(xs):
        per_tensor = list(got)
    else:
        raise ReferenceFailed(
            f"vjp returned {len(got)} gradient(s) for {len(full)} argument(s) "
            f"({len(xs)} tensor input(s)); return one per input, None where there is none"
        )
    out = []
    for p, g, x in zip(positions, per_tensor, xs):
        if x is None or not x.dtype.is_floating_point:
            continue
        out.append(_vjp_grad_as_engine(g, x, p, notes))
    return out


def _expandable(shape, to) -> bool:
    """Whether ``shape`` broadcasts to ``to`` (torch's ``is_expandable_to``)."""
    if len(shape) > len(to):
        return False
    return all(a == b or a == 1 for a, b in zip(reversed(shape), reversed(to)))


def _vjp_grad_as_engine(g, x, position: int, notes: list):
    """One gradient of the user's vjp, validated as torch's engine validates what a backward
    returns (``validate_outputs``): a gradient of a shape the input broadcasts to is summed to
    the input's shape, a floating gradient of another dtype is cast (both said in ``notes``);
    anything else is the vjp's mistake, named with its fix."""
    if g is None:
        return None
    if not is_tensor(g):
        raise ReferenceFailed(
            f"vjp returned a {type(g).__name__} as the gradient of argument {position}; return "
            "a tensor of the namespace it is called with (built from its arguments), or None"
        )
    shape, want = tuple(g.shape), tuple(x.shape)
    if shape != want:
        if not _expandable(want, shape):
            raise ReferenceFailed(
                f"vjp returned a gradient of shape {shape} for argument {position} of shape "
                f"{want}; return the gradient with the argument's shape"
            )
        notes.append(
            f"vjp returned a gradient of shape {shape} for argument {position} of shape {want}; "
            "summed to the argument's shape, as torch's engine does with a backward's gradient "
            "(return it reduced: g.sum_to_size(x.shape))"
        )
        g = g.sum_to_size(want)
    if g.dtype != x.dtype:
        if not _floating(g):
            raise ReferenceFailed(
                f"vjp returned a {dtype_name(g.dtype)} gradient for the {dtype_name(x.dtype)} "
                f"argument {position}; return a floating gradient of the argument's dtype"
            )
        g = g.to(x.dtype)
    return g


def _reference_result(
    T,
    reference,
    values,
    dtype: str,
    cotangent=None,
    *,
    second=None,
    args=(),
    vjp=None,
    kinds=(),
    mask=None,
) -> RefResult:
    """Run ``reference`` in namespace ``T`` on ``values`` (NumPy arrays or None) cast to ``dtype``,
    with the non-tensor ``args`` (``(position, value)`` pairs) at their positions.

    Every present floating input requires grad (or those in ``mask``). With
    ``cotangent(k, shape, dtype) -> ndarray`` the VJP of the differentiable outputs is computed
    (``grads``; zeros for inputs the output does not use),
    by ``T.autograd.grad`` or, when given, by the user's ``vjp``. With ``second(j, shape)`` too,
    the VJP of ``sum_j <grads[j], second_j>`` with respect to the inputs and then the cotangents
    is computed with ``create_graph=True`` (``grads2``).
    """
    dt = getattr(T, dtype)
    kinds = tuple(kinds) + (None,) * (len(values) - len(kinds))

    mask = (True,) * len(values) if mask is None else tuple(mask)

    def make(v, kind, rg):
        if v is None:
            return None
        if kind is None:
            return T.tensor(np.asarray(v), dtype=dt, requires_grad=bool(rg))
        if kind[0] == "nondiff":
            return T.tensor(np.asarray(v), dtype=dt)
        if kind[0] == "bool":
            return T.tensor(np.asarray(v) != 0)
        return T.tensor(np.asarray(v).astype(np.int64))

    try:
        xs = [make(v, k, rg) for v, k, rg in zip(values, kinds, mask)]
        full = merge_args(xs, args)
        outs = as_tuple(user_call(reference, *full))
    except Exception as e:  # noqa: BLE001 - the reference's own problem, reported as such
        raise ReferenceFailed(f"reference forward raised {type(e).__name__}: {e}") from e
    result = RefResult(outputs=[])
    for k, o in enumerate(outs):
        if isinstance(o, np.ndarray | np.generic):
            raise ReferenceFailed(
                f"reference returned a {type(o).__name__} as output {k}; compute it with the "
                "namespace the reference is called with (its arguments' methods, or T.*), so "
                "it returns a tensor"
            )
        if not is_tensor(o):
            result.outputs.append(None)
            continue
        result.outputs.append(
            RefOutput(to_numpy(o), dtype_name(o.dtype), tuple(o.shape), bool(o.requires_grad))
        )
    if all(mask):
        result.reaches = graph_reaches(outs, xs)
    if cotangent is None:
        return result
    present = [x for x, k in zip(xs, kinds) if x is not None and k is None]
    fixed = {p for p, _ in args}
    positions = [p for p in range(len(full)) if p not in fixed]
    if vjp is not None:
        # the user's vjp governs the backward whatever the reference's graph: a surrogate's
        # natural reference (a step, a sign) has no grad_fn, yet every floating output of the
        # op gets a cotangent in backward
        diff = [(k, o) for k, o in enumerate(outs) if is_tensor(o) and _floating(o)]
    else:
        diff = [(k, o) for k, o in enumerate(outs) if is_tensor(o) and o.requires_grad]
    if not diff or not present:
        result.grads = [
            None if v is None or k is not None else np.zeros(np.shape(v))
            for v, k in zip(values, kinds)
        ]
        if second is not None:  # no first-order graph: every second-order gradient is zero
            wrt = [x for x in present] + [o for _, o in diff]
            result.grads2 = [np.zeros(tuple(w.shape)) for w in wrt]
        return result
    try:
        cots = [
            T.tensor(
                cotangent(k, tuple(o.shape), dtype_name(o.dtype)),
                dtype=o.dtype,
                requires_grad=second is not None,
            )
            for k, o in diff
        ]
        if vjp is not None:
            grads = _vjp_grads(T, vjp, full, xs, outs, diff, cots, positions, result.notes)
        else:
            grads = user_call(
                T.autograd.grad,
                [o for _, o in diff],
                present,
                grad_outputs=cots,
                allow_unused=True,
                create_graph=second is not None,
            )
    except ReferenceFailed:
        raise
    except Exception as e:  # noqa: BLE001
        who = "vjp" if vjp is not None else "reference backward"
        raise ReferenceFailed(f"{who} raised {type(e).__name__}: {e}") from e
    it = iter(grads)
    result.grads = []
    for v, k in zip(values, kinds):
        if v is None or k is not None:
            result.grads.append(None)
            continue
        g = next(it)
        result.grads.append(np.zeros(np.shape(v)) if g is None else to_numpy(g))
    if second is None:
        return result
    try:
        index = [i for i, (v, k) in enumerate(zip(values, kinds)) if v is not None and k is None]
        pairs = [
            (g, T.tensor(second(index[j], tuple(g.shape)), dtype=g.dtype))
            for j, g in enumerate(grads)
            if g is not None and g.requires_grad
        ]
        wrt = present + cots
        if pairs:
            g2 = user_call(
                T.autograd.grad,
                [g for g, _ in pairs],
                wrt,
                grad_outputs=[v for _, v in pairs],
                allow_unused=True,
            )
        else:
            g2 = [None] * len(wrt)
    except Exception as e:  # noqa: BLE001
        raise ReferenceFailed(f"reference double backward raised {type(e).__name__}: {e}") from e
    result.grads2 = [
        np.zeros(tuple(w.shape)) if g is None else to_numpy(g) for g, w in zip(g2, wrt)
    ]
    return result


def reference_result(T, reference, values, dtype: str, cotangent=None, **kwargs) -> RefResult:
    """``_reference_result`` with NumPy's floating-point warnings silenced (a reference's 0/0 is
    judged by its value, not reported on stderr). See :func:`_reference_result`."""
    with np.errstate(all="ignore"):
        return _reference_result(T, reference, values, dtype, cotangent, **kwargs)


def fd_directional(f, xs, i, direction, eps=1e-6):
    """Central, forward and backward differences of ``f`` along ``direction`` in input ``i``.

    ``f`` maps a list of float64 torch tensors to a tuple of outputs; returns three lists (one
    array per floating output) of directional derivatives.
    """
    import torch

    d = torch.as_tensor(direction, dtype=xs[i].dtype, device=xs[i].device)

    def at(t):
        ys = list(xs)
        ys[i] = xs[i] + t * d
        with torch.no_grad():
            return [
                to_numpy(o)
                for o in as_tuple(f(*ys))
                if isinstance(o, torch.Tensor) and (o.is_floating_point() or o.is_complex())
            ]

    f0, fp, fm = at(0.0), at(eps), at(-eps)
    central = [(a - b) / (2 * eps) for a, b in zip(fp, fm)]
    forward = [(a - b) / eps for a, b in zip(fp, f0)]
    backward = [(a - b) / eps for a, b in zip(f0, fm)]
    return central, forward, backward
