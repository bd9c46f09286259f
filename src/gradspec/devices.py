"""The devices gradspec can run torch on here, and why a requested one is absent.

A device that was asked for by name and is absent is *not run*: every front end says so in one
line and does not count it as a pass, unless the caller asked for "where available"
(``where_available=True``, ``--where-available``), which checks the devices present and lists
the others as skipped.
"""

from __future__ import annotations

#: what to add to a "not available" message: how to ask for the devices present only
WHERE_AVAILABLE_HINT = "where_available=True (--where-available) checks only the devices present"
#: the same, on the command line
WHERE_AVAILABLE_FLAG = "--where-available checks only the devices present"


def available_devices() -> list[str]:
    """``["cpu"]`` plus ``"cuda"`` (and ``"cuda:1"`` when a second GPU exists) when CUDA works."""
    import torch

    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
        if torch.cuda.device_count() > 1:
            devices.append("cuda:1")
    return devices


def device_name(device) -> str:
    """The canonical name of a device torch understands (``"cuda:0"`` stays ``"cuda:0"``,
    ``torch.device("cpu")`` is ``"cpu"``); ValueError naming the problem for anything else."""
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"{device!r} is not a torch device (try cpu, cuda, cuda:1)") from None
    return dev.type if dev.index is None or dev.type == "cpu" else f"{dev.type}:{dev.index}"


def absent_reason(device: str) -> str | None:
    """None when torch can run on ``device`` here, else why not, in a few words."""
    import torch

    kind, _, index = str(device).partition(":")
    if kind == "cpu":
        return None
    if kind == "cuda":
        if not torch.cuda.is_available():
            if getattr(torch.version, "cuda", None) is None:
                return "cuda is not available here (this torch is a CPU-only build)"
            return "cuda is not available here (torch.cuda.is_available() is False: no GPU)"
        n = torch.cuda.device_count()
        if index and int(index) >= n:
            return f"{device} is not available here (this machine has {n} CUDA device(s))"
        return None
    if kind == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return None
    return f"{device} is not available here"


def split_devices(devices) -> tuple[list[str], dict[str, str]]:
    """The requested devices torch can run on here, and the absent ones with why."""
    present, absent = [], {}
    for d in devices:
        why = absent_reason(d)
        if why is None:
            present.append(d)
        else:
            absent[d] = why
    return present, absent
