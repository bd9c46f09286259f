"""Reproducers: standalone scripts that rebuild a failing example exactly and re-run the check.

The script imports the op by module path when it is importable, writes the input values,
cotangents and the reference's answers as literals (so neither the reference nor Hypothesis is
needed), rebuilds each input with the failing layout, and calls :func:`replay`, which raises
AssertionError with the failure message.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np

from gradspec.functions.case import Case, CheckFailure, NotApplicable
from gradspec.functions.examples import Example
from gradspec.functions.oracles import ReferenceFailed, RefOutput, RefResult
from gradspec.functions.signature import parse_signature
from gradspec.functions.spec import Spec


def _array_src(a) -> str:
    if a is None:
        return "None"
    a = np.asarray(a, dtype=np.float64)
    if a.size <= 256 and np.all(np.isfinite(a)):
        return f"np.array({a.ravel().tolist()!r}).reshape({tuple(a.shape)!r})"
    hexed = a.astype("<f8").tobytes().hex()
    return f"np.frombuffer(bytes.fromhex({hexed!r})).reshape({tuple(a.shape)!r})"


def _value_src(x) -> str:
    if isinstance(x, np.ndarray):
        return _array_src(x)
    if isinstance(x, RefOutput):
        return (
            f"RefOutput({_array_src(x.value)}, {x.dtype!r}, {tuple(x.shape)!r}, "
            f"{x.requires_grad!r})"
        )
    if isinstance(x, RefResult):
        return (
            f"RefResult(outputs={_value_src(x.outputs)}, grads={_value_src(x.grads)}, "
            f"grads2={_value_src(x.grads2)})"
        )
    if isinstance(x, ReferenceFailed):
        return f"ReferenceFailed({str(x)!r})"
    if isinstance(x, list | tuple):
        inner = ", ".join(_value_src(v) for v in x)
        return f"[{inner}]"
    return repr(x)


def import_source(obj, what: str) -> str | None:
    """``from m import X`` source giving back ``obj`` (for Function.apply, the class), or None."""
    owner = getattr(obj, "__self__", None)
    target = owner if isinstance(owner, type) else obj
    module = getattr(target, "__module__", None)
    qual = getattr(target, "__qualname__", "")
    if not module or module == "__main__":
        return None
    try:
        mod = importlib.import_module(module)
    except Exception:
        return None
    found = mod
    try:
        for part in qual.split("."):
            found = getattr(found, part)
    except AttributeError:
        found = None
    if found is not target:  # e.g. a class made by a factory: look for a module attribute
        qual = next((k for k, v in vars(mod).items() if v is target), None)
        if qual is None:
            return None
    top = qual.split(".")[0]
    src = f"from {module} import {top}\n{what} = {qual}"
    if target is not obj:
        src += f".{obj.__name__}"
    return src


def _fn_source(spec: Spec) -> str:
    src = import_source(spec.fn, "fn")
    if src:
        return src
    if spec.origin and ":" in spec.origin and "[" not in spec.origin:
        module, attr = spec.origin.split(":", 1)
        return f"from {module} import {attr.split('.')[0]}\nfn = {attr}.fn"
    try:
        lines = inspect.getsource(spec.fn).strip()
    except (OSError, TypeError):
        lines = repr(spec.fn)
    return (
        "# fn is not importable by module path; define it here. It was:\n"
        + "\n".join("#   " + line for line in lines.splitlines())
        + "\nraise SystemExit('define fn above to run this reproducer')\nfn = None"
    )


def reproducer(spec: Spec, check: str, case: Case, message: str) -> str:
    """A standalone Python script reproducing ``check``'s failure on ``case``."""
    ex = case.example
    memo_items = []
    for key, val in case.memo.items():
        memo_items.append(f"    {key!r}: {_value_src(val)},")
    recorded = [f"    {k!r}: {_array_src(v)}," for k, v in ex.recorded.items()]
    input_lines = []
    for i, (v, rg, layout) in enumerate(zip(ex.values, ex.requires_grad, ex.layouts)):
        if v is None:
            input_lines.append(f"    None,  # input {i} omitted (optional)")
        else:
            input_lines.append(
                f"    materialize(values[{i}], {layout!r}, torch.{ex.dtype}, {ex.device!r}, "
                f"requires_grad={bool(rg)}),"
            )
    first_line = message.splitlines()[0] if message else ""
    where = f"{ex.device}/{ex.dtype}"
    return f'''"""gradspec reproducer: check {check!r} failed for {spec.label} on {where}.

{first_line}
Run with `python` (needs torch, numpy and gradspec installed); exits with AssertionError.
"""
import numpy as np
import torch

from gradspec.functions.oracles import ReferenceFailed, RefOutput, RefResult  # noqa: F401
from gradspec.functions.reproducer import replay
from gradspec.strategies import materialize

{_fn_source(spec)}

example = dict(
    dtype={ex.dtype!r},
    device={ex.device!r},
    shapes={ex.shapes!r},
    requires_grad={ex.requires_grad!r},
    layouts={ex.layouts!r},
    grad_layouts={ex.grad_layouts!r},
    seed={ex.seed!r},
    bounds={ex.bounds!r},
)
values = [
{chr(10).join("    " + _array_src(v) + "," for v in ex.values)}
]
# cotangents (grad_outputs) and other derived arrays, exactly as the failing run used them
recorded = {{
{chr(10).join(recorded)}
}}
# the reference's answers on this example
reference_answers = {{
{chr(10).join(memo_items)}
}}

# the inputs in the failing layout:
inputs = [
{chr(10).join(input_lines)}
]
print("inputs:", [None if x is None else (tuple(x.shape), x.stride(), x.requires_grad)
                  for x in inputs])

replay(
    {check!r},
    fn,
    {spec.signature!r},
    example,
    values,
    recorded,
    reference_answers,
    claims={dict(spec.claims)!r},
    broadcast={spec.broadcast!r},
    has_reference={spec.reference is not None!r},
)
'''


def replay(
    check: str,
    fn,
    signature: str,
    example: dict,
    values,
    recorded,
    reference_answers,
    *,
    claims=None,
    broadcast=False,
    has_reference=True,
) -> None:
    """Re-run one check on an exact example; raise AssertionError if it fails (as it did)."""
    from gradspec.functions.checks import CHECKS

    sig = parse_signature(signature)
    ex = Example(
        dtype=example["dtype"],
        device=example["device"],
        shapes=tuple(None if s is None else tuple(s) for s in example["shapes"]),
        requires_grad=tuple(example["requires_grad"]),
        layouts=tuple(example["layouts"]),
        grad_layouts=tuple(example["grad_layouts"]),
        seed=example["seed"],
        bounds=tuple(tuple(b) for b in example.get("bounds", ())),
        values=tuple(None if v is None else np.asarray(v, dtype=np.float64) for v in values),
        expanded=(),
        recorded=dict(recorded),
    )
    ref = (lambda *a: None) if has_reference else None
    spec = Spec(
        fn=fn, reference=ref, signature=signature, broadcast=broadcast, claims=dict(claims or {})
    )
    case = Case(spec, sig, ex, T=None, memo=dict(reference_answers))
    try:
        CHECKS[check].run(case)
    except CheckFailure as e:
        raise AssertionError(f"[{check}] {e.message}") from None
    except NotApplicable as e:
        print(f"gradspec: check {check!r} could not run here: {e}")
        return
    except Exception as e:
        raise AssertionError(f"[{check}] fn or its backward raised {type(e).__name__}: {e}") from e
    print(f"gradspec: check {check!r} passed: the failure did not reproduce")
