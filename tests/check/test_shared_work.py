"""The work one example's checks share: one reference run for both orders, which outputs require
grad under a mask read off that run's graph, inputs built once per layout, findings about the
code recorded without a search, metadata checks once per structure."""

import gradref as T
import numpy as np
import pytest
import torch

import gradspec
from gradspec.functions import seeds
from gradspec.functions.answers import Answers
from gradspec.functions.case import Facts
from gradspec.functions.examples import Example
from gradspec.functions.oracles import reference_result
from gradspec.inputs import torch_tensor as materialize

RNG = np.random.default_rng(0)

#: references whose outputs depend on their inputs in different ways (a table: reference,
#: input shapes, integer input kinds)
REFERENCES = {
    "linear": (lambda x, w, b: x @ w.t() + b, [(2, 3), (4, 3), (4,)], ()),
    "unused input": (lambda x, w: x.sin() * 2, [(3,), (3,)], ()),
    "identity and a product": (lambda x, y: (x, x * y), [(2,), (2,)], ()),
    "detached branch": (lambda x, y: x.detach() + y, [(2,), (2,)], ()),
    "index output": (lambda x, y: (x + y).max(-1), [(2, 3), (2, 3)], ()),
    "where on a mask of x": (lambda x, y: T.where(x > 0, y, 0.0), [(4,), (4,)], ()),
    "integer input": (lambda x, t: x.gather(0, t), [(3,), (2,)], (None, ("int", 0, 3, []))),
}


def _masks(n):
    return [tuple(bool(b >> i & 1) for i in range(n)) for b in range(2**n)]


def _values(shapes, kinds):
    vals = []
    for i, shape in enumerate(shapes):
        kind = kinds[i] if i < len(kinds) else None
        if kind is None:
            vals.append(RNG.standard_normal(shape))
        else:
            vals.append(RNG.integers(0, 3, shape).astype(np.float64))
    return vals


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_requires_grad_under_a_mask_matches_running_the_reference_with_it(name):
    ref, shapes, kinds = REFERENCES[name]
    vals = _values(shapes, kinds)
    full = reference_result(T, ref, vals, "float64", kinds=kinds)
    assert full.reaches is not None
    for mask in _masks(len(vals)):
        mask = tuple(m and (i >= len(kinds) or kinds[i] is None) for i, m in enumerate(mask))
        ran = reference_result(T, ref, vals, "float64", kinds=kinds, mask=mask)
        want = [o is not None and o.requires_grad for o in ran.outputs]
        assert full.requires_grad_under(mask) == want, mask


def _example(shapes=((2, 3), (4, 3), (4,)), rg=(True, True, True)):
    return Example(
        "float64", "cpu", shapes, rg, ("contiguous",) * 3, ("contiguous",), seed=7
    ).with_values()


def test_one_reference_run_gives_first_and_second_order():
    ex = _example(rg=(True, False, True))
    runs = []
    answers = Answers(seeds.linear, T, (), ex.seed)
    original = answers._run
    answers._run = lambda *a, **k: runs.append(a) or original(*a, **k)
    answers.prefetch_second = ex.second_masked
    first = answers.get("base", ex.values, "float64", lambda k, s, d=None: ex.cotangent(k, s))
    both = answers.get("base", ex.values, "float64", lambda k, s, d=None: ex.cotangent(k, s),
                       second=ex.second_masked)  # fmt: skip
    assert len(runs) == 1
    plain = reference_result(
        T, seeds.linear.reference, ex.values, "float64", lambda k, s, d=None: ex.cotangent(k, s)
    )
    apart = reference_result(
        T, seeds.linear.reference, ex.values, "float64", lambda k, s, d=None: ex.cotangent(k, s),
        second=ex.second_masked,
    )  # fmt: skip
    for a, b in zip(first.grads, plain.grads):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(both.grads2, apart.grads2):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    # the second-order cotangent of an input that does not require grad is zero
    assert not np.any(ex.second_masked(1, (4, 3)))


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "channels_last"])
def test_inputs_built_again_from_the_same_values_are_fresh_copies(layout):
    v = RNG.standard_normal((2, 3, 4))
    a = materialize(v, layout, "float32", requires_grad=True)
    with torch.no_grad():
        a.add_(1.0)  # the caller may modify what it got
    b = materialize(v, layout, "float32")
    c = materialize(v.copy(), layout, "float32")
    assert b.stride() == c.stride() and b.storage_offset() == c.storage_offset()
    assert torch.equal(b, c) and not b.requires_grad and a.requires_grad and a.is_leaf
    assert b.untyped_storage().data_ptr() != a.untyped_storage().data_ptr()


def test_a_finding_about_the_code_ends_no_search():
    # Exp has no setup_context: vmap's advice, met on the first example, is about the class
    report = gradspec.run(seeds.exp, max_examples=6, dtypes=["float64"])
    assert report.ok and "vmap" in report.advised_checks(), str(report)
    assert report.examples_run == 6, report.examples_run
    assert len([a for a in report.advice if a.check == "vmap"]) == 1


def test_a_structure_is_checked_on_a_few_examples():
    facts = Facts()
    ex = _example()
    other_values = Example(**{**ex.__dict__, "seed": 8, "values": ()}).with_values()
    other_shape = _example(shapes=((3, 3), (4, 3), (4,)))
    fields = ("shapes", "args")
    assert facts.first_of_structure("c", ex, fields, 2)
    assert facts.first_of_structure("c", other_values, fields, 2)
    assert not facts.first_of_structure("c", ex, fields, 2)
    assert facts.first_of_structure("c", other_shape, fields, 2)
    facts.focus = "c"  # the check being shrunk runs on every example
    assert facts.first_of_structure("c", ex, fields, 2)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)], ids=str)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "offset", "strided", "expanded",
                                    "channels_last"])  # fmt: skip
def test_an_input_built_again_has_the_layout_it_had_the_first_time(layout, shape):
    # a 1-d "transposed" input falls back to strided, which a copy does not keep: built a
    # second time from the same array it came back contiguous (in torch, not in gradref)
    import gradref

    from gradspec.inputs.layouts import materialize as build

    v = RNG.standard_normal(shape)
    first = materialize(v, layout, "float64")
    again = materialize(v, layout, "float64")
    ref = build(gradref, v, layout, "float64")
    for t in (again, ref):
        assert tuple(t.stride()) == tuple(first.stride()), (layout, shape)
        assert t.storage_offset() == first.storage_offset()
    assert torch.equal(first, again)
