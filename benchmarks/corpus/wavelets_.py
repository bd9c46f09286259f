"""pytorch-wavelets: the 1-D discrete wavelet transform and its inverse (``DWT1DForward`` /
``DWT1DInverse``, whose autograd Functions are ``AFB1D`` / ``SFB1D``), Haar wavelet ('db1'),
zero padding: low = (x[2k] + x[2k+1]) / sqrt(2), high = (x[2k] - x[2k+1]) / sqrt(2), an odd
length padded with one zero (pywt's convention). The transforms hold their filters as float32
buffers (like an nn.Conv1d's weight, the module is cast to the input's dtype by the user), so the
specs are float32; the signal is at least one sample long (pywt refuses an empty one)."""

import math

import gradref as T
import torch

from benchmarks.corpus._harness import Entry, spec

PACKAGE = "pytorch-wavelets"

R2 = math.sqrt(2)


def _dwt(x):
    n, c, length = x.shape
    xp = T.nn.functional.pad(x, (0, length % 2))
    pairs = xp.reshape(n, c, -1, 2)
    a, b = pairs.select(-1, 0), pairs.select(-1, 1)
    return (a + b) / R2, (a - b) / R2


def _idwt(lo, hi):
    n, c, m = lo.shape
    return T.stack([(lo + hi) / R2, (lo - hi) / R2], -1).reshape(n, c, 2 * m)


def entries():
    from pytorch_wavelets import DWT1DForward, DWT1DInverse

    def transforms(dtype):
        fwd = DWT1DForward(J=1, wave="db1", mode="zero").to(dtype)
        inv = DWT1DInverse(wave="db1", mode="zero").to(dtype)

        def dwt(x):
            lo, (hi,) = fwd(x)
            return lo, hi

        def idwt(lo, hi):
            return inv((lo, [hi]))

        return dwt, idwt

    dwt, idwt = transforms(torch.float32)
    dwt64, idwt64 = transforms(torch.float64)

    return [
        Entry("DWT1DForward db1 zero (AFB1D)", "Module",
              lambda: spec(dwt, _dwt, "(n,c,l)->(n,c,m),(n,c,m)", dtypes=["float32"],
                           sizes={"l": range(1, 9)}),
              gradcheck_fn=dwt64),
        Entry("DWT1DInverse db1 zero (SFB1D)", "Module",
              lambda: spec(idwt, _idwt, "(n,c,m),(n,c,m)->(n,c,l)", dtypes=["float32"],
                           sizes={"m": range(1, 5)}),
              gradcheck_fn=idwt64),
    ]  # fmt: skip
