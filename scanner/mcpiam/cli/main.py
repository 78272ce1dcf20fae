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
from typing import TYPE_CHECKING

import click

from mcpiam import __version__
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


def _write_file(path: Path, text: str | Iterable[str], *, create_new: bool = False) -> None:
    """Write a file mcpiam produces (-o, policy init, baseline create): a regular file only, never
    through a final symbolic link; anything else is a usage error naming the path."""
    from mcpiam.core.safe_write import WriteRefused, write_text_safely

    try:
        write_text_safely(path, text, create_new=create_new)
    except WriteRefused as refused:
        raise click.UsageError(f"cannot write {_shown_path(path)}: {refused}") from None


def _write_output(text: str | Iterable[str], output: str | None) -> None:
    """Write a report ending in a newline; given in pieces (a large JSON report), it is written as
    they come, never held whole (mcpiam.cli.chunks)."""
    from mcpiam.cli.chunks import batched, ending_in_newline

    if isinstance(text, str):
        if not text.endswith("\n"):
            text += "\n"
        pieces: Iterable[str] = (text,)
    else:
        pieces = batched(ending_in_newline(text))
    if output in (None, "-"):
        for piece in pieces:
            click.echo(piece, nl=False, color=True)  # colour was decided already; never strip it
        return
    _write_file(Path(output), pieces)


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


def _scan_or_usage_error(paths: tuple[Path, ...], settings):  # type: ignore[no-untyped-def]
    """Run the scan; an invalid policy file or a user's unusable token-family file is a usage
    error naming the file, line and field, not a crash."""
    from mcpiam.engine.scan import scan_paths
    from mcpiam.policy import PolicyError
    from mcpiam.secrets.families import FamilyFileError

    try:
        return scan_paths(list(paths) or [Path(".")], settings)
    except PolicyError as error:
        raise click.ClickException(f"invalid policy file\n{error}") from None
    except FamilyFileError as error:
        raise click.UsageError(f"token family file {error}") from None


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
        raise click.BadParameter(f"unknown rule {', '.join(unknown)}; known rules: {', '.join(sorted(known))}",
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


def _report_options(command):  # type: ignore[no-untyped-def]
    """The output options scan and sweep share: format, file, fail-on, colour, notes, key."""
    for option in reversed((
        click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
                     show_default=True, envvar="MCPIAM_FORMAT", help="Output format."),
        click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
                     help="Write the report to FILE instead of standard output."),
        click.option("--fail-on", type=click.Choice(SEVERITY_NAMES), default="high", show_default=True,
                     envvar="MCPIAM_FAIL_ON", help="Exit 1 when a finding is at or above this severity."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True, envvar="MCPIAM_COLOR",
                     help="Colour text output (auto: only on a terminal)."),
        click.option("-v", "--verbose", is_flag=True, envvar="MCPIAM_VERBOSE",
                     help="Also show informational notes (BOM, CRLF, JSONC syntax in .json files)."),
        click.option("--fingerprint-key", envvar="MCPIAM_FINGERPRINT_KEY", default=None, metavar="KEY",
                     help="Key for the HMAC-SHA256 credential fingerprints; use one organisation key "
                          "on every machine so fingerprints (and `mcpiam merge`) match across them."),
    )):
        command = option(command)
    return command


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_report_options
@click.option("--rules", "rules_dirs", multiple=True, envvar="MCPIAM_RULES", metavar="DIR",
              type=click.Path(path_type=Path, file_okay=False),
              help="Also load token families from the *.yaml files in DIR (repeatable; the "
                   "environment variable takes a path list).")
@click.option("--summary", type=click.Choice(["frameworks"]), default=None, envvar="MCPIAM_SUMMARY",
              help="Instead of the findings, print them counted per control of the OWASP NHI "
                   "and Agentic Top 10s (text or json).")
@_policy_option
@_selection_options
@click.option("--baseline", "baseline_file", envvar="MCPIAM_BASELINE", default=None, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="Report only findings not recorded in this baseline (mcpiam baseline create).")
@click.option("--exit-zero", is_flag=True, envvar="MCPIAM_EXIT_ZERO",
              help="Exit 0 even when findings reach --fail-on (errors still exit 2 or 3).")
@click.option("--include-ignored", is_flag=True, envvar="MCPIAM_INCLUDE_IGNORED",
              help="Also read the MCP configs git ignores (a local .cursor/mcp.json); by default "
                   "the scan follows git's view and counts them.")
@_strict_option
@jobs_option
def scan(paths: tuple[Path, ...], fmt: str, output: str | None, fail_on: str, color: str,
         verbose: bool, rules_dirs: tuple[Path, ...], fingerprint_key: str | None,
         summary: str | None, policy_path: Path | None, select_rules: tuple[str, ...],
         ignore_rules: tuple[str, ...], no_ignores: bool, baseline_file: Path | None,
         exit_zero: bool, include_ignored: bool, strict: bool, jobs: int = 0) -> int:
    """Find MCP configs under PATHS (default: the current directory) and report findings."""
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.core.findings import Severity
    from mcpiam.report import OutputFormat, render

    if summary and fmt == "sarif":
        raise click.UsageError("--summary frameworks prints text or json, not sarif")
    settings = ScanSettings(fail_on=Severity.parse(fail_on), options=_scan_options(fingerprint_key),
                            rules_dirs=rules_dirs, policy_path=policy_path,
                            select=_rule_ids(select_rules, "--select"),
                            ignore=_rule_ids(ignore_rules, "--ignore"),
                            triage=_triage_settings(no_ignores, baseline_file),
                            include_ignored=include_ignored, jobs=jobs)
    _require_readable(paths)
    result = _scan_or_usage_error(paths, settings)
    if summary == "frameworks":
        from mcpiam.report.summary import framework_summary_json, framework_summary_text

        text = framework_summary_json(result) if fmt == "json" else framework_summary_text(result)
    elif fmt == "json":  # written as it is made: a large scan's report is never held whole
        from mcpiam.report.json_report import render_chunks

        text = render_chunks(result)
    else:
        text = render(result, OutputFormat(fmt), color=_use_color(color, output) and fmt == "text",
                      verbose=verbose)
    _write_output(text, output)
    strict_failure = _strict_failure(result.notes, strict)
    if strict_failure is not None:
        return strict_failure
    return EXIT_FINDINGS if result.failing and not exit_zero else EXIT_CLEAN


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, envvar="MCPIAM_INVENTORY_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the inventory to FILE instead of standard output.")
@_policy_option
@_strict_option
def inventory(paths: tuple[Path, ...], fmt: str, output: str | None, policy_path: Path | None,
              strict: bool) -> int:
    """List every MCP server configured under PATHS, with credential names (never values) and
    its owner from the policy file, as the missing-owner rule resolves it."""
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.report import InventoryFormat, render_inventory

    _require_readable(paths)
    result = _scan_or_usage_error(paths, ScanSettings(policy_path=policy_path, run_rules=False))
    _write_output(render_inventory(result.configs, InventoryFormat(fmt), result.applied_policy), output)
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
        known = ", ".join(r.info.id for r in all_rules())
        raise click.UsageError(f"unknown rule '{rule_id}'; known rules: {known}")
    click.echo(rule_markdown(rule.info))
    return EXIT_CLEAN


@cli.group()
def policy() -> None:
    """Write or validate a policy file (.mcpiam.yaml): owners, approved servers, rule settings."""


@policy.command(name="init")
@click.argument("path", type=click.Path(path_type=Path), default=Path(".mcpiam.yaml"), required=False)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def policy_init(path: Path, force: bool) -> int:
    """Write a commented starter policy to PATH (default: .mcpiam.yaml; a folder gets one inside)."""
    from mcpiam.policy import starter_policy

    target = path / ".mcpiam.yaml" if path.is_dir() and not path.is_symlink() else path
    if os.path.lexists(target) and not force:
        raise click.UsageError(f"{_shown_path(target)} already exists; use --force to overwrite it")
    _write_file(target, starter_policy(), create_new=not force)
    click.echo(f"wrote {target}: fill in the owners, then run `mcpiam policy check {target}`")
    return EXIT_CLEAN


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
                   policy_path: Path | None, existing=None):
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.triage.apply import TriageSettings

    settings = ScanSettings(options=_scan_options(fingerprint_key), rules_dirs=rules_dirs,
                            select=_rule_ids(select_rules, "--select"),
                            ignore=_rule_ids(ignore_rules, "--ignore"), policy_path=policy_path,
                            triage=TriageSettings(inline_ignores=not no_ignores, baseline=existing))
    _require_readable(paths)
    return settings, _scan_or_usage_error(paths, settings)


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
                    force: bool) -> int:
    """Scan PATHS and record every finding in the baseline file (findings of every severity)."""
    if os.path.lexists(baseline_file) and not force:
        raise click.UsageError(f"{_shown_path(baseline_file)} exists; run `mcpiam baseline update`, or add --force")
    settings, result = _baseline_scan(paths, fingerprint_key, rules_dirs, select_rules, ignore_rules,
                                      no_ignores, policy_path)
    count = _write_baseline(baseline_file, _new_entries(result, baseline_file), settings, create_new=not force)
    click.echo(shown_on_terminal(f"{baseline_file}: {count} finding(s) recorded"))
    return EXIT_CLEAN


@baseline.command(name="update")
@_baseline_options
def baseline_update(paths: tuple[Path, ...], baseline_file: Path, rules_dirs: tuple[Path, ...],
                    fingerprint_key: str | None, select_rules: tuple[str, ...],
                    ignore_rules: tuple[str, ...], no_ignores: bool, policy_path: Path | None) -> int:
    """Scan PATHS; add new findings to the baseline and drop its stale entries for scanned files."""
    from mcpiam.triage.baseline import BaselineError, load

    try:
        existing = load(baseline_file)
    except BaselineError as error:
        raise click.BadParameter(str(error), param_hint="--baseline") from None
    settings, result = _baseline_scan(paths, fingerprint_key, rules_dirs, select_rules, ignore_rules,
                                      no_ignores, policy_path, existing)
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


def _stderr_progress():
    """Progress lines on standard error, only when it is a terminal (never in collected output)."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"mcpiam: {shown_on_terminal(message)}", err=True)


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
@_report_options
@_strict_option
@jobs_option
def sweep(home: Path | None, platform_name: str | None, all_users: bool, projects: bool,
          system_root: Path | None, hostname: str | None, fmt: str, output: str | None, fail_on: str,
          color: str, verbose: bool, fingerprint_key: str | None, strict: bool, jobs: int = 0) -> int:
    """Find every MCP config of this user (or of HOME) across every client, and report findings.

    Reads only the locations the client catalogue names; starts no server, sends nothing anywhere.
    """
    from mcpiam.catalogue import default_catalogue
    from mcpiam.engine.scan import ScanSettings
    from mcpiam.core.findings import Severity
    from mcpiam.engine.sweep import make_plan, run_sweep
    from mcpiam.report.sweep import render_sweep

    if all_users and home is not None:
        raise click.UsageError("--all-users sweeps every home; use --system-root DIR, not --home, "
                               "to point it at a mounted system")
    _require_readable(tuple(path for path in (home, system_root) if path is not None))
    catalogue = default_catalogue()
    plan, notes = make_plan(home=home, platform=platform_name, all_users=all_users, projects=projects,
                            system_root=system_root, environ=os.environ, catalogue=catalogue)
    settings = ScanSettings(fail_on=Severity.parse(fail_on), options=_scan_options(fingerprint_key), jobs=jobs)
    result = run_sweep(plan, settings, catalogue=catalogue, hostname=hostname,
                       progress=_stderr_progress(), extra_notes=tuple(notes))
    if fmt == "json":  # written as it is made, as a scan's
        from mcpiam.report.sweep import render_sweep_chunks

        text = render_sweep_chunks(result)
    else:
        text = render_sweep(result, fmt, color=_use_color(color, output) and fmt == "text", verbose=verbose)
    _write_output(text, output)
    return _strict_failure(result.scan.notes, strict) or (EXIT_FINDINGS if result.scan.failing else EXIT_CLEAN)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "sarif", "csv", "markdown"]),
              default="text", show_default=True, envvar="MCPIAM_MERGE_FORMAT", help="Output format.")
@click.option("-o", "--output", default=None, envvar="MCPIAM_OUTPUT", metavar="FILE",
              help="Write the report to FILE instead of standard output.")
def merge(files: tuple[Path, ...], fmt: str, output: str | None) -> int:
    """Correlate the JSON results of many sweeps or scans (FILES) into one fleet report.

    Reports servers across the fleet, credentials reused across machines or users (the inputs
    must share one --fingerprint-key), ownership coverage by host and the servers and hosts each
    owner has, and counts by rule. Exit 1 when a credential is reused across machines or users, 2
    when an input is not an mcpiam JSON result.
    """
    from mcpiam.fleet.merge import MergeInputError, merge_files
    from mcpiam.fleet.render import render_merge

    try:
        report = merge_files(list(files))
    except MergeInputError as error:
        raise click.UsageError(str(error)) from None
    for warning in report.warnings:
        click.echo(f"mcpiam: warning: {shown_on_terminal(warning)}", err=True)
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
