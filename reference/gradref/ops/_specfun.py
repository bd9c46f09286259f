"""Special functions in float64 NumPy (gamma family, zeta, erfinv, modified Bessel, normal
distribution), for the forwards of gradref's special ops.

Each takes and returns float64 arrays and gives torch's value at the points where the function
has a pole, a branch or an overflow (digamma(-0) = +inf, trigamma at a negative integer is the
reflection formula's finite 1 / sin(pi x)^2, i0(inf) = NaN, ...): those values are what torch's
kernels compute there, so they are part of what gradref mirrors. Elsewhere the results are
accurate to a few units in the last place of float64.
"""

from __future__ import annotations

import math

import numpy as np

_PI = math.pi
_SQRT_PI = math.sqrt(math.pi)
_SQRT2 = math.sqrt(2.0)
_EPS = np.finfo(np.float64).eps


def _elementwise(fn):
    """``fn`` (a scalar function of floats) applied to every element, as float64."""
    vec = np.vectorize(fn, otypes=[np.float64])

    def apply(*arrays):
        arrays = [np.asarray(a, np.float64) for a in arrays]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        if not int(np.prod(shape)):
            return np.zeros(shape, np.float64)
        with np.errstate(all="ignore"):
            return vec(*arrays)

    apply.__doc__ = fn.__doc__
    return apply


# ------------------------------------------------------------------------------ gamma family


@_elementwise
def lgamma(x: float) -> float:
    """log |Gamma(x)|; inf at the poles (0, -0 and the negative integers) and at ±inf."""
    if math.isnan(x):
        return x
    if math.isinf(x) or (x <= 0 and x == math.floor(x)):
        return math.inf
    try:
        return math.lgamma(x)
    except OverflowError:
        return math.inf


#: the asymptotic series of digamma: B_2k / 2k for k = 7..1 (highest power first)
_PSI_SERIES = (
    8.33333333333333333333e-2,
    -2.10927960927960927961e-2,
    7.57575757575757575758e-3,
    -4.16666666666666666667e-3,
    3.96825396825396825397e-3,
    -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
)


def _digamma(x: float) -> float:
    if x == 0:
        return math.copysign(math.inf, -x)
    if x < 0:
        if math.isinf(x) or x == math.trunc(x):  # the poles, and -inf
            return math.nan
        r = math.modf(x)[0]
        return _digamma(1 - x) - _PI / math.tan(_PI * r)
    if math.isnan(x):
        return x
    result = 0.0
    while x < 10:
        result -= 1 / x
        x += 1
    if math.isinf(x):
        return x
    y = 0.0
    if x < 1e17:
        z = 1 / (x * x)
        p = 0.0
        for c in _PSI_SERIES:
            p = p * z + c
        y = z * p
    return result + math.log(x) - 0.5 / x - y


digamma = _elementwise(_digamma)


def _trigamma(x: float) -> float:
    sign = 1.0
    result = 0.0
    if x < 0.5:
        sign = -1.0
        s = np.sin(_PI * np.float64(x))  # NaN at ±inf
        result -= (_PI * _PI) / (s * s)
        x = 1 - x
    for _ in range(6):
        result += 1 / (x * x)
        x += 1
    ixx = 1 / (x * x)
    result += (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x
    return sign * result


#: Euler-Maclaurin's denominators for the Hurwitz zeta function, (2k)! / B_2k
_ZETA_A = (
    12.0,
    -720.0,
    30240.0,
    -1209600.0,
    47900160.0,
    -1.8924375803183791606e9,
    7.47242496e10,
    -2.950130727918164224e12,
    1.1646782814350067249e14,
    -4.5979787224074726105e15,
    1.8152105401943546773e17,
    -7.1661652561756670113e18,
)


def _zeta(x: float, q: float) -> float:
    """The Hurwitz zeta function sum_k (k + q)^-x; its special cases in Cephes' (and torch's)
    order, so a NaN ``x`` with a non-positive integer ``q`` is inf, as there."""
    if x == 1:
        return math.inf
    if x < 1:
        return math.nan
    if q <= 0:
        if math.isinf(q) or q == math.floor(q):
            return math.inf
        if math.isnan(x) or (math.isfinite(x) and x != math.floor(x)):
            return math.nan
    if math.isnan(x) or math.isnan(q):
        return math.nan
    s = _pow(q, -x)
    a = q
    i = 0
    b = 0.0
    while i < 9 or a <= 9:
        i += 1
        a += 1.0
        b = _pow(a, -x)
        s += b
        if abs(b / s) < _EPS if s != 0 else False:
            return s
    w = a
    s += b * w / (x - 1) if not (b == 0 and math.isinf(w)) else math.nan
    s -= 0.5 * b
    a = 1.0
    k = 0.0
    for coef in _ZETA_A:
        a *= x + k
        b /= w
        t = a * b / coef
        s += t
        if s != 0 and abs(t / s) < _EPS:
            return s
        k += 1.0
        a *= x + k
        b /= w
        k += 1.0
    return s


def _pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except (OverflowError, ValueError):
        if a == 0:
            return math.inf
        return math.inf if abs(a) > 1 or b < 0 else math.nan


zeta = _elementwise(_zeta)


def polygamma(n: int, x):
    """The n-th derivative of digamma (n >= 0)."""
    if n == 0:
        return digamma(x)
    if n == 1:
        return _elementwise(_trigamma)(x)
    factor = (-1.0) ** (n + 1) * math.gamma(n + 1)
    return _elementwise(lambda v: factor * _zeta(n + 1.0, v))(x)


# ----------------------------------------------------------------------------- error function


#: a first guess for erfinv (single-precision polynomial fits in w = -log(1 - y^2))
_ERFINV_CENTRAL = (
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
)
_ERFINV_TAIL = (
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
)


def _erfinv(y: float) -> float:
    if math.isnan(y) or abs(y) > 1:
        return math.nan
    if abs(y) == 1:
        return math.copysign(math.inf, y)
    if y == 0:
        return y
    a = abs(y)
    # a first guess (the inverse of erf's tail expansion) refined by Newton's method on erf for
    # small |y| and on erfc (1 - |y| is exact for |y| >= 0.5) in the tail
    w = -math.log((1 - a) * (1 + a))
    if w < 5:
        w -= 2.5
        coefs = _ERFINV_CENTRAL
    else:
        w = math.sqrt(w) - 3
        coefs = _ERFINV_TAIL
    p = 0.0
    for c in coefs:
        p = p * w + c
    x = p * a
    target = math.log1p(-a)
    for _ in range(50):
        d = 2 / _SQRT_PI * math.exp(-x * x)
        if d == 0:
            break
        if a < 0.5:
            step = (math.erf(x) - a) / d
        else:  # Newton's method on log erfc(x) = log(1 - |y|)
            c = math.erfc(x)
            step = (math.log(c) - target) * c / -d
        x -= step
        if abs(step) <= _EPS * abs(x):
            break
    return math.copysign(x, y)


erfinv = _elementwise(_erfinv)


def _erfcx(x: float) -> float:
    if math.isnan(x):
        return x
    if x < 0:
        if x < -26.7:
            return math.inf
        return 2 * math.exp(x * x) - _erfcx(-x)
    if x < 12:
        return math.exp(x * x) * math.erfc(x)
    if math.isinf(x):
        return 0.0
    # the asymptotic series 1 / (x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k
    z = 1 / (2 * x * x)
    term, total = 1.0, 1.0
    for k in range(1, 30):
        term *= -(2 * k - 1) * z
        total += term
        if abs(term) < _EPS * abs(total):
            break
    return total / (x * _SQRT_PI)


erfcx = _elementwise(_erfcx)


# ------------------------------------------------------------------------ the normal distribution


def _log_ndtr(x: float) -> float:
    t = x / _SQRT2
    if x < -1:
        return math.log(_erfcx(-t) / 2) - t * t if not math.isinf(x) else -math.inf
    return math.log1p(-math.erfc(t) / 2)


log_ndtr = _elementwise(_log_ndtr)


def _ndtri(p: float) -> float:
    if math.isnan(p) or p < 0 or p > 1:
        return math.nan
    if p == 0:
        return -math.inf
    if p == 1:
        return math.inf
    if p > 0.5:
        return -_ndtri(1 - p)
    # a first guess from the tail asymptote, then Newton's method on log ndtr (accurate down to
    # the smallest p, where ndtr itself underflows)
    if p > 0.1:
        x = _SQRT2 * _erfinv(2 * p - 1)
    else:
        t = math.sqrt(-2 * math.log(p))
        x = -(t - (math.log(t) + 0.5 * math.log(2 * _PI)) / t)
    lp = math.log(p)
    for _ in range(50):
        ln = _log_ndtr(x)
        # d/dx log ndtr(x) = pdf(x) / ndtr(x)
        slope = math.exp(-0.5 * x * x - 0.5 * math.log(2 * _PI) - ln)
        step = (ln - lp) / slope
        x -= step
        if abs(step) <= 4 * _EPS * max(1.0, abs(x)):
            break
    return x


ndtri = _elementwise(_ndtri)


# --------------------------------------------------------------------- modified Bessel functions


def _bessel_i(nu: int, x: float, scaled: bool) -> float:
    """I_nu(|x|) (times exp(-|x|) when ``scaled``), nu in (0, 1), for x >= 0."""
    if x <= 30:
        q = x * x / 4
        term = (x / 2) ** nu
        total = term
        k = 1
        while True:
            term *= q / (k * (k + nu))
            total += term
            if term < _EPS * total or k > 500:
                break
            k += 1
        return total * math.exp(-x) if scaled else total
    if math.isinf(x):
        return 0.0 if scaled else math.nan
    # the asymptotic series exp(x) / sqrt(2 pi x) sum_k (-1)^k a_k / x^k, where
    # a_k = prod_j<=k (4nu^2 - (2j-1)^2) / (k! 8^k)
    mu = 4.0 * nu * nu
    term, total = 1.0, 1.0
    for k in range(1, 60):
        term *= -(mu - (2 * k - 1) ** 2) / (k * 8 * x)
        total += term
        if abs(term) < _EPS * abs(total):
            break
    base = total / math.sqrt(2 * _PI * x)
    if scaled:
        return base
    try:
        return base * math.exp(x)
    except OverflowError:
        return math.inf


def _i0(x: float) -> float:
    return x if math.isnan(x) else _bessel_i(0, abs(x), False)


def _i0e(x: float) -> float:
    return x if math.isnan(x) else _bessel_i(0, abs(x), True)


def _i1(x: float) -> float:
    return x if math.isnan(x) else math.copysign(_bessel_i(1, abs(x), False), x)


def _i1e(x: float) -> float:
    return x if math.isnan(x) else math.copysign(_bessel_i(1, abs(x), True), x)


i0 = _elementwise(_i0)
i0e = _elementwise(_i0e)
i1 = _elementwise(_i1)
i1e = _elementwise(_i1e)
