"""Spec: a declarative record of an op under test, like PyTorch's OpInfo but for anyone's op.

A spec names the callable (``fn``), its reference (a callable on gradref tensors, or ``None`` for
finite-difference checking), a gufunc signature of its tensor arguments, the non-tensor
arguments (``args``), an intended surrogate gradient (``vjp``), value bounds, dtypes, devices,
tolerances and *claims* about the op (``double_backward``, ``deterministic``,
``modifies_inputs``), which gradspec checks both ways. Third-party packages register specs under
the entry-point group ``gradspec.specs``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from gradspec.functions.signature import Signature, SignatureError, parse_signature
from gradspec.inputs import FLOAT_DTYPES

ENTRY_POINT_GROUP = "gradspec.specs"

#: Claims a spec may make, with their meaning.
CLAIMS: dict[str, str] = {
    "double_backward": "True: double backward is right; False: it is refused loudly "
    "(e.g. @once_differentiable); None (default): either",
    "deterministic": "True (default): repeated backward gives bit-identical gradients",
    "modifies_inputs": "True: forward modifies inputs in place (and marks them dirty), or "
    "forward/backward overwrite inputs by design (no advice then), so inputs are passed as "
    "non-leaf tensors (detected when not given)",
    "modifies_grad_output": "True: backward writes into grad_output's memory by design (no "
    "advice then)",
    "empty_inputs": "False: zero-size inputs are not supported (raising on them gets no "
    "advice); True or None (default): they work as torch ops do",
}


#: the default element budget of one example (over all its inputs)
DEFAULT_MAX_ELEMENTS = 1 << 15
#: examples with more elements run the value checks only (see ``gradspec list``)
FULL_BATTERY_ELEMENTS = 1 << 10


class SpecError(ValueError):
    """A spec (or check() call) that gradspec cannot run, with the problem named."""


def _dtype_name(d) -> str:
    from gradspec.tolerances import dtype_name

    return dtype_name(d)


@dataclass(frozen=True)
class Spec:
    """An op under test. Build with :func:`spec`; ``validate()`` says what is wrong."""

    fn: Callable
    reference: Callable | None
    signature: str
    broadcast: bool = False
    bounds: Any = None
    dtypes: tuple[str, ...] | None = None
    devices: tuple[str, ...] | None = None
    optional: tuple[int, ...] = ()
    claims: dict = field(default_factory=dict)
    name: str | None = None
    max_examples: int | None = None
    checks: tuple[str, ...] | None = None
    #: where the spec can be imported from ("package.module:attribute"), for reproducers
    origin: str | None = None
    #: non-tensor positional arguments: {position: value or Hypothesis strategy}
    args: dict = field(default_factory=dict)
    #: the intended backward of a surrogate-gradient Function: vjp(*inputs, *grad_outputs)
    vjp: Callable | None = None
    #: comparison tolerances: a number, or one per dtype name ({"float32": 1e-5})
    rtol: Any = None
    atol: Any = None
    #: advice (allowed but wasteful or fragile) counts as failure
    strict: bool = False
    #: set by check_module: the module, its parameter names, and how to rebuild it
    module: Any = None
    parameters: tuple[str, ...] = ()
    #: integer and bool tensor inputs (targets, indices, masks):
    #: {input: (low, high)} (high exclusive; a dimension name for "its size"), or
    #: (low, high, [extra values]) (e.g. an ignore_index), or "bool"
    integer_inputs: dict = field(default_factory=dict)
    #: floating tensor inputs that need no gradient (a target, RoPE's cos/sin): signature
    #: input indices or argument names; drawn without requires_grad, no gradient checked
    nondiff: tuple = ()
    #: sizes per core dimension name: an int, a range, a list of ints or a Hypothesis strategy
    sizes: dict = field(default_factory=dict)
    #: the block (tile) sizes of a kernel: drawn sizes include 1, B-1, B, B+1 and 2B+1
    block_sizes: tuple[int, ...] = ()
    #: the most elements (over all inputs) one example may have
    max_elements: int = DEFAULT_MAX_ELEMENTS
    #: check_module: optimizer steps compared with the reference (0: none)
    train_steps: int = 0
    #: seconds each call of the user's code may take (None: limits.DEFAULT_TIMEOUT)
    timeout: float | None = None
    #: a device named in ``devices`` that is absent here is skipped, not "not run"
    where_available: bool = False
    #: a precondition on the inputs sizes cannot say: assume(*args) -> bool, on torch tensors
    #: (the non-tensor args at their positions); examples where it is false are not checked
    assume: Callable | None = None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return callable_name(self.fn)

    @property
    def n_args(self) -> int:
        """Positional arguments of ``fn``: the signature's tensors plus the non-tensor args."""
        return len(self.tensor_positions()) + len(self.args)

    def tensor_positions(self) -> list[int]:
        """The argument position of each signature input."""
        cached = self.__dict__.get("_positions")
        if cached is None:
            n = len(parse_signature(self.signature).inputs) + len(self.args)
            cached = [p for p in range(n) if p not in self.args]
            object.__setattr__(self, "_positions", cached)
        return list(cached)

    def input_names(self) -> list[str]:
        """A name per argument position, from fn's (or the Function's forward's) parameters."""
        cached = self.__dict__.get("_names")
        if cached is None:
            from gradspec.functions.names import argument_names

            cached = argument_names(self)
            object.__setattr__(self, "_names", cached)
        return cached

    def nondiff_inputs(self) -> tuple[int, ...]:
        """The signature inputs named by ``nondiff`` (indices or argument names), as indices."""
        sig = parse_signature(self.signature)
        positions = self.tensor_positions()
        names = self.input_names()
        out = []
        for item in _as_tuple(self.nondiff):
            if isinstance(item, bool) or not isinstance(item, int | str):
                raise SpecError(f"nondiff must name tensor inputs by index or name, got {item!r}")
            if isinstance(item, int):
                if not 0 <= item < sig.n_inputs:
                    raise SpecError(
                        f"nondiff names input {item}, but the signature has {sig.n_inputs} inputs"
                    )
                out.append(item)
                continue
            tensor_names = [names[p] if p < len(names) else None for p in positions]
            if item not in tensor_names:
                raise SpecError(
                    f"nondiff names {item!r}, which is not a tensor input "
                    f"({', '.join(str(n) for n in tensor_names)})"
                )
            out.append(tensor_names.index(item))
        return tuple(sorted(set(out)))

    def input_kinds(self) -> tuple:
        """Per signature input: None (floating), ``("nondiff",)`` (floating, no gradient),
        ``("bool",)``, or ``("int", low, high, extra)`` with ``high`` an int or
        ``(input, axis)`` naming the dimension whose size it is."""
        cached = self.__dict__.get("_kinds")
        if cached is not None:
            return cached
        sig = parse_signature(self.signature)
        kinds = []
        nondiff = set(self.nondiff_inputs())
        for i in range(sig.n_inputs):
            k = self.integer_inputs.get(i)
            if k is None and i in nondiff:
                kinds.append(("nondiff",))
            elif k is None:
                kinds.append(None)
            elif k == "bool" or k is bool:
                kinds.append(("bool",))
            else:
                low, high, *rest = k
                extra = tuple(rest[0]) if rest else ()
                if isinstance(high, str):
                    high = _dim_ref(sig, high)
                kinds.append(("int", int(low), high, extra))
        object.__setattr__(self, "_kinds", tuple(kinds))
        return tuple(kinds)

    def tolerance_for(self, dtype: str):
        """The user's (rtol, atol) for ``dtype``: None for what is not given."""

        def pick(v):
            if v is None or isinstance(v, int | float):
                return None if v is None else float(v)
            return None if dtype not in v else float(v[dtype])

        return pick(self.rtol), pick(self.atol)

    def parsed(self) -> Signature:
        cached = self.__dict__.get("_parsed")
        if cached is not None:
            return cached
        sig = parse_signature(self.signature)
        if self.optional:
            opt = list(sig.optional)
            for i in self.optional:
                opt[i] = True
            sig = Signature(sig.text, sig.inputs, sig.outputs, tuple(opt))
        object.__setattr__(self, "_parsed", sig)
        return sig

    def bounds_per_input(self) -> tuple[tuple[float, float], ...]:
        n = self.parsed().n_inputs
        if self.bounds is None:
            return ((-2.0, 2.0),) * n
        b = self.bounds
        if len(b) == 2 and all(isinstance(x, int | float) for x in b):
            return ((float(b[0]), float(b[1])),) * n
        return tuple((float(lo), float(hi)) for lo, hi in b)

    def claim(self, name: str, default=None):
        return self.claims.get(name, default)

    def validate(self) -> Spec:
        """Check every field; returns a normalised copy or raises :class:`SpecError`."""
        _check_fn_kind(self.fn)
        if not callable(self.fn):
            raise SpecError(
                f"fn must be callable (e.g. MyFunction.apply), got {type(self.fn).__name__} "
                f"{self.fn!r}"
            )
        if self.vjp is not None and not callable(self.vjp):
            raise SpecError(
                "vjp must be a callable vjp(*inputs, *grad_outputs) returning one gradient per "
                f"input, got {type(self.vjp).__name__}"
            )
        if self.vjp is not None and self.reference is None:
            raise SpecError(
                "vjp= gives the intended backward; the forward still needs a reference "
                "(e.g. reference=lambda x: x.sign() for a straight-through sign)"
            )
        if self.reference is not None and not callable(self.reference):
            raise SpecError(
                "reference must be a callable on gradref tensors or None, got "
                f"{type(self.reference).__name__} {self.reference!r}"
            )
        try:
            sig = self.parsed()
        except SignatureError as e:
            raise SpecError(str(e)) from None
        except IndexError:
            raise SpecError(
                f"optional={self.optional!r} names an input the signature "
                f"{self.signature!r} does not have"
            ) from None
        n = sig.n_inputs
        args = _validate_args(self.args, n)
        total = n + len(args)
        extra = f" and {len(args)} non-tensor argument(s) (args=)" if args else ""
        checks_arity = [("reference", self.reference, total), ("fn", self.fn, total)]
        if self.vjp is not None:
            checks_arity.append(("vjp", self.vjp, total + sig.n_outputs))
        for what, f, want in checks_arity:
            if f is None or self.module is not None:
                continue
            try:
                s = inspect.signature(f)
            except (TypeError, ValueError):
                continue
            try:
                s.bind(*([None] * want))
            except TypeError:
                params = [
                    p
                    for p in s.parameters.values()
                    if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                ]
                if what == "vjp":
                    raise SpecError(
                        f"vjp {callable_name(f)} takes {len(params)} positional argument(s) but "
                        f"is called as vjp(*inputs, *grad_outputs) with {total} input(s) and "
                        f"{sig.n_outputs} grad_output(s)"
                    ) from None
                raise SpecError(
                    f"{what} {callable_name(f)} takes {len(params)} positional argument(s) but "
                    f"the signature {self.signature!r} has {n} tensor input(s){extra}"
                ) from None
        for name, v in (("rtol", self.rtol), ("atol", self.atol)):
            _validate_tolerance(name, v)
        _validate_integer_inputs(self.integer_inputs, sig)
        both = set(self.nondiff_inputs()) & set(self.integer_inputs)
        if both:
            raise SpecError(
                f"input {min(both)} is in both nondiff and integer_inputs (nondiff is for "
                "floating inputs)"
            )
        if self.bounds is not None:
            try:
                b = self.bounds_per_input()
            except (TypeError, ValueError):
                raise SpecError(
                    f"bounds must be (low, high) or one (low, high) pair per input, got "
                    f"{self.bounds!r}"
                ) from None
            if len(b) != n:
                raise SpecError(f"bounds has {len(b)} pairs but the signature has {n} inputs")
            for lo, hi in b:
                if not lo < hi:
                    raise SpecError(f"bounds ({lo}, {hi}): low must be below high")
        dtypes = None if self.dtypes is None else _override_dtypes(self.dtypes)
        devices = None if self.devices is None else _override_devices(self.devices)
        unknown = set(self.claims) - set(CLAIMS)
        if unknown:
            raise SpecError(f"unknown claim(s) {sorted(unknown)}; known: {sorted(CLAIMS)}")
        checks = None
        if self.checks is not None:
            from gradspec.functions.checks import CHECKS

            checks = tuple(_as_tuple(self.checks))
            bad = [c for c in checks if c not in CHECKS]
            if bad:
                raise SpecError(
                    f"unknown check(s) {bad}; known: {', '.join(sorted(CHECKS))} "
                    "(see `gradspec list`)"
                )
        if self.max_examples is not None and (
            not isinstance(self.max_examples, int) or self.max_examples < 1
        ):
            raise SpecError(f"max_examples must be a positive int, got {self.max_examples!r}")
        sizes = _validate_sizes(self.sizes, sig)
        blocks = _validate_block_sizes(self.block_sizes)
        if not _positive_int(self.max_elements):
            raise SpecError(f"max_elements must be a positive int, got {self.max_elements!r}")
        if self.timeout is not None and (
            isinstance(self.timeout, bool)
            or not isinstance(self.timeout, int | float)
            or not self.timeout > 0
        ):
            raise SpecError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        if not _positive_int(self.train_steps, zero=True):
            raise SpecError(f"train_steps must be an int >= 0, got {self.train_steps!r}")
        if self.train_steps and self.module is None:
            raise SpecError("train_steps= compares optimizer steps of a module: use check_module")
        if self.assume is not None and not callable(self.assume):
            raise SpecError(
                "assume must be a callable assume(*args) -> bool on the inputs (e.g. "
                f"assume=lambda x, w: x.shape[-1] % 2 == 0), got {type(self.assume).__name__}"
            )
        return replace(self, dtypes=dtypes, devices=devices, checks=checks, args=args,
                       sizes=sizes, block_sizes=blocks)  # fmt: skip


def _positive_int(v, zero: bool = False) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= (0 if zero else 1)


def _validate_sizes(sizes, sig) -> dict:
    """``sizes={dimension: int | range | list of ints | strategy}`` for named input dims."""
    from hypothesis import strategies as st

    if sizes is None:
        return {}
    if not isinstance(sizes, dict):
        raise SpecError(
            'sizes must be a dict {dimension name: size}, e.g. sizes={"d": range(1, 300)}, got '
            f"{type(sizes).__name__}"
        )
    names = {d for core in sig.inputs for d in core if not d.isdigit()}
    for name, v in sizes.items():
        if name not in names:
            known = ", ".join(sorted(names)) or "none"
            why = " (only outputs have it: it is sized by the reference)" if name in {
                d for core in sig.outputs for d in core} else ""  # fmt: skip
            raise SpecError(
                f"sizes names the dimension {name!r}, which no input of {sig.text!r} has{why}; "
                f"input dimensions: {known}"
            )
        if isinstance(v, st.SearchStrategy):
            continue
        values = [v] if isinstance(v, int) and not isinstance(v, bool) else v
        ok = isinstance(values, range | list | tuple) and len(values) > 0 and all(
            _positive_int(x, zero=True) for x in values
        )  # fmt: skip
        if not ok:
            raise SpecError(
                f"sizes[{name!r}] must be an int >= 0, a non-empty range or list of them, or a "
                f"Hypothesis strategy, got {v!r}"
            )
    return dict(sizes)


def _validate_block_sizes(blocks) -> tuple[int, ...]:
    if blocks is None:
        return ()
    if isinstance(blocks, int) and not isinstance(blocks, bool):
        blocks = (blocks,)
    try:
        blocks = tuple(blocks)
    except TypeError:
        raise SpecError(f"block_sizes must be ints, e.g. (16, 128), got {blocks!r}") from None
    if not all(_positive_int(b) for b in blocks):
        raise SpecError(f"block_sizes must be positive ints, e.g. (16, 128), got {blocks!r}")
    return blocks


def _check_fn_kind(fn) -> None:
    """A class where its ``.apply`` is meant, or a Module where check_module is: say so."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    Function, Module = torch.autograd.Function, torch.nn.Module
    if inspect.isclass(fn) and issubclass(fn, Function):
        raise SpecError(
            f"fn is the class {fn.__name__}; pass {fn.__name__}.apply (an autograd.Function is "
            "called through .apply)"
        )
    if isinstance(fn, Function):
        name = type(fn).__name__
        raise SpecError(f"fn is an instance of {name}; pass {name}.apply (the class's .apply)")
    if isinstance(fn, Module) or (inspect.isclass(fn) and issubclass(fn, Module)):
        raise SpecError(
            "fn is an nn.Module; use gradspec.check_module(module, reference, signature) (an "
            "instance), which also checks the parameters' gradients"
        )


def _validate_args(args, n_tensors: int) -> dict:
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise SpecError(
            "args must be a dict {position: value or Hypothesis strategy}, e.g. args={1: 0.5}, "
            f"got {type(args).__name__}"
        )
    total = n_tensors + len(args)
    out = {}
    for p, v in args.items():
        if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < total:
            raise SpecError(
                f"args key {p!r} must be an argument position 0..{total - 1} (the signature's "
                f"{n_tensors} tensor(s) fill the other positions, in order)"
            )
        if _is_tensor_value(v):
            raise SpecError(
                f"args[{p}] is a tensor; list tensor arguments in the signature (args= is for "
                "floats, ints, bools, tuples, None and strings)"
            )
        out[p] = v
    return dict(sorted(out.items()))


def _dim_ref(sig, name: str):
    """(input, axis from the end) of the first input with core dimension ``name``."""
    for i, core in enumerate(sig.inputs):
        if name in core:
            return (i, len(core) - core.index(name))
    raise SpecError(f"integer_inputs names the dimension {name!r}, which no input has")


def _validate_integer_inputs(spec_ints, sig) -> None:
    if not isinstance(spec_ints, dict):
        raise SpecError("integer_inputs must be a dict {input: (low, high) or 'bool'}")
    for i, k in spec_ints.items():
        if not isinstance(i, int) or not 0 <= i < sig.n_inputs:
            raise SpecError(
                f"integer_inputs key {i!r} must be a signature input 0..{sig.n_inputs - 1}"
            )
        if k == "bool" or k is bool:
            continue
        ok = isinstance(k, tuple | list) and len(k) in (2, 3) and isinstance(k[0], int)
        ok = ok and isinstance(k[1], int | str)
        if not ok:
            raise SpecError(
                f"integer_inputs[{i}] must be (low, high), (low, high, [extra values]) or "
                f"'bool' (high: an int or a dimension name such as 'c'), got {k!r}"
            )
        if isinstance(k[1], str):
            _dim_ref(sig, k[1])


def _is_tensor_value(v) -> bool:
    return type(v).__module__.startswith(("torch", "gradref")) and hasattr(v, "shape")


def _validate_tolerance(name: str, v) -> None:
    if v is None:
        return
    values = v.values() if isinstance(v, dict) else [v]
    for x in values:
        if isinstance(x, bool) or not isinstance(x, int | float) or not x >= 0:
            raise SpecError(
                f"{name} must be a non-negative number or one per dtype "
                f"({{'float32': 1e-4}}), got {v!r}"
            )
    if isinstance(v, dict):
        bad = [k for k in v if k not in FLOAT_DTYPES]
        if bad:
            raise SpecError(f"{name} names unknown dtype(s) {bad}; known: {FLOAT_DTYPES}")


def _as_tuple(x) -> tuple:
    if isinstance(x, str) or not isinstance(x, Iterable):
        return (x,)
    return tuple(x)


def _override_dtypes(dtypes) -> tuple[str, ...] | None:
    """Validated dtype names (None when none are given); SpecError naming a bad one."""
    if not dtypes:
        return None
    out = []
    for d in _as_tuple(dtypes):
        try:
            name = _dtype_name(d)
        except Exception:  # noqa: BLE001 - anything that is not a dtype
            name = None
        if name not in FLOAT_DTYPES:
            raise SpecError(f"dtype {d!r} is not one of {', '.join(FLOAT_DTYPES)}")
        out.append(name)
    return tuple(dict.fromkeys(out))


def _override_devices(devices) -> tuple[str, ...] | None:
    """Validated device names (None when none are given); SpecError naming a bad one."""
    if not devices:
        return None
    from gradspec.devices import device_name

    out = []
    for d in _as_tuple(devices):
        try:
            out.append(device_name(d))
        except ValueError as e:
            raise SpecError(str(e)) from None
    return tuple(dict.fromkeys(out))


def callable_name(f) -> str:
    owner = getattr(f, "__self__", None)
    if isinstance(owner, type):
        return f"{owner.__name__}.{getattr(f, '__name__', 'apply')}"
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def spec(
    fn: Callable,
    reference: Callable | None,
    signature: str,
    *,
    broadcast: bool = False,
    bounds=None,
    dtypes=None,
    devices=None,
    optional=(),
    claims: dict | None = None,
    name: str | None = None,
    max_examples: int | None = None,
    checks=None,
    args: dict | None = None,
    vjp: Callable | None = None,
    rtol=None,
    atol=None,
    strict: bool = False,
    integer_inputs: dict | None = None,
    nondiff=(),
    sizes: dict | None = None,
    block_sizes=(),
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    timeout: float | None = None,
    where_available: bool = False,
    differentiable: bool | None = None,
    assume: Callable | None = None,
) -> Spec:
    """Build and validate a :class:`Spec` (raises :class:`SpecError` naming any problem). These
    options are also those of :func:`gradspec.check` and :func:`gradspec.check_module`.

    ``fn``: the op under test (e.g. ``MyFunction.apply``). ``reference``: a callable on gradref
    tensors with the same positional arguments, or None for finite differences only.
    ``signature``: gufunc style over the *tensor* arguments (``"(n,i),(o,i),(o)?->(n,o)"``;
    ``?`` after an input marks it optional, sometimes passed as None; ``optional=(2,)`` does the
    same); dimensions only outputs have are sized by the reference.

    ``args``: non-tensor positional arguments ``{position: value or Hypothesis strategy}``; the
    signature lists the tensor arguments only, in order. ``vjp``: the intended backward
    ``vjp(*inputs, *grad_outputs)`` of a surrogate-gradient Function, on reference tensors
    (checked instead of the reference's gradient). ``broadcast`` adds broadcast loop
    dimensions. ``bounds``: ``(low, high)`` or one pair per input. ``integer_inputs``: integer
    or bool tensor inputs (targets, indices, masks), ``{input: (low, high)}`` with ``high``
    exclusive or a dimension name (``(0, "c")`` draws class indices), ``(low, high, [extra
    values])``, or ``"bool"``. ``nondiff``: floating tensor inputs that need no gradient (a
    distillation target, RoPE's cos/sin), by signature index or argument name: drawn without
    requires_grad, their gradient is not checked. ``rtol``/``atol``: a number or ``{dtype:
    number}``. ``strict``: advice counts as failure. ``sizes``: per core dimension name, an
    int, a range, a list of ints or a strategy. ``block_sizes``: a kernel's tile sizes B, so
    drawn sizes include 1, B-1, B, B+1 and 2B+1, within ``max_elements`` per example (examples above
    ``FULL_BATTERY_ELEMENTS`` run the value checks only). ``claims``: see :data:`CLAIMS`.
    ``name``: the label in reports. ``checks``: the checks to run (see ``gradspec list``).
    ``assume``: a precondition on the inputs that ``sizes`` cannot say, ``assume(*args) ->
    bool`` on torch tensors (as ``hypothesis.assume``): no check meets an example where it is
    false (``sizes``, ``integer_inputs`` and ``assume`` bind every check, its variants too).

    ``timeout``: seconds each call of the user's code (forward, backward, reference) may take
    (default 60; a call past it is a finding and the check stops there). ``where_available``:
    a device named in ``devices`` that is absent here is skipped; without it, it is *not run*
    (``report.not_run``, ``report.ok`` False).

    Defaults: float32 and float64 (``dtypes``), every available device (``devices``), the
    active Hypothesis profile's example count (``max_examples``), every check that applies.

    A custom operator (``torch.library.custom_op``, ``triton_op``,
    ``torch.ops.ns.name[.default]``) is read from its schema (see
    :mod:`gradspec.functions.customop`); ``differentiable=False`` checks one without gradients
    (the default for one without an autograd formula, or one that mutates)."""
    from gradspec.functions.customop import OpProblem, adapt

    try:
        n_tensors = len(parse_signature(signature).inputs)
    except (SignatureError, TypeError, AttributeError):
        n_tensors = None
    if n_tensors is not None:
        try:
            op = adapt(fn, reference, n_tensors, args, optional, differentiable)
        except OpProblem as e:
            raise SpecError(str(e)) from None
        if op is not None:
            fn, reference, args, optional = op.fn, op.reference, op.args, op.optional
    return Spec(
        fn=fn,
        reference=reference,
        signature=signature,
        broadcast=broadcast,
        bounds=bounds,
        dtypes=dtypes,
        devices=devices,
        optional=tuple(optional),
        claims=dict(claims or {}),
        name=name,
        max_examples=max_examples,
        checks=checks,
        args={} if args is None else args,
        vjp=vjp,
        rtol=rtol,
        atol=atol,
        strict=bool(strict),
        integer_inputs={} if integer_inputs is None else integer_inputs,
        nondiff=tuple(_as_tuple(nondiff)) if nondiff is not None else (),
        sizes={} if sizes is None else sizes,
        block_sizes=block_sizes,
        max_elements=max_elements,
        timeout=timeout,
        where_available=bool(where_available),
        assume=assume,
    ).validate()


def collect_specs(obj, origin: str | None = None) -> list[Spec]:
    """Specs held by ``obj``: a Spec, a list/tuple/dict of them, or a module exposing them
    (module attributes that are Specs, or lists/dicts of Specs, in definition order)."""
    if isinstance(obj, Spec):
        return [obj if obj.origin or not origin else replace(obj, origin=origin)]
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            out += collect_specs(v, f"{origin}[{k!r}]" if origin else None)
        return out
    if isinstance(obj, list | tuple):
        out = []
        for i, v in enumerate(obj):
            out += collect_specs(v, f"{origin}[{i}]" if origin else None)
        return out
    if inspect.ismodule(obj):
        out = []
        for k, v in vars(obj).items():
            if k.startswith("_"):
                continue
            if isinstance(v, Spec) or (
                isinstance(v, list | tuple | dict)
                and v
                and all(isinstance(x, Spec) for x in (v.values() if isinstance(v, dict) else v))
            ):
                out += collect_specs(v, f"{obj.__name__}:{k}")
        unique: list[Spec] = []
        for sp in out:  # a spec both exposed alone and listed in SPECS runs once
            plain = replace(sp, origin=None)
            if not any(plain == replace(u, origin=None) for u in unique):
                unique.append(sp)
        return unique
    raise SpecError(f"{origin or obj!r} is not a Spec, a list or dict of Specs, or a module")


def load_target(target: str) -> list[Spec]:
    """Specs named by ``"package.module:attribute"`` or ``"package.module"``."""
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise SpecError(f"cannot import {module_name!r}: {e}") from None
    obj = module
    if attr:
        for part in attr.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise SpecError(f"module {module_name!r} has no attribute {attr!r}") from None
    specs = collect_specs(obj, target)
    if not specs:
        raise SpecError(f"{target!r} holds no gradspec specs")
    return specs


def registered_specs() -> list[Spec]:
    """Specs registered by installed packages under the ``gradspec.specs`` entry-point group."""
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        out += collect_specs(ep.load(), ep.value)
    return out
