"""What the output stream allows: colour (``--color``, ``FORCE_COLOR``, ``NO_COLOR``) and the
width the text report fits. Decided once per run, by both entry paths (click's and the hook's)."""

from __future__ import annotations

import os
from collections.abc import Mapping
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import TextIO

# The width of the text report when the output is no terminal (a pipe, a file, CI logs).
UNKNOWN_WIDTH = 100


def colour_wanted(choice: str, stream: TextIO, environ: Mapping[str, str], to_file: bool = False) -> bool:
    """``--color always|never`` decides; with ``auto`` (the default) a non-empty ``FORCE_COLOR``
    turns colour on, else a non-empty ``NO_COLOR`` turns it off, else colour only on a terminal.

    FORCE_COLOR wins over NO_COLOR as in force-color.org's reference implementation (the two
    conventions: no-color.org, force-color.org); a report written to a file (``-o``) gets colour
    only from ``--color always``."""
    if choice in ("always", "never"):
        return choice == "always"
    if to_file:
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("NO_COLOR"):
        return False
    return _is_terminal(stream)


def output_width(stream: TextIO, environ: Mapping[str, str]) -> int:
    """Columns to fit: on a terminal, ``COLUMNS`` when it is a positive number, else the
    terminal's width; ``UNKNOWN_WIDTH`` for a pipe or a file, whatever the environment says, so
    a report collected in CI or compared with a golden file is the same everywhere."""
    if not _is_terminal(stream):
        return UNKNOWN_WIDTH
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns or UNKNOWN_WIDTH
    except (OSError, ValueError, AttributeError):
        return UNKNOWN_WIDTH


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, AttributeError):  # a closed or replaced stream
        return False
