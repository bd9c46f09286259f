"""Before any example runs: what can be learned from one plain call, and bad specs turned into
one-line ``SpecError``s that name the fix.

On one small example (every named dimension 3, every optional input present, contiguous) it
draws the non-tensor arguments, runs the reference and the op, and says so when the reference
is written for the other namespace (torch ops on gradref tensors, or the reverse), when the
signature's outputs disagree with what the reference (or, without one, the op) returns, or when
``vjp`` returns the wrong number of gradients. It also finds out whether the op modifies its
inputs in place (``ctx.mark_dirty``), so nobody has to claim it.
"""

from __future__ import annotations

import os
import traceback
import warnings

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from gradspec.functions import recompute
from gradspec.functions.answers import Answers
from gradspec.functions.case import Case, Facts
from gradspec.functions.examples import Example
from gradspec.functions.oracles import ReferenceFailed
from gradspec.functions.outcomes import FnRaised, ReferenceProblem
from gradspec.functions.preconditions import example_outside, preferred_size
from gradspec.functions.spec import SpecError, callable_name

_TORCH_ON_GRADREF = (
    "the reference calls torch functions but gets gradref tensors ({error}); write it with "
    "gradref ops (`import gradref as T` and T.softmax(x, -1), or tensor methods such as "
    "x.softmax(-1)), or pass namespace='torch' to run it on torch tensors"
)
_GRADREF_ON_TORCH = (
    "the reference calls gradref functions but namespace='torch' gives it torch tensors "
    "({error}); use tensor methods or torch functions, or drop namespace='torch' (gradref is "
    "the default)"
)


def draw_args(spec) -> tuple:
    """One value for each non-tensor argument (a strategy's first draw); SpecError when a
    strategy is invalid."""
    out = []
    for p, v in spec.args.items():
        if isinstance(v, st.SearchStrategy):
            try:
                v.validate()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    v = v.example()
            except HypothesisException as e:
                raise SpecError(f"args[{p}]: invalid Hypothesis strategy: {_first(e)}") from None
        out.append((p, v))
    return tuple(out)


def _first(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def first_example(spec, dtype: str, device: str) -> Example:
    """Every named dimension of size 3 (or the allowed size nearest to it), else the first
    of a few other sizes the spec's preconditions (``assume=``) allow."""
    sig = spec.parsed()
    first = None
    for want in (3, 2, 4, 1, 5, 6):
        ex = _example_sized(spec, sig, dtype, device, want)
        first = first or ex
        if example_outside(spec, sig, ex) is None:
            return ex
    return first


def _example_sized(spec, sig, dtype: str, device: str, want: int) -> Example:
    shapes = tuple(
        tuple(int(d) if d.isdigit() else preferred_size(spec, d, want) for d in core)
        for core in sig.inputs
    )
    n = len(shapes)
    kinds = spec.input_kinds()
    return Example(
        dtype=dtype,
        device=device,
        shapes=shapes,
        kinds=kinds,
        requires_grad=tuple(k is None for k in kinds),
        layouts=("contiguous",) * n,
        grad_layouts=("contiguous",) * max(1, sig.n_outputs),
        seed=0,
        bounds=spec.bounds_per_input(),
        args=draw_args(spec),
    ).with_values()


def _frames_in(e: BaseException, package) -> bool:
    root = os.path.dirname(os.path.abspath(package.__file__))
    for frame in traceback.extract_tb(e.__traceback__):
        if os.path.abspath(frame.filename).startswith(root + os.sep):
            return True
    return False


def namespace_problem(e: BaseException, T) -> str | None:
    """The one-line SpecError text when ``e`` (raised by the reference) comes from the other
    namespace's functions, else None."""
    import torch

    cause = e.__cause__ or e
    text = f"{type(cause).__name__}: {_first(cause)}"
    name = getattr(T, "__name__", "")
    if name == "torch":
        import gradref

        if "has no attribute 'category'" in text or _frames_in(cause, gradref):
            return _GRADREF_ON_TORCH.format(error=text)
        return None
    # torch's argument parser: "must be Tensor, not Tensor" (gradref's class is also named
    # Tensor); before 2.13 or so, "received an invalid combination of arguments - got (Tensor,"
    mixed = (
        "invalid combination of arguments - got (" in text
        and "Tensor" in text.split("got (", 1)[-1].split(")", 1)[0]
    )
    if "must be Tensor, not Tensor" in text or mixed or _frames_in(cause, torch):
        return _TORCH_ON_GRADREF.format(error=text)
    return None


LEAF_ERROR = "leaf Variable that requires grad"


def _detect_inplace(case: Case) -> bool:
    """Whether the op modifies an input in place: called on non-leaf clones, an input's version
    counter moves or its values change (NumPy writes through ``.numpy()`` do not count
    versions), or called on leaves it raises torch's in-place-on-a-leaf error."""
    from gradspec.functions.oracles import to_numpy

    try:
        inputs = case.make_inputs(nonleaf=True)
    except Exception:  # noqa: BLE001 - nothing to learn then
        return False
    versions = [None if x is None else x._version for x in inputs]
    before = [None if x is None else to_numpy(x).copy() for x in inputs]
    try:
        case.call(inputs)
    except FnRaised:
        pass
    else:
        for x, v, b in zip(inputs, versions, before):
            if x is None:
                continue
            if x._version != v:
                return True
            a = to_numpy(x)
            if a.shape == b.shape and not ((a == b) | (np.isnan(a) & np.isnan(b))).all():
                return True
    try:
        case.call(case.make_inputs(nonleaf=False))
    except FnRaised as e:
        return LEAF_ERROR in str(e.error)
    return False


def preflight(spec, T, dtypes, devices) -> Facts:
    """Check the spec on one example; returns what was learned (SpecError on a bad spec)."""
    sig = spec.parsed()
    dtype = "float64" if "float64" in dtypes else dtypes[0]
    ex = first_example(spec, dtype, "cpu")
    claim = spec.claim("modifies_inputs")
    facts = Facts(bool(claim))
    case = Case(spec, sig, ex, T, Answers(spec, T, ex.args, ex.seed), facts)
    case._within = True  # one fixed example: what it learns survives an assume= it breaks
    if claim is None:
        facts.modifies_inputs = _detect_inplace(case)
    recompute.learn(case)
    n_ref = None
    if spec.reference is not None:
        try:
            ref = case.ref()
            n_ref = len(ref.outputs)
        except ReferenceProblem:
            err = case.answers.memo.get(("base", dtype, True, False))
            problem = namespace_problem(err, T) if isinstance(err, ReferenceFailed) else None
            if problem:
                raise SpecError(problem) from None
            if spec.vjp is not None and isinstance(err, ReferenceFailed):
                if "vjp returned" in str(err):
                    raise SpecError(str(err)) from None
        if n_ref is not None:  # torch judges the domain only if it runs the reference here
            refused = case.answers.torch_refuses(case.values, dtype)
            object.__setattr__(spec, "_torch_domain", not refused)
        if n_ref is not None and n_ref != sig.n_outputs:
            raise SpecError(
                f"the signature {spec.signature!r} lists {sig.n_outputs} output(s) but the "
                f"reference {callable_name(spec.reference)} returns {n_ref}; make them agree"
            )
    try:
        outs = case.call(case.make_inputs())
    except FnRaised:
        return facts
    if n_ref is None and spec.reference is None and len(outs) != sig.n_outputs:
        raise SpecError(
            f"the signature {spec.signature!r} lists {sig.n_outputs} output(s) but "
            f"{callable_name(spec.fn)} returns {len(outs)}; make them agree"
        )
    return facts
