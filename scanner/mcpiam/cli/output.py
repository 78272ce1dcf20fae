"""Where a command's text goes: standard output, or a file mcpiam writes (``-o FILE``), for every
command (scan, sweep, inventory, merge, fleet, activity)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mcpiam.core.redact import shown_on_terminal


def write_file(path: Path, text: str, *, create_new: bool = False) -> None:
    """Write a file mcpiam produces (-o, policy init, baseline create): a regular file only, never
    through a final symbolic link; anything else is a usage error naming the path."""
    from mcpiam.core.safe_write import WriteRefused, write_text_safely

    try:
        write_text_safely(path, text, create_new=create_new)
    except WriteRefused as refused:
        raise click.UsageError(f"cannot write {shown_on_terminal(os.fspath(path))}: {refused}") from None


def write_output(text: str, output: str | None) -> None:
    """``text`` (ending in a newline) on standard output, or in ``output`` (``-`` is standard output)."""
    if not text.endswith("\n"):
        text += "\n"
    if output in (None, "-"):
        click.echo(text, nl=False, color=True)  # colour was decided already; never strip it
        return
    write_file(Path(output), text)
