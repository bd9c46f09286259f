"""gradref.special: torch.special's pointwise functions, with its names and signatures."""

from __future__ import annotations

from .ops import pointwise as _pw
from .ops import reductions as _red
from .ops import special as _sp

__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
    "zeta",
]

digamma = psi = _sp.digamma
entr = _sp.special_entr
erf = _pw.erf
erfc = _pw.erfc
erfcx = _sp.special_erfcx
erfinv = _sp.erfinv
exp2 = _pw.exp2
expit = _pw.sigmoid
expm1 = _pw.expm1
gammaln = _sp.lgamma
i0 = _sp.i0
i0e = _sp.special_i0e
i1 = _sp.special_i1
i1e = _sp.special_i1e
log1p = _pw.log1p
log_ndtr = _sp.special_log_ndtr
logit = _pw.logit
ndtr = _sp.special_ndtr
ndtri = _sp.special_ndtri
polygamma = _sp.polygamma
round = _pw.round  # noqa: A001 - torch's name
sinc = _pw.sinc
xlog1py = _pw.special_xlog1py
xlogy = _pw.xlogy
zeta = _sp.special_zeta


def multigammaln(input, p: int):
    return _sp.mvlgamma(input, p)


def logsumexp(input, dim, keepdim: bool = False):
    return _red.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    return _red.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _red.log_softmax(input, dim, dtype=dtype)
