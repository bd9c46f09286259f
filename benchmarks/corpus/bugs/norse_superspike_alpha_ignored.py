"""norse 1.1.0: SuperSpike (``superspike.super_fn(x, alpha)``, ``threshold(x, "super", alpha)``)
ignores ``alpha``: its backward is ``grad / (|x| + 1)^2`` whatever alpha is, though the code's
own comment says "section 3.3.2 (beta -> alpha)" — Zenke & Ganguli's surrogate
1 / (beta |x| + 1)^2 with alpha as beta. Changing alpha (default 100) changes nothing.
Also HeaviCirc's backward is not the derivative of the approximation its docstring gives
(h(x, a) = 1/2 + x / (2 sqrt(x^2 + a^2)), h' = a^2 / (2 (x^2 + a^2)^{3/2})): it returns
a^3 / (x^2 + a^2)^{3/2}, 2a times that; HeaviTanh's (h = 1/2 + tanh(k x)/2, h' = k/2 (1 -
tanh^2(k x))) returns 1 - tanh^2(k x), 2/k times that. (A surrogate's scale is a choice; these
two are reported because the code contradicts the formula the class documents.)
"""

import sys

import torch
from norse.torch.functional.superspike import super_fn
from norse.torch.functional.threshold import HeaviCirc, HeaviTanh


def grad(f):
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    f(x).sum().backward()
    return x, x.grad


x, g1 = grad(lambda x: super_fn(x, 1.0))
_, g100 = grad(lambda x: super_fn(x, 100.0))
bugs = []
if torch.equal(g1, g100):
    bugs.append("SuperSpike's gradient is the same for alpha=1 and alpha=100")
a = 3.0
x, gc = grad(lambda x: HeaviCirc.apply(x, a))
want = a * a / (2 * (x.detach() ** 2 + a * a) ** 1.5)
if not torch.allclose(gc, want):
    ratio = (gc / want).mean().item()
    bugs.append(f"HeaviCirc's gradient is {ratio:.3g} x the derivative of its documented h")
x, gt = grad(lambda x: HeaviTanh.apply(x, a))
want = a / 2 * (1 - torch.tanh(a * x.detach()) ** 2)
if not torch.allclose(gt, want):
    ratio = (gt / want).mean().item()
    bugs.append(f"HeaviTanh's gradient is {ratio:.3g} x the derivative of its documented h")
for b in bugs:
    print("BUG:", b)
sys.exit(1 if bugs else 0)
