"""Comparing arrays, and deciding whom a mismatch with the reference is to be blamed on.

A mismatch between the op and the reference is the op's failure only when the reference can be
trusted there. It is a *reference problem* instead when the reference gives non-finite values
where the op does not (even where torch, running the same reference, confirms them: torch's own
loss giving nan over an empty mean cannot judge a kernel giving 0 there), or when torch running
the same reference disagrees with gradref on the same inputs.
"""

from __future__ import annotations

import numpy as np

from gradspec.functions.outcomes import ReferenceProblem


def bad_elements(actual: np.ndarray, expected: np.ndarray, rtol, atol) -> np.ndarray:
    """Boolean mask of the elements outside ``atol + rtol * |expected|`` (nan matches nan, an
    infinity matches the same infinity); ``atol`` may be an array."""
    a = np.asarray(actual)
    e = np.asarray(expected)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(a - e) <= atol + rtol * np.abs(e)
        if ok.all():  # the common case: every element close (no nan, no infinity among them)
            return ~ok
        both_nan = np.isnan(a) & np.isnan(e)
        same_inf = np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))
        ok = both_nan | same_inf | ok
    return ~ok


def describe(what: str, actual, expected, bad, rtol, atol) -> str:
    a, e = np.atleast_1d(actual), np.atleast_1d(expected)
    bad = np.atleast_1d(bad)
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    with np.errstate(invalid="ignore"):
        err = np.where(bad, np.abs(a - e), 0.0)
        err = np.where(np.isnan(err), 0.0, err)
    at = np.broadcast_to(np.asarray(atol, dtype=np.float64), np.shape(e))
    at = np.atleast_1d(at)[idx] if np.ndim(atol) else float(atol)
    return (
        f"{what}: {int(bad.sum())} of {a.size} elements differ; first at index {list(idx)}: "
        f"got {float(a[idx])!r}, expected {float(e[idx])!r} (max abs error {np.max(err):.3g}, "
        f"rtol {rtol:.2g}, atol {float(at):.2g})"
    )


def judge(what: str, actual, expected, rtol, atol, torch_expected=None, torch_ran=None):
    """None when ``actual`` matches ``expected``; else the mismatch message — or, once torch's
    answer was asked for (``torch_ran`` not None), ReferenceProblem raised when the reference is
    the one to blame (see the module doc)."""
    a = np.asarray(actual, dtype=np.float64) if not np.iscomplexobj(actual) else actual
    e = np.asarray(expected)
    if a.shape != e.shape:
        return f"{what}: shape {tuple(a.shape)}, expected {tuple(e.shape)}"
    bad = bad_elements(a, e, rtol, atol)
    if not bad.any():
        return None
    msg = describe(what, a, e, bad, rtol, atol)
    if torch_ran is None:
        return msg
    a, e, bad = np.atleast_1d(a), np.atleast_1d(e), np.atleast_1d(bad)
    if torch_expected is not None and np.shape(torch_expected) == np.shape(expected):
        t = np.atleast_1d(np.asarray(torch_expected))
        fn_vs_torch = bad_elements(a, t, rtol, atol) & bad
        ref_vs_torch = bad_elements(e, t, rtol, atol) & bad
        if not fn_vs_torch.any() or ref_vs_torch.any():
            idx = tuple(int(i) for i in np.argwhere(ref_vs_torch if ref_vs_torch.any() else bad)[0])
            raise ReferenceProblem(
                f"{what}: the reference disagrees with torch on the same inputs (at index "
                f"{list(idx)}: gradref gives {float(np.atleast_1d(e)[idx])!r}, the same reference "
                f"on torch {float(np.atleast_1d(t)[idx])!r}, fn {float(np.atleast_1d(a)[idx])!r}); "
                "not a failure of fn"
            )
        with np.errstate(invalid="ignore"):
            confirmed = bad & ~np.isfinite(e) & np.isfinite(a)
        if confirmed.any() and not (bad & ~confirmed).any():
            idx = tuple(int(i) for i in np.argwhere(confirmed)[0])
            raise ReferenceProblem(
                f"{what}: the reference gives {float(e[idx])!r} at index {list(idx)} where fn "
                f"gives {float(a[idx])!r} (torch running the same reference agrees); a "
                "non-finite reference value cannot judge fn there"
            )
        return msg
    with np.errstate(invalid="ignore"):
        ref_nonfinite = bad & ~np.isfinite(e) & np.isfinite(a)
    if ref_nonfinite.any() and not torch_ran:
        idx = tuple(int(i) for i in np.argwhere(np.atleast_1d(ref_nonfinite))[0])
        raise ReferenceProblem(
            f"{what}: the reference gives {float(np.atleast_1d(e)[idx])!r} at index {list(idx)} "
            f"where fn gives {float(np.atleast_1d(a)[idx])!r}; a non-finite reference value "
            "cannot judge fn there"
        )
    return msg
