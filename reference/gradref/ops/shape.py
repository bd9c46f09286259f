"""Shape ops. Views share memory with their input (NumPy views), bump one version counter, and
get their gradient from the index map of the view (see ``_ops.index_map_node``)."""

from __future__ import annotations

import builtins

import numpy as np

from .. import _dtypes
from .._device import as_device
from .._ops import common_device, compute, finish, finish_like, make_view, make_views, record
from .._tensor import Size, Tensor, _wrap_dim
from ._table import register


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
    numel = int(np.prod(oldshape, dtype=np.int64))
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
    if input.is_contiguous():
        return input
    y = clone(input)
    y._data = np.array(y._data, order="C")
    return y


@register("clone", node="CloneBackward0")
def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy (keeping the layout, as preserve_format does; C order for contiguous_format)."""
    data = input._data
    if getattr(memory_format, "_name", memory_format) == "contiguous_format":
        y = finish(np.array(data, order="C"), input.dtype, input.device)
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
