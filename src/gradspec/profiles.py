"""Hypothesis profiles shared by gradspec's tests, its pytest plugin and its CLI.

``dev`` is the default (quick, for a laptop), ``ci`` is derandomized with no deadline and is
chosen automatically when the ``CI`` environment variable is set, ``thorough`` is for nightly runs.
``GRADSPEC_PROFILE`` (or ``HYPOTHESIS_PROFILE``) names a profile explicitly.

What Hypothesis stores (its example database, its caches) goes to gradspec's cache directory
(:func:`cache_dir`: ``$GRADSPEC_CACHE``, else ``$XDG_CACHE_HOME/gradspec``, else
``~/.cache/gradspec``), not a ``.hypothesis/`` folder in the caller's working directory, when
gradspec drives the run (its CLI, ``gradspec.check`` outside pytest); a directory the user chose
(``HYPOTHESIS_STORAGE_DIRECTORY``, ``set_hypothesis_home_dir``) is kept.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES: dict[str, dict] = {
    # derandomize is explicit: under CI, Hypothesis's own default (which the profiles inherit
    # from) is derandomized
    "dev": dict(max_examples=15, deadline=None, derandomize=False),
    "ci": dict(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    ),
    "thorough": dict(
        max_examples=300,
        deadline=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    ),
}

_registered = False


def register_profiles() -> None:
    """Register every gradspec profile with Hypothesis (idempotent)."""
    global _registered
    if _registered:
        return
    for name, kwargs in PROFILES.items():
        settings.register_profile(name, **kwargs)
    _registered = True


def default_profile_name() -> str:
    """The profile to use when none is asked for: env override, ``ci`` under CI, else ``dev``."""
    for var in ("GRADSPEC_PROFILE", "HYPOTHESIS_PROFILE"):
        name = os.environ.get(var)
        if name:
            if name not in PROFILES:
                raise ValueError(
                    f"{var}={name!r} names no gradspec profile; choose one of {sorted(PROFILES)}"
                )
            return name
    return "ci" if os.environ.get("CI") else "dev"


def loaded_profile() -> str | None:
    """The name of the Hypothesis profile loaded now (None when Hypothesis does not say: it
    keeps the name in a private attribute, read here only)."""
    from hypothesis import settings

    return getattr(settings, "_current_profile", None)


def chosen_profile() -> str | None:
    """The Hypothesis profile the session chose, or None when it chose none: Hypothesis's
    ``default``, or the ``ci`` profile Hypothesis loads by itself when it sees a CI variable
    (100 examples). gradspec's own profile applies then (its ``ci`` under CI, as above)."""
    from hypothesis import settings

    name = loaded_profile()
    if name in (None, "default"):
        return None
    if name == "ci" and settings.default is _hypothesis_ci():
        return None
    return name


def _hypothesis_ci():
    """The ``ci`` settings Hypothesis registers and loads by itself under CI (None if this
    Hypothesis has none)."""
    try:
        from hypothesis import _settings
    except ImportError:  # pragma: no cover - a Hypothesis without the module
        return None
    return getattr(_settings, "CI", None)


def load_profile(name: str | None = None) -> str:
    """Register the profiles and load ``name`` (or the default); returns the name loaded."""
    register_profiles()
    name = name or default_profile_name()
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    settings.load_profile(name)
    return name


def cache_dir() -> str:
    """gradspec's cache directory: ``$GRADSPEC_CACHE``, else ``$XDG_CACHE_HOME/gradspec``, else
    ``~/.cache/gradspec``."""
    mine = os.environ.get("GRADSPEC_CACHE")
    if mine:
        return os.path.abspath(os.path.expanduser(mine))
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(xdg), "gradspec")


def use_cache_dir() -> str | None:
    """Point Hypothesis's storage (example database, caches) at ``cache_dir()/hypothesis``
    unless the user chose a directory; returns the directory used (None: the user's kept).
    Sets ``HYPOTHESIS_STORAGE_DIRECTORY`` too, for worker processes."""
    from hypothesis import configuration

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return None
    if getattr(configuration, "__hypothesis_home_directory", None) is not None:
        return None  # set_hypothesis_home_dir was called, or the storage is already in use
    setter = getattr(configuration, "set_hypothesis_home_dir", None)
    if setter is None:  # pragma: no cover - every supported Hypothesis has it
        return None
    where = os.path.join(cache_dir(), "hypothesis")
    setter(where)
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = where
    return where


#: (code object, added digest) -> Hypothesis's digest of a test function of that code
_DIGESTS: dict = {}


def digest(body) -> bytes:
    """Hypothesis's ``function_digest`` of ``body`` (its source, signature and added digest),
    worked out once per code object: Hypothesis reads and tokenizes the source every time it
    is asked, and gradspec hands it a new closure of the same code for every search."""
    from hypothesis.internal.reflection import function_digest

    key = (getattr(body, "__code__", None), getattr(body, "_hypothesis_internal_add_digest", b""))
    if key[0] is None:
        return function_digest(body)
    if key not in _DIGESTS:
        if len(_DIGESTS) >= 1 << 8:
            _DIGESTS.clear()
        _DIGESTS[key] = function_digest(body)
    return _DIGESTS[key]


def known_digest(test, body):
    """``test`` with the digest Hypothesis would work out from ``body`` given: its database key
    and, under a derandomized profile, the seed derived from it (the same numbers)."""
    d = digest(body)
    if getattr(test, "_hypothesis_internal_database_key", None) is None:
        test._hypothesis_internal_database_key = d
    chosen = getattr(test, "_hypothesis_internal_use_settings", None) or settings.default
    if chosen.derandomize and getattr(test, "_hypothesis_internal_use_seed", None) is None:
        test._hypothesis_internal_use_seed = int.from_bytes(d, "big")
    return test
