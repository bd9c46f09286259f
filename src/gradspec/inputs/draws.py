"""Hypothesis strategies for the structure of an input: shapes, dtypes, devices, layouts and
which inputs require grad. (Values are drawn from a NumPy generator seeded by a drawn integer,
by each part for its own inputs: continuous values almost surely avoid the kinks that shrinking
floats towards 0 would hit, and drawing large arrays stays cheap.)"""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

from gradspec.inputs.dtypes import COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, WIDE_FLOAT_DTYPES
from gradspec.inputs.layouts import LAYOUTS


def shapes(
    *, min_dims: int = 0, max_dims: int = 3, min_side: int = 0, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes including 0-d, size-1 and (when ``min_side`` is 0) zero-size dimensions."""
    return array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def dtypes(names=WIDE_FLOAT_DTYPES) -> st.SearchStrategy[str]:
    """Dtype names; shrinks towards the first."""
    return _sampled(tuple(names))


def float_dtypes(*, low_precision: bool = True) -> st.SearchStrategy[str]:
    """Names of floating dtypes (without float16/bfloat16 when ``low_precision`` is False)."""
    return dtypes(FLOAT_DTYPES if low_precision else WIDE_FLOAT_DTYPES)


def complex_dtypes() -> st.SearchStrategy[str]:
    return dtypes(COMPLEX_DTYPES)


def int_dtypes(*, with_bool: bool = True) -> st.SearchStrategy[str]:
    return dtypes(INT_DTYPES + (("bool",) if with_bool else ()))


def devices() -> st.SearchStrategy[str]:
    """The devices available here (``cpu``, and ``cuda`` when it works)."""
    from gradspec.devices import available_devices

    return st.sampled_from(available_devices())


@lru_cache(maxsize=64)
def _sampled(names: tuple):
    return st.sampled_from(names)


def layouts(names=LAYOUTS) -> st.SearchStrategy[str]:
    """Memory layouts; shrinks towards ``contiguous``. (One strategy object per tuple of
    names: drawing from a strategy built afresh each time costs Hypothesis its analysis.)"""
    return _sampled(tuple(names))


def requires_grad_masks(n: int, present=None) -> st.SearchStrategy[tuple[bool, ...]]:
    """Which of ``n`` inputs require grad: at least one of the present ones does."""
    present = tuple(present) if present is not None else (True,) * n
    return _masks(n, present)


@lru_cache(maxsize=256)
def _masks(n: int, present: tuple) -> st.SearchStrategy[tuple[bool, ...]]:
    def ok(mask):
        return any(m and p for m, p in zip(mask, present))

    return (
        st.tuples(*[st.booleans() for _ in range(n)])
        .map(lambda m: tuple(not b for b in m))  # shrink towards "all require grad"
        .filter(ok)
    )
