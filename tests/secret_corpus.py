"""A generated repository of MCP configs with one planted secret per token family in every place.

Built at test time (no token is ever committed): every family's first example is expanded with
``expand_example_with_span`` and written into each place a credential hides in an MCP config
(env values, headers, arguments, URLs, connection strings, JSON inside a string, ``${VAR:-default}``
defaults, OAuth client secrets, registry and MCPB manifest defaults, dotenv files) in every format
that place appears in. The generator, not the scanner, computes where each secret lands: a value
is written with invisible markers around the secret, and the markers are taken out of the final
text while their line and column are recorded. Decoys (references, secret-manager URIs,
placeholders) are located the same way. Used by ``tests/test_secret_corpus.py``,
``tests/test_secret_decoys.py`` and ``bench/secrets_vs_detect_secrets.py``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mcpiam.secrets.families import TokenFamily, expand_example_with_span, load_families

# Private-use characters never occur in a secret or a config; they bracket what must be located.
_OPEN, _SEP, _CLOSE = "\ue000", "\ue001", "\ue002"
_MARK = re.compile(f"{_OPEN}(\\d+){_SEP}|{_CLOSE}")


@dataclass(frozen=True, slots=True)
class Position:
    path: str  # POSIX, relative to the corpus root
    line: int  # 1-based
    column: int  # 1-based, in code points
    end_line: int
    end_column: int  # exclusive


@dataclass(frozen=True, slots=True)
class Plant:
    """One planted secret: which family, in which place and format, and where it is."""

    family_id: str
    place: str
    file_format: str
    position: Position
    secret: str = field(repr=False, compare=False)  # never printed: describe() leaves it out

    def describe(self) -> str:  # never the secret
        p = self.position
        return f"{self.family_id} in {self.place} ({self.file_format}) at {p.path}:{p.line}:{p.column}"


@dataclass(frozen=True, slots=True)
class Decoy:
    """A value that must never be reported: a reference, secret-manager URI or placeholder."""

    kind: str
    text: str  # safe to print: decoys are references and documentation values
    file_format: str
    position: Position

    def describe(self) -> str:
        p = self.position
        return f"decoy {self.kind} {self.text!r} at {p.path}:{p.line}:{p.column}"


@dataclass(frozen=True, slots=True)
class Corpus:
    root: Path
    plants: tuple[Plant, ...]
    decoys: tuple[Decoy, ...]
    files: tuple[str, ...]


# --- what gets planted ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Specimen:
    """A family's example: the text written into a config and the secret's span inside it."""

    family_id: str
    template: str = field(repr=False)
    text: str = field(repr=False)
    start: int
    end: int
    key: str  # the name it is written under (context-keyword families need theirs)
    contextual: bool

    def variant(self, salt: str) -> "Specimen":
        """Another token of the same family and shape (every plant gets its own)."""
        text, (start, end) = expand_example_with_span(self.template, salt)
        return Specimen(self.family_id, self.template, text, start, end, self.key, self.contextual)

    @property
    def bare(self) -> bool:
        """The whole text is the secret (a token), not a structure holding it (a connection string)."""
        return self.start == 0 and self.end == len(self.text)

    @property
    def secret(self) -> str:
        return self.text[self.start:self.end]


def specimens(families: Sequence[TokenFamily] | None = None) -> list[Specimen]:
    """One specimen per family: its first example that is a bare token, else its first example."""
    out = []
    for family in families if families is not None else load_families():
        examples = family.examples.positive
        bare = [e for e in examples if "{<}" not in e.template]
        example = (bare or list(examples))[0]
        keyed = next((e.key for e in examples if e.key), None)
        text, (start, end) = expand_example_with_span(example.template)
        # A variable name must not start with a digit ("1password" -> "X_1PASSWORD_API_KEY").
        key = example.key or keyed or re.sub(
            r"^(?=\d)", "X_", f"{re.sub(r'[^A-Za-z0-9]+', '_', family.provider).upper()}_API_KEY")
        out.append(Specimen(family.id, example.template, text, start, end, key,
                            bool(family.context_keywords)))
    return out


class Marks:
    """Hands out distinct tokens and markers, and remembers what each marker stands for."""

    def __init__(self) -> None:
        self.items: list[tuple[str, object]] = []  # ("plant", (specimen, place)) | ("decoy", (kind, text))
        self._draws = 0

    def draw(self, specimen: Specimen,
             acceptable: Callable[[Specimen], bool] | None = None) -> Specimen | None:
        """A fresh token of the specimen's family that the place can hold (None: none found)."""
        for _ in range(32):
            self._draws += 1
            variant = specimen.variant(f"corpus-{self._draws}")
            if acceptable is None or acceptable(variant):
                return variant
        return None

    def secret(self, specimen: Specimen, place: str) -> str:
        """The specimen's text with its secret bracketed by markers."""
        index = len(self.items)
        self.items.append(("plant", (specimen, place)))
        s = specimen
        return f"{s.text[:s.start]}{_OPEN}{index}{_SEP}{s.secret}{_CLOSE}{s.text[s.end:]}"

    def plant(self, specimen: Specimen, place: str,
              acceptable: Callable[[Specimen], bool] | None = None) -> str | None:
        """A fresh token of the family, marked, or None when the place cannot hold one."""
        variant = self.draw(specimen, acceptable)
        return self.secret(variant, place) if variant is not None else None

    def decoy(self, kind: str, text: str) -> str:
        index = len(self.items)
        self.items.append(("decoy", (kind, text)))
        return f"{_OPEN}{index}{_SEP}{text}{_CLOSE}"


def resolve_marks(text: str) -> tuple[str, dict[int, tuple[int, int, int, int]]]:
    """Remove the markers; return the clean text and, per marker, (line, column, end line, end column)."""
    out: list[str] = []
    line, column = 1, 1
    open_at: list[tuple[int, int, int]] = []
    found: dict[int, tuple[int, int, int, int]] = {}
    last = 0
    for match in _MARK.finditer(text):
        chunk = text[last:match.start()]
        out.append(chunk)
        newlines = chunk.count("\n")
        if newlines:
            line += newlines
            column = len(chunk) - chunk.rfind("\n")
        else:
            column += len(chunk)
        last = match.end()
        if match.group(1) is not None:
            open_at.append((int(match.group(1)), line, column))
        else:
            index, start_line, start_column = open_at.pop()
            found[index] = (start_line, start_column, line, column)
    out.append(text[last:])
    return "".join(out), found


# --- places ---------------------------------------------------------------------------------------

# A server definition in client-neutral form; each format writer renames fields as its client does.
Server = dict


def _kebab(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def _header_name(specimen: Specimen) -> str:
    return "-".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", specimen.key) if part) \
        if specimen.contextual else "X-API-Key"


URL_USERINFO_UNSAFE = re.compile(r"[/:@?#%\[\]\s]")  # would be percent-encoded in a URL's user info
URL_QUERY_UNSAFE = re.compile(r"[&#%+\s]")  # would be percent-encoded in a query value
DEFAULT_UNSAFE = re.compile(r"[}\n]")  # ends a ${VAR:-default}


@dataclass(frozen=True, slots=True)
class Place:
    """A place a credential hides in, the formats it is written in, and how a specimen goes there."""

    id: str
    formats: tuple[str, ...]
    build: Callable[[Specimen, Marks, str], Server | None]  # None: the specimen cannot go there


SERVER_FORMATS = ("json", "jsonc", "toml", "yaml")


def _env(s: Specimen, m: Marks, place: str) -> Server:
    return {"command": "npx", "args": ["-y", "example-mcp"], "env": {s.key: m.plant(s, place)}}


def _header_bearer(s: Specimen, m: Marks, place: str) -> Server | None:
    if not s.bare:
        return None
    return {"url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Bearer " + m.plant(s, place)}}


def _header_basic(s: Specimen, m: Marks, place: str) -> Server | None:
    if not s.bare:
        return None
    return {"url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Basic " + m.plant(s, place)}}


def _header_basic_encoded(s: Specimen, m: Marks, place: str) -> Server | None:
    """HTTP Basic as clients send it: base64 of "user:token"; the encoded blob is the secret."""
    variant = m.draw(s, lambda v: "\n" not in v.secret) if s.bare else None  # a one-line password
    if variant is None:
        return None
    blob = base64.b64encode(f"mcp-user:{variant.secret}".encode()).decode("ascii")
    encoded = Specimen(s.family_id, s.template, blob, 0, len(blob), s.key, s.contextual)
    return {"url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Basic " + m.secret(encoded, place)}}


def _header_api_key(s: Specimen, m: Marks, place: str) -> Server | None:
    if not s.bare:
        return None
    return {"url": "https://mcp.example.com/mcp", "headers": {_header_name(s): m.plant(s, place)}}


def _flag(s: Specimen) -> str:
    return f"--{_kebab(s.key)}" if s.contextual else "--api-key"


def _arg_equals(s: Specimen, m: Marks, place: str) -> Server:
    return {"command": "npx", "args": ["-y", "example-mcp", f"{_flag(s)}={m.plant(s, place)}"]}


def _arg_separate(s: Specimen, m: Marks, place: str) -> Server:
    return {"command": "npx", "args": ["-y", "example-mcp", _flag(s), m.plant(s, place)]}


def _arg_token(s: Specimen, m: Marks, place: str) -> Server | None:
    if not s.bare:
        return None
    return {"command": "npx", "args": ["-y", "example-mcp", "--token", m.plant(s, place)]}


def _docker_env(s: Specimen, m: Marks, place: str) -> Server:
    return {"command": "docker",
            "args": ["run", "-i", "--rm", "-e", f"{s.key}={m.plant(s, place)}", "ghcr.io/example/mcp"]}


def _mcp_remote_header(s: Specimen, m: Marks, place: str) -> Server | None:
    if not s.bare:
        return None
    return {"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.example.com/sse", "--header",
                                       "Authorization: Bearer " + m.plant(s, place)]}


def _fits_userinfo(v: Specimen) -> bool:
    return not URL_USERINFO_UNSAFE.search(v.secret)


def _url_userinfo(s: Specimen, m: Marks, place: str) -> Server | None:
    secret = m.plant(s, place, _fits_userinfo) if s.bare else None
    return {"url": f"https://mcp-user:{secret}@mcp.example.com/mcp"} if secret else None


def _url_query(s: Specimen, m: Marks, place: str) -> Server | None:
    secret = m.plant(s, place, lambda v: not URL_QUERY_UNSAFE.search(v.secret)) if s.bare else None
    name = s.key.lower() if s.contextual else "api_key"
    return {"url": f"https://mcp.example.com/mcp?{name}={secret}&region=eu"} if secret else None


def _connection_string(s: Specimen, m: Marks, place: str) -> Server | None:
    if s.bare:
        secret = m.plant(s, place, _fits_userinfo)
        if secret is None:
            return None
        value = f"postgresql://app:{secret}@db.internal:5432/app"
    else:
        value = m.plant(s, place)  # the family's own structure (connection string, SAS URL...)
    return {"command": "npx", "args": ["-y", "example-mcp"], "env": {"DATABASE_URL": value}} \
        if s.bare else {"command": "npx", "args": ["-y", "example-mcp"], "env": {s.key: value}}


def _json_in_string(s: Specimen, m: Marks, place: str) -> Server:
    inner = json.dumps({"Authorization-Note": "static", s.key: m.plant(s, place)}, ensure_ascii=False)
    return {"command": "npx", "args": ["-y", "example-mcp"], "env": {"MCP_SETTINGS_JSON": inner}}


def _default(s: Specimen, m: Marks, place: str) -> Server | None:
    secret = m.plant(s, place, lambda v: not DEFAULT_UNSAFE.search(v.text))
    if secret is None:
        return None
    name = re.sub(r"[^A-Za-z0-9_]", "_", s.key)
    return {"command": "npx", "args": ["-y", "example-mcp"],
            "env": {s.key: "${" + name + ":-" + secret + "}"}}


def _oauth(s: Specimen, m: Marks, place: str) -> Server | None:
    if not s.bare:
        return None
    return {"url": "https://mcp.example.com/mcp",
            "oauth": {"clientId": "mcp-example-client", "clientSecret": m.plant(s, place)}}


PLACES: tuple[Place, ...] = (
    Place("env", SERVER_FORMATS, _env),
    Place("header-bearer", SERVER_FORMATS, _header_bearer),
    Place("header-basic", SERVER_FORMATS, _header_basic),
    Place("header-basic-encoded", SERVER_FORMATS, _header_basic_encoded),
    Place("header-api-key", SERVER_FORMATS, _header_api_key),
    Place("arg-flag-equals", SERVER_FORMATS, _arg_equals),
    Place("arg-flag-separate", SERVER_FORMATS, _arg_separate),
    Place("arg-token", SERVER_FORMATS, _arg_token),
    Place("arg-docker-env", SERVER_FORMATS, _docker_env),
    Place("arg-mcp-remote-header", SERVER_FORMATS, _mcp_remote_header),
    Place("url-userinfo", SERVER_FORMATS, _url_userinfo),
    Place("url-query", SERVER_FORMATS, _url_query),
    Place("connection-string", SERVER_FORMATS, _connection_string),
    Place("json-in-string", SERVER_FORMATS, _json_in_string),
    Place("env-default", SERVER_FORMATS + ("json-claude",), _default),
    # Static OAuth client credentials: Cursor "auth", Gemini CLI "oauth" (JSON clients only).
    Place("oauth-client-secret", ("json", "json-gemini"), _oauth),
)


# --- writers ----------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A double-quoted string valid in JSON, YAML and TOML."""
    return json.dumps(text, ensure_ascii=False)


def _yaml(value: object, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_q(key)}:")
                lines.extend(_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{_q(key)}: {_q(item) if isinstance(item, str) else json.dumps(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                inner = _yaml(item, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {_q(item) if isinstance(item, str) else json.dumps(item)}")
    return lines


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, list):
        return "[\n" + "".join(f"  {_toml_value(item)},\n" for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_q(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def write_cursor(servers: dict[str, Server]) -> str:
    """Cursor .cursor/mcp.json: static OAuth as auth {CLIENT_ID, CLIENT_SECRET}."""
    renamed = {}
    for name, server in servers.items():
        server = dict(server)
        oauth = server.pop("oauth", None)
        if oauth is not None:
            server["auth"] = {"CLIENT_ID": oauth["clientId"], "CLIENT_SECRET": oauth["clientSecret"]}
        renamed[name] = server
    return json.dumps({"mcpServers": renamed}, indent=2, ensure_ascii=False) + "\n"


def write_json(servers: dict[str, Server]) -> str:
    return json.dumps({"mcpServers": servers}, indent=2, ensure_ascii=False) + "\n"


def write_vscode(servers: dict[str, Server]) -> str:
    """VS Code .vscode/mcp.json (JSONC): servers plus an inputs list, with comments."""
    body = json.dumps({"inputs": [{"type": "promptString", "id": "api-key", "description": "API key",
                                   "password": True}], "servers": servers}, indent=2, ensure_ascii=False)
    lines = body.split("\n")
    return "// Generated MCP servers (JSONC: comments allowed)\n" + "\n".join(
        line + ("  // planted" if line.rstrip().endswith(",") and _OPEN in line and "//" not in line else "")
        for line in lines) + "\n"


def write_codex(servers: dict[str, Server]) -> str:
    """Codex .codex/config.toml: headers are http_headers; tables per server."""
    out: list[str] = ["# Generated Codex MCP servers", ""]
    for name, server in servers.items():
        out.append(f"[mcp_servers.{_q(name)}]")
        tables = []
        for key, value in server.items():
            key = "http_headers" if key == "headers" else key
            if isinstance(value, dict):
                tables.append((key, value))
            else:
                out.append(f"{key} = {_toml_value(value)}")
        for key, table in tables:
            out.append("")
            out.append(f"[mcp_servers.{_q(name)}.{key}]")
            out.extend(f"{_q(k)} = {_toml_value(v)}" for k, v in table.items())
        out.append("")
    return "\n".join(out)


def write_continue(servers: dict[str, Server]) -> str:
    """Continue .continue/mcpServers/*.yaml: a list of named servers; headers under requestOptions."""
    items = []
    for name, server in servers.items():
        server = dict(server)
        headers = server.pop("headers", None)
        item = {"name": name, **server}
        if headers is not None:
            item["requestOptions"] = {"headers": headers}
        items.append(item)
    return "\n".join(["name: generated", "version: 0.0.1", "schema: v1", "mcpServers:",
                      *_yaml(items, 2)]) + "\n"


SERVER_FILES: dict[str, tuple[str, Callable[[dict[str, Server]], str]]] = {
    "json": (".cursor/mcp.json", write_cursor),
    "jsonc": (".vscode/mcp.json", write_vscode),
    "toml": (".codex/config.toml", write_codex),
    "yaml": (".continue/mcpServers/generated.yaml", write_continue),
    "json-claude": (".mcp.json", write_json),
    "json-gemini": (".gemini/settings.json", write_json),
}


def _registry(specs: Sequence[Specimen], m: Marks) -> str:
    """Registry server.json: package env defaults (isSecret false), named argument values, remote headers."""
    packages = []
    remotes = []
    for s in specs:
        flag = _flag(s)
        packages.append({
            "registryType": "npm", "identifier": f"@example/{s.family_id}", "version": "1.0.0",
            "transport": {"type": "stdio"},
            "environmentVariables": [
                {"name": s.key, "description": "credential", "isSecret": False,
                 "default": m.plant(s, "registry-env-default")}],
            "packageArguments": [
                {"type": "named", "name": flag, "value": m.plant(s, "registry-argument-value")}],
        })
        if s.bare:
            remotes.append({"type": "streamable-http", "url": f"https://{s.family_id}.example.com/mcp",
                            "headers": [{"name": _header_name(s) if s.contextual else "Authorization",
                                         "isSecret": False,
                                         "value": (m.plant(s, "registry-header-value") if s.contextual
                                                   else f"Bearer {m.plant(s, 'registry-header-value')}")}]})
    # {placeholder} templates filled from the server.json's own variables.
    packages.append({
        "registryType": "npm", "identifier": "@example/decoy", "version": "1.0.0",
        "transport": {"type": "stdio"},
        "environmentVariables": [{"name": "API_KEY", "isSecret": True,
                                  "value": m.decoy("registry-placeholder", "{api_key}")}],
        "packageArguments": [{"type": "named", "name": "--token",
                              "value": m.decoy("registry-placeholder", "{token}")}]})
    remotes.append({"type": "streamable-http", "url": "https://mcp.example.com/{tenant}/mcp",
                    "headers": [{"name": "Authorization", "isSecret": True,
                                 "value": m.decoy("registry-placeholder", "Bearer {api_token}")}]})
    document = {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
        "name": "io.example/generated", "description": "generated", "version": "1.0.0",
        "packages": packages, "remotes": remotes,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _mcpb(specs: Sequence[Specimen], m: Marks) -> str:
    """MCPB manifest.json: user_config defaults with sensitive: false."""
    user_config = {}
    for s in specs:
        name = s.key.lower() if s.key.lower() not in user_config else f"{s.key.lower()}_{s.family_id}"
        user_config[name] = {"type": "string", "title": s.family_id, "sensitive": False,
                                      "default": m.plant(s, "mcpb-user-config-default")}
    document = {
        "manifest_version": "0.2", "name": "generated", "version": "1.0.0",
        "description": "generated", "author": {"name": "example"},
        "server": {"type": "node", "entry_point": "server/index.js",
                   "mcp_config": {"command": "node", "args": ["${__dirname}/server/index.js"],
                                  "env": {"API_KEY": m.decoy("mcpb-variable", "${user_config.api_key}")}}},
        "user_config": user_config,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _dotenv_line(key: str, value: str, style: int) -> str:
    if style == 0:
        return f"{key}={value}"
    if style == 1:
        return f'export {key}="{value}"'
    return f"{key}='{value}'"


def _dotenv(specs: Sequence[Specimen], m: Marks, place: str) -> str:
    lines = ["# generated dotenv"]
    for index, s in enumerate(specs):
        secret = m.plant(s, place, lambda v: not re.search("[\n'\"]", v.text))
        if secret is None:
            continue
        name = re.sub(r"[^A-Za-z0-9_]", "_", s.key).upper()
        lines.append(_dotenv_line(f"{name}_{index}", secret, index % 3))
    return "\n".join(lines) + "\n"


ENV_FILE = ".env.mcp"


def _env_file_server() -> dict[str, Server]:
    """A Cursor server that loads ENV_FILE (Cursor and VS Code: envFile)."""
    return {"uses-env-file": {"command": "npx", "args": ["-y", "example-mcp"],
                              "envFile": "${workspaceFolder}/" + ENV_FILE}}


# --- decoys -----------------------------------------------------------------------------------------

# (kind, text, file format): references in the syntax the file's client expands, secret-manager
# URIs, placeholders and documentation values; each is written as an env value, header or arg.
DECOY_VALUES: tuple[tuple[str, str, str], ...] = (
    ("reference", "${env:GITHUB_TOKEN}", "json"),
    ("reference", "Bearer ${env:API_TOKEN}", "json"),
    ("reference", "${input:github_pat}", "jsonc"),
    ("reference", "Bearer ${input:api-key}", "jsonc"),
    ("reference", "${env:OPENAI_API_KEY}", "jsonc"),
    ("reference", "${GITHUB_PERSONAL_ACCESS_TOKEN}", "json-claude"),
    ("reference", "Bearer ${API_TOKEN}", "json-claude"),
    ("reference", "${API_KEY:-}", "json-claude"),
    ("reference", "$GITHUB_TOKEN", "json-gemini"),
    ("reference", "${{ secrets.GITHUB_TOKEN }}", "yaml"),
    ("reference", "Bearer ${{ secrets.LINEAR_API_KEY }}", "yaml"),
    ("secret-manager", "op://Engineering/GitHub/token", "json"),
    ("secret-manager", "op://vault/stripe/credential", "toml"),
    ("secret-manager", "vault://secret/data/mcp#token", "yaml"),
    ("secret-manager", "aws-secretsmanager://prod/mcp/api-key", "jsonc"),
    ("secret-manager", "gcp-secretmanager://projects/p/secrets/mcp/versions/latest", "json"),
    ("secret-manager", "vault:secret/data/mcp/github#token", "toml"),
    ("secret-manager", "aws-secretsmanager:prod/mcp/api-key", "yaml"),
    ("secret-manager", "azure-keyvault:mcp-vault/github-token", "jsonc"),
    ("placeholder", "<YOUR_TOKEN>", "json"),
    ("placeholder", "<your-github-token>", "toml"),
    ("placeholder", "your-api-key-here", "yaml"),
    ("placeholder", "YOUR_API_KEY", "jsonc"),
    ("placeholder", "Bearer <token>", "toml"),
    ("placeholder", "Bearer YOUR_ACCESS_TOKEN", "json"),
    ("placeholder", "xxxxxxxxxxxxxxxxxxxxxxxx", "yaml"),
    ("placeholder", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "toml"),
    ("placeholder", "changeme", "json"),
    ("placeholder", "sk-...", "jsonc"),
    ("placeholder", "sk-proj-...", "toml"),
    ("placeholder", "ghp_...", "yaml"),
    ("placeholder", "ghp_************************************", "json"),
    ("placeholder", "your_stripe_secret_key", "toml"),
    ("placeholder", "[YOUR_API_KEY]", "yaml"),
    ("placeholder", "replace-with-your-token", "json"),
    ("doc-example", "AKIAIOSFODNN7EXAMPLE", "json"),
    ("doc-example", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "toml"),
    ("repeated", "ghp_" + "a" * 36, "jsonc"),
    ("repeated", "sk-proj-" + "0" * 48, "yaml"),
    ("repeated", "xoxb-" + "1" * 12 + "-" + "1" * 12 + "-" + "x" * 24, "json"),
    ("repeated", "glpat-" + "x" * 20, "toml"),
)


def _decoy_servers(fmt: str, m: Marks) -> dict[str, Server]:
    servers: dict[str, Server] = {}
    for index, (kind, text, where) in enumerate(DECOY_VALUES):
        if where != fmt:
            continue
        if text.startswith("Bearer "):
            servers[f"decoy-{index}"] = {"url": "https://mcp.example.com/mcp",
                                         "headers": {"Authorization": m.decoy(kind, text)}}
        else:
            servers[f"decoy-{index}"] = {"command": "npx", "args": ["-y", "example-mcp", "--api-key",
                                                                   m.decoy(kind, text)],
                                         "env": {"API_TOKEN": m.decoy(kind, text)}}
    return servers


def _decoy_files(m: Marks) -> dict[str, tuple[str, str]]:
    """Clients whose reference syntax has no server file above: Copilot custom agents, OpenCode."""
    agent = "\n".join([
        "---", "name: mcp-decoys", "description: references only", "mcp-servers:", "  github:",
        "    type: local", "    command: npx", "    args:",
        "      - " + _q(m.decoy("copilot-secret-name", "$COPILOT_MCP_GITHUB_TOKEN")),
        "    env:",
        "      GITHUB_TOKEN: " + _q(m.decoy("copilot-secret-name", "COPILOT_MCP_GITHUB_TOKEN")),
        "      LINEAR_API_KEY: " + _q(m.decoy("reference", "${{ secrets.COPILOT_MCP_LINEAR_API_KEY }}")),
        "      SENTRY_TOKEN: " + _q(m.decoy("reference", "${COPILOT_MCP_SENTRY_TOKEN}")),
        "---", "Use the GitHub tools.", ""])
    opencode = json.dumps({"$schema": "https://opencode.ai/config.json", "mcp": {
        "github": {"type": "local", "command": ["npx", "-y", "@modelcontextprotocol/server-github"],
                   "environment": {"GITHUB_TOKEN": m.decoy("reference", "{env:GITHUB_TOKEN}")}},
        "remote": {"type": "remote", "url": "https://mcp.example.com/mcp",
                   "headers": {"Authorization": m.decoy("reference", "Bearer {file:~/.secrets/mcp-token}")}},
    }}, indent=2, ensure_ascii=False) + "\n"
    return {".github/agents/mcp.agent.md": ("markdown", agent), "opencode.json": ("jsonc-opencode", opencode)}


# --- the corpus -------------------------------------------------------------------------------------


def build_corpus(root: Path, families: Sequence[TokenFamily] | None = None) -> Corpus:
    """Write the corpus under ``root`` and return where every secret and decoy is."""
    specs = specimens(families)
    marks = Marks()
    texts: dict[str, tuple[str, str]] = {}  # path -> (format label, marked text)
    for fmt, (path, writer) in SERVER_FILES.items():
        servers: dict[str, Server] = {}
        for place in PLACES:
            if fmt not in place.formats:
                continue
            for s in specs:
                server = place.build(s, marks, place.id)
                if server is not None:
                    servers[f"{s.family_id}--{place.id}"] = server
        servers.update(_decoy_servers(fmt, marks))
        if fmt == "json":
            servers.update(_env_file_server())
        if fmt == "toml":
            servers["decoy-codex-env-var-name"] = {
                "url": "https://mcp.example.com/mcp",
                "bearer_token_env_var": marks.decoy("env-var-name", "GITHUB_PERSONAL_ACCESS_TOKEN"),
                "env_vars": [marks.decoy("env-var-name", "LINEAR_API_KEY")]}
        texts[path] = (fmt, writer(servers))
    texts["registry/server.json"] = ("json-registry", _registry(specs, marks))
    texts["bundle/manifest.json"] = ("json-mcpb", _mcpb(specs, marks))
    texts[".continue/.env"] = ("dotenv-continue", _dotenv(specs, marks, "continue-dotenv"))
    texts[".gemini/.env"] = ("dotenv-gemini", _dotenv(specs, marks, "gemini-dotenv"))
    texts[ENV_FILE] = ("dotenv-env-file", _dotenv(specs, marks, "env-file"))
    texts.update(_decoy_files(marks))
    texts[".config/goose/config.yaml"] = ("yaml-goose", "\n".join([
        "extensions:", "  github:", "    type: stdio", "    cmd: npx",
        "    args: [\"-y\", \"@modelcontextprotocol/server-github\"]",
        "    env_keys:", "      - " + marks.decoy("env-var-name", "GITHUB_PERSONAL_ACCESS_TOKEN"),
        "    envs:", "      GITHUB_API_URL: \"https://api.github.com\"", ""]))

    plants: list[Plant] = []
    decoys: list[Decoy] = []
    for path, (fmt, marked) in texts.items():
        clean, located = resolve_marks(marked)
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(clean, encoding="utf-8")
        for index, (l1, c1, l2, c2) in located.items():
            kind, payload = marks.items[index]
            position = Position(path, l1, c1, l2, c2)
            if kind == "plant":
                specimen, place = payload  # type: ignore[misc]
                plants.append(Plant(specimen.family_id, place, fmt, position, specimen.secret))
            else:
                decoy_kind, text = payload  # type: ignore[misc]
                decoys.append(Decoy(decoy_kind, text, fmt, position))
    return Corpus(root, tuple(plants), tuple(decoys), tuple(texts))
