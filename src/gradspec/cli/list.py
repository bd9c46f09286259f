"""``gradspec list``: the Function checks with their behaviour ids, and the catalogue."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "list", help="list checks, their behaviour ids, and the behaviour catalogue"
    )
    p.add_argument("--checks-only", action="store_true", help="omit the catalogue")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="only the op table's coverage of torch's derivatives.yaml (per area, and the "
        "in-scope ops not covered yet)",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    if getattr(args, "coverage", False):
        from gradspec.ops.coverage import coverage

        print(coverage().report())
        return 0
    from gradspec.functions.checks import CHECKS

    print("Function checks (gradspec check):")
    width = max(len(n) for n in CHECKS)
    for name, c in CHECKS.items():
        mode = "" if c.mode == "any" else f" [{c.mode} only]"
        print(f"  {name.ljust(width)}  {c.behaviour}{mode}")
        print(f"  {''.ljust(width)}    {c.sentence}")
    if args.checks_only:
        return 0
    try:
        from gradspec.behaviours import catalogue
    except ImportError:
        return 0
    try:
        behaviours = catalogue.behaviours() if hasattr(catalogue, "behaviours") else []
    except Exception as e:
        print(f"\n(catalogue could not be loaded: {e})")
        return 0
    items = behaviours.values() if isinstance(behaviours, dict) else behaviours
    items = list(items)
    print(f"\nBehaviour catalogue ({len(items)} behaviours):")
    for b in items:
        reason = getattr(b, "out_of_scope", None)
        note = f"  [out of scope: {reason}]" if reason else ""
        print(f"  {b.id}  {b.sentence}{note}")
    return 0
