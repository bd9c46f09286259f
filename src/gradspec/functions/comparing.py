"""Asking the reference about a case and comparing the op's arrays with it: the reference's
answers (through :class:`~gradspec.functions.answers.Answers`, shared by the variants of one
example), per-dtype tolerances widened by the reference's own error in that dtype, subgradients
at kinks, and integer outputs (ties)."""

from __future__ import annotations

import math

import numpy as np

from gradspec.functions.answers import pick
from gradspec.functions.blame import judge
from gradspec.functions.calls import tensor_outputs
from gradspec.functions.oracles import RefResult, to_numpy
from gradspec.functions.outcomes import ADVICE, CheckFailure, NotApplicable, ReferenceProblem
from gradspec.functions.recompute import no_input_grad_limit


class CaseComparisons:
    """The reference and comparison part of :class:`~gradspec.functions.case.Case`."""

    def _cot(self, k, shape, _dtype=None):
        return self.example.cotangent(k, shape)

    def _second(self, j, shape):
        return self.example.second(j, shape)

    @property
    def has_reference(self) -> bool:
        return self.spec.reference is not None

    def ref(
        self, key="base", values=None, dtype=None, vjp=True, second=None, cot=None
    ) -> RefResult:
        """The reference's forward (and VJP with every input requiring grad), memoised by key;
        ReferenceProblem when the reference fails."""
        r = self.answers.get(
            key,
            self.values if values is None else values,
            dtype or self.dtype,
            cot or self._cot,
            second,
            vjp,
        )
        for note in r.notes:  # what was made of the user's vjp: reported with the reference
            if (note, None) not in self.notes:
                self.notes.append((note, None))
        return r

    def ref_requires_grad(self, mask) -> list:
        """Which reference outputs require grad when exactly the inputs in ``mask`` do."""
        if self.spec.vjp is None:  # one run with every input requiring grad tells, by its graph
            try:
                under = self.ref().requires_grad_under(mask)
            except ReferenceProblem:
                under = None  # the reference's backward failed: its forward may still tell
            if under is not None:
                return under
        r = self.answers.get(("mask", tuple(mask)), self.values, self.dtype, self._cot,
                             vjp=False, mask=mask)  # fmt: skip
        return [o is not None and o.requires_grad for o in r.outputs]

    def reduction_length(self) -> int:
        sizes = [math.prod(s) for s in self.example.shapes if s is not None]
        return max([1] + sizes)

    def tol(self, key=None, kind=None, index=None, dtype=None, second=False):
        return self.answers.tolerance(
            dtype or self.dtype, self.reduction_length(), key, kind, index, second
        )

    def compare_to_reference(
        self,
        actual,
        key: str,
        kind: str,
        index: int,
        what: str,
        scale: float = 1.0,
        second: bool = False,
        dtype=None,
    ):
        """None when ``actual`` matches the reference's ``kind`` ``index`` under ``key``; else
        the mismatch message. ReferenceProblem when the reference is to blame."""
        ref = self.answers.memo.get((key, dtype or self.dtype, True, second))
        if ref is None or not isinstance(ref, RefResult):
            ref = self.ref(key, dtype=dtype, second=self._second if second else None)
        expected = pick(ref, kind, index)
        a = actual if isinstance(actual, np.ndarray) else to_numpy(actual)
        rtol, atol = self.tol(None, kind, index, dtype, second)  # without the spread first
        if judge(what, a, expected, rtol * scale, atol * scale) is None:
            return None
        rtol, atol = self.tol(key, kind, index, dtype, second)
        rtol, atol = rtol * scale, atol * scale
        msg = judge(what, a, expected, rtol, atol)
        if msg is None:
            return None
        t = self.answers.torch_answer(key, dtype or self.dtype, second)
        te = None if t is None else pick(t, kind, index)
        return judge(what, a, expected, rtol, atol, te, torch_ran=te is not None)

    def close(
        self,
        actual,
        expected,
        what: str,
        dtype=None,
        scale: float = 1.0,
        key=None,
        kind=None,
        index=None,
    ) -> str | None:
        """None if ``actual`` matches ``expected`` (the op's own baseline, not the reference)
        within tolerance (widened by the reference's spread at ``key`` when given)."""
        a = actual if isinstance(actual, np.ndarray) else to_numpy(actual)
        e = np.asarray(expected)
        rtol, atol = self.tol(None, kind, index, dtype)  # the reference's spread only if needed
        if key is None or judge(what, a, e, rtol * scale, atol * scale) is None:
            return judge(what, a, e, rtol * scale, atol * scale)
        rtol, atol = self.tol(key, kind, index, dtype)
        return judge(what, a, e, rtol * scale, atol * scale)

    def within_subgradients(self, i: int, actual, key: str, h: float = 1e-4) -> bool:
        """Whether input ``i``'s gradient lies between the reference gradients just around the
        example's point: at a kink any subgradient is valid, so no false alarm there."""
        vals = self.values
        rng = np.random.default_rng([self.example.seed, 4000])
        fl = [self.example.is_float(j) for j in range(len(vals))]
        signs = [
            [None if v is None else np.ones(np.shape(v)) * f for v, f in zip(vals, fl)],
            [
                None if v is None else rng.choice([-1.0, 1.0], np.shape(v)) * f
                for v, f in zip(vals, fl)
            ],
        ]
        values, cot, _ = self.answers.inputs.get(key, (vals, self._cot, None))
        try:
            grads = [self.ref(key, values=values, cot=cot)]
        except ReferenceProblem:
            return False
        for n, s in enumerate(signs):
            for sgn in (1.0, -1.0):
                pert = [
                    None if v is None else v + sgn * h * d * (1 + np.abs(v))
                    for v, d in zip(values, s)
                ]
                try:
                    name = f"{key}~{n}{'+' if sgn > 0 else '-'}"
                    grads.append(self.ref(name, pert, "float64", cot=cot))
                except (ReferenceProblem, NotApplicable):
                    return False
        stack = np.stack([g.grads[i] for g in grads])
        lo, hi = stack.min(0), stack.max(0)
        a = to_numpy(actual)
        rtol, atol = self.tol(key, "grad", i)
        slack = atol + rtol * np.maximum(np.abs(lo), np.abs(hi)) + 1e-3 * (hi - lo)
        return bool(np.all((a >= lo - slack) & (a <= hi + slack)))

    def check_grads(self, grads, inputs, key: str, what: str, repro=None):
        """Compare engine grads with the reference VJP; raise CheckFailure on a real mismatch."""
        ref = self.ref(key) if key == "base" else None
        found, advice = [], None
        for i, (g, x) in enumerate(zip(grads, inputs)):
            if x is None or not x.requires_grad:
                continue
            if ref is None:
                values, cot, _ = self.answers.inputs[key]
                ref = self.ref(key, values=values, cot=cot)
            expected = ref.grads[i]
            if g is None:
                limit = no_input_grad_limit(self, inputs)
                if limit is not None and np.any(expected != 0):
                    advice = CheckFailure(limit, level=ADVICE, key=("reentrant-limits",))
                elif np.any(expected != 0):
                    found.append(
                        CheckFailure(
                            f"{what}: gradient of {self.input_name(i)} is None (not computed) "
                            "but the reference gradient is non-zero",
                            repro=repro(i) if repro else None,
                        )
                    )
                continue
            msg = self.compare_to_reference(
                g, key, "grad", i, f"{what}: gradient of {self.input_name(i)}"
            )
            if msg and not (
                tuple(g.shape) == tuple(np.shape(expected)) and self.within_subgradients(i, g, key)
            ):
                found.append(CheckFailure(msg, repro=repro(i) if repro else None))
        if found:
            found[0].others = found[1:]  # one finding per input: each may be a bug of its own
            raise found[0]
        if advice is not None:
            raise advice

    def selection_agrees(self, outs, key="base") -> bool:
        """Whether the op's integer and bool outputs (indices, masks) equal the reference's:
        where they differ (tied values), the gradients route differently and are not
        comparable."""
        if not self.has_reference:
            return True
        ref = self.ref(key) if key == "base" else self.ref(key, *self.answers.inputs[key][:1])
        for k, o in tensor_outputs(outs):
            r = ref.outputs[k] if k < len(ref.outputs) else None
            if r is None or r.is_float or o.is_floating_point() or o.is_complex():
                continue
            if tuple(o.shape) != r.shape or not np.array_equal(to_numpy(o), r.value):
                return False
        return True
