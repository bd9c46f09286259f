"""What every record module writes its records with: the list they are appended to, in the
order the modules are imported by :mod:`gradspec.ops.table`, and the short forms of
:class:`~gradspec.ops.opinfo.OpInfo`."""

from __future__ import annotations

from gradspec.inputs import COMPLEX_DTYPES, FLOAT_DTYPES
from gradspec.ops.opinfo import OpInfo, broadcast_shapes, unary_shapes

#: the dtypes of an op that is checked on complex inputs too
FLOAT_AND_COMPLEX = FLOAT_DTYPES + COMPLEX_DTYPES

OPS_LIST: list[OpInfo] = []


def op(name: str, call, shapes=None, **kw) -> OpInfo:
    info = OpInfo(name, call, shapes if shapes is not None else unary_shapes(), **kw)
    OPS_LIST.append(info)
    return info


def unary(name, call, node, **kw):
    return op(name, call, unary_shapes(), node=node, **kw)


def binary(name, call, node, **kw):
    return op(name, call, broadcast_shapes(2), node=node, **kw)
