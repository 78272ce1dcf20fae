"""How the command line speaks: full command descriptions in ``--help``, every ``MCPIAM_*``
variable shown beside its option, and "did you mean" for a mistyped rule id or choice (a format,
a severity, a platform), applied to every command the group registers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known word, or "" when none is close."""
    import difflib  # only on this error path: it is no cost of a run that goes well

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class SuggestingChoice(click.Choice):
    """A choice whose error for an unknown value names the closest one."""

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        message = super().get_invalid_choice_message(value=value, ctx=ctx)
        suggestion = did_you_mean(str(value), [str(choice) for choice in self.choices])
        return message.rstrip(".") + suggestion + ("." if not suggestion else "")


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").strip().split("\n\n", 1)[0].split())


def _mannered(cmd: click.Command) -> None:
    """Show every option's environment variable and suggest choices, in ``cmd`` and, for a group
    built elsewhere (``mcpiam fleet``), in each of its subcommands."""
    for param in cmd.params:
        if isinstance(param, click.Option) and param.envvar:
            param.show_envvar = True
        if type(param.type) is click.Choice:  # every command's choices suggest, wherever declared
            param.type = SuggestingChoice(param.type.choices, param.type.case_sensitive)
    for sub in getattr(cmd, "commands", {}).values():
        _mannered(sub)


class Group(click.Group):
    """A command group whose listing shows each command's first paragraph in full (click cuts it
    at 45 characters with "..."), and whose commands show the environment variable of every
    option in their ``--help``. Its subgroups are of this class too."""

    group_class = type

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        _mannered(cmd)
        super().add_command(cmd, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, command.short_help or _first_paragraph(command.help)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
