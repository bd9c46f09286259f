"""``gradspec run``: check the installed torch against gradref and print a table (see
:mod:`gradspec.runner`). Exit status 0 when nothing failed unexpectedly, 1 otherwise, 2 on
bad usage."""

from __future__ import annotations

import os
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "run",
        help="check the installed torch against gradref (behaviours, ops, examples)",
        description="Check the installed torch against gradref: every behaviour scenario of the "
        "catalogue, every op of the op table and the example Functions, on every available "
        "device, under the active Hypothesis profile. Prints a table per area, then each "
        "failure with its shrunk example and a reproducer.",
    )
    p.add_argument(
        "--profile",
        help="Hypothesis profile: dev, ci or thorough (default: ci, the same examples every run, "
        "unless GRADSPEC_PROFILE or HYPOTHESIS_PROFILE names one)",
    )
    p.add_argument(
        "--random",
        action="store_true",
        help="search afresh: the dev profile, with a new seed each run (or --seed)",
    )
    p.add_argument("--max-examples", type=int, metavar="N", help="examples per behaviour")
    p.add_argument(
        "--device",
        action="append",
        dest="devices",
        metavar="DEVICE",
        help="run on this device (repeatable; default: every available device)",
    )
    p.add_argument(
        "--where-available",
        action="store_true",
        help="run on the requested devices that are present and skip the others (without it, "
        "an absent device is an error)",
    )
    p.add_argument(
        "-k",
        action="append",
        dest="patterns",
        default=[],
        metavar="SUBSTRING",
        help="only ids or areas containing SUBSTRING (repeatable: any of them)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes, one torch thread each (default: one per core)",
    )
    p.add_argument("--seed", type=int, help="Hypothesis seed (ignored by derandomized profiles)")
    p.add_argument("--json", metavar="PATH", help="write the full report as JSON")
    p.add_argument("--markdown", metavar="PATH", help="write a Markdown summary")
    p.add_argument(
        "--junit", metavar="PATH", help="write JUnit XML (one testcase per result) for CI"
    )
    p.add_argument("--list", action="store_true", help="list what would run, and exit")
    p.add_argument(
        "--no-progress", action="store_true", help="no progress on stderr (none when CI is set)"
    )
    p.add_argument(
        "--no-reproducers", action="store_true", help="leave reproducers out of the table"
    )
    p.set_defaults(func=run)


def _check_writable(path: str | None, flag: str) -> None:
    from gradspec.runner.options import UsageError

    if path is None:
        return
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError(f"{flag} {path}: directory {parent} does not exist")
    if os.path.isdir(path):
        raise UsageError(f"{flag} {path}: is a directory")


def run(args) -> int:
    from gradspec.runner.options import UsageError

    try:
        return _run(args)
    except UsageError as e:
        print(f"gradspec run: error: {e}", file=sys.stderr)
        return 2


def _run(args) -> int:
    from gradspec import expectations, runner
    from gradspec.runner import output as run_output
    from gradspec.runner.progress import Progress

    _check_writable(args.json, "--json")
    _check_writable(args.markdown, "--markdown")
    _check_writable(args.junit, "--junit")
    try:
        entries = expectations.load()
    except expectations.ExpectationsError as e:
        raise runner.UsageError(f"expectations: {e}") from None
    options = runner.make_options(
        profile=_profile(args),
        devices=args.devices,
        max_examples=args.max_examples,
        seed=args.seed,
        patterns=args.patterns,
        workers=args.workers if args.workers is not None else runner.default_workers(),
    )
    if args.devices:
        from gradspec.devices import WHERE_AVAILABLE_FLAG, absent_reason

        for d in options.devices:
            why = absent_reason(d)
            if why is not None and not args.where_available:
                raise runner.UsageError(f"--device {d}: {why}; {WHERE_AVAILABLE_FLAG}")
    items, absent = runner.collect(options)
    if not items:
        what = " or ".join(repr(p) for p in options.patterns)
        raise runner.UsageError(f"nothing matches -k {what}" if what else "nothing to run")
    if args.list:
        for it in items:
            print(f"{it.id}  [{it.device}]  {it.sentence}")
        for area, why in absent.items():
            print(f"({area}: {why})")
        return 0
    totals: dict[str, int] = {}
    for it in items:
        totals[it.area] = totals.get(it.area, 0) + 1
    progress = None if args.no_progress or os.environ.get("CI") else Progress(totals)
    report = runner.run(
        options, expectations=entries, progress=progress, items=items, absent=absent
    )
    print(run_output.text(report, reproducers=not args.no_reproducers))
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(run_output.to_json(report))
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(run_output.markdown(report))
    if args.junit:
        with open(args.junit, "w") as fh:
            fh.write(run_output.junit(report))
    return 0 if report.ok else 1


def _profile(args) -> str | None:
    """The run's profile: as asked; ``dev`` for ``--random``; else, where no environment
    variable names one, ``ci``: the same verdicts every run (a search afresh is ``--random``)."""
    if args.profile is not None:
        return args.profile
    if args.random or args.seed is not None:
        return "dev"
    if os.environ.get("GRADSPEC_PROFILE") or os.environ.get("HYPOTHESIS_PROFILE"):
        return None
    return "ci"
