"""What a spec rules out, binding every check and every variant a check builds (other shapes,
layouts, masks): the sizes ``sizes=`` allows per named dimension, the class counts an integer
input drawn from ``[low, size)`` needs, and the user's ``assume=`` predicate on the inputs.

Drawn examples are filtered by it; a check that builds an example of its own asks
:func:`shapes_outside` before (and fits its sizes with :func:`allowed_size`), and
``Case.make_inputs`` refuses, as not applicable, any example outside them.
"""

from __future__ import annotations

from gradspec.functions.usercode import user_call


def size_allowed(given, n: int) -> bool:
    """Whether ``sizes=``'s entry ``given`` allows size ``n`` (a strategy: any size)."""
    if given is None:
        return True
    if isinstance(given, int) and not isinstance(given, bool):
        return n == given
    if isinstance(given, range | list | tuple):
        return n in given
    return True  # a Hypothesis strategy: membership cannot be asked


def allowed_size(spec, name: str, want: int, fallback: int) -> int:
    """``want`` when ``sizes=`` allows it for dimension ``name``, else ``fallback``."""
    return want if size_allowed(spec.sizes.get(name), want) else fallback


def shapes_outside(spec, sig, shapes) -> str | None:
    """Why ``shapes`` lie outside what the spec allows (None when they do not)."""
    sizes = sig.dim_sizes(shapes)
    for name, given in spec.sizes.items():
        n = sizes.get(name)
        if n is not None and not size_allowed(given, n):
            return f"{name}={n} is outside the spec's sizes ({name}: {given!r})"
    for i, kind in enumerate(spec.input_kinds()):
        if kind is None or kind[0] != "int" or i >= len(shapes) or shapes[i] is None:
            continue
        _, low, high, extra = kind
        if not isinstance(high, tuple) or extra:
            continue
        j, axis = high
        if j >= len(shapes) or shapes[j] is None or len(shapes[j]) < axis:
            continue
        size = shapes[j][len(shapes[j]) - axis]
        if size <= low:  # no class index exists: ruled out, even where none is drawn
            return f"integer input {i} is drawn from [{low}, {size}), which is empty"
    return None


def assume_fails(spec, args) -> str | None:
    """Why the user's ``assume=`` rules these arguments out (None when it holds or is absent);
    an exception in the predicate rules them out too, said with it."""
    if spec.assume is None:
        return None
    import torch

    plain = [a.detach() if isinstance(a, torch.Tensor) else a for a in args]
    try:
        with torch.no_grad():
            ok = bool(user_call(spec.assume, *plain))
    except Exception as e:  # noqa: BLE001 - the user's predicate
        return f"the spec's assume= raised {type(e).__name__}: {e}"
    return None if ok else "the spec's assume= is false on these inputs"


def example_outside(spec, sig, ex) -> str | None:
    """Why the drawn example ``ex`` lies outside the spec (its shapes, then ``assume=`` on its
    values as contiguous torch tensors); None when it does not."""
    why = shapes_outside(spec, sig, ex.shapes)
    if why or spec.assume is None:
        return why
    from gradspec.functions.oracles import merge_args
    from gradspec.inputs import torch_tensor

    ex = ex.with_values()
    tensors = [
        None if v is None else torch_tensor(v, "contiguous", ex.tensor_dtype(i), ex.device)
        for i, v in enumerate(ex.values)
    ]
    return assume_fails(spec, merge_args(tensors, ex.args))


def preferred_size(spec, name: str, want: int) -> int:
    """``want`` for dimension ``name`` when ``sizes=`` allows it, else the allowed size
    nearest to it (a strategy: ``want``)."""
    given = spec.sizes.get(name)
    if size_allowed(given, want):
        return want
    if isinstance(given, int):
        return given
    return min(given, key=lambda s: (abs(s - want), s))
