"""``repr(tensor)`` in torch's format (torch/_tensor_str.py's rules, default print options)."""

from __future__ import annotations

import math

import numpy as np

from . import _dtypes

PRECISION = 4
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not floating:
            for v in flat:
                self.max_width = max(self.max_width, len(str(v)))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if vals.size == 0:
            return
        absv = np.abs(vals)
        lo, hi = absv.min(), absv.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        for v in vals:
            if self.sci_mode:
                s = f"{v:.{PRECISION}e}"
            elif self.int_mode:
                s = f"{v:.0f}" + "."
            else:
                s = f"{v:.{PRECISION}f}"
            self.max_width = max(self.max_width, len(s))

    def format(self, value) -> str:
        if self.floating:
            value = float(value)
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRECISION}f}"
        else:
            ret = str(value)
        return (self.max_width - len(ret)) * " " + ret


def _format_values(data: np.ndarray, dtype) -> tuple:
    if dtype is _dtypes.bool:
        fmt = _Formatter(
            np.vectorize(lambda b: "True" if b else "False", otypes=[object])(data)
            if data.size
            else data.astype(object),
            False,
        )
        return (lambda v: fmt.format("True" if v else "False")), None
    if dtype.is_complex:
        re = _Formatter(data.real.astype(np.float64), True)
        im = _Formatter(data.imag.astype(np.float64), True)

        def cfmt(v):
            r = re.format(v.real)
            i = im.format(v.imag).lstrip()
            sign = "+" if not i.startswith("-") else ""
            return f"{r}{sign}{i}j"

        return cfmt, None
    floating = dtype.is_floating_point
    arr = data.astype(np.float64) if floating else data
    fmt = _Formatter(arr, floating)
    return fmt.format, None


def _nested(data: np.ndarray, fmt, indent: int) -> str:
    if data.ndim == 0:
        return fmt(data.item() if data.dtype != np.bool_ else bool(data))
    if data.ndim == 1:
        items = [fmt(v) for v in (data.tolist() if data.dtype.kind != "c" else list(data))]
        elem_width = max((len(s) for s in items), default=0) + 2
        per_line = max(1, (LINEWIDTH - indent) // elem_width) if elem_width else len(items)
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    sep = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(_nested(sub, fmt, indent + 1) for sub in data) + "]"


def tensor_repr(t) -> str:
    data = t._data
    dtype = t.dtype
    if dtype is _dtypes.bfloat16 or dtype is _dtypes.float16:
        data = data.astype(np.float32)
    prefix = "tensor("
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if data.size == 0 and data.ndim != 1:
        body = "[]"
        suffixes.insert(0, f"size={tuple(data.shape)}")
    elif data.size == 0:
        body = "[]"
    else:
        fmt, _ = _format_values(data, dtype)
        body = _nested(data, fmt, len(prefix))
    default_types = (
        _dtypes.get_default_dtype(),
        _dtypes.int64,
        _dtypes.bool,
        _dtypes._default_complex(),
    )
    if dtype not in default_types or (data.size == 0 and dtype is not _dtypes.get_default_dtype()):
        suffixes.append(f"dtype=torch.{dtype.name}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    # a tangent exists only inside a dual level (leaving it clears every tangent)
    tangents = getattr(t, "_fw_grads", None)
    tangent = next(iter(tangents.values()), None) if tangents else None
    if tangent is not None:
        suffixes.append(f"tangent={tensor_repr(tangent)}")
    return _with_suffixes(prefix + body, suffixes, len(prefix))


def _with_suffixes(text: str, suffixes: list, indent: int, width: int = 80) -> str:
    """Append ``, suffix`` for each suffix, moving one to its own indented line when it would
    take the current line past ``width`` (torch's print options' line width)."""
    line = len(text) - text.rfind("\n") + 1
    out = [text]
    for suffix in suffixes:
        if line + len(suffix) + 2 > width:
            out.append(",\n" + " " * indent + suffix)
            line = indent + len(suffix)
        else:
            out.append(", " + suffix)
            line += len(suffix) + 2
    return "".join(out) + ")"
