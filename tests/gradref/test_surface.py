"""The autograd surface inventory (``gradref._surface``): every public name of torch's autograd
modules and the autograd-facing Tensor and Node attributes, and whether gradref has each.

A name gradref lacks must raise NotImplementedError naming it and pointing at the project,
never AttributeError; the lists themselves are checked against the installed torch when it is
the release gradref mirrors. ``coverage()`` is the figure: names covered / names listed.
"""

from __future__ import annotations

import importlib
import types

import gradref
import pytest
import torch
from gradref import _surface

MIRRORED = torch.__version__.startswith(_surface.TORCH_VERSION)
NOT_MIRRORED = f"the inventory lists torch {_surface.TORCH_VERSION}'s names"


def torch_public_names(module_name: str) -> list[str]:
    """``__all__``, public submodules, and public names defined in the module itself."""
    module = importlib.import_module(module_name)
    names = set(getattr(module, "__all__", ()))
    for n in dir(module):
        if n.startswith("_"):
            continue
        obj = getattr(module, n)
        if isinstance(obj, types.ModuleType):
            if obj.__name__.startswith(module_name + "."):
                names.add(n)
        elif (getattr(obj, "__module__", None) or "").startswith(module_name):
            names.add(n)
    return sorted(names)


def torch_nodes():
    x = torch.ones(2, requires_grad=True)

    class Id(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            return g

    y = x * 2.0
    return y.grad_fn, y.grad_fn.next_functions[0][0], Id.apply(x).grad_fn


def gradref_objects() -> dict:
    """The gradref object each inventory group is looked up on."""
    x = gradref.ones(2, requires_grad=True)

    class Id(gradref.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, g):
            return g

    y = x * 2.0
    groups = {}
    for where in _surface.MODULES:
        groups[where] = importlib.import_module(where.replace("torch", "gradref", 1))
    groups["torch.Tensor"] = x
    groups["Node"] = y.grad_fn
    groups["AccumulateGrad"] = y.grad_fn.next_functions[0][0]
    groups["custom Function node"] = Id.apply(x).grad_fn
    return groups


def inventory() -> list[tuple[str, str]]:
    """(group, name) for every listed name."""
    rows = [(where, n) for where, names in _surface.MODULES.items() for n in names]
    rows += [("torch.Tensor", n) for n in _surface.TENSOR]
    rows += [("Node", n) for n in _surface.NODE]
    rows += [("AccumulateGrad", n) for n in _surface.NODE + _surface.ACCUMULATE_GRAD]
    rows += [("custom Function node", n) for n in _surface.NODE + _surface.CUSTOM_NODE]
    return rows


def has(obj, name: str) -> bool:
    """Whether gradref has ``name`` on ``obj``; a missing listed name must raise
    NotImplementedError that names it and points at the project."""
    try:
        getattr(obj, name)
    except NotImplementedError as e:
        assert name in str(e) and "gradspec" in str(e), str(e)
        return False
    return True


def coverage() -> tuple[int, int]:
    objects = gradref_objects()
    rows = inventory()
    return sum(has(objects[group], name) for group, name in rows), len(rows)


@pytest.mark.skipif(
    not MIRRORED, reason=f"the inventory lists torch {_surface.TORCH_VERSION}'s names"
)
@pytest.mark.parametrize("module", sorted(_surface.MODULES))
def test_module_names_are_torchs(module):
    assert list(_surface.MODULES[module]) == torch_public_names(module)


@pytest.mark.skipif(
    not MIRRORED, reason=f"the inventory lists torch {_surface.TORCH_VERSION}'s names"
)
def test_tensor_and_node_attributes_are_torchs():
    missing = [n for n in _surface.TENSOR if not hasattr(torch.Tensor, n)]
    assert not missing, f"not torch.Tensor attributes: {missing}"
    node, acc, custom = torch_nodes()

    def listed(fn):
        return sorted(n for n in dir(fn) if not n.startswith(("__", "_saved_", "_raw_saved_")))

    assert listed(node) == sorted(_surface.NODE)
    assert listed(acc) == sorted(_surface.NODE + _surface.ACCUMULATE_GRAD)
    public = [n for n in listed(custom) if not n.startswith("_")]
    assert public == sorted(
        n for n in _surface.NODE + _surface.CUSTOM_NODE if not n.startswith("_")
    )


@pytest.mark.parametrize(("group", "name"), inventory(), ids=[f"{g}.{n}" for g, n in inventory()])
def test_listed_name_exists_or_raises_not_implemented(group, name):
    obj = gradref_objects()[group]
    has(obj, name)  # AttributeError, or a NotImplementedError without the name, fails here


def test_unlisted_names_are_ordinary_attribute_errors():
    objects = gradref_objects()
    for obj in objects.values():
        pytest.raises(AttributeError, getattr, obj, "no_such_autograd_name")
        assert not hasattr(obj, "no_such_autograd_name")


def test_coverage_figure(capsys):
    covered, listed = coverage()
    with capsys.disabled():
        print(
            f"\ngradref covers {covered}/{listed} names of torch {_surface.TORCH_VERSION}'s "
            f"autograd surface ({covered / listed:.0%})"
        )
    assert 0 < covered <= listed
