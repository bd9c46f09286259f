"""gradref: a NumPy reference implementation of PyTorch autograd's documented behaviour.

It mirrors torch's names, signatures, defaults, error types and messages, so that code written
against ``torch`` runs unchanged against ``gradref``::

    import gradref as T   # or: import torch as T
    w = T.tensor([1.0], requires_grad=True)
    (w * 3.0).sum().backward()
    w.grad                # tensor([3.])

gradref imports NumPy and ml_dtypes only, never torch. Its modules import each other at the top,
except along one circle (a Tensor's methods record ops and run the engine, which build
Tensors): those edges, and why each is there, are listed and enforced in
``tests/gradref/test_gradref_layout.py``.
"""

from __future__ import annotations

from . import _dtypes
from ._device import device
from ._dtypes import (
    bfloat16,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from ._dtypes import bool as bool  # noqa: PLC0414
from ._dtypes import float as float  # noqa: PLC0414
from ._dtypes import int as int  # noqa: PLC0414
from ._factories import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_complex,
    is_floating_point,
    is_tensor,
    linspace,
    manual_seed,
    numel,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from ._grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ._nondiff import NONDIFF as _NONDIFF
from ._tensor import Size, Tensor
from .ops import OPS as _OPS
from .ops._table import with_out as _with_out

globals().update(_NONDIFF)

for _name, _entry in _OPS.items():
    globals().setdefault(_name, _with_out(_entry.name, _entry.fn))
del _name, _entry

from . import autograd, func, linalg, nn, special  # noqa: E402

__version__ = "0.1.0"

#: The torch release gradref mirrors: its behaviour, node names, error types and messages.
#: Where another torch release differs, the difference is data in gradspec's expectations
#: (``src/gradspec/expectations/``), named by result id and version range.
TORCH_TARGET = "2.15"


class _MemoryFormat:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"


contiguous_format = _MemoryFormat("contiguous_format")
channels_last = _MemoryFormat("channels_last")
preserve_format = _MemoryFormat("preserve_format")


def result_type(tensor1, tensor2):
    return _dtypes.result_type(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    return from_.category <= to.category


class _Cuda:
    """gradref never has a real accelerator; device labels are still honoured."""

    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0


cuda = _Cuda()

is_anomaly_enabled = autograd.anomaly_mode.is_anomaly_enabled
is_anomaly_check_nan_enabled = autograd.anomaly_mode.is_anomaly_check_nan_enabled
set_anomaly_enabled = autograd.anomaly_mode.set_detect_anomaly
