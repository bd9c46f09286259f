"""Subcommands of the ``gradspec`` CLI, one module each (see :mod:`gradspec.cli`)."""
