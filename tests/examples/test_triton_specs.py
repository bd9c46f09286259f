"""The Triton kernels through gradspec.check, as their author would check them: the block
sizes given (``block_sizes=(128,)`` columns, ``(8,)`` rows per group), so drawn sizes reach the
boundaries. The correct kernels pass; each planted bug is caught. Under Triton's interpreter
every row is a costly program: row counts and example counts are small."""

import pytest

import gradspec
from examples import triton_kernels as K

_reason = K.available()
if _reason is not None:
    pytest.skip(_reason, allow_module_level=True)

DEVICE = [K.default_device()]
NO_DOUBLE = {"double_backward": False}  # the kernels' backward is once_differentiable


def softmax_ref(x):
    return x.softmax(-1)


def layer_norm_ref(x, w, b, eps):
    import gradref

    return gradref.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def softmax(fn, **kw):
    opts = dict(block_sizes=(K.BLOCK_SIZE,), sizes={"n": range(1, 3)}, dtypes=["float32"],
                devices=DEVICE, claims=NO_DOUBLE, max_examples=4)  # fmt: skip
    return gradspec.check(fn, softmax_ref, K.SOFTMAX, **{**opts, **kw})


def layer_norm(fn, **kw):
    opts = dict(args={3: K.EPS}, dtypes=["float32"], devices=DEVICE, claims=NO_DOUBLE,
                max_examples=4)  # fmt: skip
    return gradspec.check(fn, layer_norm_ref, K.LAYER_NORM, **{**opts, **kw})


def test_softmax_passes_the_full_battery_across_block_boundaries():
    report = softmax(K.TritonSoftmax.apply)
    assert report.ok, str(report)


def test_layer_norm_passes_across_row_groups_and_column_blocks():
    """The full battery (layouts included: it found that the weight saved for backward must be
    the contiguous copy the kernels read) on one row group and past it."""
    report = layer_norm(K.TritonLayerNorm.apply, sizes={"n": [1, K.ROWS_PER_GROUP + 1],
                        "d": range(1, 4)}, max_examples=3)  # fmt: skip
    assert report.ok, str(report)


def test_remainder_ignored_is_caught_at_the_block_boundary():
    # rows one and two columns past the block (a random search of 6 examples may draw no
    # row longer than the block)
    report = softmax(
        K.SoftmaxRemainderIgnored.apply,
        checks=["forward"],
        max_examples=6,
        sizes={"n": range(1, 3), "d": range(K.BLOCK_SIZE + 1, K.BLOCK_SIZE + 3)},
    )
    assert "forward" in report.failed_checks(), str(report)


def test_softmax_backward_missing_row_sum_is_caught():
    report = softmax(K.SoftmaxBackwardMissingRowSum.apply, checks=["vjp"], block_sizes=(),
                     sizes={})  # fmt: skip
    assert "vjp" in report.failed_checks(), str(report)


def test_weight_grad_not_accumulated_across_row_groups_is_caught():
    report = layer_norm(K.LayerNormWeightGradNotAccumulated.apply, checks=["vjp"],
                        block_sizes=(K.ROWS_PER_GROUP,),
                        sizes={"d": range(1, 5), "n": [K.ROWS_PER_GROUP + 1]},
                        max_examples=6)  # fmt: skip
    assert "vjp" in report.failed_checks(), str(report)


def test_float32_accumulation_of_float64_inputs_is_caught():
    """Rows far from zero mean relative to their spread (activations often are), where a
    float32 sum of the row loses digits that float64 keeps: the error of the mean (~1e-5 at
    mean 50) is many times the float64 tolerance on every such row, so any example shows it."""
    options = dict(
        checks=["forward"], dtypes=["float64"], block_sizes=(K.BLOCK_SIZE,),
        sizes={"n": range(1, 3)}, max_examples=6, bounds=[(50.0, 51.0), (-2.0, 2.0), (-2.0, 2.0)],
    )  # fmt: skip
    report = layer_norm(K.LayerNormFloat32Accumulation.apply, **options)
    assert "forward" in report.failed_checks(), str(report)
    correct = layer_norm(K.TritonLayerNorm.apply, **options)  # float64 accumulation: exact
    assert correct.ok, str(correct)
