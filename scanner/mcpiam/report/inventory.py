"""The server inventory: every MCP server a scan saw, as a table, a versioned JSON document or CSV
(the AI-BOM is ``cyclonedx``, the access-review sheet ``review``).

An inventory lists *what* runs, *which* credentials it is handed (``mcpiam.report.credentials``:
where each sits, reference or literal, family, fingerprint) and *who owns* it, never a
credential itself. Commands, arguments and URLs can all carry secrets (``--api-key X``,
``https://user:pw@host``, ``?token=...``, a key pasted into a URL path), so every value passes
through a conservative filter before it is shown: ``display_command`` keeps only the launcher and the package it
starts, as ``mcpiam.model.launch`` reads the command line;
``redact_url`` keeps scheme, host, port, ordinary path segments and query *keys*. The owner is the answer of
``mcpiam.policy.matching.ownership_of``, the one the ``missing-owner`` rule judges by.
"""

from __future__ import annotations

import csv
import io
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.core.json_text import dumps_indented
from mcpiam.catalogue import Catalogue, NameField, name_field_at
from mcpiam.core.findings import Finding
from mcpiam.core.valuetype import dataclass
from mcpiam.core.document import Scalar, format_route, walk
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.redact import REDACTED, looks_secret, shown, shown_data
from mcpiam.model.launch import Fetched, Launch, Token, read_launch
from mcpiam.model.servers import ConfigFile, Server
from mcpiam.policy.matching import Ownership, ownership_of
from mcpiam.policy.model import OwnerEntry, Policy
from mcpiam.report._shared import clean, ordered_configs, ordered_findings, ordered_servers
from mcpiam.report.credentials import CredentialUse, credentials_of

if TYPE_CHECKING:
    from datetime import datetime

    from mcpiam.activity.usage import Usage
    from mcpiam.report import InventoryFormat
    from mcpiam.secrets.detect import Credential

REGISTRY_IDENTIFIER = ("identifier",)
# How a fetched package's version is attached when it is an exact pin: shown with the name.
_EXACT_OPERATORS = ("@", "==", "===", ":")
_SPEC_PREFIXES = ("npm:", "jsr:")  # the registry a spec names, shown before the name

# A reference the client expands (``${VAR}``, ``${env:VAR}``, ``${input:id}``) names a value without
# holding it. ``${VAR:-default}`` does not match: a default can be a literal secret.
_REFERENCE = lazy_compile(r"\$\{(?:env:|input:|config:)?[A-Za-z_][\w.-]*\}")
_DISPLAYABLE = lazy_compile(r"[A-Za-z0-9@._/\\:+~-]+")
_DRIVE = lazy_compile(r"[A-Za-z]:[\\/]")
_DIGEST = lazy_compile(r"@sha256:([0-9a-f]{64})$")
# RFC 3986 appendix B: always matches, so no URL makes the inventory fail.
_URL = lazy_compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*:)?(?://(?P<authority>[^/?#]*))?"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?(?:#(?P<fragment>.*))?",
    re.DOTALL,
)

TABLE_COMMAND_WIDTH = 60


def _displayable(token: str, *, image_ref: bool) -> str | None:
    """``token`` as it may be shown (digests shortened), or None if it might carry a secret.

    Shown: package names, paths and (for container runtimes) image references, made only of
    ``A-Z a-z 0-9 @ . _ / \\ + ~ -``, client references like ``${workspaceFolder}``, a drive prefix
    and (image references only) ``:tag``. Never: ``=``, ``://``, whitespace, quotes, or anything
    ``looks_secret`` flags.
    """
    shown = token
    digest = _DIGEST.search(token) if image_ref else None
    if digest:
        token = token[: digest.start()]
        shown = f"{token}@sha256:{digest.group(1)[:12]}..."
    bare = _REFERENCE.sub("VAR", token)
    if _DRIVE.match(bare):
        bare = bare[3:]
    if not bare or bare.startswith("-") or "://" in bare or not _DISPLAYABLE.fullmatch(bare):
        return None
    if ":" in bare and not image_ref:
        return None
    if looks_secret(bare):
        return None
    return shown


def _shown_executable(text: str) -> str | None:
    """The executable as written; a word with spaces (a path such as ``C:\\Program Files\\...``)
    whole when every part of it is safe, else its first part."""
    parts = text.split()
    if len(parts) > 1 and all(not p.startswith("-") and _displayable(p, image_ref=False) for p in parts):
        return " ".join(parts)
    return _displayable(parts[0], image_ref=False) if parts else None


def _with_option(launch: Launch, token: Token, shown: str) -> list[str]:
    """``shown``, after the flag that names it when it is an option's value (``-m mod``, ``-p pkg``)."""
    option = launch.option_naming(token)
    return [option.flag, shown] if option is not None else [shown]


def _shown_package(launch: Launch, fetched: Fetched) -> list[str]:
    """A fetched package as written, else its name (and an exact version) when only the spec
    around them is unsafe (``npm:pkg@1``, ``pkg==1.0``); nothing when the name itself is not."""
    ref = fetched.ref
    image = ref.ecosystem == "docker"
    if launch.after_unknown_flag(fetched.token) and fetched.token.value.route[-1:] != REGISTRY_IDENTIFIER:
        return []  # a registry server.json names its package in a field of its own, never a flag's value
    if ref.ecosystem == "url":
        return [redact_url(fetched.token.text)]  # a remote module deno runs: shown as the inventory shows URLs
    shown = _displayable(fetched.token.text, image_ref=image)
    if shown is None:
        if looks_secret(fetched.token.text):
            return []  # the name alone (lower-cased for an image) could pass where the whole did not
        shown = _displayable(ref.name, image_ref=image)
        if shown is None:
            return []
        version = _displayable(ref.version, image_ref=image) if ref.operator in _EXACT_OPERATORS else None
        if version and not version.startswith("@"):
            shown += ref.operator + version
        prefix = fetched.token.text[:4].lower()
        if prefix in _SPEC_PREFIXES:
            shown = prefix + shown
    return _with_option(launch, fetched.token, shown)


def _first_argument(args: Sequence[Token]) -> str | None:
    """The first plain argument of a program nothing is known about that is safe to show. Every
    option is assumed to take a value (an unknown flag might be ``--token``), so the argument after
    one is never shown."""
    skip_next = options_ended = False
    for token in args:
        text = token.text
        if skip_next:
            skip_next = False
        elif not options_ended and text == "--":
            options_ended = True
        elif not options_ended and text.startswith("-"):
            skip_next = "=" not in text  # --flag=value holds its value; the next argument is its own
        else:
            shown = _displayable(text, image_ref=False)
            if shown is not None:
                return shown
    return None


def _shown_target(launch: Launch) -> list[str]:
    """What the executable runs: the first package it fetches, else the script, module or
    image it is given, else (a program nothing is known about) its first plain argument."""
    if launch.packages:
        return _shown_package(launch, launch.packages[0])
    if not launch.runner:
        first = _first_argument(launch.program_args)
        return [first] if first is not None else []
    program = launch.program
    if program is None or program is launch.tokens[0] or launch.after_unknown_flag(program):
        return []
    shown = _displayable(program.text, image_ref=launch.ecosystem == "docker")
    return _with_option(launch, program, shown) if shown is not None else []


def display_command(server: Server) -> str:
    """The command a server runs, reduced to what is safe to show; ``""`` when it has none.

    The command line is read once, by ``mcpiam.model.launch`` (the reading the rules and the policy
    identity use): shown are the executable as written, the subcommand that selects what it does
    (``docker run``, ``uv tool run``, ``npm exec``; global options before it are never shown) and
    the package, image, module or script it runs, with the flag that names it (``npx -p pkg``,
    ``python -m module``). The runner's other options and the server's own arguments are never
    shown. Nor is a package or script written right after a flag the runner does not know (an
    unknown flag is read as taking no value, but ``--token X`` in a config is likelier a value).
    For a program nothing is known about, its first plain argument is shown, but never one after a
    flag (every flag is assumed to take a value). Whatever is shown passes
    ``_displayable``: no ``=``, ``://``, quotes or token-like text. ``npx -y
    @modelcontextprotocol/server-github`` shows as ``npx @modelcontextprotocol/server-github``;
    ``server --api-key X`` as ``server``; ``cmd /c npx -y pkg`` as ``npx pkg`` (what runs).
    """
    if server.command is None:
        return ""
    launch = read_launch(server)
    if launch is None or not launch.executable or not launch.tokens:
        return ""
    executable = _shown_executable(launch.tokens[0].text)
    if executable is None:
        return REDACTED
    return " ".join([executable, *(word.text for word in launch.subcommand), *_shown_target(launch)])


def redact_url(text: str) -> str:
    """A URL with userinfo, query values and fragment replaced by ``***``; token-like path parts too.

    ``https://user:pw@api.example.com/mcp?api_key=abc&v=2#x`` shows as
    ``https://***@api.example.com/mcp?api_key=***&v=***#***``. Query keys stay (they say which
    credential is passed) unless they look like a token themselves.
    """
    match = _URL.fullmatch(text)
    assert match is not None  # the pattern matches every string
    out = match.group("scheme") or ""
    authority = match.group("authority")
    if authority is not None:
        userinfo, at, host = authority.rpartition("@")
        out += "//" + (REDACTED + "@" if at else "") + (REDACTED if looks_secret(host) else host)
    out += "/".join(REDACTED if looks_secret(segment) else segment for segment in match.group("path").split("/"))
    query = match.group("query")
    if query is not None:
        pairs = []
        for pair in query.split("&"):
            key, eq, value = pair.partition("=")
            if not eq:
                pairs.append(REDACTED if pair else "")
            else:
                pairs.append((REDACTED if looks_secret(key) else key) + "=" + (REDACTED if value else ""))
        out += "?" + "&".join(pairs)
    if match.group("fragment") is not None:
        out += "#" + (REDACTED if match.group("fragment") else "")
    return out


def credential_names(server: Server, name_fields: Sequence[NameField] = ()) -> list[str]:
    """Names of the env variables and headers a server is given (values never), in written order.

    Then the names its catalogue name fields hold (Codex ``bearer_token_env_var``, Goose
    ``env_keys``): there the value *is* the name of the variable that carries the credential.
    """
    names: list[str] = []
    found = [named.name for named in (*server.env, *server.headers)]
    found += _names_in_fields(server, name_fields)
    for written in found:
        name = REDACTED if looks_secret(written) else written
        if name not in names:
            names.append(name)
    return names


def _names_in_fields(server: Server, name_fields: Sequence[NameField]) -> list[str]:
    per_server = [f for f in name_fields if not f.from_root]
    if server.body is None or not per_server:
        return []
    return [
        node.value
        for route, node in walk(server.body, server.route)
        if isinstance(node, Scalar) and isinstance(node.value, str) and node.value.strip()
        and name_field_at(per_server, route, server.route) is not None
    ]


def owner_source(policy: Policy, ownership: Ownership) -> dict[str, object]:
    """Where an owner comes from: ``kind`` (policy or codeowners), the file and line that name it,
    and what the server was matched on (the fields of the owners entry; ``path`` for CODEOWNERS)."""
    if ownership.entry is not None:
        file, line = policy.source, ownership.entry.line
    else:
        file = policy.codeowners_source
        line = ownership.codeowners_rule.line if ownership.codeowners_rule is not None else 0
    return {"kind": ownership.source, "file": file, "line": line or None,
            "matched_by": list(ownership.matched_by)}


def describe_owner_source(source: dict[str, object] | None) -> str:
    """The source as one table or CSV cell: ``policy (package) .mcpiam.yaml:8``; ``""`` without one."""
    if source is None:
        return ""
    where = str(source["file"] or "")
    if where and source["line"]:
        where += f":{source['line']}"
    matched_by = "+".join(source["matched_by"])  # type: ignore[arg-type]
    return " ".join(part for part in (str(source["kind"]), f"({matched_by})", where) if part)


def server_record(config: ConfigFile, server: Server, policy: Policy = Policy()) -> dict[str, object]:
    """One inventory record: the JSON shape shared by ``inventory --format json`` and the JSON report.

    ``owner`` and ``owner_source`` are ``None`` when no owners entry (or, with
    ``owners_from_codeowners``, no CODEOWNERS line) covers the server."""
    url = server.url_text
    ownership = ownership_of(policy, config, server)
    return {
        "client": server.client or config.client,
        "file": config.path,
        "server": server.name,
        "scope": server.scope.value,
        "transport": server.transport.value,
        "command": display_command(server) or None,
        "url": redact_url(url) if url else None,
        "credentials": credential_names(server, config.name_fields),
        "route": format_route(server.route),
        "line": server.name_span.start_line,
        "column": server.name_span.start_column,
        "reference_only": server.reference_only,
        "owner": ownership.owner if ownership is not None else None,
        "owner_source": owner_source(policy, ownership) if ownership is not None else None,
    }


def records(configs: Iterable[ConfigFile], policy: Policy = Policy()) -> list[dict[str, object]]:
    """Inventory records for every server, by file and then position in the file."""
    return [
        server_record(config, server, policy)
        for config in ordered_configs(configs)
        for server in ordered_servers(config.servers)
    ]


@dataclass(frozen=True, slots=True)
class InventoryOptions:
    """How an inventory is rendered: the table's width (None: no limit), OWASP's CSV guard for
    spreadsheets (``csv`` and ``review``), and the AI-BOM's timestamp (None: left out, so the
    same configs give the same BOM)."""

    width: int | None = None
    spreadsheet_safe: bool = False
    bom_timestamp: datetime | None = None


# --- the inventory rows: one per server, with its credentials, owner and scope findings --------

INVENTORY_VERSION = 1
# The rules whose findings say a credential grants more than the server's job: the access review
# and the JSON inventory list them per server.
SCOPE_RULES = ("unscoped-token", "excessive-scope")
SHORT_FINGERPRINT = 12  # hex digits of a credential fingerprint shown in a table cell


NOT_READ = "not read"  # the cell of a usage column when no record of the server's client was read
NONE_RECORDED = "none recorded"  # last used, when the records were read and hold no call


@dataclass(frozen=True, slots=True)
class ServerActivity:
    """What the clients' records say of one inventoried server (``sweep --activity``'s usage view,
    ``mcpiam.activity.usage``). ``read`` is False when no record file of the server's client was
    read (no reader, or none on disk): then nothing is known, which is not "0 calls"."""

    read: bool
    status: str | None = None  # used | dormant (configured, no call in the window); None: not read
    last_used: datetime | None = None
    calls: int = 0  # in the window
    recent_calls: int = 0  # in the 30 days before the window's end (read.RECENT_DAYS)
    tools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InventoryRow:
    """One server of the inventory and what an IAM team asks about it. A new column is a new field
    here and a ``Column`` below; every format reads rows."""

    config: ConfigFile
    server: Server
    ownership: Ownership | None
    credentials: tuple[CredentialUse, ...] = ()
    scope_findings: tuple[Finding, ...] = ()
    activity: ServerActivity | None = None  # None: the inventory read no activity records

    @property
    def entry(self) -> OwnerEntry | None:
        """The owners entry that owns the server (None for a CODEOWNERS owner or none)."""
        return self.ownership.entry if self.ownership is not None else None


@dataclass(frozen=True, slots=True)
class ActivityWindow:
    """The records' window and the clients whose records were read (``inventory --activity``)."""

    window_from: datetime | None
    window_to: datetime
    clients_read: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Inventory:
    """Every server a scan saw, in report order, with the policy its owners come from; ``activity``
    is set when the clients' records were read, and then every row has its ``ServerActivity``."""

    rows: tuple[InventoryRow, ...]
    policy: Policy = Policy()
    tool_version: str = ""
    fingerprint_key_id: str = ""
    activity: ActivityWindow | None = None


def server_activity(usage: Usage, config: ConfigFile, server: Server) -> ServerActivity:
    """What ``usage`` says of one configured server, found by the key the usage view joins on:
    (client, config key). A client whose records were read but hold no call of the server gives
    a dormant server with 0 calls; a client whose records were not read gives ``read=False``."""
    from mcpiam.activity.usage import DORMANT  # only with records read: off the hook's path

    clients = tuple(dict.fromkeys((server.client or config.client, config.client)))
    for client in clients:
        found = usage.server(client, server.name)
        if found is not None:
            return ServerActivity(True, found.status, found.last_seen, found.calls, found.recent_calls, found.tools)
    if any(client in usage.clients_read for client in clients):
        return ServerActivity(True, DORMANT)
    return ServerActivity(False)


def build_inventory(configs: Iterable[ConfigFile], policy: Policy = Policy(), *, credentials: Iterable[Credential] = (),
                    findings: Iterable[Finding] = (), catalogue: Catalogue | None = None,
                    tool_version: str = "", fingerprint_key_id: str = "", usage: Usage | None = None) -> Inventory:
    """The inventory of ``configs``: owners from ``policy``, the literal ``credentials`` the scan
    found (``mcpiam.secrets.detect.Credential``) with the references each server is handed, the
    findings of ``SCOPE_RULES`` at each server and, with ``usage`` (a sweep's usage view), what
    the clients' records say of each server."""
    literals = tuple(credentials)
    scope = [f for f in findings if f.rule_id in SCOPE_RULES]
    if catalogue is None:
        from mcpiam.catalogue import default_catalogue

        catalogue = default_catalogue()
    rows = tuple(
        InventoryRow(config, server, ownership_of(policy, config, server),
                     credentials_of(config, server, literals, catalogue),
                     tuple(ordered_findings(f for f in scope if _finding_of(f, config, server))),
                     server_activity(usage, config, server) if usage is not None else None)
        for config in ordered_configs(configs)
        for server in ordered_servers(config.servers)
    )
    window = None if usage is None else ActivityWindow(usage.window_from, usage.window_to,
                                                       tuple(sorted(usage.clients_read)))
    return Inventory(rows, policy, tool_version, fingerprint_key_id, window)


def _finding_of(finding: Finding, config: ConfigFile, server: Server) -> bool:
    route = finding.location.route
    return (finding.location.path == config.path
            and tuple(route[:len(server.route)]) == tuple(server.route) and finding.server == server.name)


def credential_data(use: CredentialUse) -> dict[str, object]:
    """One credential as the JSON inventory writes it (never a value)."""
    return {"place": use.place, "name": use.name or None, "line": use.line, "column": use.column,
            "source": use.source, "family": use.family, "kind": use.kind or None,
            "variable": use.variable, "fingerprint": use.fingerprint}


def describe_credential(use: CredentialUse, *, fingerprint_length: int | None = None) -> str:
    """One credential in words, for a table, CSV or review cell:
    ``GITHUB_TOKEN (env 7:9) reference GITHUB_PAT``,
    ``--api-key (arg 5:20) literal openai-project-key fp:1a2b3c4d5e6f``."""
    where = f"{use.name} ({use.place} {use.line}:{use.column})" if use.name else f"{use.place} {use.line}:{use.column}"
    if not use.is_literal:
        return f"{where} reference {use.variable or ''}".rstrip()
    fingerprint = (use.fingerprint or "")[:fingerprint_length]
    return f"{where} literal {use.family or use.kind or 'secret'}" + (f" fp:{fingerprint}" if fingerprint else "")


def scope_finding_data(finding: Finding) -> dict[str, object]:
    span = finding.location.span
    return {"rule_id": finding.rule_id, "severity": finding.severity.value, "message": finding.message,
            "line": span.start_line, "column": span.start_column, "fingerprint": finding.fingerprint}


def iso_time(moment: datetime | None) -> str | None:
    """A time as reports write it: ISO 8601 UTC to the second, with Z (``activity.calls.iso``)."""
    if moment is None:
        return None
    from datetime import timezone

    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def activity_record(activity: ServerActivity) -> dict[str, object]:
    """A server's ``activity`` in the JSON inventory: counts are null, not 0, when not read."""
    if not activity.read:
        return {"records_read": False, "status": None, "last_used": None, "calls": None, "calls_30d": None,
                "tools_used": None}
    return {"records_read": True, "status": activity.status, "last_used": iso_time(activity.last_used),
            "calls": activity.calls, "calls_30d": activity.recent_calls, "tools_used": list(activity.tools)}


def last_used_cell(activity: ServerActivity) -> str:
    if not activity.read:
        return NOT_READ
    return iso_time(activity.last_used) or NONE_RECORDED


def recent_calls_cell(activity: ServerActivity) -> str:
    return str(activity.recent_calls) if activity.read else NOT_READ


def tools_used_items(activity: ServerActivity) -> list[str]:
    return list(activity.tools) if activity.read else [NOT_READ]


def inventory_record(row: InventoryRow, policy: Policy) -> dict[str, object]:
    """One server of the JSON inventory: the scan report's server record, its credentials as
    objects, the owners entry's record-keeping fields, the scope findings and, when the clients'
    records were read, its ``activity``."""
    record = server_record(row.config, row.server, policy)
    entry = row.entry
    record.update({
        "credentials": [credential_data(use) for use in row.credentials],
        "purpose": entry.purpose if entry is not None else None,
        "secret_source": entry.secret_source if entry is not None else None,
        "revocation": entry.revocation if entry is not None else None,
        "scope_findings": [scope_finding_data(f) for f in row.scope_findings],
    })
    if row.activity is not None:
        record["activity"] = activity_record(row.activity)
    return record


def inventory_document(inventory: Inventory) -> dict[str, object]:
    """The JSON inventory: ``version`` (``inventory.schema.json`` describes it), the tool, which
    key made the fingerprints (its identifier, never the key) and one record per server."""
    document: dict[str, object] = {"version": INVENTORY_VERSION,
                                   "tool": {"name": "mcpiam", "version": inventory.tool_version}}
    if inventory.fingerprint_key_id:
        document["fingerprint_key_id"] = inventory.fingerprint_key_id
    if inventory.activity is not None:
        from mcpiam.activity.read import RECENT_DAYS

        document["activity"] = {"window": {"from": iso_time(inventory.activity.window_from),
                                           "to": iso_time(inventory.activity.window_to)},
                                "clients_read": list(inventory.activity.clients_read),
                                "recent_days": RECENT_DAYS}
    document["servers"] = [inventory_record(row, inventory.policy) for row in inventory.rows]
    return document


def render_json(inventory: Inventory) -> str:
    return dumps_indented(shown_data(inventory_document(inventory)))


# --- table and CSV columns ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the table and the CSV: its CSV name, its table header, and the cell of a row
    (``table`` True: for the table; credential fingerprints are shortened there)."""

    key: str
    header: str
    cell: Callable[[InventoryRow, Policy, bool], str]
    flexible: bool = False  # long free text: wraps first when the table must narrow


def _command_or_url(row: InventoryRow, policy: Policy, table: bool) -> str:
    url = row.server.url_text
    text = display_command(row.server) or (redact_url(url) if url else "") or (
        "(reference)" if row.server.reference_only else "")
    return _truncate_middle(text, TABLE_COMMAND_WIDTH) if table else text


def _credentials_cell(row: InventoryRow, policy: Policy, table: bool) -> str:
    """One credential a line in the table; ``; `` between them in CSV (a cell a program splits)."""
    length = SHORT_FINGERPRINT if table else None
    return ("\n" if table else "; ").join(describe_credential(use, fingerprint_length=length)
                                          for use in row.credentials)


def _owner_source_cell(row: InventoryRow, policy: Policy, table: bool) -> str:
    return describe_owner_source(owner_source(policy, row.ownership)) if row.ownership is not None else ""


COLUMNS_SPEC: tuple[Column, ...] = (
    Column("client", "CLIENT", lambda row, policy, table: row.server.client or row.config.client),
    Column("file", "FILE", lambda row, policy, table: row.config.path, flexible=True),
    Column("line", "LINE", lambda row, policy, table: str(row.server.name_span.start_line)),
    Column("server", "SERVER", lambda row, policy, table: row.server.name),
    Column("scope", "SCOPE", lambda row, policy, table: row.server.scope.value),
    Column("transport", "TRANSPORT", lambda row, policy, table: row.server.transport.value),
    Column("command_or_url", "COMMAND/URL", _command_or_url, flexible=True),
    Column("credentials", "CREDENTIALS", _credentials_cell, flexible=True),
    Column("owner", "OWNER", lambda row, policy, table: row.ownership.owner if row.ownership else "",
           flexible=True),
    Column("owner_source", "OWNER SOURCE", _owner_source_cell, flexible=True),
)
COLUMNS = tuple(column.key for column in COLUMNS_SPEC)


def _activity_cell(cell: Callable[[ServerActivity], str]) -> Callable[[InventoryRow, Policy, bool], str]:
    return lambda row, policy, table: cell(row.activity) if row.activity is not None else ""


# Added after the others when the clients' records were read (inventory --activity); absent otherwise,
# so an inventory that read no records never shows a count it does not know.
ACTIVITY_COLUMNS: tuple[Column, ...] = (
    Column("last_used", "LAST USED", _activity_cell(last_used_cell)),
    Column("calls_30d", "CALLS (30 D)", _activity_cell(recent_calls_cell)),
    Column("tools_used", "TOOLS USED", lambda row, policy, table: (", " if table else "; ").join(
        tools_used_items(row.activity)) if row.activity is not None else "", flexible=True),
)


def columns_of(inventory: Inventory) -> tuple[Column, ...]:
    """The table's and the CSV's columns: the usage columns only when records were read."""
    return COLUMNS_SPEC + (ACTIVITY_COLUMNS if inventory.activity is not None else ())
MIN_COLUMN_WIDTH = 4
FLEXIBLE_FLOOR = 16  # free-text columns narrow to this before any other column gives way
COLUMN_GAP = "  "


def _truncate_middle(text: str, width: int) -> str:
    """Shorten to ``width`` keeping both ends (the launcher and the package name matter most)."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def _fitted_widths(natural: Sequence[int], width: int | None, flexible: Sequence[bool]) -> list[int]:
    """Column widths that fit ``width`` characters (no limit when None): the widest free-text
    column gives up a character at a time down to ``FLEXIBLE_FLOOR``, then to half of it, then
    the widest of all down to ``MIN_COLUMN_WIDTH``; short columns (client, line, scope) keep
    their width while they can."""
    widths = list(natural)
    if width is None:
        return widths
    available = width - len(COLUMN_GAP) * (len(widths) - 1)
    for floor in ([min(w, FLEXIBLE_FLOOR) if flex else w for w, flex in zip(natural, flexible)],
                  [min(w, FLEXIBLE_FLOOR // 2) if flex else w for w, flex in zip(natural, flexible)],
                  [min(w, MIN_COLUMN_WIDTH) for w in natural]):
        while sum(widths) > available:
            shrinkable = [i for i, w in enumerate(widths) if w > floor[i]]
            if not shrinkable:
                break
            widest = max(shrinkable, key=lambda i: (widths[i], -i))
            widths[widest] -= 1
    return widths


def _wrapped(cell: str, width: int) -> list[str]:
    """A cell's lines at ``width``: each of its own lines wrapped at spaces, long words cut."""
    lines: list[str] = []
    for line in cell.split("\n"):
        lines += textwrap.wrap(line, width, break_on_hyphens=False) or [""]
    return lines


def table_text(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None,
               flexible: Sequence[bool] = ()) -> str:
    """A plain-text table; with ``width``, wide cells wrap so that no line is longer (cells may
    hold several lines); ``flexible`` marks the columns that narrow first."""
    cells = [list(headers)] + [[cell or "-" for cell in row] for row in rows]
    natural = [max(len(line) for row in cells for line in row[i].split("\n")) for i in range(len(headers))]
    widths = _fitted_widths(natural, width, list(flexible) or [True] * len(headers))
    out: list[str] = []
    for row in cells:
        wrapped = [_wrapped(cell, w) for cell, w in zip(row, widths)]
        for index in range(max(len(lines) for lines in wrapped)):
            parts = [(lines[index] if index < len(lines) else "").ljust(w) for lines, w in zip(wrapped, widths)]
            out.append(COLUMN_GAP.join(parts).rstrip())
    return "\n".join(out)


def render_table(inventory: Inventory, width: int | None = None) -> str:
    """The inventory as a table, each cell through the output gate, fitted to ``width``."""
    if not inventory.rows:
        return "No MCP servers found."
    columns = columns_of(inventory)
    rows = [["\n".join(clean(line) for line in column.cell(row, inventory.policy, True).split("\n"))
             for column in columns] for row in inventory.rows]
    return table_text([column.header for column in columns], rows, width, [column.flexible for column in columns])


# --- CSV: clean for programs, or spreadsheet-safe for people -------------------------------------

# OWASP "CSV Injection": a spreadsheet reads a cell starting with one of these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """OWASP's guard: a cell a spreadsheet would read as a formula gets a leading ``'``."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]], *, spreadsheet: bool = False) -> str:
    """RFC 4180 CSV (CRLF-free: ``\\n`` ends a record) of cells through the output gate; with
    ``spreadsheet``, every cell is quoted and defused as OWASP advises."""
    buffer = io.StringIO()
    minimal = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    # Python's writer (3.11) leaves a field holding a lone CR unquoted when records end in LF; a
    # row with a line break in a cell is written fully quoted, as RFC 4180 requires of that field.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    (quoted if spreadsheet else minimal).writerow(header)
    for row in rows:
        cells = [shown(cell) for cell in row]
        if spreadsheet:
            quoted.writerow([spreadsheet_safe(cell) for cell in cells])
        else:
            (quoted if any("\r" in cell or "\n" in cell for cell in cells) else minimal).writerow(cells)
    return buffer.getvalue().rstrip("\n")


def render_csv(inventory: Inventory, *, spreadsheet: bool = False) -> str:
    columns = columns_of(inventory)
    rows = ([column.cell(row, inventory.policy, False) for column in columns] for row in inventory.rows)
    return csv_text([column.key for column in columns], rows, spreadsheet=spreadsheet)


def render(inventory: Inventory, fmt: InventoryFormat, options: InventoryOptions) -> str:
    """The table, JSON or CSV form (``mcpiam.report.render_inventory`` is the public entry; it
    sends the AI-BOM and the review sheet to their own modules)."""
    if fmt.value == "table":
        return render_table(inventory, options.width)
    if fmt.value == "json":
        return render_json(inventory)
    if fmt.value == "csv":
        return render_csv(inventory, spreadsheet=options.spreadsheet_safe)
    raise ValueError(f"not a format of this module: {fmt.value}")
