"""The ``mcpiam`` command line: scan, inventory, rules, explain.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage or policy
error; 3 internal error (a crash never looks like "findings"). Every option has an ``MCPIAM_*``
environment variable.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from scanner import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

SEVERITY_NAMES = ("critical", "high", "medium", "low", "info")


def _write_output(text: str, output: str | None) -> None:
    if not text.endswith("\n"):
        text += "\n"
    if output in (None, "-"):
        click.echo(text, nl=False, color=True)  # colour was decided already; never strip it
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.UsageError(f"cannot write {output}: {error.strerror or type(error).__name__}")


def _use_color(choice: str, output: str | None) -> bool:
    if choice == "always":
        return True
    if choice == "never" or output not in (None, "-") or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcpiam")
def cli() -> None:
    """Static scanner for MCP configurations: embedded secrets, unscoped tokens, shared service
    accounts and servers without owners. Never starts a server, never touches the network."""


def _scan_options(fingerprint_key: str | None):
    from scanner.checks.base import ScanOptions

    if fingerprint_key is None:
        return ScanOptions()
    if not fingerprint_key.strip():
        raise click.BadParameter("the fingerprint key is empty", param_hint="--fingerprint-key")
    return ScanOptions(fingerprint_key=fingerprint_key.encode("utf-8"))


def _run_scan(paths: list[Path], settings):
    """Run the engine; a user's unusable token-family file is a usage error, not a crash."""
    from scanner.engine import scan_paths
    from scanner.secrets.families import FamilyFileError

    try:
        return scan_paths(paths, settings)
    except FamilyFileError as error:
        raise click.UsageError(f"token family file {error}") from None


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, envvar="MCPIAM_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default="high", show_default=True,
              envvar="MCPIAM_FAIL_ON", help="Exit 1 when a finding is at or above this severity.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, envvar="MCPIAM_COLOR", help="Colour text output (auto: only on a terminal).")
@click.option("-v", "--verbose", is_flag=True, envvar="MCPIAM_VERBOSE",
              help="Also show informational notes (BOM, CRLF, JSONC syntax in .json files).")
@click.option("--rules", "rules_dirs", multiple=True, envvar="MCPIAM_RULES", metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="Also load token families from the *.yaml files in DIR (repeatable; the "
                   "environment variable takes a path list).")
@click.option("--fingerprint-key", envvar="MCPIAM_FINGERPRINT_KEY", default=None, metavar="KEY",
              help="Key for the HMAC-SHA256 credential fingerprints; use one key across an "
                   "organisation so fingerprints match across machines.")
@click.option("--summary", type=click.Choice(["frameworks"]), default=None, envvar="MCPIAM_SUMMARY",
              help="Instead of the findings, print them counted per control of the OWASP NHI "
                   "and Agentic Top 10s (text or json).")
def scan(paths: tuple[Path, ...], fmt: str, output: str | None, fail_on: str, color: str,
         verbose: bool, rules_dirs: tuple[Path, ...], fingerprint_key: str | None,
         summary: str | None) -> int:
    """Find MCP configs under PATHS (default: the current directory) and report findings."""
    from scanner.engine import ScanSettings
    from scanner.findings import Severity
    from scanner.report import OutputFormat, render

    if summary and fmt == "sarif":
        raise click.UsageError("--summary frameworks prints text or json, not sarif")
    settings = ScanSettings(fail_on=Severity.parse(fail_on), options=_scan_options(fingerprint_key),
                            rules_dirs=rules_dirs)
    result = _run_scan(list(paths) or [Path(".")], settings)
    if summary == "frameworks":
        from scanner.report.summary import framework_summary_json, framework_summary_text

        text = framework_summary_json(result) if fmt == "json" else framework_summary_text(result)
    else:
        text = render(result, OutputFormat(fmt), color=_use_color(color, output) and fmt == "text",
                      verbose=verbose)
    _write_output(text, output)
    return EXIT_FINDINGS if result.failing else EXIT_CLEAN


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, envvar="MCPIAM_INVENTORY_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the inventory to FILE instead of standard output.")
def inventory(paths: tuple[Path, ...], fmt: str, output: str | None) -> int:
    """List every MCP server configured under PATHS, with credential names (never values)."""
    from scanner.engine import ScanSettings, scan_paths
    from scanner.report import InventoryFormat, render_inventory

    result = scan_paths(list(paths) or [Path(".")], ScanSettings(), )
    _write_output(render_inventory(result.configs, InventoryFormat(fmt)), output)
    return EXIT_CLEAN


@cli.command(name="rules")
def list_rules() -> int:
    """List the rules with their severity."""
    from scanner.checks import all_rules

    infos = [rule.info for rule in all_rules()]
    width = max(len(info.id) for info in infos)
    for info in infos:
        click.echo(f"{info.id.ljust(width)}  {info.severity.value:<8}  {info.summary}")
    return EXIT_CLEAN


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> int:
    """Print the documentation of RULE_ID."""
    from scanner.checks import all_rules, rule_by_id
    from scanner.docs import rule_markdown

    rule = rule_by_id(rule_id)
    if rule is None:
        known = ", ".join(r.info.id for r in all_rules())
        raise click.UsageError(f"unknown rule '{rule_id}'; known rules: {known}")
    click.echo(rule_markdown(rule.info))
    return EXIT_CLEAN


@cli.command(name="generate-docs", hidden=True)
@click.option("--output", "directory", type=click.Path(path_type=Path), default=Path("docs/rules"),
              show_default=True)
def generate_docs(directory: Path) -> int:
    """Regenerate the rule reference under docs/rules/ from the rule modules."""
    from scanner.docs import write_rule_docs

    for path in write_rule_docs(directory):
        click.echo(str(path))
    return EXIT_CLEAN


# --- workstation and fleet: sweep, merge -----------------------------------------------------------


def _stderr_progress():
    """Progress lines on standard error, only when it is a terminal (never in collected output)."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"mcpiam: {message}", err=True)


@cli.command()
@click.option("--home", "home", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              envvar="MCPIAM_HOME", metavar="DIR",
              help="Sweep this home directory (a mounted disk or backup) instead of your own; "
                   "environment overrides (XDG_CONFIG_HOME, APPDATA, ...) are then not applied.")
@click.option("--platform", "platform_name", type=click.Choice(["linux", "macos", "windows"]), default=None,
              envvar="MCPIAM_PLATFORM", help="Read the home as this OS lays it out (default: this machine's).")
@click.option("--all-users", is_flag=True, envvar="MCPIAM_ALL_USERS",
              help="Sweep every home on the machine that this account may read; paths show whose "
                   "they are (~alice/...).")
@click.option("--projects", is_flag=True, envvar="MCPIAM_PROJECTS",
              help="Also scan the project folders that ~/.claude.json and other client files list "
                   "(folders inside the home only).")
@click.option("--system-root", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              envvar="MCPIAM_SYSTEM_ROOT", metavar="DIR",
              help="Read managed (system) files and, with --all-users, homes under DIR (default: / "
                   "for a live sweep; none with --home).")
@click.option("--hostname", default=None, envvar="MCPIAM_HOSTNAME", metavar="NAME",
              help="Host name to record (default: this machine's); useful for a mounted backup.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, envvar="MCPIAM_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the report to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default="high", show_default=True,
              envvar="MCPIAM_FAIL_ON", help="Exit 1 when a finding is at or above this severity.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, envvar="MCPIAM_COLOR", help="Colour text output (auto: only on a terminal).")
@click.option("-v", "--verbose", is_flag=True, envvar="MCPIAM_VERBOSE",
              help="Also show informational notes.")
@click.option("--fingerprint-key", envvar="MCPIAM_FINGERPRINT_KEY", default=None, metavar="KEY",
              help="Key for the HMAC-SHA256 credential fingerprints; use one organisation key on "
                   "every machine so `mcpiam merge` can find credentials reused across them.")
def sweep(home: Path | None, platform_name: str | None, all_users: bool, projects: bool,
          system_root: Path | None, hostname: str | None, fmt: str, output: str | None, fail_on: str,
          color: str, verbose: bool, fingerprint_key: str | None) -> int:
    """Find every MCP config of this user (or of HOME) across every client, and report findings.

    Reads only the locations the client catalogue names; starts no server, sends nothing anywhere.
    """
    from scanner.catalogue import default_catalogue
    from scanner.engine import ScanSettings
    from scanner.findings import Severity
    from scanner.host import make_plan, run_sweep
    from scanner.report.sweep import render_sweep

    if all_users and home is not None:
        raise click.UsageError("--all-users sweeps every home; use --system-root DIR, not --home, "
                               "to point it at a mounted system")
    catalogue = default_catalogue()
    plan, notes = make_plan(home=home, platform=platform_name, all_users=all_users, projects=projects,
                            system_root=system_root, environ=os.environ, catalogue=catalogue)
    settings = ScanSettings(fail_on=Severity.parse(fail_on), options=_scan_options(fingerprint_key))
    result = run_sweep(plan, settings, catalogue=catalogue, hostname=hostname,
                       progress=_stderr_progress(), extra_notes=tuple(notes))
    text = render_sweep(result, fmt, color=_use_color(color, output) and fmt == "text", verbose=verbose)
    _write_output(text, output)
    return EXIT_FINDINGS if result.scan.failing else EXIT_CLEAN


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif", "csv", "markdown"]),
              default="text", show_default=True, envvar="MCPIAM_MERGE_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the report to FILE instead of standard output.")
def merge(files: tuple[Path, ...], fmt: str, output: str | None) -> int:
    """Correlate the JSON results of many sweeps or scans (FILES) into one fleet report.

    Reports servers across the fleet, credentials reused across machines or users (the inputs
    must share one --fingerprint-key), ownership coverage and counts by rule. Exit 1 when a
    credential is reused across machines or users, 2 when an input is not an mcpiam JSON result.
    """
    from scanner.merge import MergeInputError, merge_files
    from scanner.report.merge import render_merge

    try:
        report = merge_files(list(files))
    except MergeInputError as error:
        raise click.UsageError(str(error)) from None
    for warning in report.warnings:
        click.echo(f"mcpiam: warning: {warning}", err=True)
    _write_output(render_merge(report, fmt), output)
    return EXIT_FINDINGS if report.findings else EXIT_CLEAN


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and maps every outcome to a documented exit code."""
    try:
        result = cli.main(args=argv, prog_name="mcpiam", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code or 0)
    except click.exceptions.Abort:
        click.echo("mcpiam: aborted", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE
    except (BrokenPipeError, KeyboardInterrupt):
        return EXIT_INTERNAL
    except Exception as error:  # noqa: BLE001 - the last line of defence: report, never leak
        # The exception's message is not printed: it could quote a config value (a secret).
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        click.echo(
            f"mcpiam: internal error: {type(error).__name__}{where}. This is a bug in mcpiam, "
            "not a finding; please report it.",
            err=True,
        )
        return EXIT_INTERNAL
    return int(result or 0)
