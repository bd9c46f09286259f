"""What every corpus module shares: an entry (one Function or Module of an installed package, with
its spec written the way the README tells a user to), a typical float64 input for gradcheck, and
the gradcheck run the corpus compares gradspec with.

A corpus module defines ``PACKAGE`` (the distribution name on PyPI), ``IMPORT`` (the module to
import) and ``entries()``, which imports the package's real Functions and Modules and returns a
list of :class:`Entry`. Nothing of the packages' code is copied here: the specs only name what
the packages export.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

import gradspec

#: sizes of named dimensions in the one typical input gradcheck gets (a spec's ``sizes=`` wins)
TYPICAL_SIZES = {"n": 3, "c": 4, "d": 4, "h": 4, "k": 4, "l": 5, "m": 4, "i": 3, "o": 3}


@dataclass
class Entry:
    """One Function or Module of a package and the spec a user would write for it."""

    name: str
    #: ``"Function"`` or ``"Module"``
    kind: str
    #: builds the spec (called by the runner, so a spec error is a result, not an import error)
    make: Callable[[], gradspec.Spec]
    #: the non-tensor arguments a user would pass to gradcheck (position -> value)
    typical_args: dict = field(default_factory=dict)
    #: sizes of named dimensions for the gradcheck input (else the spec's fixed sizes, else
    #: TYPICAL_SIZES)
    typical_sizes: dict = field(default_factory=dict)
    #: the package documents this Function/Module as taking a surrogate (not the derivative)
    #: backward: gradcheck failing it is expected, not a finding
    surrogate: bool = False
    #: what gradcheck calls instead of the spec's function (e.g. the float64 copy of a module
    #: whose buffers are float32)
    gradcheck_fn: Callable | None = None
    #: positions of floating inputs gradcheck must not differentiate (the package refuses
    #: gradients for them)
    gradcheck_constant: tuple = ()


def spec(fn, reference, signature, **options) -> gradspec.Spec:
    """``gradspec.spec`` (the README's API), named for the corpus modules."""
    return gradspec.spec(fn, reference, signature, **options)


def module_spec(module, reference, signature, **options) -> gradspec.Spec:
    """What ``gradspec.check_module`` runs, as a spec the runner can time and re-run."""
    from gradspec.functions.module import module_spec as _module_spec

    return _module_spec(module, reference, signature, **options)


def _fixed(value):
    return value if isinstance(value, int) else None


def typical_inputs(s: gradspec.Spec, e: Entry) -> list:
    """One float64 input of a typical shape (every floating input requiring grad, integer inputs
    in range, the typical non-tensor arguments in place), as a careful user builds for
    gradcheck."""
    sig = s.parsed()
    rng = np.random.default_rng(0)
    kinds = s.input_kinds()
    fixed = {k: _fixed(v) for k, v in (s.sizes or {}).items()}
    sizes = {**TYPICAL_SIZES, **{k: v for k, v in fixed.items() if v is not None}}
    sizes.update(e.typical_sizes)

    def size(d):
        return int(d) if d.isdigit() else sizes.get(d, 3)

    tensors = []
    bounds = s.bounds_per_input()
    for i, core in enumerate(sig.inputs):
        shape = tuple(size(d) for d in core)
        if not core and s.broadcast:
            shape = (3, 4)
        if kinds[i] is None:
            lo, hi = bounds[i]
            v = torch.tensor(rng.uniform(lo, hi, shape), dtype=torch.float64, requires_grad=True)
        elif kinds[i][0] == "bool":
            v = torch.tensor(rng.random(shape) < 0.5)
        else:
            high = kinds[i][2]
            if isinstance(high, tuple):
                high = size(sig.inputs[high[0]][-high[1]])
            v = torch.tensor(rng.integers(kinds[i][1], high, shape))
        tensors.append(v)
    merged, it = [], iter(tensors)
    for p in range(len(tensors) + len(e.typical_args)):
        merged.append(e.typical_args[p] if p in e.typical_args else next(it))
    return merged


def run_gradcheck(s: gradspec.Spec, e: Entry) -> tuple[bool, str]:
    """``torch.autograd.gradcheck(fast_mode=True)`` in float64 on one typical input; (complains,
    first line of what it said). A Module is checked as users check one: a float64 copy, called
    on its forward's inputs (its parameters are not gradcheck inputs)."""
    import copy

    from gradspec.functions import gradcheck as shim

    try:
        full = typical_inputs(s, e)
    except Exception as ex:  # noqa: BLE001 - an input gradcheck cannot be given is a result
        return True, f"no input: {type(ex).__name__}: {ex}"[:100]
    call = e.gradcheck_fn or s.fn
    if s.module is not None:
        full = full[: len(full) - len(s.parameters)]
        call = e.gradcheck_fn or copy.deepcopy(s.module).double()
    for p in e.gradcheck_constant:
        full[p] = full[p].detach()
    grads = [
        p
        for p, v in enumerate(full)
        if isinstance(v, torch.Tensor) and v.is_floating_point() and p not in e.gradcheck_constant
    ]

    def fn(*xs):
        args = list(full)
        for p, x in zip(grads, xs):
            args[p] = x
        return call(*args)

    try:
        shim.gradcheck(fn, [full[p] for p in grads], fast_mode=True)
    except Exception as ex:  # noqa: BLE001
        msg = str(ex).strip().splitlines()[0] if str(ex).strip() else ""
        return True, f"{type(ex).__name__}: {msg}"[:100]
    return False, ""
