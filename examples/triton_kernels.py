"""Triton kernels wrapped in ``torch.autograd.Function``s, and planted-bug variants of them.

Two kernels written the way Triton's tutorials write them (02-fused-softmax, 05-layer-norm):

* :class:`TritonSoftmax`: softmax over the last dim of a 2-D input. One program per row; the row
  is tiled in blocks of :data:`BLOCK_SIZE` columns with a mask for the last, partial block, and
  rows longer than a block are handled by looping over blocks, so any row length works.
  Backward: ``dx = y * (dy - sum(dy * y, -1))``.
* :class:`TritonLayerNorm`: layer norm over the last dim of a 2-D input with weight and bias,
  ``forward(ctx, x, weight, bias, eps)``. The forward kernel saves mean and rstd; the backward
  computes ``dx`` and, per group of :data:`ROWS_PER_GROUP` rows, partial sums of the weight and
  bias gradients (one program per group, each owning one row of a partial-sum buffer), then a
  second kernel reduces the partial sums across groups.

Kernels accumulate in float32 for float16, bfloat16 and float32 inputs and in float64 for
float64 inputs (the ``ACC`` constexpr). The backward kernels are not differentiable, so every
``backward`` is ``once_differentiable``: double backward raises.

Each planted bug is its own Function class that differs from the correct one by the bug only. The
bug is a ``constexpr`` switch of the kernel (Triton compiles one specialization per value, so the
buggy kernel is a separate kernel whose code differs in the marked lines) or, for the float32
accumulation, the ``ACC`` the launcher passes:

=================================== ============================================================
``SoftmaxRemainderIgnored``         rows longer than a block loop over the full blocks only; wrong
                                    exactly when ``n_cols > BLOCK_SIZE`` and
                                    ``n_cols % BLOCK_SIZE != 0``
``SoftmaxBackwardMissingRowSum``    backward returns ``y * dy`` (drops ``- sum(dy * y)``)
``LayerNormWeightGradNotAccumulated`` the cross-group reduction keeps the last group's partial sum
                                    only; wrong exactly when ``n_rows > ROWS_PER_GROUP``
``LayerNormFloat32Accumulation``    accumulates in float32 even for float64 inputs; off by ~1e-7
                                    relative in float64, identical to the correct one otherwise
=================================== ============================================================

Running them: on CUDA tensors the kernels run natively. On CPU tensors they run only under
Triton's interpreter, which ``@triton.jit`` selects when ``TRITON_INTERPRET=1`` is in the
environment at the time a function is decorated. Triton's own jit functions (``tl.sum``,
``tl.max``, ...) are decorated when triton is imported and this module's kernels when it is
imported, and the two must agree: set ``TRITON_INTERPRET=1`` before triton is first imported,
and leave it set (triton reads it again later, e.g. when it lazily imports its gluon modules at
the first launch). :func:`available` says whether the kernels can run here and, if not, why.

``KERNELS`` maps a name to ``(FunctionClass, gufunc signature, planted bug or None)``;
``REFERENCES`` maps the same names to plain PyTorch references and :func:`as_callable` binds the
fixed ``eps`` of the layer norms, giving a function of tensors only.
"""

import functools
import os

import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable

try:
    import triton
    import triton.language as tl

    _TRITON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - triton comes with torch's CUDA wheels
    triton = None
    _TRITON_IMPORT_ERROR = f"{type(exc).__name__}: {exc}"

    class tl:  # noqa: N801 - stands in for triton.language in the kernels' annotations
        constexpr = "constexpr"


def _jit(fn):
    return triton.jit(fn) if triton is not None else fn


#: columns per block of every kernel; rows longer than this are looped over in blocks
BLOCK_SIZE = 128
#: rows per program of the layer-norm backward; each group writes one partial weight/bias sum
ROWS_PER_GROUP = 8
#: the fixed eps of the layer norms in ``KERNELS``
EPS = 1e-5


# ---------------------------------------------------------------------------------------------
# Softmax
# ---------------------------------------------------------------------------------------------


@_jit
def _softmax_fwd_kernel(
    Y,
    X,
    stride_y,
    stride_x,
    n_cols,
    ACC: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
    IGNORE_REMAINDER: tl.constexpr,
):
    # the rows are independent: one program per row
    row = tl.program_id(0)
    X += row * stride_x
    Y += row * stride_y
    n_end = n_cols
    if IGNORE_REMAINDER:
        # BUG (SoftmaxRemainderIgnored): a row that fits in one block is masked, but a longer
        # row only loops over its full blocks, dropping the last, partial one
        n_end = tl.where(n_cols > BLOCK_SIZE, (n_cols // BLOCK_SIZE) * BLOCK_SIZE, n_cols)
    # pass 1: the row's maximum, for numerical stability
    m = tl.full([BLOCK_SIZE], float("-inf"), dtype=ACC)
    for off in range(0, n_end, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        x = tl.load(X + cols, mask=cols < n_cols, other=float("-inf")).to(ACC)
        m = tl.maximum(m, x)
    row_max = tl.max(m, axis=0)
    # pass 2: the denominator
    d = tl.zeros([BLOCK_SIZE], dtype=ACC)
    for off in range(0, n_end, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        x = tl.load(X + cols, mask=cols < n_cols, other=float("-inf")).to(ACC)
        d += tl.exp(x - row_max)  # exp(-inf) = 0 in the masked lanes
    denominator = tl.sum(d, axis=0)
    # pass 3: write the normalized row
    for off in range(0, n_end, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        mask = cols < n_cols
        x = tl.load(X + cols, mask=mask, other=float("-inf")).to(ACC)
        tl.store(Y + cols, tl.exp(x - row_max) / denominator, mask=mask)


@_jit
def _softmax_bwd_kernel(
    DX,
    DY,
    Y,
    stride_dx,
    stride_dy,
    stride_y,
    n_cols,
    ACC: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
    IGNORE_REMAINDER: tl.constexpr,
    DROP_ROW_SUM: tl.constexpr,
):
    row = tl.program_id(0)
    DX += row * stride_dx
    DY += row * stride_dy
    Y += row * stride_y
    n_end = n_cols
    if IGNORE_REMAINDER:
        # BUG (SoftmaxRemainderIgnored): as in the forward kernel
        n_end = tl.where(n_cols > BLOCK_SIZE, (n_cols // BLOCK_SIZE) * BLOCK_SIZE, n_cols)
    # pass 1: sum(dy * y) over the row
    acc = tl.zeros([BLOCK_SIZE], dtype=ACC)
    for off in range(0, n_end, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        mask = cols < n_cols
        y = tl.load(Y + cols, mask=mask, other=0.0).to(ACC)
        dy = tl.load(DY + cols, mask=mask, other=0.0).to(ACC)
        acc += dy * y
    row_sum = tl.sum(acc, axis=0)
    # pass 2: dx = y * (dy - sum(dy * y))
    for off in range(0, n_end, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        mask = cols < n_cols
        y = tl.load(Y + cols, mask=mask, other=0.0).to(ACC)
        dy = tl.load(DY + cols, mask=mask, other=0.0).to(ACC)
        if DROP_ROW_SUM:
            # BUG (SoftmaxBackwardMissingRowSum): the Jacobian's rank-one term is dropped
            dx = y * dy
        else:
            dx = y * (dy - row_sum)
        tl.store(DX + cols, dx, mask=mask)


def _softmax_forward(x, *, ignore_remainder=False):
    _require_runnable(x)
    if x.dim() != 2:
        raise ValueError(f"expected a 2-D input, got {x.dim()}-D")
    x = x.contiguous()
    y = torch.empty_like(x)
    n_rows, n_cols = x.shape
    if x.numel() == 0:
        return y
    _softmax_fwd_kernel[(n_rows,)](
        y,
        x,
        y.stride(0),
        x.stride(0),
        n_cols,
        ACC=_acc_dtype(x.dtype),
        BLOCK_SIZE=BLOCK_SIZE,
        IGNORE_REMAINDER=ignore_remainder,
    )
    return y


def _softmax_backward(y, dy, *, ignore_remainder=False, drop_row_sum=False):
    dy = dy.contiguous()  # the engine passes expanded (stride-0) gradients, e.g. after a sum
    dx = torch.empty_like(y)
    n_rows, n_cols = y.shape
    if y.numel() == 0:
        return dx
    _softmax_bwd_kernel[(n_rows,)](
        dx,
        dy,
        y,
        dx.stride(0),
        dy.stride(0),
        y.stride(0),
        n_cols,
        ACC=_acc_dtype(y.dtype),
        BLOCK_SIZE=BLOCK_SIZE,
        IGNORE_REMAINDER=ignore_remainder,
        DROP_ROW_SUM=drop_row_sum,
    )
    return dx


class TritonSoftmax(Function):
    """Softmax over the last dim of a 2-D input."""

    @staticmethod
    def forward(ctx, x):
        y = _softmax_forward(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy):
        (y,) = ctx.saved_tensors
        return _softmax_backward(y, dy)


class SoftmaxRemainderIgnored(Function):
    """Planted bug: rows longer than a block ignore their last, partial block."""

    @staticmethod
    def forward(ctx, x):
        y = _softmax_forward(x, ignore_remainder=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy):
        (y,) = ctx.saved_tensors
        return _softmax_backward(y, dy, ignore_remainder=True)


class SoftmaxBackwardMissingRowSum(Function):
    """Planted bug: backward returns ``y * dy``, without ``- sum(dy * y)``."""

    @staticmethod
    def forward(ctx, x):
        y = _softmax_forward(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy):
        (y,) = ctx.saved_tensors
        return _softmax_backward(y, dy, drop_row_sum=True)


# ---------------------------------------------------------------------------------------------
# Layer norm
# ---------------------------------------------------------------------------------------------


@_jit
def _layer_norm_fwd_kernel(
    X,
    Y,
    W,
    B,
    Mean,
    Rstd,
    stride,
    N,
    eps,
    ACC: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
):
    row = tl.program_id(0)
    X += row * stride
    Y += row * stride
    # mean
    acc = tl.zeros([BLOCK_SIZE], dtype=ACC)
    for off in range(0, N, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        acc += tl.load(X + cols, mask=cols < N, other=0.0).to(ACC)
    mean = tl.sum(acc, axis=0) / N
    # variance (two passes: no cancellation)
    acc = tl.zeros([BLOCK_SIZE], dtype=ACC)
    for off in range(0, N, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        x = tl.load(X + cols, mask=cols < N, other=0.0).to(ACC)
        x = tl.where(cols < N, x - mean, 0.0)
        acc += x * x
    var = tl.sum(acc, axis=0) / N
    rstd = 1 / tl.sqrt(var + eps)
    tl.store(Mean + row, mean)
    tl.store(Rstd + row, rstd)
    # normalize, scale and shift
    for off in range(0, N, BLOCK_SIZE):
        cols = off + tl.arange(0, BLOCK_SIZE)
        mask = cols < N
        w = tl.load(W + cols, mask=mask).to(ACC)
        b = tl.load(B + cols, mask=mask).to(ACC)
        x = tl.load(X + cols, mask=mask, other=0.0).to(ACC)
        tl.store(Y + cols, (x - mean) * rstd * w + b, mask=mask)


@_jit
def _layer_norm_bwd_dx_kernel(
    DX,
    DY,
    DW_partial,
    DB_partial,
    X,
    W,
    Mean,
    Rstd,
    stride,
    M,
    N,
    ACC: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
    ROWS_PER_GROUP: tl.constexpr,
):
    # one program per group of rows; it owns row `group` of the partial-sum buffers
    group = tl.program_id(0)
    DW_partial += group * N
    DB_partial += group * N
    row_start = group * ROWS_PER_GROUP
    row_end = tl.minimum(row_start + ROWS_PER_GROUP, M)
    for row in range(row_start, row_end):
        mean = tl.load(Mean + row)
        rstd = tl.load(Rstd + row)
        # pass 1: the row's two reductions
        acc_xhat_wdy = tl.zeros([BLOCK_SIZE], dtype=ACC)
        acc_wdy = tl.zeros([BLOCK_SIZE], dtype=ACC)
        for off in range(0, N, BLOCK_SIZE):
            cols = off + tl.arange(0, BLOCK_SIZE)
            mask = cols < N
            x = tl.load(X + row * stride + cols, mask=mask, other=0.0).to(ACC)
            dy = tl.load(DY + row * stride + cols, mask=mask, other=0.0).to(ACC)
            w = tl.load(W + cols, mask=mask, other=0.0).to(ACC)
            xhat = tl.where(mask, (x - mean) * rstd, 0.0)
            wdy = w * dy
            acc_xhat_wdy += xhat * wdy
            acc_wdy += wdy
        c1 = tl.sum(acc_xhat_wdy, axis=0) / N
        c2 = tl.sum(acc_wdy, axis=0) / N
        # pass 2: dx, and this row's share of the group's weight/bias gradient
        for off in range(0, N, BLOCK_SIZE):
            cols = off + tl.arange(0, BLOCK_SIZE)
            mask = cols < N
            x = tl.load(X + row * stride + cols, mask=mask, other=0.0).to(ACC)
            dy = tl.load(DY + row * stride + cols, mask=mask, other=0.0).to(ACC)
            w = tl.load(W + cols, mask=mask, other=0.0).to(ACC)
            xhat = tl.where(mask, (x - mean) * rstd, 0.0)
            dx = (w * dy - (xhat * c1 + c2)) * rstd
            tl.store(DX + row * stride + cols, dx, mask=mask)
            dw = tl.load(DW_partial + cols, mask=mask, other=0.0)
            db = tl.load(DB_partial + cols, mask=mask, other=0.0)
            tl.store(DW_partial + cols, dw + dy * xhat, mask=mask)
            tl.store(DB_partial + cols, db + dy, mask=mask)


@_jit
def _layer_norm_bwd_dwdb_kernel(
    DW_partial,
    DB_partial,
    DW,
    DB,
    n_groups,
    N,
    ACC: tl.constexpr,
    BLOCK_SIZE: tl.constexpr,
    KEEP_LAST_GROUP: tl.constexpr,
):
    # one program per block of columns reduces the groups' partial sums
    cols = tl.program_id(0) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)
    mask = cols < N
    dw = tl.zeros([BLOCK_SIZE], dtype=ACC)
    db = tl.zeros([BLOCK_SIZE], dtype=ACC)
    for group in range(0, n_groups):
        partial_dw = tl.load(DW_partial + group * N + cols, mask=mask, other=0.0)
        partial_db = tl.load(DB_partial + group * N + cols, mask=mask, other=0.0)
        if KEEP_LAST_GROUP:
            # BUG (LayerNormWeightGradNotAccumulated): overwrites instead of accumulating
            dw = partial_dw
            db = partial_db
        else:
            dw += partial_dw
            db += partial_db
    tl.store(DW + cols, dw, mask=mask)
    tl.store(DB + cols, db, mask=mask)


def _layer_norm_forward(x, weight, bias, eps, *, acc=None):
    _require_runnable(x)
    if x.dim() != 2:
        raise ValueError(f"expected a 2-D input, got {x.dim()}-D")
    # the kernels assume unit column strides: the weight saved for backward must be this copy
    x, weight, bias = x.contiguous(), weight.contiguous(), bias.contiguous()
    acc = _acc_dtype(x.dtype) if acc is None else acc
    M, N = x.shape
    y = torch.empty_like(x)
    mean = torch.empty((M,), dtype=_torch_dtype(acc), device=x.device)
    rstd = torch.empty((M,), dtype=_torch_dtype(acc), device=x.device)
    if x.numel() != 0:
        _layer_norm_fwd_kernel[(M,)](
            x, y, weight, bias, mean, rstd, x.stride(0), N, eps, ACC=acc, BLOCK_SIZE=BLOCK_SIZE
        )
    return x, weight, y, mean, rstd


def _layer_norm_backward(dy, x, weight, mean, rstd, *, acc=None, keep_last_group=False):
    dy = dy.contiguous()
    acc = _acc_dtype(x.dtype) if acc is None else acc
    M, N = x.shape
    dx = torch.empty_like(x)
    dw = torch.zeros_like(weight)
    db = torch.zeros_like(weight)
    if x.numel() == 0:
        return dx, dw, db
    n_groups = triton.cdiv(M, ROWS_PER_GROUP)
    dw_partial = torch.zeros((n_groups, N), dtype=_torch_dtype(acc), device=x.device)
    db_partial = torch.zeros((n_groups, N), dtype=_torch_dtype(acc), device=x.device)
    _layer_norm_bwd_dx_kernel[(n_groups,)](
        dx,
        dy,
        dw_partial,
        db_partial,
        x,
        weight,
        mean,
        rstd,
        x.stride(0),
        M,
        N,
        ACC=acc,
        BLOCK_SIZE=BLOCK_SIZE,
        ROWS_PER_GROUP=ROWS_PER_GROUP,
    )
    _layer_norm_bwd_dwdb_kernel[(triton.cdiv(N, BLOCK_SIZE),)](
        dw_partial,
        db_partial,
        dw,
        db,
        n_groups,
        N,
        ACC=acc,
        BLOCK_SIZE=BLOCK_SIZE,
        KEEP_LAST_GROUP=keep_last_group,
    )
    return dx, dw, db


class TritonLayerNorm(Function):
    """Layer norm over the last dim of a 2-D input, with weight and bias."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        x, weight, y, mean, rstd = _layer_norm_forward(x, weight, bias, eps)
        ctx.save_for_backward(x, weight, mean, rstd)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy):
        x, weight, mean, rstd = ctx.saved_tensors
        dx, dw, db = _layer_norm_backward(dy, x, weight, mean, rstd)
        return dx, dw, db, None


class LayerNormWeightGradNotAccumulated(Function):
    """Planted bug: the weight/bias gradients keep the last row group's partial sum only."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        x, weight, y, mean, rstd = _layer_norm_forward(x, weight, bias, eps)
        ctx.save_for_backward(x, weight, mean, rstd)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy):
        x, weight, mean, rstd = ctx.saved_tensors
        dx, dw, db = _layer_norm_backward(dy, x, weight, mean, rstd, keep_last_group=True)
        return dx, dw, db, None


class LayerNormFloat32Accumulation(Function):
    """Planted bug: accumulates in float32 even for float64 inputs."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        x, weight, y, mean, rstd = _layer_norm_forward(x, weight, bias, eps, acc=tl.float32)
        ctx.save_for_backward(x, weight, mean, rstd)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, dy):
        x, weight, mean, rstd = ctx.saved_tensors
        dx, dw, db = _layer_norm_backward(dy, x, weight, mean, rstd, acc=tl.float32)
        return dx, dw, db, None


# ---------------------------------------------------------------------------------------------
# References, the table, running
# ---------------------------------------------------------------------------------------------


def softmax_reference(x):
    return torch.softmax(x, dim=-1)


def layer_norm_reference(x, weight, bias, eps=EPS):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], weight, bias, eps)


SOFTMAX = "(n,d)->(n,d)"
LAYER_NORM = "(n,d),(d),(d)->(n,d)"

#: name -> (Function class, gufunc signature of its tensor arguments, planted bug or None)
KERNELS = {
    "TritonSoftmax": (TritonSoftmax, SOFTMAX, None),
    "TritonLayerNorm": (TritonLayerNorm, LAYER_NORM, None),
    "SoftmaxRemainderIgnored": (SoftmaxRemainderIgnored, SOFTMAX, "remainder-ignored"),
    "LayerNormWeightGradNotAccumulated": (
        LayerNormWeightGradNotAccumulated,
        LAYER_NORM,
        "weight-grad-not-accumulated",
    ),
    "LayerNormFloat32Accumulation": (
        LayerNormFloat32Accumulation,
        LAYER_NORM,
        "float32-accumulation",
    ),
    "SoftmaxBackwardMissingRowSum": (
        SoftmaxBackwardMissingRowSum,
        SOFTMAX,
        "backward-missing-row-sum",
    ),
}

#: name -> plain PyTorch reference taking the same tensor arguments as ``as_callable(name)``
REFERENCES = {
    name: softmax_reference if sig == SOFTMAX else layer_norm_reference
    for name, (_, sig, _) in KERNELS.items()
}


def as_callable(name):
    """The Function ``KERNELS[name]`` as a function of its tensor arguments (eps fixed)."""
    cls, sig, _ = KERNELS[name]
    if sig == LAYER_NORM:

        def layer_norm(x, weight, bias):
            return cls.apply(x, weight, bias, EPS)

        layer_norm.__name__ = name
        return layer_norm
    return cls.apply


def _interpreted():
    """(this module's kernels are interpreted, triton's own jit functions are interpreted)"""
    if triton is None:
        return False, False
    try:
        from triton.runtime.interpreter import InterpretedFunction
    except ImportError:  # pragma: no cover - older triton
        interpret = os.environ.get("TRITON_INTERPRET") == "1"
        return interpret, interpret
    # tl.sum, tl.max, tl.cdiv, ... are jit functions of triton.language.standard, decorated
    # when triton is imported: interpreted kernels calling compiled ones fail at launch
    # ("Cannot call @triton.jit'd outside of the scope of a kernel")
    import triton.language.standard as standard

    return (
        isinstance(_softmax_fwd_kernel, InterpretedFunction),
        isinstance(standard.cdiv, InterpretedFunction),
    )


_KERNELS_INTERPRETED, _TRITON_INTERPRETED = _interpreted()
#: whether the kernels run under Triton's interpreter (and so on CPU tensors)
INTERPRETED = _KERNELS_INTERPRETED and _TRITON_INTERPRETED


def available():
    """None when the kernels can run here, else the reason they cannot."""
    if triton is None:
        return f"triton is not installed ({_TRITON_IMPORT_ERROR})"
    if _KERNELS_INTERPRETED != _TRITON_INTERPRETED:
        return (
            "TRITON_INTERPRET=1 was set after triton was imported and before "
            "examples.triton_kernels was (or the other way round): set it before importing triton"
        )
    if INTERPRETED:
        return _interpreter_problem()
    if torch.cuda.is_available():
        return None
    if os.environ.get("TRITON_INTERPRET") == "1":
        return (
            "no GPU, and TRITON_INTERPRET=1 was set after examples.triton_kernels was imported: "
            "set it before importing triton"
        )
    return "no GPU, and TRITON_INTERPRET=1 was not set before triton was imported"


@functools.cache
def _interpreter_problem():
    """None when this triton's interpreter runs a kernel here; else why not (some triton
    releases' interpreters fail on some NumPy releases: that is triton's, not the kernels')."""
    try:
        TritonSoftmax.apply(torch.ones(1, 2))
    except Exception as e:  # noqa: BLE001 - any failure of the probe tells the same
        import numpy

        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return (
            f"triton {triton.__version__}'s interpreter cannot run a kernel with NumPy "
            f"{numpy.__version__} here ({type(e).__name__}: {first})"
        )
    return None


def default_device():
    """The device to run the kernels on here: cpu under the interpreter, else cuda."""
    return "cpu" if INTERPRETED else "cuda"


def _require_runnable(x):
    if x.device.type == "cpu" and not INTERPRETED:
        reason = available() or "the kernels run natively on CUDA tensors only"
        raise RuntimeError(f"cannot run a Triton kernel on a CPU tensor: {reason}")
    if triton is None:
        raise RuntimeError(available())


def _acc_dtype(dtype):
    return tl.float64 if dtype == torch.float64 else tl.float32


def _torch_dtype(acc):
    return torch.float64 if acc == tl.float64 else torch.float32
