"""Matrix products. ``matmul`` dispatches by rank exactly as torch's composite does, so its
grad_fn names match (DotBackward0, MvBackward0, MmBackward0, UnsafeViewBackward0, ...)."""

from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._ops import common_device, compute, record
from .._ops import retype as _retype
from .._tensor import Tensor
from ._table import register
from .getitem import getitem
from .pointwise import broadcast_shapes
from .shape import unsafe_view


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
    y = compute(np.matmul, [input, mat2], input.dtype, input.dtype, dev)
    record(
        "MmBackward0",
        [input, mat2],
        [y],
        [lambda g, c: mm(g, c.mat2.t().conj()), lambda g, c: mm(c.self.t().conj(), g)],
        [("mat2",), ("self",)],
        {"self": input, "mat2": mat2, **_matmul_fields(input, mat2, ("self", "mat2"))},
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
    y = compute(np.matmul, [input, vec], input.dtype, input.dtype, dev)
    record(
        "MvBackward0",
        [input, vec],
        [y],
        [lambda g, c: outer(g, c.vec.conj()), lambda g, c: mv(c.self.t().conj(), g)],
        [("vec",), ("self",)],
        {"self": input, "vec": vec},
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
    y = compute(np.matmul, [input, mat2], input.dtype, input.dtype, dev)
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
    y = compute(np.matmul, [a2, b2], a.dtype, a.dtype, dev)
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
    y = compute(lambda *arrs: np.einsum(eq, *arrs), list(tensors), dt, dt, dev)

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
    )
    return y


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
