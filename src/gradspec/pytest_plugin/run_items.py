"""The items of ``gradspec run`` as pytest tests: one test per result id (a behaviour, an op
sub-check, an op error case, an example check) on one device, from the same collector and the
same code as the CLI (:mod:`gradspec.runner`), so the two cannot drift.

A runner item gives several results (an op's ``forward``, ``vjp``, ... sub-checks share one
Hypothesis search): its tests are in one ``xdist_group``, the first of them runs the item and the
others read its results. Each test's outcome follows the result's status after the expected
differences (``gradspec.expectations``) for the installed torch:

* failed -> the test fails, with the problem, the shrunk example, the reproducer and what the
  difference means on this torch;
* expected -> xfail, with the expectation's reason;
* stale (an expected difference that did not occur) -> under a derandomized profile (``ci``)
  the test fails as a strict xfail would; under a random profile (``dev``) it passes with a
  warning, since those examples may simply not have hit the difference;
* skipped -> skipped with the reason.
"""

from __future__ import annotations

import functools
import warnings

import pytest

from gradspec.testing import StaleExpectation


@functools.cache
def _options(profile: str | None, devices: tuple[str, ...] | None, patterns: tuple[str, ...]):
    from gradspec import runner

    return runner.make_options(profile=profile, devices=devices or None, patterns=patterns)


def current_profile() -> str | None:
    from gradspec.profiles import PROFILES, loaded_profile

    name = loaded_profile()
    return name if name in PROFILES else None


def group_name(item_id: str, device: str) -> str:
    """The ``xdist_group`` of an item's tests. pytest-xdist's ``loadgroup`` appends it to the
    test id after an ``@`` and reads it back only when no ``]`` (nor ``@``) follows that ``@``,
    so a name with a bracket would leave every test a group of its own."""
    return f"{item_id}:{device}".translate(str.maketrans("[]@", "()_"))


def params(
    kinds: tuple[str, ...] | None = None,
    profile: str | None = None,
    devices: tuple[str, ...] | None = None,
    patterns: tuple[str, ...] = (),
) -> list:
    """``pytest.param(item, result_id)`` for every result the selected items give."""
    from gradspec.runner.items import KINDS, collect

    options = _options(profile or current_profile(), tuple(devices or ()), tuple(patterns))
    items, _ = collect(options, tuple(kinds or KINDS))
    out = []
    for it in items:
        group = pytest.mark.xdist_group(group_name(it.id, it.device))
        for rid in it.results:
            out.append(pytest.param(it, rid, id=f"{rid}[{it.device}]", marks=[group]))
    return out


_RESULTS: dict = {}


def result_of(item, result_id: str, profile: str | None = None):
    """The result ``result_id`` of ``item`` (running the item once per process), with the
    expected differences applied."""
    import torch

    from gradspec import expectations
    from gradspec.runner.execute import run_item
    from gradspec.runner.results import apply_expectations

    options = _options(profile or current_profile(), (item.device,), ())
    if item not in _RESULTS:
        raw = run_item(item, options)
        _RESULTS[item] = apply_expectations(raw, expectations.installed(), torch.__version__)
    found = [r for r in _RESULTS[item] if r.id == result_id]
    if not found:
        pytest.fail(f"{item.id} gave no result {result_id}", pytrace=False)
    return found[0], options


def judge(result, options) -> None:
    """Pass, fail, xfail or skip the current test by ``result``'s status."""
    from hypothesis import settings

    if result.status == "failed":
        parts = [f"{result.id} [{result.device}]: {result.expectation}".rstrip(": ")]
        parts += [f"behaviour {result.behaviour}: {result.sentence}", result.message]
        if result.example:
            parts += ["shrunk example:", result.example]
        if result.reproducer:
            parts += ["reproducer:", result.reproducer]
        pytest.fail("\n".join(parts), pytrace=False)
    if result.status == "expected":
        pytest.xfail(result.expectation)
    if result.status == "stale":
        why = f"stale expected difference (it did not occur): {result.expectation}"
        if settings.get_profile(options.profile).derandomize:
            pytest.fail(f"[XPASS(strict)] {result.id} [{result.device}]: {why}", pytrace=False)
        warnings.warn(f"{result.id} [{result.device}]: {why}", StaleExpectation, stacklevel=2)
    if result.status == "skipped":
        pytest.skip(result.message or "skipped")


def run_tests(kinds: tuple[str, ...] | None = None, patterns: tuple[str, ...] = ()):
    """A test function parametrized over the results of the selected runner items, e.g.
    ``test_ops = run_tests(kinds=("op", "op-error"))`` in a test module."""

    @pytest.mark.parametrize(("item", "result_id"), params(kinds, patterns=patterns))
    def test_gradspec_run(item, result_id):
        result, options = result_of(item, result_id)
        judge(result, options)

    return test_gradspec_run
