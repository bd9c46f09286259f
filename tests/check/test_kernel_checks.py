"""Kernel authors' bugs (``tests/fixtures/kernel_functions.py``): each new check passes the correct
Function and catches its planted bug, and no other check catches that bug; tile boundaries are
reached with ``block_sizes=``; the options are validated up front."""

from __future__ import annotations

import pytest
import torch

import gradspec
from gradspec.functions.checks import CHECKS
from gradspec.functions.examples import boundary_sizes, sized_shapes
from gradspec.functions.signature import parse_signature
from tests.fixtures import kernel_functions as kf
from tests.fixtures.torch_compat import DEVICE_DECORATORS

#: cases whose Functions need something the installed torch lacks -> why
UNAVAILABLE = (
    {}
    if DEVICE_DECORATORS
    else {"autocast": "CPU custom_fwd/custom_bwd (torch.amp's) arrived in torch 2.4"}
)
NEW_CHECKS = [
    pytest.param(name, marks=pytest.mark.skip(UNAVAILABLE[name])) if name in UNAVAILABLE else name
    for name in sorted(
        name
        for name, (*_, check, _) in {**kf.CASES, **kf.MODULE_CASES}.items()
        if check not in ("forward",)
    )
]


def _run(case_table, name, which, **extra):
    good, bad, ref, sig, check, options = case_table[name]
    fn = good if which == "good" else bad
    if case_table is kf.MODULE_CASES:
        return gradspec.check_module(fn(), ref, sig, **{**options, **extra})
    return gradspec.check(fn, ref, sig, **{**options, **extra})


def _table(name):
    return kf.MODULE_CASES if name in kf.MODULE_CASES else kf.CASES


@pytest.mark.parametrize("name", NEW_CHECKS)
def test_the_check_passes_the_correct_function_and_catches_the_bug(name):
    check = _table(name)[name][4]
    good = _run(_table(name), name, "good", checks=[check], max_examples=6)
    assert good.ok, str(good)
    bad = _run(_table(name), name, "bad", checks=[check], max_examples=6)
    assert check in bad.failed_checks(), str(bad)


@pytest.mark.parametrize("name", NEW_CHECKS)
def test_with_defaults_only_that_check_catches_the_bug(name):
    check = _table(name)[name][4]
    report = _run(_table(name), name, "bad", max_examples=6)
    assert report.failed_checks() == {check}, str(report)


def test_a_tile_boundary_bug_needs_the_block_size():
    good, bad, ref, sig, _, _ = kf.CASES["tile-boundary"]
    # with the default small sizes no row is longer than a block: the bug is invisible
    missed = gradspec.check(bad, ref, sig, checks=["forward"], max_examples=10)
    assert missed.ok
    caught = gradspec.check(bad, ref, sig, checks=["forward"], max_examples=10,
                            block_sizes=(kf.BLOCK,), sizes={"n": range(1, 4)})  # fmt: skip
    assert "forward" in caught.failed_checks(), str(caught)
    fine = gradspec.check(good, ref, sig, max_examples=6, block_sizes=(kf.BLOCK,),
                          sizes={"n": range(1, 4)})  # fmt: skip
    assert fine.ok, str(fine)


def test_a_tile_boundary_bug_at_block_128_is_caught_with_defaults_and_the_block_size():
    good, bad, ref, sig, _, _ = kf.CASES["tile-boundary"]
    assert kf.BLOCK == 128
    report = gradspec.check(bad, ref, sig, block_sizes=(128,))  # every other option default
    assert "forward" in report.failed_checks(), str(report)
    assert gradspec.check(good, ref, sig, block_sizes=(128,)).ok


def test_boundary_sizes_are_those_around_each_block():
    assert boundary_sizes((128,)) == [129, 257, 127, 128, 1]
    assert set(boundary_sizes((8, 128))) == {9, 17, 7, 8, 1, 129, 257, 127, 128}


@pytest.mark.parametrize("budget", [64, 4096, 40000])
def test_drawn_sizes_keep_within_the_element_budget(budget):
    from hypothesis import given, settings

    sig = parse_signature("(n,d),(d)->(n,d)")
    seen = set()

    @settings(max_examples=40, database=None)
    @given(sized_shapes(sig, {}, (128,), budget))
    def draw(shapes):
        total = sum(int(torch.Size(s).numel()) for s in shapes)
        assert total <= max(budget, 2 * 4 * 4)  # small default sizes always fit
        seen.update(s[-1] for s in shapes)

    draw()
    if budget >= 4096:
        assert seen & {129, 257}, seen  # boundary sizes are drawn when they fit


def test_large_examples_run_the_value_checks_only():
    value = [name for name, c in CHECKS.items() if c.value]
    assert "layouts" not in value and "forward" in value
    # the value checks run first, and every basic check (a root cause) is one of them
    assert list(CHECKS)[: len(value)] == value
    assert {name for name, c in CHECKS.items() if c.basic} <= set(value)


@pytest.mark.parametrize(
    "options, says",
    [
        ({"sizes": {"q": 3}}, "no input"),
        ({"sizes": {"n": -1}}, "sizes['n']"),
        ({"sizes": [3]}, "sizes must be a dict"),
        ({"block_sizes": (0,)}, "block_sizes"),
        ({"max_elements": 0}, "max_elements"),
    ],
)
def test_bad_size_options_are_one_line_spec_errors(options, says):
    with pytest.raises(gradspec.SpecError, match=None) as e:
        gradspec.check(torch.exp, lambda x: x.exp(), "(n,d)->(n,d)", **options)
    assert says in str(e.value) and "\n" not in str(e.value)


def test_train_steps_belongs_to_check_module():
    with pytest.raises(TypeError):
        gradspec.check(torch.exp, lambda x: x.exp(), "()->()", train_steps=3)


def test_a_function_meant_for_cuda_autocast_is_not_run_under_cpu_autocast():
    # AmpLinear's decorators say CUDA (torch.amp's with device_type="cuda", or before torch 2.4
    # torch.cuda.amp's, which name no device): under CPU bfloat16 autocast its backward would
    # meet a bfloat16 gradient with the float32 saved weight, which is not what it was built for
    from tests.fixtures import realistic_functions as R

    report = gradspec.check(
        R.AmpLinear.apply, lambda x, w: x @ w.t(), "(n,i),(o,i)->(n,o)",
        checks=["autocast"], devices=["cpu"], max_examples=4,
    )  # fmt: skip
    assert report.ok and not report.advice, str(report)
    why = {o.detail for o in report.outcomes if o.check == "autocast" and o.status == "skipped"}
    assert any("meant for cuda autocast" in w for w in why), report.outcomes
