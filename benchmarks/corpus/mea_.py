"""memory-efficient-attention-pytorch: ``FlashAttentionFunction`` (attention computed tile by
tile, FlashAttention's algorithms 2 and 4 in plain torch), with its tile sizes drawn so that
partial last tiles occur, without and with the causal mask, and its ``FlashAttention`` Module.
Values have the queries' head size (the Function allocates its output like ``q``), as in the
package's Module."""

import gradref as T
from hypothesis import strategies as st

from benchmarks.corpus._harness import Entry, module_spec, spec

PACKAGE = "memory-efficient-attention-pytorch"

BUCKET = st.integers(1, 4)


def _attention(q, k, v, causal=False):
    s = q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5
    if causal:
        i, j = s.shape[-2], s.shape[-1]
        above = T.arange(j).unsqueeze(0) > T.arange(i).unsqueeze(1)
        s = s.masked_fill(above, float("-inf"))
    return s.softmax(-1) @ v


def entries():
    from memory_efficient_attention_pytorch.flash_attention import (
        FlashAttention,
        FlashAttentionFunction,
    )

    def module_ref(x, **p):
        b, n, _ = x.shape
        h = 2
        q = x @ p["to_q.weight"].t()
        kv = x @ p["to_kv.weight"].t()
        k, v = kv.chunk(2, -1)

        def heads(t):
            return t.reshape(b, n, h, -1).transpose(1, 2)

        o = _attention(heads(q), heads(k), heads(v))
        return o.transpose(1, 2).reshape(b, n, -1) @ p["to_out.weight"].t()

    return [
        Entry("FlashAttentionFunction", "Function",
              lambda: spec(FlashAttentionFunction.apply,
                           lambda q, k, v, mask, causal, qb, kb: _attention(q, k, v),
                           "(b,i,d),(b,j,d),(b,j,d)->(b,i,d)",
                           args={3: None, 4: False, 5: BUCKET, 6: BUCKET},
                           sizes={"i": range(1, 7), "j": range(1, 7)}),
              typical_args={3: None, 4: False, 5: 2, 6: 2}),
        # causal attention of a sequence on itself (queries and keys of the same length)
        Entry("FlashAttentionFunction causal", "Function",
              lambda: spec(FlashAttentionFunction.apply,
                           lambda q, k, v, mask, causal, qb, kb: _attention(q, k, v, True),
                           "(b,n,d),(b,n,d),(b,n,d)->(b,n,d)",
                           args={3: None, 4: True, 5: BUCKET, 6: BUCKET},
                           sizes={"n": range(1, 7)}),
              typical_args={3: None, 4: True, 5: 2, 6: 2}),
        Entry("FlashAttention (Module)", "Module",
              lambda: module_spec(FlashAttention(dim=4, heads=2, dim_head=2, q_bucket_size=2,
                                                 k_bucket_size=3),
                                  module_ref, "(b,n,4)->(b,n,4)", sizes={"n": range(1, 7)})),
    ]  # fmt: skip
