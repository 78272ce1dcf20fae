"""The scan pipeline: discover, parse, model, run the rules, and hand back one ScanResult.

Data flows one way through here; every finding passes through ``collect_findings``, the single
place that applies rule selection, sorts and de-duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner import __version__
from scanner.catalogue import Catalogue, FileKind, default_catalogue, union_expands
from scanner.checks import all_rules
from scanner.checks.base import Rule, ScanInput, ScanOptions
from scanner.discover import Candidate, discover
from scanner.document import Document, ProblemLevel
from scanner.env_files import load_env_files
from scanner.extract import confirm_content, extract_claim, recognise_by_content
from scanner.findings import Finding, Severity
from scanner.model import ConfigFile, Scope
from scanner.parse import FORMATS, parse_file, read_head, sniff_format
from scanner.result import Note, ScanResult


@dataclass(frozen=True, slots=True)
class ScanSettings:
    fail_on: Severity = Severity.HIGH
    options: ScanOptions = ScanOptions()
    select: tuple[str, ...] = ()  # rule ids to run; empty = all
    ignore: tuple[str, ...] = ()  # rule ids not to run
    rules_dirs: tuple[Path, ...] = ()  # extra token-family directories (--rules)


def _scope(kind: FileKind) -> Scope:
    try:
        return Scope(kind.scope)
    except ValueError:
        return Scope.UNKNOWN


def _notes_from(document: Document, display: str) -> list[Note]:
    return [
        Note(display, problem.level.value, problem.code, problem.message, problem.span)
        for problem in document.problems
        if problem.level is not ProblemLevel.ERROR
    ]


def load_config(candidate: Candidate, catalogue: Catalogue) -> tuple[ConfigFile | None, list[Note]]:
    """Parse one candidate and build its servers; None when it turns out not to be an MCP config."""
    kinds: tuple[FileKind, ...] = candidate.kinds
    if kinds:
        kind = kinds[0]
        if kind.format not in FORMATS:
            return None, [Note(candidate.display, "info", "unsupported-format",
                               f"{kind.client} reads this file as {kind.format}, which mcpiam "
                               "does not parse yet; skipped")]
        document = parse_file(candidate.path, kind.format)
        if not document.errors and not confirm_content(document, kind, catalogue):
            # A generic file name (server.json, manifest.json) that is not an MCP manifest.
            if not candidate.named:
                return None, []
        recognised_by = "argument" if candidate.named else "path"
    else:
        head = read_head(candidate.path, 4096)  # stat-first, non-blocking: never hangs on a FIFO
        fmt = sniff_format(candidate.path.name, head)
        if fmt is None:
            if candidate.named:
                return None, [Note(candidate.display, "warning", "not-a-config",
                                   "not recognised as an MCP config: unknown file type; skipped")]
            return None, []
        document = parse_file(candidate.path, fmt)
        recognised = recognise_by_content(document, catalogue)
        if recognised is None:
            if not (document.errors and candidate.named):
                if candidate.named:
                    return None, _notes_from(document, candidate.display) + [
                        Note(candidate.display, "warning", "not-a-config",
                             "not recognised as an MCP config: no server map found; skipped")
                    ]
                return None, []
            recognised = catalogue.file_kind("unknown-mcp-config")
        kind = recognised
        kinds = (recognised,)
        recognised_by = "content"
    servers = extract_claim(document, kinds, catalogue) if document.roots else ()
    config = ConfigFile(
        path=candidate.display,
        absolute_path=str(candidate.path),
        client=kind.client,
        file_kind=kind.id,
        scope=_scope(kind),
        document=document,
        servers=servers,
        recognised_by=recognised_by,
        expands=union_expands(kinds),
    )
    return config, _notes_from(document, candidate.display)


def selected_rules(settings: ScanSettings, rules: Sequence[Rule] | None = None) -> tuple[Rule, ...]:
    chosen = []
    for rule in rules if rules is not None else all_rules():
        if settings.select and rule.info.id not in settings.select:
            continue
        if rule.info.id in settings.ignore:
            continue
        chosen.append(rule)
    return tuple(chosen)


def collect_findings(scan: ScanInput, rules: Sequence[Rule]) -> tuple[Finding, ...]:
    """Run every rule and return its findings sorted and without exact duplicates."""
    unique: dict[tuple, Finding] = {}
    for rule in rules:
        for finding in rule.check(scan):
            key = (finding.fingerprint, finding.location.span, finding.message)
            unique.setdefault(key, finding)
    return tuple(sorted(unique.values(), key=Finding.sort_key))


def scan_paths(
    paths: Iterable[Path],
    settings: ScanSettings = ScanSettings(),
    catalogue: Catalogue | None = None,
    root: Path | None = None,
) -> ScanResult:
    catalogue = catalogue or default_catalogue()
    paths = list(paths)
    found = discover(paths, catalogue, root=root)
    configs: list[ConfigFile] = []
    notes: list[Note] = list(found.notes)
    for candidate in found.candidates:
        config, file_notes = load_config(candidate, catalogue)
        notes.extend(file_notes)
        if config is not None:
            configs.append(config)
    env_files, env_notes = load_env_files(configs, found.root, paths)  # envFile: secrets at their own lines
    configs.extend(env_files)
    notes.extend(env_notes)
    rules = selected_rules(settings)
    credentials: tuple = ()
    unexpanded: tuple = ()
    if any(rule.info.needs_credentials for rule in rules):
        from scanner.secrets.detect import find_credentials
        from scanner.secrets.families import load_families

        families = load_families(settings.rules_dirs, check_examples=False)
        credentials, unexpanded = find_credentials(
            configs, families, catalogue, settings.options.fingerprint_key
        )
    scan = ScanInput(configs=tuple(configs), options=settings.options, credentials=credentials,
                     unexpanded_references=unexpanded)
    findings = collect_findings(scan, rules)
    return ScanResult(
        root=str(found.root),
        findings=findings,
        notes=tuple(sorted(notes, key=lambda n: (n.path, n.code, n.message))),
        configs=tuple(configs),
        rules=tuple(rule.info for rule in rules),
        fail_on=settings.fail_on,
        tool_version=__version__,
        files_considered=found.files_considered,
    )
