"""Where a command's text goes: standard output, or a file mcpiam writes (``-o FILE``), for every
command (scan, sweep, inventory, merge, fleet, activity)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import click

from mcpiam.core.redact import shown_on_terminal


def write_file(path: Path, text: str | Iterable[str], *, create_new: bool = False) -> None:
    """Write a file mcpiam produces (-o, policy init, baseline create): a regular file only, never
    through a final symbolic link; anything else is a usage error naming the path."""
    from mcpiam.core.safe_write import WriteRefused, write_text_safely

    try:
        write_text_safely(path, text, create_new=create_new)
    except WriteRefused as refused:
        raise click.UsageError(f"cannot write {shown_on_terminal(os.fspath(path))}: {refused}") from None


def write_output(text: str | Iterable[str], output: str | None) -> None:
    """``text`` (ending in a newline) on standard output, or in ``output`` (``-`` is standard output);
    given in pieces (a large JSON report), it is written as they come, never held whole
    (mcpiam.cli.chunks)."""
    if isinstance(text, str):
        if not text.endswith("\n"):
            text += "\n"
        pieces: Iterable[str] = (text,)
    else:
        from mcpiam.cli.chunks import batched, ending_in_newline

        pieces = batched(ending_in_newline(text))
    if output in (None, "-"):
        for piece in pieces:
            click.echo(piece, nl=False, color=True)  # colour was decided already; never strip it
        return
    write_file(Path(output), pieces)
