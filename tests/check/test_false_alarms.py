"""The false alarms and crashes of issue 13, one test each: every one failed on the code before
the fix (run against commit 21f0734) and passes now. A correct Function must pass; the harness
and the reference must never be blamed on it; bad specs get one-line errors up front.

Self-contained (only the seed and zoo Functions that existed before are imported), so the file
runs against the old code too.
"""

import gradref as T
import numpy as np
import pytest
import torch
from torch.autograd import Function

import gradspec
from gradspec.functions import seeds
from tests.fixtures import zoo_functions as z

FAST = dict(max_examples=6)
LIN = "(n,i),(o,i),(o)?->(n,o)"


def lin_ref(x, w, b=None):
    out = x @ w.t()
    return out if b is None else out + b


# --- needs_input_grad: returning every gradient is allowed -----------------------------------


def test_returning_every_gradient_is_not_a_failure():
    # torch: "Returning gradients for inputs that don't require it is not an error"
    r = gradspec.check(
        z.LinearIgnoresNeeds.apply, lin_ref, LIN, checks=["needs-input-grad"], **FAST
    )
    assert r.ok, str(r)


# --- views -------------------------------------------------------------------------------------


class ViewT(Function):
    @staticmethod
    def forward(ctx, x):
        return x.t()

    @staticmethod
    def backward(ctx, g):
        return g.t()


class ViewAs(Function):
    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return g


@pytest.mark.parametrize(
    ("fn", "ref", "sig"),
    [(ViewT.apply, lambda x: x.t(), "(n,m)->(m,n)"), (ViewAs.apply, lambda x: x * 1, "(n)->(n)")],
    ids=["t", "view_as"],
)
def test_view_returning_function_passes_no_grad(fn, ref, sig):
    # torch's own views of an input that requires grad require grad under no_grad too
    x = torch.ones(2, 3, requires_grad=True)
    with torch.no_grad():
        assert x.t().requires_grad and x.t().grad_fn is None
    r = gradspec.check(fn, ref, sig, checks=["no-grad"], **FAST)
    assert r.ok, str(r)


def test_view_returning_function_passes_saved_tensors_version():
    # modifying the base of the returned view makes torch refuse backward ("... is a view and
    # its base ... has been modified inplace"): that is torch's rule, not the Function's fault
    r = gradspec.check(
        ViewT.apply, lambda x: x.t(), "(n,m)->(m,n)", checks=["saved-tensors-version"], **FAST
    )
    assert r.ok, str(r)


# --- zero-derivative ops under create_graph ---------------------------------------------------


class Sign(Function):
    @staticmethod
    def forward(ctx, x):
        return x.sign()

    @staticmethod
    def backward(ctx, g):
        return torch.zeros_like(g)


class Round(Function):
    @staticmethod
    def forward(ctx, x):
        return x.round()

    @staticmethod
    def backward(ctx, g):
        return g.new_zeros(g.shape)


@pytest.mark.parametrize(
    ("fn", "ref"), [(Sign.apply, lambda x: x.sign()), (Round.apply, lambda x: x.round())]
)
def test_zero_derivative_double_backward_is_not_detached(fn, ref):
    x = torch.randn(3, requires_grad=True)
    (g,) = torch.autograd.grad(x.sign().sum(), x, create_graph=True)
    assert g.grad_fn is None  # torch's own sign: the same "detached" zeros
    r = gradspec.check(fn, ref, "()->()", broadcast=True, checks=["double-backward"], **FAST)
    assert r.ok, str(r)


# --- low precision -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_low_precision_dtypes_run(dtype):  # float16 always ran; bfloat16 raised in gradspec
    r = gradspec.check(
        seeds.Exp.apply, lambda x: x.exp(), "()->()", broadcast=True, dtypes=[dtype], **FAST
    )
    assert r.ok, str(r)
    assert not any("ScalarType" in o.detail for o in r.outcomes)


class TritonLikeLayerNorm(Function):
    """A correct float32 layer norm whose mean is a sum of x / d (as a fused kernel computes
    it): a few ulps off where torch's kernel is exact, e.g. on a row of equal values."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return TritonLikeLayerNorm.f(x)

    @staticmethod
    def f(x):
        d = x.shape[-1]
        mean = (x * (1.0 / d)).sum(-1, keepdim=True)
        xc = x - mean
        return xc * torch.rsqrt((xc * xc * (1.0 / d)).sum(-1, keepdim=True) + 1e-5)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with torch.enable_grad():
            xs = x.detach().requires_grad_()
            out = TritonLikeLayerNorm.f(xs)
        return torch.autograd.grad(out, xs, g)[0]


def test_low_precision_tolerance_follows_the_references_accuracy():
    from gradspec.functions.case import Case
    from gradspec.functions.checks import CHECKS
    from gradspec.functions.examples import Example

    s = gradspec.spec(
        TritonLikeLayerNorm.apply, lambda x: T.nn.functional.layer_norm(x, (3,)), "(n,d)->(n,d)"
    )
    row = np.full((1, 3), 1.25308096408844)  # float32-exact; what the expanded layout draws
    ex = Example(
        "float32", "cpu", ((1, 3),), (True,), ("expanded",), ("contiguous",), 0, values=(row,)
    )
    x = torch.tensor(row, dtype=torch.float32)
    assert TritonLikeLayerNorm.apply(x).abs().max() > 1e-5  # a few ulps / sqrt(eps)
    assert torch.nn.functional.layer_norm(x, (3,)).abs().max() == 0  # torch: exact
    for name in ("forward", "vjp"):
        CHECKS[name].run(Case(s, s.parsed(), ex, T))  # raises CheckFailure if it fails


# --- the reference at fault --------------------------------------------------------------------


def _ce_fn(x):
    return CrossEntropy.apply(x, torch.zeros(x.shape[0], dtype=torch.long))


def _ce_ref(x):
    return T.nn.functional.cross_entropy(x, T.zeros(x.shape[0], dtype=T.int64))


class CrossEntropy(Function):
    """Softmax cross-entropy with integer targets, backward with torch ops (so double backward
    on an empty batch gives nan, as torch's cross_entropy does)."""

    @staticmethod
    def forward(ctx, logits, target):
        ctx.save_for_backward(logits, target)
        return torch.nn.functional.cross_entropy(logits, target)

    @staticmethod
    def backward(ctx, g):
        logits, target = ctx.saved_tensors
        c = logits.shape[-1]
        one_hot = torch.nn.functional.one_hot(target, c).to(logits) if c else logits * 0
        return (logits.softmax(-1) - one_hot) * (g / logits.shape[0]), None


def test_reference_disagreeing_with_torch_is_a_reference_problem():
    # gradref's cross_entropy double backward on an empty batch gives 0 where torch gives nan
    x = torch.zeros(0, 3, dtype=torch.float64, requires_grad=True)
    g = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    (gx,) = torch.autograd.grad(_ce_fn(x), x, g, create_graph=True)
    assert torch.autograd.grad(gx, g, torch.ones(0, 3, dtype=torch.float64))[0].isnan()
    r = gradspec.check(_ce_fn, _ce_ref, "(n,c)->()", dtypes=["float64"], max_examples=10)
    assert r.ok, str(r)
    assert any("torch" in n.message for n in r.reference_problems), str(r)


def test_reference_that_raises_on_some_inputs_is_not_blamed_on_fn():
    def ref(x):
        if x.shape[-1] < 2:
            raise IndexError("the reference cannot index a class dimension of size 0 or 1")
        return x.exp()

    r = gradspec.check(seeds.Exp.apply, ref, "(n,c)->(n,c)", max_examples=10)
    assert r.ok, str(r)
    assert any("size 0 or 1" in n.message for n in r.reference_problems)


# --- signatures, spec_tests, non-tensor outputs -------------------------------------------------


class Flatten2(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.flatten(1)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


def test_output_only_dimension_in_the_signature():
    r = gradspec.check(Flatten2.apply, lambda x: x.flatten(1), "(n,a,b)->(n,m)", **FAST)
    assert r.ok, str(r)


def test_spec_tests_accepts_a_list_of_specs():
    from gradspec.pytest_plugin import spec_tests

    test = spec_tests([seeds.exp, seeds.my_relu], checks=["forward"], devices=["cpu"])
    ids = [p.id for p in test.pytestmark[0].args[1]]
    assert any("Exp" in i for i in ids) and any("MyReLU" in i for i in ids)


class WithCount(Function):
    """Returns a tensor and a Python int: torch passes backward a slot for both."""

    @staticmethod
    def forward(ctx, x):
        return x * 2, 3

    @staticmethod
    def backward(ctx, g, g_count):
        return g * 2


def test_non_tensor_output_gets_its_gradient_slot():
    r = gradspec.check(
        WithCount.apply,
        lambda x: (x * 2, 3),
        "()->(),()",
        broadcast=True,
        checks=["backward-returns", "needs-input-grad", "grad-output-unmodified"],
        **FAST,
    )
    assert r.ok, str(r)


# --- one finding per root cause ----------------------------------------------------------------


def test_a_function_failing_on_zero_size_inputs_is_one_finding():
    # raising a clear error on zero-size inputs is advice (torch ops accept them), one finding
    # of edge-shapes whichever check met it first
    r = gradspec.check(z.ExpRowLoop.apply, lambda x: x.exp(), "(n,m)->(n,m)", max_examples=10)
    assert r.ok and not r.failures, str(r)
    (f,) = [a for a in r.advice if "zero-size" in a.message]
    assert f.check == "edge-shapes" and not f.also, str(r)
    assert "raised" in f.message and set(f.where) == {"cpu/float32", "cpu/float64"}
    passed = {o.check for o in r.outcomes if o.status == "passed"}
    assert {"forward", "vjp", "layouts", "double-backward"} <= passed, str(r)


class LinearTwoBugs(Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w.t() + b

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, g.t() @ x * 1.01, g.sum(0) * 0.9


def test_a_check_reports_each_distinct_failure():
    r = gradspec.check(
        LinearTwoBugs.apply, lin_ref, "(n,i),(o,i),(o)->(n,o)", checks=["vjp"], **FAST
    )
    wrong = {f.message.split(": gradient of ")[1].split(":")[0] for f in r.failures}
    assert {"input 1 (w)", "input 2 (b)"} <= wrong, str(r)


class ZeroBatchLoop(Function):
    """Handles an empty feature dimension, not an empty batch (a per-sample loop)."""

    @staticmethod
    def forward(ctx, x):
        if x.shape[-1] == 0:
            return x.clone()
        return torch.stack([row * 2 for row in x.unbind(0)])

    @staticmethod
    def backward(ctx, g):
        return g * 2


def test_zero_size_cases_include_mixed_shapes():
    r = gradspec.check(
        ZeroBatchLoop.apply, lambda x: x * 2, "(n,d)->(n,d)", checks=["edge-shapes"], **FAST
    )
    assert "edge-shapes" in r.advised_checks(), str(r)  # raising there is advice
    assert any("zero-size" in a.message for a in r.advice), str(r)


def test_layout_bugs_show_on_degenerate_draws():
    """The flaky ``layouts-Linear`` case: a backward that ignores strides, on a drawn example
    where every size is 1 and the weight does not require grad (nothing to see there); the
    layouts check widens the example and makes every input require grad."""
    from gradspec.functions.case import Case, CheckFailure
    from gradspec.functions.checks import CHECKS
    from gradspec.functions.examples import Example

    s = gradspec.spec(z.LinearStridesIgnored.apply, lin_ref, LIN)
    ex = Example(
        "float32",
        "cpu",
        ((1, 1), (1, 1), (1,)),
        (True, False, False),
        ("transposed", "contiguous", "contiguous"),
        ("contiguous",),
        0,
    )
    with pytest.raises(CheckFailure):
        CHECKS["layouts"].run(Case(s, s.parsed(), ex, T))


# --- bad specs: one-line errors before any example runs ---------------------------------------


def _raises_spec_error(**kwargs) -> str:
    args = dict(fn=seeds.Exp.apply, reference=lambda x: x.exp(), signature="()->()")
    args.update(kwargs)
    with pytest.raises(gradspec.SpecError) as info:
        gradspec.check(args.pop("fn"), args.pop("reference"), args.pop("signature"), **args)
    text = str(info.value)
    assert "\n" not in text
    return text


def test_reference_in_torch_ops_on_gradref_tensors_is_a_spec_error():
    text = _raises_spec_error(reference=lambda x: torch.softmax(x, -1))
    assert "gradref" in text and "namespace" in text


def test_reference_in_gradref_ops_under_namespace_torch_is_a_spec_error():
    text = _raises_spec_error(reference=lambda x: T.softmax(x, -1), namespace="torch")
    assert "namespace='torch'" in text


def test_function_class_instead_of_apply_is_a_spec_error():
    assert "Exp.apply" in _raises_spec_error(fn=seeds.Exp)


def test_signature_with_more_outputs_than_returned_is_a_spec_error():
    assert "output" in _raises_spec_error(signature="()->(),()")
