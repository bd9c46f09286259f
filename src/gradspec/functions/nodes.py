"""Finding the custom Function node behind a case's outputs, and calling its backward directly
(the engine would hide wrong shapes and dtypes)."""

from __future__ import annotations

from gradspec.functions.calls import diff_outputs, raised
from gradspec.functions.limits import resume_pending
from gradspec.functions.outcomes import FnRaised, NotApplicable
from gradspec.functions.usercode import user_call


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


def _find_node(outs):
    import torch

    nodes = {id(o.grad_fn): o.grad_fn for _, o in diff_outputs(outs) if o.grad_fn}
    if len(nodes) != 1:
        return None
    node = next(iter(nodes.values()))
    if not isinstance(node, torch.autograd.function.BackwardCFunction):
        return None
    for k, o in diff_outputs(outs):
        if o.output_nr != k:
            return None
    return node


def _matches(node, inputs, arg_of) -> bool:
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


class CaseNodes:
    """The node part of :class:`~gradspec.functions.case.Case`."""

    def node(self, outs, inputs) -> NodeView | None:
        """The custom Function node behind every differentiable output, when ``fn`` applies one
        ``autograd.Function`` whose arguments include the op's inputs (directly, or wrapped as
        in a Module or a lambda); else None."""
        import torch

        node = _find_node(outs)
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
            if _matches(node, inputs, direct):
                arg_of = direct
        if arg_of is None:
            arg_of = self.facts.node_maps.get(present)
            if arg_of is None:
                arg_of = self._probe(inputs, len(node.needs_input_grad))
                self.facts.node_maps[present] = arg_of
            if arg_of is None or len(arg_of) != len(node.needs_input_grad):
                return None
            if not _matches(node, inputs, arg_of):
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
                node = _find_node(self.call(probe))
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

        by_k = dict(zip([k for k, _ in diff_outputs(outs)], cots))
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
        resume_pending()
        try:
            with torch.no_grad():
                ret = user_call(view.node.apply, *grads)
        except Exception as e:  # noqa: BLE001 - the user's backward
            raise raised(self, e, "backward (called directly)") from e
        if not isinstance(ret, tuple):
            ret = (ret,)
        return view, ret
