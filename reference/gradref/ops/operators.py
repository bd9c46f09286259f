"""Python operators on Tensor, routed to the ops with torch's reflected forms
(``1 - x`` is rsub, ``2 / x`` is ``reciprocal(x) * 2``, ``2 ** x`` is pow with a scalar base)."""

from __future__ import annotations

from .._ops import inplace
from .._tensor import Tensor
from . import pointwise as P
from .shape import clone


def _r(fn):
    return lambda self, other: fn(other, self)


Tensor.__add__ = lambda self, other: P.add(self, other)
Tensor.__radd__ = lambda self, other: P.add(self, other)
Tensor.__sub__ = lambda self, other: P.sub(self, other)
Tensor.__rsub__ = lambda self, other: P.rsub(self, other)
Tensor.__mul__ = lambda self, other: P.mul(self, other)
Tensor.__rmul__ = lambda self, other: P.mul(self, other)
Tensor.__truediv__ = lambda self, other: P.div(self, other)
Tensor.__rtruediv__ = lambda self, other: P.mul(P.reciprocal(self), other)
Tensor.__floordiv__ = lambda self, other: P.div(self, other, rounding_mode="floor")
Tensor.__rfloordiv__ = _r(lambda a, b: P.div(a, b, rounding_mode="floor"))
Tensor.__mod__ = lambda self, other: P.remainder(self, other)
Tensor.__rmod__ = _r(P.remainder)
Tensor.__pow__ = lambda self, other: P.pow(self, other)
Tensor.__rpow__ = lambda self, other: P.pow(other, self)
Tensor.__neg__ = lambda self: P.neg(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: P.abs(self)
Tensor.__eq__ = lambda self, other: P.eq(self, other) if other is not None else False
Tensor.__ne__ = lambda self, other: P.ne(self, other) if other is not None else True
Tensor.__lt__ = lambda self, other: P.lt(self, other)
Tensor.__le__ = lambda self, other: P.le(self, other)
Tensor.__gt__ = lambda self, other: P.gt(self, other)
Tensor.__ge__ = lambda self, other: P.ge(self, other)
Tensor.__and__ = lambda self, other: P.bitwise_and(self, other)
Tensor.__rand__ = lambda self, other: P.bitwise_and(self, other)
Tensor.__or__ = lambda self, other: P.bitwise_or(self, other)
Tensor.__ror__ = lambda self, other: P.bitwise_or(self, other)
Tensor.__xor__ = lambda self, other: P.bitwise_xor(self, other)
Tensor.__rxor__ = lambda self, other: P.bitwise_xor(self, other)
Tensor.__invert__ = lambda self: P.logical_not(self) if self.dtype.name == "bool" else (-self - 1)
Tensor.__hash__ = lambda self: id(self)

Tensor.__iadd__ = lambda self, other: inplace(self, P.add, other)
Tensor.__isub__ = lambda self, other: inplace(self, P.sub, other)
Tensor.__imul__ = lambda self, other: inplace(self, P.mul, other)
Tensor.__itruediv__ = lambda self, other: inplace(self, P.div, other)
Tensor.__ipow__ = lambda self, other: inplace(self, P.pow, other)
Tensor.__iand__ = lambda self, other: inplace(self, P.bitwise_and, other)
Tensor.__ior__ = lambda self, other: inplace(self, P.bitwise_or, other)

del clone
