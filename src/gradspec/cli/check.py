"""``gradspec check TARGET...``: run the Function checks on specs and print the report."""

from __future__ import annotations

import json
import os
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check",
        help="check custom autograd Functions given as specs",
        description="Run gradspec's checks on specs named as package.module:attribute or "
        "path/to/file.py:attribute (a Spec, a list or dict of Specs, or a module exposing "
        "Specs); with --registered, on the specs installed packages register under the "
        "'gradspec.specs' entry point.",
    )
    p.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="package.module[:attribute] or path/to/file.py[:attribute]",
    )
    p.add_argument("--registered", action="store_true", help="also run registered specs")
    p.add_argument("--max-examples", type=int, default=None, help="examples per device/dtype")
    p.add_argument("--dtype", action="append", dest="dtypes", help="dtype (repeatable)")
    p.add_argument("--device", action="append", dest="devices", help="device (repeatable)")
    p.add_argument(
        "--where-available",
        action="store_true",
        help="check the requested devices that are present and skip the others (without it, "
        "an absent device is an error)",
    )
    p.add_argument("--check", action="append", dest="checks", help="check name (repeatable)")
    p.add_argument("--namespace", default=None, help="reference namespace (default gradref)")
    p.add_argument("--profile", default=None, help="Hypothesis profile (dev, ci, thorough)")
    p.add_argument("--json", metavar="FILE", help="also write the reports as JSON ('-': stdout)")
    p.add_argument(
        "--reproducers",
        metavar="DIR",
        help="write each finding's reproducer (plain torch) to a file here; the report names it",
    )
    p.add_argument("--strict", action="store_true", help="advice counts as failure")
    p.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="time limit per call of user code: forward, backward, reference (default 60); a "
        "call past it is a finding and the spec's check stops there",
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress lines on stderr (none when CI is set)",
    )
    p.add_argument(
        "--random",
        action="store_true",
        help="search afresh (by default the examples are seeded from the spec: same verdict "
        "run after run)",
    )
    p.set_defaults(func=run)


def _validate(args) -> None:
    """Every option checked before any spec is loaded or run: SpecError naming the bad one."""
    from gradspec.devices import WHERE_AVAILABLE_FLAG, absent_reason
    from gradspec.functions.checks import CHECKS
    from gradspec.functions.spec import SpecError, _override_devices, _override_dtypes
    from gradspec.profiles import PROFILES

    if args.profile is not None and args.profile not in PROFILES:
        raise SpecError(f"--profile {args.profile!r}: choose one of {', '.join(PROFILES)}")
    if args.timeout is not None and not args.timeout > 0:
        raise SpecError(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    if args.max_examples is not None and args.max_examples < 1:
        raise SpecError(f"--max-examples must be at least 1, got {args.max_examples}")
    try:
        _override_dtypes(args.dtypes)
    except SpecError as e:
        raise SpecError(f"--dtype: {e}") from None
    try:
        args.devices = _override_devices(args.devices)
    except SpecError as e:
        raise SpecError(f"--device: {e}") from None
    for d in args.devices or ():
        why = absent_reason(d)
        if why is not None and not args.where_available:
            raise SpecError(f"--device {d}: {why}; {WHERE_AVAILABLE_FLAG}")
    bad = [c for c in args.checks or () if c not in CHECKS]
    if bad:
        raise SpecError(
            f"unknown check(s) {', '.join(bad)}; known: {', '.join(CHECKS)} (see gradspec list)"
        )
    for flag, path in (("--json", args.json), ("--reproducers", None)):
        if path and path != "-":
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise SpecError(f"{flag} {path}: directory {parent} does not exist")
            if os.path.isdir(path):
                raise SpecError(f"{flag} {path}: is a directory")
    if args.reproducers and os.path.exists(args.reproducers):
        if not os.path.isdir(args.reproducers):
            raise SpecError(f"--reproducers {args.reproducers}: not a directory")


#: module names this command gave to files it imported (a later file of the same stem replaces)
_FILES: set[str] = set()


def _is_file_target(module_part: str) -> bool:
    return module_part.endswith(".py") or "/" in module_part or os.sep in module_part


def load_file(path: str):
    """Import the Python file ``path`` as a module named by its stem, with its directory on
    ``sys.path`` (so its own imports, and a reproducer's ``from stem import ...``, work)."""
    import importlib.util

    from gradspec.functions.spec import SpecError

    if not os.path.isfile(path):
        raise SpecError(f"no such file: {path}")
    full = os.path.abspath(path)
    folder, stem = os.path.dirname(full), os.path.splitext(os.path.basename(full))[0]
    if not stem.isidentifier():
        raise SpecError(f"{path}: {stem!r} is not a Python module name")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = stem
    known = sys.modules.get(name)
    if known is not None and name not in _FILES:
        if os.path.abspath(getattr(known, "__file__", "") or "") == full:
            return known
        name = f"_gradspec_file_{stem}"  # the stem names another module: keep that one
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise SpecError(f"cannot import {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    _FILES.add(name)
    try:
        spec.loader.exec_module(module)
    except BaseException as e:
        sys.modules.pop(name, None)
        if isinstance(e, KeyboardInterrupt):
            raise
        raise SpecError(f"cannot import {path}: {_one_line(e)}") from None
    return module


def _one_line(e: BaseException) -> str:
    if isinstance(e, SyntaxError):
        return f"SyntaxError: {e.msg} (line {e.lineno})"
    if isinstance(e, SystemExit):
        return f"it called sys.exit({e.code!r}) while being imported"
    text = str(e).strip()
    return f"{type(e).__name__}: {text.splitlines()[0]}" if text else type(e).__name__


def load(target: str) -> list:
    """The specs ``target`` names (a module or a Python file, with an optional attribute)."""
    from gradspec.functions.spec import SpecError, collect_specs, load_target

    module_part, _, attr = target.partition(":")
    if not _is_file_target(module_part):
        try:
            return load_target(target)
        except SpecError:
            raise
        except BaseException as e:  # the user's module raised while being imported
            if isinstance(e, KeyboardInterrupt):
                raise
            raise SpecError(f"cannot import {module_part!r}: {_one_line(e)}") from None
    obj = module = load_file(module_part)
    for part in attr.split(".") if attr else ():
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise SpecError(f"{module_part} has no attribute {attr!r}") from None
    origin = f"{module.__name__}:{attr}" if attr else module.__name__
    specs = collect_specs(obj, origin)
    if not specs:
        raise SpecError(f"{target!r} holds no gradspec specs")
    return specs


def run(args) -> int:
    from gradspec.functions.checker import run as run_spec
    from gradspec.functions.limits import Interrupted
    from gradspec.functions.spec import SpecError, registered_specs
    from gradspec.profiles import load_profile

    _validate(args)
    load_profile(args.profile)
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    specs = []
    for t in args.targets:
        specs += load(t)
    if args.registered:
        specs += registered_specs()
    if not specs:
        raise SpecError(
            "no specs to check: name a TARGET (package.module:attribute or file.py:attribute) "
            "or use --registered"
        )
    reports = []
    for s in specs:
        try:
            r = run_spec(
                s,
                dtypes=args.dtypes,
                devices=args.devices,
                max_examples=args.max_examples,
                checks=args.checks,
                namespace=args.namespace,
                strict=True if args.strict else None,
                where_available=args.where_available,
                timeout=args.timeout,
                progress=False if args.no_progress else None,
                hard_exit=True,
                random=True if args.random else None,
            )
        except Interrupted as stop:  # Ctrl-C: the findings so far, then stop
            if args.json != "-":
                print(stop.report)
                print()
            done = len(reports)
            print(
                f"gradspec check: interrupted (Ctrl-C) in {s.label}; {done} of {len(specs)} "
                f"spec(s) finished, the report above holds the findings so far",
                file=sys.stderr,
            )
            return 130
        reports.append(r)
        if args.reproducers and r.findings:
            r.write_reproducers(args.reproducers)
        if args.json != "-":
            print(r)
            print()
    bad = [r.name for r in reports if not r.ok]
    if args.json:
        data = json.dumps([r.to_dict() for r in reports], indent=2)
        if args.json == "-":
            print(data)
        else:
            with open(args.json, "w") as fh:
                fh.write(data)
    if args.json != "-":
        verdict = (
            f"{len(bad)} of {len(reports)} spec(s) failed: {', '.join(bad)}"
            if bad
            else (f"all {len(reports)} spec(s) passed")
        )
        print(f"gradspec check: {verdict}")
    return 1 if bad else 0
