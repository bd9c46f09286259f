"""The reference's answers on one example, memoised, and how far they can be trusted.

``Answers.get`` runs the reference (forward, VJP — the user's ``vjp`` when given — and on request
the second-order VJP) on given values, memoised by a key, so every variant of a check asks once.
For a dtype below float64 it also measures the reference's *own* error there, as OpInfo compares
low-precision results: the answer computed in float64 on the same values, and in float64 on
values perturbed by a couple of units in the last place of the checked dtype. Their spread is
what a correct implementation in that dtype may differ by (an ill-conditioned point, e.g. a
layer norm row of zero variance, amplifies rounding of the inputs), and it widens the tolerance
element by element; the reference's largest own error anywhere in the tensor widens it
everywhere (a normwise bound, as OpInfo compares float16 results: a tiny value computed by
cancellation may be off by the rounding error of the largest one).

``torch_answer`` runs the same reference on torch tensors: where gradref and torch disagree on
the same inputs, the reference is not to be trusted there (see :mod:`gradspec.functions.blame`).
"""

from __future__ import annotations

import numpy as np

from gradspec.functions.oracles import ReferenceFailed, RefResult, reference_result
from gradspec.functions.outcomes import NotApplicable, ReferenceProblem
from gradspec.tolerances import UNIT_ROUNDOFF, tolerance

#: the spread of the reference's own answers is multiplied by this in the tolerance
SPREAD_FACTOR = 4.0
#: the perturbation of the inputs, in units of the checked dtype's unit roundoff
PERTURB_ULPS = 2.0


class Answers:
    """Reference answers for one example (shared by the variants a check builds from it)."""

    def __init__(self, spec, T, args=(), seed: int = 0):
        self.spec = spec
        self.T = T
        self.args = tuple(args)
        self.seed = seed
        self.kinds = spec.input_kinds()
        self.memo: dict = {}
        #: key -> (values, cotangent function, second-cotangent function)
        self.inputs: dict = {}
        self._spreads: dict = {}
        #: second-order cotangents to compute with the first ``base`` answer (the checker sets
        #: them when double-backward will ask): one reference run then serves both orders
        self.prefetch_second = None

    @property
    def available(self) -> bool:
        return self.spec.reference is not None and self.T is not None

    def _run(self, T, values, dtype, cot, second, vjp=True, mask=None):
        return reference_result(
            T,
            self.spec.reference,
            values,
            dtype,
            cot if vjp else None,
            second=second,
            args=self.args,
            vjp=self.spec.vjp,
            kinds=self.kinds,
            mask=mask,
        )

    def get(self, key, values, dtype: str, cot, second=None, vjp: bool = True, mask=None):
        """The reference's answer under ``key`` (raises ReferenceProblem when it fails)."""
        if not self.available:
            raise NotApplicable("no reference")
        full = (key, dtype, vjp, second is not None)
        ahead = self.prefetch_second if key == "base" and vjp and mask is None else None
        if second is None and ahead is not None and full not in self.memo:
            both = (key, dtype, True, True)
            if both not in self.memo:
                self.inputs.setdefault(key, (values, cot, ahead))
                try:
                    self.memo[both] = self._run(self.T, values, dtype, cot, ahead, True, None)
                except ReferenceFailed as e:
                    self.memo[both] = e
            if isinstance(self.memo[both], RefResult):
                self.memo[full] = self.memo[both]  # the same forward and first-order answer
        if key in self.inputs and second is not None and self.inputs[key][2] is None:
            self.inputs[key] = (*self.inputs[key][:2], second)
        self.inputs.setdefault(key, (values, cot, second))
        if full not in self.memo:
            try:
                self.memo[full] = self._run(self.T, values, dtype, cot, second, vjp, mask)
            except ReferenceFailed as e:
                self.memo[full] = e
        r = self.memo[full]
        if isinstance(r, ReferenceFailed):
            raise ReferenceProblem(str(r))
        return r

    def precise(self, key, dtype: str, second: bool = False) -> RefResult | None:
        """The answer in float64 on the same values (None when it cannot be had)."""
        values, cot, sec = self.inputs[key]
        try:
            return self.get(key, values, "float64", cot, sec if second else None)
        except ReferenceProblem:
            return None

    def spread(self, key, dtype: str, kind: str, index: int, second: bool = False):
        """Per element, how far the reference's own answer in ``dtype`` can be from exact:
        ``|ref_dtype - ref_64| + |ref_64(perturbed) - ref_64|``. None for float64 (or when
        the float64 answers cannot be had)."""
        u = UNIT_ROUNDOFF.get(dtype)
        if dtype == "float64" or u is None or key not in self.inputs:
            return None
        memo = (key, dtype, kind, index, second)
        if memo not in self._spreads:
            self._spreads[memo] = self._spread(key, dtype, kind, index, second, u)
        return self._spreads[memo]

    def _spread(self, key, dtype, kind, index, second, u):
        values, cot, sec = self.inputs[key]
        pkey = (key, "perturbed")
        try:
            lo = self.get(key, values, dtype, cot, sec if second else None)
            hi = self.get(key, values, "float64", cot, sec if second else None)
            if pkey not in self.inputs:
                rng = np.random.default_rng([self.seed, 5000])
                pert = [
                    v
                    if v is None or k is not None
                    else v * (1 + PERTURB_ULPS * u * rng.choice([-1.0, 1.0], np.shape(v)))
                    for v, k in zip(values, self.kinds)
                ]
                self.inputs[pkey] = (pert, cot, sec)
            pv, pc, ps = self.inputs[pkey]
            pe = self.get(pkey, pv, "float64", pc, ps if second else None)
        except ReferenceProblem:
            return None
        a, b, c = (_pick(r, kind, index) for r in (lo, hi, pe))
        if a is None or b is None or c is None or np.shape(a) != np.shape(b):
            return None
        with np.errstate(invalid="ignore"):
            own = np.abs(a - b)  # the reference's own rounding error in this dtype
            s = own + np.abs(c - b)
            own = own[np.isfinite(own)]
            if own.size:  # normwise too, as OpInfo judges low precision: the largest error
                s = np.maximum(s, own.max())  # anywhere bounds what is fine everywhere
        return np.where(np.isfinite(s), s, 0.0)

    def tolerance(self, dtype: str, reduction: int, key=None, kind=None, index=None, second=False):
        """(rtol, atol) for comparing a result in ``dtype`` with the reference: the user's or
        torch.testing's defaults (widened by ``sqrt(reduction)``), plus, below float64, the
        reference's own spread there (``atol`` may then be an array)."""
        rtol, atol = tolerance(dtype, reduction)
        user_r, user_a = self.spec.tolerance_for(dtype)
        rtol = rtol if user_r is None else user_r
        atol = atol if user_a is None else user_a
        if key is not None and self.available:
            s = self.spread(key, dtype, kind, index, second)
            if s is not None:
                atol = atol + SPREAD_FACTOR * s
        return rtol, atol

    def torch_answer(self, key, dtype: str, second: bool = False) -> RefResult | None:
        """The same reference run on torch tensors (None when the namespace is torch already,
        or the reference does not run on torch)."""
        if not self.available or getattr(self.T, "__name__", "") == "torch":
            return None
        import torch

        from gradspec.functions.translate import as_torch

        values, cot, sec = self.inputs[key]
        full = (key, dtype, True, second, "torch")
        if full not in self.memo:
            reference = as_torch(self.spec.reference) or self.spec.reference
            vjp = as_torch(self.spec.vjp) or self.spec.vjp
            try:
                self.memo[full] = reference_result(
                    torch, reference, values, dtype, cot, second=sec if second else None,
                    args=self.args, vjp=vjp, kinds=self.kinds,
                )  # fmt: skip
            except Exception:  # noqa: BLE001 - no torch answer then
                self.memo[full] = None
        return self.memo[full]

    def torch_refuses(self, values, dtype: str, cot=None) -> bool:
        """Whether the reference run on torch tensors (gradref's names swapped for torch's, so
        torch's own ops) raises on ``values``: in its forward, or with ``cot`` in its VJP (the
        user's vjp when given). A reference that cannot run on torch at all (a NumPy call, a
        gradref-only function) refuses nothing."""
        if not self.available or self.spec.__dict__.get("_torch_domain") is False:
            return False  # the reference does not run on torch where gradref runs it
        import torch

        from gradspec.functions.translate import as_torch

        key = ("torch-refuses", tuple(map(id, values)), dtype, cot is not None)
        if key not in self.memo:
            reference = as_torch(self.spec.reference) or self.spec.reference
            vjp = as_torch(self.spec.vjp) or self.spec.vjp
            try:
                reference_result(
                    torch, reference, values, dtype, cot, args=self.args, vjp=vjp,
                    kinds=self.kinds,
                )  # fmt: skip
                self.memo[key] = False
            except ReferenceFailed as e:
                self.memo[key] = _torch_own_refusal(e)
            except Exception:  # noqa: BLE001 - not a refusal of torch's: no answer
                self.memo[key] = False
        return self.memo[key]


def _torch_own_refusal(e: ReferenceFailed) -> bool:
    """Whether the reference's exception on torch tensors was raised by torch (its ops refuse
    the inputs), not by the reference calling something torch tensors do not fit."""
    import os
    import traceback

    import torch

    cause = e.__cause__ or e
    if isinstance(cause, ReferenceFailed):
        return False  # a vjp of the wrong shape or type: the reference's problem
    root = os.path.dirname(os.path.abspath(torch.__file__))
    frames = traceback.extract_tb(cause.__traceback__)
    if any(os.path.abspath(f.filename).startswith(root + os.sep) for f in frames):
        return True
    return isinstance(cause, RuntimeError | ValueError | IndexError) and "gradref" not in str(cause)


def _pick(r: RefResult, kind: str, index: int):
    if kind == "output":
        o = r.outputs[index] if index < len(r.outputs) else None
        return None if o is None else o.value
    if kind == "grad":
        return None if r.grads is None else r.grads[index]
    if kind == "grad2":
        return None if r.grads2 is None else r.grads2[index]
    raise ValueError(kind)


def pick(r: RefResult, kind: str, index: int):
    """One array of a result: ``output`` k, ``grad`` i, or ``grad2`` j."""
    return _pick(r, kind, index)
