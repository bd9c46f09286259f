"""Reproducers: standalone plain-torch scripts that rebuild a failing example exactly and fail
the same way, to paste into a bug report.

A script imports the op by module path when it can (else it embeds the Function's source, or
says what to define), writes the input values and cotangents as exact literals, rebuilds each
input in the failing layout, calls the op, shows what backward really returned
(``outs[k].grad_fn.apply(...)``) and asserts what the check found. It needs torch and the
module defining the op: no gradspec, no gradref, no NumPy.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import textwrap

from gradspec.functions.spec import Spec

HELPERS = '''
def _t(data, shape, dtype, device="cpu"):
    """Exact values: a list of floats, or the float64 bytes as hex."""
    if isinstance(data, str):
        t = torch.frombuffer(bytearray.fromhex(data), dtype=torch.float64).clone()
    else:
        t = torch.tensor(data, dtype=torch.float64)
    return t.reshape(shape).to(dtype=dtype, device=device)


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _check_close(what, actual, expected, rtol, atol):
    assert actual is not None, f"{what}: got None"
    actual = actual.detach().cpu().to(torch.float64)
    expected = expected.cpu().to(torch.float64)
    assert actual.shape == expected.shape, (
        f"{what}: shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
    )
    ok = (actual - expected).abs() <= atol + rtol * expected.abs()
    ok |= (actual == expected) | (actual.isnan() & expected.isnan())
    if not bool(ok.all()):
        i = int((~ok).flatten().nonzero()[0])
        raise AssertionError(
            f"{what}: {int((~ok).sum())} of {ok.numel()} elements differ; first (flat index "
            f"{i}): got {actual.flatten()[i].item()!r}, expected {expected.flatten()[i].item()!r}"
        )
'''

LAYOUT_HELPER = '''

def _laid_out(t, layout):
    """t with the memory layout the failing run gave it (same values)."""
    shape, nd = tuple(t.shape), t.dim()
    if layout == "transposed" and nd < 2:
        layout = "strided"
    if layout == "channels_last" and nd < 3:
        layout = "transposed" if nd == 2 else "strided"
    if layout == "transposed":
        return t.transpose(-1, -2).contiguous().transpose(-1, -2)
    if layout == "offset":
        storage = torch.zeros(t.numel() + 3, dtype=t.dtype, device=t.device)
        out = storage[3:].view(shape) if shape else storage[3:4].view(())
        return out.copy_(t)
    if layout == "strided":
        if nd == 0:
            return torch.zeros(2, dtype=t.dtype, device=t.device)[1:].view(()).copy_(t)
        storage = torch.zeros(shape[:-1] + (2 * shape[-1],), dtype=t.dtype, device=t.device)
        return storage[..., ::2].copy_(t)
    if layout == "expanded":
        dims = [d for d, s in enumerate(shape) if s > 1]
        if dims and bool((t == t.narrow(dims[0], 0, 1)).all()):
            return t.narrow(dims[0], 0, 1).clone().expand(shape)
        return t.clone()
    if layout == "channels_last":
        if nd == 4:
            return t.contiguous(memory_format=torch.channels_last)
        perm = (nd - 1,) + tuple(range(nd - 1))
        inverse = tuple(sorted(range(nd), key=lambda i: perm[i]))
        return t.permute(perm).contiguous().permute(inverse)
    return t.clone()
'''


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


def _embedded_source(obj) -> str | None:
    """The source of a Function class (or a plain function) defined where it cannot be
    imported from, to define it in the script itself."""
    owner = getattr(obj, "__self__", None)
    target = owner if isinstance(owner, type) else obj
    if getattr(target, "__name__", "") == "<lambda>" or _closes_over(target):
        return None
    try:
        src = textwrap.dedent(inspect.getsource(target))
    except (OSError, TypeError):
        return None
    name = target.__name__
    tail = f"fn = {name}.apply" if target is not obj else f"fn = {name}"
    return (
        "# the op is not importable by module path; its source, as gradspec found it:\n"
        "from torch.autograd import Function  # noqa: F401\n"
        f"{src}\n{tail}"
    )


def _closes_over(target) -> bool:
    """Whether the class or function uses variables of an enclosing function (its source alone
    would not run)."""
    funcs = [target] if not isinstance(target, type) else []
    if isinstance(target, type):
        for v in vars(target).values():
            f = getattr(v, "__func__", v)
            if callable(f) and hasattr(f, "__code__"):
                funcs.append(f)
    return any(getattr(f, "__code__", None) is not None and f.__code__.co_freevars for f in funcs)


def _module_source(spec: Spec) -> str:
    """The Module, pickled by torch (its class must be importable), and fn calling it with
    the parameters as inputs, as check_module does."""
    import io

    import torch

    buf = io.BytesIO()
    torch.save(spec.module, buf)
    n_in = spec.n_args - len(spec.parameters)
    return (
        "import io\n\n"
        f"module = torch.load(io.BytesIO(bytes.fromhex({buf.getvalue().hex()!r})), "
        "weights_only=False)\n"
        f"PARAMETERS = {list(spec.parameters)!r}\n\n\n"
        "def fn(*args):\n"
        f"    inputs, params = args[:{n_in}], args[{n_in}:]\n"
        "    return torch.func.functional_call(module, dict(zip(PARAMETERS, params)), inputs)"
    )


def fn_source(spec: Spec) -> str:
    if spec.module is not None:
        try:
            return _module_source(spec)
        except Exception as e:  # noqa: BLE001 - say why instead
            return (
                f"raise SystemExit('gradspec could not pickle the module: {type(e).__name__}')"
                "\nfn = None"
            )
    from gradspec.functions.customop import OpCall

    if isinstance(spec.fn, OpCall):
        return spec.fn.source()
    src = import_source(spec.fn, "fn") or _embedded_source(spec.fn)
    if src:
        return src
    try:
        lines = inspect.getsource(spec.fn).strip()
    except (OSError, TypeError):
        lines = repr(spec.fn)
    return (
        "# fn is not importable by module path; define it here. It was:\n"
        + "\n".join("#   " + line for line in lines.splitlines())
        + "\nraise SystemExit('define fn above to run this reproducer')\nfn = None"
    )


def render(
    spec: Spec,
    check: str,
    message: str,
    example_text: str,
    where: str,
    script,
    raises: bool = False,
) -> str:
    """The standalone script for a finding of ``check`` (``script`` holds its body; with
    ``raises`` the op raised, and the script turns that into the AssertionError)."""
    first = message.splitlines()[0] if message else ""
    body = script.render() if script is not None else ""
    if raises:
        inner = "\n".join("    " + line if line else line for line in body.splitlines())
        body = (
            f"try:\n{inner or '    pass'}\nexcept Exception as e:\n"
            f'    raise AssertionError(f"[{check}] the op raised {{type(e).__name__}}: {{e}}") '
            "from e"
        )
    helpers = HELPERS + (LAYOUT_HELPER if getattr(script, "needs_layout", False) else "")
    doc = textwrap.fill(first, 96, subsequent_indent="") if first else ""
    return f'''"""gradspec reproducer: check {check!r} on {spec.label} ({where}).

{doc}

Example: {example_text}
Run it with python (needs torch and the module that defines the op): it raises AssertionError
while the problem is there.
"""
import torch

{fn_source(spec)}
{helpers}

{body}
print("no AssertionError: the problem did not reproduce here")
'''


def reproduces(text: str) -> bool | None:
    """Run a reproducer once, as its reader would: True when it raises AssertionError (the
    finding reproduces), False when it runs through, None when it cannot tell (the op is not
    importable, or something else stopped it)."""
    import contextlib
    import io
    import warnings

    from gradspec.functions.usercode import user_call

    namespace = {"__name__": "__gradspec_reproducer__"}
    try:
        code = compile(text, "<gradspec reproducer>", "exec")
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            user_call(exec, code, namespace)
    except AssertionError:
        return True
    except (Exception, SystemExit):  # noqa: BLE001 - not importable, or another problem
        return None
    return False


NOT_REPRODUCED = (
    "# gradspec ran this script once and it did not raise: the finding did not reproduce\n"
    "# outside the checker's run (state the run built up, or a value printed inexactly).\n"
)


def file_name(label: str, check: str, where: str) -> str:
    raw = f"{label}_{check}_{where}".replace("/", "_")
    return re.sub(r"[^A-Za-z0-9_.-]", "_", raw) + ".py"


def write(directory: str, name: str, text: str) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path
