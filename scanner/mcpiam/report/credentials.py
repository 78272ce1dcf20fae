"""The credentials a server is handed, as the inventory lists them: never a value.

Each is listed where it sits (an env key, a header, an argument, a URL or a connection string, at
its line and column), as a *reference* the client expands (``${env:GITHUB_TOKEN}``, a
secret-manager URI, a name field such as Codex ``bearer_token_env_var``) or a *literal* written in
the file, with its token family when its shape tells it and, for a literal, the keyed fingerprint
the findings carry. Literals are the detector's (``mcpiam.secrets.detect``); a reference counts as
a credential only when the key, header or flag that holds it, or the variable it names, is a
credential name (``GITHUB_TOKEN``, ``Authorization``), as ``mcpiam.secrets.generic.key_strength``
reads names: ``AWS_REGION``, ``SLACK_TEAM_ID`` and ``GRAFANA_URL`` are settings, not credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.catalogue import Catalogue, name_field_at
from mcpiam.core.document import Scalar, walk
from mcpiam.core.valuetype import dataclass
from mcpiam.model.servers import ConfigFile, Server, Value, substring_span
from mcpiam.secrets.generic import key_strength
from mcpiam.secrets.locate import SECRET_FLAG
from mcpiam.secrets.references import check_references, is_secret_manager_uri

if TYPE_CHECKING:
    from mcpiam.secrets.detect import Credential

REFERENCE = "reference"
LITERAL = "literal"
# URL schemes of database and broker connection strings: a credential in one is a connection
# string's, which an IAM team rotates with the database account, not with an API key.
CONNECTION_SCHEMES = ("postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongodb+srv", "redis",
                      "rediss", "amqp", "amqps", "mssql", "sqlserver", "jdbc", "clickhouse", "snowflake",
                      "libsql", "cockroachdb")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# The part of a server object each place is written under.
_SECTION_PLACES = {"env": "env", "environment": "env", "headers": "header", "args": "arg",
                   "command": "arg", "url": "url", "serverUrl": "url", "httpUrl": "url"}


@dataclass(frozen=True, slots=True)
class CredentialUse:
    """One credential a server is handed, as an inventory row lists it."""

    place: str  # env | header | arg | url | connection-string | field
    name: str  # the env key, header, flag or query parameter that names it; "" when none does
    line: int
    column: int
    source: str  # REFERENCE or LITERAL
    family: str | None = None  # token family id, for a literal whose shape a family knows
    kind: str = ""  # what it is, in words: the family's name, or how a generic literal was found
    variable: str | None = None  # what a reference names: a variable, an input, a secret-manager path
    fingerprint: str | None = None  # a literal's keyed HMAC-SHA256, as the findings carry it

    @property
    def is_literal(self) -> bool:
        return self.source == LITERAL

    def sort_key(self) -> tuple:
        return (self.line, self.column, self.place, self.name, self.source)


def credentials_of(config: ConfigFile, server: Server, literals: Iterable[Credential],
                   catalogue: Catalogue) -> tuple[CredentialUse, ...]:
    """Every credential ``server`` is handed: its literals (of ``literals``, the detector's
    ``Credential`` objects of the whole scan) and its references, by position."""
    found = [_literal_use(server, credential) for credential in literals if _belongs_to(credential, config, server)]
    found += _references(config, server, catalogue)
    return tuple(sorted(found, key=CredentialUse.sort_key))


def _belongs_to(credential: Credential, config: ConfigFile, server: Server) -> bool:
    owner = credential.server
    return owner is not None and credential.config.path == config.path and owner.route == server.route


def _section_place(server: Server, route: tuple) -> str:
    section = route[len(server.route)] if len(route) > len(server.route) else None
    return _SECTION_PLACES.get(section, "field") if isinstance(section, str) else "field"


def _connection_string(text: str) -> bool:
    match = _SCHEME.match(text)
    return match is not None and match.group(1).lower() in CONNECTION_SCHEMES and "//" in text


def _literal_use(server: Server, credential: Credential) -> CredentialUse:
    candidate = credential.candidate
    text = candidate.value.text or ""
    place = _section_place(server, candidate.value.route)
    if _connection_string(text):
        place = "connection-string"
    elif candidate.place in ("url-password", "url-query") or place == "url":
        place = "url"
    family = credential.family
    # A positional argument's context is its section's key ("args"), which names nothing.
    name = "" if candidate.context in _SECTION_PLACES else candidate.context or ""
    return CredentialUse(
        place=place, name=name, line=credential.span.start_line,
        column=credential.span.start_column, source=LITERAL, family=family.id if family else None,
        kind=credential.label, fingerprint=credential.fingerprint)


def _named_values(server: Server) -> Iterator[tuple[str, Value, str]]:
    """(name, value, place) of every string a server hands over: env, headers, arguments (named by
    the flag before them), its URL."""
    for named in server.env:
        yield named.name, named.value, "env"
    for named in server.headers:
        yield named.name, named.value, "header"
    previous = ""
    for value in server.args:
        text = value.text or ""
        flag, eq, _ = text.partition("=")
        yield (flag if eq and flag.startswith("-") else previous), value, "arg"
        previous = text if text.startswith("-") and not eq else ""
    if server.url is not None:
        yield "", server.url, "url"


def _is_credential_name(name: str) -> bool:
    name = name.strip()
    if not name:
        return False
    if name.startswith("-"):
        return SECRET_FLAG.match(name) is not None
    return key_strength(name, False) != ""


_DEFAULT_PART = re.compile(r":[-?=+]")  # ${VAR:-default}, ${VAR:?message}: the name comes before it
_NAME_FIRST = ("localEnv", "containerEnv")  # ${localEnv:VAR:default}: the name is the second part


def variable_of(reference: str) -> str:
    """The name a reference gives: ``${env:GITHUB_TOKEN}``, ``${GITHUB_TOKEN:-x}`` and
    ``${localEnv:GITHUB_TOKEN:x}`` all give ``GITHUB_TOKEN``; ``${input:pat}`` gives ``pat``."""
    inner = _DEFAULT_PART.split(reference.strip("${}%() \t"), maxsplit=1)[0]
    parts = inner.split(":")
    part = parts[1] if len(parts) > 2 and parts[0] in _NAME_FIRST else parts[-1]
    names = _IDENTIFIER.findall(part)
    return names[-1] if names else inner


def _references(config: ConfigFile, server: Server, catalogue: Catalogue) -> list[CredentialUse]:
    found: list[CredentialUse] = []
    syntaxes = {syntax.id: syntax for syntax in catalogue.references}
    for name, value, place in _named_values(server):
        text = value.text
        if not text:
            continue
        if _connection_string(text):
            place = "connection-string"
        if is_secret_manager_uri(text):
            if place != "arg" or name:
                span = value.span
                found.append(CredentialUse(place, name, span.start_line, span.start_column, REFERENCE,
                                           kind="secret-manager reference", variable=text.strip()))
            continue
        check = check_references(text, config.expands, catalogue)
        for syntax_id in check.expanded:
            syntax = syntaxes.get(syntax_id)
            if syntax is None:
                continue
            for match in syntax.pattern.finditer(text):
                variable = variable_of(match.group(0))
                if not (_is_credential_name(name) or _is_credential_name(variable)):
                    continue
                span = substring_span(value, match.start(), len(match.group(0)))
                found.append(CredentialUse(place, name, span.start_line, span.start_column, REFERENCE,
                                           kind=syntax.description, variable=variable))
    found += _name_field_references(config, server)
    return _without_repeats(found)


def _name_field_references(config: ConfigFile, server: Server) -> list[CredentialUse]:
    """Catalogue name fields (Codex ``bearer_token_env_var``, Goose ``env_keys``): the value *is*
    the name of the variable that carries the credential."""
    fields = [f for f in config.name_fields if not f.from_root]
    if server.body is None or not fields:
        return []
    return [
        CredentialUse("env", str(route[-1]) if isinstance(route[-1], str) else "", node.span.start_line,
                      node.span.start_column, REFERENCE, kind="variable named by the config",
                      variable=node.value.strip())
        for route, node in walk(server.body, server.route)
        if isinstance(node, Scalar) and isinstance(node.value, str) and node.value.strip()
        and name_field_at(fields, route, server.route) is not None
    ]


def _without_repeats(found: Sequence[CredentialUse]) -> list[CredentialUse]:
    """One entry per position: two syntaxes may read the same reference (``$A`` inside ``${A}``)."""
    kept: dict[tuple[int, int], CredentialUse] = {}
    for use in found:
        kept.setdefault((use.line, use.column), use)
    return list(kept.values())
