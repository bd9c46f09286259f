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


#: (code object, extra digest) -> Hypothesis's digest of a test function of that code
_DIGESTS: dict = {}


def digest(body) -> bytes:
    """Hypothesis's ``function_digest`` of ``body`` (its source, signature and added digest),
    worked out once per code object: Hypothesis reads and tokenizes the source every time it
    is asked, and the checker hands it a new closure of the same code for every search."""
    from hypothesis.internal.reflection import function_digest

    key = (getattr(body, "__code__", None), getattr(body, "_hypothesis_internal_add_digest", b""))
    if key[0] is None:
        return function_digest(body)
    if key not in _DIGESTS:
        if len(_DIGESTS) >= 1 << 8:
            _DIGESTS.clear()
        _DIGESTS[key] = function_digest(body)
    return _DIGESTS[key]


def _known_digest(test, body):
    """``test`` with the digest Hypothesis would work out from ``body`` given: its database key
    and, under a derandomized profile, the seed derived from it (the same numbers)."""
    d = digest(body)
    if getattr(test, "_hypothesis_internal_database_key", None) is None:
        test._hypothesis_internal_database_key = d
    chosen = getattr(test, "_hypothesis_internal_use_settings", None) or settings.default
    if chosen.derandomize and getattr(test, "_hypothesis_internal_use_seed", None) is None:
        test._hypothesis_internal_use_seed = int.from_bytes(d, "big")
    return test


def seeded(test, body, spec, device: str, dtype: str, random: bool | None = None):
    """``test`` (Hypothesis's wrapper of ``body``) seeded from the spec, its database entries
    keyed by the spec, unless the profile is derandomized or a fresh search is wanted."""
    if settings.default.derandomize:
        return _known_digest(test, body)
    key = spec_key(spec, device, dtype)
    body._hypothesis_internal_add_digest = key  # the database's key: this spec's examples
    test = _known_digest(test, body)
    if wants_random(random):
        return test
    n = int.from_bytes(key[:8], "big")
    if hasattr(test, "_hypothesis_internal_use_seed"):
        # what hypothesis.seed sets, without the database=None it adds: failures found before
        # are still replayed first
        test._hypothesis_internal_use_seed = n
        return test
    return hypothesis_seed(n)(test)
