"""A Case: one spec on one drawn example, with the plumbing every check needs.

It builds torch inputs (any layout, any requires-grad mask, leaf or not), calls the op, makes
cotangents, asks the reference (memoised, so a failing case's reference answers can be frozen
into a reproducer), reads what the op's backward really returned, and compares arrays with
per-dtype tolerances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gradspec.functions.examples import Example
from gradspec.functions.oracles import (
    ReferenceFailed,
    RefResult,
    as_tuple,
    reference_result,
    to_numpy,
)
from gradspec.functions.signature import Signature
from gradspec.strategies import materialize, torch_dtype
from gradspec.tolerances import dtype_name, tolerance

if TYPE_CHECKING:
    from gradspec.functions.spec import Spec


class CheckFailure(AssertionError):
    """Raised by a check: the op violates ``behaviour`` (defaults to the check's own)."""

    def __init__(self, message: str, behaviour: str | None = None):
        super().__init__(message)
        self.message = message
        self.behaviour = behaviour


class NotApplicable(Exception):
    """A check that cannot say anything about this op or example (e.g. not a custom Function)."""


class Case:
    def __init__(self, spec: Spec, sig: Signature, example: Example, T=None, memo=None):
        self.spec = spec
        self.sig = sig
        self.example = example.with_values()
        self.T = T
        self.memo: dict = {} if memo is None else memo
        self.frozen = memo is not None and T is None
        self._leaves: dict[int, object] = {}

    # -- inputs and outputs --------------------------------------------------------------
    @property
    def dtype(self) -> str:
        return self.example.dtype

    @property
    def values(self):
        return self.example.values

    def make_inputs(self, requires_grad=None, layouts=None, nonleaf=None, values=None, dtype=None):
        """Torch inputs: omitted optional inputs are None; leaves unless ``nonleaf`` (then a
        clone of the leaf, as when the op modifies inputs in place)."""
        import torch

        ex = self.example
        requires_grad = ex.requires_grad if requires_grad is None else requires_grad
        layouts = ("contiguous",) * len(ex.shapes) if layouts is None else layouts
        nonleaf = bool(self.spec.claim("modifies_inputs")) if nonleaf is None else nonleaf
        values = ex.values if values is None else values
        dtype = dtype or ex.dtype
        out = []
        for v, rg, layout in zip(values, requires_grad, layouts):
            if v is None:
                out.append(None)
                continue
            t = materialize(v, layout, dtype, ex.device, requires_grad=bool(rg))
            if nonleaf:
                leaf = t
                with torch.set_grad_enabled(bool(rg)):
                    t = t.clone()
                self._leaves[id(t)] = leaf
            out.append(t)
        return out

    def leaf(self, x):
        """The leaf behind input ``x`` (``x`` itself unless it was passed as a clone): gradients
        are taken with respect to it, since an op that modifies ``x`` in place rebases it."""
        return self._leaves.get(id(x), x)

    def call(self, inputs) -> tuple:
        return as_tuple(self.spec.fn(*inputs))

    @staticmethod
    def tensor_outputs(outs) -> list:
        import torch

        return [(k, o) for k, o in enumerate(outs) if isinstance(o, torch.Tensor)]

    @staticmethod
    def diff_outputs(outs) -> list:
        return [(k, o) for k, o in Case.tensor_outputs(outs) if o.requires_grad]

    def cotangent(self, k: int, shape, dtype=None, layout=None, device=None):
        """Torch cotangent for output ``k``; ``layout`` defaults to contiguous."""
        ex = self.example
        v = ex.cotangent(k, shape)
        return materialize(v, layout or "contiguous", dtype or ex.dtype, device or ex.device)

    def cotangents(self, outs, layouts: bool = False, only=None) -> list:
        """Cotangents for the differentiable outputs (``only``: the output indices to keep)."""
        res = []
        for k, o in self.diff_outputs(outs):
            if only is not None and k not in only:
                continue
            layout = self.example.grad_layout(k) if layouts else "contiguous"
            res.append(self.cotangent(k, tuple(o.shape), o.dtype, layout, o.device))
        return res

    # -- the reference ------------------------------------------------------------------
    def _cot(self, k, shape, _dtype=None):
        return self.example.cotangent(k, shape)

    def _second(self, j, shape):
        return self.example.second(j, shape)

    def ref(self, key="base", values=None, dtype=None, vjp=True, second=False) -> RefResult:
        """The reference's forward (and VJP with every input requiring grad), memoised by key."""
        full = (key, dtype or self.dtype, vjp, second)
        if full in self.memo:
            r = self.memo[full]
            if isinstance(r, ReferenceFailed):
                raise r
            return r
        if self.frozen:
            raise NotApplicable(f"no frozen reference answer for {full}")
        if self.spec.reference is None:
            raise NotApplicable("no reference")
        try:
            r = reference_result(
                self.T,
                self.spec.reference,
                self.values if values is None else values,
                dtype or self.dtype,
                self._cot if vjp else None,
                second=self._second if second else None,
            )
        except ReferenceFailed as e:
            self.memo[full] = e
            raise
        self.memo[full] = r
        return r

    # -- engine and raw backward ----------------------------------------------------------
    def engine_grads(self, outs, inputs, cots, only=None, **kwargs):
        """``torch.autograd.grad`` of the differentiable outputs (or those in ``only``) with
        respect to the inputs requiring grad; returns one entry per input (None elsewhere)."""
        import torch

        diff = [o for k, o in self.diff_outputs(outs) if only is None or k in only]
        wrt = [self.leaf(x) for x in inputs if x is not None and x.requires_grad]
        if not diff or not wrt:
            return [None] * len(inputs)
        grads = iter(torch.autograd.grad(diff, wrt, cots, allow_unused=True, **kwargs))
        return [next(grads) if x is not None and x.requires_grad else None for x in inputs]

    def node(self, outs, inputs):
        """The custom Function node behind every differentiable output, when ``fn`` is (or
        directly wraps) a single ``autograd.Function`` applied to ``inputs``; else None."""
        import torch

        nodes = {id(o.grad_fn): o.grad_fn for _, o in self.diff_outputs(outs) if o.grad_fn}
        if len(nodes) != 1:
            return None
        node = next(iter(nodes.values()))
        if not isinstance(node, torch.autograd.function.BackwardCFunction):
            return None
        if len(node.needs_input_grad) != len(inputs):
            return None
        tensors = [x for x in inputs if isinstance(x, torch.Tensor)]
        if len(node.next_functions) != len(tensors):
            return None
        for x, (nxt, _) in zip(tensors, node.next_functions):
            if not x.requires_grad:
                if nxt is not None:
                    return None
            elif x.is_leaf and getattr(nxt, "variable", None) is not x:
                return None
        return node

    def raw_backward(self, outs, inputs, cots=None):
        """What the op's backward really returns (count, shapes, dtypes, None-ness), read by
        calling the node directly: the engine would hide wrong shapes and dtypes.

        Returns ``(node, grads)`` or raises NotApplicable."""
        import torch

        node = self.node(outs, inputs)
        if node is None:
            raise NotApplicable("fn is not a single custom autograd.Function applied to its inputs")
        touts = self.tensor_outputs(outs)
        cots = self.cotangents(outs) if cots is None else cots
        by_k = dict(zip([k for k, _ in self.diff_outputs(outs)], cots))
        grads = [by_k.get(k, torch.zeros_like(o)) for k, o in touts]
        with torch.no_grad():
            ret = node.apply(*grads)
        if not isinstance(ret, tuple):
            ret = (ret,)
        return node, ret

    # -- comparison -----------------------------------------------------------------------
    def reduction_length(self) -> int:
        sizes = [int(np.prod(s)) for s in self.example.shapes if s is not None]
        return max([1] + sizes)

    def close(self, actual, expected, what: str, dtype=None, scale: float = 1.0) -> str | None:
        """None if ``actual`` matches ``expected`` within tolerance, else a description."""
        a = to_numpy(actual) if not isinstance(actual, np.ndarray) else actual
        e = np.asarray(expected, dtype=np.float64)
        if a.shape != e.shape:
            return f"{what}: shape {tuple(a.shape)}, expected {tuple(e.shape)}"
        rtol, atol = tolerance(dtype or self.dtype, self.reduction_length())
        rtol, atol = rtol * scale, atol * scale
        both_nan = np.isnan(a) & np.isnan(e)
        same_inf = np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))
        ok = both_nan | same_inf | (np.abs(a - e) <= atol + rtol * np.abs(e))
        if ok.all():
            return None
        a, e, ok = np.atleast_1d(a), np.atleast_1d(e), np.atleast_1d(ok)
        idx = tuple(int(i) for i in np.argwhere(~ok)[0])
        err = np.where(ok, 0.0, np.abs(a - e))
        return (
            f"{what}: {int((~ok).sum())} of {a.size} elements differ; first at index {list(idx)}: "
            f"got {a[idx]!r}, expected {e[idx]!r} (max abs error {np.nanmax(err):.3g}, "
            f"rtol {rtol:.2g}, atol {atol:.2g})"
        )

    def within_subgradients(self, i: int, actual, key: str, h: float = 1e-4) -> bool:
        """Whether input ``i``'s gradient lies between the reference gradients just around the
        example's point: at a kink any subgradient is valid, so no false alarm there."""
        vals = self.values
        rng = np.random.default_rng([self.example.seed, 4000])
        signs = [
            [None if v is None else np.ones(np.shape(v)) for v in vals],
            [None if v is None else rng.choice([-1.0, 1.0], np.shape(v)) for v in vals],
        ]
        grads = [self.ref(key)]
        for n, s in enumerate(signs):
            for sgn in (1.0, -1.0):
                pert = [
                    None if v is None else v + sgn * h * d * (1 + np.abs(v))
                    for v, d in zip(vals, s)
                ]
                try:
                    grads.append(self.ref(f"{key}~{n}{'+' if sgn > 0 else '-'}", pert, "float64"))
                except (ReferenceFailed, NotApplicable):
                    return False
        stack = np.stack([g.grads[i] for g in grads])
        lo, hi = stack.min(0), stack.max(0)
        a = to_numpy(actual)
        rtol, atol = tolerance(self.dtype, self.reduction_length())
        slack = atol + rtol * np.maximum(np.abs(lo), np.abs(hi)) + 1e-3 * (hi - lo)
        return bool(np.all((a >= lo - slack) & (a <= hi + slack)))

    def check_grads(self, grads, inputs, key: str, what: str, ref: RefResult | None = None):
        """Compare engine grads with the reference VJP; raise CheckFailure on a real mismatch."""
        ref = ref or self.ref(key)
        for i, (g, x) in enumerate(zip(grads, inputs)):
            if x is None or not x.requires_grad:
                continue
            expected = ref.grads[i]
            if g is None:
                if np.any(expected != 0):
                    raise CheckFailure(
                        f"{what}: gradient of input {i} is None (not computed) but the reference "
                        "gradient is non-zero"
                    )
                continue
            msg = self.close(g, expected, f"{what}: gradient of input {i}")
            if msg and not (
                tuple(g.shape) == tuple(np.shape(expected)) and self.within_subgradients(i, g, key)
            ):
                raise CheckFailure(msg)


def describe_tensor(t) -> dict:
    """Shape, dtype, strides, storage offset, device and requires_grad of a torch tensor."""
    return {
        "shape": list(t.shape),
        "dtype": dtype_name(t.dtype),
        "stride": list(t.stride()),
        "storage_offset": t.storage_offset(),
        "device": str(t.device),
        "requires_grad": bool(t.requires_grad),
    }


def torch_dtype_of(name: str):
    return torch_dtype(name)
