"""Running one op-table example in a namespace and comparing two namespaces' results.

Everything here is generic over ``gradspec.ops.table.OPS``: an example is (op, dtype, shapes,
layouts, which inputs require grad, seed); the same values become torch and gradref tensors
with the same layout, and forward values, first-order gradients (VJPs) and second-order
gradients are compared with :func:`gradspec.tolerances.op_tolerance`; so is the forward-mode
derivative (JVP) along a random tangent, taken with ``T.autograd.forward_ad``. The op tests
(``tests/ops``) and ``gradspec run`` both judge ops with :func:`difference`.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass, replace

import numpy as np
from hypothesis import strategies as st

from gradspec.inputs import LOW_PRECISION_DTYPES, materialize, round_to_dtype
from gradspec.ops.kernel_paths import kernel_path_points
from gradspec.ops.opinfo import OpInfo
from gradspec.ops.ties import class_sums, picked_values, ties_open, untied_outputs
from gradspec.ops.values import (
    SPECIAL_MODES,
    SPECIALS,
    draw_aux,
    draw_values,
    special_values,
    with_specials,
)
from gradspec.tolerances import UNIT_ROUNDOFF, op_tolerance

LOW_PRECISION = LOW_PRECISION_DTYPES


def outputs_of(result) -> list:
    """The tensors an op returned, in order (a tuple/namedtuple is flattened)."""
    if isinstance(result, (tuple, list)):
        out = []
        for r in result:
            out.extend(outputs_of(r))
        return out
    return [result]


def differentiable_outputs(result) -> list:
    """The floating and complex tensors an op returned, in order."""
    return [o for o in outputs_of(result) if o.dtype.is_floating_point or o.dtype.is_complex]


def double_backward_dtypes(info: OpInfo) -> list[str]:
    """The dtypes double backward is compared in: not float16/bfloat16, and only float64 and
    complex128 for ill-conditioned ops (``scale`` > 1, e.g. layer_norm), whose second
    derivatives amplify float32 rounding by about ``scale`` squared."""
    dtypes = [d for d in info.dtypes if d not in LOW_PRECISION]
    if info.scale > 1:
        dtypes = [d for d in dtypes if d in ("float64", "complex128")]
    return dtypes


@dataclass(frozen=True)
class Example:
    dtype: str
    shapes: tuple
    layouts: tuple
    requires_grad: tuple
    seed: int
    #: "" for ordinary values, else a mode of :data:`gradspec.ops.values.SPECIAL_MODES`
    special: str = ""

    def describe(self) -> str:
        return (
            f"dtype={self.dtype!r} shapes={self.shapes!r} layouts={self.layouts!r} "
            f"requires_grad={self.requires_grad!r} seed={self.seed!r}"
            + (f" special={self.special!r}" if self.special else "")
        )


#: (op name, example) -> (op, values) of the latest examples: one check asks for the same
#: values up to ten times (torch and gradref; forward, JVP, double backward, special values), and
#: they depend on the example alone. The arrays are never written to (tensors copy them).
_VALUES: dict = {}
_MAX_VALUES = 4


def example_values(info: OpInfo, ex: Example) -> list:
    """The example's input values (with special values put in when it asks for them)."""
    hit = _VALUES.get((info.name, ex))
    if hit is not None and hit[0] is info:
        return list(hit[1])
    values = draw_values(info, ex.shapes, ex.dtype, ex.seed, ex.layouts)
    if ex.special:
        skip = special_values_skipped(info.name, ex.dtype)
        values = with_specials(info, values, ex.dtype, ex.seed, ex.layouts, ex.special, skip)
    if len(_VALUES) >= _MAX_VALUES:
        _VALUES.clear()
    _VALUES[(info.name, ex)] = (info, tuple(values))
    return list(values)


@st.composite
def examples(draw, info: OpInfo, dtypes=None) -> Example:
    dtype = draw(_sampled(tuple(dtypes or info.dtypes)))
    shapes = tuple(tuple(s) for s in draw(info.shapes))
    n = len(shapes)
    layouts = tuple(draw(_sampled(tuple(info.layouts))) for _ in range(n))
    diff = tuple(info.is_differentiable(i) for i in range(n))
    mask = draw(_masks(diff))
    seed = draw(_SEEDS)
    return Example(dtype, shapes, layouts, mask, seed)


# The strategies of a draw, built once: a strategy built afresh for every draw costs
# Hypothesis its validation each time (the same strategies draw the same examples).
_SEEDS = st.integers(0, 2**31 - 1)


@functools.lru_cache(maxsize=512)
def _sampled(values: tuple) -> st.SearchStrategy:
    return st.sampled_from(values)


@functools.lru_cache(maxsize=512)
def _masks(diff: tuple) -> st.SearchStrategy:
    """Which inputs require grad: differentiable ones only, at least one."""
    return (
        st.tuples(*[st.booleans() for _ in diff])
        .map(lambda m: tuple(not b and d for b, d in zip(m, diff)))
        .filter(any)
    )


def to_numpy(T, t) -> np.ndarray:
    """``t``'s values as a new NumPy array: float64 (complex128 for complex tensors), except
    bool, int64 and int32, which keep their dtype."""
    if T is _gradref():  # gradref holds its values as NumPy arrays: the same, without the calls
        data = t._data
        if t.dtype in (T.bool, T.int64, T.int32):
            return np.array(data)
        return data.astype(np.complex128 if t.is_complex() else np.float64)
    t = t.detach()
    zero = getattr(t, "_is_zerotensor", None)
    if zero is not None and zero():  # torch's efficient zeros
        return np.zeros(tuple(t.shape), np.complex128 if t.is_complex() else np.float64)
    if hasattr(t, "resolve_conj"):
        t = t.resolve_conj().resolve_neg()
    wide = T.complex128 if t.is_complex() else T.float64
    if t.dtype in (T.bool, T.int64, T.int32):
        wide = t.dtype
    return np.asarray(t.to(wide).cpu().numpy())


def _gradref():
    import gradref

    return gradref


def dtype_name(t) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


#: the latest arrays of :func:`normal_values`: torch and gradref ask for the same ones, and
#: a run asks again for its cotangents in double backward (never written to: tensors copy them)
_NORMALS: dict = {}
_MAX_NORMALS = 64


def normal_values(seed: int, stream: int, shape: tuple, name: str, example_dtype=None):
    """Standard-normal values from the generator ``[seed, stream]`` for a tensor of dtype
    ``name`` (complex for a complex dtype); with ``example_dtype``, rounded to it (for a
    floating tensor) or to ``name``, else unrounded."""
    key = (seed, stream, shape, name, example_dtype)
    hit = _NORMALS.get(key)
    if hit is not None:
        return hit
    rng = np.random.default_rng([seed, stream])
    v = rng.standard_normal(shape)
    if name.startswith("complex"):
        v = v + 1j * rng.standard_normal(shape)
    if example_dtype is not None:
        v = round_to_dtype(v, example_dtype if name.startswith(("float", "bfloat")) else name)
    if len(_NORMALS) >= _MAX_NORMALS:
        _NORMALS.clear()
    _NORMALS[key] = v
    return v


class Run:
    """One example run in namespace ``T``: leaves, outputs, cotangents, gradients."""

    def __init__(
        self, T, info: OpInfo, ex: Example, device: str = "cpu", values=None, dtype=None
    ) -> None:
        """``values`` (default: the example's) in ``dtype`` (default: the example's); the
        cotangents are always the example's, rounded to its dtype."""
        self.T, self.info, self.ex, self.device = T, info, ex, device
        if values is None:
            values = example_values(info, ex)
        self.leaves = [
            materialize(T, v, lay, dtype or ex.dtype, device, rg)
            for v, lay, rg in zip(values, ex.layouts, ex.requires_grad)
        ]
        self.aux = {
            k: T.tensor(a, device=device) for k, a in draw_aux(info, ex.shapes, ex.seed).items()
        }
        self.result = info.call(T, *self.leaves, **self.aux)
        self.outputs = outputs_of(self.result)
        self.diff = [o for o in differentiable_outputs(self.result) if o.requires_grad]

    def cotangents(self, requires_grad: bool = False) -> list:
        """Standard-normal cotangents per differentiable output (complex for complex outputs),
        rounded to the output dtype; the same in both namespaces."""
        out = []
        for k, o in enumerate(self.diff):
            v = normal_values(self.ex.seed, 1000 + k, tuple(o.shape), dtype_name(o), self.ex.dtype)
            t = self.T.tensor(v, dtype=o.dtype, device=self.device)
            out.append(t.requires_grad_(requires_grad))
        return out

    def inputs_requiring_grad(self) -> list:
        return [t for t in self.leaves if t.requires_grad]

    def vjp(self, create_graph: bool = False, retain_graph: bool | None = None):
        """(cotangents, gradients of the inputs that require grad; None where unused).
        ``retain_graph``: keep the forward graph for a later :meth:`double_backward`."""
        vs = self.cotangents(requires_grad=create_graph)
        if not self.diff:
            return vs, [None] * len(self.inputs_requiring_grad())
        grads = self.T.autograd.grad(
            self.diff,
            self.inputs_requiring_grad(),
            vs,
            allow_unused=True,
            create_graph=create_graph,
            retain_graph=retain_graph,
        )
        return vs, list(grads)

    def double_backward(self):
        """Gradients of ``sum(w * first-order grads)`` w.r.t. the inputs and the cotangents."""
        vs, grads = self.vjp(create_graph=True)
        terms = []
        for j, g in enumerate(grads):
            if g is None or not g.requires_grad:
                continue
            w = normal_values(self.ex.seed, 3000 + j, tuple(g.shape), dtype_name(g))
            wt = self.T.tensor(w, dtype=g.dtype, device=self.device)
            terms.append((g * wt.conj()).real.sum() if g.is_complex() else (g * wt).sum())
        wrt = self.inputs_requiring_grad() + vs
        if not terms:
            return None
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return list(self.T.autograd.grad(total, wrt, allow_unused=True))


def tangents(T, leaves, ex: Example, device: str = "cpu") -> list:
    """Standard-normal tangents for the example's inputs that require grad (None for the
    others), complex for complex inputs, rounded to the input dtype; the same in both
    namespaces."""
    out = []
    for i, (leaf, rg) in enumerate(zip(leaves, ex.requires_grad)):
        if not rg:
            out.append(None)
            continue
        v = normal_values(ex.seed, 6000 + i, tuple(leaf.shape), dtype_name(leaf), ex.dtype)
        out.append(T.tensor(v, dtype=leaf.dtype, device=device))
    return out


def jvp(T, info: OpInfo, ex: Example, device: str = "cpu", values=None, dtype=None) -> list:
    """The forward-mode derivatives (tangents) of the op's floating outputs along
    :func:`tangents` of the inputs that require grad, taken with ``T.autograd.forward_ad``
    (None for an output without a tangent). An ``expanded`` input is made contiguous: torch
    gives a dual tensor a tangent with its primal's strides, and a dense tangent cannot be
    written into a stride-0 layout."""
    if values is None:
        values = example_values(info, ex)
    leaves = [
        materialize(T, v, "contiguous" if lay == "expanded" else lay, dtype or ex.dtype, device)
        for v, lay in zip(values, ex.layouts)
    ]
    aux = {k: T.tensor(a, device=device) for k, a in draw_aux(info, ex.shapes, ex.seed).items()}
    ts = tangents(T, leaves, ex, device)
    fwad = T.autograd.forward_ad
    with fwad.dual_level():
        duals = [leaf if t is None else fwad.make_dual(leaf, t) for leaf, t in zip(leaves, ts)]
        result = info.call(T, *duals, **aux)
        return [fwad.unpack_dual(o).tangent for o in differentiable_outputs(result)]


def difference(
    T1,
    got,
    T2,
    expected,
    *,
    dtype: str,
    what: str,
    info: OpInfo,
    ex: Example,
    steps: int | None = None,
    names: tuple[str, str] = ("gradref", "torch"),
) -> str | None:
    """None when ``got`` (namespace T1) agrees with ``expected`` (T2): same shape and dtype,
    values within op_tolerance, None (no gradient) only against None or zeros; else what
    differs, in one line."""
    if got is None or expected is None:
        other, T = (expected, T2) if got is None else (got, T1)
        if other is None:
            return None
        b = to_numpy(T, other)
        rtol, atol = op_tolerance(dtype, info.reduction(ex.shapes), info.scale, steps or info.steps)
        if np.all(np.abs(b) <= atol):
            return None
        side = names[0] if got is None else names[1]
        return (
            f"{info.name} {what}: {side} has no gradient, the other a non-zero one "
            f"(max {np.max(np.abs(b))})"
        )
    if tuple(got.shape) != tuple(expected.shape):
        return f"{info.name} {what}: shape {list(got.shape)} != {names[1]}'s {list(expected.shape)}"
    if dtype_name(got) != dtype_name(expected):
        return f"{info.name} {what}: dtype {dtype_name(got)} != {names[1]}'s {dtype_name(expected)}"
    a, b = to_numpy(T1, got), to_numpy(T2, expected)
    if a.dtype.kind in "biu":
        if np.array_equal(a, b):
            return None
        return f"{info.name} {what}: values {a.tolist()} != {names[1]}'s {b.tolist()}"
    if a.size == 0:
        return None
    finite = np.isfinite(b)
    mag = float(np.max(np.abs(b[finite]))) if finite.any() else 1.0
    red = info.reduction(ex.shapes)
    rtol, atol = op_tolerance(dtype_name(expected), red, max(mag, info.scale), steps or info.steps)
    close = isclose(a, b, rtol, atol)
    if close.all():
        return None
    idx = tuple(int(k) for k in np.argwhere(~close)[0])
    return (
        f"{info.name} {what} differs from {names[1]}: at index {idx} {names[0]} {a[idx]!r}, "
        f"{names[1]} {b[idx]!r} ({int((~close).sum())} of {a.size} differ; rtol={rtol:.3g}, "
        f"atol={atol:.3g})"
    )


def isclose(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """``np.isclose(a, b, rtol, atol, equal_nan=True)`` for two float64 (or complex128) arrays
    of one shape: NumPy 2's expression without its argument handling, which costs more than the
    comparison on the small arrays compared here. (NumPy 1.x reads a complex infinity such as
    ``inf-1j`` as NaN there, and so as equal to any NaN; this does not.)"""
    with np.errstate(invalid="ignore"):
        close = (np.abs(a - b) <= atol + rtol * np.abs(b)) & np.isfinite(b) | (a == b)
        close |= np.isnan(a) & np.isnan(b)
    return close


def assert_close(T1, got, T2, expected, **kw) -> None:
    """:func:`difference` as an assertion (the message also names the example)."""
    why = difference(T1, got, T2, expected, **kw)
    assert why is None, f"{why}\n{kw['ex'].describe()}"


def saved_tensor_names(node) -> list[str] | None:
    """The names under which ``node`` holds saved tensors: its ``_saved_<name>`` attributes
    (as ``dir(node)`` lists them, torch's and gradref's alike) that are a tensor or a tuple with
    a tensor in it."""
    if node is None:
        return None

    def is_tensor(v) -> bool:
        return hasattr(v, "detach") and hasattr(v, "dtype")

    names = []
    for attr in dir(node):
        if attr.startswith("_saved_"):
            try:
                value = getattr(node, attr)
            except RuntimeError:  # freed
                continue
            if is_tensor(value) or (isinstance(value, tuple) and any(map(is_tensor, value))):
                names.append(attr[len("_saved_") :])
    return sorted(names)


# ------------------------------------------------------------------ one example, every sub-check

#: the sub-checks of an op, in order
SUBCHECKS = ("forward", "node", "vjp", "jvp", "special", "double-backward", "saved")

SENTENCES = {
    "forward": "torch's forward values agree with gradref's",
    "node": "torch's grad_fn has the name the op table records",
    "vjp": "torch's vector-Jacobian product agrees with gradref's",
    "jvp": "torch's forward-mode derivative (Jacobian-vector product) agrees with gradref's",
    "special": "on special values (0, -0, ±1, ±inf, NaN, tiny, huge, ties) torch's forward "
    "values, VJP and JVP agree with gradref's",
    "double-backward": "torch's double backward agrees with gradref's",
    "saved": "torch's node saves the same tensors as gradref's, under the same names",
}

#: ops (by name prefix) whose saved tensors are not compared, and why: their torch node is an
#: implementation detail of a composite or a fused kernel
SAVED_NOT_COMPARED = {
    "einsum": "torch's node depends on the contraction path it picks",
    "matmul.batched": "torch folds batch dims into views around bmm; the top node saves nothing",
    "nn.functional.conv": "torch's ConvolutionBackward0 saves input and weight; gradref saves "
    "only what each gradient needs",
    "nn.functional.cross_entropy": "torch's fused NLL kernel saves total_weight and friends",
    "nn.functional.nll_loss": "torch's fused NLL kernel saves total_weight and friends",
    "nn.functional.layer_norm": "torch saves its mean and rstd (result1, result2)",
    "nn.functional.logsigmoid": "torch saves a buffer of exp(-|x|)",
}


def saved_not_compared(name: str) -> str | None:
    """Why an op's saved tensors are not compared, or None when they are."""
    return next((why for p, why in SAVED_NOT_COMPARED.items() if name.startswith(p)), None)


#: ops (by name prefix) whose forward-mode derivative is not compared, and why: torch has no
#: forward-mode formula for them on any supported release
JVP_NOT_COMPARED: dict[str, str] = {
    "cdist": "torch has no forward-mode formula for _cdist_forward and _euclidean_dist",
    "nn.functional.pdist": "torch has no forward-mode formula for _pdist_forward",
    "nn.functional.multi_margin_loss": "torch has no forward-mode formula for multi_margin_loss",
    "special.zeta": "torch has no forward-mode formula for zeta",
    "_weight_norm.fused": "torch has no forward-mode formula for _weight_norm_interface",
}


def jvp_not_compared(name: str) -> str | None:
    """Why an op's forward-mode derivative is not compared, or None when it is."""
    return next((why for p, why in JVP_NOT_COMPARED.items() if name.startswith(p)), None)


#: ops whose forward-mode derivative the ``special`` sub-check leaves to the ``jvp`` sub-check,
#: and why: torch's forward-mode formula is wrong on ordinary values already (an expected
#: difference of the op's ``jvp`` sub-check), so comparing it on special values says nothing new
SPECIAL_JVP_NOT_COMPARED: dict[str, str] = {
    "triangular_solve.lower-transpose": "torch's forward-mode formula multiplies the "
    "coefficient's tangent untransposed (expected difference of its jvp sub-check)",
    "cholesky_inverse": "torch's forward-mode formula disagrees with its VJP and with finite "
    "differences (expected difference of its jvp sub-check)",
}


#: the dtypes special values are checked in (the example's when it is one of them)
SPECIAL_DTYPES = ("float64", "float32")

_ORDER = (
    "torch's forward-mode formula and gradref's JVP (derived from its VJP) combine inf and 0 in "
    "another order: torch's tangent is NaN where gradref's is ±inf or finite"
)

#: ops (fnmatch patterns of names) not compared on special values yet, and why: gradref does
#: not follow torch there so far (each is a known gap, not a torch bug)
SPECIAL_NOT_COMPARED: dict[str, str] = {}


_NAN_KERNEL_PATH = (
    "the gradient at NaN depends on torch's kernel path: the scalar loop (1 or 3 elements, or a "
    "strided run) passes the cotangent through, the vectorised one (64 contiguous elements) "
    "gives NaN (elu, selu, celu, hardswish) or 0 (hardtanh, relu6, softshrink, hardshrink), and "
    "so does the forward-mode tangent; seen on torch 2.15 and 2.2 with cotangent 0.7 at NaN; "
    "the other special values are compared"
)
_QUOTIENT_OVERFLOW = (
    "(huge, tiny), where the quotient overflows, depends on torch's kernel path: the vectorised "
    "loop (8 or more contiguous float64 elements, 16 or more float32) gives NaN, the scalar "
    "loop (fewer elements) the exact result 0; seen on torch 2.15 and 2.2; tiny is left out, "
    "every other pair is compared"
)

_LAPACK = (
    "inf, NaN and huge entries: LAPACK's factorisations (LU with partial pivoting, Cholesky, "
    "triangular substitution) leave how inf and NaN propagate and where huge products "
    "overflow unspecified, and torch's results depend on the pivot order and the LAPACK build: "
    "det([[0, 0, -1], [3, inf, 2], [-1, 1, 2]]) is -inf in float64 but the det of its "
    "transpose NaN; inverse([[-7.985, h, h], [0.902, -6.321, 0.885], [-0.530, 0.636, -6.859]]) "
    "with h = 1.12e307 raises 'singular' on torch 2.15 and is finite on torch 2.2; the finite "
    "special values (0, -0, ±1, tiny) are compared"
)
_INF_NAN_HUGE = ("inf", "-inf", "nan", "huge")
_MOMENTS = (
    "huge values whose squares overflow: torch's moments (Welford updates, combined in "
    "vectorised chunks) give a variance of inf (rstd 0, outputs 0) or NaN depending on the row "
    "length: float64 layer_norm of [h, 0, 0, 0] with h = 1.12e307 gives rstd NaN, of [h, 0, 0, "
    "0, 0] rstd 0 (float32 gives NaN for both); the other special values are compared"
)
_PADDED_CONV = (
    "inf and NaN in a weight that meets the zero padding: in float32 torch runs oneDNN for some "
    "sizes, which skips the padded products, and otherwise multiplies the zeros (0 * inf: NaN), "
    "as its float64 kernel, float32 with oneDNN off and F.pad'ed input do: the same convolution "
    "is finite or NaN by the path (float64 compares them); huge as in every convolution"
)
_CONV_ORDER = (
    "huge values that cancel (huge + 1 - huge): torch's kernels sum the products and the bias "
    "in an order of their own (float32 conv2d(x, w, b) gives 0 for a batch of one and 1 for a "
    "batch of two, the bias lost or kept); the other special values are compared"
)


#: ops (fnmatch patterns of names) compared on special values without some of them (names of
#: :data:`gradspec.ops.values.SPECIALS`): (the values left out, why); a pattern ending in
#: ``/DTYPE`` leaves them out in that dtype only
SPECIAL_VALUES_SKIPPED: dict[str, tuple[tuple[str, ...], str]] = {
    "nn.functional.elu": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.selu": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.celu": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.hardswish": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.hardtanh*": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.relu6": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.softshrink": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.hardshrink": (("nan",), _NAN_KERNEL_PATH),
    "nn.functional.interpolate.*linear*": (
        ("inf", "-inf", "nan"),
        "inf and NaN next to a zero interpolation weight depend on torch's kernel build: its "
        "float32 source coordinate scale * (i + 0.5) - 0.5 is fused (FMA) in the AVX2/AVX512 "
        "kernels and rounded in the DEFAULT one, so a weight is 0 (0 * inf = NaN) or 1.5e-8 "
        "(inf): a [1, inf, 2] row upsampled from height 1 to (3, 7) bilinearly gives NaN under "
        "ATEN_CPU_CAPABILITY=default and inf under avx2 (torch 2.15); finite values compared",
    ),
    "nn.functional.gelu/float32": (
        ("inf",),
        "float32 gelu(+inf) depends on torch's kernel path: NaN on a contiguous input (the "
        "vectorised erf), +inf on a strided one (the scalar loop); float64 gives +inf on both; "
        "-inf and every other special value are compared",
    ),
    "mode*": (
        ("nan",),
        "a row with NaN: torch's mode sorts the row with < (no order among NaNs) and counts runs "
        "of == (each NaN alone), so both the value and the index depend on where the sort leaves "
        "the NaNs: mode([1, nan, 1, nan, nan]) gives index 0, not the last 1 it gives without "
        "NaN, and mode([nan, nan, 1]) gives NaN; the docs say nothing of NaN",
    ),
    "fmod": (("tiny",), "fmod " + _QUOTIENT_OVERFLOW),
    "remainder": (("tiny",), "remainder " + _QUOTIENT_OVERFLOW),
    "nanmedian.dim": (
        ("nan",),
        "a column of NaNs only, some of them put in by the op's mask: which one torch's index "
        "picks is open (median's docs: 'indices does not necessarily contain the first "
        "occurrence of each median value found, unless it is unique'), and the gradient reaches "
        "the input only through an unmasked one; ties among the other values are compared as "
        "gradspec.ops.ties says",
    ),
    "linalg.det": (_INF_NAN_HUGE, _LAPACK),
    "det.*": (_INF_NAN_HUGE, _LAPACK),
    "linalg.slogdet": (_INF_NAN_HUGE, _LAPACK),
    "linalg.inv": (_INF_NAN_HUGE, _LAPACK),
    "inverse": (_INF_NAN_HUGE, _LAPACK),
    "linalg.solve*": (_INF_NAN_HUGE, _LAPACK),
    "linalg.cholesky*": (_INF_NAN_HUGE, _LAPACK),
    "triangular_solve*": (_INF_NAN_HUGE, _LAPACK),
    "cholesky_solve*": (_INF_NAN_HUGE, _LAPACK),
    "cholesky_inverse": (_INF_NAN_HUGE, _LAPACK),
    "nn.functional.layer_norm*": (("huge",), _MOMENTS),
    "nn.functional.group_norm*": (
        ("huge", "inf", "-inf"),
        _MOMENTS + "; ±inf too: torch's backward folds each group's sums into two per-group "
        "coefficients (dx = c1 * dy + c2 * x + c3), so where an inf weight makes them inf or "
        "NaN, an element's gradient is -inf or NaN by the order of those terms (float64, shape "
        "(2, 4, 2, 2), weight [-inf, 1, 0.06, inf]: torch gives -inf at one element of the "
        "third channel, NaN at the others); NaN and the finite special values are compared",
    ),
    "nn.functional.instance_norm*": (("huge",), _MOMENTS),
    "nn.functional.batch_norm.train*": (
        ("huge", "inf", "-inf"),
        _MOMENTS + "; with batch statistics, ±inf too: an inf weight meets x - mean, which is 0 "
        "or one unit in the last place depending on how torch's kernel path sums the mean (a "
        "strided float32 input sums in float32: x - mean of a channel of three 0.38695902 is "
        "3e-8, the contiguous path's double sum gives 0), so the output is inf or NaN; NaN and "
        "the finite special values are compared",
    ),
    "nn.functional.batch_norm*": (("huge",), _MOMENTS),
    "nn.functional.conv1d.stride-pad-dilation/float32": (_INF_NAN_HUGE, _PADDED_CONV),
    "nn.functional.conv1d.same/float32": (_INF_NAN_HUGE, _PADDED_CONV),
    "nn.functional.conv2d/float32": (_INF_NAN_HUGE, _PADDED_CONV),
    "nn.functional.conv2d.unbatched/float32": (_INF_NAN_HUGE, _PADDED_CONV),
    "nn.functional.conv3d/float32": (_INF_NAN_HUGE, _PADDED_CONV),
    # the input's VJP of a transposed convolution is the padded convolution itself
    "nn.functional.conv_transpose*/float32": (_INF_NAN_HUGE, _PADDED_CONV),
    "nn.functional.conv*": (("huge",), _CONV_ORDER),
}


def special_values_skipped(name: str, dtype: str = "") -> tuple[str, ...]:
    """The special values an op is not compared on (in ``dtype``; see
    :data:`SPECIAL_VALUES_SKIPPED`)."""
    keys = (name, f"{name}/{dtype}")
    return next(
        (
            vals
            for p, (vals, _) in SPECIAL_VALUES_SKIPPED.items()
            if any(fnmatch.fnmatchcase(k, p) for k in keys)
        ),
        (),
    )


def special_not_compared(info: OpInfo) -> str | None:
    """Why an op is not compared on special values, or None when it is."""
    if not any(d in SPECIAL_DTYPES for d in info.dtypes):
        return "special values are checked in real floating dtypes; the op has none"
    return next(
        (why for p, why in SPECIAL_NOT_COMPARED.items() if fnmatch.fnmatchcase(info.name, p)), None
    )


def special_example(ex: Example) -> Example | None:
    """The special-values variant of ``ex`` (its mode from the seed), or None for an example
    in a dtype special values are not checked in."""
    if ex.dtype not in SPECIAL_DTYPES:
        return None
    return replace(ex, special=SPECIAL_MODES[ex.seed % len(SPECIAL_MODES)])


def subchecks(info: OpInfo) -> list[str]:
    """The sub-checks that apply to an op, in SUBCHECKS order."""
    out = ["forward"]
    if info.node is not None and info.check_node:
        out.append("node")
    out.append("vjp")
    if jvp_not_compared(info.name) is None:
        out.append("jvp")
    if special_not_compared(info) is None:
        out.append("special")
    if info.double_backward:
        out.append("double-backward")
    if saved_not_compared(info.name) is None:
        out.append("saved")
    return out


class OpDifference(Exception):
    """torch and gradref differ on one example: ``check`` is the sub-check (or ALL when torch
    could not run the op at all), ``message`` what differs."""

    ALL = "*"

    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check, self.message = check, message


def _line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else ""


#: the inputs are perturbed by this many units in the last place of the example's dtype, and
#: the spread of gradref's float64 answers times SPREAD_FACTOR widens a failed comparison
PERTURB_ULPS = 2.0
SPREAD_FACTOR = 4.0


def conditioning(info: OpInfo, ex: Example, kind: str) -> list | None:
    """Per result of ``kind`` (``output``, ``vjp``, ``jvp``, ``double-backward``), how far
    gradref's own float64 answer moves when the inputs move by a couple of units in the last
    place of the example's dtype: what any implementation computing in that dtype may be off by
    at an ill-conditioned point (a layer norm row of two nearly equal values), as OpInfo judges
    low-precision results. None for float64 and complex examples, or when gradref cannot run."""
    import gradref

    u = UNIT_ROUNDOFF.get(ex.dtype)
    if u is None or ex.dtype == "float64":
        return None
    values = example_values(info, ex)
    rng = np.random.default_rng([ex.seed, 5000])

    def moved(signs):
        return [
            v * (1 + PERTURB_ULPS * u * signs(np.shape(v)))
            if np.issubdtype(np.asarray(v).dtype, np.floating)
            else v
            for v in values
        ]

    # each element up or down at random; then every element up, and every element down, which
    # moves a norm or a sum across a threshold the op tests (renorm's norm > maxnorm)
    directions = [lambda s: rng.choice([-1.0, 1.0], s), np.ones, lambda s: -np.ones(s)]

    def answers(vals):
        if kind == "jvp":
            return jvp(gradref, info, ex, "cpu", values=vals, dtype="float64")
        run = Run(gradref, info, ex, "cpu", values=vals, dtype="float64")
        if kind == "output":
            return run.outputs
        if kind == "vjp":
            return run.vjp()[1]
        return run.double_backward() or []

    try:
        here = answers(values)
        theres = [answers(moved(d)) for d in directions]
    except Exception:  # noqa: BLE001 - no widening then
        return None
    spread = []
    for i, a in enumerate(here):
        moved_answers = [t[i] if i < len(t) else None for t in theres]
        if a is None or any(b is None for b in moved_answers) or not a.dtype.is_floating_point:
            spread.append(None)
            continue
        h = to_numpy(gradref, a)
        moves = []
        for b in moved_answers:
            t = to_numpy(gradref, b)
            # NaN here and a number a couple of units away: a singular point (the double
            # backward of a float32 std over equal values, whose torch std is not exactly 0),
            # where any answer computed in that dtype is as good as another
            with np.errstate(invalid="ignore"):  # inf - inf: NaN, no spread to read there
                moves.append(np.where(np.isnan(h) & ~np.isnan(t), np.inf, np.abs(h - t)))
        moves = np.stack(moves)
        # the widest move; a singular point wherever one direction finds it, NaN (no spread to
        # read) where another direction gives one and none is singular
        widest = np.where(np.isnan(moves).any(axis=0), np.nan, np.max(moves, axis=0, initial=0))
        spread.append(np.where(np.isposinf(moves).any(axis=0), np.inf, widest))
    return spread


def within_conditioning(T1, got, T2, expected, spread, dtype: str, info, ex, steps) -> bool:
    """Whether ``got`` and ``expected`` differ by no more than the op tolerance plus the
    conditioning ``spread`` (elementwise, and normwise by its largest element)."""
    if spread is None or got is None or expected is None:
        return False
    a, b = to_numpy(T1, got), to_numpy(T2, expected)
    if a.shape != b.shape or a.shape != np.shape(spread) or a.dtype.kind not in "fc":
        return False
    finite = np.isfinite(b)
    mag = float(np.max(np.abs(b[finite]))) if finite.any() else 1.0
    rtol, atol = op_tolerance(dtype, info.reduction(ex.shapes), max(mag, info.scale), steps)
    s = spread[np.isfinite(spread)]
    widen = SPREAD_FACTOR * np.maximum(spread, s.max() if s.size else 0.0)
    with np.errstate(invalid="ignore"):
        close = isclose(a, b, rtol, 0.0) | (np.abs(a - b) <= atol + widen)
        return bool(np.all(close | np.isposinf(spread)))


def _within_intermediates(T1, got, T2, expected, what, i, info, ex, steps, why) -> str | None:
    """``why`` again, or None when the derivatives agree within the rounding of the op's
    intermediate terms at this example (``info.intermediates``: a normalisation's backward on a
    row of nearly equal values, terms of 1e307 cancelling to 0 on special values)."""
    if info.intermediates is None or ex.dtype not in UNIT_ROUNDOFF:
        return why
    try:
        size = float(info.intermediates(example_values(info, ex)))
    except Exception:  # noqa: BLE001 - no estimate: the difference stands
        return why
    if not np.isfinite(size) or size <= info.scale:
        return why
    wider = replace(info, scale=size)
    return difference(T1, got, T2, expected, dtype=ex.dtype, what=f"{what} {i}", info=wider,
                      ex=ex, steps=steps, names=("torch", "gradref"))  # fmt: skip


def check_example(info: OpInfo, ex: Example, device: str, checks: tuple[str, ...]) -> bool:
    """Compare torch (on ``device``) with gradref on one example, sub-check by sub-check (those
    in ``checks``): raise :class:`OpDifference` for the first that differs; False when gradref
    cannot run the example (nothing to compare with), else True."""
    import gradref
    import torch

    def compare(what, got, want, check, steps=None, kind=None, ex=ex):
        if len(got) != len(want):
            raise OpDifference(check, f"{what}: torch gives {len(got)}, gradref {len(want)}")
        spread = None
        for i, (g, w) in enumerate(zip(got, want)):
            why = difference(torch, g, gradref, w, dtype=ex.dtype, what=f"{what} {i}", info=info,
                             ex=ex, steps=steps, names=("torch", "gradref"))  # fmt: skip
            if why and spread is None:  # an ill-conditioned point? (computed on failure only)
                kind = kind or {"forward": "output"}.get(check, check)
                spread = conditioning(info, ex, kind) or []
            if (
                why
                and i < len(spread)
                and within_conditioning(
                    torch, g, gradref, w, spread[i], ex.dtype, info, ex, steps or info.steps
                )
            ):
                why = None
            if why and kind not in (None, "output"):
                why = _within_intermediates(torch, g, gradref, w, what, i, info, ex, steps, why)
            if why:
                raise OpDifference(check, why)

    try:
        ref = Run(gradref, info, ex, "cpu")
    except Exception:  # gradref cannot run this example: nothing to compare with
        return False
    try:
        got = Run(torch, info, ex, device)
    except Exception as e:
        raise OpDifference(
            OpDifference.ALL, f"torch raised {type(e).__name__}: {_line(e)}"
        ) from None
    if "forward" in checks:
        compare("output", got.outputs, ref.outputs, "forward")
    if "node" in checks and got.diff:
        fn = got.diff[0].grad_fn
        name = fn.name() if fn is not None else None
        if name != info.node:
            raise OpDifference("node", f"torch's grad_fn is {name}, the op table says {info.node}")
    if "saved" in checks and got.diff and ref.diff:
        theirs = saved_tensor_names(got.diff[0].grad_fn)
        ours = saved_tensor_names(ref.diff[0].grad_fn)
        if theirs != ours:
            raise OpDifference(
                "saved",
                f"torch's {got.diff[0].grad_fn.name()} saves {theirs}, gradref's "
                f"{ref.diff[0].grad_fn.name()} saves {ours}",
            )
    # double backward differentiates the same forward graphs: the VJP keeps them
    double = "double-backward" in checks and ex.dtype in double_backward_dtypes(info)
    if "vjp" in checks:
        try:
            _, g_grads = got.vjp(retain_graph=double)
        except Exception as e:
            raise OpDifference(
                "vjp", f"torch's backward raised {type(e).__name__}: {_line(e)}"
            ) from None
        try:
            _, r_grads = ref.vjp(retain_graph=double)
        except Exception:
            return True
        compare("VJP of input", g_grads, r_grads, "vjp")
    if "jvp" in checks and not (info.scale > 1 and ex.dtype in LOW_PRECISION):
        # (an ill-conditioned op's float16 tangents overflow in torch, as its double backward)
        try:
            g_tan = jvp(torch, info, ex, device)
        except Exception as e:
            raise OpDifference(
                "jvp", f"torch's forward-mode AD raised {type(e).__name__}: {_line(e)}"
            ) from None
        try:
            r_tan = jvp(gradref, info, ex, "cpu")
        except NotImplementedError:  # gradref's forward mode covers real dtypes only
            r_tan = None  # (nothing to compare the tangents with; the other sub-checks run)
        except Exception as e:
            raise OpDifference(
                "jvp", f"gradref's forward-mode AD raised {type(e).__name__}: {_line(e)}"
            ) from None
        if r_tan is not None:
            compare("JVP, tangent of output", g_tan, r_tan, "jvp")
    if "special" in checks and special_example(ex) is not None:
        _check_special(info, special_example(ex), device, compare)
    if double:
        try:
            got2 = got.double_backward()
        except Exception as e:
            raise OpDifference(
                "double-backward", f"torch raised {type(e).__name__}: {_line(e)}"
            ) from None
        try:
            ref2 = ref.double_backward()
        except Exception:
            return True
        if (got2 is None) != (ref2 is None):
            side = "torch" if ref2 is None else "gradref"
            raise OpDifference(
                "double-backward", f"first-order gradients require grad in {side} only"
            )
        if got2 is not None:
            compare("double backward, gradient", got2, ref2, "double-backward", steps=16)
    return True


def _check_special(info: OpInfo, ex: Example, device: str, compare) -> None:
    """The ``special`` sub-check: forward values, VJP and JVP on the special-values variant
    ``ex`` of an example. Where torch raises, the inputs are outside the op's domain (nothing to
    compare); where gradref raises and torch does not, that is the difference."""
    import gradref
    import torch

    tag = f"special values ({ex.special})"

    def ours(fn):
        try:
            return fn()
        except NotImplementedError:
            return None
        except Exception as e:
            why = f"{tag}: gradref raised {type(e).__name__}: {_line(e)}"
            raise OpDifference("special", why) from None

    try:
        got = Run(torch, info, ex, device)
    except Exception:
        return
    ref = ours(lambda: Run(gradref, info, ex, "cpu"))
    if ref is None:
        return
    seen = _Determined(info, ex)

    def unless_range(what, theirs, ours, kind):
        try:
            compare(what, theirs, ours, "special", kind=kind, ex=ex)
        except OpDifference as first:
            if _float32_range(info, ex, device, kind):
                return
            other = _other_products(info, ex, kind, seen)
            if other is not None:
                try:
                    compare(what, theirs, other, "special", kind=kind, ex=ex)
                    return
                except OpDifference:
                    pass
            raise first

    unless_range(f"{tag}: output", seen.outputs(torch, got.outputs),
                 seen.outputs(gradref, ref.outputs), "output")  # fmt: skip
    try:
        _, g_grads = got.vjp()
    except Exception:
        return
    r_vjp = ours(ref.vjp)
    if r_vjp is None:
        return
    unless_range(f"{tag}: VJP of input", seen.grads(torch, g_grads),
                 seen.grads(gradref, r_vjp[1]), "vjp")  # fmt: skip
    if jvp_not_compared(info.name) is not None or info.name in SPECIAL_JVP_NOT_COMPARED:
        return
    try:
        g_tan = jvp(torch, info, ex, device)
    except Exception:
        return
    r_tan = ours(lambda: jvp(gradref, info, ex, "cpu"))
    if r_tan is not None:
        unless_range(f"{tag}: JVP, tangent of output", seen.tangents(torch, g_tan, got.outputs),
                     seen.tangents(gradref, r_tan, ref.outputs), "jvp")  # fmt: skip


def _other_products(info: OpInfo, ex: Example, kind: str, seen) -> list | None:
    """gradref's ``kind`` (output, vjp or jvp) of the special-values example ``ex`` with its
    products evaluated the other IEEE way (see ``gradref._products``), as ``seen`` keeps it:
    where a product overflows next to an infinite term, torch's BLAS may round matrix products
    one by one (NaN) where NumPy's fuses them (an infinity), and torch's CPU cross kernel fuses
    (an infinity) where NumPy rounds (NaN). None when gradref cannot run it."""
    import gradref
    from gradref import _products

    try:
        with _products.other_evaluation():
            if kind == "jvp":
                outs = Run(gradref, info, ex, "cpu").outputs
                return seen.tangents(gradref, jvp(gradref, info, ex, "cpu"), outs)
            run = Run(gradref, info, ex, "cpu")
            if kind == "output":
                return seen.outputs(gradref, run.outputs)
            return seen.grads(gradref, run.vjp()[1])
    except Exception:  # noqa: BLE001 - no other evaluation: the difference stands
        return None


def _float32_range(info: OpInfo, ex: Example, device: str, kind: str) -> bool:
    """Whether a float32 special-values difference is float32's range at work: the example
    holds huge or tiny values, and torch and gradref agree when both compute in float64 on the
    same values. gradref computes in float64 and rounds once, where torch's float32 kernels
    overflow or underflow inside (huge * huge is inf in float32 addmm, so 0.5 * inf - 2 * inf
    is NaN where gradref's float64 sum is inf); a convention (0^0, NaN through relu) differs in
    float64 too and stays a difference."""
    import gradref
    import torch

    if ex.dtype != "float32":
        return False
    values = example_values(info, ex)
    sp = special_values(ex.dtype)
    huge, tiny = sp[SPECIALS.index("huge")], sp[SPECIALS.index("tiny")]
    floats = [np.abs(np.asarray(v, dtype=np.float64)) for v in values
              if np.issubdtype(np.asarray(v).dtype, np.floating)]  # fmt: skip
    if not any(np.any((a >= huge) & np.isfinite(a)) or np.any((a > 0) & (a <= tiny))
               for a in floats):  # fmt: skip
        return False
    try:
        if kind == "jvp":
            theirs = jvp(torch, info, ex, device, values=values, dtype="float64")
            ours = jvp(gradref, info, ex, "cpu", values=values, dtype="float64")
        else:
            r1 = Run(torch, info, ex, device, values=values, dtype="float64")
            r2 = Run(gradref, info, ex, "cpu", values=values, dtype="float64")
            theirs, ours = (
                (r1.outputs, r2.outputs) if kind == "output" else (r1.vjp()[1], r2.vjp()[1])
            )
    except Exception:  # noqa: BLE001 - no float64 answer: the difference stands
        return False
    ex64 = replace(ex, dtype="float64")
    return len(theirs) == len(ours) and all(
        difference(torch, a, gradref, b, dtype="float64", what="", info=info, ex=ex64) is None
        for a, b in zip(theirs, ours)
    )


class _Determined:
    """What of an op's special-values results is determined (see :mod:`gradspec.ops.ties`):
    all of them, unless the op's choice among tied values is open; then its index output as
    the values it picks, its VJP summed over tied elements, its JVP where the output is not
    tied. The VJP leaves out the points where torch's result depends on its kernel path
    (:mod:`gradspec.ops.kernel_paths`)."""

    def __init__(self, info: OpInfo, ex: Example) -> None:
        self.dim = ties_open(info.name)
        values = example_values(info, ex)
        self.x = values[0] if self.dim is not None else None
        self.by_path = kernel_path_points(info.name, values[0]) if values else None

    def outputs(self, T, outs: list) -> list:
        if self.dim is None or len(outs) < 2:
            return outs
        index = to_numpy(T, outs[1])
        picked = T.tensor(picked_values(self.x, index, self.dim), dtype=outs[0].dtype)
        return [outs[0], picked, *outs[2:]]

    def grads(self, T, grads: list) -> list:
        if self.by_path is not None and grads and grads[0] is not None:
            g = to_numpy(T, grads[0])
            kept = np.where(self.by_path, 0.0, g)  # (see gradspec.ops.kernel_paths)
            grads = [T.tensor(kept, dtype=grads[0].dtype), *grads[1:]]
        if self.dim is None or not grads or grads[0] is None:
            return grads
        g = grads[0]
        sums = class_sums(self.x, to_numpy(T, g), self.dim)
        return [T.tensor(sums, dtype=g.dtype), *grads[1:]]

    def tangents(self, T, tans: list, outs: list) -> list:
        if self.dim is None or not tans or tans[0] is None:
            return tans
        t = to_numpy(T, tans[0])
        alone = untied_outputs(self.x, to_numpy(T, outs[0]), self.dim)
        return [T.tensor(np.where(alone, t, 0.0), dtype=tans[0].dtype), *tans[1:]]
