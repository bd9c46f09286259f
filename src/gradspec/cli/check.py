"""``gradspec check TARGET...``: run the Function checks on specs and print the report."""

from __future__ import annotations

import json
import os
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "check",
        help="check custom autograd Functions given as specs",
        description="Run gradspec's checks on specs named as package.module:attribute (a "
        "Spec, a list or dict of Specs, or a module exposing Specs); with --registered, on "
        "the specs installed packages register under the 'gradspec.specs' entry point.",
    )
    p.add_argument("targets", nargs="*", metavar="TARGET", help="package.module[:attribute]")
    p.add_argument("--registered", action="store_true", help="also run registered specs")
    p.add_argument("--max-examples", type=int, default=None, help="examples per device/dtype")
    p.add_argument("--dtype", action="append", dest="dtypes", help="dtype (repeatable)")
    p.add_argument("--device", action="append", dest="devices", help="device (repeatable)")
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
    p.set_defaults(func=run)


def run(args) -> int:
    from gradspec.functions.checker import run as run_spec
    from gradspec.functions.spec import SpecError, load_target, registered_specs
    from gradspec.profiles import load_profile

    load_profile(args.profile)
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    specs = []
    for t in args.targets:
        specs += load_target(t)
    if args.registered:
        specs += registered_specs()
    if not specs:
        raise SpecError(
            "no specs to check: name a TARGET (package.module:attribute) or use --registered"
        )
    reports = []
    for s in specs:
        r = run_spec(
            s,
            dtypes=args.dtypes,
            devices=args.devices,
            max_examples=args.max_examples,
            checks=args.checks,
            namespace=args.namespace,
            strict=True if args.strict else None,
        )
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
