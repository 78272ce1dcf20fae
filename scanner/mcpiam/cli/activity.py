"""``mcpiam activity`` and the ``--activity``/``--since`` options of ``mcpiam sweep``.

The command prints only the usage view (which MCP servers and tools the clients' own records say
were used); ``sweep --activity`` adds the same view and its rules to a sweep, and
``inventory --activity`` the last use, calls (30 d) and tools used of each server of a home's
inventory. Exit 0 after the view, 2 for a usage error.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from mcpiam.core.redact import shown_on_terminal
from mcpiam.cli.output import write_output as _write

SINCE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"]


def since_utc(value: datetime | None) -> datetime | None:
    """--since as UTC (a date without a zone is read as UTC, so a report is the same on every host)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)




def activity_options(command):  # type: ignore[no-untyped-def]
    """--activity and --since, for ``mcpiam sweep``."""
    command = click.option("--since", type=click.DateTime(SINCE_FORMATS), default=None, envvar="MCPIAM_SINCE",
                           metavar="DATE", help="With --activity: count only calls from DATE on (UTC).")(command)
    command = click.option("--activity", "read_activity", is_flag=True, envvar="MCPIAM_ACTIVITY",
                           help="Also read the clients' own records of which MCP servers and tools were "
                                "used (docs/activity.md); adds the usage view and its rules.")(command)
    return command


def inventory_activity_options(command):  # type: ignore[no-untyped-def]
    """--activity, --home, --platform and --since, for ``mcpiam inventory``."""
    command = click.option("--since", type=click.DateTime(SINCE_FORMATS), default=None, envvar="MCPIAM_SINCE",
                           metavar="DATE", help="With --activity: count only calls from DATE on (UTC).")(command)
    command = click.option("--platform", "platform_name", type=click.Choice(["linux", "macos", "windows"]),
                           default=None, envvar="MCPIAM_PLATFORM",
                           help="With --activity: read the home as this OS lays it out.")(command)
    command = click.option("--home", "home", type=click.Path(path_type=Path, file_okay=False, exists=True),
                           default=None, envvar="MCPIAM_HOME", metavar="DIR",
                           help="With --activity: the home to inventory (default: your own).")(command)
    command = click.option("--activity", "read_activity", is_flag=True, envvar="MCPIAM_ACTIVITY",
                           help="Inventory the servers a sweep of your home (or --home) finds, with when each "
                                "was last used, its calls in the last 30 days and the tools used, from the "
                                "clients' own records (docs/activity.md).")(command)
    return command


def inventory_reads_activity(read_activity: bool) -> bool:
    """``inventory --activity`` was asked for; --home, --platform or --since written on the command
    line without it is a usage error (set by MCPIAM_HOME and the like, which sweep shares, they are
    left alone)."""
    if read_activity:
        return True
    context = click.get_current_context()
    written = [f"--{name.replace('_name', '')}" for name in ("home", "platform_name", "since")
               if context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
    if written:
        raise click.UsageError(f"{', '.join(written)}: only with --activity, which inventories a home and reads "
                               "its records")
    return False


def inventory_of_home(paths: tuple[Path, ...], settings, home: Path | None,  # type: ignore[no-untyped-def]
                      platform_name: str | None, since: datetime | None):
    """The scan result ``inventory --activity`` renders: a sweep of one home (the configs every
    client keeps there) with its records read, so each server is judged by its own user's records."""
    from mcpiam.catalogue import default_catalogue
    from mcpiam.engine.sweep import make_plan, run_sweep
    from mcpiam.policy import PolicyError
    from mcpiam.secrets.families import FamilyFileError

    if paths:
        raise click.UsageError("inventory --activity lists the servers of a home (yours, or --home DIR), "
                               "whose records it reads; it takes no PATHS")
    catalogue = default_catalogue()
    plan, notes = make_plan(home=home, platform=platform_name, all_users=False, projects=False,
                            system_root=None, environ=os.environ, catalogue=catalogue)
    try:
        result = run_sweep(plan, settings, catalogue=catalogue, extra_notes=tuple(notes), activity=True,
                           since=since_utc(since)).scan
    except PolicyError as error:
        raise click.ClickException(f"invalid policy file\n{error}") from None
    except FamilyFileError as error:
        raise click.UsageError(f"token family file {error}") from None
    warn(result.notes)
    return result


def warn(notes) -> None:  # type: ignore[no-untyped-def]
    """What could not be read, on standard error by path and line, never by content."""
    for note in notes:
        if note.level == "warning":
            where = f"{note.path}:{note.span.start_line}" if note.span is not None else note.path
            click.echo(f"mcpiam: warning: {shown_on_terminal(where)}: {shown_on_terminal(note.message)}", err=True)


@click.command(name="activity")
@click.option("--home", "home", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              envvar="MCPIAM_HOME", metavar="DIR", help="Read this home directory instead of your own.")
@click.option("--platform", "platform_name", type=click.Choice(["linux", "macos", "windows"]), default=None,
              envvar="MCPIAM_PLATFORM", help="Read the home as this OS lays it out (default: this machine's).")
@click.option("--all-users", is_flag=True, envvar="MCPIAM_ALL_USERS",
              help="Read every home on the machine that this account may read.")
@click.option("--since", type=click.DateTime(SINCE_FORMATS), default=None, envvar="MCPIAM_SINCE", metavar="DATE",
              help="Count only calls from DATE on (UTC).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              envvar="MCPIAM_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the view to FILE instead of standard output.")
def activity(home: Path | None, platform_name: str | None, all_users: bool, since: datetime | None, fmt: str,
             output: str | None) -> int:
    """Which MCP servers and tools were used, from which client and project, how often, with what
    outcome: read from the clients' own records (Claude Code, Codex, Gemini CLI, Claude Desktop,
    Cursor, VS Code chat). Prints names, counts, times and outcomes only, never what was said."""
    from mcpiam.catalogue import default_catalogue
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.engine.sweep import make_plan, run_sweep
    from mcpiam.report.activity import activity_json, activity_text

    if all_users and home is not None:
        raise click.UsageError("--all-users reads every home; it does not take --home")
    catalogue = default_catalogue()
    plan, notes = make_plan(home=home, platform=platform_name, all_users=all_users, projects=False,
                            system_root=None, environ=os.environ, catalogue=catalogue)
    progress = (lambda message: click.echo(f"mcpiam: {shown_on_terminal(message)}", err=True)) \
        if sys.stderr.isatty() else None
    result = run_sweep(plan, ScanSettings(run_rules=False), catalogue=catalogue, progress=progress,
                       extra_notes=tuple(notes), activity=True, since=since_utc(since))
    usage = result.scan.activity
    text = activity_json(usage) if fmt == "json" else activity_text(usage)  # type: ignore[arg-type]
    _write(text, output)
    warn(result.scan.notes)
    return 0
