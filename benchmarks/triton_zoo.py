"""Triton zoo: the Triton kernels of ``examples/triton_kernels.py`` (two correct Functions, four
planted bugs) through what a careful user does today: ``torch.autograd.gradcheck`` and
``gradgradcheck`` (fast_mode, float64) on one input of the small shape a user would pick, and, to
tell the shape from the check, ``gradcheck`` again at a shape past the block and row-group sizes.
Prints a table, then the wall time of ``pytest -q tests/examples/test_triton_kernels.py``.

Without a GPU the kernels run under Triton's interpreter; this script sets ``TRITON_INTERPRET=1``
before anything imports triton, unless it is set already.

    python benchmarks/triton_zoo.py                  # the table and the test module's time
    python benchmarks/triton_zoo.py --no-tests       # the table only
    python benchmarks/triton_zoo.py --shape 4 8 --large 9 129
"""

import os
import sys

if "TRITON_INTERPRET" not in os.environ and "triton" not in sys.modules:
    import torch

    if not torch.cuda.is_available():
        os.environ["TRITON_INTERPRET"] = "1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from torch.autograd.gradcheck import GradcheckError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from examples import triton_kernels as K  # noqa: E402

TEST_MODULE = os.path.join("tests", "examples", "test_triton_kernels.py")


def make_inputs(name, n, d, seed=0):
    gen = torch.Generator().manual_seed(seed)
    args = [torch.randn(n, d, generator=gen, dtype=torch.float64)]
    if K.KERNELS[name][1] == K.LAYER_NORM:
        args += [torch.randn(d, generator=gen, dtype=torch.float64) for _ in range(2)]
    return tuple(a.to(K.default_device()).requires_grad_() for a in args)


def skip_slow_mode_messages():
    """On a fast-mode mismatch gradcheck recomputes the whole slow-mode Jacobian (every input
    element perturbed) just for its error message, with raise_exception=False too: minutes under
    the interpreter at (9, 129). Only pass/fail is wanted here, so that step is skipped (a private
    torch function; left alone where it is missing)."""
    module = sys.modules["torch.autograd.gradcheck"]
    if hasattr(module, "_run_slow_mode_and_get_error"):
        module._run_slow_mode_and_get_error = lambda *args, **kwargs: ""


def outcome(check, fn, args):
    """'pass', 'FAIL' (GradcheckError or False), or 'error: <the first line>'."""
    try:
        ok = check(fn, args, fast_mode=True, raise_exception=True)
    except GradcheckError:
        return "FAIL"
    except RuntimeError as exc:
        return f"error: {str(exc).strip().splitlines()[0][:40]}"
    return "pass" if ok else "FAIL"


def once_differentiable(fn, args):
    """Whether fn's backward is once_differentiable: its gradients (taken with create_graph) hang
    off an Error node fed by detached copies, so they do not depend on the inputs at all."""
    out = fn(*args)
    cotangent = torch.ones_like(out, requires_grad=True)  # as gradgradcheck's
    grads = torch.autograd.grad(out, args, cotangent, create_graph=True)
    return any(type(g.grad_fn).__name__ == "Error" for g in grads if g is not None)


def verdict(bug, gc, ggc, once):
    # a gradgradcheck failure of a once_differentiable backward says nothing about the bug: it
    # fails for the correct Functions too
    failed = gc != "pass" or (ggc != "pass" and not once)
    if bug is None:
        return "false alarm" if failed else "ok"
    return "caught" if failed else "MISSED"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=2, default=[4, 8], metavar=("N", "D"))
    parser.add_argument(
        "--large",
        type=int,
        nargs=2,
        default=[K.ROWS_PER_GROUP + 1, K.BLOCK_SIZE + 1],
        metavar=("N", "D"),
        help="the second gradcheck's shape (default: one row group and one block past)",
    )
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test module")
    parser.add_argument(
        "--slow-mode-messages",
        action="store_true",
        help="let gradcheck recompute slow-mode Jacobians for its failure messages (slow)",
    )
    opts = parser.parse_args(argv)
    if not opts.slow_mode_messages:
        skip_slow_mode_messages()

    reason = K.available()
    if reason is not None:
        print(f"the Triton kernels cannot run here: {reason}")
        return 1
    import triton

    small, large = tuple(opts.shape), tuple(opts.large)
    mode = "interpreter (TRITON_INTERPRET=1)" if K.INTERPRETED else "native"
    print(
        f"triton {triton.__version__}, torch {torch.__version__}, {mode} on "
        f"{K.default_device()}; BLOCK_SIZE={K.BLOCK_SIZE}, ROWS_PER_GROUP={K.ROWS_PER_GROUP}"
    )
    print("gradcheck / gradgradcheck: fast_mode=True, float64\n")
    head = (
        f"{'Function':34s} {'planted bug':28s} {'gradcheck ' + str(small):18s} "
        f"{'gradgradcheck ' + str(small):22s} {'verdict':12s} {'gradcheck ' + str(large):20s} "
        f"{'time':>6s}"
    )
    print(head)
    print("-" * len(head))
    for name, (_, _, bug) in K.KERNELS.items():
        fn = K.as_callable(name)
        t0 = time.perf_counter()
        gc = outcome(torch.autograd.gradcheck, fn, make_inputs(name, *small))
        ggc = outcome(torch.autograd.gradgradcheck, fn, make_inputs(name, *small))
        once = once_differentiable(fn, make_inputs(name, *small))
        if once and ggc == "FAIL":
            ggc = "FAIL (once_diff.)*"
        gc_large = outcome(torch.autograd.gradcheck, fn, make_inputs(name, *large))
        seconds = time.perf_counter() - t0
        print(
            f"{name:34s} {bug or '-':28s} {gc:18s} {ggc:22s} {verdict(bug, gc, ggc, once):12s} "
            f"{gc_large:20s} {seconds:5.1f}s"
        )
    print(
        "\nverdict: from the small-shape checks only (what the user ran).\n"
        "* the backward is once_differentiable: its gradients hang off an Error node fed by\n"
        "  detached copies, so gradgradcheck (allow_unused) sees them as independent of the\n"
        "  inputs and reports 'Jacobian mismatch ... analytical: 0' instead of the\n"
        "  once_differentiable error (which only .backward() through that node raises); this\n"
        "  fails the correct Functions too, so it is not counted in the verdict.\n"
        "fast mode compares one random projection v^T J u (u, v unit vectors over all entries):\n"
        "  a wrong term that is small per entry, like softmax's rank-one y y^T at long rows,\n"
        "  can stay under its tolerance."
    )

    if not opts.no_tests:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST_MODULE],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - t0
        tail = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr
        print(f"\npytest -q {TEST_MODULE}: {tail} (wall {seconds:.1f}s, {mode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
