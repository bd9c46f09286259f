"""Each check catches its bug class, and the correct Function passes it."""

import pytest
import torch

import gradspec
from gradspec.functions import seeds
from tests.fixtures import zoo_functions as z

EW = "()->()"
LIN = "(n,i),(o,i),(o)?->(n,o)"
exp_ref = lambda x: x.exp()  # noqa: E731
sin_ref = lambda x: x.sin()  # noqa: E731
sincos_ref = lambda x: (x.sin(), x.cos())  # noqa: E731


def lin_ref(x, w, b=None):
    out = x @ w.t()
    return out if b is None else out + b


NEEDS_DOUBLE = {"claims": {"double_backward": True}}

# (check, buggy fn, correct fn, reference, signature, extra spec kwargs)
CASES = [
    ("forward", z.ExpWrongDtypeForward.apply, seeds.Exp.apply, exp_ref, EW, {}),
    ("vjp", z.SinWrongSign.apply, z.Sin.apply, sin_ref, EW, {}),
    ("vjp", z.LinearWrongWeightGrad.apply, seeds.LinearFunction.apply, lin_ref, LIN, {}),
    ("backward-returns", z.LinearBiasUnsummed.apply, seeds.LinearFunction.apply, lin_ref, LIN, {}),
    ("backward-returns", z.ExpDoubleGrad.apply, seeds.Exp.apply, exp_ref, EW, {}),
    (
        "backward-returns",
        z.MulAddUnreduced.apply,
        seeds.MulAdd.apply,
        lambda x, y, w: x * y + w,
        "(),(),()->()",
        {"broadcast": True},
    ),
    ("needs-input-grad", z.LinearMisindexed.apply, seeds.LinearFunction.apply, lin_ref, LIN, {}),
    ("layouts", z.LinearStridesIgnored.apply, seeds.LinearFunction.apply, lin_ref, LIN, {}),
    ("layouts", z.ExpViewGrad.apply, seeds.Exp.apply, exp_ref, "(n,m)->(n,m)", {}),
    ("saved-tensors-version", z.SinAttrInput.apply, z.Sin.apply, sin_ref, EW, {}),
    ("graph-freed", z.SinSelfCycle.apply, z.Sin.apply, sin_ref, EW, {}),
    ("graph-freed", z.ExpAttrResult.apply, seeds.Exp.apply, exp_ref, EW, {}),
    (
        "output-subsets",
        z.SinCosAssumesBothGrads.apply,
        z.SinCos.apply,
        sincos_ref,
        "(n)->(n),(n)",
        {},
    ),
    ("deterministic", z.ExpNoisy.apply, seeds.Exp.apply, exp_ref, EW, {}),
    ("no-grad", z.gelu_like_no_grad_bug, z.Softplus.apply, lambda x: (x.exp() + 1).log(), EW, {}),
    ("double-backward", z.ExpDetachedDouble.apply, seeds.Exp.apply, exp_ref, EW, NEEDS_DOUBLE),
    ("double-backward", z.ExpNumpyBackward.apply, seeds.Exp.apply, exp_ref, EW, NEEDS_DOUBLE),
]

# documented-but-risky choices: advice with their hazard, never a failure
ADVICE_CASES = [
    ("edge-shapes", z.ExpRowLoop.apply, seeds.Exp.apply, exp_ref, "(n,m)->(n,m)", {}),
    (
        "grad-output-unmodified",
        z.ReluModifiesGradOutput.apply,
        seeds.MyReLU.apply,
        lambda x: x.relu(),
        EW,
        {},
    ),
    ("inputs-unmodified", z.SinModifiesInput.apply, z.Sin.apply, sin_ref, EW, {}),
    ("double-backward", z.ExpDetachedDouble.apply, seeds.Exp.apply, exp_ref, EW, {}),
    ("double-backward", z.ExpNumpyBackward.apply, seeds.Exp.apply, exp_ref, EW, {}),
]


@pytest.mark.parametrize(
    ("check", "bad", "good", "ref", "sig", "kw"),
    CASES,
    ids=[f"{c[0]}-{getattr(c[1], '__self__', c[1]).__name__}" for c in CASES],
)
def test_check_catches_its_bug_class(check, bad, good, ref, sig, kw):
    common = dict(checks=[check], dtypes=["float32"], max_examples=6, **kw)
    caught = gradspec.check(bad, ref, sig, **common)
    assert check in caught.failed_checks(), str(caught)
    fine = gradspec.check(good, ref, sig, **common)
    assert fine.ok, str(fine)


@pytest.mark.parametrize(
    ("check", "bad", "good", "ref", "sig", "kw"),
    ADVICE_CASES,
    ids=[f"{c[0]}-{getattr(c[1], '__self__', c[1]).__name__}" for c in ADVICE_CASES],
)
def test_check_advises_on_its_risky_class(check, bad, good, ref, sig, kw):
    common = dict(checks=[check], dtypes=["float32"], max_examples=6, **kw)
    advised = gradspec.check(bad, ref, sig, **common)
    assert advised.ok and check in advised.advised_checks(), str(advised)
    fine = gradspec.check(good, ref, sig, **common)
    assert fine.ok and not fine.advice, str(fine)


def test_gradient_for_an_input_not_needing_it_is_advice_not_failure():
    # torch's docs: "Returning gradients for inputs that don't require it is not an error"
    common = dict(checks=["needs-input-grad"], dtypes=["float32"], max_examples=6)
    r = gradspec.check(z.LinearIgnoresNeeds.apply, lin_ref, LIN, **common)
    assert r.ok, str(r)
    assert "needs-input-grad" in r.advised_checks(), str(r)
    assert "needs_input_grad" in r.advice[0].message
    strict = gradspec.check(z.LinearIgnoresNeeds.apply, lin_ref, LIN, strict=True, **common)
    assert "needs-input-grad" in strict.failed_checks()


class _PassThrough(torch.autograd.Function):
    """An identity on two tensors whose backward hands both grad_outputs on as they are (for
    every input, needed or not): it computes nothing, so nothing is wasted."""

    @staticmethod
    def forward(ctx, x, y):
        return x.view_as(x), y.view_as(y)

    @staticmethod
    def backward(ctx, gx, gy):
        return gx, gy.reshape(gy.shape)


class _PassThroughScaled(_PassThrough):
    """The same, but the gradient of the second input is computed (a multiplication)."""

    @staticmethod
    def backward(ctx, gx, gy):
        return gx, gy * 1.0


def test_a_grad_output_handed_on_for_an_input_not_needing_it_is_no_advice():
    common = dict(checks=["needs-input-grad"], dtypes=["float64"], max_examples=6)
    sig, ref = "(n),(m)->(n),(m)", lambda x, y: (x, y)
    r = gradspec.check(_PassThrough.apply, ref, sig, **common)
    assert r.ok and not r.advice, str(r)
    computed = gradspec.check(_PassThroughScaled.apply, ref, sig, **common)
    assert computed.ok and "needs-input-grad" in computed.advised_checks(), str(computed)


def test_double_backward_claims_checked_both_ways():
    common = dict(checks=["double-backward"], dtypes=["float64"], max_examples=3)
    once = gradspec.check(z.ExpOnce.apply, exp_ref, EW, claims={"double_backward": True}, **common)
    assert "double-backward" in once.failed_checks()
    assert gradspec.check(z.ExpOnce.apply, exp_ref, EW, **common).ok  # refused loudly: fine
    works = gradspec.check(
        seeds.Exp.apply, exp_ref, EW, claims={"double_backward": False}, **common
    )
    assert works.ok and "double-backward" in works.advised_checks(), str(works)


def test_no_false_alarm_on_myrelu_at_kinks():
    # expanded layouts and zero-size shapes put many values on the kink at 0 too
    r = gradspec.check(
        seeds.MyReLU.apply, lambda x: x.relu(), EW, broadcast=True, bounds=(-1, 1), max_examples=10
    )
    assert r.ok, str(r)


def test_kink_subgradient_accepted_directly():
    import numpy as np

    from gradspec.functions.case import Case
    from gradspec.functions.examples import Example

    s = gradspec.spec(seeds.MyReLU.apply, lambda x: x.relu(), EW)
    ex = Example(
        "float64",
        "cpu",
        ((3,),),
        (True,),
        ("contiguous",),
        ("contiguous",),
        0,
        values=(np.array([0.0, 1.0, -1.0]),),
    )
    case = Case(s, s.parsed(), ex, __import__("gradref"))
    g = np.array(ex.cotangent(0, (3,)))
    assert case.within_subgradients(0, g * np.array([1.0, 1.0, 0.0]), "base")  # 1 at the kink
    assert case.within_subgradients(0, g * np.array([0.0, 1.0, 0.0]), "base")  # 0 at the kink
    assert not case.within_subgradients(0, g * np.array([1.0, 1.0, 1.0]), "base")


def test_inplace_function_with_mark_dirty_passes():
    r = gradspec.check(
        z.ScaleInplace.apply,
        lambda x: x * 2,
        EW,
        dtypes=["float64"],
        max_examples=4,
        claims={"modifies_inputs": True},
    )
    assert r.ok, str(r)
    bad = gradspec.check(
        z.InplaceUnmarked.apply,
        lambda x: x * 2,
        EW,
        dtypes=["float64"],
        max_examples=4,
        claims={"modifies_inputs": True},
        checks=["inputs-unmodified"],
    )
    assert "inputs-unmodified" in bad.failed_checks()


def test_a_once_check_runs_on_the_first_examples_where_it_applies():
    # an export applies only where every optional input is present, and the first draws often
    # omit one: a once-check keeps looking (up to ONCE_TRIES examples) until it has run on
    # ONCE_EXAMPLES examples (passed, or met a finding)
    from gradspec.functions import checker
    from gradspec.functions.checks import Check

    once = Check("x", "contract.x", "x", lambda case: None, once=True)
    stats = {"ran": {"x": 0}, "errors": {}, "settled": set()}
    state = checker._search_state(stats)

    def runs() -> bool:
        return checker._Session._runs_on(None, once, None, state, stats, False, True)

    for n in range(1, checker.ONCE_TRIES + 1):  # not applicable on any of these
        state["count"] = n
        assert runs(), n
    state["count"] = checker.ONCE_TRIES + 1
    assert not runs()  # it stops looking
    stats["ran"]["x"] += 5  # it ran on five examples of an earlier search
    state = checker._search_state(stats)
    state["count"] = 5
    assert runs()  # a new search: it counts from here
    stats["ran"]["x"] += checker.ONCE_EXAMPLES  # it ran on two examples (passed or failed)
    assert not runs()
