"""The kernel authors' zoo (``tests/fixtures/kernel_functions.py``, and the Triton kernels of
``examples/triton_kernels.py`` when they can run here) through gradspec.check and through
gradcheck + gradgradcheck, side by side: which planted bugs each catches, which check catches
them, and whether the correct versions pass.

    python benchmarks/kernel_zoo.py [--no-triton]
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import torch  # noqa: E402

import gradspec  # noqa: E402
from gradspec.functions import gradcheck as gc_shim  # noqa: E402
from tests.fixtures import kernel_functions as kf  # noqa: E402


def _gradcheck_catches(fn, sig: str) -> bool:
    """gradcheck + gradgradcheck (fast mode, float64) at the small shapes a user would pick."""
    from gradspec.functions.signature import parse_signature

    sizes = {"n": 4, "d": 8, "i": 3, "o": 2}
    shapes = [tuple(int(d) if d.isdigit() else sizes.get(d, 3) for d in core)
              for core in parse_signature(sig).inputs]  # fmt: skip
    xs = [torch.randn(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    try:
        gc_shim.gradcheck(fn, xs, fast_mode=True)
        gc_shim.gradgradcheck(fn, xs, fast_mode=True)
    except Exception:  # noqa: BLE001 - a failed check or the Function raising
        return True
    return False


def run_case(name, good, bad, ref, sig, check, options, module=False):
    run = gradspec.check_module if module else gradspec.check
    t = time.perf_counter()
    g = run(good() if module else good, ref, sig, **options)
    b = run(bad() if module else bad, ref, sig, **options)
    seconds = time.perf_counter() - t
    others = sorted({o.check for o in b.outcomes} - {check})
    only = run(bad() if module else bad, ref, sig, checks=others, **options).ok
    gc = None if module else _gradcheck_catches(bad, sig)
    return {
        "case": name,
        "correct passes": g.ok,
        "bug caught": not b.ok,
        "by": ",".join(sorted(b.failed_checks())),
        "expected check": check,
        "others miss it": only,
        "gradcheck catches": gc,
        "seconds": round(seconds, 1),
    }


def main() -> int:
    rows = []
    for name, (good, bad, ref, sig, check, opts) in kf.CASES.items():
        rows.append(run_case(name, good, bad, ref, sig, check, opts))
    for name, (good, bad, ref, sig, check, opts) in kf.MODULE_CASES.items():
        rows.append(run_case(name, good, bad, ref, sig, check, opts, module=True))
    if "--no-triton" not in sys.argv:
        rows += triton_rows()
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r[k]) for k in keys) + " |")
    bad = [r for r in rows if not (r["correct passes"] and r["bug caught"])]
    return 1 if bad else 0


def triton_rows() -> list:
    os.environ.setdefault("TRITON_INTERPRET", "0" if torch.cuda.is_available() else "1")
    try:
        from examples import triton_kernels as tk
    except Exception as e:  # noqa: BLE001 - triton missing
        print(f"(Triton kernels skipped: {e})")
        return []
    why = tk.available()
    if why:
        print(f"(Triton kernels skipped: {why})")
        return []
    out = []
    for name, (cls, sig, bug) in tk.KERNELS.items():
        if bug is None:
            continue
        good = next(c for c, s, b in tk.KERNELS.values() if b is None and s == sig)
        ref, opts = triton_spec(tk, sig)
        t = time.perf_counter()
        g = gradspec.check(good.apply, ref, **opts)
        b = gradspec.check(cls.apply, ref, **opts)
        out.append({
            "case": f"triton {name}", "correct passes": g.ok, "bug caught": not b.ok,
            "by": ",".join(sorted(b.failed_checks())), "expected check": bug,
            "others miss it": None, "gradcheck catches": None,
            "seconds": round(time.perf_counter() - t, 1),
        })  # fmt: skip
    return out


def triton_spec(tk, sig: str):
    """The reference and the options a Triton kernel's author passes: the block sizes (128
    columns, 8 rows per group), few rows for the softmax (its rows are independent programs,
    each costly under the interpreter), no double backward (once_differentiable)."""
    opts = {"block_sizes": (tk.BLOCK_SIZE, tk.ROWS_PER_GROUP), "dtypes": ["float32", "float64"],
            "claims": {"double_backward": False}}  # fmt: skip
    if sig == tk.SOFTMAX:
        return (lambda x: x.softmax(-1)), {**opts, "signature": sig, "sizes": {"n": range(1, 4)}}

    return _layer_norm, {**opts, "signature": "(n,d),(d),(d)->(n,d)", "args": {3: tk.EPS}}


def _layer_norm(x, w, b, eps):
    import gradref

    return gradref.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


if __name__ == "__main__":
    sys.exit(main())
