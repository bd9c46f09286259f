"""torch-vs-gradref comparisons in pytest, judged by the expected differences.

Every test that compares the installed torch with gradref wraps the comparison::

    from gradspec.testing import expected_difference

    with expected_difference("ops.errors.mm-shapes", behaviour="ops.errors"):
        assert ours == theirs, "..."

An AssertionError inside is an *expected* difference when an entry of
``src/gradspec/expectations/`` covers the result id (or behaviour, or a tag) on the installed
torch: the test is xfailed with the entry's reason. Otherwise the failure says what it means for
this torch (new in a newer torch, an unrecorded difference of an older one, or a gradref bug on
the release gradref mirrors). A comparison that passes while an entry covers it is *stale*: it is
recorded and warned about; under a derandomized Hypothesis profile (``ci``), where the same
examples run every time, it fails as a strict xfail would. An entry marked ``drawn = true`` (a
difference only some draws meet) is never stale.
"""

from __future__ import annotations

import contextlib
import warnings

from gradspec import expectations


class StaleExpectation(UserWarning):
    """An expected difference that did not occur: torch changed back, or gradref caught up."""


def _torch_version() -> str:
    import torch

    return torch.__version__


def lookup(result_id: str, behaviour: str = "", device: str = "cpu", tags=()):
    """The expectation covering this result on the installed torch, or None."""
    return expectations.lookup(
        expectations.installed(),
        result_id,
        behaviour or result_id,
        device,
        _torch_version(),
        tags,
    )


@contextlib.contextmanager
def expected_difference(result_id: str, behaviour: str = "", device: str = "cpu", tags=()):
    """Judge the comparison in the block by the expected differences (see the module doc)."""
    import pytest

    entry = lookup(result_id, behaviour, device, tuple(tags))
    try:
        yield entry
    except pytest.skip.Exception:
        raise
    except Exception as e:  # a difference, or torch raising where gradref does not
        if entry is not None:
            pytest.xfail(f"expected on torch {_torch_version()}: {entry.reason} ({entry.span()})")
        if isinstance(e, AssertionError):
            raise AssertionError(
                f"{result_id} [{device}]: {expectations.unexpected(_torch_version())}\n{e}"
            ) from None
        raise
    if entry is not None and tags and lookup(result_id, behaviour, device) is None:
        entry = None  # matched by a tag only: tags explain a difference, a pass is not stale
    if entry is not None and entry.drawn:
        entry = None  # only some draws meet it (``drawn = true``): a pass is not stale
    if entry is not None:
        from hypothesis import settings

        note = f"{entry.reason} ({entry.span()}; {entry.file})"
        if settings.default.derandomize:
            pytest.fail(
                f"[XPASS(strict)] {result_id} [{device}]: stale expected difference (it did not "
                f"occur on torch {_torch_version()}): {note}",
                pytrace=False,
            )
        warnings.warn(
            f"stale expected difference: {result_id} [{device}] agrees on torch "
            f"{_torch_version()}: {note}",
            StaleExpectation,
            stacklevel=3,
        )
