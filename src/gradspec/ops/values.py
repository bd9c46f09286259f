"""An op example's input values: drawn from the example's seed within each input's bounds, as
NumPy arrays rounded to the example's dtype (so torch and gradref get the same bits; the
tensors are built with :func:`gradspec.inputs.materialize`)."""

from __future__ import annotations

import numpy as np

from gradspec.inputs import expand_values, round_to_dtype
from gradspec.ops.opinfo import OpInfo


def _keep_away(v: np.ndarray, info: OpInfo, i: int) -> np.ndarray:
    """``v`` pushed ``info.margin`` away from input ``i``'s kinks and poles."""
    for p in info.away_for(i):
        close = np.abs(v - p) < info.margin
        v = np.where(close, p + np.where(v >= p, 1, -1) * info.margin, v)
    return v


def draw_values(info: OpInfo, shapes, dtype: str, seed: int, layouts) -> list[np.ndarray]:
    """Input values: uniform in each input's bounds, pushed ``margin`` away from its kinks,
    constant along the first non-trivial dim for the ``expanded`` layout, rounded to ``dtype``."""
    rng = np.random.default_rng(seed)
    out = []
    for i, shape in enumerate(shapes):
        low, high = info.bounds_for(i)
        v = _keep_away(rng.uniform(low, high, size=shape), info, i)
        if dtype.startswith("complex"):
            v = v + 1j * _keep_away(rng.uniform(low, high, size=shape), info, i)
        if layouts[i] == "expanded":
            v, _ = expand_values(v)
        out.append(round_to_dtype(v, dtype))
    return out


def draw_aux(info: OpInfo, shapes, seed: int) -> dict:
    """The op's auxiliary integer inputs (indices, masks) as NumPy arrays, from the seed."""
    if info.aux is None:
        return {}
    return info.aux(np.random.default_rng([seed, 7]), tuple(tuple(s) for s in shapes))
