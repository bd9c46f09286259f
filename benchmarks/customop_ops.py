"""Custom operators for the custom-op zoo (``benchmarks/customop_zoo.py``): correct ones written
the way PyTorch's custom-op tutorial writes them, and ones with one planted bug each, of the
classes ``torch.library.opcheck`` exists for (fake implementation, schema, vmap rule, compile)
and of the autograd formula.

Importing this module registers every op under the ``gszoo`` namespace (torch >= 2.4). The
triton_op runs on CUDA or, on CPU, under Triton's interpreter: set ``TRITON_INTERPRET=1``
before triton is first imported. ``CORRECT`` and ``BUGS`` list ``(name, op, reference,
signature, options, bug class)``; the references are written against gradref.
"""

from __future__ import annotations

import gradref as T
import numpy as np
import torch

HAVE_CUSTOM_OP = hasattr(torch.library, "custom_op") and hasattr(torch.library, "register_fake")
HAVE_VMAP = hasattr(torch.library, "register_vmap")
HAVE_TRITON_OP = hasattr(torch.library, "triton_op")
try:
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover
    triton = None

custom_op = torch.library.custom_op if HAVE_CUSTOM_OP else None


def _autograd(op, backward, saved):
    """register_autograd with a setup_context saving ``saved(inputs, output)``."""

    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*saved(inputs, output))

    op.register_autograd(backward, setup_context=setup_context)


# ------------------------------------------------------------------------- correct ops


def _define_correct():
    ops = {}

    # 1. sin, the tutorial's shape: custom_op + register_fake + register_autograd
    @custom_op("gszoo::sin", mutates_args=())
    def sin(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)

    @sin.register_fake
    def _(x):
        return torch.empty_like(x)

    _autograd(sin, lambda ctx, g: g * torch.cos(ctx.saved_tensors[0]), lambda i, o: (i[0],))
    ops["sin"] = (sin, lambda x: T.sin(x), "()->()", {"broadcast": True})

    # 2. a NumPy kernel (the tutorial's numpy_sin): fake and backward in torch
    @custom_op("gszoo::numpy_exp", mutates_args=())
    def numpy_exp(x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(np.exp(x.detach().cpu().numpy()))).to(x.device)

    @numpy_exp.register_fake
    def _(x):
        return torch.empty(x.shape, dtype=x.dtype, device=x.device)

    _autograd(numpy_exp, lambda ctx, g: g * ctx.saved_tensors[0], lambda i, o: (o,))
    ops["numpy_exp"] = (numpy_exp, lambda x: T.exp(x), "(n,d)->(n,d)", {"bounds": (-2, 2)})

    # 3. linear: three inputs, the bias gradient summed over the batch
    @custom_op("gszoo::linear", mutates_args=())
    def linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return x @ w.t() + b

    @linear.register_fake
    def _(x, w, b):
        return x.new_empty((x.shape[0], w.shape[0]))

    def linear_bwd(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, g.t() @ x, g.sum(0)

    _autograd(linear, linear_bwd, lambda i, o: (i[0], i[1]))
    ops["linear"] = (linear, lambda x, w, b: x @ w.t() + b, "(n,i),(o,i),(o)->(n,o)", {})

    # 4. a float argument, drawn from the schema's type
    @custom_op("gszoo::leaky", mutates_args=())
    def leaky(x: torch.Tensor, slope: float) -> torch.Tensor:
        return torch.where(x > 0, x, x * slope)

    @leaky.register_fake
    def _(x, slope):
        return torch.empty_like(x)

    def leaky_setup(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.slope = inputs[1]

    leaky.register_autograd(
        lambda ctx, g: (g * torch.where(ctx.saved_tensors[0] > 0, 1.0, ctx.slope), None),
        setup_context=leaky_setup,
    )
    ops["leaky"] = (leaky, lambda x, s: T.where(x > 0, x, x * s), "()->()", {"broadcast": True})

    # 5. an in-place op returning None: the reference returns the new value of x
    @custom_op("gszoo::relu_", mutates_args=("x",))
    def relu_(x: torch.Tensor) -> None:
        x.clamp_(min=0)

    @relu_.register_fake
    def _(x):
        return None

    ops["relu_"] = (relu_, lambda x: T.clamp(x, min=0), "()->()", {"broadcast": True})

    # 6. in-place accumulate into an out tensor (two inputs, one mutated)
    @custom_op("gszoo::add_into", mutates_args=("out",))
    def add_into(out: torch.Tensor, x: torch.Tensor) -> None:
        out.add_(x)

    @add_into.register_fake
    def _(out, x):
        return None

    ops["add_into"] = (add_into, lambda out, x: out + x, "(n),(n)->(n)", {})

    # 7. softmax over the last dim with its backward
    @custom_op("gszoo::softmax", mutates_args=())
    def softmax(x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, -1)

    @softmax.register_fake
    def _(x):
        return torch.empty(x.shape, dtype=x.dtype, device=x.device)  # softmax's out is dense

    def softmax_bwd(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(-1, keepdim=True))

    _autograd(softmax, softmax_bwd, lambda i, o: (o,))
    ops["softmax"] = (softmax, lambda x: T.softmax(x, -1), "(n,d)->(n,d)", {})

    # 8. not differentiable, no autograd formula: rounding
    @custom_op("gszoo::round_half", mutates_args=())
    def round_half(x: torch.Tensor) -> torch.Tensor:
        return torch.round(x * 2) / 2

    @round_half.register_fake
    def _(x):
        return torch.empty_like(x)

    ops["round_half"] = (round_half, lambda x: T.round(x * 2) / 2, "()->()", {"broadcast": True})

    # 9. an optional tensor argument (Tensor?)
    @custom_op("gszoo::bias_gelu", mutates_args=())
    def bias_gelu(x: torch.Tensor, b: torch.Tensor | None) -> torch.Tensor:
        y = x if b is None else x + b
        return 0.5 * y * (1 + torch.tanh(0.7978845608 * (y + 0.044715 * y**3)))

    @bias_gelu.register_fake
    def _(x, b):
        return torch.empty_like(x)

    def gelu_grad(y):
        t = torch.tanh(0.7978845608 * (y + 0.044715 * y**3))
        return 0.5 * (1 + t) + 0.5 * y * (1 - t * t) * 0.7978845608 * (1 + 3 * 0.044715 * y**2)

    def bias_gelu_setup(ctx, inputs, output):
        x, b = inputs
        ctx.has_b = b is not None
        ctx.save_for_backward(x, b) if b is not None else ctx.save_for_backward(x)

    def bias_gelu_bwd(ctx, g):
        saved = ctx.saved_tensors
        y = saved[0] if len(saved) == 1 else saved[0] + saved[1]
        gy = g * gelu_grad(y)
        return gy, (gy.sum(0) if ctx.has_b and ctx.needs_input_grad[1] else None)

    bias_gelu.register_autograd(bias_gelu_bwd, setup_context=bias_gelu_setup)

    def bias_gelu_ref(x, b):
        y = x if b is None else x + b
        return 0.5 * y * (1 + T.tanh(0.7978845608 * (y + 0.044715 * y**3)))

    ops["bias_gelu"] = (bias_gelu, bias_gelu_ref, "(n,d),(d)?->(n,d)", {})

    # 10. a device kernel registered with register_kernel (cpu), and an int argument
    @custom_op("gszoo::powi", mutates_args=(), device_types=None)
    def powi(x: torch.Tensor, n: int) -> torch.Tensor:
        raise NotImplementedError("no generic kernel")

    @powi.register_kernel("cpu")
    def _(x, n):
        return x**n

    @powi.register_fake
    def _(x, n):
        return torch.empty_like(x)

    def powi_setup(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.n = inputs[1]

    powi.register_autograd(
        lambda ctx, g: (g * ctx.n * ctx.saved_tensors[0] ** (ctx.n - 1) if ctx.n else g * 0,
                        None),
        setup_context=powi_setup,
    )  # fmt: skip
    ops["powi"] = (powi, lambda x, n: x**n, "()->()", {"broadcast": True})

    # 11. a vmap rule (register_vmap) that handles any in_dims
    if HAVE_VMAP:

        @custom_op("gszoo::mul", mutates_args=())
        def mul(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return x * y

        @mul.register_fake
        def _(x, y):
            return torch.empty_like(x)

        _autograd(mul, lambda ctx, g: (g * ctx.saved_tensors[1], g * ctx.saved_tensors[0]),
                  lambda i, o: i)  # fmt: skip

        def mul_vmap(info, in_dims, x, y):
            xd, yd = in_dims
            x = x.movedim(xd, 0) if xd is not None else x.unsqueeze(0)
            y = y.movedim(yd, 0) if yd is not None else y.unsqueeze(0)
            return mul(x, y), 0

        mul.register_vmap(mul_vmap)
        ops["mul"] = (mul, lambda x, y: x * y, "(n),(n)->(n)", {})

    # 12. a triton_op (wrap_triton), with its autograd
    if HAVE_TRITON_OP and triton is not None:
        ops["triton_scale"] = _triton_ops()["good"]
    return ops


BLOCK = 8


def _triton_ops():
    @triton.jit
    def scale_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr, MASKED: tl.constexpr):
        pid = tl.program_id(0)
        offs = pid * BLOCK + tl.arange(0, BLOCK)
        if MASKED:
            mask = offs < n
        else:  # the planted bug: no mask, the last partial block reads past the end
            mask = offs < (n // BLOCK) * BLOCK
        x = tl.load(x_ptr + offs, mask=mask, other=0.0)
        tl.store(out_ptr + offs, x * 3.0, mask=offs < n)

    def make(name, masked):
        @torch.library.triton_op(f"gszoo::{name}", mutates_args=())
        def op(x: torch.Tensor) -> torch.Tensor:
            x = x.contiguous()
            out = torch.empty_like(x)
            n = x.numel()
            if n:
                grid = (triton.cdiv(n, BLOCK),)
                torch.library.wrap_triton(scale_kernel)[grid](x, out, n, BLOCK=BLOCK,
                                                              MASKED=masked)  # fmt: skip

            return out

        def setup_context(ctx, inputs, output):
            pass

        op.register_autograd(lambda ctx, g: g * 3.0, setup_context=setup_context)
        return op

    good, bad = make("triton_scale", True), make("triton_scale_unmasked", False)
    opts = {"dtypes": ["float32"], "block_sizes": [BLOCK], "max_examples": 8}
    return {
        "good": (good, lambda x: x * 3.0, "(d)->(d)", opts),
        "bad": (bad, lambda x: x * 3.0, "(d)->(d)", opts),
    }


class ScaledLinear(torch.nn.Module):
    """An nn.Module whose forward calls custom ops (linear, then the triton_op or sin)."""

    def __init__(self, i: int = 3, o: int = 2):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(o, i))
        self.bias = torch.nn.Parameter(torch.zeros(o))

    def forward(self, x):
        y = torch.ops.gszoo.linear(x, self.weight, self.bias)
        if hasattr(torch.ops.gszoo, "triton_scale"):
            return torch.ops.gszoo.triton_scale(y.reshape(-1)).reshape(y.shape)
        return torch.ops.gszoo.sin(y)


def module_reference(x, weight, bias):
    y = x @ weight.t() + bias
    return y * 3.0 if hasattr(torch.ops.gszoo, "triton_scale") else T.sin(y)


# ---------------------------------------------------------------------------- bugs


def _define_bugs():
    bugs = {}

    def plain(name, fake, kernel=lambda x: torch.sin(x), ref=lambda x: T.sin(x), sig="(n,d)->(n,d)",
              opts=None, grad=True):  # fmt: skip
        op = custom_op(f"gszoo::{name}", mutates_args=())(_typed1(kernel))
        if fake is not None:
            op.register_fake(fake)
        if grad:
            _autograd(op, lambda ctx, g: g * torch.cos(ctx.saved_tensors[0]), lambda i, o: (i[0],))
        return op, ref, sig, opts or {}

    # fake implementation
    bugs["fake_shape"] = (*plain("fake_shape", lambda x: x.new_empty(x.shape[-1:])), "fake")
    bugs["fake_dtype"] = (
        *plain("fake_dtype", lambda x: torch.empty_like(x, dtype=torch.float32)),
        "fake",
    )
    bugs["fake_strides"] = (
        *plain(
            "fake_strides",
            lambda x: torch.empty_like(x),
            kernel=lambda x: torch.sin(x).contiguous().t().contiguous().t(),
        ),  # fmt: skip
        "fake",
    )
    bugs["fake_device"] = (*plain("fake_device", lambda x: torch.empty(x.shape, dtype=x.dtype,
                                  device="meta")), "fake")  # fmt: skip
    bugs["fake_reads_data"] = (
        *plain("fake_reads_data",
               lambda x: torch.empty_like(x) if bool((x > 100).any()) is False else x),
        "fake",
    )  # fmt: skip

    def fake_specialises(x):
        n, d = int(x.shape[0]), int(x.shape[1])  # int(): specialises the symbolic sizes
        if n * d > 10_000:
            return x.new_empty((n, d)).contiguous()
        return x.new_empty((n, d))

    bugs["fake_specialises"] = (
        *plain("fake_specialises", fake_specialises, kernel=lambda x: torch.sin(x).contiguous()),
        "fake (dynamic)",
    )
    bugs["fake_aliases"] = (*plain("fake_aliases", lambda x: x), "fake")
    bugs["fake_zero_size"] = (
        *plain(
            "fake_zero_size",
            lambda x: x.new_empty((max(x.shape[0], 1), x.shape[1])),
            kernel=lambda x: torch.sin(x).contiguous(),
        ),
        "fake (zero-size)",
    )
    bugs["fake_float64"] = (
        *plain(
            "fake_float64", lambda x: torch.empty_like(x), kernel=lambda x: torch.sin(x.float())
        ),  # fmt: skip
        "fake (float64)",
    )

    # schema
    @custom_op("gszoo::undeclared_write", mutates_args=())
    def undeclared_write(x: torch.Tensor) -> torch.Tensor:
        x.abs_()  # writes its input without declaring it
        return x.sqrt()

    @undeclared_write.register_fake
    def _(x):
        return torch.empty_like(x)

    bugs["undeclared_write"] = (undeclared_write, lambda x: T.sqrt(T.abs(x)), "()->()",
                                {"broadcast": True}, "schema")  # fmt: skip

    @custom_op("gszoo::declared_unwritten", mutates_args=("x",))
    def declared_unwritten(x: torch.Tensor) -> None:
        y = x.clone()
        y.clamp_(min=0)  # the planted bug: writes a copy, never x

    @declared_unwritten.register_fake
    def _(x):
        return None

    bugs["declared_unwritten"] = (declared_unwritten, lambda x: T.clamp(x, min=0), "()->()",
                                  {"broadcast": True}, "schema")  # fmt: skip

    @custom_op("gszoo::returns_alias", mutates_args=())
    def returns_alias(x: torch.Tensor) -> torch.Tensor:
        return x.view(x.shape)  # an output aliasing the input

    @returns_alias.register_fake
    def _(x):
        return torch.empty_like(x)

    bugs["returns_alias"] = (returns_alias, lambda x: x * 1.0, "()->()",
                             {"broadcast": True, "differentiable": False}, "schema")  # fmt: skip

    # vmap rule
    if HAVE_VMAP:

        @custom_op("gszoo::mul_vmap_dim0", mutates_args=())
        def mul_vmap_dim0(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return x * y

        @mul_vmap_dim0.register_fake
        def _(x, y):
            return torch.empty_like(x)

        def vmap_assumes_dim0(info, in_dims, x, y):
            # the planted bug: assumes every argument is batched along dim 0
            return mul_vmap_dim0(x, y if in_dims[1] is not None else y.unsqueeze(0)), 0

        mul_vmap_dim0.register_vmap(vmap_assumes_dim0)
        bugs["vmap_in_dims"] = (mul_vmap_dim0, lambda x, y: x * y, "(n),(n)->(n)",
                                {"differentiable": False}, "vmap")  # fmt: skip

        @custom_op("gszoo::sum_vmap_outdims", mutates_args=())
        def sum_vmap_outdims(x: torch.Tensor) -> torch.Tensor:
            return x.sum(-1)

        @sum_vmap_outdims.register_fake
        def _(x):
            return x.new_empty(x.shape[:-1])

        def vmap_wrong_out_dims(info, in_dims, x):
            (xd,) = in_dims
            x = x.movedim(xd, -1)  # the planted bug: the batch dim is moved last, then summed
            return sum_vmap_outdims(x), 0

        sum_vmap_outdims.register_vmap(vmap_wrong_out_dims)
        bugs["vmap_moves_batch"] = (sum_vmap_outdims, lambda x: x.sum(-1), "(n,d)->(n)",
                                    {"differentiable": False}, "vmap")  # fmt: skip

    # compile: the backward formula leaves torch (NumPy), so AOTAutograd cannot trace it
    @custom_op("gszoo::numpy_backward", mutates_args=())
    def numpy_backward(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)

    @numpy_backward.register_fake
    def _(x):
        return torch.empty_like(x)

    _autograd(numpy_backward,
              lambda ctx, g: g * torch.from_numpy(np.cos(ctx.saved_tensors[0].numpy())),
              lambda i, o: (i[0],))  # fmt: skip
    bugs["numpy_backward"] = (numpy_backward, lambda x: T.sin(x), "(n,d)->(n,d)", {}, "compile")

    # the autograd formula
    bugs["grad_wrong"] = (*_grad_bug("grad_wrong", lambda x, g: -g * torch.cos(x)),
                          "register_autograd (value)")  # fmt: skip

    @custom_op("gszoo::linear_bias_unsummed", mutates_args=())
    def linear_bias_unsummed(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return x @ w.t() + b

    @linear_bias_unsummed.register_fake
    def _(x, w, b):
        return x.new_empty((x.shape[0], w.shape[0]))

    def bias_bwd(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, g.t() @ x, g  # the planted bug: the bias gradient is not summed

    _autograd(linear_bias_unsummed, bias_bwd, lambda i, o: (i[0], i[1]))
    bugs["bias_unsummed"] = (linear_bias_unsummed, lambda x, w, b: x @ w.t() + b,
                             "(n,i),(o,i),(o)->(n,o)", {}, "register_autograd (shape)")  # fmt: skip

    @custom_op("gszoo::relu_max", mutates_args=("x",))
    def relu_max(x: torch.Tensor) -> None:
        x.clamp_(max=0)  # the planted bug: clamps from above

    @relu_max.register_fake
    def _(x):
        return None

    bugs["inplace_wrong"] = (relu_max, lambda x: T.clamp(x, min=0), "()->()",
                             {"broadcast": True}, "mutating op (value)")  # fmt: skip

    if HAVE_TRITON_OP and triton is not None:
        bugs["triton_unmasked"] = (*_triton_ops()["bad"], "triton tile boundary")
    return bugs


def _typed1(kernel):
    def f(x: torch.Tensor) -> torch.Tensor:
        return kernel(x)

    return f


def _grad_bug(name, grad):
    @custom_op(f"gszoo::{name}", mutates_args=())
    def op(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x)

    @op.register_fake
    def _(x):
        return torch.empty_like(x)

    _autograd(op, lambda ctx, g: grad(ctx.saved_tensors[0], g), lambda i, o: (i[0],))
    return op, lambda x: T.sin(x), "()->()", {"broadcast": True}


CORRECT: dict = {}
BUGS: dict = {}
if HAVE_CUSTOM_OP:
    CORRECT = _define_correct()
    BUGS = _define_bugs()
