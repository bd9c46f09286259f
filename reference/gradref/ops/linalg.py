"""Matrix products. ``matmul`` dispatches by rank exactly as torch's composite does, so its
grad_fn names match (DotBackward0, MvBackward0, MmBackward0, UnsafeViewBackward0, ...)."""

from __future__ import annotations

import numpy as np

from .. import _dtypes, _products
from .._forward import add_defined, or_zeros
from .._ops import common_device, compute, record
from .._ops import retype as _retype
from .._tensor import Tensor
from ._table import register
from .getitem import getitem
from .pointwise import broadcast_shapes, where
from .shape import stack, unsafe_view


def _same_dtype(name: str, a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: "
            f"{_dtypes.type_meta_name(a.dtype)} != {_dtypes.type_meta_name(b.dtype)}"
        )


def check_matrix_product(op: str, mat1: Tensor, mat2: Tensor) -> None:
    """torch's checks of a 2-D product (mm, addmm), worded as torch >= 2.15 words them: the
    first operand is called ``self``, and every message starts with the op's name."""
    if mat1.dim() != 2:
        raise RuntimeError(f"{op}: self must be a matrix, got {mat1.dim()}-D tensor")
    if mat2.dim() != 2:
        raise RuntimeError(f"{op}: mat2 must be a matrix, got {mat2.dim()}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"{op}: mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} "
            f"and {mat2.shape[0]}x{mat2.shape[1]})"
        )


def _check_floating_or_int(a: Tensor) -> None:
    if a.dtype is _dtypes.bool:
        raise RuntimeError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _matmul_fields(a: Tensor, b: Tensor, names=("mat1", "mat2")) -> dict:
    """mm/addmm's saved geometry: both sizes, and the strides of each operand whose gradient
    will be computed (torch saves an empty list otherwise)."""
    na, nb = names
    return {
        f"{na}_sym_sizes": tuple(a.shape),
        f"{na}_sym_strides": tuple(a.stride()) if a.requires_grad else (),
        f"{nb}_sym_sizes": tuple(b.shape),
        f"{nb}_sym_strides": tuple(b.stride()) if b.requires_grad else (),
    }


@register("mm", node="MmBackward0")
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """2-D matrix product; MmBackward0: grad_a = g @ b^H, grad_b = a^H @ g."""
    check_matrix_product("mm", input, mat2)
    _same_dtype("mm", input, mat2)
    _check_floating_or_int(input)
    dev = common_device(input, mat2)
    y = compute(_products.matmul, [input, mat2], input.dtype, input.dtype, dev)
    record(
        "MmBackward0",
        [input, mat2],
        [y],
        [lambda g, c: mm(g, c.mat2.t().conj()), lambda g, c: mm(c.self.t().conj(), g)],
        [("mat2",), ("self",)],
        {"self": input, "mat2": mat2, **_matmul_fields(input, mat2, ("self", "mat2"))},
        jvp=lambda t, c: mm(or_zeros(t[0], c.self), c.mat2) + mm(c.self, or_zeros(t[1], c.mat2)),
    )
    return y


@register("mv", node="MvBackward0")
def mv(input: Tensor, vec: Tensor) -> Tensor:
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.dim()}, {vec.dim()}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x"
            f"{input.shape[1]}), vec ({vec.shape[0]})"
        )
    _same_dtype("mv", input, vec)
    dev = common_device(input, vec)
    y = compute(_products.matmul, [input, vec], input.dtype, input.dtype, dev)
    record(
        "MvBackward0",
        [input, vec],
        [y],
        [lambda g, c: outer(g, c.vec.conj()), lambda g, c: mv(c.self.t().conj(), g)],
        [("vec",), ("self",)],
        {"self": input, "vec": vec},
        jvp=lambda t, c: mv(or_zeros(t[0], c.self), c.vec) + mv(c.self, or_zeros(t[1], c.vec)),
    )
    return y


@register("dot", node="DotBackward0")
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    if input.dim() != 1 or tensor.dim() != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.dim()}D and {tensor.dim()}D tensors"
        )
    if input.shape[0] != tensor.shape[0]:
        raise RuntimeError(
            "inconsistent tensor size, expected tensor ["
            + str(input.shape[0])
            + "] and src ["
            + str(tensor.shape[0])
            + "] to have the same number of elements, but got "
            + f"{input.shape[0]} and {tensor.shape[0]} elements respectively"
        )
    if input.dtype is not tensor.dtype:
        raise RuntimeError(
            "dot : expected both vectors to have same dtype, but found "
            f"{_dtypes.scalar_type_name(input.dtype)} and {_dtypes.scalar_type_name(tensor.dtype)}"
        )
    dev = common_device(input, tensor)
    y = compute(lambda a, b: np.sum(a * b), [input, tensor], input.dtype, input.dtype, dev)
    record(
        "DotBackward0",
        [input, tensor],
        [y],
        [lambda g, c: g * c.tensor.conj(), lambda g, c: g * c.self.conj()],
        [("tensor",), ("self",)],
        {"self": input, "tensor": tensor},
    )
    return y


@register("outer", node="OuterBackward0", aliases=("ger",))
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    return input.reshape(input.shape[0] if input.dim() else -1, 1) * vec2


@register("bmm", node="BmmBackward0")
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    _same_dtype("bmm", input, mat2)
    dev = common_device(input, mat2)
    y = compute(_products.matmul, [input, mat2], input.dtype, input.dtype, dev)
    record(
        "BmmBackward0",
        [input, mat2],
        [y],
        [
            lambda g, c: bmm(g, c.mat2.transpose(1, 2).conj()),
            lambda g, c: bmm(c.self.transpose(1, 2).conj(), g),
        ],
        [("mat2",), ("self",)],
        {"self": input, "mat2": mat2},
        jvp=lambda t, c: bmm(or_zeros(t[0], c.self), c.mat2) + bmm(c.self, or_zeros(t[1], c.mat2)),
    )
    return y


@register("matmul")
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """torch.matmul's rank dispatch: dot, mv, mm, 1-D @ 2-D via unsqueeze/squeeze, and batched
    products as one broadcasting product (UnsafeViewBackward0), sum-reduced by the engine."""
    if not isinstance(other, Tensor):
        raise TypeError(
            f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    da, db = input.dim(), other.dim()
    if da == 0 or db == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D"
        )
    if da == 1 and db == 1:
        return dot(input, other)
    if da == 2 and db == 1:
        return mv(input, other)
    if da == 1 and db == 2:
        out = mm(input.unsqueeze(0), other).squeeze(0)
        if out.grad_fn is not None:
            _retype(out.grad_fn, "SqueezeBackward4")
        return out
    if da == 2 and db == 2:
        return mm(input, other)
    return _batched_matmul(input, other)


def _folds(a: Tensor, b: Tensor) -> bool:
    """Whether torch's matmul folds the larger operand into a matrix and calls mm/mv (True) or
    broadcasts both to a bmm (False): ``should_fold`` in aten's LinearAlgebra.cpp. Only the
    error messages depend on it here (the values do not)."""
    a_larger = a.dim() >= b.dim()
    shape = list(a.shape) if a_larger else [*b.shape[:-2], b.shape[-1], b.shape[-2]]
    strides = list(a.stride()) if a_larger else [*b.stride()[:-2], b.stride()[-1], b.stride()[-2]]
    if not (len(shape) >= 3 and (b.dim() if a_larger else a.dim()) <= 2):
        return False
    if (b if a_larger else a).requires_grad:
        return True
    if a.dim() == 2:
        return False
    if 0 in shape:
        return True
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(len(shape) - 2))


def _check_batched_shapes(a: Tensor, b: Tensor) -> None:
    """torch's shape errors for a batched matmul, on the path torch takes (see _folds)."""
    if _folds(a, b):
        big, small = (a, b) if a.dim() >= b.dim() else (_mT(b), _mT(a) if a.dim() == 2 else a)
        rows = int(np.prod(big.shape[:-1], dtype=np.int64))
        k = big.shape[-1]
        if small.dim() == 1 and k != small.shape[0]:
            raise RuntimeError(
                f"size mismatch, got input ({rows}), mat ({rows}x{k}), vec ({small.shape[0]})"
            )
        if small.dim() == 2 and k != small.shape[0]:
            raise RuntimeError(
                f"mm: mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                f"{small.shape[0]}x{small.shape[1]})"
            )
        return
    m1 = a.shape[-1]
    m2 = b.shape[-2] if b.dim() > 1 else b.shape[0]
    batch = broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    if m1 != m2:
        n = int(np.prod(batch, dtype=np.int64))
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{n}, {m1}] but got: [{n}, {m2}]."
        )


def _fold_matmul(a: Tensor, b: Tensor) -> Tensor:
    """torch's folded matmul: the larger operand (transposed when it is the second) reshaped to
    a matrix, one mm or mv, and an _unsafe_view back (then .mT.contiguous() if transposed)."""

    transpose = b.dim() > a.dim()
    t1 = _mT(b) if transpose else a
    t2 = (a.t() if a.dim() == 2 else a) if transpose else b
    output_shape = tuple(t1.shape[:-1])
    folded = int(np.prod(output_shape, dtype=np.int64))
    t1_folded = t1.reshape(folded, t1.shape[-1])
    if t2.dim() == 2:
        out = unsafe_view(mm(t1_folded, t2), output_shape + (t2.shape[1],))
        return _mT(out).contiguous() if transpose else out
    return unsafe_view(mv(t1_folded, t2), output_shape)


def _batched_matmul(a: Tensor, b: Tensor) -> Tensor:
    _check_batched_shapes(a, b)
    if a.dtype is not b.dtype:
        _same_dtype("matmul", a, b)
    if _folds(a, b):
        return _fold_matmul(a, b)
    dev = common_device(a, b)
    a2 = a.unsqueeze(0) if a.dim() == 1 else a
    b2 = b.unsqueeze(-1) if b.dim() == 1 else b
    y = compute(_products.matmul, [a2, b2], a.dtype, a.dtype, dev)
    if a.dim() == 1:
        y._data = y._data.squeeze(-2)
    if b.dim() == 1:
        y._data = y._data.squeeze(-1)

    def grad_a(g, c):
        g2 = g.unsqueeze(-1) if c.b.dim() == 1 else g
        g2 = g2.unsqueeze(-2) if c.a.dim() == 1 else g2
        r = matmul(g2, _mT(c.b2).conj())
        return r.squeeze(-2) if c.a.dim() == 1 else r

    def grad_b(g, c):
        g2 = g.unsqueeze(-1) if c.b.dim() == 1 else g
        g2 = g2.unsqueeze(-2) if c.a.dim() == 1 else g2
        r = matmul(_mT(c.a2).conj(), g2)
        return r.squeeze(-1) if c.b.dim() == 1 else r

    record(
        "UnsafeViewBackward0",
        [a, b],
        [y],
        [grad_a, grad_b],
        [("b", "b2", "a"), ("a", "a2", "b")],
        {"a": a, "b": b, "a2": a2, "b2": b2},
        # torch's bmm on the expanded operands, which reads an undefined tangent as zeros
        jvp=lambda t, c: matmul(or_zeros(t[0], c.a), c.b) + matmul(c.a, or_zeros(t[1], c.b)),
    )
    return y


def _mT(x: Tensor) -> Tensor:
    return x.transpose(-2, -1)


def _matmul_op(self, other):
    return matmul(self, other)


def _rmatmul_op(self, other):
    return matmul(other, self)


Tensor.__matmul__ = _matmul_op
Tensor.__rmatmul__ = _rmatmul_op


# ------------------------------------------------------------------------------------- einsum


def _parse_einsum(equation: str, operands) -> tuple[list[str], str]:
    """Operand and output subscripts with ``...`` replaced by capital letters (aligned from the
    right across operands, as broadcasting is); the implicit output when there is no ``->``."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(subs)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    ell_dims = 0
    out_subs = []
    for s, op in zip(subs, operands):
        n_named = len(s.replace("...", ""))
        if "..." in s:
            ell_dims = max_int(ell_dims, op.dim() - n_named)
        elif n_named != op.dim():
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({n_named}) does not match "
                f"the number of dimensions ({op.dim()}) for operand {len(out_subs)} and no "
                "ellipsis was given"
            )
        out_subs.append(s)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ell = letters[:ell_dims]
    resolved = []
    for s, op in zip(out_subs, operands):
        if "..." in s:
            k = op.dim() - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_dims - k :])
        resolved.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts: dict[str, int] = {}
        for s in resolved:
            for ch in s:
                counts[ch] = counts.get(ch, 0) + 1
        out = ell + "".join(sorted(ch for ch, k in counts.items() if k == 1 and ch not in ell))
    return resolved, out


def max_int(a: int, b: int) -> int:
    return a if a >= b else b


def _einsum_raw(subs: list[str], out: str, tensors) -> Tensor:
    """One einsum node: NumPy forward; per operand, the VJP is an einsum of the gradient with the
    other operands, broadcast over letters only that operand has, placed on the diagonal where
    the operand repeats a letter."""
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _dtypes.promote_types(dt, t.dtype)
    dev = common_device(*tensors)
    eq = ",".join(subs) + "->" + out
    # contiguous copies: NumPy's einsum factors a stride-0 (expanded) operand out of the sum,
    # inf * sum(b) where every product is summed in torch (inf - inf: NaN)
    y = compute(
        lambda *arrs: np.einsum(eq, *(np.array(a, order="C") for a in arrs)),
        list(tensors),
        dt,
        dt,
        dev,
    )

    def vjp_for(k):
        def vjp(g, c):
            ops = [getattr(c, f"op{j}") for j in range(len(subs))]
            target = subs[k]
            uniq = "".join(dict.fromkeys(target))
            avail = set(out) | {ch for j, s in enumerate(subs) if j != k for ch in s}
            keep = "".join(ch for ch in uniq if ch in avail)
            others = [ops[j].conj() for j in range(len(ops)) if j != k]
            other_subs = [subs[j] for j in range(len(ops)) if j != k]
            r = _einsum_raw([out] + other_subs, keep, [g] + others)
            sizes = {ch: ops[k].shape[i] for i, ch in enumerate(target)}
            if keep != uniq:  # letters summed out within this operand alone: broadcast
                for i, ch in enumerate(uniq):
                    if ch not in keep:
                        r = r.unsqueeze(i)
                r = r.expand(tuple(sizes[ch] for ch in uniq))
            if uniq != target:  # repeated letters: put the values on the diagonal
                grids = np.indices(tuple(ops[k].shape))
                pos = {}
                for i, ch in enumerate(target):
                    pos.setdefault(ch, i)
                key = tuple(grids[pos[ch]] for ch in uniq)
                on_diag = np.ones(tuple(ops[k].shape), np.bool_)
                for i, ch in enumerate(target):
                    on_diag &= grids[i] == grids[pos[ch]]
                mask = Tensor._from_array(on_diag, _dtypes.bool, r.device)
                r = getitem(r, key) * mask
            return r

        return vjp

    record(
        "EinsumBackward0",
        list(tensors),
        [y],
        [vjp_for(k) for k in range(len(tensors))],
        [tuple(f"op{j}" for j in range(len(tensors)))] * len(tensors),
        {f"op{j}": t for j, t in enumerate(tensors)},
        jvp=lambda t, c: _einsum_jvp(
            subs, out, [getattr(c, f"op{j}") for j in range(len(subs))], t
        ),
    )
    return y


def _einsum_jvp(subs: list[str], out: str, primals, tangents):
    """einsum's tangent as torch's forward AD computes it: torch contracts the operands two
    at a time, left to right; a pair that sums a letter both operands have (size > 1 in each)
    is a bmm, which reads a missing tangent as zeros (0 * inf is NaN), any other pair is a
    mul, which skips it."""

    def letters(s: str, x: Tensor) -> set:
        return {ch for ch, n in zip(s, x.shape) if n != 1}

    s0, p0, t0 = subs[0], primals[0], tangents[0]
    for k in range(1, len(subs)):
        s1, p1, t1 = subs[k], primals[k], tangents[k]
        later = set(out).union(*(letters(subs[j], primals[j]) for j in range(k + 1, len(subs))))
        keep = "".join(ch for ch in dict.fromkeys(s0 + s1) if ch in later)
        bmm_pair = any(ch not in later for ch in letters(s0, p0) & letters(s1, p1))
        if t0 is None and t1 is None:
            t = None
        elif bmm_pair:
            t = _einsum_raw([s0, s1], keep, [or_zeros(t0, p0), p1]) + _einsum_raw(
                [s0, s1], keep, [p0, or_zeros(t1, p1)]
            )
        else:
            t = add_defined(
                None if t0 is None else _einsum_raw([s0, s1], keep, [t0, p1]),
                None if t1 is None else _einsum_raw([s0, s1], keep, [p0, t1]),
            )
        p0 = _einsum_raw([s0, s1], keep, [p0, p1])
        s0, t0 = keep, t
    if t0 is None or s0 == out:
        return t0
    return _einsum_raw([s0], out, [t0])


@register("einsum", method=False)
def einsum(equation: str, *operands) -> Tensor:
    """torch.einsum: any equation NumPy accepts, with ``...``. Single-operand equations without
    repeated letters are a sum and a permute (SumBackward1 / PermuteBackward0, as in torch)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _parse_einsum(equation, operands)
    for s, op in zip(subs, operands):
        if len(s) != op.dim():
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(s)}) is more than the "
                f"number of dimensions ({op.dim()}) for operand 0"
            )
    if len(operands) == 1 and len(set(subs[0])) == len(subs[0]):
        x, s = operands[0], subs[0]
        summed = tuple(i for i, ch in enumerate(s) if ch not in out)
        if summed:
            x = x.sum(summed)
            s = "".join(ch for ch in s if ch in out)
        perm = tuple(s.index(ch) for ch in out)
        return x.permute(perm) if perm != tuple(range(len(perm))) else x
    return _einsum_raw(subs, out, operands)


# ------------------------------------------------------------- products with a scaled input


def _scaled(g: Tensor, s) -> Tensor:
    return g * s if s != 1 else g


def _scaled_sum(beta, b, alpha, product):
    """``beta * b + alpha * product``, where beta 0 ignores ``b`` (NaN and inf included), as
    torch's BLAS-style ops do."""
    out = alpha * product if alpha != 1 else product
    return out + beta * b if beta != 0 else out + np.zeros_like(b)


@register("addmv", node="AddmvBackward0")
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec); AddmvBackward0."""
    if mat.dim() != 2 or vec.dim() != 1 or input.dim() > 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.dim()}, {mat.dim()}, {vec.dim()}"
        )
    if mat.shape[1] != vec.shape[0] or input.numel() not in (1, mat.shape[0]):
        raise RuntimeError(
            f"size mismatch, got input ({input.numel()}), mat ({mat.shape[0]}x{mat.shape[1]}), "
            f"vec ({vec.shape[0]})"
        )
    _same_dtype("addmv", mat, vec)
    dev = common_device(input, mat, vec)
    y = compute(
        lambda b, m, v: _scaled_sum(beta, b, alpha, _products.matmul(m, v)),
        [input, mat, vec],
        mat.dtype,
        mat.dtype,
        dev,
        contiguous=True,
    )
    record(
        "AddmvBackward0",
        [input, mat, vec],
        [y],
        [
            lambda g, c: _scaled(g, beta),
            lambda g, c: _scaled(outer(g, c.vec.conj()), alpha),
            lambda g, c: _scaled(mv(c.mat.t().conj(), g), alpha),
        ],
        [(), ("vec",), ("mat",)],
        {"mat": mat, "vec": vec, "alpha": alpha, "beta": beta},
        jvp=lambda t, c: add_defined(
            None if t[0] is None else _scaled(t[0], beta),
            _scaled(mv(or_zeros(t[1], c.mat), c.vec), alpha),
            _scaled(mv(c.mat, or_zeros(t[2], c.vec)), alpha),
        ),
    )
    return y


@register("addr", node="AddrBackward0")
def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2); AddrBackward0."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.dim()}-D")
    input.expand(vec1.shape[0], vec2.shape[0])  # torch's message when input does not fit
    _same_dtype("addr", vec1, vec2)
    dev = common_device(input, vec1, vec2)
    y = compute(
        lambda b, u, v: _scaled_sum(beta, b, alpha, np.multiply.outer(u, v)),
        [input, vec1, vec2],
        vec1.dtype,
        vec1.dtype,
        dev,
        contiguous=True,
    )
    record(
        "AddrBackward0",
        [input, vec1, vec2],
        [y],
        [
            lambda g, c: _scaled(g, beta),
            lambda g, c: _scaled(mv(g, c.vec2.conj()), alpha),
            lambda g, c: _scaled(mv(g.t(), c.vec1.conj()), alpha),
        ],
        [(), ("vec2",), ("vec1",)],
        {"vec1": vec1, "vec2": vec2, "alpha": alpha, "beta": beta},
    )
    return y


def _check_batches(batch1: Tensor, batch2: Tensor) -> None:
    if batch1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{batch1.shape[0]}, {batch1.shape[2]}] but got: "
            f"[{batch2.shape[0]}, {batch2.shape[1]}]."
        )


@register("baddbmm", node="BaddbmmBackward0")
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2) per batch; BaddbmmBackward0."""
    _check_batches(batch1, batch2)
    input.expand(batch1.shape[0], batch1.shape[1], batch2.shape[2])
    _same_dtype("baddbmm", batch1, batch2)
    dev = common_device(input, batch1, batch2)
    y = compute(
        lambda b, p, q: _scaled_sum(beta, b, alpha, _products.matmul(p, q)),
        [input, batch1, batch2],
        batch1.dtype,
        batch1.dtype,
        dev,
        contiguous=True,
    )
    record(
        "BaddbmmBackward0",
        [input, batch1, batch2],
        [y],
        [
            lambda g, c: _scaled(g, beta),
            lambda g, c: _scaled(bmm(g, c.batch2.transpose(1, 2).conj()), alpha),
            lambda g, c: _scaled(bmm(c.batch1.transpose(1, 2).conj(), g), alpha),
        ],
        [(), ("batch2",), ("batch1",)],
        {"batch1": batch1, "batch2": batch2, "alpha": alpha, "beta": beta},
        jvp=lambda t, c: add_defined(
            None if t[0] is None else _scaled(t[0], beta),
            _scaled(bmm(or_zeros(t[1], c.batch1), c.batch2), alpha),
            _scaled(bmm(c.batch1, or_zeros(t[2], c.batch2)), alpha),
        ),
    )
    return y


@register("addbmm", node="AddbmmBackward0")
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum over the batch of batch1 @ batch2; AddbmmBackward0."""
    if batch1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError(
            f"batch1 and batch2 must have same number of batches, got {batch1.shape[0]} and "
            f"{batch2.shape[0]}"
        )
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(
            f"Incompatible matrix sizes for bmm ({batch1.shape[1]}x{batch1.shape[2]} and "
            f"{batch2.shape[1]}x{batch2.shape[2]})"
        )
    n, p, b = batch1.shape[1], batch2.shape[2], batch1.shape[0]
    input.expand(n, p)
    _same_dtype("addbmm", batch1, batch2)
    dev = common_device(input, batch1, batch2)
    y = compute(
        lambda i, u, v: _scaled_sum(beta, i, alpha, np.sum(_products.matmul(u, v), axis=0)),
        [input, batch1, batch2],
        batch1.dtype,
        batch1.dtype,
        dev,
        contiguous=True,
    )

    def grads(g):
        return g.unsqueeze(0).expand(b, n, p)

    record(
        "AddbmmBackward0",
        [input, batch1, batch2],
        [y],
        [
            lambda g, c: _scaled(g, beta),
            lambda g, c: _scaled(bmm(grads(g), c.batch2.transpose(1, 2).conj()), alpha),
            lambda g, c: _scaled(bmm(c.batch1.transpose(1, 2).conj(), grads(g)), alpha),
        ],
        [(), ("batch2",), ("batch1",)],
        {
            "batch1": batch1,
            "batch2": batch2,
            "alpha": alpha,
            "beta": beta,
            "batch1_sym_argsize_0": b,
            "batch1_sym_argsize_1": n,
            "batch2_sym_argsize_2": p,
        },
        jvp=lambda t, c: add_defined(
            None if t[0] is None else _scaled(t[0], beta),
            _scaled(bmm(or_zeros(t[1], c.batch1), c.batch2).sum(0), alpha),
            _scaled(bmm(c.batch1, or_zeros(t[2], c.batch2)).sum(0), alpha),
        ),
    )
    return y


def _check_vectors(input: Tensor, other: Tensor) -> None:
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors"
        )
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements, but got "
            f"{input.shape[0]} and {other.shape[0]} elements respectively"
        )


@register("vdot", node="VdotBackward0")
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """sum(conj(input) * other); VdotBackward0."""
    _check_vectors(input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "vdot : expected both vectors to have same dtype, but found "
            f"{_dtypes.scalar_type_name(input.dtype)} and {_dtypes.scalar_type_name(other.dtype)}"
        )
    dev = common_device(input, other)
    y = compute(lambda a, b: np.sum(np.conj(a) * b), [input, other], input.dtype, input.dtype, dev)
    record(
        "VdotBackward0",
        [input, other],
        [y],
        [lambda g, c: g.conj() * c.other, lambda g, c: g * c.self],
        [("other",), ("self",)],
        {"self": input, "other": other},
    )
    return y


@register("trace", node="TraceBackward0")
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix; TraceBackward0 spreads the gradient on it."""
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    y = compute(np.trace, [input], input.dtype, input.dtype, input.device)
    shape = tuple(input.shape)

    def vjp(g, c):  # torch fills the diagonal of zeros: 0 elsewhere whatever the gradient
        eye = Tensor._from_array(np.eye(*shape, dtype=bool), _dtypes.bool, g.device)
        return where(eye, g, 0.0)

    record("TraceBackward0", [input], [y], [vjp], [()], {"self_sym_sizes": shape})
    return y


def cross_default_dim(input: Tensor, other: Tensor) -> int:
    raise NotImplementedError(
        "gradref.cross: pass dim (torch's default, the first dimension of size 3, is deprecated)"
    )


@register("linalg_cross", node="LinalgCrossBackward0", method=False)
def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The 3-vector cross product along ``dim``, broadcasting; LinalgCrossBackward0."""
    if input.dim() != other.dim():
        raise RuntimeError(
            f"linalg.cross: inputs must have the same number of dimensions. Got {input.dim()} "
            f"and {other.dim()}"
        )
    n = input.dim()
    if not -n <= dim < max(n, 1):
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-max(n, 1)}, {max(n, 1) - 1}]"
            f", but got {dim})"
        )
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} "
            f"and {other.shape[dim]}"
        )
    broadcast_shapes(tuple(input.shape), tuple(other.shape))
    dev = common_device(input, other)
    dt = _dtypes.promote_types(input.dtype, other.dtype)
    y = compute(lambda a, b: _products.cross(a, b, dim), [input, other], dt, dt, dev, True)
    record(
        "LinalgCrossBackward0",
        [input, other],
        [y],
        [
            lambda g, c: linalg_cross(c.other.conj(), g, dim=dim),
            lambda g, c: linalg_cross(g, c.self.conj(), dim=dim),
        ],
        [("other",), ("self",)],
        {"self": input, "other": other, "dim": dim},
    )
    return y


@register("cross", node="LinalgCrossBackward0")
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """torch.cross: linalg.cross along ``dim`` (the deprecated default is not mirrored)."""
    if dim is None:
        cross_default_dim(input, other)
    return linalg_cross(input, other, dim=dim)


# ------------------------------------------------------------------ square-matrix functions


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a linear-algebra routine failed on its input (a singular or not
    positive-definite matrix)."""


LinAlgError.__name__ = LinAlgError.__qualname__ = "_LinAlgError"


def _mH(x: Tensor) -> Tensor:
    return x.transpose(-2, -1).conj()


def _check_square(op: str, a: Tensor, name: str = "A") -> None:
    if a.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"{op}: {name} must be batches of square matrices, but they are {a.shape[-2]} by "
            f"{a.shape[-1]} matrices"
        )


def _check_lapack_dtype(kernel: str, a: Tensor) -> None:
    if a.dtype.category < 2 or a.dtype in (_dtypes.float16, _dtypes.bfloat16):
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtypes.scalar_type_name(a.dtype)}'"
        )


def _lu_np(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LU with partial pivoting, as LAPACK's getrf returns it: L and U packed in one matrix
    (unit diagonal of L implied) and 1-based int32 row swaps."""
    lu = np.array(a, copy=True)
    n = lu.shape[-1]
    piv = np.zeros(lu.shape[:-1], np.int32)
    for idx in np.ndindex(*lu.shape[:-2]):
        m = lu[idx]
        for k in range(n):
            p = k + int(np.argmax(np.abs(m[k:, k].real) + np.abs(m[k:, k].imag)))
            piv[idx + (k,)] = p + 1
            if p != k:
                m[[k, p]] = m[[p, k]]
            if m[k, k] != 0:
                m[k + 1 :, k] /= m[k, k]
                m[k + 1 :, k + 1 :] -= np.multiply.outer(m[k + 1 :, k], m[k, k + 1 :])
    return lu, piv


def _lu_tensors(a: Tensor, transposed: bool = False) -> tuple[Tensor, Tensor]:
    """The LU factorisation torch's det, slogdet and solve save (LU, pivots), column-major as
    LAPACK leaves it; det and slogdet factor A^T (A's row-major memory read column-major)."""
    cdt = np.complex128 if a.dtype.is_complex else np.float64
    data = a._data.astype(cdt)
    lu, piv = _lu_np(np.swapaxes(data, -1, -2) if transposed else data)
    column_major = np.swapaxes(
        np.ascontiguousarray(np.swapaxes(lu.astype(a.dtype.np), -1, -2)), -1, -2
    )
    return (
        Tensor._from_array(column_major, a.dtype, a.device),
        Tensor._from_array(piv, _dtypes.int32, a.device),
    )


def _factors_transpose(A: Tensor) -> bool:
    """Whether torch's det and slogdet factor A^T (det(A^T) = det(A)) rather than A: a real A
    that is not column-major is factored as its transpose, which is."""
    return not A.dtype.is_complex and not _mT(A).is_contiguous()


def _matrices(a: np.ndarray) -> np.ndarray:
    """``a`` (..., m, n) as one batch dimension of matrices, a view where NumPy can make one;
    with no elements too (``reshape(-1, 0, 0)`` cannot infer the batch size)."""
    return a.reshape((int(np.prod(a.shape[:-2], dtype=np.int64)),) + a.shape[-2:])


def _rows(a: np.ndarray) -> np.ndarray:
    """``a`` (..., n) as one batch dimension of rows, with no elements too."""
    return a.reshape((int(np.prod(a.shape[:-1], dtype=np.int64)),) + a.shape[-1:])


def _first_zero_pivot(a: np.ndarray) -> int:
    """The 1-based index of the first zero on U's diagonal (0: none), over the batch."""
    lu, _ = _lu_np(a)
    diag = _rows(np.diagonal(lu, axis1=-2, axis2=-1))
    for row in diag:
        zero = np.flatnonzero(row == 0)
        if zero.size:
            return int(zero[0]) + 1
    return 0


def _nonsingular(what: str):
    """A check, run in the VJP, that the saved ``A`` is invertible."""

    def check(g, c):
        if np.any(np.linalg.det(c.A._data.astype(np.complex128)) == 0):
            raise NotImplementedError(
                f"gradref: the gradient of {what} at a singular matrix is not implemented"
            )

    return check


def _cofactors(A: Tensor) -> Tensor:
    """The cofactor matrix of each matrix of ``A`` (the transposed adjugate): the signed
    determinants of its minors, in gradref ops."""
    n = A.shape[-1]
    if n == 1:
        return A * 0 + 1
    rows = []
    for i in range(n):
        keep_rows = getitem(A, (Ellipsis, [r for r in range(n) if r != i], slice(None)))
        row = [
            linalg_det(getitem(keep_rows, (Ellipsis, [k for k in range(n) if k != j])))
            * (-1.0 if (i + j) % 2 else 1.0)
            for j in range(n)
        ]
        rows.append(stack(row, -1))
    return stack(rows, -2)


@register("linalg_det", node="LinalgDetBackward0", method=False)
def linalg_det(A: Tensor) -> Tensor:
    """The determinant of each matrix; LinalgDetBackward0 (saves A, its LU and the result). The
    gradient is ``g * conj(det) * inv(A)^H``, at a singular matrix ``g`` times the cofactors."""
    _check_square("linalg.det", A)
    _check_lapack_dtype("lu_cpu", A)
    y = compute(np.linalg.det, [A], A.dtype, A.dtype, A.device, contiguous=True)
    lu, piv = _lu_tensors(A, transposed=_factors_transpose(A))

    def vjp(g, c):
        if np.any(c.result._data == 0):
            # a singular matrix has no inverse: the gradient is the cofactor matrix (what
            # torch's SVD formula for singular inputs computes), written with the dets of the
            # minors so that it stays differentiable
            return g.unsqueeze(-1).unsqueeze(-1) * _cofactors(c.A).conj()
        scale = (g * c.result.conj()).unsqueeze(-1).unsqueeze(-1)
        return scale * _mH(linalg_inv(c.A))

    record(
        "LinalgDetBackward0",
        [A],
        [y],
        [vjp],
        [("A", "LU", "pivots", "result")],
        {"A": A, "LU": lu, "pivots": piv, "result": y},
    )
    return y


SignLogAbsDet = type(
    "linalg_slogdet",
    (tuple,),
    {
        "__new__": lambda cls, sign, logabsdet: tuple.__new__(cls, (sign, logabsdet)),
        "sign": property(lambda self: self[0]),
        "logabsdet": property(lambda self: self[1]),
        "__repr__": lambda self: (
            f"torch.return_types.linalg_slogdet(\nsign={self[0]!r},\nlogabsdet={self[1]!r})"
        ),
    },
)


@register("linalg_slogdet", node="LinalgSlogdetBackward0", method=False)
def linalg_slogdet(A: Tensor):
    """(sign, log|det|) of each matrix; LinalgSlogdetBackward0. Real inputs only here: the
    gradient of log|det| is ``g * inv(A)^H``; the sign's is undefined, as in torch (a gradient
    of the sign alone leaves A without one: None, or "appears to not have been used")."""
    _check_square("linalg.slogdet", A)
    _check_lapack_dtype("lu_cpu", A)
    if A.dtype.is_complex:
        raise NotImplementedError("gradref.linalg.slogdet: complex inputs are not implemented")
    sign = compute(
        lambda a: np.linalg.slogdet(a)[0], [A], A.dtype, A.dtype, A.device, contiguous=True
    )
    logabs = compute(
        lambda a: np.linalg.slogdet(a)[1], [A], A.dtype, A.dtype, A.device, contiguous=True
    )
    lu, piv = _lu_tensors(A, transposed=_factors_transpose(A))
    singular = _nonsingular("slogdet")

    def vjp(g, c):
        g_logabs = g[1] if isinstance(g, tuple) else g
        if g_logabs is None:  # torch's slogdet_backward: a real sign alone gives no gradient
            return None
        singular(g, c)
        return g_logabs.unsqueeze(-1).unsqueeze(-1) * _mH(linalg_inv(c.A))

    record(
        "LinalgSlogdetBackward0",
        [A],
        [sign, logabs],
        [vjp],
        [("A", "LU", "pivots", "sign")],
        {"A": A, "LU": lu, "pivots": piv, "sign": sign},
        undefined_grads=True,
    )
    return SignLogAbsDet(sign, logabs)


@register("det", node="LinalgDetBackward0")
def det(input: Tensor) -> Tensor:
    return linalg_det(input)


@register("slogdet", node="LinalgSlogdetBackward0")
def slogdet(input: Tensor):
    return linalg_slogdet(input)


InverseInfo = type(
    "linalg_inv_ex",
    (tuple,),
    {
        "__new__": lambda cls, inverse, info: tuple.__new__(cls, (inverse, info)),
        "inverse": property(lambda self: self[0]),
        "info": property(lambda self: self[1]),
    },
)


def _inv_np(a: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    flat_a, flat_o = _matrices(a), _matrices(out)
    for i in range(flat_a.shape[0]):
        try:
            flat_o[i] = np.linalg.inv(flat_a[i])
        except np.linalg.LinAlgError:
            flat_o[i] = np.nan
    return out


@register("linalg_inv_ex", node="LinalgInvExBackward0", method=False)
def linalg_inv_ex(A: Tensor, *, check_errors: bool = False):
    """(inverse, info); LinalgInvExBackward0: the gradient is ``-inv^H @ g @ inv^H``."""
    _check_square("linalg.inv", A)
    _check_lapack_dtype("linalg_inv_out_cpu", A)
    zero = _first_zero_pivot(A._data) if A.numel() else 0
    if zero and check_errors:
        raise LinAlgError(
            f"linalg.inv: The diagonal element {zero} is zero, the inversion could not be "
            "completed because the input matrix is singular."
        )
    y = compute(_inv_np, [A], A.dtype, A.dtype, A.device, contiguous=True)
    info = Tensor._from_array(
        np.full(A.shape[:-2], zero, np.int32) if A.dim() > 2 else np.int32(zero),
        _dtypes.int32,
        A.device,
    )
    record(
        "LinalgInvExBackward0",
        [A],
        [y],
        [lambda g, c: -matmul(_mH(c.inverse), matmul(g, _mH(c.inverse)))],
        [("inverse",)],
        {"inverse": y},
    )
    return InverseInfo(y, info)


def linalg_inv(A: Tensor) -> Tensor:
    return linalg_inv_ex(A, check_errors=True)[0]


@register("inverse", node="LinalgInvExBackward0")
def inverse(input: Tensor) -> Tensor:
    return linalg_inv(input)


def _is_vector_rhs(A: Tensor, B: Tensor) -> bool:
    """torch's linalg_solve_is_vector_rhs: B is a (batch of) vector(s)."""
    return B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


@register("linalg_solve", node="LinalgSolveExBackward0", method=False)
def linalg_solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (B a matrix or a vector, batches broadcast); LinalgSolveExBackward0:
    ``gB = solve(A^H, g)``, ``gA = -gB X^H``. Only ``left=True`` is mirrored."""
    if not left:
        raise NotImplementedError("gradref.linalg.solve: left=False is not implemented")
    _check_square("linalg.solve", A)
    _check_lapack_dtype("linalg_lu_factor_ex_out", A)
    vector = _is_vector_rhs(A, B)
    b_rows = B.shape[-1] if vector else B.shape[-2]
    if b_rows != A.shape[-1]:
        b_shape = f"{B.shape[-1]}x1" if vector else f"{B.shape[-2]}x{B.shape[-1]}"
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({A.shape[-2]}x{A.shape[-1]} and {b_shape})"
        )
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{_dtypes.scalar_type_name(A.dtype)} and B of type "
            f"{_dtypes.scalar_type_name(B.dtype)} instead"
        )
    zero = _first_zero_pivot(A._data) if A.numel() else 0
    if zero:
        raise LinAlgError(
            "torch.linalg.solve: The solver failed because the input matrix is singular."
        )

    def fwd(a, b):
        # batches broadcast explicitly: NumPy releases differ on when a 2-D b is a matrix
        b = b[..., None] if vector else b
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = np.broadcast_to(a, batch + a.shape[-2:])
        x = np.linalg.solve(a, np.broadcast_to(b, batch + b.shape[-2:]))
        return x[..., 0] if vector else x

    y = compute(fwd, [A, B], A.dtype, A.dtype, common_device(A, B), contiguous=True)
    lu, piv = _lu_tensors(A)

    def grad_b(g, c):
        return linalg_solve(_mH(c.A), g)

    def grad_a(g, c):
        gb = grad_b(g, c)
        if vector:
            return -(gb.unsqueeze(-1) * c.result.conj().unsqueeze(-2))
        return -matmul(gb, _mH(c.result))

    record(
        "LinalgSolveExBackward0",
        [A, B],
        [y],
        [grad_a, grad_b],
        [("A", "LU", "pivots", "result"), ("A", "LU", "pivots")],
        {"A": A, "LU": lu, "pivots": piv, "result": y, "left": left},
    )
    return y


CholeskyInfo = type(
    "linalg_cholesky_ex",
    (tuple,),
    {
        "__new__": lambda cls, L, info: tuple.__new__(cls, (L, info)),
        "L": property(lambda self: self[0]),
        "info": property(lambda self: self[1]),
    },
)


def _first_not_positive_minor(a: np.ndarray) -> int:
    """The order (1-based) of the first leading minor that is not positive-definite (0: none),
    reading the lower triangle as LAPACK's potrf does, over the batch."""
    for m in _matrices(a):
        herm = np.tril(m) + np.conj(np.tril(m, -1)).swapaxes(-1, -2)
        for k in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(herm[:k, :k])
            except np.linalg.LinAlgError:
                return k
    return 0


def _cholesky_np(a: np.ndarray) -> np.ndarray:
    herm = np.tril(a) + np.conj(np.tril(a, -1)).swapaxes(-1, -2)
    out = np.full_like(a, np.nan)
    flat_h, flat_o = _matrices(herm), _matrices(out)
    for i in range(flat_h.shape[0]):
        try:
            flat_o[i] = np.linalg.cholesky(flat_h[i])
        except np.linalg.LinAlgError:
            pass
    return out


def _lower_half_diag(n: int, like: Tensor) -> Tensor:
    """The mask that keeps the lower triangle and halves the diagonal (torch's ``phi``)."""
    m = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    return Tensor._from_array(m.astype(like.dtype.np), like.dtype, like.device)


def _eye_like(n: int, like: Tensor) -> Tensor:
    return Tensor._from_array(np.eye(n, dtype=like.dtype.np), like.dtype, like.device)


@register("linalg_cholesky_ex", node="LinalgCholeskyExBackward0", method=False)
def linalg_cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info) with A = L L^H, reading A's lower triangle; LinalgCholeskyExBackward0."""
    _check_square("linalg.cholesky", A)
    _check_lapack_dtype("linalg_cholesky_ex_out", A)
    bad = _first_not_positive_minor(A._data) if A.numel() else 0
    if bad and check_errors:
        raise LinAlgError(
            "linalg.cholesky: The factorization could not be completed because the input is not "
            f"positive-definite (the leading minor of order {bad} is not positive-definite)."
        )
    y = compute(
        lambda a: np.conj(np.swapaxes(_cholesky_np(a), -1, -2)) if upper else _cholesky_np(a),
        [A],
        A.dtype,
        A.dtype,
        A.device,
        contiguous=True,
    )
    info = Tensor._from_array(
        np.full(A.shape[:-2], bad, np.int32) if A.dim() > 2 else np.int32(bad),
        _dtypes.int32,
        A.device,
    )
    n = A.shape[-1]

    def vjp(g, c):
        L = _mH(c.L) if upper else c.L
        gL = _mH(g) if upper else g
        L_inv = linalg_solve_triangular(L, _eye_like(n, L), upper=False)
        phi = matmul(_mH(L), gL) * _lower_half_diag(n, L)
        gA = matmul(matmul(_mH(L_inv), phi), L_inv)
        return (gA + _mH(gA)) * 0.5

    record(
        "LinalgCholeskyExBackward0",
        [A],
        [y],
        [vjp],
        [("L",)],
        {"L": y, "upper": upper},
    )
    return CholeskyInfo(y, info)


def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    return linalg_cholesky_ex(A, upper=upper, check_errors=True)[0]


def _trsolve_np(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """X with tri(A) X = B by substitution (a zero pivot gives inf/NaN, as LAPACK's trtrs
    inside torch does), batches broadcast."""
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    t = np.triu(a) if upper else np.tril(a)
    t = np.broadcast_to(t, batch + (n, n))
    b = np.broadcast_to(b, batch + b.shape[-2:])
    x = np.zeros(b.shape, np.result_type(t, b))
    for i in range(n - 1, -1, -1) if upper else range(n):
        s = b[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, :], x)
        x[..., i, :] = s if unit else s / t[..., i, i][..., None]
    return x


def _tri_mask(g: Tensor, upper: bool, unit: bool) -> Tensor:
    return g.triu(int(unit)) if upper else g.tril(-int(unit))


@register("linalg_solve_triangular", node="LinalgSolveTriangularBackward0", method=False)
def linalg_solve_triangular(
    A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False
) -> Tensor:
    """X with tri(A) X = B (``left``) or X tri(A) = B, reading A's upper or lower triangle;
    LinalgSolveTriangularBackward0."""
    _check_square("linalg.solve_triangular", A)
    if B.dim() < 2:
        raise RuntimeError(
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."
        )
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != A.shape[-1]:
        raise RuntimeError(
            "linalg.solve_triangular: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({A.shape[-2]}x{A.shape[-1]} and "
            f"{B.shape[-2]}x{B.shape[-1]})"
        )
    _check_lapack_dtype("triangular_solve_cpu", A)

    def fwd(a, b):
        if left:
            return _trsolve_np(a, b, upper, unitriangular)
        at, bt = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
        return np.swapaxes(_trsolve_np(at, bt, not upper, unitriangular), -1, -2)

    dt = _dtypes.promote_types(A.dtype, B.dtype)
    y = compute(fwd, [A, B], dt, dt, common_device(A, B), contiguous=True)

    def grad_b(g, c):
        return linalg_solve_triangular(
            _mH(c.self), g, upper=not upper, left=left, unitriangular=unitriangular
        )

    def grad_a(g, c):
        gb = grad_b(g, c)
        ga = -matmul(gb, _mH(c.result)) if left else -matmul(_mH(c.result), gb)
        return _tri_mask(ga, upper, unitriangular)

    record(
        "LinalgSolveTriangularBackward0",
        [A, B],
        [y],
        [grad_a, grad_b],
        [("self", "result"), ("self",)],
        {"self": A, "result": y, "left": left, "upper": upper, "unitriangular": unitriangular},
    )
    return y


TriangularSolveResult = type(
    "triangular_solve",
    (tuple,),
    {
        "__new__": lambda cls, x, m: tuple.__new__(cls, (x, m)),
        "solution": property(lambda self: self[0]),
        "cloned_coefficient": property(lambda self: self[1]),
    },
)


@register("triangular_solve", node="TriangularSolveBackward0")
def triangular_solve(
    input: Tensor, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular=False
):
    """(solution, cloned_coefficient) with op(tri(A)) X = input, op transposing when asked;
    TriangularSolveBackward0 (the deprecated spelling of linalg.solve_triangular)."""
    for name, t in (("A", A), ("self", input)):
        if t.dim() < 2:
            raise RuntimeError(
                f"torch.triangular_solve: The input tensor {name} must have at least 2 dimensions."
            )
    _check_square("torch.triangular_solve", A)
    if input.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            "Incompatible matrix sizes for triangular_solve: each A matrix is "
            f"{A.shape[-2]} by {A.shape[-1]} but each b matrix is {input.shape[-2]} by "
            f"{input.shape[-1]}"
        )
    _check_lapack_dtype("triangular_solve_cpu", A)

    def fwd(b, a):
        if transpose:
            return _trsolve_np(np.swapaxes(a, -1, -2), b, not upper, unitriangular)
        return _trsolve_np(a, b, upper, unitriangular)

    dev = common_device(input, A)
    x = compute(fwd, [input, A], A.dtype, A.dtype, dev, contiguous=True)
    batch = broadcast_shapes(tuple(input.shape[:-2]), tuple(A.shape[:-2]))
    m = compute(
        lambda a: np.array(np.broadcast_to(a, batch + a.shape[-2:])), [A], A.dtype, A.dtype, dev
    )

    def grads(g):
        return g if isinstance(g, tuple) else (g, None)

    def grad_b(g, c):
        gx, _ = grads(g)
        return triangular_solve(gx, c.A.conj(), upper, not transpose, unitriangular)[0]

    def grad_a(g, c):
        gx, gm = grads(g)
        gb = grad_b(g, c)
        ga = -matmul(c.solution.conj(), gb.mT) if transpose else -matmul(gb, _mH(c.solution))
        ga = _tri_mask(ga, upper, unitriangular)
        return ga + gm if gm is not None else ga

    record(
        "TriangularSolveBackward0",
        [input, A],
        [x, m],
        [grad_b, grad_a],
        [("A", "self"), ("A", "self", "solution")],
        {
            "self": input,
            "A": A,
            "solution": x,
            "upper": upper,
            "transpose": transpose,
            "unitriangular": unitriangular,
        },
    )
    return TriangularSolveResult(x, m)


def _cholesky_solve_np(b: np.ndarray, l: np.ndarray, upper: bool) -> np.ndarray:
    lower = np.conj(np.swapaxes(np.triu(l), -1, -2)) if upper else np.tril(l)
    y = _trsolve_np(lower, b, False, False)
    return _trsolve_np(np.conj(np.swapaxes(lower, -1, -2)), y, True, False)


@register("cholesky_solve", node="CholeskySolveBackward0")
def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """X with (L L^H) X = input for the Cholesky factor ``input2`` (its lower triangle, or its
    upper one with ``upper``); CholeskySolveBackward0, whose gradient for the factor is dense
    (torch's formula), not restricted to the triangle the forward reads."""
    for name, t in (("A", input2), ("b", input)):
        if t.dim() < 2:
            raise RuntimeError(
                f"cholesky_solve: The input tensor {name} must have at least 2 dimensions."
            )
    if input.shape[-2] != input2.shape[-1]:
        raise RuntimeError(
            "Incompatible matrix sizes for cholesky_solve: each A matrix is "
            f"{input2.shape[-2]} by {input2.shape[-1]} but each b matrix is {input.shape[-2]} "
            f"by {input.shape[-1]}"
        )
    _check_lapack_dtype("cholesky_solve_cpu", input2)
    dev = common_device(input, input2)
    y = compute(
        lambda b, l: _cholesky_solve_np(b, l, upper), [input, input2], input.dtype,
        input.dtype, dev, contiguous=True,
    )  # fmt: skip

    def grad_self(g, c):
        return cholesky_solve(g, c.input2, upper)

    def grad_input2(g, c):
        common = matmul(grad_self(g, c), _mH(c.result))
        common = common + _mH(common)
        return -matmul(c.input2, common) if upper else -matmul(common, c.input2)

    record(
        "CholeskySolveBackward0",
        [input, input2],
        [y],
        [grad_self, grad_input2],
        [("input2", "result", "self"), ("input2", "result", "self")],
        {"self": input, "input2": input2, "result": y, "upper": upper},
    )
    return y


@register("cholesky_inverse", node="CholeskyInverseBackward0")
def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """(L L^H)^-1 for the Cholesky factor ``input`` (its lower triangle, or upper with
    ``upper``); CholeskyInverseBackward0, with torch's dense gradient for the factor."""
    _check_square("cholesky_inverse", input)
    _check_lapack_dtype("cholesky_inverse_out_cpu", input)
    n = input.shape[-1]

    def fwd(l):
        eye = np.broadcast_to(np.eye(n, dtype=l.dtype), l.shape)
        return _cholesky_solve_np(eye, l, upper)

    y = compute(fwd, [input], input.dtype, input.dtype, input.device, contiguous=True)

    def vjp(g, c):
        common = g + _mH(g)
        common = matmul(c.result, matmul(common, c.result))
        return -matmul(c.self, common) if upper else -matmul(common, c.self)

    record(
        "CholeskyInverseBackward0",
        [input],
        [y],
        [vjp],
        [("self", "result")],
        {"self": input, "result": y, "upper": upper},
    )
    return y
