"""Every op in the table against torch, and every op error case: the op items of ``gradspec run``
(the same collector and code, see ``gradspec.pytest_plugin.run_items``).

One test per op sub-check — forward values, dtype and grad_fn name; the VJP with a random
cotangent; double backward where the table claims it; the tensors the node saves — and one per
bad-argument case (exception type and first line). Expected differences for the installed torch
xfail; anything else fails naming the op, the sub-check, the shrunk example and the torch version.
"""

from gradspec.pytest_plugin import run_tests

test_op = run_tests(kinds=("op", "op-error"))
