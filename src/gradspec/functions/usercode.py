"""The one door through which gradspec runs the user's code: the op's forward, its backward
(run by torch's engine, or called directly on its node), the reference and ``vjp=``.

Every such call is ``user_call(f, *args, **kwargs)``, so whatever must hold around each of them
(a time limit, what an escaping ``SystemExit`` becomes) is written here once; the callers turn
an exception into :class:`~gradspec.functions.outcomes.FnRaised` or a reference problem.
"""

from __future__ import annotations


def user_call(f, *args, **kwargs):
    """``f(*args, **kwargs)``, where ``f`` is (or runs) code of the user's."""
    return f(*args, **kwargs)
