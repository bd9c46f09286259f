"""Which ops' saved tensors are compared with torch's (the ``saved`` sub-check of the op items,
run in ``tests/ops/test_ops_vs_torch.py``): nearly all of them, and every exception names a
real op with a reason."""

from __future__ import annotations

from gradspec.ops.compare import SAVED_NOT_COMPARED, saved_not_compared
from gradspec.ops.table import OPS


def test_the_exceptions_are_few():
    compared = [n for n in OPS if saved_not_compared(n) is None]
    assert len(compared) >= 0.85 * len(OPS)


def test_every_exception_names_ops_of_the_table_and_says_why():
    for prefix, why in SAVED_NOT_COMPARED.items():
        assert any(n.startswith(prefix) for n in OPS), prefix
        assert len(why.split()) >= 4, prefix
