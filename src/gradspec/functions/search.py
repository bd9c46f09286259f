"""Same code, same verdict: how the examples of a spec are searched.

Under a profile that is not derandomized (``dev``, ``thorough``), each (spec, device, dtype) is
searched from a seed derived from the spec itself (its function's module and qualified name, its
reference's, its signature), so two runs of the same code draw the same examples and give the
same verdict; Hypothesis's example database, in gradspec's cache directory, remembers the
examples that failed, and replays them first in later runs. ``random=True`` (``gradspec check
--random``, or ``GRADSPEC_RANDOM=1``) searches afresh: a fresh seed each run (failures found
are remembered all the same). Derandomized profiles (``ci``) keep Hypothesis's own seeding and
no database.
"""

from __future__ import annotations

import hashlib
import os

from hypothesis import seed as hypothesis_seed
from hypothesis import settings

from gradspec.profiles import known_digest


def wants_random(random: bool | None = None) -> bool:
    """Whether to search afresh: ``random`` when given, else ``$GRADSPEC_RANDOM``."""
    if random is not None:
        return bool(random)
    return os.environ.get("GRADSPEC_RANDOM", "").strip().lower() in ("1", "true", "yes")


def _name(f) -> str:
    if f is None:
        return "None"
    f = getattr(f, "__func__", f)  # a bound method (Function.apply): its function
    owner = getattr(f, "__self__", None)
    qual = getattr(f, "__qualname__", None) or type(f).__qualname__
    mod = getattr(f, "__module__", None) or type(f).__module__
    if owner is not None and isinstance(owner, type):
        qual = f"{owner.__qualname__}.{qual}"
        mod = owner.__module__
    return f"{mod}.{qual}"


def spec_key(spec, device: str, dtype: str) -> bytes:
    """A stable key of a spec on one device and dtype: what it checks, never where gradspec's
    own code is (so neither a new gradspec nor another process changes it)."""
    module = getattr(spec, "module", None)
    parts = [
        spec.label,
        _name(spec.fn) if module is None else _name(type(module)),
        _name(spec.reference),
        spec.signature,
        repr(sorted((str(k), repr(v)) for k, v in dict(spec.sizes or {}).items())),
        device,
        dtype,
    ]
    return hashlib.sha256("\x00".join(parts).encode()).digest()


def database():
    """Hypothesis's example database in gradspec's cache directory (None under a derandomized
    profile, or where the directory cannot be made)."""
    if settings.default.derandomize:
        return None
    from gradspec import profiles

    where = getattr(profiles, "cache_dir", None)
    root = where() if where is not None else _cache_dir()
    path = os.path.join(root, "hypothesis", "examples")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    from hypothesis.database import DirectoryBasedExampleDatabase

    return DirectoryBasedExampleDatabase(path)


def _cache_dir() -> str:
    mine = os.environ.get("GRADSPEC_CACHE")
    if mine:
        return os.path.abspath(os.path.expanduser(mine))
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(xdg), "gradspec")


def seeded(test, body, spec, device: str, dtype: str, random: bool | None = None):
    """``test`` (Hypothesis's wrapper of ``body``) seeded from the spec, its database entries
    keyed by the spec, unless the profile is derandomized or a fresh search is wanted."""
    if settings.default.derandomize:
        return known_digest(test, body)
    key = spec_key(spec, device, dtype)
    body._hypothesis_internal_add_digest = key  # the database's key: this spec's examples
    test = known_digest(test, body)
    if wants_random(random):
        return test
    n = int.from_bytes(key[:8], "big")
    if hasattr(test, "_hypothesis_internal_use_seed"):
        # what hypothesis.seed sets, without the database=None it adds: failures found before
        # are still replayed first
        test._hypothesis_internal_use_seed = n
        return test
    return hypothesis_seed(n)(test)
