"""gradref.nn: the functional namespace only (``gradref.nn.functional``)."""

from . import functional

__all__ = ["functional"]
