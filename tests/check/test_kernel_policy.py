"""The verdicts on kernels' trade-offs: silently wrong values fail; documented-but-risky choices
(no @once_differentiable, writes into grad_output or inputs, raising on zero-size inputs) are
advice with their hazard, silenced by the claims that say "by design"; a finding is never
repeated by the checks it causes to fail; non-finite reference values are never the op's
failure; ``nondiff=`` inputs and None outputs need no wrapper.

The Functions are small plain-torch stand-ins for fused kernels: their forward and backward run
outside autograd (as a Triton kernel does)."""

from __future__ import annotations

import pytest
import torch
from torch.autograd.function import once_differentiable

import gradspec
from gradspec.functions.spec import SpecError

ROWS = "(n,d)->(n,d)"
F64 = dict(dtypes=["float64"], max_examples=6)


def _silu_grad(x):
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))


def silu_ref(x):
    return x * x.sigmoid()


# ------------------------------------------------------------------------ double backward


class SiluKernel(torch.autograd.Function):
    """Backward computed outside autograd, not @once_differentiable: with create_graph=True
    the gradients come back detached."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with torch.no_grad():
            return g * _silu_grad(x)


class SiluSavedDerivative(torch.autograd.Function):
    """The derivative computed in forward and saved; backward returns ``g * saved``: tracked
    with respect to grad_output only, so the second derivative w.r.t. x is missing."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(_silu_grad(x))
        return x * torch.sigmoid(x)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        return g * d


class ExpTrackedWrong(torch.autograd.Function):
    """Right first derivative, tracked torch ops, wrong second derivative (1 instead of
    exp(x)): silently wrong values for anyone differentiating twice."""

    @staticmethod
    def forward(ctx, x):
        r = x.exp()
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, g):
        x, r = ctx.saved_tensors
        return g * (r.detach() + x - x.detach())


@pytest.mark.parametrize("fn", [SiluKernel, SiluSavedDerivative])
def test_untracked_backward_is_advice_unless_double_backward_is_claimed(fn):
    common = dict(checks=["double-backward"], **F64)
    plain = gradspec.check(fn.apply, silu_ref, ROWS, **common)
    assert plain.ok and "double-backward" in plain.advised_checks(), str(plain)
    assert "mark backward @once_differentiable" in plain.advice[0].message
    assert len(plain.advice) == 1, str(plain)  # one finding, whichever input shows it
    claimed = gradspec.check(fn.apply, silu_ref, ROWS, claims={"double_backward": True}, **common)
    assert "double-backward" in claimed.failed_checks(), str(claimed)
    by_design = gradspec.check(
        fn.apply, silu_ref, ROWS, claims={"double_backward": False}, **common
    )
    assert by_design.ok and not by_design.advice, str(by_design)


def test_tracked_but_wrong_second_derivative_is_a_failure():
    r = gradspec.check(ExpTrackedWrong.apply, lambda x: x.exp(), ROWS, checks=["double-backward"],
                       **F64)  # fmt: skip
    assert "double-backward" in r.failed_checks(), str(r)


# ------------------------------------------------------------------------ zero-size inputs


class RowKernel(torch.autograd.Function):
    """Rows of length d: raises on zero-size inputs (a reshape of 0 elements into [-1, 0],
    a division by the row count), as many kernels' launch code does."""

    @staticmethod
    def forward(ctx, x):
        rows = x.reshape(-1, x.shape[-1])
        blocks = rows.shape[0] // rows.shape[0]  # ZeroDivisionError on zero rows
        return (rows * 2.0 * blocks).reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        return g * 2.0


def test_raising_on_zero_size_inputs_is_one_advice_under_edge_shapes():
    r = gradspec.check(RowKernel.apply, lambda x: x * 2.0, ROWS, max_examples=10)
    assert r.ok, str(r)
    zero = [f for f in r.advice if "zero-size" in f.message]
    assert [f.check for f in zero] == ["edge-shapes"], str(r)
    assert "raises on zero-size inputs; torch ops accept them" in zero[0].message
    assert not zero[0].also, str(r)  # never repeated by the other checks
    others = [f for f in r.advice if f.check != "edge-shapes"]
    assert not any("0 elements" in f.message or "division" in f.message for f in others), str(r)
    claimed = gradspec.check(
        RowKernel.apply, lambda x: x * 2.0, ROWS, max_examples=10, claims={"empty_inputs": False}
    )
    assert claimed.ok and "edge-shapes" not in claimed.advised_checks(), str(claimed)


# ------------------------------------------------------------------------ in place by design


class ScaleIntoGradOutput(torch.autograd.Function):
    """Writes the gradient into grad_output's memory and returns it (a memory saving; an
    expanded grad_output, as ``.sum()`` gives, is copied first)."""

    @staticmethod
    def forward(ctx, x):
        return x * 3.0

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        return g.contiguous().mul_(3.0)


class GluIntoInputs(torch.autograd.Function):
    """silu(a) * b; backward writes da, db into the saved a, b and returns them."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = a.contiguous(), b.contiguous()  # the caller's tensors, unless strided
        ctx.save_for_backward(a, b)
        return a * torch.sigmoid(a) * b

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        da = g * b * _silu_grad(a)
        db = g * a * torch.sigmoid(a)
        a.copy_(da)
        b.copy_(db)
        need_a, need_b = ctx.needs_input_grad
        return a if need_a else None, b if need_b else None


class SquareGradInLogits(torch.autograd.Function):
    """sum(x**2); forward stores the gradient 2x in x (not marked dirty) for backward."""

    @staticmethod
    def forward(ctx, x):
        loss = (x * x).sum()
        x.mul_(2.0)
        ctx.save_for_backward(x)
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (gx,) = ctx.saved_tensors
        return gx * g


GLU = "(n),(n)->(n)"


def glu_ref(a, b):
    return a * a.sigmoid() * b


IN_PLACE = [
    (ScaleIntoGradOutput, lambda x: x * 3.0, ROWS, "grad-output-unmodified",
     {"modifies_grad_output": True}),
    (GluIntoInputs, glu_ref, GLU, "inputs-unmodified", {"modifies_inputs": True}),
    (SquareGradInLogits, lambda x: (x * x).sum(), "(n)->()", "inputs-unmodified",
     {"modifies_inputs": True}),
]  # fmt: skip


@pytest.mark.parametrize(
    "fn,ref,sig,check,claim", IN_PLACE, ids=lambda v: getattr(v, "__name__", "")
)
def test_in_place_by_design_is_advice_with_its_hazard_and_blamed_once(fn, ref, sig, check, claim):
    r = gradspec.check(fn.apply, ref, sig, **F64)
    assert r.ok, str(r)
    assert check in r.advised_checks(), str(r)
    mine = next(f for f in r.advice if f.check == check)
    assert "a second consumer of" in mine.message and "sees your writes" in mine.message
    # not blamed again by the checks that run backward twice or on a retained graph
    assert not {"deterministic", "needs-input-grad", "double-backward"} & r.advised_checks()
    silenced = gradspec.check(fn.apply, ref, sig, claims=claim, **F64)
    assert silenced.ok and check not in silenced.advised_checks(), str(silenced)


class ScaleSavedGradInPlace(torch.autograd.Function):
    """Forward computes the gradient; backward scales the saved one in place by grad_output and
    returns it: a second backward through a retained graph gives g**2 times the gradient."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(2.0 * x)
        return (x * x).sum()

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (gx,) = ctx.saved_tensors
        return gx.mul_(g)


def test_deterministic_catches_a_backward_that_changes_the_gradient_it_returned():
    r = gradspec.check(
        ScaleSavedGradInPlace.apply, lambda x: (x * x).sum(), "(n)->()", checks=["deterministic"],
        **F64,
    )  # fmt: skip
    assert "deterministic" in r.failed_checks(), str(r)


# ------------------------------------------------------------------ saved-tensors-version


class RowsViewSaved(torch.autograd.Function):
    """Saves a view of its input made inside forward (no-grad mode): modifying the input after
    forward makes backward raise torch's view error, not the version-counter error."""

    @staticmethod
    def forward(ctx, x):
        rows = x.view(-1, x.shape[-1])
        ctx.save_for_backward(rows)
        return (rows * rows).reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (rows,) = ctx.saved_tensors
        return (g.reshape(rows.shape) * 2.0 * rows).reshape(g.shape)


def test_any_error_after_a_saved_tensor_was_modified_passes():
    r = gradspec.check(
        RowsViewSaved.apply, lambda x: x * x, ROWS, checks=["saved-tensors-version"], **F64
    )
    assert r.ok and not r.advice, str(r)


# ----------------------------------------------------------------- non-finite references


class MeanNllKernel(torch.autograd.Function):
    """Mean negative log-likelihood over targets != -100; 0.0 where every target is ignored
    (torch's mean gives nan there)."""

    @staticmethod
    def forward(ctx, x, t):
        keep = t != -100
        logp = x.log_softmax(-1)
        picked = logp.gather(-1, t.clamp_min(0)[:, None])[:, 0]
        count = int(keep.sum())
        loss = -(picked * keep).sum() / max(count, 1)
        grad = logp.exp() - torch.nn.functional.one_hot(t.clamp_min(0), x.shape[-1]).to(x)
        ctx.save_for_backward(grad * keep[:, None] / max(count, 1))
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (gx,) = ctx.saved_tensors
        return gx * g, None


def mean_nll_ref(x, t):
    keep = t != -100
    picked = x.log_softmax(-1).gather(-1, t.clamp_min(0)[:, None])[:, 0]
    return -(picked * keep).sum() / keep.sum()  # 0/0 = nan where every target is ignored


def test_non_finite_reference_values_are_never_the_ops_failure():
    r = gradspec.check(
        MeanNllKernel.apply, mean_nll_ref, "(n,c),(n)->()",
        integer_inputs={1: (0, "c", [-100])}, sizes={"n": [1, 2], "c": [2, 3]},
        dtypes=["float64"], max_examples=25,
        checks=["forward", "vjp"],
    )  # fmt: skip
    assert r.ok, str(r)


# ---------------------------------------------------------------- nondiff= and None outputs


class KlKernel(torch.autograd.Function):
    """KL(t || softmax(x)) per batch; the target t is a float input without a gradient."""

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        return (t * (t.log() - x.log_softmax(-1))).sum() / x.shape[0]

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        gx = (x.softmax(-1) * t.sum(-1, keepdim=True) - t) / x.shape[0]
        return g * gx, None


def kl_ref(x, t):
    return (t * (t.log() - x.log_softmax(-1))).sum() / x.shape[0]


KL = dict(bounds=[(-2, 2), (0.05, 1)], sizes={"n": [1, 2, 3]}, **F64)


@pytest.mark.parametrize("nondiff", [[1], ["t"]])
def test_nondiff_inputs_are_drawn_without_grad_and_not_checked(nondiff):
    r = gradspec.check(KlKernel.apply, kl_ref, "(n,c),(n,c)->()", nondiff=nondiff, **KL)
    assert r.ok, str(r)
    drawn = [f.example for f in r.advice]
    assert all(not inp["requires_grad"] for e in drawn for inp in e.get("inputs", [])[1:2])


def test_a_gradient_of_none_for_a_float_input_fails_without_nondiff():
    r = gradspec.check(KlKernel.apply, kl_ref, "(n,c),(n,c)->()", **KL)
    assert not r.ok, str(r)


@pytest.mark.parametrize("bad", [[2], ["zz"], [1.5]])
def test_nondiff_names_are_validated(bad):
    with pytest.raises(SpecError, match="nondiff"):
        gradspec.spec(KlKernel.apply, kl_ref, "(n,c),(n,c)->()", nondiff=bad)


class LossAndNone(torch.autograd.Function):
    """Returns ``(loss, None)`` as some fused losses do."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * x).sum(), None

    @staticmethod
    @once_differentiable
    def backward(ctx, g, _):
        (x,) = ctx.saved_tensors
        return 2.0 * x * g


def test_trailing_none_outputs_are_accepted():
    r = gradspec.check(LossAndNone.apply, lambda x: (x * x).sum(), "(n)->()", **F64)
    assert r.ok, str(r)


class ScaleIntoGradOutputTracked(ScaleIntoGradOutput):
    """The same, without @once_differentiable, writing as a kernel does (outside autograd):
    double backward runs on grad_output's own graph."""

    @staticmethod
    def backward(ctx, g):
        g = g.contiguous()
        with torch.no_grad():
            g.mul_(3.0)
        return g


class GluIntoInputsTracked(GluIntoInputs):
    """The same, without @once_differentiable, writing as a kernel does (outside autograd):
    double backward runs on the inputs' own graph."""

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        with torch.no_grad():
            da = g * b * _silu_grad(a)
            db = g * a * torch.sigmoid(a)
            a.copy_(da)
            b.copy_(db)
        return a, b


@pytest.mark.parametrize(
    "fn,ref,sig",
    [(ScaleIntoGradOutputTracked, lambda x: x * 3.0, ROWS), (GluIntoInputsTracked, glu_ref, GLU)],
    ids=["grad_output", "inputs"],
)
def test_a_gradient_returned_in_written_memory_fails_double_backward_only_when_claimed(
    fn, ref, sig
):
    # its graph is grad_output's (or the input's): the second derivative is silently wrong,
    # which matters only where double backward is claimed (otherwise the in-place advice says it)
    common = dict(checks=["double-backward"], **F64)
    plain = gradspec.check(fn.apply, ref, sig, **common)
    assert plain.ok and not plain.advice, str(plain)
    claimed = gradspec.check(fn.apply, ref, sig, claims={"double_backward": True}, **common)
    assert "double-backward" in claimed.failed_checks(), str(claimed)
    assert "refused" not in claimed.failures[0].message, str(claimed)
