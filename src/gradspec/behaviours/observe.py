"""Run a scenario against a namespace, record what happened, and compare two such records.

An :class:`Observation` is namespace-neutral: tensors become :class:`TensorRecord` (dtype name,
shape, values as NumPy float64/complex128 or exact integers/bools, requires_grad, is_leaf), dtypes
become :class:`DTypeRecord`, exceptions :class:`Raised` and warnings :class:`Warned` (type name and
first line of the message). So an observation taken with torch and one taken with gradref can be
compared field by field, and every difference is explained with its path inside the observation
(``result[1].grad: values differ at index (2,): torch 0.5, gradref 0.25``).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradspec.tolerances import dtype_name, tolerance

# --------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True)
class TensorRecord:
    """A tensor, as plain data."""

    dtype: str
    shape: tuple[int, ...]
    values: np.ndarray = field(compare=False)
    requires_grad: bool
    is_leaf: bool

    def __repr__(self) -> str:
        vals = np.array2string(self.values, threshold=20, precision=6)
        return (
            f"tensor({vals}, dtype={self.dtype}, shape={list(self.shape)}, "
            f"requires_grad={self.requires_grad}, is_leaf={self.is_leaf})"
        )


@dataclass(frozen=True)
class DTypeRecord:
    """A dtype (torch's or gradref's), by name."""

    name: str

    def __repr__(self) -> str:
        return f"dtype {self.name}"


@dataclass(frozen=True)
class Raised:
    """An exception: its type name and the first line of its message."""

    type: str
    message: str

    def __repr__(self) -> str:
        return f"{self.type}: {self.message}"


@dataclass(frozen=True)
class Warned:
    """A warning: its category name and the first line of its message."""

    category: str
    message: str

    def __repr__(self) -> str:
        return f"{self.category}: {self.message}"


@dataclass(frozen=True)
class Opaque:
    """A value of a kind observations do not look into, recorded by its type name."""

    type: str

    def __repr__(self) -> str:
        return f"<{self.type}>"


@dataclass(frozen=True)
class Observation:
    """What one run of a scenario did: its result (or None), its exception, its warnings."""

    result: Any
    error: Raised | None
    warnings: tuple[Warned, ...]

    def describe(self) -> str:
        lines = [f"result: {self.result!r}"] if self.error is None else []
        if self.error is not None:
            lines.append(f"raised {self.error!r}")
        for w in self.warnings:
            lines.append(f"warned {w!r}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# capture

_TRIGGERED = re.compile(r"\s*\(Triggered internally at .*?\)\s*$")


def first_line(message: object) -> str:
    """The first line of ``message``, without torch's ``(Triggered internally at …)`` suffix."""
    text = str(message)
    # KeyError's str() is the repr of its argument.
    line = text.strip().splitlines()[0] if text.strip() else ""
    return _TRIGGERED.sub("", line).rstrip()


def is_tensor(obj: object) -> bool:
    """Duck-typed tensor test, true for torch and gradref tensors (and not for NumPy arrays)."""
    return (
        hasattr(obj, "detach")
        and hasattr(obj, "dtype")
        and hasattr(obj, "shape")
        and not isinstance(obj, np.ndarray)
    )


def is_dtype(obj: object) -> bool:
    """Duck-typed dtype test, true for ``torch.float32`` and ``gradref.float32``."""
    return (
        hasattr(obj, "is_floating_point")
        and hasattr(obj, "is_complex")
        and hasattr(obj, "itemsize")
        and not hasattr(obj, "shape")
    )


def _tensor_values(t: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    d = t.detach()
    if hasattr(d, "resolve_conj"):
        d = d.resolve_conj()
    if hasattr(d, "resolve_neg"):
        d = d.resolve_neg()
    try:
        raw = np.asarray(d.tolist())
    except (AttributeError, TypeError, RuntimeError):
        if hasattr(d, "cpu"):
            d = d.cpu()
        raw = np.asarray(d.numpy())
    if name.startswith("complex"):
        target = np.complex128
    elif name == "bool":
        target = np.bool_
    elif name.startswith(("int", "uint")):
        target = np.int64
    else:
        target = np.float64
    return np.asarray(raw, dtype=target).reshape(shape)


def record(value: Any) -> Any:
    """Turn a scenario's return value into plain data (see the module docstring)."""
    if isinstance(value, (Raised, Warned, TensorRecord, DTypeRecord, Opaque)):
        return value
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, complex)):
        return value
    if isinstance(value, (np.integer, np.floating, np.complexfloating, np.bool_)):
        return value.item()
    if is_tensor(value):
        name = dtype_name(value.dtype)
        shape = tuple(int(s) for s in value.shape)
        return TensorRecord(
            dtype=name,
            shape=shape,
            values=_tensor_values(value, name, shape),
            requires_grad=bool(value.requires_grad),
            is_leaf=bool(value.is_leaf),
        )
    if is_dtype(value):
        return DTypeRecord(dtype_name(value))
    if isinstance(value, np.ndarray):
        return TensorRecord(
            dtype=value.dtype.name,
            shape=tuple(value.shape),
            values=value.copy(),
            requires_grad=False,
            is_leaf=True,
        )
    if isinstance(value, Mapping):
        return {k: record(v) for k, v in value.items()}
    if isinstance(value, tuple):
        # torch.Size and gradref's shapes are tuples: record them as plain tuples.
        return tuple(record(v) for v in value)
    if isinstance(value, list):
        return [record(v) for v in value]
    return Opaque(type(value).__name__)


def attempt(fn: Callable[[], Any]) -> Any:
    """Call ``fn``; its result, or the :class:`Raised` record of the exception it raised.

    Lets one scenario observe several errors (``return attempt(lambda: x.add_(1)), ...``).
    """
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - any exception is an observation
        return Raised(type(exc).__name__, first_line(exc))


#: Warnings that are no part of autograd's documented behaviour, which torch emits once per process
#: (so their presence depends on test order): performance notes and deprecations of torch internals.
IGNORED_WARNINGS: tuple[str, ...] = (
    "grad and param do not obey the gradient layout contract",
    "`torch.jit.script` is deprecated",
)


def observe(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Observation:
    """Run ``fn(*args, **kwargs)`` and record its result, exception and warnings.

    Warnings starting with one of :data:`IGNORED_WARNINGS` are not recorded.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = record(fn(*args, **kwargs))
            error = None
        except Exception as exc:  # noqa: BLE001 - any exception is an observation
            result = None
            error = Raised(type(exc).__name__, first_line(exc))
    warned = tuple(
        Warned(w.category.__name__, first_line(w.message))
        for w in caught
        if not str(w.message).startswith(IGNORED_WARNINGS)
    )
    return Observation(result=result, error=error, warnings=warned)


# --------------------------------------------------------------------------------------------
# the autograd graph, as tools see it


def _graph_value(value: Any, known: list, values: Callable | None = None) -> Any:
    """A saved field's value: tensors as records plus which ``known`` tensor they are (``is``),
    None when a new tensor object; tuples element-wise; numbers, sizes, strings exactly."""
    if is_tensor(value):
        same = next((i for i, k in enumerate(known) if k is value), None)
        rec = record(value)
        if values is not None:  # values (and dtype) as ``values(tensor)`` gives them, flags kept
            conv = record(values(value))
            rec = TensorRecord(conv.dtype, rec.shape, conv.values, rec.requires_grad, rec.is_leaf)
        return ("tensor", rec, same)
    if isinstance(value, tuple):
        return tuple(_graph_value(v, known, values) for v in value)
    return record(value)


def graph_record(*roots: Any, known: tuple = (), values: Callable | None = None) -> dict:
    """The autograd graph behind the tensors ``roots`` as tools (torchviz, debuggers) see it.

    Every node reachable through ``grad_fn`` and ``next_functions`` is numbered in depth-first
    order and recorded with ``type(node).__name__``, ``name()``, its edges (node number or
    None, input number), every ``_saved_*`` attribute ``dir(node)`` lists (a Raised record when
    reading it raises, e.g. after backward), ``variable`` for an AccumulateGrad node and
    ``saved_tensors`` for a custom Function's node. A saved tensor is recorded with its values,
    flags and which of ``roots + known`` it is (``is``), so a saved output that is the output
    object itself differs from a new tensor sharing its data. ``values``: what to record the
    values of a tensor from (e.g. a float32 copy, to compare at float32 precision).
    """
    known_list = list(roots) + list(known)
    numbers: dict[int, int] = {}
    nodes: list[dict] = []
    keep: list = []  # keep nodes alive while numbering them by id()

    def visit(fn: Any) -> int | None:
        if fn is None:
            return None
        if id(fn) in numbers:
            return numbers[id(fn)]
        numbers[id(fn)] = len(nodes)
        keep.append(fn)
        entry: dict = {"type": type(fn).__name__, "name": attempt(fn.name)}
        nodes.append(entry)
        saved = {}
        for attr in dir(fn):
            if attr.startswith("_saved_"):
                value = attempt(lambda attr=attr: getattr(fn, attr))
                saved[attr[len("_saved_") :]] = (
                    value if isinstance(value, Raised) else _graph_value(value, known_list, values)
                )
        entry["saved"] = saved
        if hasattr(fn, "variable"):
            entry["variable"] = _graph_value(fn.variable, known_list, values)
        if "saved_tensors" in dir(fn):  # (hasattr would raise once they are freed)
            value = attempt(lambda: tuple(fn.saved_tensors))
            entry["saved_tensors"] = (
                value if isinstance(value, Raised) else _graph_value(value, known_list, values)
            )
        entry["next"] = tuple((visit(n), int(nr)) for n, nr in fn.next_functions)
        return numbers[id(fn)]

    outputs = []
    for t in roots:
        fn = t.grad_fn if is_tensor(t) else None
        outputs.append(None if fn is None else (visit(fn), int(t.output_nr)))
    return {"outputs": outputs, "nodes": nodes}


# --------------------------------------------------------------------------------------------
# comparison


@dataclass(frozen=True)
class CompareOptions:
    """How two observations are compared.

    ``message_prefix``: when set, messages agree if both start with it (for messages whose middle
    varies, such as the version-counter error); otherwise first lines must be equal.
    ``compare_warnings``: whether warnings are part of the comparison.
    ``reduction_length``: widens float tolerances for values that are sums of that many terms.
    ``names``: what to call the two sides in explanations.
    ``grown``: values may come from chains of ``exp`` and ``pow`` (random programs): an element
    of magnitude ``v`` above e carries the rounding of its inputs amplified by the condition
    number of those ops there (``ln v`` for ``exp``, at most ``3 ln v`` for ``(a*a + 1) ** b``:
    ``ln v`` through the exponent, ``2 ln v`` through the base), so its relative tolerance is
    widened by ``3 ln v``.
    """

    message_prefix: str | None = None
    compare_warnings: bool = True
    reduction_length: int = 1
    grown: bool = False
    names: tuple[str, str] = ("torch", "gradref")


def messages_agree(a: str, b: str, prefix: str | None = None) -> bool:
    """First lines agree exactly, or both start with ``prefix`` when one is given."""
    if a == b:
        return True
    return prefix is not None and a.startswith(prefix) and b.startswith(prefix)


def _fmt_scalar(v: Any) -> str:
    if isinstance(v, (np.generic, np.ndarray)):
        v = v.item()
    return repr(v)


def _compare_arrays(a: np.ndarray, b: np.ndarray, dtype: str, opts: CompareOptions) -> str | None:
    """None if equal within tolerance, else an explanation naming the first differing index."""
    na, nb = opts.names
    if a.size == 0:
        return None
    if a.dtype.kind in "biu":
        bad = a != b
        if not bad.any():
            return None
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        return (
            f"values differ at index {idx}: {na} {_fmt_scalar(a[idx])}, {nb} "
            f"{_fmt_scalar(b[idx])} ({int(bad.sum())} of {a.size} differ)"
        )
    rtol, atol = tolerance(dtype, opts.reduction_length)
    parts_a = [a.real, a.imag] if a.dtype.kind == "c" else [a]
    parts_b = [b.real, b.imag] if b.dtype.kind == "c" else [b]
    bad = np.zeros(a.shape, dtype=bool)
    for pa, pb in zip(parts_a, parts_b):
        nan_a, nan_b = np.isnan(pa), np.isnan(pb)
        inf_a, inf_b = np.isinf(pa), np.isinf(pb)
        bad |= nan_a != nan_b
        bad |= inf_a != inf_b
        bad |= inf_a & inf_b & (np.sign(pa) != np.sign(pb))
        finite = np.isfinite(pa) & np.isfinite(pb)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            r = rtol * np.maximum(1.0, 3.0 * np.log(np.abs(pa))) if opts.grown else rtol
            close = np.abs(pa - pb) <= atol + r * np.abs(pa)
        bad |= finite & ~close
    if not bad.any():
        return None
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    return (
        f"values differ at index {idx}: {na} {_fmt_scalar(a[idx])}, {nb} {_fmt_scalar(b[idx])} "
        f"({int(bad.sum())} of {a.size} differ; {dtype} rtol {rtol:.3g}"
        + (" times 3 ln|v| above e" if opts.grown else "")
        + f", atol {atol:.3g})"
    )


def _key_path(path: str, key: Any) -> str:
    if isinstance(key, str) and key.isidentifier():
        return f"{path}.{key}"
    return f"{path}[{key!r}]"


def compare_values(a: Any, b: Any, path: str, opts: CompareOptions) -> list[str]:
    """Differences between two recorded values, each prefixed with its path."""
    na, nb = opts.names
    if isinstance(a, TensorRecord) or isinstance(b, TensorRecord):
        if not (isinstance(a, TensorRecord) and isinstance(b, TensorRecord)):
            return [f"{path}: {na} {a!r}, {nb} {b!r}"]
        out = []
        for attr in ("dtype", "shape", "requires_grad", "is_leaf"):
            va, vb = getattr(a, attr), getattr(b, attr)
            if va != vb:
                out.append(f"{path}.{attr}: {na} {va!r}, {nb} {vb!r}")
        if a.shape == b.shape:
            dtype = a.dtype if a.dtype == b.dtype else "float64"
            why = _compare_arrays(a.values, b.values, dtype, opts)
            if why:
                out.append(f"{path}: {why}")
        return out
    if isinstance(a, Raised) and isinstance(b, Raised):
        out = []
        if a.type != b.type:
            out.append(f"{path}: exception type: {na} {a.type}, {nb} {b.type}")
        if not messages_agree(a.message, b.message, opts.message_prefix):
            out.append(f"{path}: message: {na} {a.message!r}, {nb} {b.message!r}")
        return out
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            if k not in b:
                out.append(f"{_key_path(path, k)}: only {na} has it ({a[k]!r})")
            elif k not in a:
                out.append(f"{_key_path(path, k)}: only {nb} has it ({b[k]!r})")
            else:
                out.extend(compare_values(a[k], b[k], _key_path(path, k), opts))
        return out
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if type(a) is not type(b):
            return [f"{path}: {na} a {type(a).__name__}, {nb} a {type(b).__name__}"]
        if len(a) != len(b):
            return [f"{path}: length {na} {len(a)}, {nb} {len(b)}: {na} {a!r}, {nb} {b!r}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out.extend(compare_values(x, y, f"{path}[{i}]", opts))
        return out
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        same = type(a) is type(b) and a == b
    elif isinstance(a, (int, float, complex)) and isinstance(b, (int, float, complex)):
        if isinstance(a, int) and isinstance(b, int):
            same = a == b
        elif type(a) is not type(b) and not (
            isinstance(a, (int, float)) and isinstance(b, (int, float))
        ):
            same = False
        else:
            same = _numbers_close(a, b)
        if same and (isinstance(a, int) != isinstance(b, int)):
            return [f"{path}: {na} {a!r} ({type(a).__name__}), {nb} {b!r} ({type(b).__name__})"]
    else:
        same = type(a) is type(b) and a == b
    return [] if same else [f"{path}: {na} {a!r}, {nb} {b!r}"]


def _numbers_close(a: complex, b: complex) -> bool:
    # Python numbers are usually ``.item()`` of float32 results: use float32's tolerance.
    rtol, atol = tolerance("float32")
    for x, y in ((complex(a).real, complex(b).real), (complex(a).imag, complex(b).imag)):
        if math.isnan(x) or math.isnan(y):
            if not (math.isnan(x) and math.isnan(y)):
                return False
        elif math.isinf(x) or math.isinf(y):
            if x != y:
                return False
        elif abs(x - y) > atol + rtol * abs(x):
            return False
    return True


def compare(a: Observation, b: Observation, opts: CompareOptions | None = None) -> list[str]:
    """Every difference between two observations, as readable lines (empty when they agree)."""
    opts = opts or CompareOptions()
    na, nb = opts.names
    out: list[str] = []
    if a.error is not None or b.error is not None:
        if a.error is None or b.error is None:
            out.append(
                f"exception: {na} {'raised ' + repr(a.error) if a.error else 'raised nothing'}, "
                f"{nb} {'raised ' + repr(b.error) if b.error else 'raised nothing'}"
            )
        else:
            out.extend(compare_values(a.error, b.error, "exception", opts))
    if a.error is None and b.error is None:
        out.extend(compare_values(a.result, b.result, "result", opts))
    if opts.compare_warnings:
        wa = [w for w in a.warnings]
        wb = [w for w in b.warnings]
        if len(wa) != len(wb) or any(
            x.category != y.category
            or not messages_agree(x.message, y.message, opts.message_prefix)
            for x, y in zip(wa, wb)
        ):
            out.append(f"warnings: {na} {wa!r}, {nb} {wb!r}")
    return out


__all__ = [
    "CompareOptions",
    "DTypeRecord",
    "Observation",
    "Opaque",
    "Raised",
    "TensorRecord",
    "Warned",
    "attempt",
    "compare",
    "compare_values",
    "first_line",
    "graph_record",
    "is_dtype",
    "is_tensor",
    "messages_agree",
    "observe",
    "record",
]
