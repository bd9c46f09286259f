"""The op table's coverage of torch's derivatives.yaml: the scope data is complete and well
formed, grad_fn names map to the ops they name, and the README states the computed count."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from gradspec.ops.coverage import (
    AREAS,
    SCOPE_FILE,
    ScopeError,
    _keys_of_op,
    coverage,
    covered_ops,
    derivatives_names,
    installed_derivatives_yaml,
    load_scope,
)
from gradspec.ops.table import OPS

README = Path(__file__).resolve().parents[2] / "README.md"
SCOPE = load_scope()


def test_readme_states_the_computed_coverage():
    text = " ".join(README.read_text().split())
    cov = coverage()
    n, covered = cov.totals
    m = re.search(r"the op table checks (\d+) of the (\d+) ops in scope", text)
    assert m, "README has no sentence 'the op table checks N of the M ops in scope'"
    stated = (int(m.group(1)), int(m.group(2)))
    assert stated == (covered, n), (
        f"README states {stated[0]} of {stated[1]}; computed {covered} of {n}: "
        f"put `{cov.summary()}` in README (python -m gradspec.ops.coverage)"
    )
    for area, label in AREAS.items():
        total, got, _ = cov.area(area)
        a = re.search(re.escape(label) + r" (\d+)/(\d+)", text[m.start() :])
        assert a, f"README's coverage sentence has no '{label} covered/total'"
        assert (int(a.group(1)), int(a.group(2))) == (got, total), (
            f"README states {label} {a.group(1)}/{a.group(2)}; computed {got}/{total}"
        )


def _installed_names():
    path = installed_derivatives_yaml()
    if path is None:
        pytest.skip("the installed torch ships no torchgen/packaged/autograd/derivatives.yaml")
    release = torch.__version__.split("+")[0]
    if release != SCOPE.source["torch"]:
        pytest.skip(f"the scope was classified on torch {SCOPE.source['torch']}, not {release}")
    return derivatives_names(path.read_text())


def test_every_op_of_derivatives_yaml_is_classified():
    names = _installed_names()
    assert len(names) == SCOPE.source["distinct_ops"]
    unclassified = [n for n in names if SCOPE.classify(n) is None]
    assert not unclassified, f"in neither [in_scope] nor [out_of_scope]: {unclassified}"


def test_every_op_the_scope_names_is_in_derivatives_yaml():
    names = set(_installed_names())
    named = set(SCOPE.in_scope)
    for _, ops, _ in SCOPE.out_of_scope.values():
        named |= set(ops)
    assert not sorted(named - names)


def test_out_of_scope_lists_do_not_name_in_scope_ops():
    for category, (_, ops, _) in SCOPE.out_of_scope.items():
        both = set(ops) & set(SCOPE.in_scope)
        assert not both, f"{category}: also in scope: {sorted(both)}"


def test_in_scope_ops_have_distinct_match_keys():
    seen = {}
    for op in SCOPE.in_scope:
        for k in _keys_of_op(op):
            assert k not in seen, f"{op} and {seen[k]} both match grad_fn key {k!r}"
            seen[k] = op


@pytest.mark.parametrize(
    "node, op",
    [
        ("HardswishBackward0", "hardswish"),
        ("NllLossBackward0", "nll_loss_forward"),
        ("LinalgDetBackward0", "_linalg_det"),
        ("LinalgInvExBackward0", "linalg_inv_ex"),
        ("MaxPool2DWithIndicesBackward0", "max_pool2d_with_indices"),
        ("UpsampleBilinear2DAaBackward0", "_upsample_bilinear2d_aa"),
        ("Log1PBackward0", "log1p"),
        ("SoftmaxBackward0", "_softmax"),
        ("ClampBackward1", "clamp"),
        ("DiagonalBackward0_copy", "diagonal"),
    ],
)
def test_grad_fn_names_map_to_their_op(node, op):
    record = SimpleNamespace(name="anything.variant", node=node)
    assert covered_ops(record, SCOPE) == (op,)


@pytest.mark.parametrize(
    "name, op",
    [
        ("nn.functional.linear.batched-bias", "linear"),
        ("linalg.vector_norm", "linalg_vector_norm"),
        ("special.xlog1py", "special_xlog1py"),
        ("split", "split"),
    ],
)
def test_records_without_a_node_map_by_name(name, op):
    assert covered_ops(SimpleNamespace(name=name, node=None), SCOPE) == (op,)


def test_a_node_that_names_no_in_scope_op_covers_nothing():
    record = SimpleNamespace(name="hardswish", node="UnsafeViewBackward0")
    assert covered_ops(record, SCOPE) == ()


def test_record_covers_names_records_of_the_table():
    assert set(SCOPE.record_covers) <= set(OPS)


def test_a_malformed_scope_file_is_refused(tmp_path):
    text = SCOPE_FILE.read_text()
    bad = tmp_path / "scope.toml"
    bad.write_text(
        text.replace('reductions = [\n    "amax",', 'reductions = [\n    "abs", "amax",')
    )
    with pytest.raises(ScopeError, match="'abs' is in both 'pointwise' and 'reductions'"):
        load_scope(bad)
    bad.write_text(text.replace("[in_scope]\n", "[in_scope]\nextra_area = []\n"))
    with pytest.raises(ScopeError, match="must have the areas"):
        load_scope(bad)


def test_gradspec_list_coverage_prints_the_count_and_the_missing_ops(capsys):
    from gradspec.cli import main

    assert main(["list", "--coverage"]) == 0
    out = capsys.readouterr().out
    cov = coverage()
    assert cov.summary() in out
    missing = [op for area in AREAS for op in cov.area(area)[2]]
    assert all(f" {op}" in out for op in missing)
    assert "Function checks" not in out  # only the coverage
