"""A case's inputs: torch tensors for the drawn example (any layout, any requires-grad mask,
leaf or not), the non-tensor arguments in place, cotangents, and names for messages."""

from __future__ import annotations

import weakref

from gradspec.functions.calls import diff_outputs
from gradspec.functions.examples import Example
from gradspec.functions.oracles import merge_args
from gradspec.functions.outcomes import NotApplicable
from gradspec.functions.preconditions import assume_fails, shapes_outside
from gradspec.inputs import torch_tensor as materialize


class CaseInputs:
    """The inputs part of :class:`~gradspec.functions.case.Case` (``self.example``,
    ``self.spec``, ``self.facts``, ``self.positions`` and ``self._leaves`` are the case's)."""

    @property
    def dtype(self) -> str:
        return self.example.dtype

    @property
    def values(self):
        return self.example.values

    @property
    def names(self) -> list[str]:
        return self.spec.input_names()

    def grad_mask(self) -> tuple:
        """Every present floating input requiring grad."""
        ex = self.example
        return tuple(v is not None and ex.is_float(i) for i, v in enumerate(ex.values))

    def floating(self) -> list[int]:
        """The present floating inputs (those gradients are taken for)."""
        return [i for i, m in enumerate(self.grad_mask()) if m]

    def input_name(self, i: int) -> str:
        """``input 1 (w)``: the signature input ``i`` by index and name."""
        return f"input {i} ({self.names[self.positions[i]]})"

    def text(self, example: Example | None = None) -> str:
        return (example or self.example).text(self.names, self.positions)

    def make_inputs(self, requires_grad=None, layouts=None, nonleaf=None, values=None, dtype=None):
        """Torch inputs, one per signature input: omitted optional inputs are None; leaves
        unless ``nonleaf`` (then a clone of the leaf, as when the op modifies inputs in
        place)."""
        import torch

        ex = self.example
        requires_grad = ex.requires_grad if requires_grad is None else requires_grad
        layouts = ("contiguous",) * len(ex.shapes) if layouts is None else layouts
        nonleaf = self.facts.modifies_inputs if nonleaf is None else nonleaf
        values = ex.values if values is None else values
        dtype = dtype or ex.dtype
        self.last_inputs = dict(
            requires_grad=requires_grad, layouts=layouts, nonleaf=nonleaf, values=values,
            dtype=dtype,
        )  # fmt: skip
        out = []
        for i, (v, rg, layout) in enumerate(zip(values, requires_grad, layouts)):
            if v is None:
                out.append(None)
                continue
            if not ex.is_float(i) and not ex.is_nondiff(i):
                out.append(materialize(v, layout, ex.tensor_dtype(i), ex.device))
                continue
            rg = bool(rg) and ex.is_float(i)  # a nondiff input never requires grad
            t = materialize(v, layout, dtype, ex.device, requires_grad=rg)
            if nonleaf:
                leaf = t
                with torch.set_grad_enabled(bool(rg)):
                    t = t.clone()
                # by id, checked against a weak reference: a freed clone's id is reused
                self._leaves[id(t)] = (weakref.ref(t), leaf)
            out.append(t)
        if values is ex.values and not self.__dict__.get("_within"):
            # sizes=, integer_inputs and assume= bind every check and every variant
            why = shapes_outside(self.spec, self.sig, ex.shapes) or assume_fails(
                self.spec, self.full_args(out)
            )
            if why:
                raise NotApplicable(f"outside the spec's preconditions: {why}")
            self._within = True
        return out

    def leaf(self, x):
        """The leaf behind input ``x`` (``x`` itself unless it was passed as a clone): gradients
        are taken with respect to it, since an op that modifies ``x`` in place rebases it."""
        entry = self._leaves.get(id(x))
        return entry[1] if entry is not None and entry[0]() is x else x

    def full_args(self, inputs) -> list:
        return merge_args(inputs, self.example.args)

    def cotangent(self, k: int, shape, dtype=None, layout=None, device=None):
        """Torch cotangent for output ``k``; ``layout`` defaults to contiguous."""
        ex = self.example
        v = ex.cotangent(k, shape)
        return materialize(v, layout or "contiguous", dtype or ex.dtype, device or ex.device)

    def cotangents(self, outs, layouts: bool = False, only=None) -> list:
        """Cotangents for the differentiable outputs (``only``: the output indices to keep)."""
        res = []
        for k, o in diff_outputs(outs):
            if only is not None and k not in only:
                continue
            layout = self.example.grad_layout(k) if layouts else "contiguous"
            res.append(self.cotangent(k, tuple(o.shape), o.dtype, layout, o.device))
        return res
