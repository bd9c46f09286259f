"""What each built-in node saves for backward, as torch exposes it: ``grad_fn._saved_<name>``.

One entry per node class: its saved fields in torch's order, each with the kind of value torch's
getter returns (transcribed from torch 2.15's generated ``torch/csrc/autograd/generated/
Functions.h``, whose members and types ``tools/autograd/gen_autograd_functions.py`` turns into
properties):

* ``Tensor``: a saved tensor (``_saved_x`` unpacks it, ``_raw_saved_x`` is the SavedTensor);
  ``None`` when the op did not need to save it; freed after backward;
* ``Tensor[]``: a tuple of saved tensors (``None`` for an absent optional one);
* ``int``, ``int?``, ``int[]``, ``int[]?``: int64 and SymInt values, which torch's getters pass
  through ``PyLong_FromUnsignedLong``, so that a negative value reads as ``value + 2**64``;
* ``Scalar``, ``Scalar?``: a number that keeps its Python type (int, float, complex, bool);
* ``float``, ``float?``, ``bool``, ``str``, ``str?``.

Fields of other C++ types (ScalarType, TensorOptions, nested sizes) have no getter in torch and
are not listed. ``?`` marks an optional value (``None`` when absent).
"""

from __future__ import annotations

#: node name -> "field: kind, ..." in torch's declaration order (outputs such as ``result`` last)
FIELDS: dict[str, str] = {
    "AddbmmBackward0": (
        "alpha: Scalar, batch1: Tensor, batch1_sym_argsize_0: int, batch1_sym_argsize_1: int, "
        "batch2: Tensor, batch2_sym_argsize_2: int, beta: Scalar"
    ),
    "AddmvBackward0": "alpha: Scalar, beta: Scalar, mat: Tensor, vec: Tensor",
    "AddrBackward0": "alpha: Scalar, beta: Scalar, vec1: Tensor, vec2: Tensor",
    "BaddbmmBackward0": "alpha: Scalar, batch1: Tensor, batch2: Tensor, beta: Scalar",
    "CholeskyInverseBackward0": "self: Tensor, upper: bool, result: Tensor",
    "CholeskySolveBackward0": "input2: Tensor, self: Tensor, upper: bool, result: Tensor",
    "ReflectionPad1DBackward0": "padding: int[], self: Tensor",
    "ReflectionPad2DBackward0": "padding: int[], self: Tensor",
    "ReflectionPad3DBackward0": "padding: int[], self: Tensor",
    "ReplicationPad1DBackward0": "padding: int[], self: Tensor",
    "ReplicationPad2DBackward0": "padding: int[], self: Tensor",
    "ReplicationPad3DBackward0": "padding: int[], self: Tensor",
    "PixelShuffleBackward0": "upscale_factor: int",
    "PixelUnshuffleBackward0": "downscale_factor: int",
    "ChannelShuffleBackward0": "groups: int",
    "NarrowCopyBackward0": "dim: int, length: int, self_sym_sizes: int[], start: int",
    "AsStridedBackward1": "size: int[], storage_offset: int?, stride: int[]",
    "AsStridedScatterBackward0": "size: int[], storage_offset: int?, stride: int[]",
    "ScatterReduceBackward0": (
        "dim: int, include_self: bool, index: Tensor, reduce: str, self: Tensor, src: Tensor, "
        "result: Tensor"
    ),
    "ModeBackward0": "dim: int, keepdim: bool, self_sym_sizes: int[], indices: Tensor",
    "NanmedianBackward0": "self: Tensor, result: Tensor",
    "NanmedianBackward1": "dim: int, keepdim: bool, self_sym_sizes: int[], indices: Tensor",
    "RollBackward0": "dims: int[], shifts: int[]",
    "Rot90Backward0": "dims: int[], k: int",
    "DiagonalBackward0": "dim1: int, dim2: int, offset: int, self_sym_sizes: int[]",
    "DiagonalBackward0_copy": "dim1: int, dim2: int, offset: int, self_sym_sizes: int[]",
    "DiagonalScatterBackward0": "dim1: int, dim2: int, offset: int",
    "DiagEmbedBackward0": "dim1: int, dim2: int, offset: int",
    "SelectScatterBackward0": "dim: int, index: int",
    "SliceScatterBackward0": "dim: int, end: int?, start: int?, step: int",
    "UnfoldBackward0": "dimension: int, self_sym_sizes: int[], size: int, step: int",
    "TakeBackward0": "index: Tensor, self: Tensor",
    "PutBackward0": "accumulate: bool, index: Tensor, source: Tensor",
    "IndexCopyBackward0": "dim: int, index: Tensor, source: Tensor, source_dim: int",
    "MaskedScatterBackward0": "mask: Tensor, source_sym_sizes: int[]",
    "VarMeanBackward0": "correction: Scalar?, dim: int[]?, keepdim: bool, self: Tensor",
    "StdMeanBackward0": (
        "correction: Scalar?, dim: int[]?, keepdim: bool, self: Tensor, result0: Tensor"
    ),
    "AminmaxBackward0": "dim: int?, keepdim: bool, self: Tensor, min: Tensor, max: Tensor",
    "NansumBackward0": "dim: int[]?, keepdim: bool, self: Tensor",
    "LogcumsumexpBackward0": "dim: int, self: Tensor, result: Tensor",
    "DistBackward0": "other: Tensor, p: Scalar, self: Tensor, result: Tensor",
    "RenormBackward0": "dim: int, maxnorm: Scalar, p: Scalar, self: Tensor",
    "CummaxBackward0": "dim: int, self: Tensor, indices: Tensor",
    "CumminBackward0": "dim: int, self: Tensor, indices: Tensor",
    "KthvalueBackward0": "dim: int, keepdim: bool, self_sym_sizes: int[], indices: Tensor",
    "LinalgCholeskyExBackward0": "upper: bool, L: Tensor",
    "LinalgCrossBackward0": "dim: int, other: Tensor, self: Tensor",
    "LinalgDetBackward0": "A: Tensor, LU: Tensor, pivots: Tensor, result: Tensor",
    "LinalgInvExBackward0": "inverse: Tensor",
    "LinalgSlogdetBackward0": "A: Tensor, LU: Tensor, pivots: Tensor, sign: Tensor",
    "LinalgSolveExBackward0": "A: Tensor, left: bool, LU: Tensor, pivots: Tensor, result: Tensor",
    "LinalgSolveTriangularBackward0": (
        "left: bool, self: Tensor, unitriangular: bool, upper: bool, result: Tensor"
    ),
    "MaskedSelectBackward0": "mask: Tensor, self: Tensor",
    "MedianBackward0": "self: Tensor, result: Tensor",
    "MedianBackward1": "dim: int, keepdim: bool, self_sym_sizes: int[], indices: Tensor",
    "ScatterBackward0": "dim: int, index: Tensor",
    "ScatterBackward1": "dim: int, index: Tensor",
    "SortBackward0": "dim: int, self_sym_sizes: int[], indices: Tensor",
    "SortBackward1": "dim: int, self_sym_sizes: int[], indices: Tensor",
    "TopkBackward0": "dim: int, self_sym_sizes: int[], indices: Tensor",
    "AbsBackward0": "self: Tensor",
    "AcosBackward0": "self: Tensor",
    "AddBackward0": "alpha: Scalar",
    "AddmmBackward0": (
        "alpha: Scalar, beta: Scalar, mat1: Tensor, mat1_sym_sizes: int[], "
        "mat1_sym_strides: int[], mat2: Tensor, mat2_sym_sizes: int[], "
        "mat2_sym_strides: int[]"
    ),
    "AliasBackward0": "",
    "AmaxBackward0": "dim: int[], keepdim: bool, self: Tensor, result: Tensor",
    "AminBackward0": "dim: int[], keepdim: bool, self: Tensor, result: Tensor",
    "AsStridedBackward0": "size: int[], storage_offset: int?, stride: int[]",
    "AsinBackward0": "self: Tensor",
    "AsinhBackward0": "self: Tensor",
    "AcoshBackward0": "self: Tensor",
    "AtanhBackward0": "self: Tensor",
    "ErfcBackward0": "self: Tensor",
    "Atan2Backward0": "other: Tensor, self: Tensor",
    "AtanBackward0": "self: Tensor",
    "BinaryCrossEntropyBackward0": "reduction: int, self: Tensor, target: Tensor, weight: Tensor",
    "BinaryCrossEntropyWithLogitsBackward0": (
        "pos_weight: Tensor, reduction: int, self: Tensor, target: Tensor, weight: Tensor"
    ),
    "BmmBackward0": "mat2: Tensor, self: Tensor",
    "CatBackward0": "dim: int",
    "CeilBackward0": "",
    "ClampBackward0": "max: Tensor, min: Tensor, self: Tensor",
    "ClampBackward1": "max: Scalar?, min: Scalar?, self: Tensor",
    "ClampMaxBackward0": "max: Scalar, self: Tensor",
    "ClampMaxBackward1": "max: Tensor, self: Tensor",
    "ClampMinBackward0": "min: Scalar, self: Tensor",
    "ClampMinBackward1": "min: Tensor, self: Tensor",
    "CloneBackward0": "",
    "ConjBackward0": "",
    "ConstantPadNdBackward0": "pad: int[]",
    "ConvolutionBackward0": (
        "bias_sym_sizes_opt: int[]?, dilation: int[], groups: int, input: Tensor, "
        "output_padding: int[], padding: int[], stride: int[], transposed: bool, "
        "weight: Tensor"
    ),
    "CosBackward0": "self: Tensor",
    "CoshBackward0": "self: Tensor",
    "CumprodBackward0": "dim: int, self: Tensor, result: Tensor",
    "CumsumBackward0": "dim: int",
    "DivBackward0": "other: Tensor, self: Tensor",
    "DivBackward1": "other: Scalar",
    "AddBackward1": "",
    "MulBackward1": "other: Scalar",
    "DivBackward2": "other: Tensor, rounding_mode: str?, self: Tensor",
    "DotBackward0": "self: Tensor, tensor: Tensor",
    "EluBackward0": "alpha: Scalar, input_scale: Scalar, scale: Scalar, self: Tensor",
    "ErfBackward0": "self: Tensor",
    "Exp2Backward0": "result: Tensor",
    "ExpBackward0": "result: Tensor",
    "ExpandBackward0": "self_sym_sizes: int[]",
    "Expm1Backward0": "result: Tensor",
    "FillBackward2": "",
    "FillBackward3": "",
    "FlipBackward0": "dims: int[]",
    "FloorBackward0": "",
    "FracBackward0": "",
    "GatherBackward0": "dim: int, index: Tensor, self: Tensor, sparse_grad: bool",
    "GeluBackward0": "approximate: str, self: Tensor",
    "HuberLossBackward0": "delta: float, reduction: int, self: Tensor, target: Tensor",
    "HypotBackward0": "other: Tensor, self: Tensor, result: Tensor",
    "IndexAddBackward0": "alpha: Scalar, dim: int, index: Tensor, source: Tensor, source_dim: int",
    "IndexBackward0": "indices: Tensor[], self_sym_sizes: int[]",
    "IndexPutBackward0": "accumulate: bool, indices: Tensor[]",
    "IndexFillBackward0": "dim: int, index: Tensor",
    "IndexFillBackward1": "dim: int, index: Tensor",
    "IndexSelectBackward0": "dim: int, index: Tensor, self_sym_sizes: int[]",
    "HardswishBackward0": "self: Tensor",
    "HardsigmoidBackward0": "self: Tensor",
    "MishBackward0": "self: Tensor",
    "HardtanhBackward0": "max_val: Scalar, min_val: Scalar, self: Tensor",
    "CeluBackward0": "alpha: Scalar, self: Tensor",
    "SoftshrinkBackward0": "lambd: Scalar, self: Tensor",
    "HardshrinkBackward0": "lambd: Scalar, self: Tensor",
    "ThresholdBackward0": "self: Tensor, threshold: Scalar",
    "GluBackward0": "dim: int, self: Tensor",
    "PreluKernelBackward0": "self: Tensor, weight: Tensor",
    "RreluWithNoiseBackward0": (
        "lower: Scalar, noise: Tensor, self: Tensor, training: bool, upper: Scalar"
    ),
    "Im2ColBackward0": (
        "dilation: int[], kernel_size: int[], padding: int[], self_sym_argsize_minus_1: int, "
        "self_sym_argsize_minus_2: int, stride: int[]"
    ),
    "Col2ImBackward0": "dilation: int[], kernel_size: int[], padding: int[], stride: int[]",
    "MaxUnpool2DBackward0": "indices: Tensor",
    "MaxUnpool3DBackward0": "indices: Tensor",
    "WeightNormInterfaceBackward0": "dim: int, g: Tensor, v: Tensor, result1: Tensor",
    "MaxPool2DWithIndicesBackward0": (
        "ceil_mode: bool, dilation: int[], kernel_size: int[], padding: int[], self: Tensor, "
        "stride: int[], result1: Tensor"
    ),
    "AvgPool2DBackward0": (
        "ceil_mode: bool, count_include_pad: bool, divisor_override: int?, kernel_size: int[], "
        "padding: int[], self: Tensor, stride: int[]"
    ),
    "AdaptiveAvgPool2DBackward0": "self: Tensor",
    "AdaptiveAvgPool3DBackward0": "self: Tensor",
    "AdaptiveMaxPool3DBackward0": "self: Tensor, result1: Tensor",
    "MaxPool3DWithIndicesBackward0": (
        "ceil_mode: bool, dilation: int[], kernel_size: int[], padding: int[], self: Tensor, "
        "stride: int[], result1: Tensor"
    ),
    "AvgPool3DBackward0": (
        "ceil_mode: bool, count_include_pad: bool, divisor_override: int?, kernel_size: int[], "
        "padding: int[], self: Tensor, stride: int[]"
    ),
    "UpsampleNearest3DBackward0": (
        "output_size: int[], scales_d: float?, scales_h: float?, scales_w: float?, "
        "self_sym_sizes: int[]"
    ),
    "UpsampleNearestExact3DBackward0": (
        "output_size: int[], scales_d: float?, scales_h: float?, scales_w: float?, "
        "self_sym_sizes: int[]"
    ),
    "UpsampleTrilinear3DBackward0": (
        "align_corners: bool, output_size: int[], scales_d: float?, scales_h: float?, "
        "scales_w: float?, self_sym_sizes: int[]"
    ),
    "AdaptiveMaxPool2DBackward0": "self: Tensor, result1: Tensor",
    "UpsampleNearest1DBackward0": "output_size: int[], scales: float?, self_sym_sizes: int[]",
    "UpsampleNearest2DBackward0": (
        "output_size: int[], scales_h: float?, scales_w: float?, self_sym_sizes: int[]"
    ),
    "UpsampleNearestExact1DBackward0": "output_size: int[], scales: float?, self_sym_sizes: int[]",
    "UpsampleNearestExact2DBackward0": (
        "output_size: int[], scales_h: float?, scales_w: float?, self_sym_sizes: int[]"
    ),
    "UpsampleLinear1DBackward0": (
        "align_corners: bool, output_size: int[], scales: float?, self_sym_sizes: int[]"
    ),
    "UpsampleBilinear2DBackward0": (
        "align_corners: bool, output_size: int[], scales_h: float?, scales_w: float?, "
        "self_sym_sizes: int[]"
    ),
    "NativeBatchNormBackward0": (
        "eps: float, input: Tensor, running_mean: Tensor, running_var: Tensor, "
        "training: bool, weight: Tensor, result1: Tensor, result2: Tensor"
    ),
    "NativeGroupNormBackward0": (
        "C: int, HxW: int, N: int, group: int, input: Tensor, weight: Tensor, "
        "result1: Tensor, result2: Tensor"
    ),
    "CdistBackward0": "p: float, x1: Tensor, x2: Tensor, result: Tensor",
    "EuclideanDistBackward0": "x1: Tensor, x2: Tensor, result: Tensor",
    "PdistBackward0": "p: float, self: Tensor, result: Tensor",
    "EmbeddingBackward0": (
        "indices: Tensor, padding_idx: int, scale_grad_by_freq: bool, sparse: bool, "
        "weight_sym_argsize_0: int"
    ),
    "SoftMarginLossBackward0": "reduction: int, self: Tensor, target: Tensor",
    "NllLoss2DBackward0": (
        "ignore_index: int, reduction: int, self: Tensor, target: Tensor, total_weight: Tensor, "
        "weight: Tensor"
    ),
    "MultiMarginLossBackward0": (
        "margin: Scalar, p: Scalar, reduction: int, self: Tensor, target: Tensor, weight: Tensor"
    ),
    "LeakyReluBackward0": "negative_slope: Scalar, self: Tensor",
    "LerpBackward0": "weight: Scalar",
    "LerpBackward1": "end: Tensor, self: Tensor, weight: Tensor",
    "LinalgVectorNormBackward0": (
        "dim: int[]?, keepdim: bool, ord: Scalar, self: Tensor, result: Tensor"
    ),
    "Log10Backward0": "self: Tensor",
    "Log1PBackward0": "self: Tensor",
    "Log2Backward0": "self: Tensor",
    "LogBackward0": "self: Tensor",
    "LogSigmoidBackward0": "self: Tensor, buffer: Tensor",
    "LogSoftmaxBackward0": "dim: int, result: Tensor",
    "LogsumexpBackward0": "dim: int[], keepdim: bool, self: Tensor, result: Tensor",
    "MaskedFillBackward0": "mask: Tensor",
    "MaskedFillBackward1": "mask: Tensor",
    "MaxBackward0": "dim: int, keepdim: bool, self_sym_sizes: int[], indices: Tensor",
    "MaxBackward1": "self: Tensor, result: Tensor",
    "MaximumBackward0": "other: Tensor, self: Tensor",
    "MeanBackward0": "self_sym_numel: int, self_sym_sizes: int[]",
    "MeanBackward1": "dim: int[]?, keepdim: bool, self_sym_numel: int, self_sym_sizes: int[]",
    "MinBackward0": "dim: int, keepdim: bool, self_sym_sizes: int[], indices: Tensor",
    "MinBackward1": "self: Tensor, result: Tensor",
    "MinimumBackward0": "other: Tensor, self: Tensor",
    "MmBackward0": (
        "mat2: Tensor, mat2_sym_sizes: int[], mat2_sym_strides: int[], self: Tensor, "
        "self_sym_sizes: int[], self_sym_strides: int[]"
    ),
    "MseLossBackward0": "reduction: int, self: Tensor, target: Tensor",
    "MulBackward0": "other: Tensor, self: Tensor",
    "MvBackward0": "self: Tensor, vec: Tensor",
    "NativeLayerNormBackward0": (
        "bias: Tensor, input: Tensor, normalized_shape: int[], weight: Tensor, "
        "result1: Tensor, result2: Tensor"
    ),
    "NegBackward0": "",
    "NllLossBackward0": (
        "ignore_index: int, reduction: int, self: Tensor, target: Tensor, weight: Tensor, "
        "total_weight: Tensor"
    ),
    "PermuteBackward0": "dims: int[]",
    "PowBackward0": "exponent: Scalar, self: Tensor",
    "PowBackward1": "exponent: Tensor, self: Tensor, result: Tensor",
    "PowBackward2": "exponent: Tensor, self: Scalar, result: Tensor",
    "ProdBackward0": "self: Tensor, result: Tensor",
    "ProdBackward1": "dim: int, keepdim: bool, self: Tensor, result: Tensor",
    "ReciprocalBackward0": "result: Tensor",
    "ReluBackward0": "result: Tensor",
    "RemainderBackward0": "",
    "RepeatBackward0": "repeats: int[], self_sym_sizes: int[]",
    "ReshapeAliasBackward0": "self_sym_sizes: int[]",
    "RoundBackward0": "",
    "RoundBackward1": "",
    "RsqrtBackward0": "result: Tensor",
    "RsubBackward0": "alpha: Scalar",
    "RsubBackward1": "alpha: Scalar",
    "ScatterAddBackward0": "dim: int, index: Tensor",
    "SelectBackward0": "dim: int, index: int, self_sym_sizes: int[]",
    "SgnBackward0": "self: Tensor, result: Tensor",
    "SigmoidBackward0": "result: Tensor",
    "SignBackward0": "",
    "SiluBackward0": "self: Tensor",
    "SinBackward0": "self: Tensor",
    "SinhBackward0": "self: Tensor",
    "SliceBackward0": "dim: int, end: int?, self_sym_sizes: int[], start: int?, step: int",
    "SmoothL1LossBackward0": "beta: float, reduction: int, self: Tensor, target: Tensor",
    "SoftmaxBackward0": "dim: int, result: Tensor",
    "SoftplusBackward0": "beta: Scalar, self: Tensor, threshold: Scalar",
    "SplitBackward0": "dim: int, self_sym_sizes: int[], split_size: int",
    "SplitWithSizesBackward0": "dim: int, self_sym_sizes: int[], split_sizes: int[]",
    "SqrtBackward0": "result: Tensor",
    "SqueezeBackward0": "self_sym_sizes: int[]",
    "SqueezeBackward1": "dim: int, self_sym_sizes: int[]",
    "SqueezeBackward2": "dim: int[], self_sym_sizes: int[]",
    "SqueezeBackward4": "dim: int, self_sym_sizes: int[]",
    "StackBackward0": "dim: int",
    "StdBackward0": "correction: Scalar?, dim: int[]?, keepdim: bool, self: Tensor, result: Tensor",
    "SubBackward0": "alpha: Scalar",
    "SumBackward0": "self_sym_sizes: int[]",
    "SumBackward1": "dim: int[]?, keepdim: bool, self_sym_sizes: int[]",
    "TBackward0": "",
    "TanBackward0": "result: Tensor",
    "TanhBackward0": "result: Tensor",
    "ToCopyBackward0": "",
    "TraceBackward0": "self_sym_sizes: int[]",
    "TransposeBackward0": "dim0: int, dim1: int",
    "TriangularSolveBackward0": (
        "A: Tensor, self: Tensor, transpose: bool, unitriangular: bool, upper: bool, "
        "solution: Tensor"
    ),
    "TriuBackward0": "diagonal: int",
    "TrilBackward0": "diagonal: int",
    "TruncBackward0": "",
    "UnbindBackward0": "dim: int",
    "UnsafeViewBackward0": "self_sym_sizes: int[]",
    "UnsqueezeBackward0": "dim: int",
    "VarBackward0": "correction: Scalar?, dim: int[]?, keepdim: bool, self: Tensor",
    "VdotBackward0": "other: Tensor, self: Tensor",
    "ViewBackward0": "self_sym_sizes: int[]",
    "WhereBackward0": "condition: Tensor",
    "ZeroBackward0": "",
    # elementwise ops of derivatives.yaml and torch.special
    "AngleBackward0": "self: Tensor",
    "ComplexBackward0": "imag: Tensor, real: Tensor",
    "PolarBackward0": "result: Tensor",
    "FrexpBackward0": "exponent: Tensor",
    "FmaxBackward0": "other: Tensor, self: Tensor",
    "FminBackward0": "other: Tensor, self: Tensor",
    "FmodBackward1": "other: Tensor, self: Tensor",
    "FmodBackward0": "",
    "RemainderBackward1": "other: Tensor, self: Tensor",
    "CopysignBackward0": "self: Tensor, result: Tensor",
    "CopysignBackward1": "self: Tensor, result: Tensor",
    "XlogyBackward0": "other: Tensor, self: Tensor",
    "XlogyBackward1": "other: Tensor, self: Scalar",
    "XlogyBackward2": "other: Scalar, self: Tensor",
    "SpecialXlog1PyBackward0": "other: Tensor, self: Tensor",
    "SpecialXlog1PyBackward1": "other: Tensor, self: Scalar",
    "SpecialXlog1PyBackward2": "other: Scalar, self: Tensor",
    "LogaddexpBackward0": "other: Tensor, self: Tensor",
    "Logaddexp2Backward0": "other: Tensor, self: Tensor",
    "LdexpBackward0": "other: Tensor, result: Tensor",
    "NextafterBackward0": "other: Tensor, self: Tensor",
    "AddcmulBackward0": "tensor1: Tensor, tensor2: Tensor, value: Scalar",
    "AddcdivBackward0": "tensor1: Tensor, tensor2: Tensor, value: Scalar",
    "SincBackward0": "self: Tensor",
    "LogitBackward0": "eps: float?, self: Tensor",
    "NanToNumBackward0": "self: Tensor",
    "LgammaBackward0": "self: Tensor",
    "DigammaBackward0": "self: Tensor",
    "PolygammaBackward0": "n: int, self: Tensor",
    "ErfinvBackward0": "self: Tensor",
    "I0Backward0": "self: Tensor",
    "SpecialI0EBackward0": "self: Tensor, result: Tensor",
    "SpecialI1Backward0": "self: Tensor, result: Tensor",
    "SpecialI1EBackward0": "self: Tensor, result: Tensor",
    "SpecialErfcxBackward0": "self: Tensor, result: Tensor",
    "SpecialNdtriBackward0": "result: Tensor",
    "SpecialLogNdtrBackward0": "self: Tensor, result: Tensor",
    "SpecialEntrBackward0": "self: Tensor",
    "MvlgammaBackward0": "p: int, self: Tensor",
    "SpecialZetaBackward0": "other: Tensor, self: Tensor",
    "SpecialZetaBackward1": "other: Tensor, self: Scalar",
    "SpecialZetaBackward2": "",
}
