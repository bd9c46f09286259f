"""The Tensor: a NumPy array plus torch's autograd state.

Data lives in ``_data`` (a NumPy array; views are NumPy views of their base's array, so writes
through a view reach the base). Autograd state follows torch's AutogradMeta: ``_requires_grad``
(leaves only), ``_grad_fn``/``_output_nr`` (non-leaves), ``_grad``, a version counter shared by
a base and all its views, and, for views, the root ``_base`` with a function from the base's
array to the view's (used to regenerate a stale view's ``grad_fn`` after an in-place change).
"""

from __future__ import annotations

import builtins
import warnings
import weakref

import numpy as np

from . import _dtypes, _engine, _grad_mode
from ._device import as_device
from ._repr import tensor_repr
from ._surface import TENSOR, attribute_error

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)

REQUIRES_GRAD_LEAF_ERROR = "you can only change requires_grad flags of leaf variables."
REQUIRES_GRAD_DETACH_HINT = (
    " If you want to use a computed variable in a subgraph that doesn't require differentiation "
    "use var_no_grad = var.detach()."
)


class _VersionCounter:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


class Size(tuple):
    """torch.Size: a tuple of ints whose repr is torch's."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """A gradref tensor; mirrors ``torch.Tensor``'s autograd-facing surface."""

    __array_priority__ = 1000  # make numpy defer to our reflected operators

    # the autograd state of a new tensor, as class defaults (each tensor sets its own when it
    # changes): a fresh result has no history, no gradient, is no view and no wrapped number
    _grad_fn = None
    _output_nr = 0
    _grad = None
    _base = None
    _view_fn = None
    _attr_version = 0
    _creation_meta = None
    _retains_grad = False
    _accumulator = None
    _fw_grads = None
    _offset = None  # storage offset of a view (None: read from the data pointers)
    _wrapped_number = False

    def __init__(self, *args, **kwargs) -> None:
        raise TypeError("construct gradref tensors with gradref.tensor(...) or a factory")

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def _from_array(
        cls, data: np.ndarray, dtype, device, requires_grad: bool = False, fresh: bool = True
    ) -> Tensor:
        """A tensor on ``data``. ``fresh``: a new result, whose strides, if it has no elements,
        are torch's for a new tensor (NumPy makes them all 0); pass False for data whose strides
        are meaningful (views, and tensors made from NumPy arrays, which keep theirs)."""
        t = object.__new__(cls)
        data = np.asarray(data)
        if data.dtype != dtype.np:
            data = data.astype(dtype.np)
        if fresh and data.size == 0 and data.ndim and not any(data.strides):
            data = _empty_with_strides(data)
        t._data = data
        t._dtype = dtype
        t._device = device
        t._requires_grad = requires_grad
        t._vc = _VersionCounter()
        t._post_acc_hooks = _engine._HookDict()
        t._is_inference = _grad_mode.is_inference_mode_enabled()
        return t

    # -- basic metadata ---------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return self.shape
        return self._data.shape[_wrap_dim(dim, self.dim())]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._dtype.itemsize for s in self._data.strides)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self.dim())]

    def storage_offset(self) -> int:
        if self._offset is not None:  # views keep their offset (even empty ones, see make_view)
            return self._offset
        root = self._base._data if self._base is not None else self._data
        while root.base is not None and isinstance(root.base, np.ndarray):
            root = root.base
        start = self._data.__array_interface__["data"][0]
        origin = root.__array_interface__["data"][0]
        return (start - origin) // self._dtype.itemsize

    def is_contiguous(self, memory_format=None) -> bool:
        if memory_format is not None and getattr(memory_format, "_name", "") == "channels_last":
            if self.dim() != 4:
                return False
            perm = self._data.transpose(0, 2, 3, 1)
            return perm.flags["C_CONTIGUOUS"]
        if self._data.size == 0:
            return True
        expected = 1
        for size, stride in reversed(list(zip(self._data.shape, self.stride()))):
            if size != 1:
                if stride != expected:
                    return False
                expected *= size
        return True

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return self._dtype.is_complex

    def is_inference(self) -> bool:
        return self._is_inference

    def _is_view(self) -> bool:
        return self._base is not None

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        return _Storage(self)

    # -- conversion to Python / NumPy -------------------------------------------------------
    def numpy(self, *, force: bool = False) -> np.ndarray:
        # torch refuses only while grad mode records (no_grad allows it)
        if self.requires_grad and not force and _grad_mode.is_grad_enabled():
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if self._device.type != "cpu" and not force:
            raise TypeError(
                f"can't convert {self._device.type}:{self._device.index or 0} device type tensor "
                "to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
            )
        if self._dtype is _dtypes.bfloat16 and not force:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach()._data
        if self._dtype is _dtypes.bfloat16:
            arr = arr.astype(np.float32)
        return arr.astype(dtype) if dtype is not None else arr

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        return _to_python(self._data.reshape(()).item(), self._dtype)

    def tolist(self):
        def conv(a):
            if a.ndim == 0:
                return _to_python(a.item(), self._dtype)
            return [conv(x) for x in a]

        return conv(self._data)

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self.numel() > 1
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return builtins.bool(self._data.reshape(()).item())

    def __float__(self) -> float:
        return builtins.float(self.item().real if self._dtype.is_complex else self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __complex__(self) -> complex:
        return builtins.complex(self.item())

    def __index__(self) -> int:
        if self._dtype.category > 1 or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __len__(self) -> int:
        if self.dim() == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, spec: str) -> str:
        if self.dim() == 0 and spec:
            return self.item().__format__(spec)
        return repr(self)

    def __repr__(self) -> str:

        return tensor_repr(self)

    __str__ = __repr__

    # -- autograd state ---------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        # torch's DifferentiableViewMeta: a view also requires grad when its base does, e.g. a
        # view made under no_grad (which has no grad_fn, and no gradient edge of its own)
        if self._requires_grad or self.grad_fn is not None:
            return True
        base = self._base
        return base is not None and base.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if not isinstance(value, (builtins.bool, np.bool_)):
            raise RuntimeError("requires_grad must be a bool")
        if not self.is_leaf:
            raise RuntimeError(
                REQUIRES_GRAD_LEAF_ERROR + ("" if value else REQUIRES_GRAD_DETACH_HINT)
            )
        if value and not _dtypes.is_differentiable_dtype(self._dtype):
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        _check_inference_requires_grad(self, value)
        self._requires_grad = builtins.bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            if not requires_grad:
                raise RuntimeError(REQUIRES_GRAD_LEAF_ERROR + REQUIRES_GRAD_DETACH_HINT)
            return self
        if requires_grad and not _dtypes.is_differentiable_dtype(self._dtype):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        _check_inference_requires_grad(self, requires_grad)
        self._requires_grad = builtins.bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad_fn(self):
        base = self._base
        if base is not None and self._attr_version != self._vc.value and base.requires_grad:
            meta = self._creation_meta
            if isinstance(meta, tuple) and meta[0] == "custom_function":
                from ._ops import view_rebase_message

                raise RuntimeError(view_rebase_message(self, meta, base_modified=True))
            if meta is None:
                self._regenerate_view_grad_fn()
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def _version(self) -> int:
        return self._vc.value

    @property
    def grad(self):
        if (
            self.requires_grad
            and self.grad_fn is not None
            and not self._retains_grad
            and self._grad is None
        ):
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is None:
            self._grad = None
            return
        if not isinstance(value, Tensor):
            raise TypeError(
                f"assigned grad expected to be a Tensor or None but got grad of type "
                f"{type(value).__name__}"
            )
        if value.dtype is not self._dtype:
            raise RuntimeError(
                "attempting to assign a gradient with dtype "
                f"'{_dtypes.type_meta_name(value.dtype)}' to a tensor with grad_dtype "
                f"'{_dtypes.scalar_type_name(self._dtype)}'. The "
                "gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You "
                "can set the tensor's grad_dtype attribute with a specific dtype, or None to allow "
                "any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
                "gradient may break downstream systems that assume they match."
            )
        if value.device != self._device:
            raise RuntimeError("assigned grad has data located on a different device")
        if tuple(value.shape) != tuple(self.shape):
            raise RuntimeError(
                f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor are "
                "the same size"
            )
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad and not self.is_leaf

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf:
            return
        if self._retains_grad and self._output_nr in self.grad_fn._retains_grad:
            return
        self.grad_fn._retains_grad[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def _grad_accumulator(self):
        if self._accumulator is None:
            self._accumulator = _engine.AccumulateGrad(self)
        return self._accumulator

    def register_hook(self, hook):
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.is_leaf:
            hooks = self._grad_accumulator()._tensor_hooks(0)
        else:
            hooks = self.grad_fn._tensor_hooks(self._output_nr)
        return _engine.add_hook(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if not self.is_leaf:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        return _engine.add_hook(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        out = Tensor._from_array(self._data.view(), self._dtype, self._device, fresh=False)
        out._vc = self._vc
        out._is_inference = self._is_inference
        out._offset = self._offset
        return out

    def detach_(self) -> Tensor:
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be called "
                "on these gradients. To fix this error, please refer to the Optimizer.zero_grad() "
                "function in torch/optim/optimizer.py as the solution."
            )
        self._grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        self._fw_grads = None  # forward-mode tangents go too
        return self

    @property
    def data(self) -> Tensor:
        out = Tensor._from_array(self._data.view(), self._dtype, self._device, fresh=False)
        out._is_inference = self._is_inference
        return out

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    @data.deleter
    def data(self) -> None:
        raise RuntimeError("Deleting tensor data is not allowed. Delete tensor instead!")

    @requires_grad.deleter
    def requires_grad(self) -> None:
        raise RuntimeError("requires_grad must be a bool")  # torch sets it to None

    def __delattr__(self, name: str) -> None:
        if name == "_grad_fn":
            raise RuntimeError("Deletion of _grad_fn not allowed. Detach tensor instead!")
        super().__delattr__(name)

    @property
    def volatile(self) -> bool:
        """Removed in torch: always False, with a warning."""
        warnings.warn(
            "volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2
        )
        return False

    # -- views ------------------------------------------------------------------------------
    def _regenerate_view_grad_fn(self) -> None:
        """A view whose base changed in place gets a fresh AsStridedBackward0 from the base."""
        from ._ops import _set_history, index_map_node

        base = self._base
        view_fn = self._view_fn
        fields = {
            "size": tuple(self.shape),
            "stride": self.stride(),
            "storage_offset": self.storage_offset(),
        }
        node = index_map_node(
            "AsStridedBackward0", base, lambda a: view_fn(a), self.shape, fields=fields
        )
        _set_history(self, node)  # a retain_grad registration moves to the new node
        self._attr_version = self._vc.value

    def __getattr__(self, name: str):
        # torch's autograd attributes gradref lacks raise NotImplementedError (see _surface)

        raise attribute_error(self, "torch.Tensor", TENSOR, name)

    # -- misc -------------------------------------------------------------------------------
    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        out = Tensor._from_array(self._data.copy(), self._dtype, self._device, self._requires_grad)
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, proto):
        return (
            _rebuild,
            (self._data.copy(), self._dtype.name, str(self._device), self._requires_grad),
        )


def _empty_with_strides(data: np.ndarray) -> np.ndarray:
    """A zero-size array with the strides torch gives a new empty tensor (contiguous, sizes
    counted as at least 1); NumPy gives zero-size results all-zero strides."""
    strides, step = [], data.itemsize
    for n in reversed(data.shape):
        strides.append(step)
        step *= max(n, 1)
    return np.lib.stride_tricks.as_strided(
        np.empty(0, data.dtype), data.shape, tuple(reversed(strides)), writeable=True
    )


def _check_inference_requires_grad(t: Tensor, value) -> None:
    if value and t._is_inference and not _grad_mode.is_inference_mode_enabled():
        raise RuntimeError(
            "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
        )


def _rebuild(data, dtype_name, device, requires_grad):
    return Tensor._from_array(data, _dtypes._by_name(dtype_name), as_device(device), requires_grad)


class _Storage:
    def __init__(self, t: Tensor) -> None:
        root = t._data
        while isinstance(root.base, np.ndarray):
            root = root.base
        self._root = root

    def data_ptr(self) -> int:
        return self._root.__array_interface__["data"][0]

    def nbytes(self) -> int:
        return self._root.nbytes

    def size(self) -> int:
        return self._root.nbytes


def _to_python(value, dtype):
    if dtype is _dtypes.bool:
        return builtins.bool(value)
    if dtype.category == 1:
        return builtins.int(value)
    if dtype.is_complex:
        return builtins.complex(value)
    return builtins.float(value)


def _wrap_dim(dim: int, ndim: int) -> int:
    ndim_ = max(ndim, 1)
    if not -ndim_ <= dim < ndim_:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-ndim_}, {ndim_ - 1}], but "
            f"got {dim})"
        )
    return dim % ndim_
