"""dtypes with torch's names, and torch's type-promotion rules (which are not NumPy's).

Every gradref dtype wraps the NumPy dtype that stores its values (bfloat16 through ml_dtypes,
imported when bfloat16's NumPy dtype is first asked for: ml_dtypes takes most of a second to
import, which a process that never meets bfloat16 need not pay).
Promotion follows ``c10/core/ScalarType.h`` and ``ATen/native/TypeProperties.cpp``: tensors with
dimensions decide first, 0-dim tensors only when of a higher category, Python scalars only when of
a higher category still, and then as the *default* dtype of their category.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

# Categories, ordered: bool < integral < floating < complex.
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type; compares by identity like ``torch.dtype``."""

    __slots__ = ("name", "np", "category", "itemsize", "_legacy", "_cpp")

    def __init__(self, name: str, np_dtype, category: int, legacy: str, cpp: str):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self._legacy = legacy  # e.g. "FloatTensor", used in torch's error messages
        self._cpp = cpp  # e.g. "float", used in torch's error messages

    @property
    def is_floating_point(self) -> bool:
        return self.category == _FLOAT

    @property
    def is_complex(self) -> bool:
        return self.category == _COMPLEX

    @property
    def is_signed(self) -> bool:
        return self.name not in ("bool", "uint8")

    def to_real(self) -> dtype:
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> dtype:
        return {
            float16: complex64,
            bfloat16: complex64,
            float32: complex64,
            float64: complex128,
        }.get(self, self)

    def __repr__(self) -> str:
        return f"gradref.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


class _bfloat16(dtype):
    """bfloat16, whose NumPy dtype (``np``) is ml_dtypes's, imported on first use."""

    __slots__ = ("_np",)

    def __init__(self) -> None:
        self.name, self.category, self.itemsize = "bfloat16", _FLOAT, 2
        self._legacy, self._cpp = "BFloat16Tensor", "c10::BFloat16"
        self._np = None

    @property
    def np(self) -> np.dtype:
        if self._np is None:
            import ml_dtypes

            self._np = np.dtype(ml_dtypes.bfloat16)
            _BY_NP[self._np] = self
        return self._np


float16 = half = dtype("float16", np.float16, _FLOAT, "HalfTensor", "c10::Half")
bfloat16 = _bfloat16()
float32 = float = dtype("float32", np.float32, _FLOAT, "FloatTensor", "float")
float64 = double = dtype("float64", np.float64, _FLOAT, "DoubleTensor", "double")
complex64 = cfloat = dtype(
    "complex64", np.complex64, _COMPLEX, "ComplexFloatTensor", "c10::complex<float>"
)
complex128 = cdouble = dtype(
    "complex128", np.complex128, _COMPLEX, "ComplexDoubleTensor", "c10::complex<double>"
)
uint8 = dtype("uint8", np.uint8, _INT, "ByteTensor", "unsigned char")
int8 = dtype("int8", np.int8, _INT, "CharTensor", "signed char")
int16 = short = dtype("int16", np.int16, _INT, "ShortTensor", "short int")
int32 = int = dtype("int32", np.int32, _INT, "IntTensor", "int")
int64 = long = dtype("int64", np.int64, _INT, "LongTensor", "long int")
bool = dtype("bool", np.bool_, _BOOL, "BoolTensor", "bool")  # noqa: A001 - torch's name

ALL_DTYPES = (
    float16,
    bfloat16,
    float32,
    float64,
    complex64,
    complex128,
    uint8,
    int8,
    int16,
    int32,
    int64,
    bool,
)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NP = {d.np: d for d in ALL_DTYPES if d is not bfloat16}  # bfloat16's: on first use

# Names torch uses for dtypes in grad-assignment messages ("attempting to assign ... 'double'").
_TYPE_META_NAME = {
    float16: "c10::Half",
    bfloat16: "c10::BFloat16",
    float32: "float",
    float64: "double",
    complex64: "c10::complex<float>",
    complex128: "c10::complex<double>",
    uint8: "unsigned char",
    int8: "signed char",
    int16: "short int",
    int32: "int",
    int64: "long int",
    bool: "bool",
}
_SCALAR_TYPE_NAME = {
    float16: "Half",
    bfloat16: "BFloat16",
    float32: "Float",
    float64: "Double",
    complex64: "ComplexFloat",
    complex128: "ComplexDouble",
    uint8: "Byte",
    int8: "Char",
    int16: "Short",
    int32: "Int",
    int64: "Long",
    bool: "Bool",
}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The gradref dtype storing values as ``np_dtype`` (TypeError if torch has none)."""
    np_dtype = np.dtype(np_dtype)
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        if "ml_dtypes" in sys.modules and np_dtype == bfloat16.np:  # (made elsewhere)
            return bfloat16
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np_dtype.name}. The only supported types "
            "are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint8, and bool."
        ) from None


def as_dtype(d) -> dtype:
    """Accept a gradref dtype, a torch-like dtype name, or Python's float/int/bool/complex."""
    if isinstance(d, dtype):
        return d
    if d is builtins_float:
        return get_default_dtype()
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool
    if d is builtins_complex:
        return _default_complex()
    name = getattr(d, "name", None) if not isinstance(d, str) else d
    if isinstance(name, str):
        name = name.rsplit(".", 1)[-1]
        if name in _BY_NAME:
            return _BY_NAME[name]
    try:
        return from_numpy_dtype(d)
    except TypeError:
        pass
    raise TypeError(f"dtype must be a gradref dtype, got {d!r}")


import builtins as _builtins  # noqa: E402

builtins_float, builtins_int = _builtins.float, _builtins.int
builtins_bool, builtins_complex = _builtins.bool, _builtins.complex

# ---------------------------------------------------------------------------------------------
# default dtype

_default = threading.local()


def get_default_dtype() -> dtype:
    return getattr(_default, "dtype", float32)


def set_default_dtype(d) -> None:
    d = as_dtype(d)
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default.dtype = d


def _default_complex() -> dtype:
    return complex128 if get_default_dtype() is float64 else complex64


# ---------------------------------------------------------------------------------------------
# promotion

_FLOAT_ORDER = {float16: 0, bfloat16: 0, float32: 1, float64: 2}


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types for the dtypes gradref has."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == _COMPLEX and lo.category == _FLOAT and lo is float64:
            return complex128
        return hi
    if a.category == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if _FLOAT_ORDER[a] > _FLOAT_ORDER[b] else b
    if a.category == _COMPLEX:
        return complex128
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def _combine_categories(higher, lower):
    # Port of c10's combine_categories; None plays the role of ScalarType::Undefined.
    if higher is not None and higher.category == _COMPLEX:
        return higher
    if lower is not None and lower.category == _COMPLEX:
        if higher is not None and higher.category == _FLOAT:
            return higher.to_complex()
        return lower
    if higher is not None and higher.category == _FLOAT:
        return higher
    if higher is bool or (lower is not None and lower.category == _FLOAT):
        if higher is None:
            return lower
        if lower is None:
            return higher
        return promote_types(higher, lower)
    return higher if higher is not None else lower


def _promote_opt(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return promote_types(a, b)


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a Python number when it participates in promotion."""
    if isinstance(value, builtins_bool) or isinstance(value, np.bool_):
        return bool
    if isinstance(value, (builtins_int, np.integer)):
        return int64
    if isinstance(value, (builtins_float, np.floating)):
        return get_default_dtype()
    if isinstance(value, (builtins_complex, np.complexfloating)):
        return _default_complex()
    raise TypeError(f"unsupported scalar of type {type(value).__name__}")


def wrapped_number_dtype(value) -> dtype:
    """The dtype of the tensor torch wraps a Python number in (``wrapped_scalar_tensor``)."""
    if isinstance(value, (builtins_bool, np.bool_)):
        return bool
    if isinstance(value, (builtins_int, np.integer)):
        return int64
    if isinstance(value, (builtins_complex, np.complexfloating)):
        return complex128
    return float64


def result_type(*operands) -> dtype:
    """torch.result_type over tensors (dimensioned or 0-dim), Python scalars and wrapped
    numbers (which count as the Python scalars they wrap)."""
    dim_r = zero_r = wrapped_r = None
    for op in operands:
        if op is None:
            continue
        d = getattr(op, "dtype", None)
        if getattr(op, "_wrapped_number", False):
            wrapped_r = _promote_opt(wrapped_r, scalar_dtype(op._data.item()))
        elif isinstance(d, dtype):
            if op.dim() > 0:
                dim_r = _promote_opt(dim_r, d)
            else:
                zero_r = _promote_opt(zero_r, d)
        else:
            wrapped_r = _promote_opt(wrapped_r, scalar_dtype(op))
    return _combine_categories(dim_r, _combine_categories(zero_r, wrapped_r))


def is_differentiable_dtype(d: dtype) -> builtins_bool:
    return d.category >= _FLOAT


def type_meta_name(d: dtype) -> str:
    return _TYPE_META_NAME[d]


def scalar_type_name(d: dtype) -> str:
    return _SCALAR_TYPE_NAME[d]


#: dtypes with a legacy tensor type name (torch.FloatTensor...); the others have none
_HAS_LEGACY_NAME = ("Half", "Float", "Double", "Byte", "Char", "Short", "Int", "Long")


def type_string(d: dtype, device_type: str = "cpu") -> str:
    """A tensor type as torch's ``Tensor::toString`` prints it: ``torch.FloatTensor``
    (``torch.cuda.FloatTensor``), or ``CPUBFloat16Type`` for dtypes without a legacy name."""
    name = _SCALAR_TYPE_NAME[d]
    if name in _HAS_LEGACY_NAME:
        return legacy_type_name(d, device_type)
    return f"{'CUDA' if device_type == 'cuda' else 'CPU'}{name}Type"


def legacy_type_name(d: dtype, device_type: str = "cpu") -> str:
    prefix = "torch.cuda." if device_type == "cuda" else "torch."
    return prefix + d._legacy
