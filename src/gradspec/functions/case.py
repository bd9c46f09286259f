"""A Case: one spec on one drawn example, with the plumbing every check needs.

It builds torch inputs (any layout, any requires-grad mask, leaf or not), calls the op with its
non-tensor arguments in place, makes cotangents, asks the reference (through
:class:`~gradspec.functions.answers.Answers`, shared by the variants of one example), reads what
the op's backward really returned, and compares arrays with per-dtype tolerances widened by the
reference's own error in that dtype. Everything that runs the user's code turns an exception
into :class:`~gradspec.functions.outcomes.FnRaised`, so that nothing gradspec does itself is
ever blamed on the op.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gradspec.functions.answers import Answers, pick
from gradspec.functions.blame import judge
from gradspec.functions.examples import Example
from gradspec.functions.oracles import RefResult, as_tuple, merge_args, to_numpy
from gradspec.functions.outcomes import (  # noqa: F401 - re-exported for the checks
    ADVICE,
    FAILURE,
    CheckFailure,
    FnRaised,
    NotApplicable,
    ReferenceProblem,
)
from gradspec.functions.signature import Signature
from gradspec.inputs import torch_dtype
from gradspec.inputs import torch_tensor as materialize
from gradspec.tolerances import dtype_name

if TYPE_CHECKING:
    from gradspec.functions.spec import Spec


class Facts:
    """What gradspec found out about the op once per run (shared by every case): whether it
    modifies inputs in place, and how its custom Function node's arguments map to the inputs."""

    def __init__(self, modifies_inputs: bool = False):
        self.modifies_inputs = modifies_inputs
        self.node_maps: dict = {}
        #: per dtype, how many examples the layouts check widened (it does so for a few)
        self.widened: dict = {}
        #: (check, part, device, dtype, structure) -> examples of that structure it ran on
        self.structures: dict = {}
        #: the check whose finding is being shrunk (it runs on every example then)
        self.focus: str | None = None

    def first_of_structure(self, check: str, example, fields, limit: int, part="") -> bool:
        """Whether ``check`` (or its ``part``) has run on fewer than ``limit`` examples with
        ``example``'s ``fields`` (per device and dtype); counts this one. Always true for the
        check whose finding is being shrunk (``focus``)."""
        if self.focus == check:
            return True
        key = (check, part, example.device, example.dtype, example.structure(fields))
        n = self.structures.get(key, 0)
        if n >= limit:
            return False
        self.structures[key] = n + 1
        return True


class NodeView:
    """The custom Function node behind the op's outputs: ``arg_of[p]`` is the input index
    behind node argument ``p`` (None: a non-tensor or a tensor not among the inputs)."""

    def __init__(self, node, arg_of: list, n_outputs: int):
        self.node = node
        self.arg_of = arg_of
        self.n_outputs = n_outputs

    @property
    def needs_input_grad(self):
        return self.node.needs_input_grad


class Case:
    def __init__(
        self, spec: Spec, sig: Signature, example: Example, T=None, answers=None, facts=None
    ):
        self.spec = spec
        self.sig = sig
        self.example = example.with_values()
        self.T = T
        self.answers = (
            answers if answers is not None else Answers(spec, T, example.args, example.seed)
        )
        self.facts = facts if facts is not None else Facts(bool(spec.claim("modifies_inputs")))
        self._leaves: dict[int, object] = {}
        self.positions = spec.tensor_positions()
        #: reference problems a check met and stepped over (the checker reports them)
        self.notes: list[str] = []
        #: how the inputs were last built (to replay an exception)
        self.last_inputs: dict = {}

    def variant(self, example: Example, fresh_answers: bool = False) -> Case:
        """A case on a variant of this example (other layouts, shapes, masks): the same facts,
        and the same reference answers unless the values change."""
        answers = Answers(self.spec, self.T, example.args, example.seed) if fresh_answers else None
        return Case(self.spec, self.sig, example, self.T, answers or self.answers, facts=self.facts)

    # -- inputs and outputs --------------------------------------------------------------
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
            if not ex.is_float(i):
                out.append(materialize(v, layout, ex.tensor_dtype(i), ex.device))
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

    def full_args(self, inputs) -> list:
        return merge_args(inputs, self.example.args)

    def call(self, inputs) -> tuple:
        """``fn(*inputs, with the non-tensor args)`` as a tuple; FnRaised if it raises."""
        try:
            return as_tuple(self.spec.fn(*self.full_args(inputs)))
        except Exception as e:  # noqa: BLE001 - the user's forward
            err = FnRaised(e, "forward")
            err.case = self
            raise err from e

    @staticmethod
    def tensor_outputs(outs) -> list:
        import torch

        return [(k, o) for k, o in enumerate(outs) if isinstance(o, torch.Tensor)]

    @staticmethod
    def float_outputs(outs) -> list:
        return [
            (k, o) for k, o in Case.tensor_outputs(outs) if o.is_floating_point() or o.is_complex()
        ]

    @staticmethod
    def diff_outputs(outs) -> list:
        return [(k, o) for k, o in Case.float_outputs(outs) if o.requires_grad]

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

    @property
    def has_reference(self) -> bool:
        return self.spec.reference is not None

    def ref(
        self, key="base", values=None, dtype=None, vjp=True, second=None, cot=None
    ) -> RefResult:
        """The reference's forward (and VJP with every input requiring grad), memoised by key;
        ReferenceProblem when the reference fails."""
        return self.answers.get(
            key,
            self.values if values is None else values,
            dtype or self.dtype,
            cot or self._cot,
            second,
            vjp,
        )

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
        sizes = [int(np.prod(s)) for s in self.example.shapes if s is not None]
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
        found = []
        for i, (g, x) in enumerate(zip(grads, inputs)):
            if x is None or not x.requires_grad:
                continue
            if ref is None:
                values, cot, _ = self.answers.inputs[key]
                ref = self.ref(key, values=values, cot=cot)
            expected = ref.grads[i]
            if g is None:
                if np.any(expected != 0):
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

    # -- integer outputs ----------------------------------------------------------------
    def selection_agrees(self, outs, key="base") -> bool:
        """Whether the op's integer and bool outputs (indices, masks) equal the reference's:
        where they differ (tied values), the gradients route differently and are not
        comparable."""
        if not self.has_reference:
            return True
        ref = self.ref(key) if key == "base" else self.ref(key, *self.answers.inputs[key][:1])
        for k, o in self.tensor_outputs(outs):
            r = ref.outputs[k] if k < len(ref.outputs) else None
            if r is None or r.is_float or o.is_floating_point() or o.is_complex():
                continue
            if tuple(o.shape) != r.shape or not np.array_equal(to_numpy(o), r.value):
                return False
        return True

    # -- engine and raw backward ----------------------------------------------------------
    def engine_grads(self, outs, inputs, cots, only=None, **kwargs):
        """``torch.autograd.grad`` of the differentiable outputs (or those in ``only``) with
        respect to the inputs requiring grad; returns one entry per input (None elsewhere)."""
        import torch

        diff = [o for k, o in self.diff_outputs(outs) if only is None or k in only]
        wrt = [self.leaf(x) for x in inputs if x is not None and x.requires_grad]
        if not diff or not wrt:
            return [None] * len(inputs)
        try:
            grads = iter(torch.autograd.grad(diff, wrt, cots, allow_unused=True, **kwargs))
        except Exception as e:  # noqa: BLE001 - the user's backward, run by the engine
            err = FnRaised(e, "backward")
            err.case = self
            raise err from e
        return [next(grads) if x is not None and x.requires_grad else None for x in inputs]

    def _find_node(self, outs):
        import torch

        nodes = {id(o.grad_fn): o.grad_fn for _, o in self.diff_outputs(outs) if o.grad_fn}
        if len(nodes) != 1:
            return None
        node = next(iter(nodes.values()))
        if not isinstance(node, torch.autograd.function.BackwardCFunction):
            return None
        for k, o in self.diff_outputs(outs):
            if o.output_nr != k:
                return None
        return node

    def _matches(self, node, inputs, arg_of) -> bool:
        """Whether the node's tensor inputs that require grad are the op's inputs."""
        tensors = [p for p, i in enumerate(arg_of) if i is not None]
        needs = node.needs_input_grad
        for p, i in enumerate(arg_of):
            x = None if i is None else inputs[i]
            want = bool(x is not None and x.requires_grad)
            if i is not None and bool(needs[p]) != want:
                return False
        n_needed = sum(1 for x in inputs if x is not None and x.requires_grad)
        return n_needed == sum(1 for p in tensors if needs[p]) == sum(bool(v) for v in needs)

    def node(self, outs, inputs) -> NodeView | None:
        """The custom Function node behind every differentiable output, when ``fn`` applies one
        ``autograd.Function`` whose arguments include the op's inputs (directly, or wrapped as
        in a Module or a lambda); else None."""
        import torch

        node = self._find_node(outs)
        if node is None:
            return None
        n_out = len(getattr(node, "_input_metadata", ())) or len(outs)
        full = self.full_args(inputs)
        present = tuple(x is not None for x in inputs)
        arg_of = None
        if len(node.needs_input_grad) == len(full):
            direct = [None] * len(full)
            for i, p in enumerate(self.positions):
                if isinstance(full[p], torch.Tensor):
                    direct[p] = i
            if self._matches(node, inputs, direct):
                arg_of = direct
        if arg_of is None:
            arg_of = self.facts.node_maps.get(present)
            if arg_of is None:
                arg_of = self._probe(inputs, len(node.needs_input_grad))
                self.facts.node_maps[present] = arg_of
            if arg_of is None or len(arg_of) != len(node.needs_input_grad):
                return None
            if not self._matches(node, inputs, arg_of):
                return None
        return NodeView(node, arg_of, n_out)

    def _probe(self, inputs, n_args: int):
        """Which node argument each input is: call the op with one input requiring grad at a
        time and read ``needs_input_grad`` (a wrapper or Module may reorder or add arguments)."""
        arg_of: list = [None] * n_args
        for i, x in enumerate(inputs):
            if x is None:
                continue
            mask = tuple(j == i for j in range(len(inputs)))
            try:
                probe = self.make_inputs(requires_grad=mask)
                node = self._find_node(self.call(probe))
            except FnRaised:
                return None
            if node is None or len(node.needs_input_grad) != n_args:
                return None
            hits = [p for p, v in enumerate(node.needs_input_grad) if v]
            if len(hits) != 1 or arg_of[hits[0]] is not None:
                return None
            arg_of[hits[0]] = i
        return arg_of

    def raw_grad_outputs(self, outs, cots, view: NodeView):
        """What torch's engine passes to backward: the cotangent for each differentiable
        output, zeros for other tensor outputs, None for non-tensor outputs."""
        import torch

        by_k = dict(zip([k for k, _ in self.diff_outputs(outs)], cots))
        grads = []
        for k in range(view.n_outputs):
            o = outs[k] if k < len(outs) else None
            if k in by_k:
                grads.append(by_k[k])
            elif isinstance(o, torch.Tensor):
                grads.append(torch.zeros_like(o))
            else:
                grads.append(None)
        return grads

    def raw_backward(self, outs, inputs, cots=None):
        """What the op's backward really returns (count, shapes, dtypes, None-ness), read by
        calling the node directly: the engine would hide wrong shapes and dtypes.

        Returns ``(view, ret)`` — ``ret`` has one entry per node argument — or raises
        NotApplicable."""
        import torch

        view = self.node(outs, inputs)
        if view is None:
            raise NotApplicable("fn is not a single custom autograd.Function applied to its inputs")
        cots = self.cotangents(outs) if cots is None else cots
        grads = self.raw_grad_outputs(outs, cots, view)
        try:
            with torch.no_grad():
                ret = view.node.apply(*grads)
        except Exception as e:  # noqa: BLE001 - the user's backward
            err = FnRaised(e, "backward (called directly)")
            err.case = self
            raise err from e
        if not isinstance(ret, tuple):
            ret = (ret,)
        return view, ret


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


def as_array(t) -> np.ndarray:
    return to_numpy(t)
