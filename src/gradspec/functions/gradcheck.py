"""``torch.autograd.gradcheck`` / ``gradgradcheck`` called the same way on every torch >= 2.2.

Keyword arguments a torch version does not know are dropped (with their defaults being the old
behaviour), so callers can ask for e.g. ``fast_mode`` or ``masked`` without version checks.
"""

from __future__ import annotations

import inspect


def _supported(f, kwargs: dict) -> dict:
    params = inspect.signature(f).parameters
    return {k: v for k, v in kwargs.items() if k in params}


def gradcheck(fn, inputs, **kwargs) -> bool:
    """``torch.autograd.gradcheck(fn, inputs, raise_exception=True, **kwargs)``, version-fitted."""
    import torch.autograd

    kwargs.setdefault("raise_exception", True)
    return torch.autograd.gradcheck(
        fn, tuple(inputs), **_supported(torch.autograd.gradcheck, kwargs)
    )


def gradgradcheck(fn, inputs, grad_outputs=None, **kwargs) -> bool:
    """``torch.autograd.gradgradcheck`` with ``raise_exception=True``, version-fitted."""
    import torch.autograd

    kwargs.setdefault("raise_exception", True)
    return torch.autograd.gradgradcheck(
        fn,
        tuple(inputs),
        grad_outputs,
        **_supported(torch.autograd.gradgradcheck, kwargs),
    )
