"""Calling the op on a case's inputs: its forward, and its backward through torch's engine.
Each runs the user's code through :func:`~gradspec.functions.usercode.user_call` and turns an
exception into :class:`~gradspec.functions.outcomes.FnRaised`, so that nothing gradspec does
itself is ever blamed on the op."""

from __future__ import annotations

from gradspec.functions.limits import resume_pending
from gradspec.functions.oracles import as_tuple
from gradspec.functions.outcomes import FnRaised
from gradspec.functions.usercode import user_call


def tensor_outputs(outs) -> list:
    """``(index, output)`` of the tensor outputs."""
    import torch

    return [(k, o) for k, o in enumerate(outs) if isinstance(o, torch.Tensor)]


def float_outputs(outs) -> list:
    """``(index, output)`` of the floating (or complex) tensor outputs."""
    return [(k, o) for k, o in tensor_outputs(outs) if o.is_floating_point() or o.is_complex()]


def diff_outputs(outs) -> list:
    """``(index, output)`` of the floating outputs that require grad."""
    return [(k, o) for k, o in float_outputs(outs) if o.requires_grad]


def _refuses_grad(e: Exception) -> bool:
    """Whether ``e`` is a backward's refusal of ``torch.autograd.grad`` in favour of
    ``.backward()`` (torch's reentrant checkpoint, and Functions built like it)."""
    return isinstance(e, RuntimeError) and "compatible with .grad()" in str(e)


def raised(case, e: Exception, stage: str) -> FnRaised:
    """``e``, raised by the user's code at ``stage`` on ``case``, as a FnRaised."""
    err = FnRaised(e, stage)
    err.case = case
    return err


class CaseCalls:
    """The calling part of :class:`~gradspec.functions.case.Case`."""

    tensor_outputs = staticmethod(tensor_outputs)
    float_outputs = staticmethod(float_outputs)
    diff_outputs = staticmethod(diff_outputs)

    def call(self, inputs) -> tuple:
        """``fn(*inputs, with the non-tensor args)`` as a tuple; FnRaised if it raises."""
        try:
            return as_tuple(user_call(self.spec.fn, *self.full_args(inputs)))
        except Exception as e:  # noqa: BLE001 - the user's forward
            raise raised(self, e, "forward") from e

    def engine_grads(self, outs, inputs, cots, only=None, **kwargs):
        """``torch.autograd.grad`` of the differentiable outputs (or those in ``only``) with
        respect to the inputs requiring grad; returns one entry per input (None elsewhere)."""
        import torch

        diff = [o for k, o in diff_outputs(outs) if only is None or k in only]
        wrt = [self.leaf(x) for x in inputs if x is not None and x.requires_grad]
        if not diff or not wrt:
            return [None] * len(inputs)
        if self.facts.backward_only:  # torch.autograd.grad would prune it (None) or refuse
            grads = iter(self._grads_by_backward(diff, wrt, cots, **kwargs))
            return [next(grads) if x is not None and x.requires_grad else None for x in inputs]
        resume_pending()
        try:
            grads = iter(
                user_call(torch.autograd.grad, diff, wrt, cots, allow_unused=True, **kwargs)
            )
        except Exception as e:  # noqa: BLE001 - the user's backward, run by the engine
            if not _refuses_grad(e):
                raise raised(self, e, "backward") from e
            self.facts.backward_only = True
            grads = iter(self._grads_by_backward(diff, wrt, cots, **kwargs))
        return [next(grads) if x is not None and x.requires_grad else None for x in inputs]

    def _grads_by_backward(self, diff, wrt, cots, **kwargs) -> list:
        """The gradients by ``.backward()`` and the leaves' ``.grad``, for a backward that
        refuses ``torch.autograd.grad`` (reentrant activation checkpointing: torch documents
        that it works with ``.backward()`` only)."""
        import torch

        kept = [w.grad for w in wrt]
        for w in wrt:
            w.grad = None
        resume_pending()
        try:
            user_call(torch.autograd.backward, diff, cots, **kwargs)
            return [w.grad for w in wrt]
        except Exception as e:  # noqa: BLE001 - the user's backward, run by the engine
            raise raised(self, e, "backward") from e
        finally:
            for w, g in zip(wrt, kept):
                w.grad = g
