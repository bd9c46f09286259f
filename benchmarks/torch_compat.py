"""What the zoo's Functions use from torch, written as projects that support older torch write
it. ``custom_fwd``/``custom_bwd`` for a device: ``torch.amp``'s decorators where the installed
torch has them (2.4 and later), before that CUDA's own (``torch.cuda.amp``, which take no
device_type); CPU had none, so there the methods stay undecorated and ``DEVICE_DECORATORS`` is
False. ``is_compiling``: ``torch.compiler.is_compiling`` (2.3 and later), before that
``torch._dynamo.is_compiling``."""

from __future__ import annotations

import torch

#: torch.amp.custom_fwd/custom_bwd(device_type=...) exist (torch 2.4 and later)
DEVICE_DECORATORS = hasattr(torch.amp, "custom_fwd")


def _undecorated(method):
    return method


def custom_fwd(device_type: str):
    if DEVICE_DECORATORS:
        return torch.amp.custom_fwd(device_type=device_type)
    return torch.cuda.amp.custom_fwd if device_type == "cuda" else _undecorated


def custom_bwd(device_type: str):
    if DEVICE_DECORATORS:
        return torch.amp.custom_bwd(device_type=device_type)
    return torch.cuda.amp.custom_bwd if device_type == "cuda" else _undecorated


def is_compiling() -> bool:
    public = getattr(torch.compiler, "is_compiling", None)
    if public is not None:
        return public()
    from torch import _dynamo

    return _dynamo.is_compiling()
