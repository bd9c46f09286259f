"""Which ops of the op table give torch's inf/NaN pattern when the gradient flowing into them is
inf or NaN. The op table's special values go into inputs only; its cotangents are finite
normals, so a VJP that multiplies the gradient by a mask (inf * 0 = NaN) where torch scatters it
into zeros is never met there, only in graphs around the op (see
``tests/gradref/test_nonfinite_cotangents.py`` for the cases fixed so far).

For every op: a few derandomized float32/float64 examples, each with its cotangents' first
element set to inf, then to NaN; torch's and gradref's input gradients are compared for where
they are NaN and where (and with which sign) they are inf. Finite values are not compared (the
op tests do that). A difference is a lead, not a verdict: torch's CPU and CUDA kernels differ
here for some ops (``evenly_distribute_backward`` scatters on the CPU, multiplies a mask on
CUDA), and a GEMM-based backward's NaN pattern depends on its summation order.

    python benchmarks/cotangent_survey.py [--examples 4] [--ops PATTERN]
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import warnings


def _cotangents(run, mode: str) -> list:
    import numpy as np

    from gradspec.ops import compare as C

    out = []
    for k, o in enumerate(run.diff):
        v = C.normal_values(run.ex.seed, 1000 + k, tuple(o.shape), C.dtype_name(o), run.ex.dtype)
        v = np.array(v, copy=True)
        if v.size:
            v.reshape(-1)[0] = {"inf": np.inf, "nan": np.nan}[mode]
        out.append(run.T.tensor(v, dtype=o.dtype))
    return out


def difference(info, ex, mode: str) -> str | None:
    """Where torch's and gradref's gradients differ in NaN or inf, in one line (None: agree or
    not comparable: either side cannot run the example)."""
    import gradref
    import numpy as np
    import torch

    from gradspec.ops import compare as C

    try:
        ref, got = C.Run(gradref, info, ex), C.Run(torch, info, ex)
        if not got.diff:
            return None
        theirs = torch.autograd.grad(
            got.diff, got.inputs_requiring_grad(), _cotangents(got, mode), allow_unused=True
        )
    except Exception:  # noqa: BLE001 - outside the op's domain, or gradref cannot run it
        return None
    try:
        ours = gradref.autograd.grad(
            ref.diff, ref.inputs_requiring_grad(), _cotangents(ref, mode), allow_unused=True
        )
    except Exception as e:  # noqa: BLE001 - gradref raising where torch does not is a lead
        return f"{mode}: gradref raised {type(e).__name__}: {str(e)[:120]}"
    for i, (g, r) in enumerate(zip(theirs, ours)):
        if g is None or r is None:
            continue
        a, b = C.to_numpy(torch, g), C.to_numpy(gradref, r)
        if a.shape != b.shape:
            continue
        nan_a, nan_b, inf_a, inf_b = np.isnan(a), np.isnan(b), np.isinf(a), np.isinf(b)
        for what, diff in (
            ("NaN", nan_a != nan_b),
            ("inf", (inf_a != inf_b) | (inf_a & inf_b & (np.sign(a) != np.sign(b)))),
        ):
            if diff.any():
                idx = tuple(int(k) for k in np.argwhere(diff)[0])
                return (
                    f"{mode} into input {i}: {what} differs at {idx}: torch {a[idx]}, gradref "
                    f"{b[idx]} ({ex.describe()})"
                )
    return None


def survey(names, examples: int) -> dict[str, str]:
    from hypothesis import HealthCheck, Phase, given, settings

    from gradspec.ops.compare import examples as drawn
    from gradspec.ops.table import OPS

    found: dict[str, str] = {}

    def body(name: str, info):
        def run(ex):
            if name in found or ex.dtype not in ("float32", "float64"):
                return
            for mode in ("inf", "nan"):
                why = difference(info, ex, mode)
                if why:
                    found[name] = why
                    return

        return run

    cfg = settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                   suppress_health_check=list(HealthCheck), phases=[Phase.generate])  # fmt: skip
    for name in names:
        cfg(given(drawn(OPS[name]))(body(name, OPS[name])))()
    return found


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=4, help="examples drawn per op")
    p.add_argument("--ops", default="*", help="a glob over op names")
    a = p.parse_args(argv)
    from gradspec.ops.table import OPS
    from gradspec.threads import one_thread_for_good

    one_thread_for_good()
    names = [n for n in sorted(OPS) if fnmatch.fnmatchcase(n, a.ops)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = survey(names, a.examples)
    print(f"{len(names)} ops, {a.examples} examples each: {len(found)} differ")
    for name, why in sorted(found.items()):
        print(f"{name}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
