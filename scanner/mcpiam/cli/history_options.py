"""``scan --history``: the options, and the step that adds git history's findings to a scan."""

from __future__ import annotations


from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

import click

if TYPE_CHECKING:
    from mcpiam.engine.result import ScanResult
    from mcpiam.engine.scan import ScanSettings


def history_options(command):  # type: ignore[no-untyped-def]
    """--history, --range and --since on a command (either of the last two implies the first)."""
    command = click.option(
        "--since", "history_since", default=None, envvar="MCPIAM_SINCE", metavar="DATE",
        help="With --history: only commits made on or after DATE (YYYY-MM-DD or ISO 8601).")(command)
    command = click.option(
        "--range", "history_range", default=None, envvar="MCPIAM_RANGE", metavar="BASE..TIP",
        help="With --history: only the commits reachable from TIP and not from BASE (a pull "
             "request's commits).")(command)
    return click.option(
        "--history", "history", is_flag=True, envvar="MCPIAM_HISTORY",
        help="Also read every commit reachable from the repository's refs: credentials that left "
             "the config but not the repository (reported once, at the commit that added them).")(command)


def add_history(result: "ScanResult", paths: tuple[Path, ...], settings: "ScanSettings", history: bool,
                revision_range: str | None, since: str | None) -> "ScanResult":
    """The scan's result, with the findings of the repository's history when asked for."""
    if not (history or revision_range or since):
        return result
    from mcpiam.catalogue import default_catalogue
    from mcpiam.core.redact import shown_on_terminal
    from mcpiam.engine.history import HistoryError, scan_history, with_history

    if len(paths) > 1:
        raise click.UsageError("--history reads one repository: give one PATH")
    target = paths[0] if paths else Path(".")
    root = Path(result.root)
    try:
        findings, notes, summary, configs = scan_history(
            target, settings, default_catalogue(), root, revision_range, since, result.applied_policy)
    except HistoryError as error:
        raise click.UsageError(shown_on_terminal(str(error))) from None
    return with_history(result, findings, notes, summary, configs, settings, root)



