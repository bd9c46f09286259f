"""Names a person reads: the argument names of the op under test, and a drawn example in one
line (``x: float32[2,3] transposed, w: float32[3,3], b: None``)."""

from __future__ import annotations

import inspect
import keyword
import re


def _forward_of(fn):
    """For ``MyFunction.apply``, the Function's ``forward`` (whose parameters name the inputs)."""
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type) and hasattr(owner, "forward"):
        return owner.forward, _has_ctx(owner)
    return fn, False


def _has_ctx(cls) -> bool:
    """Whether the Function's forward takes ``ctx`` first (no ``setup_context`` of its own)."""
    for klass in cls.__mro__:
        if "setup_context" in vars(klass):
            return klass.__module__.startswith("torch")
    return True


def _params(f) -> list[str]:
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return []
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            out.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            break
    return out


def _identifier(name: str, used: set) -> str:
    name = re.sub(r"\W", "_", name) or "x"
    if name[0].isdigit() or keyword.iskeyword(name) or name in ("torch", "fn", "out", "outs"):
        name = f"{name}_"
    base, k = name, 1
    while name in used:
        k += 1
        name = f"{base}{k}"
    used.add(name)
    return name


def argument_names(spec) -> list[str]:
    """One Python identifier per argument position of ``spec.fn``: the forward's parameter
    names where they can be read (``ctx`` dropped), else ``x0, x1, ...``; check_module's
    parameters by their names."""
    n = spec.n_args
    if spec.module is not None:
        n_forward = n - len(spec.parameters)
        names = _params(spec.module.forward)[:n_forward]
        names += [f"x{p}" for p in range(len(names), n_forward)]  # forward(*args): x0, x1, ...
        names += [p.replace(".", "_") for p in spec.parameters]
    else:
        f, ctx = _forward_of(spec.fn)
        names = _params(f)
        if ctx and names:
            names = names[1:]
    used: set = set()
    out = []
    for p in range(n):
        raw = names[p] if p < len(names) else f"x{p}"
        out.append(_identifier(raw, used))
    return out


def _layout_word(layout: str) -> str:
    return "" if layout == "contiguous" else f" {layout}"


def describe_inputs(names, positions, shapes, dtypes, layouts, requires_grad, args) -> str:
    """``x: float32[2,3] transposed, w: float32[3,3] (no grad), b: None, eps: 1e-05``
    (``dtypes``: one per input; integer and bool inputs never require grad)."""
    parts = {}
    for i, p in enumerate(positions):
        shape = shapes[i]
        if shape is None:
            parts[p] = f"{names[p]}: None"
            continue
        dims = ",".join(str(s) for s in shape)
        dtype = dtypes[i]
        floating = dtype.startswith(("float", "bfloat", "complex"))
        rg = "" if requires_grad[i] or not floating else " (no grad)"
        lay = _layout_word(layouts[i]) if i < len(layouts) else ""
        parts[p] = f"{names[p]}: {dtype}[{dims}]{lay}{rg}"
    for p, v in args:
        parts[p] = f"{names[p]}: {v!r}"
    return ", ".join(parts[p] for p in sorted(parts))
