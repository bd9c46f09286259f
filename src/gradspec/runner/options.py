"""What ``gradspec run`` was asked to do (:class:`RunOptions`), validated up front."""

from __future__ import annotations

import os
import random
from collections.abc import Iterable
from dataclasses import dataclass


class UsageError(ValueError):
    """Options ``gradspec run`` cannot run with (exit status 2)."""


@dataclass(frozen=True)
class RunOptions:
    """What ``gradspec run`` was asked to do."""

    profile: str
    devices: tuple[str, ...]
    max_examples: int | None = None
    seed: int | None = None
    patterns: tuple[str, ...] = ()
    workers: int = 1


def validate_devices(devices: Iterable[str]) -> tuple[str, ...]:
    """Device names torch understands (an unavailable one is fine: its results are skipped)."""
    from gradspec.devices import device_name

    out = []
    for d in devices:
        try:
            name = device_name(d)
        except ValueError as e:
            raise UsageError(str(e)) from None
        if name not in out:
            out.append(name)
    return tuple(out)


def make_options(
    profile: str | None = None,
    devices: Iterable[str] | None = None,
    max_examples: int | None = None,
    seed: int | None = None,
    patterns: Iterable[str] = (),
    workers: int = 1,
) -> RunOptions:
    """Validated options (UsageError on anything ``gradspec run`` cannot run with)."""
    from hypothesis import settings

    from gradspec.devices import available_devices
    from gradspec.profiles import PROFILES, default_profile_name, register_profiles

    if profile is not None and profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    register_profiles()  # registers only: the profile is loaded where the items run
    try:
        profile = profile or default_profile_name()
    except ValueError as e:
        raise UsageError(str(e)) from None
    if max_examples is not None and max_examples < 1:
        raise UsageError(f"--max-examples must be at least 1, got {max_examples}")
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    devs = validate_devices(devices) if devices else tuple(available_devices())
    if seed is None and not settings.get_profile(profile).derandomize:
        seed = random.SystemRandom().randrange(2**32)
    if settings.get_profile(profile).derandomize:
        seed = None  # derandomized profiles draw the same examples every time
    return RunOptions(
        profile=profile,
        devices=devs,
        max_examples=max_examples,
        seed=seed,
        patterns=tuple(patterns),
        workers=workers,
    )


def default_workers() -> int:
    """One worker per core, at most 8 (the items are small; more mostly costs start-up)."""
    return max(1, min(8, os.cpu_count() or 1))
