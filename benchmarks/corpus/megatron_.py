"""megatron-core: the fused bias+activation Functions of ``megatron.core.fusions`` and the
MoE auxiliary-loss scaler (identity forward; backward hands the aux loss a gradient of its
scale, 1 by default). Megatron wraps the fused helpers in ``torch.compile`` when
``megatron.core`` is imported (``megatron.core.jit.jit_fuser``); on a CPU that recompiles for
every shape, dtype and requires-grad pattern (100 s for one Function), so the corpus calls the
functions ``torch.compile`` wrapped (``_torchdynamo_orig_callable``), as megatron's own
``disable_jit_fuser()`` would have before the import: the same code, run eagerly."""

import gradref as T

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "megatron-core"

# the GLU variants split the last dimension in two halves
EVEN = {"d": [2, 4, 6]}


def _glu(x, act):
    a, b = x.chunk(2, -1)
    return act(a) * b


def entries():
    from megatron.core.fusions import fused_bias_geglu as geglu
    from megatron.core.fusions import fused_bias_gelu as gelu
    from megatron.core.fusions import fused_bias_swiglu as swiglu
    from megatron.core.transformer.moe.moe_utils import MoEAuxLossAutoScaler

    for mod in (gelu, swiglu, geglu):
        for name, obj in list(vars(mod).items()):
            if hasattr(obj, "_torchdynamo_orig_callable"):
                setattr(mod, name, obj._torchdynamo_orig_callable)
    F = T.nn.functional

    def tanh_gelu(x):
        return F.gelu(x, approximate="tanh")

    return [
        Entry("GeLUFunction (bias_gelu_impl)", "Function",
              lambda: spec(gelu.GeLUFunction.apply, lambda x, b: tanh_gelu(x + b),
                           "(n,h),(h)->(n,h)")),
        Entry("SwiGLUFunction", "Function",
              lambda: spec(swiglu.SwiGLUFunction.apply, lambda x, f8, off: _glu(x, F.silu),
                           "(n,d)->(n,e)", args={1: False, 2: False}, sizes=EVEN),
              typical_args={1: False, 2: False}),
        Entry("BiasSwiGLUFunction", "Function",
              lambda: spec(swiglu.BiasSwiGLUFunction.apply,
                           lambda x, b, f8, off: _glu(x + b, F.silu),
                           "(n,d),(d)->(n,e)", args={2: False, 3: False}, sizes=EVEN),
              typical_args={2: False, 3: False}),
        Entry("GeGLUFunction", "Function",
              lambda: spec(geglu.GeGLUFunction.apply, lambda x: _glu(x, tanh_gelu),
                           "(n,d)->(n,e)", sizes=EVEN)),
        Entry("BiasGeGLUFunction", "Function",
              lambda: spec(geglu.BiasGeGLUFunction.apply, lambda x, b: _glu(x + b, tanh_gelu),
                           "(n,d),(d)->(n,e)", sizes=EVEN)),
        Entry("MoEAuxLossAutoScaler", "Function",
              lambda: spec(MoEAuxLossAutoScaler.apply, lambda out, aux: out * 1.0,
                           "(n,h),()->(n,h)",
                           vjp=lambda out, aux, g: (g, T.ones_like(aux))),
              surrogate=True),
    ]  # fmt: skip
