"""gradspec.triton_interpreter: kernels written for the compiler run under Triton's interpreter
once it is applied — a float scalar argument used as a Triton scalar, libdevice math imported by
name, through the module and from the CUDA backend's module, autotuning with several configs —
and Triton's own bindings are back after each launch."""

import os
import subprocess
import sys

import pytest
import torch

from examples import triton_kernels as K

_reason = K.available()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)
if not K.INTERPRETED:
    pytest.skip("the kernels run compiled here (a GPU): nothing to patch", allow_module_level=True)

import triton  # noqa: E402
import triton.language as tl  # noqa: E402
from triton.language.extra import libdevice  # noqa: E402
from triton.language.extra.libdevice import rsqrt, tanh  # noqa: E402

from gradspec import triton_interpreter as TI  # noqa: E402

try:
    from triton.language.extra.cuda import libdevice as cuda_libdevice
except ImportError:  # pragma: no cover - a triton built without the CUDA backend
    cuda_libdevice = None

BLOCK = 16


@triton.jit
def _scale_by_eps(X, Y, n, eps, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    x = tl.load(X + cols, mask=cols < n, other=0.0)
    eps = eps.to(tl.float32)  # a float argument is an fp32 scalar when compiled
    tl.store(Y + cols, x * eps, mask=cols < n)


@triton.jit
def _libdevice_by_name(X, Y, n, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    x = tl.load(X + cols, mask=cols < n, other=1.0)
    tl.store(Y + cols, tanh(x) + rsqrt(x * x + 1.0), mask=cols < n)


@triton.jit
def _tanh_of(x):
    return tanh(x)


@triton.jit
def _libdevice_in_a_device_function(X, Y, n, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    x = tl.load(X + cols, mask=cols < n, other=0.0)
    tl.store(Y + cols, _tanh_of(x) + tl.sum(x, axis=0), mask=cols < n)


@triton.jit
def _libdevice_by_module(X, Y, n, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    x = tl.load(X + cols, mask=cols < n, other=1.0)
    tl.store(Y + cols, libdevice.exp(x) + libdevice.pow(x, 2.0), mask=cols < n)


@triton.jit
def _libdevice_without_numpy(X, Y, n, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    x = tl.load(X + cols, mask=cols < n, other=1.0)
    tl.store(Y + cols, libdevice.j0(x), mask=cols < n)


if cuda_libdevice is not None:

    @triton.jit
    def _cuda_libdevice(X, Y, n, BLOCK: tl.constexpr):
        cols = tl.arange(0, BLOCK)
        x = tl.load(X + cols, mask=cols < n, other=1.0)
        tl.store(Y + cols, cuda_libdevice.tanh(x), mask=cols < n)


@triton.autotune(
    configs=[triton.Config({"TAG": 1}), triton.Config({"TAG": 2}), triton.Config({"TAG": 3})],
    key=["n"],
)
@triton.jit
def _autotuned(X, Y, n, TAG: tl.constexpr, BLOCK: tl.constexpr):
    cols = tl.arange(0, BLOCK)
    x = tl.load(X + cols, mask=cols < n, other=0.0)
    tl.store(Y + cols, x + TAG, mask=cols < n)


@pytest.fixture(scope="module", autouse=True)
def patched():
    return TI.apply()


def needs(patch):
    return pytest.mark.skipif(
        patch not in TI.apply(), reason=f"this triton has no target for the {patch} patch"
    )


def _run(kernel, x, *args):
    y = torch.empty_like(x)
    kernel[(1,)](x, y, x.numel(), *args, BLOCK=BLOCK)
    return y


X = torch.linspace(-2.0, 2.0, 11)


def test_apply_names_its_patches_and_is_idempotent(patched):
    assert patched and set(patched) <= set(TI.PATCHES)
    from triton.runtime import interpreter

    patch_lang = interpreter._patch_lang
    assert TI.apply() == patched
    assert interpreter._patch_lang is patch_lang  # not wrapped twice
    if "libdevice" in patched:
        assert not hasattr(patch_lang.__wrapped__, "__wrapped__")


@needs("float-arguments")
def test_float_argument_is_an_fp32_scalar():
    assert torch.equal(_run(_scale_by_eps, X, 0.25), X * 0.25)


@needs("libdevice")
def test_libdevice_imported_by_name():
    want = torch.tanh(X) + torch.rsqrt(X * X + 1)
    torch.testing.assert_close(_run(_libdevice_by_name, X), want)


@needs("libdevice")
def test_libdevice_through_the_module():
    torch.testing.assert_close(_run(_libdevice_by_module, X), torch.exp(X) + X**2)


@needs("libdevice")
def test_libdevice_in_float64_stays_float64():
    x = X.double()
    got = _run(_libdevice_by_name, x)
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, torch.tanh(x) + torch.rsqrt(x * x + 1), rtol=1e-12, atol=0)


@needs("libdevice")
@pytest.mark.skipif(cuda_libdevice is None, reason="this triton has no CUDA libdevice module")
def test_cuda_backend_libdevice():
    torch.testing.assert_close(_run(_cuda_libdevice, X), torch.tanh(X))


@needs("libdevice")
def test_bindings_are_restored_after_a_launch():
    _run(_libdevice_by_name, X)
    assert globals()["tanh"] is tanh and tanh.__module__ == "triton.language.extra.libdevice"
    assert libdevice.exp.__module__ == "triton.language.extra.libdevice"


@needs("libdevice")
def test_libdevice_without_numpy_version_names_itself():
    with pytest.raises(Exception) as info:
        _run(_libdevice_without_numpy, X)
    assert "libdevice.j0" in str(info.value)
    assert TI.cannot_run(info.value).startswith("calls a libdevice function without")


@needs("autotune")
def test_autotune_uses_the_first_config_without_a_driver():
    assert torch.equal(_run(_autotuned, X), X + 1)


def test_cannot_run_is_none_for_an_ordinary_error():
    assert TI.cannot_run(ValueError("expected a 2-D input")) is None
    reason = TI.cannot_run(RuntimeError("0 active drivers ([]). There should only be one."))
    assert reason.startswith("needs a GPU driver")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU driver is there")
def test_cannot_run_names_a_gpu_driver_query():
    with pytest.raises(RuntimeError) as info:
        triton.runtime.driver.active.get_current_device()
    assert TI.cannot_run(info.value).startswith("needs a GPU driver outside the kernel")


def test_gradspec_check_applies_it_under_the_interpreter():
    code = "import gradspec, gradspec.triton_interpreter as t; gradspec.check; print(t.applied())"
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr(TI.apply())


def test_nothing_is_patched_or_imported_without_the_interpreter():
    code = (
        "import sys, gradspec.triton_interpreter as t; r = t.apply(); "
        "print(r, 'triton' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["()", "False"]


@needs("libdevice")
def test_bindings_made_for_a_device_function_are_restored_after_the_launch():
    """Triton patches a device function called inside a kernel (``_tanh_of``, ``tl.sum``) with
    a scope it never restores: its libdevice bindings go into the launch's scope."""
    got = _run(_libdevice_in_a_device_function, X)
    torch.testing.assert_close(got, torch.tanh(X) + X.sum())
    assert libdevice.tanh.__module__ == "triton.language.extra.libdevice"
    assert globals()["tanh"].__module__ == "triton.language.extra.libdevice"


@triton.jit
def _device_functions_per_program(X, Y, n, BLOCK: tl.constexpr):
    cols = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    x = tl.load(X + cols, mask=cols < n, other=0.0)
    tl.store(Y + cols, _tanh_of(x) + tl.sum(x, axis=0), mask=cols < n)


def _patch_work(monkeypatch, programs: int) -> tuple[torch.Tensor, int]:
    """The output of a launch of ``programs`` programs, each calling two device functions, and
    how many times Triton's interpreter patched a language module during it."""
    from triton.runtime import interpreter

    calls = []
    original = interpreter._patch_builtin
    monkeypatch.setattr(interpreter, "_patch_builtin", lambda *a: calls.append(a) or original(*a))
    x = torch.linspace(-2.0, 2.0, programs * BLOCK)
    y = torch.empty_like(x)
    _device_functions_per_program[(programs,)](x, y, x.numel(), BLOCK=BLOCK)
    monkeypatch.undo()
    return y, len(calls)


@needs("libdevice")
def test_device_function_calls_do_not_patch_the_language_again(monkeypatch):
    """Triton patches the language at every device-function call, in every program; once the
    launch (or the function's first call) has patched it, the later calls find it patched: the
    work does not grow with the programs, and the values are the same."""
    one, work_one = _patch_work(monkeypatch, 1)
    many, work_many = _patch_work(monkeypatch, 6)
    assert work_many == work_one > 0
    x = torch.linspace(-2.0, 2.0, 6 * BLOCK).reshape(6, BLOCK)
    torch.testing.assert_close(many, (torch.tanh(x) + x.sum(1, keepdim=True)).reshape(-1))
    x1 = torch.linspace(-2.0, 2.0, BLOCK)
    torch.testing.assert_close(one, torch.tanh(x1) + x1.sum())
    assert libdevice.tanh.__module__ == "triton.language.extra.libdevice"
