"""Custom operators through gradspec.check: every form users hold one in, what the schema
tells (tensor, optional, mutated and typed arguments), mutating ops returning None,
``differentiable=``, clear errors for what cannot be checked, and reproducers."""

from __future__ import annotations

import os

import gradref as T
import pytest
import torch

import gradspec
from gradspec import SpecError
from gradspec.functions import customop

HAVE = hasattr(torch.library, "custom_op") and hasattr(torch.library, "register_fake")
needs_custom_op = pytest.mark.skipif(not HAVE, reason="torch.library.custom_op needs torch >= 2.4")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def ops():
    if not HAVE:
        pytest.skip("torch.library.custom_op needs torch >= 2.4")

    @torch.library.custom_op("gstest::cube", mutates_args=())
    def cube(x: torch.Tensor) -> torch.Tensor:
        return x**3

    @cube.register_fake
    def _(x):
        return torch.empty_like(x)

    def setup(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    cube.register_autograd(lambda ctx, g: 3 * g * ctx.saved_tensors[0] ** 2, setup_context=setup)

    @torch.library.custom_op("gstest::shift", mutates_args=())
    def shift(x: torch.Tensor, b: torch.Tensor | None, a: float, k: int = 2) -> torch.Tensor:
        y = x * a + k
        return y if b is None else y + b

    @shift.register_fake
    def _(x, b, a, k=2):
        return torch.empty_like(x)

    @torch.library.custom_op("gstest::fill_half_", mutates_args=("x",))
    def fill_half_(x: torch.Tensor) -> None:
        x.mul_(0.5)

    @fill_half_.register_fake
    def _(x):
        return None

    @torch.library.custom_op("gstest::cube_bad_fake", mutates_args=())
    def cube_bad_fake(x: torch.Tensor) -> torch.Tensor:
        return x**3

    @cube_bad_fake.register_fake
    def _(x):
        return x.new_empty(x.shape[1:])

    @torch.library.custom_op("gstest::named", mutates_args=())
    def named(x: torch.Tensor, mode: str) -> torch.Tensor:
        return x.clone()

    @torch.library.custom_op("gstest::listy", mutates_args=())
    def listy(xs: list[torch.Tensor]) -> torch.Tensor:
        return xs[0].clone()

    return {
        "cube": cube, "shift": shift, "fill_half_": fill_half_, "cube_bad_fake": cube_bad_fake,
        "named": named, "listy": listy,
    }  # fmt: skip


@needs_custom_op
@pytest.mark.parametrize("form", ["opdef", "packet", "overload"])
def test_every_form_of_the_op_is_checked(ops, form):
    op = {"opdef": ops["cube"], "packet": torch.ops.gstest.cube,
          "overload": torch.ops.gstest.cube.default}[form]  # fmt: skip
    s = gradspec.spec(op, lambda x: x**3, "()->()", broadcast=True)
    assert isinstance(s.fn, customop.OpCall) and s.label == "gstest::cube"
    assert s.fn.differentiable
    report = gradspec.run(s, max_examples=5, dtypes=["float64"])
    assert report.ok, report
    assert {o.check for o in report.outcomes if o.status == "passed"} >= {"fake", "schema", "vjp"}


@needs_custom_op
@pytest.mark.parametrize("form", ["opdef", "packet", "overload"])
def test_a_wrong_fake_is_found_in_every_form(ops, form):
    op = {"opdef": ops["cube_bad_fake"], "packet": torch.ops.gstest.cube_bad_fake,
          "overload": torch.ops.gstest.cube_bad_fake.default}[form]  # fmt: skip
    report = gradspec.check(op, lambda x: x**3, "(n,d)->(n,d)", max_examples=5)
    assert "fake" in report.failed_checks(), report
    assert "shape" in report.failures[0].message


@needs_custom_op
def test_schema_gives_optional_tensors_and_draws_typed_arguments(ops):
    s = gradspec.spec(ops["shift"], lambda x, b, a: x * a + 2 + (0 if b is None else b),
                      "(n),(n)->(n)")  # fmt: skip
    assert s.parsed().optional == (False, True)  # Tensor? b
    assert set(s.args) == {2}  # the float a is drawn; k keeps its default
    from hypothesis.strategies import SearchStrategy

    assert isinstance(s.args[2], SearchStrategy)
    fixed = gradspec.spec(ops["shift"], lambda x, b, a, k: x * a + k, "(n),(n)->(n)",
                          args={2: 0.5, 3: 1})  # fmt: skip
    assert fixed.args == {2: 0.5, 3: 1}
    report = gradspec.run(s, max_examples=8, dtypes=["float64"])
    assert report.ok, report  # not differentiable (no autograd formula): no gradient checks
    assert not s.fn.differentiable


@needs_custom_op
def test_mutating_op_returning_none_is_checked_on_its_new_values(ops):
    s = gradspec.spec(ops["fill_half_"], lambda x: x * 0.5, "()->()", broadcast=True)
    x = torch.ones(3)
    assert torch.equal(s.fn(x), torch.full((3,), 0.5)) and torch.equal(x, torch.ones(3))
    assert gradspec.run(s, max_examples=5).ok
    wrong = gradspec.check(ops["fill_half_"], lambda x: x * 0.25, "()->()", max_examples=5)
    assert "forward" in wrong.failed_checks()


@needs_custom_op
def test_undeclared_write_fails_the_schema_check():
    @torch.library.custom_op("gstest::sneaky", mutates_args=())
    def sneaky(x: torch.Tensor) -> torch.Tensor:
        out = x.clone()
        x.zero_()
        return out

    @sneaky.register_fake
    def _(x):
        return torch.empty_like(x)

    report = gradspec.check(sneaky, lambda x: x * 1.0, "(n)->(n)", max_examples=5)
    assert "schema" in report.failed_checks(), report
    assert "mutates_args" in report.failures[0].message


@needs_custom_op
def test_missing_fake_is_advice_not_failure():
    @torch.library.custom_op("gstest::nofake", mutates_args=())
    def nofake(x: torch.Tensor) -> torch.Tensor:
        return x * 2

    report = gradspec.check(nofake, lambda x: x * 2, "(n)->(n)", max_examples=4)
    assert report.ok, report
    assert any(a.check == "fake" and "register_fake" in a.message for a in report.advice)


@needs_custom_op
def test_what_cannot_be_checked_is_a_one_line_spec_error(ops):
    cases = [
        (ops["cube"], "(),()->()", "schema"),
        (ops["named"], "(n)->(n)", "args="),
        (ops["listy"], "(n)->(n)", "single tensors"),
    ]
    for op, sig, words in cases:
        with pytest.raises(SpecError, match=words) as e:
            gradspec.spec(op, None, sig)
        assert "\n" not in str(e.value)
    with pytest.raises(SpecError, match="differentiable= is for custom operators"):
        gradspec.spec(lambda x: x, None, "()->()", differentiable=False)


@needs_custom_op
def test_old_torch_is_refused_clearly(ops, monkeypatch):
    monkeypatch.setattr(customop, "_torch_version", lambda: (2, 3))
    with pytest.raises(SpecError, match=r"needs torch >= 2\.4"):
        gradspec.spec(ops["cube"], lambda x: x**3, "()->()")


@pytest.mark.skipif(HAVE, reason="the refusal on torch < 2.4; this torch has custom_op")
def test_old_torch_refuses_op_packets():
    with pytest.raises(SpecError, match=r"needs torch >= 2\.4"):
        gradspec.spec(torch.ops.aten.sin, lambda x: T.sin(x), "()->()")


@needs_custom_op
def test_readme_custom_operators_example_runs(monkeypatch):
    import re

    monkeypatch.chdir(ROOT)
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("\n## Custom operators\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks and "gradspec.check" in blocks[0]
    exec(compile(blocks[0], "README[custom operators]", "exec"), {})
