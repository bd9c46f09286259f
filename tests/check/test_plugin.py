"""The pytest plugin turns a spec into parametrized tests."""

import os

# imported before pytester's module snapshot, so that every in-process run shares one Spec
# class and ml_dtypes registers its dtypes once
import gradref  # noqa: F401
import pytest

import gradspec.functions.checker  # noqa: F401
import gradspec.functions.spec  # noqa: F401

pytest_plugins = ["pytester"]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))

TEST_FILE = """
from gradspec.pytest_plugin import spec_tests
from buggy_specs import sin_ok, exp_bad
test_sin = spec_tests(sin_ok, checks=["forward", "vjp"])
test_exp = spec_tests(exp_bad)
"""


@pytest.fixture
def env(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([ROOT, HERE]))
    monkeypatch.syspath_prepend(HERE)
    monkeypatch.syspath_prepend(ROOT)
    return pytester


def test_spec_becomes_one_test_per_check_device_dtype(env):
    env.makepyfile(test_user=TEST_FILE)
    result = env.runpytest("-p", "gradspec", "-q", "-rs")
    # sin: 2 checks x (cpu, cuda) x float64; exp: 1 check x (cpu, cuda) x float64
    result.assert_outcomes(passed=2, failed=1, skipped=3)
    result.stdout.fnmatch_lines(["*backward-returns*contract.backward-returns-exact-grads*"])
    result.stdout.fnmatch_lines(["*cuda is not available*"])


def test_collection_order_is_deterministic(env):
    env.makepyfile(test_user=TEST_FILE)
    first = env.runpytest("-p", "gradspec", "--collect-only", "-q").stdout.lines
    second = env.runpytest("-p", "gradspec", "--collect-only", "-q").stdout.lines
    ids = [line for line in first if "::" in line]
    assert ids and ids == [line for line in second if "::" in line]
    assert "test_user.py::test_sin[forward-cpu-float64]" in ids


def test_plugin_does_not_clobber_a_loaded_profile(env):
    env.makeconftest(
        "from hypothesis import settings\n"
        "settings.register_profile('mine', max_examples=3)\n"
        "settings.load_profile('mine')\n"
    )
    env.makepyfile(
        test_p="from hypothesis import settings\n"
        "def test_profile():\n    assert settings.default.max_examples == 3\n"
    )
    env.runpytest("-p", "gradspec").assert_outcomes(passed=1)


MANY = """
import buggy_specs
from gradspec.pytest_plugin import spec_tests
test_list = spec_tests([buggy_specs.sin_ok, buggy_specs.exp_bad], checks=["forward"])
test_dict = spec_tests({"a": buggy_specs.sin_ok}, checks=["forward"], devices=["cpu"])
test_module = spec_tests(buggy_specs, checks=["forward"], devices=["cpu"])
"""


def test_spec_tests_takes_a_list_a_dict_or_a_module(env):
    env.makepyfile(test_many=MANY)
    ids = [line for line in env.runpytest("-p", "gradspec", "--collect-only", "-q").stdout.lines]
    assert "test_many.py::test_list[Sin-forward-cpu-float64]" in ids
    assert "test_many.py::test_list[ExpDoubleGrad-forward-cpu-float32]" in ids
    assert "test_many.py::test_dict[forward-cpu-float64]" in ids
    assert any(i.startswith("test_many.py::test_module[LinearIgnoresNeeds-") for i in ids)


ABSENT_DEVICE = """
from gradspec.pytest_plugin import spec_tests
from buggy_specs import sin_ok
test_named = spec_tests(sin_ok, checks=["forward"], devices=["cpu", "cuda:15"])
test_where = spec_tests(sin_ok, checks=["forward"], devices=["cpu", "cuda:15"],
                        where_available=True)
"""


def test_a_named_absent_device_fails_unless_where_available(env):
    env.makepyfile(test_dev=ABSENT_DEVICE)
    result = env.runpytest("-p", "gradspec", "-q", "-rs")
    # sin: float64 only; cpu passes twice, cuda:15 fails (named) and is skipped (where_available)
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*not run: cuda:15 was requested but*where_available=True*"])


def test_gradspec_device_absent_is_a_usage_error(env):
    result = env.runpytest("-p", "gradspec", "--gradspec-device", "cuda:15", "--collect-only")
    assert result.ret == 4  # pytest's usage error
    result.stderr.fnmatch_lines(["*--gradspec-device cuda:15: *--gradspec-where-available*"])
