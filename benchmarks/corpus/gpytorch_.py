"""gpytorch: ``gpytorch.functions.log_normal_cdf`` (log of the standard normal CDF, with its own
asymptotic branch for z < -1) and ``RBFCovariance`` (the RBF kernel matrix; its backward
differentiates the length scale only and the forward refuses x1, x2 that require grad, so the
spec passes them detached, as gpytorch's RBFKernel does)."""

import math

import gradref as T

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "gpytorch"


def _log_ndtr(z):  # gradref has no special.log_ndtr / erfc: through erf, accurate for z > -6
    return T.log(0.5 * (1 + T.erf(z / math.sqrt(2))))


def _sq_dist(a, b):
    return ((a.unsqueeze(-2) - b.unsqueeze(-3)) ** 2).sum(-1)


def entries():
    from gpytorch.functions import RBFCovariance, log_normal_cdf

    def rbf(x1, x2, ls):
        return RBFCovariance.apply(x1.detach(), x2.detach(), ls, _sq_dist)

    def rbf_ref(x1, x2, ls):
        return T.exp(-_sq_dist(x1.detach() / ls, x2.detach() / ls) / 2)

    return [
        Entry("log_normal_cdf (LogNormalCDF)", "Function",
              lambda: spec(log_normal_cdf, _log_ndtr, "()->()", broadcast=True, bounds=(-5, 5))),
        Entry("RBFCovariance", "Function",
              lambda: spec(rbf, rbf_ref, "(n,d),(m,d),(1,1)->(n,m)",
                           bounds=[(-2, 2), (-2, 2), (0.3, 3)]),
              gradcheck_constant=(0, 1)),
    ]  # fmt: skip
