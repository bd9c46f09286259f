"""The Triton kernels of ``examples/triton_kernels.py`` against plain PyTorch, and their planted
bugs: each bug shows at the shapes (or dtype) where it should, and only there.

Without a GPU the kernels run under Triton's interpreter. ``@triton.jit`` selects it when
``TRITON_INTERPRET=1`` is set while a function is decorated, and triton decorates its own
``tl.sum``, ``tl.max``, ... when it is imported, so the variable must be set before triton is
first imported, and stay set (triton reads it again at the first launch). It is set when there is
no GPU, the user did not set it and nothing imported triton yet, and left set for the rest of the
process; gradspec itself never imports triton. Every xdist worker imports the conftest, so each
worker sets it for itself. If
triton was imported earlier without it, ``available()`` gives the reason and the module is
skipped. The interpreter is slow: shapes and row counts are small. (The variable is set in
this folder's conftest.py, which pytest imports first.)
"""

import pytest
import torch

from examples import triton_kernels as K  # (conftest.py sets TRITON_INTERPRET first)

_reason = K.available()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)

DEVICE = K.default_device()
B = K.BLOCK_SIZE
R = K.ROWS_PER_GROUP
FLOATS = [torch.float32, torch.float64]
TOL = {
    torch.float64: dict(rtol=1e-10, atol=1e-12),
    torch.float32: dict(rtol=2e-5, atol=2e-6),
    torch.float16: dict(rtol=1e-2, atol=1e-2),
    torch.bfloat16: dict(rtol=5e-2, atol=5e-2),
}


def inputs(name, n, d, dtype=torch.float64, seed=0):
    gen = torch.Generator().manual_seed(seed)
    rand = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64)  # noqa: E731
    args = [rand(n, d)]
    if KERNEL_SIG[name] == K.LAYER_NORM:
        args += [1 + 0.5 * rand(d), rand(d)]
    args = [a.to(DEVICE, dtype).requires_grad_() for a in args]
    cotangent = rand(n, d).to(DEVICE, dtype)
    return args, cotangent


KERNEL_SIG = {name: sig for name, (_, sig, _) in K.KERNELS.items()}


def run(fn, args, cotangent):
    """The output and the gradients of every input for a random cotangent."""
    y = fn(*args)
    return (y, *torch.autograd.grad(y, args, cotangent))


def run_kernel(name, args, cotangent):
    return run(K.as_callable(name), args, cotangent)


def run_reference(name, args, cotangent):
    return run(K.REFERENCES[name], args, cotangent)


def close(a, b, dtype):
    return a.shape == b.shape and torch.allclose(a, b, **TOL[dtype])


def float64_reference(name, args, cotangent):
    """The reference run in float64 on the same (rounded) inputs: in float32 at d = 1, say,
    torch's float32 layer norm leaves rounding noise times rstd = 1/sqrt(eps) in dx, which is 0."""
    args64 = [a.detach().double().requires_grad_() for a in args]
    return [r.to(args[0].dtype) for r in run_reference(name, args64, cotangent.double())]


def assert_matches(name, n, d, dtype, seed=0):
    args, cotangent = inputs(name, n, d, dtype, seed)
    got, want = run_kernel(name, args, cotangent), float64_reference(name, args, cotangent)
    labels = ["output"] + [f"grad {i}" for i in range(len(args))]
    for label, g, w in zip(labels, got, want):
        assert g.dtype == w.dtype, label
        assert close(g, w, dtype), (
            f"{name} {n}x{d} {dtype}: {label} off by {(g - w).abs().max().item():.3g}"
        )


def mismatches(name, n, d, dtype=torch.float64, *, against=None):
    """Labels of the results (output, grad i) of ``name`` that differ from the reference (or
    from the Function ``against``) at n x d."""
    args, cotangent = inputs(name, n, d, dtype)
    got = run_kernel(name, args, cotangent)
    if against is None:
        want = run_reference(name, args, cotangent)
    else:
        want = run_kernel(against, args, cotangent)
    labels = ["output"] + [f"grad {i}" for i in range(len(args))]
    return [label for label, g, w in zip(labels, got, want) if not close(g, w, dtype)]


ROW_LENGTHS = [1, B - 1, B, B + 1, 2 * B + 1]


def test_available_and_the_table():
    assert K.available() is None
    assert set(K.REFERENCES) == set(K.KERNELS)
    bugs = [bug for _, _, bug in K.KERNELS.values()]
    assert bugs.count(None) == 2 and len(set(bugs)) == len(bugs) - 1


# ----- the correct Functions -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("d", ROW_LENGTHS)
def test_softmax_matches_torch(d, dtype):
    assert_matches("TritonSoftmax", 3, d, dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("d", ROW_LENGTHS)
def test_layer_norm_matches_torch_at_row_lengths(d, dtype):
    assert_matches("TritonLayerNorm", R + 1, d, dtype)


@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("n", [1, R - 1, R, R + 1, 2 * R + 1])
def test_layer_norm_matches_torch_at_row_counts(n, dtype):
    assert_matches("TritonLayerNorm", n, 5, dtype)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("name", ["TritonSoftmax", "TritonLayerNorm"])
def test_half_precision_accumulates_in_float32(name, dtype):
    # against the float64 reference rounded to dtype: float32 accumulation keeps within rounding
    args, cotangent = inputs(name, R + 1, B + 1, dtype)
    got, want = run_kernel(name, args, cotangent), float64_reference(name, args, cotangent)
    for g, w in zip(got, want):
        assert g.dtype == dtype
        assert torch.allclose(g.float(), w.float(), **TOL[dtype])


@pytest.mark.parametrize("name", ["TritonSoftmax", "TritonLayerNorm"])
def test_layouts_and_expanded_cotangents(name):
    # a transposed input, and the stride-0 gradient that the engine passes after a sum
    args, _ = inputs(name, B + 1, 3)
    x = args[0].detach().t().requires_grad_()  # 3 x (B+1), non-contiguous
    assert not x.is_contiguous()
    rest = [torch.linspace(0.5, 1.5, B + 1, dtype=x.dtype, device=DEVICE)] * (len(args) - 1)
    c = torch.arange(B + 1, dtype=x.dtype, device=DEVICE)  # dy = c expanded: strides (0, 1)
    got = torch.autograd.grad((K.as_callable(name)(x, *rest).sum(0) * c).sum(), [x])
    want = torch.autograd.grad((K.REFERENCES[name](x, *rest).sum(0) * c).sum(), [x])
    assert torch.allclose(got[0], want[0], **TOL[torch.float64])


@pytest.mark.parametrize("shape", [(0, 5), (3, 0)])
@pytest.mark.parametrize("name", ["TritonSoftmax", "TritonLayerNorm"])
def test_zero_size(name, shape):
    args, cotangent = inputs(name, *shape)
    got, want = run_kernel(name, args, cotangent), run_reference(name, args, cotangent)
    for g, w in zip(got, want):
        assert g.shape == w.shape and torch.equal(g, w)


# ----- the planted bugs ------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, B - 1, B, 2 * B])
def test_remainder_ignored_agrees_without_a_partial_block_after_a_full_one(d):
    assert mismatches("SoftmaxRemainderIgnored", 2, d) == []


@pytest.mark.parametrize("d", [B + 1, 2 * B + 1])
def test_remainder_ignored_differs_with_a_partial_block_after_a_full_one(d):
    assert mismatches("SoftmaxRemainderIgnored", 2, d) == ["output", "grad 0"]


@pytest.mark.parametrize("n", [1, R])
def test_weight_grad_not_accumulated_agrees_with_one_row_group(n):
    assert mismatches("LayerNormWeightGradNotAccumulated", n, 5) == []


@pytest.mark.parametrize("n", [R + 1, 2 * R + 1])
def test_weight_grad_not_accumulated_differs_with_several_row_groups(n):
    # dx is right; the weight and bias gradients keep the last group only
    assert mismatches("LayerNormWeightGradNotAccumulated", n, 5) == ["grad 1", "grad 2"]


def test_float32_accumulation_is_the_correct_kernel_outside_float64():
    args, cotangent = inputs("TritonLayerNorm", R + 1, B + 1, torch.float32)
    got = run_kernel("LayerNormFloat32Accumulation", args, cotangent)
    want = run_kernel("TritonLayerNorm", args, cotangent)
    assert all(torch.equal(g, w) for g, w in zip(got, want))


def test_float32_accumulation_differs_in_float64_by_float32_rounding():
    name = "LayerNormFloat32Accumulation"
    args, cotangent = inputs(name, R + 1, B + 1, torch.float64)
    got, want = run_kernel(name, args, cotangent), run_reference(name, args, cotangent)
    for g, w in zip(got, want):
        assert not torch.allclose(g, w, **TOL[torch.float64])  # visible against float64
        assert torch.allclose(g, w, rtol=1e-5, atol=1e-5)  # but only float32 rounding
    assert mismatches(name, R + 1, 5, torch.float32) == []  # invisible in float32


@pytest.mark.parametrize("d", [1, B + 1])
def test_missing_row_sum_has_the_right_forward_and_the_wrong_backward(d):
    assert mismatches("SoftmaxBackwardMissingRowSum", 2, d) == ["grad 0"]


def test_missing_row_sum_agrees_for_cotangents_orthogonal_to_the_output():
    # sum(dy * y) = 0 per row makes the dropped term vanish: a random cotangent is needed
    name = "SoftmaxBackwardMissingRowSum"
    (x,), dy = inputs(name, 2, 9)
    y = torch.softmax(x.detach(), -1)
    dy = dy - (dy * y).sum(-1, keepdim=True) / (y * y).sum(-1, keepdim=True) * y
    assert run_kernel(name, [x], dy)[1].allclose(run_reference(name, [x], dy)[1], rtol=1e-10)
