"""What issue 13 made expressible: non-tensor arguments (``args=``), intended surrogate
gradients (``vjp=``), nn.Modules (``check_module``), integer and bool inputs and outputs,
in-place Functions found without claims, tolerances, strict mode, readable reports and
plain-torch reproducers."""

import os
import subprocess
import sys

import gradref as T
import pytest
import torch
from hypothesis import strategies as st
from torch.autograd import Function

import gradspec
from gradspec.functions import seeds
from tests.fixtures import realistic_functions as R
from tests.fixtures import zoo_functions as z

FAST = dict(max_examples=5)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- args= ------------------------------------------------------------------------------------


def test_args_fixed_and_drawn_keep_every_check():
    r = gradspec.check(
        R.ScaledLeakyReLU.apply,
        lambda x, s, k, sq: (T.where(x > 0, x, x * s) * k) ** (2 if sq else 1),
        "()->()",
        broadcast=True,
        args={1: st.floats(0.01, 0.5), 2: 2, 3: st.booleans()},
        **FAST,
    )
    assert r.ok, str(r)
    ran = {o.check for o in r.outcomes if o.status == "passed"}
    assert {"backward-returns", "needs-input-grad", "grad-output-unmodified"} <= ran


def test_args_wrapper_lambda_still_gets_the_raw_backward_checks():
    # a wrapper hides the Function's arguments; gradspec finds its node's inputs anyway
    fn = lambda x: seeds.MulConstant.apply(x, 0.5)  # noqa: E731
    r = gradspec.check(fn, lambda x: x * 0.5, "()->()", checks=["backward-returns"], **FAST)
    assert [o.status for o in r.outcomes] == ["passed", "passed"], str(r)


def test_backward_gradient_for_a_non_tensor_argument_is_caught():
    r = gradspec.check(
        z.MulConstGradForConstant.apply, lambda x, c: x * c, "()->()", args={1: 3.0}, **FAST
    )
    assert not r.ok


@pytest.mark.parametrize(
    ("args", "needle"),
    [({5: 1.0}, "position"), ({1: torch.ones(2)}, "tensor"), ([1.0], "dict")],
)
def test_bad_args_are_spec_errors(args, needle):
    with pytest.raises(gradspec.SpecError) as info:
        gradspec.check(seeds.MulConstant.apply, lambda x, c: x * c, "()->()", args=args)
    assert needle in str(info.value)


def test_invalid_strategy_is_a_spec_error():
    with pytest.raises(gradspec.SpecError) as info:
        gradspec.check(
            seeds.MulConstant.apply, lambda x, c: x * c, "()->()", args={1: st.floats(2, 1)}
        )
    assert "args[1]" in str(info.value)


# --- vjp= -------------------------------------------------------------------------------------


def _grl_vjp(x, alpha, g):
    return -alpha * g, None


def test_vjp_checks_a_surrogate_gradient_both_ways():
    common = dict(broadcast=True, args={1: 0.5}, vjp=_grl_vjp, **FAST)
    ok = gradspec.check(R.GradientReversal.apply, lambda x, a: x * 1.0, "()->()", **common)
    assert ok.ok, str(ok)
    bad = gradspec.check(R.GradientReversalNoNeg.apply, lambda x, a: x * 1.0, "()->()", **common)
    assert "vjp" in bad.failed_checks(), str(bad)
    # without vjp=, the reference's gradient (identity) says the correct GRL is wrong
    plain = gradspec.check(
        R.GradientReversal.apply, lambda x, a: x * 1.0, "()->()", args={1: 0.5}, **FAST
    )
    assert "vjp" in plain.failed_checks()


def test_vjp_returning_the_wrong_count_is_a_spec_error():
    with pytest.raises(gradspec.SpecError) as info:
        gradspec.check(
            R.ClipGradient.apply,
            lambda x, c: x * 1.0,
            "()->()",
            args={1: 0.5},
            vjp=lambda x, c, g: (g, g, g),
        )
    assert "vjp returned 3" in str(info.value)


def test_vjp_needs_a_reference():
    with pytest.raises(gradspec.SpecError):
        gradspec.check(R.BinarizeSTE.apply, None, "()->()", vjp=lambda x, g: g)


# --- check_module ------------------------------------------------------------------------------


def test_check_module_checks_parameter_gradients():
    ref = lambda x, weight, bias: T.nn.functional.layer_norm(x, (4,), weight, bias, 1e-5)  # noqa: E731
    r = gradspec.check_module(R.MyLayerNorm(4), ref, "(n,4)->(n,4)", **FAST)
    assert r.ok, str(r)
    passed = {o.check for o in r.outcomes if o.status == "passed"}
    assert {"vjp", "backward-returns", "needs-input-grad"} <= passed, str(r)


class BadLN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(3))

    def forward(self, x):
        return R.GeLUBiasUnsummed.apply(x, self.weight)


def test_check_module_catches_a_parameter_gradient_bug():
    r = gradspec.check_module(
        BadLN(), lambda x, weight: T.nn.functional.gelu(x + weight, approximate="tanh"),
        "(n,3)->(n,3)", **FAST,
    )  # fmt: skip
    assert "backward-returns" in r.failed_checks(), str(r)
    assert "weight" in r.failures[0].message


def test_module_with_its_own_backward_gets_advice():
    m = R.ContentLoss(torch.zeros(3))
    r = gradspec.check_module(m, lambda x: x * 1.0, "(3)->(3)", **FAST)
    assert r.ok and "module-backward" in r.advised_checks(), str(r)
    assert "autograd.Function" in r.advice[0].message
    strict = gradspec.check_module(m, lambda x: x * 1.0, "(3)->(3)", strict=True, **FAST)
    assert "module-backward" in strict.failed_checks()


def test_check_module_wants_an_instance():
    with pytest.raises(gradspec.SpecError):
        gradspec.check_module(R.MyLayerNorm, None, "(n,4)->(n,4)")
    with pytest.raises(gradspec.SpecError) as info:
        gradspec.check(R.MyLayerNorm(4), None, "(n,4)->(n,4)")
    assert "check_module" in str(info.value)


# --- integer inputs and outputs, in place, views ----------------------------------------------


def test_index_outputs_compared_exactly_and_output_only_dims():
    r = gradspec.check(
        R.TopK.apply, lambda x, k: x.topk(k, -1), "(n,d)->(n,k),(n,k)", args={1: 2}, **FAST
    )
    assert r.ok, str(r)


class TopKWrongIndex(Function):
    @staticmethod
    def forward(ctx, x, k):
        values, indices = x.topk(k, dim=-1)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.shape = x.shape
        return values, indices.flip(-1)

    @staticmethod
    def backward(ctx, gv, gi):
        (indices,) = ctx.saved_tensors
        return gv.new_zeros(ctx.shape).scatter(-1, indices, gv), None


def test_wrong_index_output_is_caught():
    r = gradspec.check(
        TopKWrongIndex.apply, lambda x, k: x.topk(k, -1), "(n,d)->(n,k),(n,k)", args={1: 2},
        checks=["forward"], max_examples=10,
    )  # fmt: skip
    assert "forward" in r.failed_checks(), str(r)
    assert "exactly" in r.failures[0].message


def test_ties_among_index_outputs_are_not_failures():
    # NumPy's quicksort orders ties differently from a stable sort; both are right
    r = gradspec.check(
        R.NumpySort.apply,
        lambda x, d: (x.sort(d).values, x.sort(d).indices, x.sort(d).indices.argsort(d)),
        "(n,d)->(n,d),(n,d),(n,d)",
        args={1: -1},
        max_examples=12,
    )
    assert r.ok, str(r)


def test_integer_and_bool_inputs():
    ce = gradspec.check(
        R.SoftmaxCrossEntropy.apply,
        lambda x, t, ii: T.nn.functional.cross_entropy(x, t, ignore_index=ii),
        "(n,c),(n)->()",
        integer_inputs={1: (0, "c", [-100])},
        args={2: -100},
        **FAST,
    )
    assert ce.ok, str(ce)
    mm = gradspec.check(
        R.MaskedMean.apply,
        lambda x, m: (x * m).sum() / m.sum().clamp(min=1),
        "(n),(n)->()",
        integer_inputs={1: "bool"},
        **FAST,
    )
    assert mm.ok, str(mm)


def test_in_place_function_found_without_claims():
    r = gradspec.check(z.ScaleInplace.apply, lambda x: x * 2, "()->()", broadcast=True, **FAST)
    assert r.ok, str(r)
    bad = gradspec.check(
        z.InplaceUnmarked.apply, lambda x: x * 2, "()->()", checks=["inputs-unmodified"], **FAST
    )
    assert "inputs-unmodified" in bad.failed_checks()


# --- tolerances, strict, reports ---------------------------------------------------------------


class ExpSloppy(Function):
    """exp, 1e-4 relative off: wrong at float64's tolerance, fine at a user's 1e-3."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.exp() * (1 + 1e-4)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.exp()


def test_user_tolerances_number_or_per_dtype():
    common = dict(checks=["forward"], dtypes=["float64"], **FAST)
    assert not gradspec.check(ExpSloppy.apply, lambda x: x.exp(), "()->()", **common).ok
    assert gradspec.check(ExpSloppy.apply, lambda x: x.exp(), "()->()", rtol=1e-3, **common).ok
    per = gradspec.check(
        ExpSloppy.apply, lambda x: x.exp(), "()->()", rtol={"float64": 1e-3}, **common
    )
    assert per.ok
    with pytest.raises(gradspec.SpecError):
        gradspec.check(ExpSloppy.apply, lambda x: x.exp(), "()->()", rtol=-1)


def test_report_example_is_one_readable_line():
    r = gradspec.check(
        z.LinearBiasUnsummed.apply,
        lambda x, w, b: x @ w.t() + b,
        "(n,i),(o,i),(o)->(n,o)",
        checks=["backward-returns"],
        dtypes=["float32"],
        **FAST,
    )
    f = r.failures[0]
    assert f.example_text.startswith("x: float32[") and ", w: float32[" in f.example_text
    assert "sums it to size today" in f.message and "grad_fn.apply" in f.message
    assert f"example:   {f.example_text}" in str(r)


def test_reproducer_is_plain_torch_and_fails(tmp_path):
    r = gradspec.check(
        z.LinearBiasUnsummed.apply,
        lambda x, w, b: x @ w.t() + b,
        "(n,i),(o,i),(o)->(n,o)",
        checks=["backward-returns"],
        dtypes=["float32"],
        **FAST,
    )
    (path,) = r.write_reproducers(str(tmp_path))
    text = open(path).read()
    assert "import gradspec" not in text and "gradref" not in text and "numpy" not in text
    assert ".grad_fn.apply(" in text
    assert path in str(r)
    env = dict(os.environ, PYTHONPATH=ROOT)
    # gradspec and gradref made unimportable: the script needs torch and the op's module only
    guard = (
        "import sys, runpy; sys.modules['gradspec'] = sys.modules['gradref'] = None; "
        f"runpy.run_path({path!r}, run_name='__main__')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", guard],
        capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0 and "AssertionError" in proc.stderr, proc.stdout + proc.stderr
    assert "backward returned:" in proc.stdout
