"""Where the op table's time goes: every ``--every``-th op of the table checked on the CPU as
``gradspec run`` checks it (the ``ci`` profile, one torch thread, in this process, one op after
another), with

* seconds per op (total, median, the slowest);
* Hypothesis's own share: the same searches with a body that does nothing;
* the parts of an example, torch's and gradref's apart: building the run (inputs and forward),
  the VJP, the JVP, double backward, the special-values sub-check (all of its parts together)
  and the comparisons.

The parts are timed by wrapping :mod:`gradspec.ops.compare`'s functions, which adds a little
to each; the totals are from a second, unwrapped pass. What torch imports on first use is
imported before the timings.

    python benchmarks/op_speed.py [--every 3] [--profile ci]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time


def _ops(every: int) -> list[str]:
    from gradspec.ops.table import OPS

    return sorted(OPS)[::every]


def _settings(profile: str):
    from gradspec.profiles import register_profiles
    from gradspec.runner.options import RunOptions
    from gradspec.runner.search import hypothesis_settings

    register_profiles()
    return hypothesis_settings(RunOptions(profile=profile, devices=("cpu",)))


def op_seconds(names: list[str], settings) -> dict[str, float]:
    """Seconds each op's check takes, as ``gradspec run`` checks it."""
    from gradspec.runner.ops import load

    table = load()
    out = {}
    for name in names:
        t = time.perf_counter()
        table.run(name, "cpu", settings)
        out[name] = time.perf_counter() - t
    return out


def search_seconds(names: list[str], settings) -> tuple[float, int]:
    """Seconds and examples of the same searches with a body that does nothing."""
    from gradspec.ops.compare import examples
    from gradspec.ops.table import OPS
    from gradspec.runner.search import search

    count = [0]

    def body(ex) -> None:
        count[0] += 1

    t = time.perf_counter()
    for name in names:
        search(examples(OPS[name]), body, settings, key=lambda ex: ex)
    return time.perf_counter() - t, count[0]


def part_seconds(names: list[str], settings) -> tuple[collections.Counter, collections.Counter]:
    """Seconds and calls per part of an example, by namespace (the wrapped pass)."""
    from gradspec.ops import compare

    seconds: collections.Counter = collections.Counter()
    calls: collections.Counter = collections.Counter()

    def timed(key_of, fn):
        def wrapper(*args, **kwargs):
            key = key_of(args)
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[key] += time.perf_counter() - t
                calls[key] += 1

        return wrapper

    def space(T) -> str:
        return getattr(T, "__name__", "?")

    saved = {
        name: getattr(compare, name)
        for name in ("jvp", "_check_special", "difference", "check_example")
    }
    saved_run = {
        name: getattr(compare.Run, name) for name in ("__init__", "vjp", "double_backward")
    }
    try:
        compare.Run.__init__ = timed(lambda a: ("run", space(a[1])), saved_run["__init__"])
        compare.Run.vjp = timed(lambda a: ("vjp", space(a[0].T)), saved_run["vjp"])
        compare.Run.double_backward = timed(
            lambda a: ("double backward", space(a[0].T)), saved_run["double_backward"]
        )
        compare.jvp = timed(lambda a: ("jvp", space(a[0])), saved["jvp"])
        compare._check_special = timed(
            lambda a: ("special values", "both"), saved["_check_special"]
        )
        compare.difference = timed(lambda a: ("comparisons", "both"), saved["difference"])
        compare.check_example = timed(lambda a: ("example", "all"), saved["check_example"])
        op_seconds(names, settings)
    finally:
        for name, fn in saved.items():
            setattr(compare, name, fn)
        for name, fn in saved_run.items():
            setattr(compare.Run, name, fn)
    return seconds, calls


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=3, help="check every N-th op of the table")
    ap.add_argument("--profile", default="ci", help="Hypothesis profile (default ci)")
    args = ap.parse_args(argv)
    if args.every < 1:
        ap.error("--every must be at least 1")

    import torch

    torch.set_num_threads(1)
    import torch._dynamo  # noqa: F401 - torch's first-use import, not an op's cost

    names = _ops(args.every)
    settings = _settings(args.profile)
    op_seconds(names[:1], settings)  # warm-up: first-use imports and caches
    per_op = op_seconds(names, settings)
    total = sum(per_op.values())
    hyp, n_examples = search_seconds(names, settings)
    seconds, calls = part_seconds(names, settings)

    slowest = max(per_op, key=per_op.get)
    print(f"torch {torch.__version__}, one thread, profile {args.profile}: {len(names)} ops")
    print(f"op checks: {total:.1f} s, median {statistics.median(per_op.values()):.3f} s per op, "
          f"slowest {slowest} {per_op[slowest]:.2f} s")  # fmt: skip
    print(f"Hypothesis alone (a body that does nothing): {hyp:.1f} s for {n_examples} examples "
          f"({1000 * hyp / max(n_examples, 1):.2f} ms each, {100 * hyp / total:.0f}% of the "
          f"op checks)")  # fmt: skip
    example = seconds.pop(("example", "all"), 0.0)
    print(f"\nparts of the examples (wrapped pass: examples {example:.1f} s)")
    print("part | namespace | seconds | calls | ms per call | share of the examples")
    print("--- | --- | --- | --- | --- | ---")
    for (part, ns), s in sorted(seconds.items(), key=lambda kv: -kv[1]):
        n = calls[(part, ns)]
        print(f"{part} | {ns} | {s:.2f} | {n} | {1000 * s / n:.3f} | {100 * s / example:.0f}%")
    print(
        "\n(special values: every part of that sub-check, both namespaces; the other rows "
        "include the calls it makes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
