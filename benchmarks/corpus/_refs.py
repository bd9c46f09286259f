"""gradref references the corpus shares, written from the papers' definitions (not from the
packages' code): sparsemax (Martins & Astudillo 2016) and 1.5-entmax (Peters et al. 2019), both
by sorting along the last dimension, and the step function surrogate-gradient Functions
compute forward."""

import gradref as T


def step(x):
    """The spike: 1 where x > 0, else 0, in x's dtype."""
    return (x > 0).to(x.dtype)


def sparsemax(x):
    """Euclidean projection of each row onto the simplex (last dimension)."""
    d = x.shape[-1]
    z = x.sort(-1, descending=True).values
    k = T.arange(1, d + 1, dtype=x.dtype)
    cs = z.cumsum(-1)
    with T.no_grad():
        support = ((1 + k * z) > cs).sum(-1, keepdim=True)
    tau = (cs.gather(-1, support - 1) - 1) / support.to(x.dtype)
    return (x - tau).clamp(min=0)


def entmax15(x):
    """1.5-entmax along the last dimension: max(x/2 - tau, 0)^2 with tau making rows sum to 1."""
    d = x.shape[-1]
    h = x / 2
    z = h.sort(-1, descending=True).values
    rho = T.arange(1, d + 1, dtype=x.dtype)
    mean = z.cumsum(-1) / rho
    mean_sq = (z * z).cumsum(-1) / rho
    ss = rho * (mean_sq - mean * mean)
    with T.no_grad():
        tau_all = mean - ((1 - ss) / rho).clamp(min=0).sqrt()
        support = (tau_all <= z).sum(-1, keepdim=True)
    k = support.to(x.dtype)
    mean_k, ss_k = mean.gather(-1, support - 1), ss.gather(-1, support - 1)
    tau = mean_k - ((1 - ss_k) / k).clamp(min=0).sqrt()
    return (h - tau).clamp(min=0) ** 2
