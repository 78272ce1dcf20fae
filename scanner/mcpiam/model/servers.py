"""The one model every rule reads: config files and the MCP servers they define.

Each value keeps its route (keys and indices from the document root) and its node (which carries
the span), so rules can report a value without knowing where or how it was written.
"""

from __future__ import annotations

from mcpiam.core.valuetype import dataclass, field
from enum import Enum

from mcpiam.catalogue import NameField
from mcpiam.core.document import Document, Mapping, Node, Route, Scalar, Span


class Scope(str, Enum):
    PROJECT = "project"
    USER = "user"
    MANAGED = "managed"
    PLUGIN = "plugin"
    SERVER_MANIFEST = "server-manifest"
    UNKNOWN = "unknown"


class Transport(str, Enum):
    STDIO = "stdio"
    HTTP = "http"
    SSE = "sse"
    WEBSOCKET = "websocket"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Value:
    """A located value: where it sits (route) and what it is (node, with its span)."""

    route: Route
    node: Node

    @property
    def span(self) -> Span:
        return self.node.span

    @property
    def text(self) -> str | None:
        """The value as a string when it is a scalar (numbers and booleans rendered), else None."""
        if isinstance(self.node, Scalar) and self.node.value is not None:
            value = self.node.value
            if isinstance(value, bool):
                return "true" if value else "false"
            return str(value)
        return None


@dataclass(frozen=True, slots=True)
class NamedValue:
    """A value under a name: an env variable, a header, a query parameter."""

    name: str
    name_span: Span
    value: Value


# A server's launch_memo until model.launch.read_launch fills it (a launch is never a string).
NOT_READ = "not read"


@dataclass(frozen=True, slots=True)
class Server:
    """One MCP server defined in a config file, as its client would start or reach it."""

    name: str
    name_span: Span
    route: Route  # route of the server's own object
    client: str  # catalogue client id
    scope: Scope
    transport: Transport
    command: Value | None = None
    args: tuple[Value, ...] = ()
    env: tuple[NamedValue, ...] = ()
    url: Value | None = None
    headers: tuple[NamedValue, ...] = ()
    auth: Value | None = None  # OAuth / auth block as written
    env_file: Value | None = None  # path of a dotenv file loaded into the environment (envFile)
    body: Node | None = None  # the whole server object, for fields the model does not name
    reference_only: bool = False  # e.g. a subagent listing an already-configured server by name
    # What model.launch.read_launch made of this server, kept on first use: three rules read it,
    # and reading it is a third of their time. A memo of a pure function of the fields above, so
    # it takes no part in equality, hashing or repr; NOT_READ until then.
    launch_memo: object = field(default=NOT_READ, init=False, repr=False, compare=False)

    @property
    def command_text(self) -> str | None:
        return self.command.text if self.command else None

    @property
    def url_text(self) -> str | None:
        return self.url.text if self.url else None

    @property
    def arg_texts(self) -> list[str]:
        return [a.text for a in self.args if a.text is not None]


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A config file as read: where it is, which catalogue entry claimed it, and its servers."""

    path: str  # display path (relative to the scan root when under it, POSIX separators)
    absolute_path: str
    client: str
    file_kind: str  # catalogue file id
    scope: Scope
    document: Document
    servers: tuple[Server, ...] = ()
    recognised_by: str = "path"  # path | content | argument | reference (a server's envFile)
    expands: tuple[str, ...] = ()  # reference syntax ids the owning client expands
    doc_fields: tuple[NameField, ...] = ()  # fields documenting a value, never judged (catalogue data)
    # POSIX permission bits (st_mode & 0o7777) when read on a system where they mean something;
    # None on Windows, or when the file was swept as a Windows home.
    mode: int | None = None
    name_fields: tuple[NameField, ...] = ()  # fields holding env-var/secret NAMES (catalogue data)
    shell_fields: tuple[NameField, ...] = ()  # fields holding shell commands (catalogue data)
    # The file's text when the parse could not read all of it (a syntax error, or refused as
    # binary): searched for token families, since the file still holds what the parser missed.
    unread_text: str | None = field(default=None, repr=False, compare=False)
    # In git's index, as discovery's git listing says: a secret written here stays in the history.
    tracked: bool = False

    @property
    def root(self) -> Node | None:
        return self.document.root

    def root_mapping(self) -> Mapping | None:
        root = self.document.root
        return root if isinstance(root, Mapping) else None


@dataclass(frozen=True, slots=True)
class ServerIndex:
    """Which server's entry holds a value: the innermost server whose route prefixes the value's
    route, found with one lookup per prefix length (cheap in a file with thousands of servers)."""

    by_route: dict[Route, Server]

    @classmethod
    def of(cls, config: ConfigFile) -> ServerIndex:
        by_route: dict[Route, Server] = {}
        for server in config.servers:
            by_route.setdefault(server.route, server)
        return cls(by_route)

    def at(self, route: Route) -> Server | None:
        for length in range(len(route), -1, -1):
            server = self.by_route.get(route[:length])
            if server is not None:
                return server
        return None


def substring_span(value: Value, start: int, length: int) -> Span:
    """The span of part of a scalar: exact wherever the parser traced its characters.

    A scalar not written verbatim (escapes, block scalars, JSON inside a string) carries a source
    map from the parser. Otherwise the part is exact when the scalar sits on one line written
    plainly or in simple quotes (its width is the text's length, or that plus two); anything else
    keeps the value's span.
    """
    span = value.span
    text = value.text
    source = value.node.source if isinstance(value.node, Scalar) else None
    if start >= 0 and source is not None and text is not None and start + length <= len(text):
        return source.span(start, start + length)
    if start < 0 or text is None or span.start_line != span.end_line:
        return span
    width = span.end_column - span.start_column
    if width == len(text):
        offset = 0
    elif width == len(text) + 2:
        offset = 1
    else:
        return span
    column = span.start_column + offset + start
    return Span(span.start_line, column, span.start_line, column + length)
