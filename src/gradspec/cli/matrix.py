"""``gradspec matrix REPORT.json...``: merge ``gradspec run`` reports into a behaviour x torch
version table (see :mod:`gradspec.runner.matrix`)."""

from __future__ import annotations


def register(subparsers) -> None:
    from gradspec.runner import matrix

    p = subparsers.add_parser(
        "matrix",
        help="merge gradspec run --json reports into a behaviour x torch version table",
        description="Merge gradspec run --json reports into a result x torch version (x device) "
        "table, as Markdown and HTML; rows whose status changes between versions are "
        "highlighted, stale expected differences listed.",
    )
    matrix.add_arguments(p)
    p.set_defaults(func=matrix.run_cli)
