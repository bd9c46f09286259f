"""gradref's gradients against central finite differences of gradref's own forward, in float64.

Each op's backward (the VJP with a random cotangent ``v``) must match the numerical derivative of
``sum(f(x) * v)`` with respect to each input, computed by central differences. Values are drawn
away from kinks (relu at 0, clamp's bounds), from the poles of div and log, and with positive
bases for pow, so that the derivative exists and central differences approximate it.
"""

from __future__ import annotations

import gradref
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

EPS = 1e-6
RTOL, ATOL = 1e-4, 1e-6


def _values(low=-3.0, high=3.0, away_from=(), margin=0.05):
    """Floats in [low, high], at least ``margin`` away from each point in ``away_from``."""
    elements = st.floats(low, high, allow_nan=False, allow_subnormal=False)
    for point in away_from:
        elements = elements.filter(lambda v, p=point: abs(v - p) >= margin)
    return elements


def _arrays(shape, **kw):
    return hnp.arrays(np.float64, shape, elements=_values(**kw))


SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


def _to_numpy(t) -> np.ndarray:
    return np.asarray(t.detach().tolist(), dtype=np.float64).reshape(tuple(t.shape))


def _loss(f, arrays, v) -> float:
    out = f(*[gradref.tensor(a, dtype=gradref.float64) for a in arrays])
    return float((_to_numpy(out) * v).sum())


def _numeric_grads(f, arrays, v) -> list[np.ndarray]:
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus = [b.copy() for b in arrays]
            minus = [b.copy() for b in arrays]
            plus[i][idx] += EPS
            minus[i][idx] -= EPS
            g[idx] = (_loss(f, plus, v) - _loss(f, minus, v)) / (2 * EPS)
        grads.append(g)
    return grads


def check_against_finite_differences(f, arrays, data):
    leaves = [gradref.tensor(a, dtype=gradref.float64, requires_grad=True) for a in arrays]
    out = f(*leaves)
    assert out.dtype == gradref.float64
    v = data.draw(hnp.arrays(np.float64, tuple(out.shape), elements=_values(-2.0, 2.0)), label="v")
    out.backward(gradref.tensor(v, dtype=gradref.float64))
    numeric = _numeric_grads(f, arrays, v)
    for i, (leaf, expected) in enumerate(zip(leaves, numeric)):
        assert leaf.grad is not None, f"input {i} got no gradient"
        got = _to_numpy(leaf.grad)
        assert got.shape == expected.shape, f"input {i}: grad shape {got.shape}, {expected.shape}"
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=f"input {i}")


BINARY = {
    "add": (lambda a, b: a + b, {}, {}),
    "add-function": (lambda a, b: gradref.add(a, b), {}, {}),
    "sub": (lambda a, b: a - b, {}, {}),
    "mul": (lambda a, b: a * b, {}, {}),
    "div": (lambda a, b: a / b, {}, dict(away_from=(0.0,), margin=0.5)),
    "pow": (lambda a, b: a**b, dict(low=0.5, high=3.0), dict(low=-2.0, high=2.0)),
}


@pytest.mark.parametrize("op", sorted(BINARY))
@given(data=st.data())
def test_binary_ops(op, data):
    f, kw_a, kw_b = BINARY[op]
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    a = data.draw(_arrays(shapes.input_shapes[0], **kw_a), label="a")
    b = data.draw(_arrays(shapes.input_shapes[1], **kw_b), label="b")
    check_against_finite_differences(f, [a, b], data)


UNARY = {
    "exp": (lambda x: x.exp(), {}),
    "exp-function": (lambda x: gradref.exp(x), {}),
    "log": (lambda x: x.log(), dict(low=0.2, high=5.0)),
    "sigmoid": (lambda x: x.sigmoid(), {}),
    "tanh": (lambda x: x.tanh(), {}),
    "relu": (lambda x: x.relu(), dict(away_from=(0.0,))),
    "clamp": (lambda x: x.clamp(-1.0, 1.5), dict(away_from=(-1.0, 1.5))),
    "clamp-min": (lambda x: gradref.clamp(x, min=0.5), dict(away_from=(0.5,))),
    "pow-scalar": (lambda x: x**3, {}),
    "pow-fractional": (lambda x: x**1.5, dict(low=0.2, high=3.0)),
    "sum": (lambda x: x.sum(), {}),
    "sum-dim": (lambda x: x.sum(dim=0) if x.dim() > 0 else x.sum(), {}),
    "mean": (lambda x: x.mean(), {}),
    "mean-dim-keepdim": (lambda x: x.mean(dim=-1, keepdim=True) if x.dim() > 0 else x.mean(), {}),
}


@pytest.mark.parametrize("op", sorted(UNARY))
@given(data=st.data())
def test_unary_ops(op, data):
    f, kw = UNARY[op]
    shape = data.draw(SHAPES, label="shape")
    if op in ("mean", "mean-dim-keepdim"):
        # the mean of nothing is NaN: no derivative to check
        shape = data.draw(
            hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3), label="shape"
        )
    x = data.draw(_arrays(shape, **kw), label="x")
    check_against_finite_differences(f, [x], data)


@given(data=st.data(), n=st.integers(1, 4), k=st.integers(0, 4), m=st.integers(1, 4))
def test_mm(data, n, k, m):
    a = data.draw(_arrays((n, k)), label="a")
    b = data.draw(_arrays((k, m)), label="b")
    check_against_finite_differences(lambda x, y: gradref.mm(x, y), [a, b], data)
    check_against_finite_differences(lambda x, y: x.mm(y), [a, b], data)


MATMUL_SIGNATURES = ["(n,k),(k,m)->(n,m)", "(k),(k,m)->(m)", "(n,k),(k)->(n)", "(k),(k)->()"]


@pytest.mark.parametrize("signature", MATMUL_SIGNATURES)
@given(data=st.data())
def test_matmul(signature, data):
    shapes = data.draw(
        hnp.mutually_broadcastable_shapes(
            signature=signature, max_dims=2 if "(n,k),(k,m)" in signature else 0, max_side=3
        )
    )
    a = data.draw(_arrays(shapes.input_shapes[0]), label="a")
    b = data.draw(_arrays(shapes.input_shapes[1]), label="b")
    check_against_finite_differences(lambda x, y: gradref.matmul(x, y), [a, b], data)
    check_against_finite_differences(lambda x, y: x @ y, [a, b], data)


COMPOSED = {
    "mlp-layer": lambda x, w: (x.mm(w) + 0.5).tanh().sum(dim=0),
    "softplus-like": lambda x, w: ((x.mm(w)).exp() + 1.0).log(),
    "gated": lambda x, w: x.mm(w).sigmoid() * x.mm(w),
    "squared-error": lambda x, w: ((x.mm(w) - 1.0) ** 2).mean(),
    "reuse": lambda x, w: x.mm(w) * x.mm(w).exp() / (1.0 + x.mm(w) ** 2),
}


@pytest.mark.parametrize("name", sorted(COMPOSED))
@settings(max_examples=10)
@given(data=st.data(), n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3))
def test_composed_expressions(name, data, n, k, m):
    x = data.draw(_arrays((n, k), low=-1.5, high=1.5), label="x")
    w = data.draw(_arrays((k, m), low=-1.5, high=1.5), label="w")
    check_against_finite_differences(COMPOSED[name], [x, w], data)


@given(data=st.data())
def test_relu_through_broadcast_and_sum(data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    a = data.draw(_arrays(shapes.input_shapes[0], low=0.5, high=2.0), label="a")
    b = data.draw(_arrays(shapes.input_shapes[1], low=0.5, high=2.0), label="b")
    # a * b > 0 and far from relu's kink; the sum is then broadcast back to both shapes
    check_against_finite_differences(lambda x, y: (x * y - 0.1).relu() + x / y, [a, b], data)
