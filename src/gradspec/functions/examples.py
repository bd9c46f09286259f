"""Drawing examples for a user's Function from its signature: shapes (with broadcast loop
dimensions), optional inputs present or omitted, requires-grad masks, layouts, the non-tensor
arguments (fixed or drawn from the user's strategies) and the seed of the values, cotangents and
directions (see :mod:`gradspec.inputs` for the pieces)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from gradspec.functions.signature import Signature
from gradspec.inputs import LAYOUTS, expand_values, layouts, requires_grad_masks, round_to_dtype


@dataclass(frozen=True)
class Example:
    """One drawn test case for an op: everything needed to rebuild its inputs and cotangents."""

    dtype: str
    device: str
    shapes: tuple  # per input: a shape, or None for an omitted optional input
    requires_grad: tuple[bool, ...]
    layouts: tuple[str, ...]
    grad_layouts: tuple[str, ...]
    seed: int
    bounds: tuple = ()
    values: tuple = field(default=(), compare=False, repr=False)
    expanded: tuple = field(default=(), compare=False, repr=False)
    #: every derived array handed out (cotangents, directions), so reproducers can freeze them
    recorded: dict = field(default_factory=dict, compare=False, repr=False)
    #: the non-tensor arguments: ``(position, value)`` pairs
    args: tuple = field(default=(), compare=False)
    #: per input: None (floating) or an integer/bool kind (see Spec.input_kinds)
    kinds: tuple = ()

    def structure(self, fields) -> tuple:
        """The example's ``fields`` (``shapes``, ``requires_grad``, ``layouts``, ``args``...)
        as a hashable key: what it is apart from its values."""
        return tuple(repr(getattr(self, f)) if f == "args" else getattr(self, f) for f in fields)

    def kind(self, i: int):
        return self.kinds[i] if i < len(self.kinds) else None

    def is_float(self, i: int) -> bool:
        return self.kind(i) is None

    def is_nondiff(self, i: int) -> bool:
        """A floating input that needs no gradient (``nondiff=``)."""
        k = self.kind(i)
        return k is not None and k[0] == "nondiff"

    def tensor_dtype(self, i: int) -> str:
        k = self.kind(i)
        if k is None or k[0] == "nondiff":
            return self.dtype
        return "bool" if k[0] == "bool" else "int64"

    @property
    def key(self) -> tuple:
        """A hashable identity (the non-tensor arguments by their repr)."""
        return (
            self.dtype,
            self.device,
            self.shapes,
            self.requires_grad,
            self.layouts,
            self.grad_layouts,
            self.seed,
            repr(self.args),
        )

    @property
    def present(self) -> tuple[bool, ...]:
        return tuple(s is not None for s in self.shapes)

    def with_values(self) -> Example:
        """This example with its input values drawn (idempotent)."""
        if self.values or not self.shapes:
            return self
        rng = np.random.default_rng(self.seed)
        values, expanded = [], []
        for i, shape in enumerate(self.shapes):
            if shape is None:
                values.append(None)
                expanded.append(None)
                continue
            if self.kind(i) is not None and not self.is_nondiff(i):
                values.append(_integers(rng, self.kind(i), shape, self.shapes))
                expanded.append(None)
                continue
            low, high = self.bounds[i] if self.bounds else (-2.0, 2.0)
            v = rng.uniform(low, high, size=shape)
            dim = None
            if self.layouts[i] == "expanded":
                v, dim = expand_values(v, self.seed + i)
            values.append(round_to_dtype(v, self.dtype))
            expanded.append(dim)
        return replace(self, values=tuple(values), expanded=tuple(expanded))

    def cotangent(self, k: int, shape, dtype: str | None = None) -> np.ndarray:
        """The cotangent (grad_output) values for output ``k`` of the given shape."""
        key = ("cotangent", k, tuple(shape))
        if key not in self.recorded:
            rng = np.random.default_rng([self.seed, 1000 + k])
            v = rng.standard_normal(size=tuple(shape))
            if self.grad_layout(k) == "expanded":
                v, _ = expand_values(v, self.seed + k)
            self.recorded[key] = round_to_dtype(v, self.dtype)
        return self.recorded[key]

    def direction(self, i: int, shape) -> np.ndarray:
        """A random direction for input ``i`` (finite-difference tests)."""
        key = ("direction", i, tuple(shape))
        if key not in self.recorded:
            rng = np.random.default_rng([self.seed, 2000 + i])
            self.recorded[key] = rng.standard_normal(size=tuple(shape))
        return self.recorded[key]

    def second(self, j: int, shape) -> np.ndarray:
        """The cotangent for first-order gradient ``j`` in double-backward tests."""
        key = ("second", j, tuple(shape))
        if key not in self.recorded:
            rng = np.random.default_rng([self.seed, 3000 + j])
            self.recorded[key] = round_to_dtype(rng.standard_normal(size=tuple(shape)), self.dtype)
        return self.recorded[key]

    def second_masked(self, j: int, shape) -> np.ndarray:
        """``second(j)`` for an input that requires grad, zeros for one that does not."""
        return self.second(j, shape) if self.requires_grad[j] else np.zeros(tuple(shape))

    def grad_layout(self, k: int) -> str:
        return self.grad_layouts[k % len(self.grad_layouts)] if self.grad_layouts else "contiguous"

    @property
    def elements(self) -> int:
        """How many elements the example's tensor inputs hold in all."""
        return sum(math.prod(s) for s in self.shapes if s is not None)

    def describe(self) -> dict:
        """A JSON-able description: shapes, dtype, device, layouts, which inputs require grad,
        the non-tensor arguments (by repr)."""
        return {
            "dtype": self.dtype,
            "device": self.device,
            "shapes": [None if s is None else list(s) for s in self.shapes],
            "requires_grad": list(self.requires_grad),
            "layouts": list(self.layouts),
            "grad_layouts": list(self.grad_layouts),
            "seed": self.seed,
            "args": {str(p): repr(v) for p, v in self.args},
        }

    def text(self, names, positions) -> str:
        """The example in one line: ``x: float32[2,3] transposed, w: float32[3,3], b: None``."""
        from gradspec.functions.names import describe_inputs

        dtypes = [self.tensor_dtype(i) for i in range(len(self.shapes))]
        return describe_inputs(
            names, positions, self.shapes, dtypes, self.layouts, self.requires_grad, self.args
        )


def _integers(rng, kind, shape, shapes) -> np.ndarray:
    """Integer (or bool) values for an integer input, as float64 (exact)."""
    if kind[0] == "bool":
        return (rng.random(shape) < 0.5).astype(np.float64)
    _, low, high, extra = kind
    if isinstance(high, tuple):
        src = shapes[high[0]]
        high = src[len(src) - high[1]] if src is not None and len(src) >= high[1] else low + 1
    v = rng.integers(low, high, size=shape) if high > low else np.full(shape, low)
    if extra:
        pick = rng.random(shape) < 0.25
        v = np.where(pick, rng.choice(np.asarray(extra), size=shape), v)
    return np.asarray(v, dtype=np.float64)


@st.composite
def examples(
    draw,
    signature: Signature,
    dtype: str,
    device: str,
    *,
    broadcast: bool = False,
    bounds=None,
    max_side: int = 4,
    allow_empty: bool = True,
    layout_names=LAYOUTS,
    args=None,
    kinds=(),
    sizes=None,
    block_sizes=(),
    max_elements: int = 1 << 15,
):
    """Examples for an op with ``signature``: shapes (with broadcast loop dimensions when
    ``broadcast``), optional inputs present or omitted, requires-grad masks, layouts, the
    non-tensor ``args`` (``{position: value or strategy}``) and a seed. With ``sizes`` or
    ``block_sizes``, core dimensions are sized by :func:`sized_shapes` instead."""
    n = signature.n_inputs
    if sizes or block_sizes:
        how = (signature, sizes or {}, block_sizes, max_elements, max_side, allow_empty, broadcast)
        shapes = draw(_reused(("sized", *map(_hashable, how)), sized_shapes, *how))
    else:
        min_side = draw(st.sampled_from((1, 0))) if allow_empty else 1
        how = (signature.hypothesis_signature(), min_side, max_side, 3 if broadcast else 0)
        shapes = draw(_reused(("broadcast", *how), _broadcast_shapes, *how)).input_shapes
    present = tuple((not draw(st.booleans())) if signature.optional[i] else True for i in range(n))
    input_shapes = tuple(s if p else None for s, p in zip(shapes, present))
    floating = tuple(p and (i >= len(kinds) or kinds[i] is None) for i, p in enumerate(present))
    mask = draw(requires_grad_masks(n, floating)) if any(floating) else (False,) * n
    mask = tuple(m and p for m, p in zip(mask, floating))
    in_layouts = tuple(draw(layouts(layout_names)) for _ in range(n))
    out_layouts = tuple(draw(layouts(layout_names)) for _ in range(max(1, signature.n_outputs)))
    seed = draw(st.integers(0, 2**31 - 1))
    drawn_args = tuple(
        (p, draw(v) if isinstance(v, st.SearchStrategy) else v) for p, v in (args or {}).items()
    )
    return Example(
        dtype=dtype,
        device=device,
        shapes=input_shapes,
        requires_grad=mask,
        layouts=in_layouts,
        grad_layouts=out_layouts,
        seed=seed,
        bounds=tuple(bounds) if bounds else (),
        args=drawn_args,
        kinds=tuple(kinds),
    ).with_values()


def boundary_sizes(block_sizes) -> list[int]:
    """The sizes where tiled kernels break, for each block size B: B+1 and 2B+1 (a remainder
    after one or two full blocks), B-1 and B (just under and exactly one block), and 1."""
    out: list[int] = []
    for b in block_sizes:
        for s in (b + 1, 2 * b + 1, b - 1, b, 1):
            if s >= 1 and s not in out:
                out.append(s)
    return out


def _dim_strategy(spec, max_side: int, min_side: int):
    """A Hypothesis strategy of sizes from one ``sizes=`` entry: an int, a range, a list or
    tuple of ints, or a strategy; None: the default small sizes."""
    if spec is None:
        return st.integers(min_side, max_side)
    if isinstance(spec, st.SearchStrategy):
        return spec
    if isinstance(spec, bool):
        raise TypeError("a size is an int, a range, a list of ints or a strategy, not a bool")
    if isinstance(spec, int):
        return st.just(spec)
    if isinstance(spec, range):
        return st.sampled_from(spec)
    return st.sampled_from(tuple(spec))


def _broadcast_shapes(signature: str, min_side: int, max_side: int, max_dims: int):
    return mutually_broadcastable_shapes(
        signature=signature, min_side=min_side, max_side=max_side, max_dims=max_dims
    )


def _size_strategy(given, max_side: int, min_side: int, fits):
    own = _dim_strategy(given, max_side, min_side)
    return st.one_of(st.sampled_from(fits), own) if fits else own


#: strategies built once and drawn from again (a strategy built afresh for every draw costs
#: Hypothesis its validation each time); keyed by what they are built from
_STRATEGIES: dict = {}
_MAX_STRATEGIES = 1 << 10


def _reused(key, build, *args):
    """The strategy ``build(*args)`` made for ``key`` (built once; an unhashable ``key``:
    built afresh)."""
    try:
        hit = _STRATEGIES.get(key)
    except TypeError:
        return build(*args)
    if hit is None:
        if len(_STRATEGIES) >= _MAX_STRATEGIES:
            _STRATEGIES.clear()
        hit = _STRATEGIES[key] = build(*args)
    return hit


def _hashable(v):
    """``v`` as a key: a dict as sorted items, a list as a tuple, a strategy (or anything
    else) by identity; values that compare equal give equal keys."""
    if isinstance(v, dict):
        return ("dict", tuple(sorted((str(k), _hashable(x)) for k, x in v.items())))
    if isinstance(v, list | tuple):
        return (type(v).__name__, tuple(_hashable(x) for x in v))
    if isinstance(v, range):
        return ("range", v.start, v.stop, v.step)
    if v is None or isinstance(v, bool | int | float | str | Signature):
        return (type(v).__name__, v)
    return ("id", id(v), v)


@st.composite
def sized_shapes(
    draw, signature: Signature, sizes: dict, block_sizes, max_elements: int, max_side: int = 4,
    allow_empty: bool = True, broadcast: bool = False,
):  # fmt: skip
    """Input shapes with each named core dimension drawn from ``sizes[name]`` (see
    :func:`_dim_strategy`) or, when ``block_sizes`` are given, from the boundary sizes of
    :func:`boundary_sizes` as often as from the user's or the small default ones (a fixed int
    size stays fixed; a range or list keeps the boundaries it contains). Dimensions are drawn in a
    drawn order, each keeping the example within ``max_elements`` (summed over the inputs, the
    dimensions not yet drawn counted as 1): a boundary size that does not fit is not drawn."""
    names: list[str] = []
    for core in signature.inputs:
        for d in core:
            if not d.isdigit() and d not in names:
                names.append(d)
    min_side = draw(st.sampled_from((1, 0))) if allow_empty else 1
    bounds = boundary_sizes(block_sizes)
    chosen: dict[str, int] = {}

    def elements(extra: dict) -> int:
        dims = {**chosen, **extra}
        total = 0
        for core in signature.inputs:
            size = 1
            for d in core:
                size *= int(d) if d.isdigit() else dims.get(d, 1)
            total += size
        return total

    order = ()
    if names:
        order = draw(_reused(("permutations", tuple(names)), lambda: st.permutations(names)))
    for name in order:
        given = sizes.get(name)
        fits = [b for b in bounds if elements({name: b}) <= max_elements]
        if isinstance(given, int) and not isinstance(given, bool):
            fits = []  # a fixed size is fixed
        elif isinstance(given, range | list | tuple):
            fits = [b for b in fits if b in given]  # boundaries the user's sizes allow
        key = ("size", _hashable(given), max_side, min_side, tuple(fits))
        strategy = _reused(key, _size_strategy, given, max_side, min_side, fits)
        chosen[name] = int(draw(strategy, label=f"size of {name}"))
    loop = ()
    if broadcast:
        loop = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    return tuple(
        loop + tuple(int(d) if d.isdigit() else chosen[d] for d in core)
        for core in signature.inputs
    )
