"""The devices gradspec can run torch on here."""

from __future__ import annotations


def available_devices() -> list[str]:
    """``["cpu"]`` plus ``"cuda"`` (and ``"cuda:1"`` when a second GPU exists) when CUDA works."""
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
        if torch.cuda.device_count() > 1:
            devices.append("cuda:1")
    return devices
