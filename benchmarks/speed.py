"""Per-example cost of gradspec's full battery vs one ``torch.autograd.gradcheck`` call, on the
seed LinearFunction at 20x20 float64; and the wall time of ``gradspec.check`` with defaults.

    python benchmarks/speed.py
"""

from __future__ import annotations

import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import gradspec  # noqa: E402
from gradspec.functions import gradcheck as gradcheck_shim  # noqa: E402
from gradspec.functions import seeds  # noqa: E402
from gradspec.functions.case import Case, NotApplicable  # noqa: E402
from gradspec.functions.checker import resolve_namespace  # noqa: E402
from gradspec.functions.checks import checks_for  # noqa: E402
from gradspec.functions.examples import Example  # noqa: E402


def battery_once(spec, example, T) -> None:
    for chk in checks_for(spec.reference is not None):
        try:
            chk.run(Case(spec, spec.parsed(), example, T))
        except NotApplicable:
            pass


def main() -> int:
    torch.set_num_threads(1)
    spec = seeds.linear
    T = resolve_namespace(None)
    n = 20
    examples = [
        Example(
            "float64",
            "cpu",
            ((n, n), (n, n), (n,)),
            (True, True, True),
            ("contiguous",) * 3,
            ("contiguous",),
            seed,
        ).with_values()
        for seed in range(5)
    ]
    battery_once(spec, examples[0], T)  # warm-up
    t = time.perf_counter()
    for ex in examples:
        battery_once(spec, ex, T)
    per_example = (time.perf_counter() - t) / len(examples)

    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in examples[0].values]
    gradcheck_shim.gradcheck(spec.fn, xs)  # warm-up
    reps = 3
    t = time.perf_counter()
    for _ in range(reps):
        gradcheck_shim.gradcheck(spec.fn, xs)
    gc_time = (time.perf_counter() - t) / reps
    print(
        f"LinearFunction 20x20 float64: full battery ({len(checks_for(True))} checks) "
        f"{per_example * 1e3:.1f} ms per example; one gradcheck {gc_time * 1e3:.1f} ms; "
        f"ratio {gc_time / per_example:.1f}x"
    )

    for s in (seeds.linear, seeds.exp):
        t, c = time.perf_counter(), time.process_time()
        r = gradspec.run(s)
        print(
            f"gradspec.check({s.label}) with defaults: {time.perf_counter() - t:.2f} s "
            f"({time.process_time() - c:.2f} s CPU), {r.examples_run} example runs, ok={r.ok}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
