"""Selection ops whose choice among equal values torch leaves open, and what of their results
is determined all the same.

Where a row holds equal values (ties, which the special values make: repeated 0, ±1, ±inf,
NaN), ``topk``, ``kthvalue`` and ``nanmedian`` with a dim may return the index of any of them.
What does not depend on that choice, and is compared instead of the raw results:

- the values output (compared as it is);
- the index output, as the input's values at those indices (an index of any tied element
  gives the same value);
- the VJP, summed over each class of tied elements of a row (the gradient goes to one of the
  tied elements; the class's sum does not depend on which);
- the JVP, at the outputs whose value is not tied in its row (elsewhere it is the tangent of
  whichever tied element was picked).

Elements are tied when they compare equal (0 and -0 too) or are both NaN.
"""

from __future__ import annotations

import fnmatch

import numpy as np

_TOPK = (
    "topk's docs: 'the indices of tied elements are not guaranteed to be stable and may vary "
    "across different invocations'"
)
_KTHVALUE = (
    "kthvalue's docs: 'when there are multiple valid k th values, this function may "
    "nondeterministically return indices for any of them' (said for CUDA; on the CPU the index "
    "among ties is whatever its selection algorithm meets, documented nowhere)"
)
_MEDIAN = (
    "median's docs (nanmedian's refer to them): 'indices does not necessarily contain the first "
    "occurrence of each median value found, unless it is unique'"
)

#: ops (fnmatch patterns of names) whose index among tied values is open: (the dim they select
#: along, why)
TIES_OPEN: dict[str, tuple[int, str]] = {
    "topk": (-1, _TOPK),
    "topk.smallest-dim0": (0, _TOPK),
    "kthvalue": (-1, _KTHVALUE),
    "nanmedian.dim": (0, _MEDIAN),
}


def ties_open(name: str) -> int | None:
    """The dim along which an op's choice among ties is open, or None when it is determined."""
    return next((d for p, (d, _) in TIES_OPEN.items() if fnmatch.fnmatchcase(name, p)), None)


def _rows(x: np.ndarray, dim: int) -> np.ndarray:
    """``x`` with ``dim`` moved last (a 0-d ``x`` as one row of one element)."""
    return np.moveaxis(x, dim, -1) if x.ndim else x.reshape(1)


def _tied(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (a == b) | (np.isnan(a) & np.isnan(b))


def _out_rows(v: np.ndarray, x: np.ndarray, dim: int) -> np.ndarray:
    """An output ``v`` of a selection along ``dim`` of ``x`` with ``dim`` moved last (kept as
    a size-1 dim where the op dropped it)."""
    if x.ndim == 0:
        return v.reshape(1)
    if v.ndim == x.ndim - 1:
        v = np.expand_dims(v, dim)
    return np.moveaxis(v, dim, -1)


def picked_values(x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    """The values of ``x`` at an index output of a selection along ``dim``."""
    rows = _rows(x, dim)
    got = np.take_along_axis(rows, _out_rows(index, x, dim), -1)
    if x.ndim == 0:
        return got.reshape(index.shape)
    if index.ndim == x.ndim - 1:
        return np.moveaxis(got, -1, dim).squeeze(dim)
    return np.moveaxis(got, -1, dim)


def class_sums(x: np.ndarray, grad: np.ndarray, dim: int) -> np.ndarray:
    """At each element of ``x``, the sum of ``grad`` over the elements of its row tied with it."""
    xr, gr = _rows(x, dim), _rows(grad, dim)
    same = _tied(xr[..., :, None], xr[..., None, :])
    sums = np.where(same, gr[..., None, :], 0).sum(-1)
    return np.moveaxis(sums, -1, dim) if x.ndim else sums.reshape(())


def untied_outputs(x: np.ndarray, values: np.ndarray, dim: int) -> np.ndarray:
    """Where an output value of a selection along ``dim`` of ``x`` has no tie in its row."""
    xr, vr = _rows(x, dim), _out_rows(values, x, dim)
    count = _tied(vr[..., :, None], xr[..., None, :]).sum(-1)
    alone = count <= 1
    if x.ndim == 0:
        return alone.reshape(values.shape)
    if values.ndim == x.ndim - 1:
        return np.moveaxis(alone, -1, dim).squeeze(dim)
    return np.moveaxis(alone, -1, dim)
