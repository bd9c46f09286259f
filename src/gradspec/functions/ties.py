"""Tied values: where several inputs are equal, which index a selection (top-k, sort, max with
an index, a mask) returns is not fixed — torch documents it as not guaranteed for topk and
median — so an op whose index outputs differ from the reference's only among tied values is
right. ``explained_by_ties`` tells: with the ties broken by a tiny perturbation, do the op and
the reference agree again?"""

from __future__ import annotations

import numpy as np

from gradspec.functions.outcomes import FnRaised, ReferenceProblem
from gradspec.inputs import round_to_dtype


def has_ties(values, floating=None) -> bool:
    for i, v in enumerate(values):
        if v is None or np.size(v) < 2 or (floating is not None and not floating[i]):
            continue
        flat = np.asarray(v).ravel()
        if np.unique(flat).size < flat.size:
            return True
    return False


def _untied(values, dtype: str, seed: int, floating):
    """The values with every tie broken (distinct within each input), rounded to ``dtype``."""
    rng = np.random.default_rng([seed, 6000])
    for scale in (1e-2, 5e-2, 2e-1):
        out = []
        for v, f in zip(values, floating):
            if v is None or not f:
                out.append(v)
                continue
            w = np.asarray(v) + rng.uniform(-1, 1, np.shape(v)) * scale * (np.abs(v) + 0.1)
            out.append(round_to_dtype(w, dtype))
        if not has_ties(out, floating):
            return out
    return None


def integer_outputs(outs) -> dict:
    return {
        k: o
        for k, o in enumerate(outs)
        if hasattr(o, "is_floating_point") and not (o.is_floating_point() or o.is_complex())
    }


def explained_by_ties(case) -> bool:
    """Whether the op's index outputs agree with the reference's once ties are broken."""
    from gradspec.functions.oracles import to_numpy

    floating = [case.example.is_float(i) for i in range(len(case.values))]
    if not has_ties(case.values, floating):
        return False
    values = _untied(case.values, case.dtype, case.example.seed, floating)
    if values is None:
        return True  # ties that cannot be broken in this dtype: not comparable
    try:
        outs = case.call(case.make_inputs(values=values))
        ref = case.ref("untied", values=values, vjp=False)
    except (FnRaised, ReferenceProblem):
        return False
    for k, o in integer_outputs(outs).items():
        r = ref.outputs[k] if k < len(ref.outputs) else None
        if r is None or tuple(o.shape) != r.shape or not np.array_equal(to_numpy(o), r.value):
            return False
    return True
