"""What one example of gradspec's full battery costs, next to what a user's gradcheck costs, on
the seed LinearFunction (float64, n = i = o = 8, 20, 64), measured side by side in one run:

* raw: one forward and backward of the Function itself;
* gradspec: ``gradspec.run`` (public API) on the spec with every size fixed to n, per example
  (wall time of the run over the Hypothesis examples it ran, every check included; at 64, an
  example of 64x64 inputs is over ``FULL_BATTERY_ELEMENTS`` and runs the value checks only);
* slow gradcheck: ``gradcheck`` + ``gradgradcheck`` (the full Jacobians);
* fast gradcheck: ``gradcheck(fast_mode=True)`` + ``gradgradcheck(fast_mode=True)``, what a
  careful user picks;

then the wall time of ``gradspec.check`` with its defaults on every seed spec. Each figure is
the best of several interleaved timings (gradspec and fast gradcheck take turns).

    python benchmarks/speed.py [--examples 40] [--reps 5] [--rounds 3] [--no-seeds]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import gradspec  # noqa: E402
from gradspec.functions import seeds  # noqa: E402

SIZES = (8, 20, 64)


def _best(fn, reps: int) -> float:
    """The best of ``reps`` timings of ``fn()`` in seconds (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _inputs(n: int):
    g = torch.Generator().manual_seed(n)
    return tuple(
        torch.randn(*s, dtype=torch.float64, generator=g, requires_grad=True)
        for s in ((n, n), (n, n), (n,))
    )


def raw(n: int, reps: int) -> float:
    xs = _inputs(n)

    def once():
        out = seeds.LinearFunction.apply(*xs)
        torch.autograd.grad(out, xs, torch.ones_like(out))

    return _best(once, reps)


def gradchecks(n: int, reps: int, fast: bool) -> float:
    xs = _inputs(n)
    f = seeds.LinearFunction.apply

    def once():
        assert torch.autograd.gradcheck(f, xs, fast_mode=fast)
        assert torch.autograd.gradgradcheck(f, xs, fast_mode=fast)

    return _best(once, 1 if (n >= 64 and not fast) else reps)


def linear_spec(n: int):
    return gradspec.spec(
        seeds.LinearFunction.apply,
        seeds._linear_ref,
        "(n,i),(o,i),(o)?->(n,o)",
        name="LinearFunction",
        claims={"double_backward": True},
        sizes={"n": n, "i": n, "o": n},
        dtypes=("float64",),
        devices=("cpu",),
    )


def battery(s, examples: int) -> tuple[float, int, bool]:
    """Seconds per example of one ``gradspec.run`` of ``s``, examples run, and whether ok."""
    r = gradspec.run(s, max_examples=examples)
    return r.seconds / max(1, r.examples_run), r.examples_run, r.ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=40, help="gradspec examples per size")
    ap.add_argument("--reps", type=int, default=5, help="timings per baseline (best is kept)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best is kept)")
    ap.add_argument("--no-seeds", action="store_true", help="skip gradspec.check on every seed")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)  # gradspec runs torch on one thread; so do the baselines

    print(f"torch {torch.__version__}, one thread; LinearFunction, float64; times in ms")
    head = ("n", "raw fwd+bwd", "gradspec/example", "fast gc+ggc", "slow gc+ggc",
            "gradspec / fast", "slow / gradspec")  # fmt: skip
    print(" | ".join(head))
    print(" | ".join("-" * len(h) for h in head))
    for n in SIZES:
        spec = linear_spec(n)
        gradspec.run(spec, max_examples=3)  # warm-up: imports, the reference's first calls
        per, fast = (float("inf"), None), float("inf")
        for _ in range(a.rounds):  # interleaved, so a busy moment slows both alike
            got = battery(spec, a.examples)
            per = min(per, got, key=lambda x: x[0])
            fast = min(fast, gradchecks(n, a.reps, True))
        _, count, ok = per
        per = per[0]
        r = raw(n, a.reps)
        slow = gradchecks(n, a.reps, False)
        print(
            f"{n} | {r * 1e3:.2f} | {per * 1e3:.2f} ({count} examples, ok={ok}) | "
            f"{fast * 1e3:.2f} | {slow * 1e3:.1f} | {per / fast:.2f} | {slow / per:.1f}"
        )

    if not a.no_seeds:
        print()
        print("gradspec.check with defaults (profile examples, float32 and float64)")
        print("spec | wall s | CPU s | example runs | ok")
        print("--- | --- | --- | --- | ---")
        for s in seeds.SPECS:
            t, c = time.perf_counter(), time.process_time()
            r = gradspec.run(s)
            print(
                f"{s.label} | {time.perf_counter() - t:.2f} | {time.process_time() - c:.2f} | "
                f"{r.examples_run} | {r.ok}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
