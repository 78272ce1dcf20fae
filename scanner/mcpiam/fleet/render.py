"""Fleet reports (``mcpiam merge``): text, JSON, SARIF, CSV and a Markdown summary of a FleetReport.

Every renderer is a pure function of the report; hosts, paths and server names come from the
inputs (files other people made), so text and Markdown escape them before they are shown.
"""

from __future__ import annotations

import csv
import io
from enum import Enum
from urllib.parse import quote

from mcpiam import __version__
from mcpiam.core.json_text import dumps_indented
from mcpiam.core.redact import SARIF_OWN_TEXT, shown, shown_data
from mcpiam.fleet.merge import OWNER_FINDINGS, FleetFinding, FleetLocation, FleetReport
from mcpiam.report._shared import clean, plural

TOOL_NAME = "mcpiam"
MERGE_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SHARED_CREDENTIAL_SUMMARY = "One credential is used on several machines or by several accounts."
SHARED_CREDENTIAL_DESCRIPTION = (
    "The same credential (matched by its keyed fingerprint, never its value) is configured on several "
    "machines or for several user accounts. A leak from any of them exposes all, and it cannot be "
    "revoked for one without breaking the others.")
SHARED_CREDENTIAL_HELP = (
    "Give each machine and user its own credential, scoped to what that server needs, and revoke the "
    "shared one. Find every place it is used in `mcpiam merge -f csv` or the fleet database "
    "(`mcpiam fleet query ... credential_occurrences`).")
# GitHub code scanning keeps at most 1,000 locations per result; a fleet-wide token has one per laptop.
SARIF_RELATED_CAP = 999
# Text and Markdown are read by people: a group's first places, then a count (CSV and JSON list all).
SHOWN_PLACES = 20


class MergeFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    CSV = "csv"
    MARKDOWN = "markdown"


def _location_data(location: FleetLocation) -> dict[str, object]:
    return {"host": location.host, "user": location.user, "path": location.path, "line": location.line,
            "column": location.column, "end_line": location.end_line, "end_column": location.end_column,
            "route": location.route}


def _finding_data(finding: FleetFinding) -> dict[str, object]:
    return {"rule_id": finding.rule_id, "severity": finding.severity.value, "message": finding.message,
            **_location_data(finding.location),
            "related": [_location_data(loc) for loc in finding.related],
            "properties": dict(finding.properties)}


def merge_data(report: FleetReport) -> dict[str, object]:
    coverage = report.coverage
    return {
        "version": MERGE_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "machines": [
            {"source": m.source, "hostname": m.hostname, "user": m.user, "platform": m.platform, "time": m.time,
             "fingerprint_key_id": m.key_id or None, "users": list(m.users),
             "configs": m.configs, "findings": m.findings}
            for m in report.machines
        ],
        "fingerprint_key": {"status": report.key_status, "ids": list(report.key_ids)},
        "warnings": list(report.warnings),
        "findings": [_finding_data(f) for f in report.findings],
        "servers": [
            {"identity": s.identity, "kind": s.kind, "hosts": list(s.hosts), "users": list(s.users),
             "clients": list(s.clients), "names": list(s.names), "occurrences": s.occurrences}
            for s in report.servers
        ],
        "ownership": {
            "owned": coverage[0] if coverage else None,
            "servers": coverage[1] if coverage else None,
            "by_host": [{"host": o.host, "servers": o.servers, "owned": o.owned, "basis": o.basis}
                        for o in report.ownership],
            "owners": [{"owner": o.owner, "servers": o.servers, "hosts": list(o.hosts)} for o in report.owners],
        },
        "rules": [{"rule_id": r.rule_id, "findings": r.findings, "hosts": r.hosts} for r in report.rules],
    }


# --- SARIF -----------------------------------------------------------------------------------------


def _host_base(host: str) -> str:
    return "HOST_" + "".join(ch if ch.isalnum() else "_" for ch in host)


def _sarif_location(location: FleetLocation, index: int | None = None) -> dict[str, object]:
    physical = {
        "artifactLocation": {"uri": quote(location.path, safe="/~"), "uriBaseId": _host_base(location.host)},
        "region": {"startLine": location.line, "startColumn": location.column,
                   "endLine": location.end_line, "endColumn": location.end_column},
    }
    out: dict[str, object] = {"physicalLocation": physical,
                              "properties": {"host": location.host, "user": location.user}}
    if index is not None:
        out["id"] = index
        out["message"] = {"text": f"also used on {location.host} by {location.user or 'an unknown account'}"}
    return out


def _sarif_result(f: FleetFinding) -> dict[str, object]:
    omitted = max(0, len(f.related) - SARIF_RELATED_CAP)
    properties: dict[str, object] = {**dict(f.properties), "severity": f.severity.value,
                                     "security-severity": f.severity.security_severity}
    if omitted:
        properties["relatedLocationsOmitted"] = omitted
    return {
        "ruleId": f.rule_id,
        "ruleIndex": 0,
        "level": f.severity.sarif_level,
        "message": {"text": f.message},
        "locations": [_sarif_location(f.location)],
        "relatedLocations": [_sarif_location(loc, i)
                             for i, loc in enumerate(f.related[:SARIF_RELATED_CAP], start=1)],
        "partialFingerprints": {"mcpiam-fleet/v1": f.fingerprint[:32]},
        "properties": properties,
    }


def _sarif(report: FleetReport) -> str:
    hosts = sorted({m.hostname for m in report.machines})
    results = [_sarif_result(f) for f in report.findings]
    fleet = merge_data(report)
    # The findings are the results above; repeating them (every place of a fleet-wide token)
    # would break GitHub's size limits.
    fleet["findings"] = len(report.findings)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL_NAME, "version": __version__, "rules": [{
                "id": "shared-credential",
                "name": "SharedCredentialAcrossMachines",
                "shortDescription": {"text": SHARED_CREDENTIAL_SUMMARY},
                "fullDescription": {"text": SHARED_CREDENTIAL_DESCRIPTION},
                "help": {"text": SHARED_CREDENTIAL_HELP,
                         "markdown": f"{SHARED_CREDENTIAL_DESCRIPTION}\n\n{SHARED_CREDENTIAL_HELP}"},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["secret", "identity", "fleet"], "security-severity": "8.0"},
            }]}},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {_host_base(h): {"uri": f"file://{quote(h, safe='')}/"} for h in hosts},
            "results": results,
            "invocations": [{
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": w}} for w in report.warnings],
            }],
            "properties": {"fleet": fleet},
        }],
    }
    return dumps_indented(shown_data(log, SARIF_OWN_TEXT))


# --- CSV ---------------------------------------------------------------------------------------------

CSV_COLUMNS = ("section", "name", "severity", "count", "hosts", "users", "clients", "locations")


def _csv_safe(cell: str) -> str:
    """Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe."""
    cell = shown(cell)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _csv(report: FleetReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows: list[tuple[str, ...]] = []
    for f in report.findings:
        places = [f.location, *f.related]
        rows.append(("shared-credential", dict(f.properties).get("preview", ""), f.severity.value, str(len(places)),
                     " ".join(sorted({p.host for p in places})), " ".join(sorted({f"{p.user}@{p.host}" for p in places})),
                     "", " ".join(f"{p.host}:{p.path}:{p.line}:{p.column}" for p in places)))
    for s in report.servers:
        rows.append(("server", s.identity, "", str(s.occurrences), " ".join(s.hosts), " ".join(s.users),
                     " ".join(s.clients), ""))
    for o in report.ownership:
        rows.append(("ownership", o.host, "", str(o.servers), o.host, "", "",
                     "" if o.owned is None else f"owned={o.owned}"))
    for owner in report.owners:
        rows.append(("owner", owner.owner, "", str(owner.servers), " ".join(owner.hosts), "", "", ""))
    for r in report.rules:
        rows.append(("rule", r.rule_id, "", str(r.findings), str(r.hosts), "", "", ""))
    for row in rows:
        writer.writerow([_csv_safe(cell) for cell in row])
    return out.getvalue().rstrip("\n")


# --- text and Markdown -----------------------------------------------------------------------------


def _coverage_text(report: FleetReport) -> str:
    coverage = report.coverage
    if coverage is None:
        return "unknown: no input carries ownership data (sweep or scan with a policy, --policy)"
    owned, servers = coverage
    percent = f" ({100 * owned // servers}%)" if servers else ""
    return f"{owned} of {plural(servers, 'server')} have an owner{percent}"


def _unnamed_owners_text(report: FleetReport) -> str | None:
    """Why some owned servers are missing from the owners list: older inputs name no owner."""
    older = [o for o in report.ownership if o.basis == OWNER_FINDINGS]
    if not older:
        return None
    owned = sum(o.owned or 0 for o in older)
    text = (f"{plural(len(older), 'input')} without owner fields (written by an older mcpiam) counted "
            "from missing-owner findings")
    if owned:
        text += f"; {plural(owned, 'owned server')} there {'is' if owned == 1 else 'are'} not in the owners list"
    return text


def _headline(report: FleetReport) -> str:
    servers = sum(s.occurrences for s in report.servers)
    return (f"{plural(len(report.machines), 'machine')}, {plural(servers, 'server')} "
            f"({plural(len(report.servers), 'distinct package or URL', 'distinct packages or URLs')}), "
            f"{plural(len(report.findings), 'credential')} reused across machines or users")


def _text(report: FleetReport) -> str:
    lines = [f"mcpiam fleet report: {_headline(report)}", ""]
    lines += [clean(f"warning: {w}") for w in report.warnings]
    if report.warnings:
        lines.append("")
    if report.findings:
        lines.append("Credentials reused across machines or users:")
        for f in report.findings:
            lines.append(clean(f"  {f.location.host}:{f.location.path}:{f.location.line}:{f.location.column}: "
                               f"{f.severity.value} {f.rule_id} {f.message}"))
            for loc in f.related[:SHOWN_PLACES]:
                lines.append(clean(f"    also {loc.host}:{loc.path}:{loc.line}:{loc.column} ({loc.user})"))
            if len(f.related) > SHOWN_PLACES:
                lines.append(f"    ... and {len(f.related) - SHOWN_PLACES} more places (every one in -f csv or json)")
        lines.append("")
    lines.append("Servers across the fleet (hosts, occurrences, package or URL):")
    for s in report.servers:
        lines.append(clean(f"  {len(s.hosts):>4}  {s.occurrences:>5}  {s.identity}  [{', '.join(s.clients)}]"))
    lines += ["", f"Ownership coverage: {_coverage_text(report)}"]
    if report.owners:
        lines.append("Owners (hosts, servers owned, owner):")
        for o in report.owners:
            lines.append(clean(f"  {len(o.hosts):>4}  {o.servers:>5}  {o.owner}"))
    unnamed = _unnamed_owners_text(report)
    if unnamed:
        lines.append(f"  note: {unnamed}")
    lines += ["", "Findings by rule (findings, hosts):"]
    for r in report.rules:
        lines.append(clean(f"  {r.rule_id:<28} {r.findings:>6} {r.hosts:>5}"))
    return "\n".join(lines)


def _md(text: str) -> str:
    return clean(text).replace("|", "\\|").replace("`", "'")


def _markdown(report: FleetReport) -> str:
    lines = ["# MCP fleet report", "", _headline(report) + ".", ""]
    for warning in report.warnings:
        lines.append(f"> **Warning:** {_md(warning)}")
    if report.warnings:
        lines.append("")
    lines += ["## Credentials reused across machines or users", ""]
    if report.findings:
        lines += ["| Credential | Hosts | Accounts | Locations |", "|---|---|---|---|"]
        for f in report.findings:
            props = dict(f.properties)
            places = [f.location, *f.related[:SHOWN_PLACES - 1]]
            more = len(f.related) + 1 - len(places)
            lines.append(f"| {_md(props.get('family', ''))} {_md(props.get('preview', ''))} | {props.get('hosts')} "
                         f"| {props.get('accounts')} | "
                         + "<br>".join(_md(f"{p.host}:{p.path}:{p.line}") for p in places)
                         + (f"<br>… and {more} more" if more else "") + " |")
    else:
        lines.append("None found." if report.key_status == "same" else
                     "Not checked: the inputs' fingerprint keys differ or are unknown (see the warning).")
    lines += ["", "## Servers across the fleet", "", "| Package or URL | Hosts | Occurrences | Clients |",
              "|---|---|---|---|"]
    for s in report.servers:
        lines.append(f"| {_md(s.identity)} | {len(s.hosts)} | {s.occurrences} | {_md(', '.join(s.clients))} |")
    lines += ["", "## Ownership coverage", "", _coverage_text(report) + "."]
    if report.owners:
        lines += ["", "| Owner | Hosts | Servers owned |", "|---|---|---|"]
        for o in report.owners:
            lines.append(f"| {_md(o.owner)} | {len(o.hosts)} | {o.servers} |")
    unnamed = _unnamed_owners_text(report)
    if unnamed:
        lines += ["", f"> **Note:** {_md(unnamed)}."]
    lines += ["", "## Findings by rule", "", "| Rule | Findings | Hosts |", "|---|---|---|"]
    for r in report.rules:
        lines.append(f"| {_md(r.rule_id)} | {r.findings} | {r.hosts} |")
    return "\n".join(lines)


def render_merge(report: FleetReport, fmt: MergeFormat | str) -> str:
    chosen = MergeFormat(fmt)
    if chosen is MergeFormat.JSON:
        return dumps_indented(shown_data(merge_data(report)))
    if chosen is MergeFormat.SARIF:
        return _sarif(report)
    if chosen is MergeFormat.CSV:
        return _csv(report)
    if chosen is MergeFormat.MARKDOWN:
        return _markdown(report)
    return _text(report)


# --- rows of a fleet query -------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(_cell(item) for item in value)
    return str(value)


def _plain(value: object) -> object:
    """A database value as JSON data: lists and structs as such, times and decimals as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def render_rows(columns: list[str], rows: list[tuple], fmt: str) -> str:
    """A query's rows as text (aligned columns), CSV or JSON; every cell through the output gate."""
    if fmt == "json":
        return dumps_indented(shown_data([{name: _plain(value) for name, value in zip(columns, row)} for row in rows]))
    cells = [[_cell(value) for value in row] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([_csv_safe(name) for name in columns])
        for row in cells:
            writer.writerow([_csv_safe(cell) for cell in row])
        return out.getvalue().rstrip("\n")
    table = [[clean(name) for name in columns], *([clean(cell) for cell in row] for row in cells)]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table)
