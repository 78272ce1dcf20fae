"""The ``--jobs`` option of the commands that read many files (scan, sweep)."""

from __future__ import annotations

import click

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TypeVar

    Command = TypeVar("Command", bound=Callable[..., object])

JOBS_HELP = (
    "Worker processes that read and check files: 1 reads them in this process; 0 (the default) "
    "uses every usable core once a scan has 256 candidate files, and this process alone below "
    "that (a pre-commit run). Workers are forked copies of mcpiam, never a new program; where "
    "fork is unavailable the scan runs in this process. Results are the same whatever N is."
)


def jobs_option(command: "Command") -> "Command":
    return click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True,
                        envvar="MCPIAM_JOBS", metavar="N", help=JOBS_HELP)(command)
