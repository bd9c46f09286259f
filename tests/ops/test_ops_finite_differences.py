"""gradref's VJPs, JVPs and double backward against central finite differences of gradref's own
forward, in float64: the reference's own truth, independent of torch.

For a random direction ``d`` per input, the VJP must satisfy
``<grad, d> = d/dt <v, f(x + t d)>`` (real inner products, so complex inputs and outputs follow
torch's conjugate-Wirtinger convention), and the second-order gradient the same identity for
``s(x) = <w, vjp(x)>``. The forward-mode derivative along a tangent ``t`` must satisfy
``<v, jvp> = d/dt <v, f(x + t t)>`` (real dtypes: gradref's forward mode covers those).
"""

from __future__ import annotations

import gradref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradspec.ops.compare import Run, examples, jvp, tangents, to_numpy
from gradspec.ops.table import OPS

EPS = 1e-6
EXAMPLES = max(2, settings.default.max_examples // 5)
NONSMOOTH = {
    "div.floor",
    "div.trunc",
    "floor",
    "ceil",
    "round",
    "round.decimals",
    "trunc",
    "sign",
    "max.ties",
    "amax.ties",
}


def _real_dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(np.real(np.conj(a) * b)))


def _complex_dtype(info) -> str:
    return (
        "complex128" if "complex128" in info.dtypes and "float64" not in info.dtypes else "float64"
    )


class _Shifted(Run):
    """The example's inputs moved by ``t * direction`` (a fresh graph each time)."""

    def __init__(self, info, ex, directions, t) -> None:
        super().__init__(gradref, info, ex)
        with gradref.no_grad():
            for leaf, d in zip(self.leaves, directions):
                if d is not None:
                    leaf += t * gradref.tensor(d, dtype=leaf.dtype)
        self.result = info.call(gradref, *self.leaves, **self.aux)
        from gradspec.ops.compare import differentiable_outputs, outputs_of

        self.outputs = outputs_of(self.result)
        self.diff = [o for o in differentiable_outputs(self.result) if o.requires_grad]


def _directions(run, seed):
    rng = np.random.default_rng([seed, 2000])
    out = []
    for leaf in run.leaves:
        if not leaf.requires_grad:
            out.append(None)
            continue
        d = rng.standard_normal(tuple(leaf.shape))
        if leaf.is_complex():
            d = d + 1j * rng.standard_normal(tuple(leaf.shape))
        out.append(d)
    return out


def _objective(run, vs) -> float:
    return sum(_real_dot(to_numpy(gradref, v), to_numpy(gradref, o)) for v, o in zip(vs, run.diff))


@pytest.mark.parametrize("name", sorted(n for n in OPS if n not in NONSMOOTH))
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_vjp_matches_finite_differences(name, data):
    info = OPS[name]
    ex = data.draw(examples(info, dtypes=[_complex_dtype(info)]), label="example")
    ex = type(ex)(
        ex.dtype, ex.shapes, tuple("contiguous" for _ in ex.layouts), ex.requires_grad, ex.seed
    )
    run = Run(gradref, info, ex)
    vs, grads = run.vjp()
    ds = _directions(run, ex.seed)
    analytic = sum(
        _real_dot(to_numpy(gradref, g), d)
        for g, d in zip(grads, [d for d in ds if d is not None])
        if g is not None
    )
    plus = _objective(_Shifted(info, ex, ds, EPS), vs)
    minus = _objective(_Shifted(info, ex, ds, -EPS), vs)
    numeric = (plus - minus) / (2 * EPS)
    scale = 1.0 + abs(analytic) + abs(plus) / EPS * 1e-9
    assert abs(analytic - numeric) <= 1e-5 * scale, (
        f"{name} VJP: <grad, d> = {analytic!r}, finite differences {numeric!r}\n{ex.describe()}"
    )


@pytest.mark.parametrize(
    "name", sorted(n for n, o in OPS.items() if n not in NONSMOOTH and "float64" in o.dtypes)
)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_jvp_matches_finite_differences(name, data):
    info = OPS[name]
    ex = data.draw(examples(info, dtypes=["float64"]), label="example")
    ex = type(ex)(
        ex.dtype, ex.shapes, tuple("contiguous" for _ in ex.layouts), ex.requires_grad, ex.seed
    )
    run = Run(gradref, info, ex)
    vs = run.cotangents()
    ds = [None if t is None else to_numpy(gradref, t) for t in tangents(gradref, run.leaves, ex)]
    try:
        outs = jvp(gradref, info, ex)
    except NotImplementedError as e:  # complex outputs (complex, polar)
        pytest.skip(f"{name}: {e}")
    analytic = sum(
        _real_dot(to_numpy(gradref, v), to_numpy(gradref, o))
        for v, o in zip(vs, outs)
        if o is not None
    )
    plus = _objective(_Shifted(info, ex, ds, EPS), vs)
    minus = _objective(_Shifted(info, ex, ds, -EPS), vs)
    numeric = (plus - minus) / (2 * EPS)
    scale = 1.0 + abs(analytic) + abs(plus) / EPS * 1e-9
    assert abs(analytic - numeric) <= 1e-5 * scale, (
        f"{name} JVP: <v, jvp> = {analytic!r}, finite differences {numeric!r}\n{ex.describe()}"
    )


@pytest.mark.parametrize("name", sorted(n for n, o in OPS.items() if o.double_backward))
@settings(max_examples=max(2, EXAMPLES // 2))
@given(data=st.data())
def test_double_backward_matches_finite_differences(name, data):
    info = OPS[name]
    ex = data.draw(examples(info, dtypes=[_complex_dtype(info)]), label="example")
    ex = type(ex)(
        ex.dtype, ex.shapes, tuple("contiguous" for _ in ex.layouts), ex.requires_grad, ex.seed
    )
    run = Run(gradref, info, ex)
    ds = _directions(run, ex.seed)
    rng = np.random.default_rng([ex.seed, 4000])

    def first_order(r):
        _, grads = r.vjp(create_graph=True)
        return grads

    grads = first_order(run)
    ws = [
        None
        if g is None
        else rng.standard_normal(tuple(g.shape))
        + (1j * rng.standard_normal(tuple(g.shape)) if g.is_complex() else 0)
        for g in grads
    ]
    terms = [
        (g * gradref.tensor(w, dtype=g.dtype).conj()).real.sum()
        if g.is_complex()
        else (g * gradref.tensor(w, dtype=g.dtype)).sum()
        for g, w in zip(grads, ws)
        if g is not None and g.requires_grad
    ]
    if not terms:
        return
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    leaves = run.inputs_requiring_grad()
    second = gradref.autograd.grad(total, leaves, allow_unused=True)
    live = [d for d in ds if d is not None]
    analytic = sum(
        _real_dot(to_numpy(gradref, s), d) for s, d in zip(second, live) if s is not None
    )

    def s_at(t):
        r = _Shifted(info, ex, ds, t)
        gs = first_order(r)
        return sum(_real_dot(w, to_numpy(gradref, g)) for g, w in zip(gs, ws) if g is not None)

    numeric = (s_at(EPS) - s_at(-EPS)) / (2 * EPS)
    assert abs(analytic - numeric) <= 1e-4 * (1.0 + abs(analytic)), (
        f"{name} double backward: {analytic!r}, finite differences {numeric!r}\n{ex.describe()}"
    )
