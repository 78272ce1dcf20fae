"""The ``mcpiam`` command line: scan, inventory, rules, explain, policy init/check.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage or policy
error; 3 internal error (a crash never looks like "findings"). Every option has an ``MCPIAM_*``
environment variable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

import click

from mcpiam import __version__
from mcpiam.cli.activity import activity as activity_command
from mcpiam.cli.activity import (activity_options, inventory_activity_options, inventory_of_home,
                                 inventory_reads_activity, since_utc)
from mcpiam.cli.history_options import add_history, history_options
from mcpiam.cli.manners import Group, did_you_mean
from mcpiam.cli.output import write_file as _write_file
from mcpiam.cli.output import write_output as _write_output
from mcpiam.cli.terminal import colour_wanted, output_width
from mcpiam.core.redact import shown_on_terminal
from mcpiam.cli.jobs import jobs_option

if TYPE_CHECKING:
    from mcpiam.core.notes import Note

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

SEVERITY_NAMES = ("critical", "high", "medium", "low", "info")


def _shown_path(path: Path | str) -> str:
    """A path for a message, through the one output gate: undecodable bytes and control characters
    shown as escapes, token-shaped words withheld."""
    return shown_on_terminal(os.fspath(path))


def _require_readable(paths: tuple[Path, ...]) -> None:
    """Exit 2 when a path named on the command line does not exist or cannot be read: a typo
    must never look like a clean scan."""
    from mcpiam.discover.arguments import unreadable_reason

    for path in paths:
        reason = unreadable_reason(path)
        if reason is not None:
            raise click.UsageError(f"cannot scan {_shown_path(path)}: {reason}")


def _strict_failure(notes: Iterable[Note], strict: bool) -> int | None:
    """With --strict, exit 2 (after the report) when anything under the scanned paths could not be read."""
    from mcpiam.core.notes import UNREAD_NOTE_CODES

    if not strict:
        return None
    unread = sorted({note.path for note in notes if note.level == "warning" and note.code in UNREAD_NOTE_CODES})
    if not unread:
        return None
    click.echo(f"mcpiam: error: --strict: {len(unread)} path(s) could not be read: "
               f"{', '.join(_shown_path(path) for path in unread)}", err=True)
    return EXIT_USAGE


def _strict_option(command):  # type: ignore[no-untyped-def]
    return click.option(
        "--strict", is_flag=True, envvar="MCPIAM_STRICT",
        help="Exit 2 when a folder or config under the paths could not be read (default: a warning).",
    )(command)


def _policy_option(function):  # type: ignore[no-untyped-def]
    return click.option(
        "--policy", "policy_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
        envvar="MCPIAM_POLICY", metavar="FILE",
        help="Policy file (default: .mcpiam.yaml at the scan root, if present).",
    )(function)


def _scan_or_usage_error(paths: tuple[Path, ...], settings, progress=None):  # type: ignore[no-untyped-def]
    """Run the scan; an invalid policy file or a user's unusable token-family file is a usage
    error naming the file, line and field, not a crash."""
    from mcpiam.engine.scan import scan_paths
    from mcpiam.policy import PolicyError
    from mcpiam.secrets.families import FamilyFileError

    try:
        return scan_paths(list(paths) or [Path(".")], settings, progress=progress)
    except PolicyError as error:
        raise click.ClickException(f"invalid policy file\n{error}") from None
    except FamilyFileError as error:
        raise click.UsageError(f"token family file {error}") from None


def _use_color(choice: str, output: str | None) -> bool:
    return colour_wanted(choice, sys.stdout, os.environ, to_file=output not in (None, "-"))


def _width(output: str | None) -> int:
    """The text report's width: the terminal's (or COLUMNS); 100 for a pipe or a file."""
    from mcpiam.cli.terminal import UNKNOWN_WIDTH

    return output_width(sys.stdout, os.environ) if output in (None, "-") else UNKNOWN_WIDTH


def _written_summary(line: str, output: str | None) -> None:
    """With ``-o FILE``, the report's summary on standard error, so a run still says what it found."""
    if output not in (None, "-"):
        click.echo(f"mcpiam: {line}; written to {_shown_path(output)}", err=True)


def _progress():  # type: ignore[no-untyped-def]
    """A progress line on standard error when it is a terminal (never in collected output)."""
    from mcpiam.cli.progress import ProgressLine

    if not sys.stderr.isatty():
        return None
    return ProgressLine(sys.stderr, output_width(sys.stderr, os.environ))


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mcpiam")
def cli() -> None:
    """Static scanner for MCP configurations: embedded secrets, unscoped tokens, shared service
    accounts and servers without owners. Never starts a server, never touches the network."""


def _scan_options(fingerprint_key: str | None):
    from mcpiam.checks.base import ScanOptions

    if fingerprint_key is None:
        return ScanOptions()
    if not fingerprint_key.strip():
        raise click.BadParameter("the fingerprint key is empty", param_hint="--fingerprint-key")
    return ScanOptions(fingerprint_key=fingerprint_key.encode("utf-8", "surrogateescape"))


def _rule_ids(values: tuple[str, ...], option: str) -> tuple[str, ...]:
    """Rule ids from a repeatable option (commas and, from the environment, spaces separate them)."""
    from mcpiam.checks import all_rules

    ids = tuple(part.strip() for value in values for part in value.split(",") if part.strip())
    known = {rule.info.id for rule in all_rules()}
    unknown = sorted(set(ids) - known)
    if unknown:
        named = ", ".join(f"{rule_id}{did_you_mean(rule_id, known)}" for rule_id in unknown)
        raise click.BadParameter(f"unknown rule {named}; known rules: {', '.join(sorted(known))}",
                                 param_hint=option)
    return ids


def _triage_settings(no_ignores: bool, baseline_file: Path | None):
    from mcpiam.triage.baseline import BaselineError, load
    from mcpiam.triage.apply import TriageSettings

    baseline = None
    if baseline_file is not None:
        try:
            baseline = load(baseline_file)
        except BaselineError as error:
            raise click.BadParameter(str(error), param_hint="--baseline") from None
    return TriageSettings(inline_ignores=not no_ignores, baseline=baseline)


def _selection_options(command):
    """--select/--ignore RULE and --no-ignores, shared by scan and baseline create/update."""
    command = click.option("--no-ignores", is_flag=True, envvar="MCPIAM_NO_IGNORES",
                           help="Apply no inline or policy suppression: show everything (audits).")(command)
    command = click.option("--ignore", "ignore_rules", multiple=True, envvar="MCPIAM_IGNORE", metavar="RULE",
                           help="Do not run RULE (repeatable, or comma-separated).")(command)
    command = click.option("--select", "select_rules", multiple=True, envvar="MCPIAM_SELECT", metavar="RULE",
                           help="Run only RULE (repeatable, or comma-separated).")(command)
    return command


def _report_options(command, formats: tuple[str, ...] = ("text", "concise", "json", "sarif", "github")):  # type: ignore[no-untyped-def]
    """The output options scan and sweep share: format, file, fail-on, colour, notes, key."""
    for option in reversed((
        click.option("-f", "--format", "fmt", type=click.Choice(formats), default="text",
                     show_default=True, envvar="MCPIAM_FORMAT",
                     help="Output format (concise: one line per finding, for logs and editors; github: "
                          "annotations for GitHub Actions" + ("; ndjson: a line per server, finding and activity row" if "ndjson" in formats else "") + ")."),
        click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
                     help="Write the report to FILE instead of standard output."),
        click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default="high", show_default=True,
                     envvar="MCPIAM_FAIL_ON", help="Exit 1 when a finding is at or above this severity."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True, envvar="MCPIAM_COLOR",
                     help="Colour text output (auto: on a terminal, or with FORCE_COLOR set; "
                          "never with NO_COLOR set)."),
        click.option("-v", "--verbose", is_flag=True, envvar="MCPIAM_VERBOSE",
                     help="Also show informational notes (BOM, CRLF, JSONC syntax in .json files)."),
        click.option("--fingerprint-key", envvar="MCPIAM_FINGERPRINT_KEY", default=None, metavar="KEY",
                     help="Key for the HMAC-SHA256 credential fingerprints; use one organisation key "
                          "on every machine so fingerprints (and `mcpiam merge`) match across them."),
    )):
        command = option(command)
    return command


# Formats that show no source line: a scan writing them keeps no file's text (memory of a large scan).
_NO_SOURCE_LINES = ("json", "sarif", "github", "ndjson")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_report_options
@click.option("--rules", "rules_dirs", multiple=True, envvar="MCPIAM_RULES", metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="Also load token families from the *.yaml files in DIR (repeatable; the "
                   "environment variable takes a path list).")
@click.option("--summary", type=click.Choice(["frameworks"]), default=None, envvar="MCPIAM_SUMMARY",
              help="Instead of the findings, print them counted per control of the OWASP NHI "
                   "and Agentic Top 10s, CSA MAESTRO, NIST AI RMF and NIST CSF 2.0 (text or json).")
@click.option("--suggest-allowlist", is_flag=True, envvar="MCPIAM_SUGGEST_ALLOWLIST",
              help="Instead of the findings, print the policy allowlist entries that would accept "
                   "them, each with a reason to fill in.")
@_policy_option
@_selection_options
@click.option("--baseline", "baseline_file", envvar="MCPIAM_BASELINE", default=None, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Report only findings not recorded in this baseline (mcpiam baseline create).")
@click.option("--exit-zero", is_flag=True, envvar="MCPIAM_EXIT_ZERO",
              help="Exit 0 even when findings reach --fail-on (errors still exit 2 or 3).")
@click.option("--sarif-output", default=None, envvar="MCPIAM_SARIF_OUTPUT", metavar="FILE",
              help="Also write the SARIF report of the same scan to FILE (the GitHub Action prints "
                   "one format and uploads SARIF from one run).")
@click.option("--include-ignored", is_flag=True, envvar="MCPIAM_INCLUDE_IGNORED",
              help="Also read the MCP configs git ignores (a local .cursor/mcp.json); by default "
                   "the scan follows git's view and counts them.")
@history_options
@_strict_option
@jobs_option
def scan(paths: tuple[Path, ...], fmt: str, output: str | None, fail_on: str, color: str,
         verbose: bool, rules_dirs: tuple[Path, ...], fingerprint_key: str | None,
         summary: str | None, policy_path: Path | None, select_rules: tuple[str, ...],
         ignore_rules: tuple[str, ...], no_ignores: bool, baseline_file: Path | None,
         exit_zero: bool, include_ignored: bool, strict: bool, sarif_output: str | None,
         suggest_allowlist: bool, history: bool, history_range: str | None, history_since: str | None,
         jobs: int = 0) -> int:
    """Find MCP configs under PATHS (default: the current directory) and report findings."""
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.core.findings import Severity
    from mcpiam.report import OutputFormat, render
    from mcpiam.report.text import summary_line

    if summary and fmt in ("sarif", "github", "concise"):
        raise click.UsageError(f"--summary frameworks prints text or json, not {fmt}")
    if summary and suggest_allowlist:
        raise click.UsageError("--summary and --suggest-allowlist each replace the report: choose one")
    settings = ScanSettings(fail_on=Severity.parse(fail_on), options=_scan_options(fingerprint_key),
                            rules_dirs=rules_dirs, policy_path=policy_path,
                            select=_rule_ids(select_rules, "--select"),
                            ignore=_rule_ids(ignore_rules, "--ignore"),
                            triage=_triage_settings(no_ignores, baseline_file),
                            include_ignored=include_ignored, summarise_unowned=True, jobs=jobs,
                            source_text=fmt not in _NO_SOURCE_LINES)
    _require_readable(paths)
    progress = _progress()
    try:
        result = _scan_or_usage_error(paths, settings, progress)
    finally:
        if progress is not None:
            progress.finish()
    result = add_history(result, paths, settings, history, history_range, history_since)
    if summary == "frameworks":
        from mcpiam.report.summary import framework_summary_json, framework_summary_text

        text = framework_summary_json(result) if fmt == "json" else framework_summary_text(result)
    elif suggest_allowlist:
        from mcpiam.report.allowlist import render_allowlist

        text = render_allowlist(result)
    elif fmt == "json":  # written as it is made: a large scan's report is never held whole
        from mcpiam.report.json_report import render_chunks

        text = render_chunks(result)
    else:
        text = render(result, OutputFormat(fmt), color=_use_color(color, output) and fmt in ("text", "concise"),
                      verbose=verbose, width=_width(output))
    _write_output(text, output)
    if sarif_output is not None:
        _write_output(render(result, OutputFormat.SARIF), sarif_output)
    _written_summary(summary_line(result), output)
    strict_failure = _strict_failure(result.notes, strict)
    if strict_failure is not None:
        return strict_failure
    return EXIT_FINDINGS if result.failing and not exit_zero else EXIT_CLEAN


INVENTORY_FORMATS = ["table", "json", "csv", "cyclonedx", "review", "review-md"]


def _bom_timestamp(value: str | None):
    """--bom-timestamp: an ISO 8601 date-time (UTC when it names no zone), or ``now``."""
    from datetime import datetime, timezone

    if value is None:
        return None
    if value.strip().lower() == "now":
        return datetime.now(timezone.utc).replace(microsecond=0)
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter("expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z, or now",
                                 param_hint="--bom-timestamp") from None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=timezone.utc)


def _table_width(width: int | None, output: str | None) -> int | None:
    """The table's width: --width, else the terminal's when the table goes to one, else no limit."""
    import shutil

    if width is not None:
        return width
    if output in (None, "-") and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(INVENTORY_FORMATS), default="table",
              show_default=True, envvar="MCPIAM_INVENTORY_FORMAT",
              help="table, json (versioned; inventory.schema.json), csv, cyclonedx (a CycloneDX 1.6 "
                   "AI-BOM), review (the access-review sheet, CSV) or review-md (the same, Markdown).")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the inventory to FILE instead of standard output.")
@click.option("--width", type=click.IntRange(min=20), default=None, envvar="MCPIAM_WIDTH", metavar="N",
              help="Fit the table to N columns (default: the terminal's width; no limit in a pipe).")
@click.option("--spreadsheet-safe", is_flag=True, envvar="MCPIAM_SPREADSHEET_SAFE",
              help="CSV for spreadsheets (csv, review): quote every cell and prefix those starting "
                   "with = + - @ tab or CR with ' (OWASP CSV injection). Default: clean RFC 4180.")
@click.option("--bom-timestamp", default=None, envvar="MCPIAM_BOM_TIMESTAMP", metavar="TIME",
              help="cyclonedx: the BOM's metadata timestamp (ISO 8601, or now); left out by default "
                   "so that the same configs give the same BOM.")
@click.option("--fingerprint-key", envvar="MCPIAM_FINGERPRINT_KEY", default=None, metavar="KEY",
              help="Key for the credential fingerprints; use the one scans use, so they match.")
@click.option("--rules", "rules_dirs", multiple=True, envvar="MCPIAM_RULES", metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="Also load token families from the *.yaml files in DIR (repeatable).")
@_policy_option
@_strict_option
@inventory_activity_options
def inventory(paths: tuple[Path, ...], fmt: str, output: str | None, width: int | None,
              spreadsheet_safe: bool, bom_timestamp: str | None, fingerprint_key: str | None,
              rules_dirs: tuple[Path, ...], policy_path: Path | None, strict: bool,
              read_activity: bool = False, home: Path | None = None, platform_name: str | None = None,
              since=None) -> int:  # type: ignore[no-untyped-def]
    """List every MCP server configured under PATHS: what it runs, the credentials it is handed
    (where, reference or literal, family, fingerprint; never a value), its owner from the policy
    file, as the missing-owner rule resolves it, and its scope findings. Also as an AI-BOM
    (cyclonedx) and an access-review sheet (review, review-md); see docs/inventory.md."""
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.report import InventoryFormat, render_inventory_of
    from mcpiam.report.inventory import SCOPE_RULES, InventoryOptions

    options = InventoryOptions(width=_table_width(width, output), spreadsheet_safe=spreadsheet_safe,
                               bom_timestamp=_bom_timestamp(bom_timestamp))
    settings = ScanSettings(policy_path=policy_path, select=SCOPE_RULES, detect_credentials=True,
                            options=_scan_options(fingerprint_key), rules_dirs=rules_dirs)
    if inventory_reads_activity(read_activity):
        # With --activity the inventory is a home's, so its servers and the records are the same user's.
        result = inventory_of_home(paths, settings, home, platform_name, since)
    else:
        _require_readable(paths)
        result = _scan_or_usage_error(paths, settings)
    _write_output(render_inventory_of(result, InventoryFormat(fmt), options), output)
    return _strict_failure(result.notes, strict) or EXIT_CLEAN


@cli.command(name="rules")
def list_rules() -> int:
    """List the rules with their severity."""
    from mcpiam.checks import all_rules

    infos = [rule.info for rule in all_rules()]
    width = max(len(info.id) for info in infos)
    for info in infos:
        click.echo(f"{info.id.ljust(width)}  {info.severity.value:<8}  {info.summary}")
    return EXIT_CLEAN


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> int:
    """Print the documentation of RULE_ID."""
    from mcpiam.checks import all_rules, rule_by_id
    from mcpiam.report.rule_docs import rule_markdown

    rule = rule_by_id(rule_id)
    if rule is None:
        ids = [r.info.id for r in all_rules()]
        raise click.UsageError(f"unknown rule '{rule_id}'{did_you_mean(rule_id, ids)}; known rules: {', '.join(ids)}")
    click.echo(rule_markdown(rule.info))
    return EXIT_CLEAN


@cli.group()
def policy() -> None:
    """Write or validate a policy file (.mcpiam.yaml): owners, approved servers, rule settings."""


@policy.command(name="init")
@click.argument("path", type=click.Path(path_type=Path), default=Path(".mcpiam.yaml"), required=False)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--from-scan", "scan_path", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="Start from the servers a scan of PATH finds: one owners entry each (owner to fill "
                   "in) and an approved_servers list, commented out.")
def policy_init(path: Path, force: bool, scan_path: Path | None) -> int:
    """Write a commented starter policy to PATH (default: .mcpiam.yaml; a folder gets one inside)."""
    from mcpiam.policy import starter_policy

    target = path / ".mcpiam.yaml" if path.is_dir() and not path.is_symlink() else path
    if os.path.lexists(target) and not force:
        raise click.UsageError(f"{_shown_path(target)} already exists; use --force to overwrite it")
    text = starter_policy() if scan_path is None else _starter_from_scan(scan_path, target)
    _write_file(target, text, create_new=not force)
    click.echo(f"wrote {_shown_path(target)}: fill in the owners, then run "
               f"`mcpiam policy check {_shown_path(target)}`")
    return EXIT_CLEAN


def _starter_from_scan(scan_path: Path, target: Path) -> str:
    """The starter policy for the servers under ``scan_path``; no policy applies to that scan (the
    starter is to list every server, whatever an older policy ignores)."""
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.policy import Policy
    from mcpiam.policy.from_scan import policy_folder, starter_from_scan

    _require_readable((scan_path,))
    result = _scan_or_usage_error((scan_path,), ScanSettings(policy=Policy(), run_rules=False))
    return starter_from_scan(result.configs, os.fspath(scan_path), policy_folder(os.fspath(target)))


@policy.command(name="check")
@click.argument("path", type=click.Path(path_type=Path), default=Path(".mcpiam.yaml"), required=False,
                envvar="MCPIAM_POLICY")
def policy_check(path: Path) -> int:
    """Validate a policy file (default: $MCPIAM_POLICY, else .mcpiam.yaml); exit 2 with
    file:line:column: field: message."""
    from mcpiam.checks import all_rules
    from mcpiam.policy import PolicyError, load_policy

    try:
        loaded = load_policy(path, rule_ids=[rule.info.id for rule in all_rules()])
    except PolicyError as error:
        raise click.ClickException(f"invalid policy file\n{error}") from None
    counts = [
        (len(loaded.owners), "owners entry", "owners entries"),
        (len(loaded.approved_servers), "approved server", "approved servers"),
        (len(loaded.rules), "rule override", "rule overrides"),
        (len(loaded.ignore_paths), "ignored path", "ignored paths"),
        (len(loaded.allowlist), "allow-listed finding", "allow-listed findings"),
        (len(loaded.shared_accounts), "shared-account name", "shared-account names"),
    ]
    summary = ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in counts)
    click.echo(shown_on_terminal(f"{path}: valid policy ({summary})"))
    return EXIT_CLEAN


@cli.command(name="generate-docs", hidden=True)
@click.option("--output", "directory", type=click.Path(path_type=Path), default=Path("docs/rules"),
              show_default=True)
def generate_docs(directory: Path) -> int:
    """Regenerate the rule reference under docs/rules/ from the rule modules."""
    from mcpiam.report.rule_docs import write_rule_docs

    for path in write_rule_docs(directory):
        click.echo(str(path))
    return EXIT_CLEAN


@cli.command(name="generate-hooks", hidden=True)
@click.option("--output", "target", type=click.Path(path_type=Path), default=Path(".pre-commit-hooks.yaml"),
              show_default=True)
def generate_hooks(target: Path) -> int:
    """Regenerate the pre-commit hook manifest (its files pattern) from the client catalogue."""
    from mcpiam.catalogue import default_catalogue
    from mcpiam.catalogue.precommit import hooks_manifest

    target.write_text(hooks_manifest(default_catalogue()), encoding="utf-8")
    click.echo(str(target))
    return EXIT_CLEAN


@cli.command(name="generate-snapshots", hidden=True)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a snapshot is stale.")
def generate_snapshots(check: bool) -> int:
    """Rewrite the JSON snapshots of the shipped catalogue and token families (scanner/snapshot.py)."""
    from mcpiam.cli.snapshots import shipped_snapshots

    stale = 0
    for path, text in shipped_snapshots().items():
        current = path.is_file() and path.read_text(encoding="utf-8") == text
        if check:
            stale += not current
            click.echo(f"{path}: {'current' if current else 'stale'}")
        elif not current:
            path.write_text(text, encoding="utf-8")
            click.echo(f"{path}: written")
    return EXIT_FINDINGS if stale else EXIT_CLEAN


@cli.group()
def baseline() -> None:
    """Record the findings a repository already has, so that scans report only new ones."""


def _baseline_options(command):
    """Options shared by baseline create and update: where the file is and how to scan."""
    from mcpiam.triage.baseline import DEFAULT_BASELINE

    command = _selection_options(command)
    command = _policy_option(command)
    command = history_options(command)
    command = click.option("--fingerprint-key", envvar="MCPIAM_FINGERPRINT_KEY", default=None, metavar="KEY",
                           help="Key for credential fingerprints; use the one scans use.")(command)
    command = click.option("--rules", "rules_dirs", multiple=True, envvar="MCPIAM_RULES", metavar="DIR",
                           type=click.Path(path_type=Path, file_okay=False),
                           help="Also load token families from the *.yaml files in DIR.")(command)
    command = click.option("-b", "--baseline", "baseline_file", envvar="MCPIAM_BASELINE",
                           default=Path(DEFAULT_BASELINE), show_default=True, metavar="FILE",
                           type=click.Path(path_type=Path, dir_okay=False),
                           help="The baseline file; its paths are relative to its directory.")(command)
    return click.argument("paths", nargs=-1, type=click.Path(path_type=Path))(command)


def _baseline_scan(paths: tuple[Path, ...], fingerprint_key: str | None, rules_dirs: tuple[Path, ...],
                   select_rules: tuple[str, ...], ignore_rules: tuple[str, ...], no_ignores: bool,
                   policy_path: Path | None, existing=None, history: tuple = (False, None, None)):
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.triage.apply import TriageSettings

    settings = ScanSettings(options=_scan_options(fingerprint_key), rules_dirs=rules_dirs,
                            select=_rule_ids(select_rules, "--select"),
                            ignore=_rule_ids(ignore_rules, "--ignore"), policy_path=policy_path,
                            triage=TriageSettings(inline_ignores=not no_ignores, baseline=existing))
    _require_readable(paths)
    return settings, add_history(_scan_or_usage_error(paths, settings), paths, settings, *history)


def _write_baseline(file: Path, entries, settings, *, create_new: bool = False) -> int:
    from mcpiam.triage.baseline import build, dumps

    written = build(file.resolve().parent, entries, settings.options.fingerprint_key)
    _write_file(file, dumps(written), create_new=create_new)
    return len(written.entries)


def _new_entries(result, file: Path) -> list:
    from mcpiam.triage.baseline import entry_for, rebased

    directory = file.resolve().parent
    return [entry_for(rebased(finding, Path(result.root), directory)) for finding in result.findings]


@baseline.command(name="create")
@_baseline_options
@click.option("--force", is_flag=True, envvar="MCPIAM_FORCE", help="Overwrite an existing baseline file.")
def baseline_create(paths: tuple[Path, ...], baseline_file: Path, rules_dirs: tuple[Path, ...],
                    fingerprint_key: str | None, select_rules: tuple[str, ...],
                    ignore_rules: tuple[str, ...], no_ignores: bool, policy_path: Path | None,
                    force: bool, history: bool, history_range: str | None, history_since: str | None) -> int:
    """Scan PATHS and record every finding in the baseline file (findings of every severity)."""
    if os.path.lexists(baseline_file) and not force:
        raise click.UsageError(f"{_shown_path(baseline_file)} exists; run `mcpiam baseline update`, or add --force")
    settings, result = _baseline_scan(paths, fingerprint_key, rules_dirs, select_rules, ignore_rules,
                                      no_ignores, policy_path, history=(history, history_range, history_since))
    count = _write_baseline(baseline_file, _new_entries(result, baseline_file), settings, create_new=not force)
    click.echo(shown_on_terminal(f"{baseline_file}: {count} finding(s) recorded"))
    return EXIT_CLEAN


@baseline.command(name="update")
@_baseline_options
def baseline_update(paths: tuple[Path, ...], baseline_file: Path, rules_dirs: tuple[Path, ...],
                    fingerprint_key: str | None, select_rules: tuple[str, ...],
                    ignore_rules: tuple[str, ...], no_ignores: bool, policy_path: Path | None,
                    history: bool, history_range: str | None, history_since: str | None) -> int:
    """Scan PATHS; add new findings to the baseline and drop its stale entries for scanned files."""
    from mcpiam.triage.baseline import BaselineError, load

    try:
        existing = load(baseline_file)
    except BaselineError as error:
        raise click.BadParameter(str(error), param_hint="--baseline") from None
    settings, result = _baseline_scan(paths, fingerprint_key, rules_dirs, select_rules, ignore_rules,
                                      no_ignores, policy_path, existing,
                                      history=(history, history_range, history_since))
    stale = {entry.fingerprint for entry in result.triage.stale}
    kept = [entry for entry in existing.entries if entry.fingerprint not in stale]
    added = _new_entries(result, baseline_file)
    _write_baseline(baseline_file, kept + added, settings)
    click.echo(shown_on_terminal(f"{baseline_file}: {len(added)} added, {len(stale)} stale removed, "
                                 f"{len(kept)} kept"))
    for warning in result.triage.warnings:
        click.echo(f"warning: {shown_on_terminal(warning)}", err=True)
    return EXIT_CLEAN


# --- workstation and fleet: sweep, merge -----------------------------------------------------------


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
@click.option("--list-locations", is_flag=True, envvar="MCPIAM_LIST_LOCATIONS",
              help="Do not scan: list every path the catalogue names for the platform and what is "
                   "there (text or json), to see why a config was not found.")
@click.option("--user", "home_user", default=None, envvar="MCPIAM_SWEEP_USER", metavar="NAME",
              help="With --home: the user the home belongs to (default: the folder's name).")
@lambda command: _report_options(command, ("text", "concise", "json", "sarif", "github", "ndjson"))  # ndjson: a line per server and finding
@_policy_option
@_selection_options
@click.option("--baseline", "baseline_file", envvar="MCPIAM_BASELINE", default=None, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Report only findings not recorded in this baseline (a sweep's: --write-baseline).")
@click.option("--write-baseline", "write_baseline", default=None, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Record every finding of this sweep in FILE, a baseline for later sweeps of this home.")
@click.option("--exit-zero", is_flag=True, envvar="MCPIAM_EXIT_ZERO",
              help="Exit 0 even when findings reach --fail-on (errors still exit 2 or 3).")
@_strict_option
@activity_options
@jobs_option
def sweep(home: Path | None, platform_name: str | None, all_users: bool, projects: bool,
          system_root: Path | None, hostname: str | None, list_locations: bool, home_user: str | None,
          fmt: str, output: str | None, fail_on: str, color: str, verbose: bool, fingerprint_key: str | None,
          policy_path: Path | None, select_rules: tuple[str, ...], ignore_rules: tuple[str, ...],
          no_ignores: bool, baseline_file: Path | None, write_baseline: Path | None, exit_zero: bool,
          strict: bool, read_activity: bool = False, since=None, jobs: int = 0) -> int:  # type: ignore[no-untyped-def]
    """Find every MCP config of this user (or of HOME) across every client, and report findings.

    Reads only the locations the client catalogue names; starts no server, sends nothing anywhere.
    """
    from mcpiam.catalogue import default_catalogue
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.core.findings import Severity
    from mcpiam.engine.sweep import make_plan, run_sweep
    from mcpiam.policy import PolicyError
    from mcpiam.report.sweep import render_sweep
    from mcpiam.report.text import summary_line

    if all_users and home is not None:
        raise click.UsageError("--all-users sweeps every home; use --system-root DIR, not --home, "
                               "to point it at a mounted system")
    if home_user is not None and home is None:
        raise click.UsageError("--user names whose --home is swept; without --home the sweep is your own")
    if home_user is not None and not home_user.strip():
        raise click.BadParameter("the user name is empty", param_hint="--user")
    _require_readable(tuple(path for path in (home, system_root, policy_path) if path is not None))
    catalogue = default_catalogue()
    plan, notes = make_plan(home=home, platform=platform_name, all_users=all_users, projects=projects,
                            system_root=system_root, environ=os.environ, catalogue=catalogue, user=home_user)
    if list_locations:
        from mcpiam.cli.locations import render_locations

        _write_output(render_locations(plan, catalogue, fmt), output)
        return EXIT_CLEAN
    if since is not None and not read_activity:
        raise click.UsageError("--since bounds the activity window: add --activity")
    settings = ScanSettings(fail_on=Severity.parse(fail_on), options=_scan_options(fingerprint_key),
                            policy_path=policy_path, select=_rule_ids(select_rules, "--select"),
                            ignore=_rule_ids(ignore_rules, "--ignore"),
                            triage=_triage_settings(no_ignores, baseline_file), summarise_unowned=True,
                            jobs=jobs, source_text=fmt not in _NO_SOURCE_LINES)
    progress = _progress()
    try:
        result = run_sweep(plan, settings, catalogue=catalogue, hostname=hostname,
                           progress=progress, extra_notes=tuple(notes), activity=read_activity,
                           since=since_utc(since))
    except PolicyError as error:
        raise click.ClickException(f"invalid policy file\n{error}") from None
    finally:
        if progress is not None:
            progress.finish()
    if write_baseline is not None:
        from mcpiam.triage.baseline import entry_for

        _write_baseline(write_baseline, [entry_for(finding) for finding in result.scan.findings], settings)
    if fmt == "json":  # written as it is made, as a scan's
        from mcpiam.report.sweep import render_sweep_chunks

        text = render_sweep_chunks(result)
    else:
        text = render_sweep(result, fmt, color=_use_color(color, output) and fmt in ("text", "concise"),
                            verbose=verbose, width=_width(output))
    _write_output(text, output)
    _written_summary(summary_line(result.scan), output)
    failing = result.scan.failing and not exit_zero
    return _strict_failure(result.scan.notes, strict) or (EXIT_FINDINGS if failing else EXIT_CLEAN)


# merge and the fleet database commands live in their own module; DuckDB loads only when they run.
from mcpiam.cli.fleet_commands import fleet, merge  # noqa: E402

cli.add_command(merge)
cli.add_command(fleet)


cli.add_command(activity_command)


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
        # A usage error quotes the option value or MCPIAM_* variable it rejects, which may be a
        # credential pasted into the wrong place: it passes the output gate like any input.
        error.message = shown_on_terminal(error.message)
        error.show()
        return EXIT_USAGE
    except (BrokenPipeError, KeyboardInterrupt):
        return EXIT_INTERNAL
    except Exception as error:  # noqa: BLE001 - the last line of defence: report, never leak
        # The exception's message is not printed: it could quote a config value (a secret).
        import traceback  # only here: it pulls in tokenize and linecache, a cost on every run

        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        click.echo(
            f"mcpiam: internal error: {type(error).__name__}{where}. This is a bug in mcpiam, "
            "not a finding; please report it.",
            err=True,
        )
        return EXIT_INTERNAL
    return int(result or 0)
