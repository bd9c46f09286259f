"""Run released Triton kernels on CPU under Triton's interpreter (``TRITON_INTERPRET=1``).

Triton's interpreter runs a ``@triton.jit`` kernel as Python on NumPy arrays, which lets a
Triton ``autograd.Function`` be checked on a machine without a GPU. Kernels written for the
compiler meet three gaps of the interpreter, and triton 2.x's interpreter leaves a fourth
problem behind; :func:`apply` closes them by patching the loaded ``triton`` at runtime (no file
is changed, nothing of Triton is copied; every patch wraps the interpreter's own function and
falls back to it):

1. **Float scalar arguments.** The compiler passes a Python ``float`` argument (an ``eps``) to
   the kernel as an ``fp32`` scalar, so kernels write ``eps.to(tl.float32)``. The interpreter
   converts ``bool``, ``int`` and tensors to Triton tensors but leaves a ``float`` a Python
   float (``triton.runtime.interpreter._implicit_cvt``), and ``.to`` fails with
   ``AttributeError: 'float' object has no attribute 'to'``. Patched: a float that is not a
   ``constexpr`` becomes an ``fp32`` scalar tensor, the type the compiler gives it
   (``triton.runtime.jit.mangle_type(1.0) == "fp32"``).
2. **libdevice math.** ``triton.language.extra.libdevice`` holds stubs whose body is ``...``
   (the compiler dispatches them to the backend's library), and the backends' own modules
   (``extra.cuda.libdevice``, ``extra.hip.libdevice``) call ``extern_elementwise``, which the
   interpreter does not implement. Under the interpreter ``tanh(x)`` therefore returns ``None``
   (or raises ``NotImplementedError``). Patched: for each launch, where Triton binds its own
   language to interpreter versions (``triton.runtime.interpreter._patch_lang``), the libdevice
   functions the kernel can see — names in its module imported from those modules, and the
   modules' attributes — are bound to NumPy versions of the same math
   (:func:`libdevice_implementations`), computed in the arguments' promoted dtype, and restored
   with Triton's own patches after the launch. (The backends' libdevice has float32 and float64
   versions only, so the compiler refuses a float16 argument these accept.)
   A libdevice function without a NumPy version raises ``NotImplementedError`` naming it
   instead of returning ``None``.
3. **Autotuning.** ``@triton.autotune`` with several configs times each config with the active
   GPU driver's benchmarker, and without a GPU there is none (``RuntimeError: 0 active
   drivers``). Timings on the interpreter mean nothing, so no config is timed: the first config
   left after the kernel's own pruning is used (``Autotuner._bench`` answers equal timings,
   and the autotuner keeps the first of equals). Every config computes the same values, so the
   check is as good with one; a bug that only one config has is found only with that config
   first.
4. **The math module's own attributes** (triton 2.x). At each launch the interpreter of
   triton 2.x (``triton.runtime.interpreter._patch_lang_math``) sets *every* attribute of
   ``triton.language.math`` to a NumPy version or a fallback function, ``__file__``,
   ``__name__`` and ``__spec__`` included, so that module no longer says what it is. Tools that
   walk ``sys.modules`` then fail: Hypothesis's search for a test's constants (any search that
   is not derandomized) raises ``TypeError: argument of type 'function' is not iterable``, and
   every later property test of the process with it. Patched: the module's dunder attributes
   are put back after Triton's patch (its functions stay patched, as Triton wants them).

The libdevice patch also spares the interpreter repeated work: Triton patches its language
modules anew at every device-function call (each ``tl.sum`` of each program), the same fixed
replacements the launch already made; a call whose modules the launch (or an earlier call in it)
has patched skips that work (a layer norm's check under the interpreter: 16% less time).

:func:`apply` does nothing unless ``TRITON_INTERPRET`` is set to a true value (``1``, ``true``,
``on``, ``yes``) and ``triton`` imports; it is idempotent. ``gradspec.check``,
``gradspec.check_module`` and ``gradspec.run`` apply it when they are first loaded from the
``gradspec`` package (:func:`apply_if_enabled`); call :func:`apply` yourself where you import
them from elsewhere. :func:`cannot_run` turns an error of a kernel launch that the interpreter
cannot get past (a GPU driver queried outside the kernel, a Triton feature it lacks) into a
one-line reason.
"""

from __future__ import annotations

import math
import os
import sys
import threading

#: the module names whose functions are libdevice math (the stubs and the backends' externs)
LIBDEVICE_MODULES = (
    "triton.language.extra.libdevice",
    "triton.language.extra.cuda.libdevice",
    "triton.language.extra.hip.libdevice",
)

_TRUE = ("1", "true", "on", "yes")
_applied: list[str] = []


def enabled() -> bool:
    """Whether ``TRITON_INTERPRET`` asks for Triton's interpreter."""
    return os.environ.get("TRITON_INTERPRET", "").strip().lower() in _TRUE


def applied() -> tuple[str, ...]:
    """The patches in place (names of :data:`PATCHES`), empty before :func:`apply`."""
    return tuple(_applied)


# ----- the NumPy versions of libdevice functions --------------------------------------------------


def _np():
    import numpy as np

    return np


def _vectorized(fn):
    def run(x):
        np = _np()
        return np.vectorize(fn, otypes=[x.dtype])(x) if x.size else x.copy()

    return run


def _round_half_away(x):
    np = _np()
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _libdevice_table():
    np = _np()
    rsqrt = lambda x: 1 / np.sqrt(x)  # noqa: E731
    unary = {
        "abs": np.abs, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "exp": np.exp,
        "exp2": np.exp2, "exp10": lambda x: np.power(x.dtype.type(10), x), "expm1": np.expm1,
        "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt,
        "sqrt_rn": np.sqrt, "rsqrt": rsqrt, "rsqrt_rn": rsqrt, "rcp_rn": lambda x: 1 / x,
        "cbrt": np.cbrt, "rcbrt": lambda x: 1 / np.cbrt(x), "sin": np.sin, "cos": np.cos,
        "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh,
        "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh, "acosh": np.arccosh,
        "atanh": np.arctanh, "erf": _vectorized(math.erf), "erfc": _vectorized(math.erfc),
        "lgamma": _vectorized(math.lgamma), "tgamma": _vectorized(math.gamma),
        "rint": np.rint, "nearbyint": np.rint, "round": _round_half_away,
        "sinpi": lambda x: np.sin(np.pi * x), "cospi": lambda x: np.cos(np.pi * x),
        "fast_expf": np.exp, "fast_logf": np.log, "fast_log2f": np.log2,
        "fast_log10f": np.log10, "fast_exp10f": lambda x: np.power(x.dtype.type(10), x),
        "fast_sinf": np.sin, "fast_cosf": np.cos, "fast_tanf": np.tan, "fast_tanhf": np.tanh,
        "saturatef": lambda x: np.clip(x, 0, 1),
    }  # fmt: skip
    binary = {
        "pow": np.power, "fast_powf": np.power, "atan2": np.arctan2, "hypot": np.hypot,
        "rhypot": lambda x, y: 1 / np.hypot(x, y), "fmod": np.fmod, "remainder": np.remainder,
        "copysign": np.copysign, "fdim": lambda x, y: np.maximum(x - y, 0), "nextafter":
        np.nextafter, "div_rn": np.true_divide, "fast_dividef": np.true_divide,
        "add_rn": np.add, "sub_rn": np.subtract, "mul_rn": np.multiply,
    }  # fmt: skip
    ternary = {"fma": lambda x, y, z: x * y + z, "fma_rn": lambda x, y, z: x * y + z}
    predicates = {"isnan": np.isnan, "isinf": np.isinf, "signbit": np.signbit,
                  "finitef": np.isfinite, "isfinited": np.isfinite}  # fmt: skip
    return unary, binary, ternary, predicates


def _promote(args):
    """The arguments as interpreter tensors of one dtype and shape, as Triton promotes the
    operands of an elementwise op."""
    from triton.runtime.interpreter import interpreter_semantic as sem

    xs = [sem.to_tensor(a) for a in args]
    if len(xs) == 1:
        return xs
    for i in range(1, len(xs)):
        xs[0], xs[i] = sem.binary_op_type_checking_impl(xs[0], xs[i])
    for i in range(1, len(xs)):  # the later operands met only the promoted first one
        xs[0], xs[i] = sem.binary_op_type_checking_impl(xs[0], xs[i])
    return xs


def _libdevice_function(name, fn, predicate=False):
    def libdevice(*args, _semantic=None, **_):
        import triton.language as tl
        from triton.runtime.interpreter import TensorHandle

        np = _np()
        xs = _promote(args)
        with np.errstate(all="ignore"):
            data = np.asarray(fn(*[x.handle.data for x in xs]))
        if predicate:
            scalar = tl.int32
            data = data.astype(np.int32)
        else:
            scalar = xs[0].dtype
            data = data.astype(xs[0].handle.data.dtype, copy=False)
        ty = tl.block_type(scalar, xs[0].type.shape) if xs[0].type.is_block() else scalar
        return tl.tensor(TensorHandle(data, scalar), ty)

    libdevice.__name__ = libdevice.__qualname__ = name
    libdevice.__doc__ = f"libdevice {name} on the interpreter's NumPy arrays (gradspec)."
    return libdevice


def _missing_libdevice(name):
    def libdevice(*args, _semantic=None, **_):
        raise NotImplementedError(
            f"libdevice.{name} has no NumPy version in gradspec.triton_interpreter: this kernel "
            "cannot run under Triton's interpreter"
        )

    libdevice.__name__ = libdevice.__qualname__ = name
    return libdevice


_LIBDEVICE_CACHE: dict = {}


def libdevice_implementations() -> dict:
    """name -> the interpreter version of every libdevice function with a NumPy version."""
    if not _LIBDEVICE_CACHE:
        unary, binary, ternary, predicates = _libdevice_table()
        for table in (unary, binary, ternary):
            for name, fn in table.items():
                _LIBDEVICE_CACHE[name] = _libdevice_function(name, fn)
        for name, fn in predicates.items():
            _LIBDEVICE_CACHE[name] = _libdevice_function(name, fn, predicate=True)
    return _LIBDEVICE_CACHE


def _is_libdevice(value) -> bool:
    return callable(value) and getattr(value, "__module__", None) in LIBDEVICE_MODULES


def _replacement(value):
    name = value.__name__
    return libdevice_implementations().get(name) or _missing_libdevice(name)


def _bind_libdevice(fn, scope) -> None:
    """Bind, in ``scope`` (Triton's record of its launch-time patches), the libdevice functions
    the kernel ``fn`` can see to their interpreter versions."""
    module = sys.modules.get(getattr(fn, "__module__", None) or "")
    names = getattr(fn, "__globals__", {})
    if module is not None and getattr(module, "__dict__", None) is names:
        for name, value in list(names.items()):
            if _is_libdevice(value):
                scope.set_attr(module, name, _replacement(value))
    for modname in LIBDEVICE_MODULES:
        lib = sys.modules.get(modname)
        if lib is None:
            continue
        for name, value in list(vars(lib).items()):
            if not name.startswith("_") and _is_libdevice(value):
                scope.set_attr(lib, name, _replacement(value))


# ----- the patches ----------------------------------------------------------------------------


def _patch_float_arguments(interpreter) -> None:
    original = interpreter._implicit_cvt

    def _implicit_cvt(arg):
        if isinstance(arg, float):
            import numpy as np
            import triton.language as tl

            handle = interpreter.TensorHandle(np.array([arg], dtype=np.float32), tl.float32)
            return tl.tensor(handle, tl.float32)
        return original(arg)

    _implicit_cvt.__wrapped__ = original
    interpreter._implicit_cvt = _implicit_cvt


def _langs(fn) -> frozenset:
    """The ids of Triton's language modules that ``fn`` sees (those Triton patches for it)."""
    import triton.language as tl

    found = getattr(fn, "__globals__", {}).values()
    return frozenset(id(v) for v in found if v is tl or v is tl.core)


class _Launch:
    """A kernel launch in progress: Triton's scope of its patches (restored at its end), the
    language modules patched so far, and the device functions met in it."""

    def __init__(self, scope, fn) -> None:
        self.scope, self.langs, self.device_functions = scope, _langs(fn), set()

    def patches(self, fn) -> bool:
        """For the device function ``fn`` called in this launch: True where Triton's patches
        for it are in place already (the libdevice bindings are then made here, once), so its
        work can be skipped; False where Triton must patch now (``fn``'s modules are noted as
        patched from then on).

        Triton's interpreter patches the language anew at every device-function call (every
        ``tl.sum`` of every program): the same fixed replacements, on the modules ``fn`` sees.
        Those the launch patched, or an earlier device-function call of the launch, are patched
        still. (Triton restores a launch's own patches at its end and keeps those of
        device-function calls, as it did before.)"""
        if fn in self.device_functions:
            return True
        self.device_functions.add(fn)
        langs = _langs(fn)
        if langs and langs <= self.langs:
            _bind_libdevice(fn, self.scope)
            return True
        self.langs |= langs
        return False


#: the launches in progress, innermost last (per thread)
_launches = threading.local()


def _patch_libdevice(interpreter) -> None:
    original = interpreter._patch_lang

    def _patch_lang(fn):
        """Triton's patches for ``fn``, with the libdevice functions it sees bound. A launch's
        scope is restored after the launch; a device function called inside a kernel gets a
        scope that Triton drops, so its bindings go into the launch's scope instead (else they
        would outlive the launch)."""
        open_ = getattr(_launches, "open", None)
        if open_ is None:
            open_ = _launches.open = []
        caller = sys._getframe(1).f_locals.get("self")
        if not isinstance(caller, getattr(interpreter, "GridExecutor", ())):
            # a device function (or one called outside any kernel: Triton keeps its patches)
            if open_ and open_[-1].patches(fn):
                return type(open_[-1].scope)()  # nothing to patch: Triton drops this scope
            scope = original(fn)
            _bind_libdevice(fn, open_[-1].scope if open_ else scope)
            return scope
        scope = original(fn)
        _bind_libdevice(fn, scope)
        launch = _Launch(scope, fn)
        restore = scope.restore

        def restore_and_close():
            try:
                restore()
            finally:
                if launch in open_:
                    open_.remove(launch)

        scope.restore = restore_and_close
        open_.append(launch)
        return scope

    _patch_lang.__wrapped__ = original
    interpreter._patch_lang = _patch_lang


def _patch_math_attributes(interpreter) -> None:
    original = interpreter._patch_lang_math

    def _patch_lang_math(lang, *args, **kwargs):
        module = getattr(lang, "math", None)  # triton.language.math
        kept = {k: v for k, v in vars(module).items() if k[:2] == k[-2:] == "__"} if module else {}
        try:
            return original(lang, *args, **kwargs)
        finally:
            for name, value in kept.items():
                setattr(module, name, value)

    _patch_lang_math.__wrapped__ = original
    interpreter._patch_lang_math = _patch_lang_math


def _patch_autotune(autotuner) -> None:
    original = autotuner.Autotuner._bench

    def _bench(self, *args, config, **meta):
        return [0.0, 0.0, 0.0]  # no timing on the interpreter: min() keeps the first config

    _bench.__wrapped__ = original
    autotuner.Autotuner._bench = _bench


#: name -> (what it patches, why); the order :func:`apply` applies them in
PATCHES = {
    "float-arguments": (
        "triton.runtime.interpreter._implicit_cvt",
        "a Python float argument arrives as an fp32 scalar tensor, as compiled kernels get it",
    ),
    "libdevice": (
        "triton.runtime.interpreter._patch_lang",
        "libdevice functions a kernel sees run as NumPy math instead of returning None",
    ),
    "module-attributes": (
        "triton.runtime.interpreter._patch_lang_math",
        "triton.language.math keeps its __file__, __name__, ... (triton 2.x replaces them with "
        "functions at each launch, which breaks Hypothesis's search for constants)",
    ),
    "autotune": (
        "triton.runtime.autotuner.Autotuner._bench",
        "configs are not timed (no GPU driver); the first config after pruning is used",
    ),
}


def apply() -> tuple[str, ...]:
    """Patch the loaded ``triton`` for its interpreter (see the module's docstring) and return
    the names of the patches in place. Nothing happens where ``TRITON_INTERPRET`` is not set or
    ``triton`` does not import (an empty tuple), nor for a patch whose target this triton does
    not have; a second call changes nothing."""
    if not enabled():
        return applied()
    try:
        from triton.runtime import autotuner, interpreter
    except Exception:  # triton missing, or its interpreter unusable here
        return applied()
    steps = {  # name -> (the module patched, the object holding the target, the target, how)
        "float-arguments": (interpreter, interpreter, "_implicit_cvt", _patch_float_arguments),
        "libdevice": (interpreter, interpreter, "_patch_lang", _patch_libdevice),
        "module-attributes": (interpreter, interpreter, "_patch_lang_math", _patch_math_attributes),
        "autotune": (autotuner, getattr(autotuner, "Autotuner", None), "_bench", _patch_autotune),
    }
    for name in PATCHES:
        module, owner, attr, patch = steps[name]
        # a triton without the target has another design there: leave it alone
        if name not in _applied and callable(getattr(owner, attr, None)):
            patch(module)
            _applied.append(name)
    return applied()


def apply_if_enabled() -> tuple[str, ...]:
    """:func:`apply` where ``TRITON_INTERPRET`` is set and ``triton`` is already imported or
    importable; never raises."""
    if not enabled():
        return applied()
    try:
        return apply()
    except Exception:  # a triton whose internals moved: run unpatched rather than fail here
        return applied()


#: (text in the error, the one-line reason) for errors the interpreter cannot get past
_CANNOT_RUN = (
    ("0 active drivers", "needs a GPU driver outside the kernel (a device query or benchmark)"),
    ("extern_elementwise not supported", "calls an extern library function the interpreter "
     "lacks"),
    ("has no NumPy version in gradspec", "calls a libdevice function without a NumPy version"),
    ("Torch not compiled with CUDA", "creates CUDA tensors or streams itself"),
    ("not supported in interpreter mode", "uses a Triton feature the interpreter lacks"),
)  # fmt: skip


def cannot_run(exc: BaseException) -> str | None:
    """A one-line reason why a kernel cannot run under the interpreter, where ``exc`` (an error
    of running it) is one that no input avoids; None for any other error."""
    text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        text += f" <- {type(cause).__name__}: {cause}"
    for needle, reason in _CANNOT_RUN:
        if needle in text:
            first = text.splitlines()[0] if text else ""
            return f"{reason} ({first[:160]})"
    return None
