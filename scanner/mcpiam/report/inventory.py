"""The server inventory: every MCP server a scan saw, as a table, JSON records or CSV.

An inventory lists *what* runs, *which* credentials it is handed and *who owns* it, never a
credential itself. Commands, arguments and URLs can all carry secrets (``--api-key X``,
``https://user:pw@host``, ``?token=...``, a key pasted into a URL path), so every value passes
through a conservative filter before it is shown: ``display_command`` keeps only the launcher and the package it
starts, as ``mcpiam.model.launch`` reads the command line;
``redact_url`` keeps scheme, host, port, ordinary path segments and query *keys*. Credentials are
listed by name (env variables and headers), never by value. The owner is the answer of
``mcpiam.policy.matching.ownership_of``, the one the ``missing-owner`` rule judges by.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from mcpiam.core.json_text import dumps_indented
from mcpiam.catalogue import NameField, name_field_at
from mcpiam.core.document import Scalar, format_route, walk
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.redact import REDACTED, looks_secret, shown, shown_data
from mcpiam.model.launch import Fetched, Launch, Token, read_launch
from mcpiam.model.servers import ConfigFile, Server
from mcpiam.policy.matching import Ownership, ownership_of
from mcpiam.policy.model import Policy
from mcpiam.report._shared import clean, ordered_configs, ordered_servers

if TYPE_CHECKING:
    from mcpiam.report import InventoryFormat

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
COLUMNS = ("client", "file", "server", "scope", "transport", "command_or_url", "credentials", "owner",
           "owner_source")
_TABLE_HEADERS = ("CLIENT", "FILE", "SERVER", "SCOPE", "TRANSPORT", "COMMAND/URL", "CREDENTIALS", "OWNER",
                  "OWNER SOURCE")
_COMMAND_COLUMN = COLUMNS.index("command_or_url")


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


def _row(record: dict[str, object], *, credentials_separator: str) -> tuple[str, ...]:
    command_or_url = record["command"] or record["url"] or ("(reference)" if record["reference_only"] else "")
    return (
        str(record["client"]),
        str(record["file"]),
        str(record["server"]),
        str(record["scope"]),
        str(record["transport"]),
        str(command_or_url),
        credentials_separator.join(record["credentials"]),  # type: ignore[arg-type]
        str(record["owner"] or ""),
        describe_owner_source(record["owner_source"]),  # type: ignore[arg-type]
    )


def _truncate_middle(text: str, width: int) -> str:
    """Shorten to ``width`` keeping both ends (the launcher and the package name matter most)."""
    if len(text) <= width:
        return text
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def render_table(configs: Sequence[ConfigFile], policy: Policy = Policy()) -> str:
    rows = [_row(r, credentials_separator=", ") for r in records(configs, policy)]
    if not rows:
        return "No MCP servers found."
    cells = [_TABLE_HEADERS] + [
        tuple(clean(_truncate_middle(c, TABLE_COMMAND_WIDTH) if i == _COMMAND_COLUMN else c) or "-"
              for i, c in enumerate(row))
        for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(_TABLE_HEADERS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def _csv_safe(cell: str) -> str:
    """Defuse spreadsheet formulas: a cell from an untrusted file must not start with = + - @."""
    cell = shown(cell)
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def render_csv(configs: Sequence[ConfigFile], policy: Policy = Policy()) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records(configs, policy):
        writer.writerow([_csv_safe(c) for c in _row(record, credentials_separator=",")])
    return buffer.getvalue().rstrip("\n")


def render_json(configs: Sequence[ConfigFile], policy: Policy = Policy()) -> str:
    return dumps_indented(shown_data(records(configs, policy)))


def render(configs: Sequence[ConfigFile], fmt: InventoryFormat, policy: Policy = Policy()) -> str:
    """Dispatch on the inventory format (``mcpiam.report.render_inventory`` is the public entry)."""
    renderers = {"table": render_table, "json": render_json, "csv": render_csv}
    return renderers[fmt.value](configs, policy)
