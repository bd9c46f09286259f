"""Double backward is compared on complex examples too: gradref's forward mode covers real
dtypes only, so the JVP sub-check has nothing to compare there, and the example's other
sub-checks still run."""

from __future__ import annotations

import gradref
import pytest

from gradspec.ops import compare
from gradspec.ops.compare import Example, OpDifference, check_example
from gradspec.ops.table import OPS


@pytest.mark.parametrize("name", ["mul", "sin"])
def test_a_wrong_complex_double_backward_is_a_difference(name, monkeypatch):
    info = OPS[name]
    assert "complex128" in info.dtypes and info.double_backward
    n = 2 if name == "mul" else 1  # (inputs)
    ex = Example("complex128", ((3,),) * n, ("contiguous",) * n, (True,) * n, seed=5)
    checks = ("forward", "vjp", "jvp", "double-backward")
    assert check_example(info, ex, "cpu", checks) is True  # torch and gradref agree

    real = compare.Run.double_backward

    def doubled(self):
        grads = real(self)
        if self.T is not gradref or grads is None:
            return grads
        return [None if g is None else g * 2 for g in grads]

    monkeypatch.setattr(compare.Run, "double_backward", doubled)
    with pytest.raises(OpDifference) as e:
        check_example(info, ex, "cpu", checks)
    assert e.value.check == "double-backward"
