"""The ``gradspec`` command line. This module only wires subcommands together.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds a parser
whose ``func(args) -> int`` does the work: every module in :mod:`gradspec.cli`, then any
module registered under the ``gradspec.cli`` entry-point group, then any module passed to
:func:`register_subcommand`. A :class:`~gradspec.functions.spec.SpecError` (bad usage) exits 2
with a one-line message.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

_EXTRA: list[str] = []


def register_subcommand(module_name: str) -> None:
    """Add a module (exposing ``register(subparsers)``) to the command line."""
    if module_name not in _EXTRA:
        _EXTRA.append(module_name)


def _subcommand_modules() -> list[str]:
    from gradspec import cli as commands

    names = [f"{commands.__name__}.{m.name}" for m in pkgutil.iter_modules(commands.__path__)]
    try:
        from importlib.metadata import entry_points

        names += [ep.value for ep in entry_points(group="gradspec.cli")]
    except Exception:  # pragma: no cover - metadata problems must not break the CLI
        pass
    return sorted(set(names)) + [n for n in _EXTRA if n not in names]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradspec",
        description="Property-based conformance checks for PyTorch autograd.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _subcommand_modules():
        module = importlib.import_module(name)
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    for command, subparser in sub.choices.items():
        one_line_errors(subparser, command)
    return parser


def one_line_errors(parser: argparse.ArgumentParser, command: str) -> None:
    """Make a subcommand's parser report bad usage as one line on stderr and exit 2,
    unrecognized arguments included (argparse would leave those to the top-level parser, which
    prints its own usage too)."""

    def error(message: str):
        print(f"gradspec {command}: error: {message}", file=sys.stderr)
        raise SystemExit(2)

    parse_known_args = parser.parse_known_args

    def strict(args=None, namespace=None):
        ns, extras = parse_known_args(args, namespace)
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return ns, extras

    parser.error = error
    parser.parse_known_args = strict


def main(argv: list[str] | None = None) -> int:
    from gradspec.functions.spec import SpecError
    from gradspec.profiles import use_cache_dir

    use_cache_dir()  # Hypothesis's files go to gradspec's cache, not a .hypothesis/ here
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: 2 on bad usage, 0 on --help
        return int(e.code or 0)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except SpecError as e:
        print(f"gradspec {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into a reader that stopped (| head): no traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
