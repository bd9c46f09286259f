"""An op example's input values: drawn from the example's seed within each input's bounds, as
NumPy arrays rounded to the example's dtype (so torch and gradref get the same bits; the
tensors are built with :func:`gradspec.inputs.materialize`).

An example may ask for *special* values (:data:`SPECIAL_MODES`): the drawn values with IEEE
special values put in (0, -0, ±1, ±inf, NaN, the smallest normal, a huge finite value), where
torch's conventions decide the results (0^0, atan2(0, 0), NaN through relu, inf through
softmax): ``grid`` replaces every element, cycling through the specials so that the inputs of a
binary op meet every pair on a large enough example; ``mixed`` replaces about a third of the
elements, chosen from the seed. Repeated values make ties for max/min-like ops."""

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


#: the special values (tiny and huge depend on the dtype: see :func:`special_values`)
SPECIALS = ("0", "-0", "1", "-1", "inf", "-inf", "nan", "tiny", "huge")
SPECIAL_MODES = ("grid", "mixed")


def special_values(dtype: str) -> np.ndarray:
    """:data:`SPECIALS` as numbers representable in ``dtype`` (a real floating dtype)."""
    fi = np.finfo(np.float32 if dtype == "bfloat16" else np.dtype(dtype))
    tiny, huge = float(fi.tiny), float(fi.max) / 16
    names = {"0": 0.0, "-0": -0.0, "1": 1.0, "-1": -1.0, "inf": np.inf, "-inf": -np.inf}
    names.update({"nan": np.nan, "tiny": tiny, "huge": huge})
    return np.array([names[k] for k in SPECIALS])


def with_specials(
    info: OpInfo, values: list, dtype: str, seed: int, layouts, mode: str, skip=()
) -> list[np.ndarray]:
    """``values`` (from :func:`draw_values`) with special values put in as ``mode`` says, all
    of :data:`SPECIALS` but those named in ``skip``."""
    sp = special_values(dtype)
    if skip:
        sp = sp[[k not in skip for k in SPECIALS]]
    n = len(sp)
    rng = np.random.default_rng([seed, 8000])
    out = []
    for i, v in enumerate(values):
        v = np.array(v, dtype=np.float64)
        j = np.arange(v.size).reshape(v.shape)
        if mode == "grid":
            v = sp[(j // n**i + seed) % n]
        else:
            pick = rng.random(v.shape) < 1 / 3
            v = np.where(pick, sp[rng.integers(0, n, v.shape)], v)
        if layouts[i] == "expanded":
            v, _ = expand_values(v)
        out.append(round_to_dtype(v, dtype))
    return out


def draw_aux(info: OpInfo, shapes, seed: int) -> dict:
    """The op's auxiliary integer inputs (indices, masks) as NumPy arrays, from the seed."""
    if info.aux is None:
        return {}
    return info.aux(np.random.default_rng([seed, 7]), tuple(tuple(s) for s in shapes))
