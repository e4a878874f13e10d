"""Errors the user can act on: the CLI prints them as one `Error:` line."""

from __future__ import annotations


class NnvizError(Exception):
    """A failure with a message meant for the user; `exit_code` 1 = runtime failure."""

    exit_code = 1


class InputError(NnvizError):
    """Bad usage or input (missing file, unreadable model, bad option): exit code 2."""

    exit_code = 2


class OutputError(NnvizError):
    """The output could not be written (permissions, locked file, missing folder)."""

    exit_code = 1
