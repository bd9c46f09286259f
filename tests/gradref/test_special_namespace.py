"""gradref.special mirrors torch.special: every name it exports is one of torch.special's and
gives torch's values (float64, a few points inside each function's domain)."""

from __future__ import annotations

import gradref
import numpy as np
import pytest
import torch

#: the arguments each function is called with (besides the input); the input's values
CALLS = {
    "multigammaln": ((2,), [1.5, 2.0, 3.25]),
    "polygamma": ((), [0.5, 1.5, 3.0]),
    "logsumexp": ((0,), [-1.0, 0.5, 2.0]),
    "softmax": ((0,), [-1.0, 0.5, 2.0]),
    "log_softmax": ((0,), [-1.0, 0.5, 2.0]),
    "xlogy": ((), [0.0, 0.5, 2.0]),
    "xlog1py": ((), [0.0, 0.5, 2.0]),
    "zeta": ((), [1.5, 2.0, 3.0]),
    "ndtri": ((), [0.1, 0.5, 0.9]),
    "erfinv": ((), [-0.5, 0.0, 0.9]),
    "logit": ((), [0.1, 0.5, 0.9]),
}
DEFAULT = ((), [-1.5, 0.25, 2.0])


@pytest.mark.parametrize("name", gradref.special.__all__)
def test_name_is_torch_specials_and_agrees(name):
    assert hasattr(torch.special, name), f"torch.special has no {name}"
    extra, values = CALLS.get(name, DEFAULT)

    def run(T):
        x = T.tensor(values, dtype=T.float64)
        fn = getattr(T.special, name)
        if name == "polygamma":
            return fn(1, x)
        if name in ("xlogy", "xlog1py", "zeta"):
            return fn(x, T.tensor([1.0, 2.0, 0.5], dtype=T.float64))
        return fn(x, *extra)

    ours = np.asarray(run(gradref).tolist())
    theirs = np.asarray(run(torch).tolist())
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-300, err_msg=name)
