"""The access-review sheet: one row per MCP server for the recertification an IAM team runs each
quarter, as CSV (``review``) or Markdown (``review-md``).

Each row gives what the reviewer needs to decide: the server and where it is configured, its
owner, purpose, secret source and revocation path (from the policy's owners entry when there is
one), the credentials it is handed (family, or the name of a referenced one, and whether each is
written in the file as a literal), and its scope findings (``unscoped-token``,
``excessive-scope``). When the clients' records were read (``inventory --activity``), it also
gives when each server was last used, its calls in the last 30 days and the tools used, the
evidence for revoking a standing privilege nobody uses (``not read`` where no record of its client
was read). The ``decision`` (keep / modify / revoke) and ``reviewer`` columns are left
empty for the reviewer. Entries that only name a server configured elsewhere are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from mcpiam.core.valuetype import dataclass
from mcpiam.report._shared import clean
from mcpiam.report.credentials import CredentialUse
from mcpiam.report.inventory import (
    Inventory,
    InventoryRow,
    csv_text,
    display_command,
    last_used_cell,
    recent_calls_cell,
    redact_url,
    tools_used_items,
)

DECISIONS = ("keep", "modify", "revoke")


@dataclass(frozen=True, slots=True)
class ReviewColumn:
    """A column of the sheet: its name, and the cell of a row as a list of items (one per line)."""

    key: str
    title: str
    items: Callable[[InventoryRow], list[str]]


def credential_item(use: CredentialUse) -> str:
    """``github-classic-pat: literal (env GITHUB_TOKEN 7:9)`` or
    ``GITHUB_PAT: reference (env GITHUB_PERSONAL_ACCESS_TOKEN 7:9)``."""
    what = (use.family or use.kind or "secret") if use.is_literal else (use.variable or use.name or use.place)
    where = " ".join(part for part in (use.place, use.name, f"{use.line}:{use.column}") if part)
    return f"{what}: {use.source} ({where})"


def _entry_field(name: str) -> Callable[[InventoryRow], list[str]]:
    return lambda row: [getattr(row.entry, name) or ""] if row.entry is not None else [""]


def _runs(row: InventoryRow) -> list[str]:
    url = row.server.url_text
    return [display_command(row.server) or (redact_url(url) if url else "")]


REVIEW_COLUMNS: tuple[ReviewColumn, ...] = (
    ReviewColumn("server", "Server", lambda row: [row.server.name]),
    ReviewColumn("client", "Client", lambda row: [row.server.client or row.config.client]),
    ReviewColumn("file", "File", lambda row: [f"{row.config.path}:{row.server.name_span.start_line}:"
                                              f"{row.server.name_span.start_column}"]),
    ReviewColumn("runs", "Runs", _runs),
    ReviewColumn("owner", "Owner", lambda row: [row.ownership.owner if row.ownership is not None else ""]),
    ReviewColumn("purpose", "Purpose", _entry_field("purpose")),
    ReviewColumn("secret_source", "Secret source", _entry_field("secret_source")),
    ReviewColumn("revocation", "Revocation path", _entry_field("revocation")),
    ReviewColumn("credentials", "Credentials", lambda row: [credential_item(use) for use in row.credentials]),
    ReviewColumn("literal_credentials", "Literal in file",
                 lambda row: ["yes" if any(use.is_literal for use in row.credentials) else "no"]),
    ReviewColumn("scope_findings", "Scope findings", lambda row: [
        f"{f.rule_id} ({f.severity.value}) {f.location.span.start_line}:{f.location.span.start_column}"
        for f in row.scope_findings]),
    ReviewColumn("decision", "Decision (keep / modify / revoke)", lambda row: [""]),
    ReviewColumn("reviewer", "Reviewer", lambda row: [""]),
)
REVIEW_KEYS = tuple(column.key for column in REVIEW_COLUMNS)
# Before the decision, when the clients' records were read: what the reviewer weighs it against.
ACTIVITY_REVIEW_COLUMNS: tuple[ReviewColumn, ...] = (
    ReviewColumn("last_used", "Last used", lambda row: [last_used_cell(row.activity)] if row.activity else [""]),
    ReviewColumn("calls_30d", "Calls (30 d)", lambda row: [recent_calls_cell(row.activity)] if row.activity else [""]),
    ReviewColumn("tools_used", "Tools used", lambda row: tools_used_items(row.activity) if row.activity else [""]),
)


def review_columns(inventory: Inventory) -> tuple[ReviewColumn, ...]:
    """The sheet's columns: the usage ones only when the clients' records were read."""
    if inventory.activity is None:
        return REVIEW_COLUMNS
    decision = REVIEW_KEYS.index("decision")
    return REVIEW_COLUMNS[:decision] + ACTIVITY_REVIEW_COLUMNS + REVIEW_COLUMNS[decision:]


def _reviewed(inventory: Inventory) -> list[InventoryRow]:
    return [row for row in inventory.rows if not row.server.reference_only]


def _cells(row: InventoryRow, columns: Sequence[ReviewColumn]) -> list[list[str]]:
    return [column.items(row) for column in columns]


def _markdown_cell(items: Sequence[str]) -> str:
    """Items joined by ``<br>``, through the output gate, with ``|``, ``<``, ``>`` and backslash
    escaped so that a name from a config cannot break the table or add HTML."""
    escaped = [clean(item).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
               for item in items if item]
    return "<br>".join(escaped)


def render_review(inventory: Inventory, *, markdown: bool = False, spreadsheet: bool = False) -> str:
    rows = _reviewed(inventory)
    columns = review_columns(inventory)
    if not markdown:
        return csv_text([column.key for column in columns],
                        (["; ".join(items) for items in _cells(row, columns)] for row in rows), spreadsheet=spreadsheet)
    lines = [
        "# MCP server access review",
        "",
        f"{len(rows)} server(s). For each, fill in the decision ({' / '.join(DECISIONS)}) and the reviewer.",
        "",
        "| " + " | ".join(column.title for column in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines += ["| " + " | ".join(_markdown_cell(items) for items in _cells(row, columns)) + " |" for row in rows]
    return "\n".join(lines)
