"""The SARIF 2.1.0 report, shaped for GitHub code scanning (one run, rule metadata, fingerprints).

Built with the ``sarif_om`` classes (a project dependency: their constructors reject misspelt
fields) and serialised here rather than with ``jschema_to_python``, which is neither a dependency
nor right for this output: it drops every value equal to its attrs default, so a result's
``level: "warning"`` would vanish and the result would inherit its rule's ``error``. The serialiser
below also drops values left at their defaults (``-1`` indices, ``kind: "fail"``), but always
writes ``level``. Keys are sorted; nothing time-dependent is written.

Fingerprints: ``partialFingerprints`` holds ``mcpiam/v1`` (the finding's own fingerprint: rule,
path, route and subject; no line numbers) and ``primaryLocationLineHash`` derived from that same
fingerprint instead of from the line's text, so GitHub keeps an alert's identity when lines move,
and no value from the file goes into the hash. No ``region.snippet`` is ever written.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath, PureWindowsPath
from types import MappingProxyType
from urllib.parse import quote

import attr
import sarif_om as om

from mcpiam.core.json_text import dumps_indented
from mcpiam.checks.base import RuleInfo
from mcpiam.core.document import Span
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.report._shared import ordered_findings, ordered_notes, ordered_related
from mcpiam.core.notes import Note
from mcpiam.core.redact import SARIF_OWN_TEXT, shown_data
from mcpiam.engine.result import ScanResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "mcpiam"
INFORMATION_URI = "https://github.com/mcpiam/mcpiam"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "mcpiam/v1"
MAX_DESCRIPTION = 1024  # GitHub's limit for shortDescription / fullDescription
MAX_TAGS = 20  # GitHub's limit per rule
_KEEP_AT_DEFAULT = frozenset({"level"})
_NOTE_LEVELS = MappingProxyType({"warning": "warning", "error": "error"})  # anything else: "note"


# --- serialisation ----------------------------------------------------------------------------


def to_plain(value: object) -> object:
    """sarif_om objects as JSON data under their schema names; unset fields (None or default) left out."""
    if attr.has(type(value)):
        out: dict[str, object] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            if item is None:
                continue
            default = field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()  # type: ignore[union-attr]
            if item == default and field.name not in _KEEP_AT_DEFAULT:
                continue
            out[field.metadata.get("schema_property_name", field.name)] = to_plain(item)
        return out
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return value


# --- locations --------------------------------------------------------------------------------


def _file_uri(path: str) -> str | None:
    """A ``file:`` URI for an absolute path (POSIX or Windows), else None."""
    if re.match(r"[A-Za-z]:[\\/]", path) or path.startswith("\\\\"):
        return PureWindowsPath(path).as_uri()
    if path.startswith("/"):
        return PurePosixPath(path).as_uri()
    return None


def _root_uri(root: str) -> str:
    uri = _file_uri(root) or "file:///" + _quoted(root.lstrip("/"))
    return uri if uri.endswith("/") else uri + "/"


def _artifact(path: str, absolute_paths: dict[str, str]) -> om.ArtifactLocation:
    """Relative paths resolve against %SRCROOT%; paths outside the root become file URIs."""
    uri = _file_uri(path)
    if uri is None and path.startswith(("~", "$", "%")) and path in absolute_paths:
        uri = _file_uri(absolute_paths[path])
    if uri is not None:
        return om.ArtifactLocation(uri=uri)
    return om.ArtifactLocation(uri=_quoted(path), uri_base_id=SRCROOT)


def _quoted(path: str) -> str:
    """A path percent-encoded as its bytes: a name that is not UTF-8 (``os.fsdecode`` surrogates)
    becomes ``%FF``, the URI of the file as it is on disk."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _region(span: Span) -> om.Region:
    start_line = max(1, span.start_line)
    start_column = max(1, span.start_column)
    end_line = max(start_line, span.end_line)
    end_column = span.end_column if end_line > start_line else max(start_column, span.end_column)
    return om.Region(start_line=start_line, start_column=start_column, end_line=end_line, end_column=end_column)


def _physical(path: str, span: Span | None, absolute_paths: dict[str, str]) -> om.PhysicalLocation:
    return om.PhysicalLocation(
        artifact_location=_artifact(path, absolute_paths),
        region=_region(span) if span is not None else None,
    )


def _logical(location: Location, server: str | None) -> list[om.LogicalLocation] | None:
    """The route as a JSON pointer; named after the server when there is one."""
    pointer = location.pointer
    if not pointer:
        return None
    name = server or str(location.route[-1])
    return [om.LogicalLocation(name=name, fully_qualified_name=pointer)]


# --- rules ------------------------------------------------------------------------------------


def _pascal_case(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


def _limit(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_paragraph(markdown: str) -> str:
    """The first paragraph of a rule's docs that is not a heading, on one line."""
    for block in re.split(r"\n\s*\n", markdown):
        text = " ".join(block.split())
        if text and not text.startswith("#"):
            return text
    return ""


def _tags(rule: RuleInfo) -> list[str]:
    tags: list[str] = []
    from mcpiam.report.frameworks import controls_of

    for tag in ("security", *rule.tags, *controls_of(rule)):
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def _descriptor(rule: RuleInfo) -> om.ReportingDescriptor:
    docs = rule.docs.strip()
    summary = rule.summary.strip() or rule.id
    return om.ReportingDescriptor(
        id=rule.id,
        name=_pascal_case(rule.id),
        short_description=om.MultiformatMessageString(text=_limit(summary)),
        full_description=om.MultiformatMessageString(text=_limit(first_paragraph(docs) or summary)),
        help=om.MultiformatMessageString(text=docs or summary, markdown=docs or summary),
        default_configuration=om.ReportingConfiguration(level=rule.severity.sarif_level),
        properties={
            "tags": _tags(rule),
            "security-severity": rule.severity.security_severity,
            "precision": rule.precision,
        },
    )


def _placeholder_rule(rule_id: str, severity: Severity) -> RuleInfo:
    """Metadata for a finding whose rule did not report itself in ``result.rules``."""
    summary = f"Findings reported by the mcpiam rule {rule_id}."
    return RuleInfo(id=rule_id, severity=severity, summary=summary, docs=summary)


# --- results ----------------------------------------------------------------------------------


def line_hash(fingerprint: str) -> str:
    """A ``primaryLocationLineHash`` from the fingerprint (not the line), in GitHub's ``hex:n`` form."""
    digest = hashlib.sha256(("primaryLocationLineHash\x1f" + fingerprint).encode("utf-8")).hexdigest()
    return f"{digest[:16]}:1"


def _related_message(location: Location) -> str:
    return f"Related: {location.path} {location.pointer}".rstrip()


def _result(finding: Finding, rule_index: int, absolute_paths: dict[str, str]) -> om.Result:
    location = finding.location
    related = [
        om.Location(
            id=number,
            physical_location=_physical(item.path, item.span, absolute_paths),
            logical_locations=_logical(item, None),
            message=om.Message(text=_related_message(item)),
        )
        for number, item in enumerate(ordered_related(finding.related), start=1)
    ]
    properties: dict[str, object] = dict(finding.properties)
    properties.update({"severity": finding.severity.value, "security-severity": finding.severity.security_severity})
    if finding.server is not None:
        properties["server"] = finding.server
    if finding.client is not None:
        properties["client"] = finding.client
    fingerprints = {FINGERPRINT_KEY: finding.fingerprint, "primaryLocationLineHash": line_hash(finding.fingerprint)}
    primary = om.Location(
        physical_location=_physical(location.path, location.span, absolute_paths),
        logical_locations=_logical(location, finding.server),
    )
    mark = finding.history
    if mark is not None:
        properties.update({"commit": mark.commit, "commitDate": mark.commit_date,
                           "presentAtHead": mark.present_at_head, "commits": mark.commits, "paths": mark.paths})
        if mark.removed_commit:
            properties.update({"removedCommit": mark.removed_commit, "removedDate": mark.removed_date or ""})
        fingerprints["commitSha"] = mark.commit
        if not mark.present_at_head:
            # Gone from the checked-out tree: the line is the commit's, not today's file's. The
            # alert points at the file as a whole (line 1); the exact place is a related location
            # qualified by the commit, so code scanning never marks an unrelated line of today.
            primary = om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=_artifact(location.path, absolute_paths),
                    region=om.Region(start_line=1)),
                logical_locations=_logical(location, finding.server),
            )
            related.insert(0, om.Location(
                id=0,
                physical_location=om.PhysicalLocation(
                    artifact_location=_artifact(location.path, absolute_paths),
                    region=_region(location.span), properties={"commit": mark.commit}),
                message=om.Message(text=f"Written here in commit {mark.commit[:12]} ({mark.commit_date[:10]})"),
            ))
    return om.Result(
        rule_id=finding.rule_id,
        rule_index=rule_index,
        level=finding.severity.sarif_level,
        message=om.Message(text=finding.full_message),
        locations=[primary],
        related_locations=related or None,
        partial_fingerprints=fingerprints,
        properties=properties,
    )


def _notification(note: Note, absolute_paths: dict[str, str]) -> om.Notification:
    return om.Notification(
        level=_NOTE_LEVELS.get(note.level, "note"),
        message=om.Message(text=note.message),
        descriptor=om.ReportingDescriptorReference(id=note.code),
        # A note about the whole scan (no path) has no location.
        locations=[om.Location(physical_location=_physical(note.path, note.span, absolute_paths))]
        if note.path else None,
    )


def sarif_log(result: ScanResult) -> om.SarifLog:
    """The SARIF log as sarif_om objects (``render`` serialises it)."""
    rules: dict[str, RuleInfo] = {rule.id: rule for rule in result.rules}
    findings = ordered_findings(result.findings)
    for finding in findings:
        rules.setdefault(finding.rule_id, _placeholder_rule(finding.rule_id, finding.severity))
    ordered_rules = sorted(rules.values(), key=lambda rule: rule.id)
    index = {rule.id: number for number, rule in enumerate(ordered_rules)}
    absolute_paths = {config.path: config.absolute_path for config in result.configs}
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name=TOOL_NAME,
                version=result.tool_version,
                information_uri=INFORMATION_URI,
                rules=[_descriptor(rule) for rule in ordered_rules],
            )
        ),
        results=[_result(finding, index[finding.rule_id], absolute_paths) for finding in findings],
        column_kind="unicodeCodePoints",
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=_root_uri(result.root))},
        invocations=[
            om.Invocation(
                execution_successful=True,
                tool_execution_notifications=[
                    _notification(note, absolute_paths) for note in ordered_notes(result.notes)
                ]
                or None,
            )
        ],
    )
    return om.SarifLog(schema_uri=SCHEMA_URI, version=SARIF_VERSION, runs=[run])


def render(result: ScanResult, *, color: bool = False, verbose: bool = False) -> str:
    """The SARIF log as JSON; every note becomes a notification whatever ``verbose`` says."""
    return dumps_indented(shown_data(to_plain(sarif_log(result)), SARIF_OWN_TEXT))
