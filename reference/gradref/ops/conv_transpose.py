"""Transposed convolutions (torch's conv_transpose{1,2,3}d): the adjoint of the convolution
with the same weight, stride, padding, dilation and groups, so each is written with the
convolution's own pieces: the forward is a convolution's input gradient, the input's VJP a
convolution, the weight's VJP a convolution's weight gradient with the roles of input and
cotangent swapped. One ConvolutionBackward0 node (transposed=True), as torch records.

``output_padding`` gives back that many of the positions ``padding`` crops at the high end of
each spatial dim (as zeros beyond the full result): the convolution's geometry pads the result
by ``padding`` low and ``padding - output_padding`` high (a negative pad crops)."""

from __future__ import annotations

from .. import _dtypes, _grad_mode
from .._forward import or_zeros
from .._ops import record
from . import conv_params
from ._table import register
from .nn import _conv_forward, _conv_geometry, _conv_grad_input, _conv_grad_weight, _tuple


def conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, n, name):
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input "
            f"of size: {list(input.shape)}"
        )
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    if input.dim() == n + 1:
        out = conv_transpose(
            input.unsqueeze(0),
            weight,
            bias,
            stride,
            padding,
            output_padding,
            groups,
            dilation,
            n,
            name,
        )
        return out.squeeze(0)
    conv_params.check_weight_rank(input, weight, n)
    if weight.dim() != n + 2:
        given = [int(stride)] * n if isinstance(stride, int) else list(stride)
        raise RuntimeError(
            "expected stride to be a single integer value or a list of "
            f"{weight.dim() - 2} values to match the convolution dimensions, but got "
            f"stride={given}"
        )
    stride = _tuple(stride, n, "stride")
    padding = _tuple(padding, n, "padding")
    output_padding = _tuple(output_padding, n, "output_padding")
    dilation = _tuple(dilation, n, "dilation")
    conv_params.check_params(
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        output_padding=output_padding,
    )
    conv_params.check_shapes(input, weight, bias, groups=groups, transposed=True)
    out = conv_params.check_transposed_kernel(
        input,
        weight,
        n=n,
        stride=stride,
        padding=padding,
        dilation=dilation,
        output_padding=output_padding,
    )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"Input type ({_dtypes.legacy_type_name(input.dtype)}) and weight type "
            f"({_dtypes.legacy_type_name(weight.dtype)}) should be the same"
        )
    y_shape = (input.shape[0], weight.shape[1] * groups) + tuple(out)
    pads = tuple((p, p - op) for p, op in zip(padding, output_padding))
    geometry = _conv_geometry(y_shape, tuple(weight.shape), stride, pads, dilation)
    spatial_axes = (0,) + tuple(range(2, 2 + n))

    def forward(x, w, b):
        y = _conv_grad_input(x, y_shape, w, geometry, groups)
        if b is not None:
            y = y + b.reshape((1, -1) + (1,) * n)
        return y

    with _grad_mode.no_grad():
        y = forward(input.detach(), weight.detach(), None if bias is None else bias.detach())
    w_shape = tuple(weight.shape)
    fields = {
        "input": input,
        "weight": weight,
        "bias_sym_sizes_opt": (0,) if bias is None else tuple(bias.shape),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "transposed": True,
        "output_padding": output_padding,
        "groups": groups,
    }

    def jvp(t, c):
        # torch's convolution_jvp: the convolution of the input's tangent (and the bias's) with
        # the weight, plus that of the input with the weight's tangent
        first = forward(or_zeros(t[0], c.input), c.weight, t[2])
        return first + forward(c.input, or_zeros(t[1], c.weight), None)

    record(
        "ConvolutionBackward0",
        [input, weight, bias],
        [y],
        [
            lambda g, c: _conv_forward(g, c.weight, None, geometry, groups),
            lambda g, c: _conv_grad_weight(c.input, g, w_shape, geometry, groups),
            lambda g, c: g.sum(spatial_axes),
        ],
        [("input", "weight")] * 3,
        fields,
        jvp=jvp,
    )
    return y


@register("conv_transpose1d", method=False)
def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    return conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        1,
        "conv_transpose1d",
    )


@register("conv_transpose2d", method=False)
def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    return conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        2,
        "conv_transpose2d",
    )


@register("conv_transpose3d", method=False)
def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    return conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        3,
        "conv_transpose3d",
    )
