"""The domain of torch's convolutions: which parameters and shapes it refuses, in the order it
checks them, with its messages (``at::_convolution``'s parameter checks and
``check_shape_forward``, then the CPU kernels' own shape checks of the transposed
convolutions). Shared by ``conv{1,2,3}d`` and ``conv_transpose{1,2,3}d``."""

from __future__ import annotations

_AXES = {1: ("height", "width"), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _per_axis(name: str, values, n: int, sep: str = " ") -> str:
    """torch's "name_height: a name_width: b" listing; 1-d convolutions run as 2-d ones with
    a height of 1 (``default`` for the added axis)."""
    axes = _AXES[n]
    return sep.join(f"{name}_{a}: {v}" for a, v in zip(axes, values))


def _as_2d(values, n: int, default: int) -> tuple:
    return (default,) + tuple(values) if n == 1 else tuple(values)


def check_weight_rank(input, weight, n: int) -> None:
    """A weight of more dims than the input's (the input is batched by now) is refused before
    its parameters are read (one of fewer dims is refused by the parameter lists' lengths)."""
    if weight.dim() > n + 2:
        wd = weight.dim()
        raise RuntimeError(
            f"Expected {wd}-dimensional input for {wd}-dimensional weight {list(weight.shape)}, "
            f"but got {input.dim()}-dimensional input of size {list(input.shape)} instead"
        )


def check_params(*, stride, padding, dilation, groups, output_padding) -> None:
    """The parameter checks every convolution makes first."""
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")


def check_shapes(input, weight, bias, *, groups: int, transposed: bool) -> None:
    """``check_shape_forward``'s checks of the weight, the input's channels and the bias."""
    ws = list(weight.shape)
    if ws[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but "
            f"got weight of size {ws} instead"
        )
    if ws[0] % groups:
        # torch prints the sizes inside brackets of its own: [[...]]
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{ws}] instead"
        )
    cin = input.shape[1]
    channels = ws[0] if transposed else ws[1] * groups
    outputs = ws[1] * groups if transposed else ws[0]
    who = f"transposed={int(transposed)}" if transposed else f"groups={groups}"
    if cin != channels:
        raise RuntimeError(
            f"Given {who}, weight of size {ws}, expected input{list(input.shape)} to have "
            f"{channels} channels, but got {cin} channels instead"
        )
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != outputs):
        prefix = f"Given {who}, weight" if transposed else "Given weight"
        raise RuntimeError(
            f"{prefix} of size {ws}, expected bias to be 1-dimensional with {outputs} elements, "
            f"but got bias of size {list(bias.shape)} instead"
        )


def check_kernel(input, weight, *, padding, dilation) -> None:
    """A (non-transposed) convolution's kernel must fit the padded input."""
    spatial = tuple(input.shape[2:])
    ksize = tuple(weight.shape[2:])
    padded = tuple(s + 2 * p for s, p in zip(spatial, padding))
    kernel = tuple(d * (k - 1) + 1 for k, d in zip(ksize, dilation))
    if any(p < k for p, k in zip(padded, kernel)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
            "actual input size"
        )
    if any(d == 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")


def transposed_output_size(input_shape, weight_shape, *, stride, padding, dilation, output_padding):
    return tuple(
        (i - 1) * s - 2 * p + d * (k - 1) + op + 1
        for i, k, s, p, d, op in zip(
            input_shape[2:], weight_shape[2:], stride, padding, dilation, output_padding
        )
    )


def check_transposed_kernel(
    input, weight, *, n: int, stride, padding, dilation, output_padding
) -> tuple:
    """The CPU transposed-convolution kernels' shape checks; returns the output's spatial size."""
    ksize = tuple(weight.shape[2:])
    empty_weight = any(s == 0 for s in weight.shape)
    if n < 3 and any(k <= 0 for k in ksize):
        raise RuntimeError(
            "kernel size should be greater than zero, but got "
            + _per_axis("kernel", _as_2d(ksize, n, 1), n)
        )
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            + _per_axis("dilation", _as_2d(dilation, n, 1), n, sep=", ")
        )
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(
                (
                    _per_axis("output_padding", _as_2d(output_padding, n, 0), n),
                    _per_axis("stride", _as_2d(stride, n, 1), n),
                    _per_axis("dilation", _as_2d(dilation, n, 1), n),
                )
            )
        )
    if empty_weight:
        ws = list(weight.shape) if n > 1 else [weight.shape[0], weight.shape[1], 1, *ksize]
        if n == 3:
            raise RuntimeError(
                "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x "
                f"kernel_width) tensor expected for weight, but got: {ws}"
            )
        raise RuntimeError(f"non-empty 2D or 4D weight tensor expected, but got: {ws}")
    if any(s == 0 for s in input.shape[2:]):
        shape = list(input.shape) if n > 1 else [*input.shape[:2], 1, *input.shape[2:]]
        raise RuntimeError(
            f"Only zero batch or zero channel inputs are supported, but got input shape: {shape}"
        )
    out = transposed_output_size(
        tuple(input.shape),
        tuple(weight.shape),
        stride=stride,
        padding=padding,
        dilation=dilation,
        output_padding=output_padding,
    )
    if any(o < 1 for o in out):
        size_in = _as_2d(input.shape[2:], n, 1)
        size_out = _as_2d(out, n, 1)
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, size_in))}). Calculated output "
            f"size per channel: ({' x '.join(map(str, size_out))}). Output size is too small"
        )
    return out
