"""snntorch 1.0.0: every surrogate spike Function's forward returns ``(input_ > 0).float()``, so
the spikes are float32 whatever the membrane potential's dtype: float64 models get float32
spikes (and float64 gradcheck fails with "Double did not match Float"), bfloat16/float16 models
get float32 activations. torch's own step functions (torch.heaviside, (x > 0).to(x.dtype))
keep the input's dtype.
"""

import sys

import torch
from snntorch import surrogate

bad = []
for name, fn in [
    ("ATan", lambda x: surrogate.ATan.apply(x, 2.0)),
    ("FastSigmoid", lambda x: surrogate.FastSigmoid.apply(x, 25.0)),
    ("Heaviside", surrogate.Heaviside.apply),
    ("StraightThroughEstimator", surrogate.StraightThroughEstimator.apply),
]:
    for dtype in (torch.float64, torch.bfloat16):
        x = torch.randn(4, dtype=dtype, requires_grad=True)
        y = fn(x)
        if y.dtype != x.dtype:
            bad.append(f"{name}: {dtype} input gives {y.dtype} spikes")
for b in bad:
    print("BUG:", b)
sys.exit(1 if bad else 0)
