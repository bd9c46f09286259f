"""What one example of gradspec's full battery costs, next to what a user's gradcheck costs, on
the seed LinearFunction (float64, n = i = o = 8, 20, 64, 128), measured side by side in one run:

* raw: one forward and backward of the Function itself;
* gradspec: ``gradspec.run`` (public API) on the spec with every size fixed to n, per example
  (wall time of the run over the Hypothesis examples it ran, every check included; at 64 and
  128, an example of nxn inputs is over ``FULL_BATTERY_ELEMENTS`` and runs the value checks
  only);
* fast gradcheck: ``gradcheck(fast_mode=True)`` + ``gradgradcheck(fast_mode=True)``, what a
  careful user picks;
* slow gradcheck: ``gradcheck`` + ``gradgradcheck`` (the full Jacobians; at n <= 20 only, unless
  ``--slow-all``: at 64 it takes minutes);

then the wall time of ``gradspec.check`` with its defaults on every seed spec. Each figure is
the best of several interleaved timings (gradspec and fast gradcheck take turns), in wall time
and in CPU time of this process (the CPU figures move less when other processes share the
machine; the load average is printed with them). What torch imports on first use (torch._dynamo,
for an optimizer or torch.export) is imported before any timing, and its one-off cost printed.

    python benchmarks/speed.py [--examples 40] [--reps 5] [--rounds 3] [--no-seeds] [--slow-all]
                               [--sizes 8 20 64 128] [--seed-examples N]
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

SIZES = (8, 20, 64, 128)
#: the sizes the full-Jacobian gradcheck runs at by default
SLOW_SIZES = (8, 20)


def _best(fn, reps: int) -> float:
    """The best of ``reps`` timings of ``fn()`` in seconds (after one warm-up call)."""
    return _best2(fn, reps)[0]


def _best2(fn, reps: int) -> tuple[float, float]:
    """The best wall and the best CPU time of ``reps`` calls of ``fn()`` in seconds (after one
    warm-up call)."""
    fn()
    wall = cpu = float("inf")
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return wall, cpu


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


def _inputs(n: int):
    g = torch.Generator().manual_seed(n)
    return tuple(
        torch.randn(*s, dtype=torch.float64, generator=g, requires_grad=True)
        for s in ((n, n), (n, n), (n,))
    )


def _lazy_imports() -> float:
    """Import what torch imports on first use, and return the seconds it took: torch._dynamo
    (1-1.5 s), which torch loads on the first optimizer, torch.compile or torch.export call of
    a process, and what the first ``torch.export.export`` of a process sets up (about 1 s more;
    a second export of the same module takes 10 ms), and ``onnx`` where it is installed, which the
    export check imports on first use (0.6 s, most of it ml_dtypes, which onnx imports). They are
    paid once per process by whichever spec first needs them (train_steps=, export), so they are
    paid here and reported, not charged to that spec."""
    import warnings

    t = time.perf_counter()
    import torch._dynamo  # noqa: F401

    class Twice(torch.nn.Module):
        def forward(self, x):
            return x * 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.export.export(Twice(), (torch.ones(2),))
    try:
        import onnx  # noqa: F401
    except ImportError:
        pass
    return time.perf_counter() - t


def raw(n: int, reps: int) -> float:
    xs = _inputs(n)

    def once():
        out = seeds.LinearFunction.apply(*xs)
        torch.autograd.grad(out, xs, torch.ones_like(out))

    return _best(once, reps)


def gradchecks(n: int, reps: int, fast: bool) -> float:
    return gradchecks2(n, reps, fast)[0]


def gradchecks2(n: int, reps: int, fast: bool) -> tuple[float, float]:
    """Best wall and CPU seconds of gradcheck + gradgradcheck (fast or full) at size n."""
    xs = _inputs(n)
    f = seeds.LinearFunction.apply

    def once():
        assert torch.autograd.gradcheck(f, xs, fast_mode=fast)
        assert torch.autograd.gradgradcheck(f, xs, fast_mode=fast)

    return _best2(once, 1 if (n >= 64 and not fast) else reps)


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


def battery(s, examples: int) -> tuple[float, int, bool, float]:
    """Wall seconds per example of one ``gradspec.run`` of ``s``, examples run, whether ok, and
    CPU seconds per example."""
    c = time.process_time()
    r = gradspec.run(s, max_examples=examples)
    cpu = time.process_time() - c
    n = max(1, r.examples_run)
    return r.seconds / n, r.examples_run, r.ok, cpu / n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=40, help="gradspec examples per size")
    ap.add_argument("--reps", type=int, default=5, help="timings per baseline (best is kept)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (best is kept)")
    ap.add_argument("--no-seeds", action="store_true", help="skip gradspec.check on every seed")
    ap.add_argument("--slow-all", action="store_true", help="full-Jacobian gradcheck at every n")
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES), help="the sizes n")
    ap.add_argument(
        "--seed-examples", type=int, default=None, help="seed specs: examples per dtype"
    )
    a = ap.parse_args(argv)
    torch.set_num_threads(1)  # gradspec runs torch on one thread; so do the baselines

    print(f"torch {torch.__version__}, one thread; LinearFunction, float64; times in ms")
    lazy = _lazy_imports()
    print(f"lazy imports (torch's, its first export, onnx), paid first: {lazy:.2f} s")
    print(f"at the start: {_load()}, {os.cpu_count()} CPUs")
    head = ("n", "raw fwd+bwd", "gradspec/example", "fast gc+ggc", "slow gc+ggc",
            "gradspec / fast", "CPU: gradspec/example", "CPU: fast gc+ggc",
            "CPU: gradspec / fast", "slow / gradspec")  # fmt: skip
    print(" | ".join(head))
    print(" | ".join("-" * len(h) for h in head))
    for n in a.sizes:
        spec = linear_spec(n)
        gradspec.run(spec, max_examples=3)  # warm-up: imports, the reference's first calls
        per, fast = None, (float("inf"), float("inf"))
        per_cpu = float("inf")
        for _ in range(a.rounds):  # interleaved, so a busy moment slows both alike
            got = battery(spec, a.examples)
            per = got if per is None or got[0] < per[0] else per
            per_cpu = min(per_cpu, got[3])
            f = gradchecks2(n, a.reps, True)
            fast = (min(fast[0], f[0]), min(fast[1], f[1]))
        wall, count, ok, _ = per
        r = raw(n, a.reps)
        slow = gradchecks(n, a.reps, False) if (a.slow_all or n in SLOW_SIZES) else None
        slow_text = "—" if slow is None else f"{slow * 1e3:.1f}"
        ratio = "—" if slow is None else f"{slow / wall:.1f}"
        print(
            f"{n} | {r * 1e3:.2f} | {wall * 1e3:.2f} ({count} examples, ok={ok}) | "
            f"{fast[0] * 1e3:.2f} | {slow_text} | {wall / fast[0]:.2f} | {per_cpu * 1e3:.2f} | "
            f"{fast[1] * 1e3:.2f} | {per_cpu / fast[1]:.2f} | {ratio}"
        )
    print(f"at the end: {_load()}")

    if not a.no_seeds:
        print()
        per = a.seed_examples or "the profile's"
        print(f"gradspec.check with defaults ({per} examples per dtype, float32 and float64)")
        gradspec.run(seeds.SPECS[0], max_examples=3)  # warm-up (when no size ran before)
        print("spec | wall s | CPU s | example runs | ok")
        print("--- | --- | --- | --- | ---")
        for s in seeds.SPECS:
            t, c = time.perf_counter(), time.process_time()
            r = gradspec.run(s, max_examples=a.seed_examples)
            print(
                f"{s.label} | {time.perf_counter() - t:.2f} | {time.process_time() - c:.2f} | "
                f"{r.examples_run} | {r.ok}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
