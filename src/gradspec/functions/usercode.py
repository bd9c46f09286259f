"""The one door through which gradspec runs the user's code: the op's forward, its backward
(run by torch's engine, or called directly on its node), the reference and ``vjp=``.

Every such call is ``user_call(f, *args, **kwargs)``, so whatever must hold around each of them
is written here once (see :mod:`gradspec.functions.limits`): a time limit per call (past it the
call raises ``Hung``), and ``sys.exit``/``os._exit`` turned into ``ExitCalled``; the callers
turn an exception into :class:`~gradspec.functions.outcomes.FnRaised` or a reference problem.
"""

from __future__ import annotations

from gradspec.functions.limits import call


def user_call(f, *args, **kwargs):
    """``f(*args, **kwargs)``, where ``f`` is (or runs) code of the user's, under the time
    limit and the exit guard."""
    return call(f, *args, **kwargs)
