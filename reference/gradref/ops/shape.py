"""Shape ops. Views share memory with their input (NumPy views), bump one version counter, and
get their gradient from the index map of the view (see ``_ops.index_map_node``)."""

from __future__ import annotations

import builtins
import math

import numpy as np

from .. import _dtypes
from .._device import as_device
from .._factories import zeros_like
from .._ops import common_device, compute, finish, finish_like, make_view, make_views, record
from .._tensor import Size, Tensor, _wrap_dim
from ._table import register
from .complex import view_as_real
from .indexing import _index_gather, _index_put, _index_scatter, narrow_slice, select


def _shape_arg(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def infer_size(shape, numel: int) -> tuple:
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def view_strides(oldshape, oldstride, newshape) -> tuple | None:
    """The strides (in elements) torch gives a view of ``oldshape``/``oldstride`` as
    ``newshape`` (ATen's computeStride), or None when no view is possible."""
    oldshape, oldstride, newshape = tuple(oldshape), tuple(oldstride), tuple(newshape)
    if not oldshape:
        return (1,) * len(newshape)
    numel = math.prod(oldshape)
    if numel == 0 and oldshape == newshape:
        return oldstride
    newstride = [0] * len(newshape)
    if numel == 0:
        for d in range(len(newshape) - 1, -1, -1):
            newstride[d] = (
                1 if d == len(newshape) - 1 else max(newshape[d + 1], 1) * newstride[d + 1]
            )
        return tuple(newstride)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (
            oldshape[tensor_d - 1] != 1
            and oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride
        ):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _np_view_reshape(a: np.ndarray, shape) -> np.ndarray | None:
    """``a`` reshaped without copying, with torch's strides, or None when they don't allow it."""
    item = a.itemsize
    strides = view_strides(a.shape, tuple(s // item for s in a.strides), shape)
    if strides is None:
        return None
    return np.lib.stride_tricks.as_strided(
        a, tuple(shape), tuple(s * item for s in strides), writeable=True
    )


def _reshape_back(g: Tensor, c) -> Tensor:
    """The gradient of a reshaping view: the gradient reshaped back (a view when possible)."""
    return g.reshape(c.shape)


@register("view", node="ViewBackward0")
def view(input: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], _dtypes.dtype):
        return _view_dtype(input, shape[0])
    shape = infer_size(_shape_arg(shape), input.numel())
    if _np_view_reshape(input._data, shape) is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return make_view(
        input,
        "ViewBackward0",
        lambda a: _np_view_reshape(a, shape),
        vjp=_reshape_back,
        fields={"self_sym_sizes": tuple(input.shape)},
    )


def _view_dtype(input: Tensor, dtype) -> Tensor:
    if dtype.itemsize != input.dtype.itemsize:
        raise RuntimeError("gradref supports view(dtype) only between dtypes of equal size")
    out = Tensor._from_array(input._data.view(dtype.np), dtype, input.device)
    out._vc = input._vc
    return out


@register("reshape", node="ViewBackward0")
def reshape(input: Tensor, *shape) -> Tensor:
    """A view when strides allow (ViewBackward0 for a contiguous input, ReshapeAliasBackward0
    otherwise), else a copy (UnsafeViewBackward0)."""
    shape = infer_size(_shape_arg(shape), input.numel())
    if _np_view_reshape(input._data, shape) is not None:
        # torch counts every tensor without elements as contiguous
        contiguous = input.numel() == 0 or input.is_contiguous()
        name = "ViewBackward0" if contiguous else "ReshapeAliasBackward0"
        return make_view(
            input,
            name,
            lambda a: _np_view_reshape(a, shape),
            vjp=_reshape_back,
            fields={"self_sym_sizes": tuple(input.shape)},
        )
    # torch's _reshape_copy: a contiguous clone, _unsafe_view'ed (CloneBackward0 under
    # UnsafeViewBackward0)
    return unsafe_view(clone(input, memory_format="contiguous_format"), shape)


def unsafe_view(input: Tensor, shape) -> Tensor:
    """aten::_unsafe_view: ``input`` reshaped on its memory, but not a view (no base; torch uses
    it on fresh results); UnsafeViewBackward0."""
    shape = infer_size(tuple(shape), input.numel())
    data = _np_view_reshape(input._data, shape)
    if data is None:
        raise AssertionError("_unsafe_view of a tensor that cannot be viewed")  # a gradref bug
    y = Tensor._from_array(data, input.dtype, input.device, fresh=False)
    y._vc = input._vc
    sizes = tuple(input.shape)
    record(
        "UnsafeViewBackward0",
        [input],
        [y],
        [lambda g, c: g.reshape(sizes)],
        [()],
        {"self_sym_sizes": sizes},
    )
    return y


@register("view_as")
def view_as(input: Tensor, other: Tensor) -> Tensor:
    return view(input, tuple(other.shape))


@register("reshape_as")
def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return reshape(input, tuple(other.shape))


@register("flatten")
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if input.dim() == 0:
        return reshape(input, (1,))
    s = _wrap_dim(start_dim, input.dim())
    e = _wrap_dim(end_dim, input.dim())
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = tuple(input.shape)
    n = 1
    for d in shape[s : e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1 :])


@register("unflatten")
def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    d = _wrap_dim(dim, input.dim())
    shape = tuple(input.shape)
    sizes = infer_size(tuple(sizes), shape[d])
    return view(input, shape[:d] + tuple(sizes) + shape[d + 1 :])


@register("squeeze", node="SqueezeBackward0")
def squeeze(input: Tensor, dim=None) -> Tensor:
    sizes = tuple(input.shape)
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
        return make_view(
            input,
            "SqueezeBackward0",
            lambda a: a.reshape(shape),
            vjp=_reshape_back,
            fields={"self_sym_sizes": sizes},
        )
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = {_wrap_dim(d, input.dim()) for d in dims} if input.dim() else set()
    shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    name = "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
    dim_field = dim if isinstance(dim, int) else tuple(dim)
    return make_view(
        input,
        name,
        lambda a: a.reshape(shape),
        vjp=_reshape_back,
        fields={"dim": dim_field, "self_sym_sizes": sizes},
    )


@register("unsqueeze", node="UnsqueezeBackward0")
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    d = _wrap_dim(dim, input.dim() + 1)
    return make_view(
        input,
        "UnsqueezeBackward0",
        lambda a: _unsqueeze_np(a, d),
        vjp=lambda g, c: g.squeeze(d),
        fields={"dim": dim},
    )


def _unsqueeze_np(a: np.ndarray, d: int) -> np.ndarray:
    """``a`` with a size-1 dim at ``d`` whose stride is torch's: size * stride of the dim it
    precedes (1 at the end)."""
    st = a.strides[d] * a.shape[d] if d < a.ndim else a.itemsize
    return np.lib.stride_tricks.as_strided(
        a, a.shape[:d] + (1,) + a.shape[d:], a.strides[:d] + (st,) + a.strides[d:], writeable=True
    )


@register("t", node="TBackward0")
def t(input: Tensor) -> Tensor:
    if input.dim() > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.dim()}D")
    return make_view(input, "TBackward0", lambda a: a.T, vjp=lambda g, c: g.t())


@register("transpose", node="TransposeBackward0", aliases=("swapaxes", "swapdims"))
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    n = input.dim()
    if n == 0:
        d0 = _wrap_dim(dim0, 0)
        _wrap_dim(dim1, 0)
        return make_view(
            input, "TransposeBackward0", lambda a: a[...], fields={"dim0": dim0, "dim1": dim1}
        )
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    return make_view(
        input,
        "TransposeBackward0",
        lambda a: np.swapaxes(a, d0, d1),
        vjp=lambda g, c: g.transpose(d0, d1),
        fields={"dim0": dim0, "dim1": dim1},
    )


@register("permute", node="PermuteBackward0")
def permute(input: Tensor, *dims) -> Tensor:
    dims = _shape_arg(dims)
    given = dims
    n = input.dim()
    if len(dims) != n:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    dims = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    inverse = tuple(int(i) for i in np.argsort(dims))
    return make_view(
        input,
        "PermuteBackward0",
        lambda a: np.transpose(a, dims),
        vjp=lambda g, c: g.permute(inverse),
        fields={"dims": given},
    )


@register("movedim")
def movedim(input: Tensor, source, destination) -> Tensor:
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    n = input.dim()
    src = [_wrap_dim(d, n) for d in src]
    dst = [_wrap_dim(d, n) for d in dst]
    axes = [-1] * n
    for s_, d_ in zip(src, dst):
        axes[d_] = s_
    rest = iter(i for i in range(n) if i not in src)
    axes = [a if a != -1 else next(rest) for a in axes]
    return permute(input, axes)


@register("expand", node="ExpandBackward0")
def expand(input: Tensor, *sizes) -> Tensor:
    sizes = _shape_arg(sizes)
    n = input.dim()
    if len(sizes) < n:
        raise RuntimeError(
            f"expand({_dtypes.legacy_type_name(input.dtype)}{{{list(input.shape)}}}, "
            f"size={list(sizes)}): the number of sizes provided ({len(sizes)}) must be greater "
            f"or equal to the number of dimensions in the tensor ({n})"
        )
    shape = list(sizes)
    lead = len(sizes) - n
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                    "non-existing dimension {i}"
                )
            continue
        cur = input.shape[i - lead]
        if s == -1:
            shape[i] = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(input.shape)}"
            )
    shape = tuple(shape)
    return make_view(
        input,
        "ExpandBackward0",
        lambda a: np.lib.stride_tricks.as_strided(
            a, shape, _expand_strides(a, shape), writeable=True
        ),
        vjp=lambda g, c: g.sum_to_size(c.shape),
        fields={"self_sym_sizes": tuple(input.shape)},
    )


def _expand_strides(a: np.ndarray, shape) -> tuple:
    lead = len(shape) - a.ndim
    strides = [0] * lead
    for s, n, st in zip(shape[lead:], a.shape, a.strides):
        strides.append(st if n == s and n != 1 else (st if s == 1 else 0))
    return tuple(strides)


@register("expand_as")
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, tuple(other.shape))


@register("broadcast_to", method=True)
def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


@register("contiguous")
def contiguous(input: Tensor, memory_format=None) -> Tensor:
    """``input`` itself when it is contiguous in ``memory_format`` (torch.contiguous_format
    by default, or torch.channels_last for a 4-d tensor), else a copy laid out so."""
    if _is_channels_last(memory_format) and input.dim() == 4:
        if input.is_contiguous(memory_format=memory_format):
            return input
        return clone(input, memory_format=memory_format)
    if input.is_contiguous():
        return input
    y = clone(input)
    y._data = np.array(y._data, order="C")
    return y


def _is_channels_last(memory_format) -> bool:
    return getattr(memory_format, "_name", memory_format) == "channels_last"


@register("clone", node="CloneBackward0")
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy (keeping the layout, as preserve_format does; C order for contiguous_format)."""
    data = input._data
    if getattr(memory_format, "_name", memory_format) == "contiguous_format":
        y = finish(np.array(data, order="C"), input.dtype, input.device)
    elif _is_channels_last(memory_format) and data.ndim == 4:  # N, H, W, C from slow to fast
        y = finish(data, input.dtype, input.device, layout=(0, 2, 3, 1))
    else:
        y = finish_like(data, data, input.dtype, input.device)
    record("CloneBackward0", [input], [y], [lambda g, c: g], [()])
    return y


def _unbind_like(input: Tensor, dim: int, pieces, name: str, fields: dict):
    """The views ``pieces`` ((start, stop, squeeze) along ``dim``) as outputs of one node."""
    fns = []
    for start, stop, squeeze_ in pieces:
        sl = (slice(None),) * dim + ((start if squeeze_ else slice(start, stop)), Ellipsis)
        fns.append((lambda s: lambda a: a[s])(sl))
    squeezed = bool(pieces) and pieces[0][2]

    def vjp(grads, c):
        return stack(list(grads), dim) if squeezed else cat(list(grads), dim)

    return make_views(input, name, fns, vjp, fields)


@register("unbind", node="UnbindBackward0")
def unbind(input: Tensor, dim: int = 0):
    if input.dim() == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, input.dim())
    return _unbind_like(
        input,
        d,
        [(i, i + 1, True) for i in range(input.shape[d])],
        "UnbindBackward0",
        {"dim": dim},
    )


@register("split", node="SplitBackward0")
def split(input: Tensor, split_size_or_sections, dim: int = 0):
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size > 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
            )
        bounds = (
            [(i, builtins.min(i + step, size)) for i in range(0, size, step)]
            if step and size
            else [(0, 0)]
        )
        fields = {"dim": dim, "self_sym_sizes": tuple(input.shape), "split_size": step}
        return _unbind_like(input, d, [(a, b, False) for a, b in bounds], "SplitBackward0", fields)
    sections = list(split_size_or_sections)
    if sum(sections) != size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
            f"at dimension {d}), but got split_sizes={sections}"
        )
    bounds, start = [], 0
    for s in sections:
        bounds.append((start, start + s, False))
        start += s
    fields = {"dim": dim, "self_sym_sizes": tuple(input.shape), "split_sizes": tuple(sections)}
    return _unbind_like(input, d, bounds, "SplitWithSizesBackward0", fields)


@register("chunk", node="SplitBackward0")
def chunk(input: Tensor, chunks: int, dim: int = 0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    if size == 0:  # torch gives ``chunks`` empty pieces
        return split(input, [0] * chunks, d)
    step = -(-size // chunks)
    return split(input, step, d)


@register("cat", node="CatBackward0", method=False, aliases=("concat", "concatenate"))
def cat(tensors, dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    dt = _dtypes.result_type(*[t for t in tensors if t.dim() > 0] or tensors)
    for t in tensors:
        dt = _dtypes.promote_types(dt, t.dtype)
    dev = common_device(*tensors)
    parts = [t for t in tensors if not (t.dim() == 1 and t.shape[0] == 0)]
    if not parts:  # only legacy empty tensors: an empty result, still recorded
        y = finish(np.zeros((0,)), dt, dev)
        record(
            "CatBackward0",
            tensors,
            [y],
            [_legacy_empty_grad] * len(tensors),
            [()] * len(tensors),
            {"dim": dim},
        )
        return y
    ref = parts[0]
    if ref.dim() == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref.dim())
    for i, t in enumerate(parts):
        if t.dim() != ref.dim():
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.dim()} and {t.dim()}"
            )
        for k in range(ref.dim()):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list."
                )
    joined = np.concatenate([t._data.astype(dt.np) for t in parts], axis=d)
    y = finish(np.array(joined, order="C"), dt, dev)
    offsets, start = [], 0
    for t in tensors:
        n = t.shape[d] if any(t is p for p in parts) else 0
        offsets.append((start, n))
        start += n

    def vjp_for(k):
        def vjp(g, c):
            if not any(tensors[k] is p for p in parts):
                return _legacy_empty_grad(g, c)
            return g.narrow(d, offsets[k][0], offsets[k][1])

        return vjp

    record(
        "CatBackward0",
        tensors,
        [y],
        [vjp_for(k) for k in range(len(tensors))],
        [()] * len(tensors),
        {"dim": dim},
    )
    return y


def _legacy_empty_grad(g: Tensor, c) -> Tensor:
    """cat's gradient for a skipped legacy empty input: a new (0,) zeros (cat_tensors_backward)."""
    return Tensor._from_array(np.zeros((0,), g.dtype.np), g.dtype, g.device)


@register("stack", node="StackBackward0", method=False)
def stack(tensors, dim: int = 0) -> Tensor:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                f"at entry 0 and {list(t.shape)} at entry {i}"
            )
    d = _wrap_dim(dim, tensors[0].dim() + 1)
    dt = _dtypes.result_type(*tensors)
    for t in tensors:
        dt = _dtypes.promote_types(dt, t.dtype)
    dev = common_device(*tensors)
    y = finish(
        np.array(np.stack([t._data.astype(dt.np) for t in tensors], axis=d), order="C"), dt, dev
    )
    # one node whose edges go to the stacked tensors themselves (torch's StackBackward0)
    record(
        "StackBackward0",
        tensors,
        [y],
        [_select_grad(d, k) for k in range(len(tensors))],
        [()] * len(tensors),
        {"dim": dim},
    )
    return y


def _select_grad(d: int, k: int):
    """The VJP of stack for its ``k``-th input: the ``k``-th slice of the gradient."""
    return lambda g, c: g.select(d, k)


@register("sum_to_size")
def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` down to ``size`` (which ``input`` must be expandable from)."""
    size = _shape_arg(size)
    shape = tuple(input.shape)
    if shape == size:
        return input
    lead = len(shape) - len(size)
    dims = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1
    )
    out = input.sum(dims, keepdim=True) if dims else input
    if lead:
        out = out.view(size)
    return out


# ------------------------------------------------------------------------------ type / device


@register("to", node="ToCopyBackward0")
def to(input: Tensor, *args, **kwargs) -> Tensor:
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; differentiable."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, _dtypes.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, int)) or type(a).__name__ == "device":
            device = a
    dtype = _dtypes.as_dtype(dtype) if dtype is not None else input.dtype
    device = as_device(device) if device is not None else input.device
    if dtype is input.dtype and device == input.device and not copy:
        return input
    data = input._data
    if dtype.category < input.dtype.category and input.dtype.is_complex:
        import warnings

        warnings.warn(
            "Casting complex values to real discards the imaginary part",
            UserWarning,
            stacklevel=2,
        )
        data = data.real
    y = finish_like(data, input._data, dtype, device)
    record(
        "ToCopyBackward0",
        [input],
        [y],
        [lambda g, c: _to_like(g, c.dtype, c.device)],
        [("dtype", "device")],
        {"dtype": input.dtype, "device": input.device},
    )
    return y


def _to_like(g: Tensor, dtype, device) -> Tensor:
    if g.dtype.is_complex and not dtype.is_complex:
        g = g.real
    return to(g, dtype=dtype, device=device)


def _cast(dtype):
    def method(self, memory_format=None):
        return to(self, dtype)

    return method


for _name, _dt in (
    ("float", "float32"),
    ("double", "float64"),
    ("half", "float16"),
    ("bfloat16", "bfloat16"),
    ("long", "int64"),
    ("int", "int32"),
    ("short", "int16"),
    ("char", "int8"),
    ("byte", "uint8"),
    ("bool", "bool"),
    ("cfloat", "complex64"),
    ("cdouble", "complex128"),
):
    setattr(Tensor, _name, _cast(_dtypes._by_name(_dt)))


def _type(self, dtype=None, non_blocking=False):
    if dtype is None:
        return _dtypes.legacy_type_name(self.dtype, self.device.type)
    return to(self, dtype)


Tensor.type = _type
Tensor.type_as = lambda self, other: to(self, other.dtype)
Tensor.cpu = lambda self, memory_format=None: to(self, device="cpu")
Tensor.cuda = lambda self, device=None, non_blocking=False, memory_format=None: to(
    self, device=as_device("cuda" if device is None else device)
)
Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.dim())))))
Tensor.mT = property(lambda self: transpose(self, -2, -1))


# ------------------------------------------------------------------------- repeat, flip, pad


@register("repeat", node="RepeatBackward0")
def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile ``input`` ``sizes`` times (leading sizes add dims); the gradient sums the tiles."""
    sizes = _shape_arg(sizes)
    n = input.dim()
    if len(sizes) < n:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            "tensor"
        )
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {builtins.min(sizes)}: {list(sizes)}"
        )
    lead = len(sizes) - n
    src_shape = (1,) * lead + tuple(input.shape)
    y = finish(np.tile(input._data.reshape(src_shape), sizes), input.dtype, input.device)

    def vjp(g, c):
        # (r0, s0, r1, s1, ...) then sum the repeat axes
        split = []
        for r, s in zip(sizes, src_shape):
            split += [r, s]
        summed = g.reshape(split).sum(tuple(range(0, 2 * len(sizes), 2))) if sizes else g
        return summed.reshape(tuple(input.shape))

    record(
        "RepeatBackward0",
        [input],
        [y],
        [vjp],
        [()],
        {"repeats": sizes, "self_sym_sizes": tuple(input.shape)},
    )
    return y


@register("flip", node="FlipBackward0")
def flip(input: Tensor, *dims) -> Tensor:
    """Reverse the order along ``dims`` (a copy); the gradient is flipped back."""
    dims = _shape_arg(dims)
    n = input.dim()
    ds = tuple(_wrap_dim(d, n) for d in dims)
    if len(set(ds)) != len(ds):
        dup = next(d for d in ds if ds.count(d) > 1)
        raise RuntimeError(f"dim {dup} appears multiple times in the list of dims")
    flipped = np.flip(input._data, ds) if n else input._data
    y = finish_like(flipped, input._data, input.dtype, input.device)
    record("FlipBackward0", [input], [y], [lambda g, c: flip(g, ds)], [()], {"dims": dims})
    return y


@register("constant_pad_nd", node="ConstantPadNdBackward0", method=False)
def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:
    """Pad (or crop, for negative amounts) the last dims: ``pad`` is (left, right) pairs from the
    last dim backwards. The gradient is the opposite crop (or pad), so double backward works."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Length of pad must be even but instead it equals " + str(len(pad)))
    n = input.dim()
    if len(pad) // 2 > n:
        raise RuntimeError(
            f"Length of pad should be no more than twice the number of dimensions of the input. "
            f"Pad length is {len(pad)} while the input has {n} dimensions."
        )
    shape = list(input.shape)
    widths = [(0, 0)] * n
    for k in range(len(pad) // 2):
        d = n - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        new = shape[d] + lo + hi
        if new < 0:
            raise RuntimeError(
                f"The input size {shape[d]}, plus negative padding {lo} and {hi} resulted in a "
                f"negative output size, which is invalid. Check dimension {d} of your input."
            )
        widths[d] = (lo, hi)
    data = input._data
    crop = tuple(
        slice(-lo if lo < 0 else 0, shape[d] + hi if hi < 0 else shape[d])
        for d, (lo, hi) in enumerate(widths)
    )
    data = data[crop]
    out = (
        np.pad(
            data,
            [(builtins.max(lo, 0), builtins.max(hi, 0)) for lo, hi in widths],
            mode="constant",
            constant_values=value,
        )
        if n
        else data
    )
    y = finish(np.array(out, order="C"), input.dtype, input.device)
    record(
        "ConstantPadNdBackward0",
        [input],
        [y],
        [lambda g, c: constant_pad_nd(g, tuple(-p for p in pad))],
        [()],
        {"pad": pad},
    )
    return y


# ------------------------------------------------------------------------------- triu, tril


def _triangle(name: str, node: str, npfn):
    """triu/tril(input, diagonal=0): the part of the last two dims on and above (below) the
    ``diagonal``-th diagonal; the gradient is the same part of the gradient."""

    def op(input: Tensor, diagonal: int = 0) -> Tensor:
        if input.dim() < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        y = compute(lambda a: npfn(a, k=diagonal), [input], input.dtype, input.dtype, input.device)
        record(node, [input], [y], [lambda g, c: op(g, diagonal)], [()], {"diagonal": diagonal})
        return y

    op.__doc__ = f"{name}(input, diagonal=0) -> Tensor; backward node {node}."
    return register(name, node=node, inplace=True)(op)


triu = _triangle("triu", "TriuBackward0", np.triu)
tril = _triangle("tril", "TrilBackward0", np.tril)


# ------------------------------------------------------------------------- roll, rot90, tile


@register("roll", node="RollBackward0")
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Elements shifted cyclically along ``dims`` (the flattened tensor when none); the
    gradient is rolled back."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = () if dims is None else ((dims,) if isinstance(dims, int) else tuple(dims))
    if not dims and len(shifts) != 1:
        raise RuntimeError(
            f"`shifts` required to be of size 1 when `dims` is empty, but got {len(shifts)}"
        )
    if dims and len(shifts) != len(dims):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
        )
    n = input.dim()
    ds = tuple(_wrap_dim(d, n) for d in dims)
    a = input._data
    if not ds:
        out = np.roll(a.reshape(-1), shifts[0]).reshape(a.shape) if a.size else a.copy()
    else:
        out = np.roll(a, shifts, ds) if a.size else a.copy()
    y = finish(np.array(out, order="C"), input.dtype, input.device)
    back = tuple(-s for s in shifts)
    record(
        "RollBackward0",
        [input],
        [y],
        [lambda g, c: roll(g, back, dims if dims else None)],
        [()],
        {"dims": dims, "shifts": shifts},
    )
    return y


@register("rot90", node="Rot90Backward0")
def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotation by 90 degrees ``k`` times in the plane ``dims``; the gradient is rotated back."""
    dims = tuple(dims)
    n = input.dim()
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if n < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {n}")
    d0, d1 = _wrap_dim(dims[0], n), _wrap_dim(dims[1], n)
    if d0 == d1:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    out = np.rot90(input._data, k, (d0, d1))
    y = finish(np.array(out, order="C"), input.dtype, input.device)
    record(
        "Rot90Backward0",
        [input],
        [y],
        [lambda g, c: rot90(g, -k, dims)],
        [()],
        {"dims": dims, "k": k},
    )
    return y


@register("tile")
def tile(input: Tensor, *dims) -> Tensor:
    """``repeat`` with the repetitions padded with leading ones to the input's dims."""
    dims = _shape_arg(dims)
    dims = (1,) * builtins.max(input.dim() - len(dims), 0) + tuple(dims)
    return repeat(input, dims)


@register("repeat_interleave")
def repeat_interleave(input: Tensor, repeats, dim=None, *, output_size=None) -> Tensor:
    """Each element repeated ``repeats`` (an int) times along ``dim`` (flattened when None), as
    torch composes it: unsqueeze, expand, a contiguous clone, and a flattening view."""
    if isinstance(repeats, Tensor):
        if repeats.numel() != 1:
            raise NotImplementedError("gradref.repeat_interleave: tensor repeats")
        repeats = int(repeats._data.reshape(-1)[0])
    if repeats < 0:
        raise RuntimeError("repeats can not be negative")
    if dim is None:
        input = input.flatten()
        dim = 0
    d = _wrap_dim(dim, input.dim())
    if input.dim() == 0:
        input, d = input.reshape(1), 0
    shape = list(input.shape)
    big = input.unsqueeze(d + 1).expand(*shape[: d + 1], repeats, *shape[d + 1 :])
    return big.clone(memory_format=None).flatten(d, d + 1)


# ------------------------------------------------------------------- diagonal, diag_embed, diag


def _diag_geometry(shape, offset: int, d1: int, d2: int):
    n1, n2 = shape[d1], shape[d2]
    length = builtins.max(
        builtins.min(n1 - builtins.max(-offset, 0), n2 - builtins.max(offset, 0)), 0
    )
    return length


def _diagonal_np(a: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """A writeable NumPy view of the diagonal (as the last dim)."""
    length = _diag_geometry(a.shape, offset, d1, d2)
    if length:
        start = [0] * a.ndim
        if offset >= 0:
            start[d2] = offset
        else:
            start[d1] = -offset
        b = a[tuple(slice(s, None) for s in start)]
    else:
        b = a
    keep = [k for k in range(a.ndim) if k not in (d1, d2)]
    shape = tuple(a.shape[k] for k in keep) + (length,)
    strides = tuple(a.strides[k] for k in keep) + (a.strides[d1] + a.strides[d2],)
    return np.lib.stride_tricks.as_strided(b, shape, strides)


@register("diagonal", node="DiagonalBackward0")
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal of the planes (dim1, dim2), as the last dim (a view)."""
    n = input.dim()
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape = tuple(input.shape)
    length = _diag_geometry(shape, offset, d1, d2)
    start = (
        (offset * input.stride(d2) if offset >= 0 else -offset * input.stride(d1)) if length else 0
    )

    def vjp(g, c):
        zeros = Tensor._from_array(np.zeros(shape, g.dtype.np), g.dtype, g.device)
        return diagonal_scatter(zeros, g, offset, d1, d2)

    fields = {"dim1": dim1, "dim2": dim2, "offset": offset, "self_sym_sizes": shape}
    return make_view(
        input,
        "DiagonalBackward0",
        lambda a: _diagonal_np(a, offset, d1, d2),
        vjp=vjp,
        fields=fields,
        offset=start,
    )


_diagonal = diagonal


@register("diagonal_scatter", node="DiagonalScatterBackward0")
def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """``input`` with its diagonal replaced by ``src``; the gradient of ``input`` is zero on the
    diagonal, that of ``src`` is the gradient's diagonal."""
    n = input.dim()
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    data = input._data.copy()
    view = _diagonal_np(data, offset, d1, d2)
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(view.shape)}"
        )
    view[...] = src._data.astype(data.dtype)
    y = finish(np.array(data, order="C"), input.dtype, input.device)

    def vjp_self(g, c):
        zeros = Tensor._from_array(np.zeros(tuple(src.shape), g.dtype.np), g.dtype, g.device)
        return diagonal_scatter(g, zeros, offset, d1, d2)

    record(
        "DiagonalScatterBackward0",
        [input, src],
        [y],
        [vjp_self, lambda g, c: diagonal(g, offset, d1, d2)],
        [(), ()],
        {"dim1": dim1, "dim2": dim2, "offset": offset},
    )
    return y


@register("diag_embed", node="DiagEmbedBackward0")
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with the last dim of ``input`` on their ``offset``-th diagonal (planes dim1,
    dim2 of the result); the gradient is the result gradient's diagonal."""
    n = input.dim() + 1
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    last = input.shape[-1] if input.dim() else 1
    side = last + abs(offset)
    rest = list(input.shape[:-1])
    shape = []
    it = iter(rest)
    for k in range(n):
        shape.append(side if k in (d1, d2) else next(it))
    data = np.zeros(shape, input._data.dtype)
    _diagonal_np(data, offset, d1, d2)[...] = input._data
    y = finish(data, input.dtype, input.device)
    record(
        "DiagEmbedBackward0",
        [input],
        [y],
        [lambda g, c: diagonal(g, offset, d1, d2)],
        [()],
        {"dim1": dim1, "dim2": dim2, "offset": offset},
    )
    return y


@register("diag")
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector to a matrix with it on the ``diagonal``-th diagonal (DiagEmbedBackward0), or a
    matrix's diagonal as a copy (diagonal_copy: DiagonalBackward0_copy)."""
    if input.dim() == 1:
        return diag_embed(input, diagonal)
    if input.dim() == 2:
        offset, shape = diagonal, tuple(input.shape)
        y = finish(np.array(_diagonal_np(input._data, offset, 0, 1)), input.dtype, input.device)

        def vjp(g, c):
            zeros = Tensor._from_array(np.zeros(shape, g.dtype.np), g.dtype, g.device)
            return diagonal_scatter(zeros, g, offset, 0, 1)

        fields = {"dim1": 0, "dim2": 1, "offset": offset, "self_sym_sizes": shape}
        record("DiagonalBackward0_copy", [input], [y], [vjp], [()], fields)
        return y
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{input.dim()}D")


# -------------------------------------------------------------------- select/slice_scatter


@register("select_scatter", node="SelectScatterBackward0")
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """``input`` with the slice ``index`` along ``dim`` replaced by ``src``."""
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {d}"
        )
    data = input._data.copy()
    sl = (slice(None),) * d + (index % size,)
    if tuple(data[sl].shape) != tuple(src.shape):
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(data[sl].shape)}"
        )
    data[sl] = src._data
    y = finish(data, input.dtype, input.device)

    def vjp_self(g, c):
        return select_scatter(g, zeros_like(g.select(d, index)), d, index)

    record(
        "SelectScatterBackward0",
        [input, src],
        [y],
        [vjp_self, lambda g, c: select(g, d, index)],
        [(), ()],
        {"dim": dim, "index": index},
    )
    return y


@register("slice_scatter", node="SliceScatterBackward0")
def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1):
    """``input`` with the slice ``start:end:step`` along ``dim`` replaced by ``src``."""
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    s0 = 0 if start is None else start
    e0 = size if end is None else end
    data = input._data.copy()
    sl = (slice(None),) * d + (slice(s0, e0, step),)
    if tuple(data[sl].shape) != tuple(src.shape):
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(data[sl].shape)}"
        )
    data[sl] = src._data
    y = finish(data, input.dtype, input.device)

    def vjp_self(g, c):
        return slice_scatter(g, zeros_like(narrow_slice(g, d, s0, e0, step)), d, s0, e0, step)

    record(
        "SliceScatterBackward0",
        [input, src],
        [y],
        [vjp_self, lambda g, c: narrow_slice(g, d, s0, e0, step)],
        [(), ()],
        {"dim": dim, "start": start, "end": end, "step": step},
    )
    return y


# ------------------------------------------------------------------------------ unfold, stacks


@register("unfold", node="UnfoldBackward0")
def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: the windows of ``size`` elements every ``step`` along ``dimension``, as a
    new last dim (a view); the gradient adds each window back where it came from."""
    n = input.dim()
    d = _wrap_dim(dimension, n) if n else 0
    length = input.shape[d] if n else 1
    if size > length:
        raise RuntimeError(
            f"maximum size for tensor at dimension {d} is {length} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    count = (length - size) // step + 1

    def view(a):
        if a.ndim == 0:
            return np.lib.stride_tricks.as_strided(a, (size,), (0,))
        shape = a.shape[:d] + (count,) + a.shape[d + 1 :] + (size,)
        strides = a.strides[:d] + (a.strides[d] * step,) + a.strides[d + 1 :] + (a.strides[d],)
        return np.lib.stride_tricks.as_strided(a, shape, strides)

    fields = {"dimension": dimension, "self_sym_sizes": tuple(input.shape), "size": size,
              "step": step}  # fmt: skip
    return make_view(input, "UnfoldBackward0", view, fields=fields, offset=0)


def _atleast(t: Tensor, k: int) -> Tensor:
    while t.dim() < k:
        t = t.unsqueeze(0) if t.dim() == 0 or k == 2 else t.unsqueeze(-1)
    return t


@register("hstack", method=False)
def hstack(tensors) -> Tensor:
    """cat along dim 1 (dim 0 for 1-d tensors), 0-d tensors made 1-d."""
    ts = [_atleast(t, 1) for t in tensors]
    return cat(ts, 0 if ts and ts[0].dim() == 1 else 1)


@register("vstack", method=False, aliases=("row_stack",))
def vstack(tensors) -> Tensor:
    """cat along dim 0 of the tensors made at least 2-d (a vector becomes a row)."""
    ts = []
    for t in tensors:
        if t.dim() == 0:
            t = t.reshape(1, 1)
        elif t.dim() == 1:
            t = t.unsqueeze(0)
        ts.append(t)
    return cat(ts, 0)


# ------------------------------------------------- ops that pick elements by a fixed index map


def _mapped(name: str, input: Tensor, index: np.ndarray, fields: dict, uses=()) -> Tensor:
    """``input``'s elements at the flat positions ``index`` (the result's shape), recorded as
    ``name``; the gradient adds each element back where it came from."""
    flat = input._data.reshape(-1)
    y = finish(np.array(flat[index], order="C"), input.dtype, input.device)
    shape = tuple(input.shape)
    values = {"self": input, **fields}
    record(name, [input], [y], [lambda g, c: _index_scatter(g, index, shape)], [uses], values)
    return y


def _positions(input: Tensor) -> np.ndarray:
    return np.arange(input.numel()).reshape(tuple(input.shape))


def pad_mode(input: Tensor, pad, mode: str) -> Tensor:
    """F.pad with ``mode`` 'reflect' or 'replicate' over the last len(pad) // 2 dims (1 to 3):
    ReflectionPad{1,2,3}DBackward0 / ReplicationPad{1,2,3}DBackward0."""
    pad = tuple(int(p) for p in pad)
    k = len(pad) // 2
    if k not in (1, 2, 3):
        raise NotImplementedError(f"gradref: {mode} padding of {k} dims")
    n = input.dim()
    if n not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Only {k + 1}D or {k + 2}D (batch mode) tensor expected for input, but got: {n}D"
        )
    widths = [(0, 0)] * n
    for j in range(k):
        d = n - 1 - j
        lo, hi = pad[2 * j], pad[2 * j + 1]
        size = input.shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{list(input.shape)}"
            )
        if size == 0 and (lo or hi):
            raise RuntimeError(f"{mode} padding of an empty dimension")
        widths[d] = (lo, hi)
    pos = _positions(input)
    crop = tuple(slice(-lo if lo < 0 else 0, pos.shape[d] + hi if hi < 0 else None)
                 for d, (lo, hi) in enumerate(widths))  # fmt: skip
    pos = pos[crop]
    pos = np.pad(pos, [(max(lo, 0), max(hi, 0)) for lo, hi in widths],
                 mode="reflect" if mode == "reflect" else "edge")  # fmt: skip
    node = ("ReflectionPad" if mode == "reflect" else "ReplicationPad") + f"{k}DBackward0"
    return _mapped(node, input, pos, {"padding": pad}, ("self",))


@register("pixel_shuffle", node="PixelShuffleBackward0")
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    r = upscale_factor
    if input.dim() < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.dim()} dimension(s)"
        )
    *b, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    pos = _positions(input).reshape(*b, c // (r * r), r, r, h, w)
    nb = len(b)
    perm = list(range(nb)) + [nb, nb + 3, nb + 1, nb + 4, nb + 2]
    pos = pos.transpose(perm).reshape(*b, c // (r * r), h * r, w * r)
    return _mapped("PixelShuffleBackward0", input, pos, {"upscale_factor": r})


@register("pixel_unshuffle", node="PixelUnshuffleBackward0")
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    r = downscale_factor
    if input.dim() < 3:
        raise RuntimeError(
            f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.dim()} dimension(s)"
        )
    *b, c, h, w = input.shape
    for what, size, d in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({d})={size} is not divisible by {r}"
            )
    pos = _positions(input).reshape(*b, c, h // r, r, w // r, r)
    nb = len(b)
    perm = list(range(nb)) + [nb, nb + 2, nb + 4, nb + 1, nb + 3]
    pos = pos.transpose(perm).reshape(*b, c * r * r, h // r, w // r)
    return _mapped("PixelUnshuffleBackward0", input, pos, {"downscale_factor": r})


@register("channel_shuffle", node="ChannelShuffleBackward0")
def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) with the channels regrouped: (groups, C / groups) transposed."""
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")  # fmt: skip
    if input.dim() < 3:
        raise RuntimeError(
            "channel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.dim()} dimension(s)"
        )
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups."
        )
    pos = _positions(input).reshape(n, groups, c // groups, *rest)
    pos = np.swapaxes(pos, 1, 2).reshape(n, c, *rest)
    return _mapped("ChannelShuffleBackward0", input, pos, {"groups": groups})


@register("narrow_copy", node="NarrowCopyBackward0")
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """narrow as a copy (NarrowCopyBackward0)."""
    d = _wrap_dim(dim, input.dim())
    size = input.shape[d]
    s0 = start + size if start < 0 else start
    if not 0 <= s0 <= size or length < 0 or s0 + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    pos = np.take(_positions(input), np.arange(s0, s0 + length), axis=d)
    fields = {"dim": dim, "length": length, "self_sym_sizes": tuple(input.shape), "start": start}
    return _mapped("NarrowCopyBackward0", input, pos, fields)


def _block_vjp(place: np.ndarray, shape):
    return lambda g, ctx: _index_gather(g, place).reshape(shape)


@register("block_diag", method=False)
def block_diag(*tensors) -> Tensor:
    """The 2-d tensors (0-d, 1-d as a row) on the diagonal of a zero matrix, BlockDiagBackward0;
    each gradient is its block of the result's gradient."""
    ts = [t.reshape(1, 1) if t.dim() == 0 else t.unsqueeze(0) if t.dim() == 1 else t
          for t in tensors]  # fmt: skip
    for i, t in enumerate(ts):
        if t.dim() != 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} "
                f"has {t.dim()} dimensions"
            )
    rows = builtins.sum(t.shape[0] for t in ts)
    cols = builtins.sum(t.shape[1] for t in ts)
    dtype = ts[0].dtype if ts else _dtypes.get_default_dtype()
    for t in ts[1:]:
        dtype = _dtypes.promote_types(dtype, t.dtype)
    out = np.zeros((rows, cols), dtype.np)
    grid = np.arange(rows * cols).reshape(rows, cols)
    places, r, c = [], 0, 0
    for t in ts:
        h, w = t.shape
        out[r : r + h, c : c + w] = t._data
        places.append(grid[r : r + h, c : c + w].copy())
        r, c = r + h, c + w
    y = finish(out, dtype, ts[0].device if ts else None)
    shapes = [tuple(t.shape) for t in tensors]
    vjps = [_block_vjp(p, sh) for p, sh in zip(places, shapes)]
    record("BlockDiagBackward0", list(tensors), [y], vjps, [()] * len(ts), {})
    return y


# ----------------------------------------------------------------- as_strided, as_strided_scatter


def _strided_positions(input: Tensor, size, stride, storage_offset) -> np.ndarray:
    """The storage positions an as_strided view reads, relative to ``input``'s first element;
    gradref models as_strided on a contiguous input only (its storage is its data)."""
    if not input.is_contiguous():
        raise NotImplementedError("gradref.as_strided: a non-contiguous input")
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    base = input.storage_offset()
    off = base if storage_offset is None else int(storage_offset)
    pos = np.full(size, off - base, np.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[k] = n
        pos = pos + (np.arange(n) * s).reshape(shape)
    if pos.size and (pos.min() < 0 or pos.max() >= input.numel()):
        if input._base is not None or base:
            # torch reads the rest of the storage the input is part of, which gradref does not
            # hold (its storage is the input's own elements)
            raise NotImplementedError(
                "gradref.as_strided: positions outside the input's own elements, in the rest "
                "of its storage"
            )
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {off}, "
            "and itemsize out of bounds for the input's storage"
        )
    return pos


@register("as_strided", node="AsStridedBackward0")
def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A view with the given sizes and strides into the (contiguous) input's storage; the
    gradient adds each element back to the storage position it reads (overlaps add)."""
    pos = _strided_positions(input, size, stride, storage_offset)
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    item = input._data.itemsize
    first = int(pos.reshape(-1)[0]) if pos.size else 0

    def view(a):
        flat = a.reshape(-1)
        return np.lib.stride_tricks.as_strided(
            flat[first:] if flat.size else flat, size, tuple(s * item for s in stride)
        )

    fields = {"size": size, "stride": stride, "storage_offset": storage_offset}
    return make_view(input, "AsStridedBackward0", view, fields=fields, offset=first)


@register("as_strided_scatter", node="AsStridedScatterBackward0")
def as_strided_scatter(input: Tensor, src: Tensor, size, stride, storage_offset=None) -> Tensor:
    """``input`` with the elements an as_strided view would read replaced by ``src``."""
    pos = _strided_positions(input, size, stride, storage_offset)
    if tuple(src.shape) != tuple(pos.shape):
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(pos.shape)}"
        )
    flat = input._data.reshape(-1).copy()
    flat[pos.reshape(-1)] = src._data.reshape(-1)
    y = finish(flat.reshape(input.shape), input.dtype, input.device)
    shape = tuple(input.shape)

    def vjp_self(g, c):
        zeros = Tensor._from_array(np.zeros(pos.shape, g.dtype.np), g.dtype, g.device)
        return _index_put(g.reshape(-1), pos, zeros).reshape(shape)

    fields = {"size": tuple(size), "stride": tuple(stride), "storage_offset": storage_offset}
    record(
        "AsStridedScatterBackward0",
        [input, src],
        [y],
        [vjp_self, lambda g, c: _index_gather(g, pos)],
        [(), ()],
        fields,
    )
    return y


@register("view_as_complex", method=False)
def view_as_complex(input: Tensor) -> Tensor:
    """Pairs along a last dim of size 2 (stride 1) as complex numbers (a view); the gradient is
    ``view_as_real`` of the gradient."""
    if input.dtype is _dtypes.float16:
        raise NotImplementedError(
            "view_as_complex of a float16 tensor: torch gives complex32, a dtype gradref does "
            "not have"
        )
    if input.dtype not in (_dtypes.float32, _dtypes.float64):
        raise NotImplementedError(
            "view_as_complex is only supported for half, float and double tensors, but got a "
            f"tensor of scalar type: {_dtypes.scalar_type_name(input.dtype)}"
        )
    if input.dim() == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input.stride(-1) != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    # a dimension of size 1 is never stepped along: its stride need not be even (torch 2.11 on)
    if any(input.stride(k) % 2 and input.shape[k] != 1 for k in range(input.dim() - 1)):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    cdt = _dtypes.complex64 if input.dtype is _dtypes.float32 else _dtypes.complex128
    return make_view(
        input,
        "ViewAsComplexBackward0",
        lambda a: a.view(cdt.np)[..., 0] if a.size else np.zeros(a.shape[:-1], cdt.np),
        dtype=cdt,
        vjp=lambda g, c: view_as_real(g),
    )
