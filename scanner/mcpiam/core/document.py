"""The parsed form of a config file: a tree of located nodes, independent of the source format.

Every node carries the span it occupies in the file (1-based lines, 1-based columns counted in
Unicode code points, end exclusive). Mappings keep the span of each key as well, so a finding can
point at a server's name or at one value.
"""

from __future__ import annotations

from collections.abc import Iterator
from mcpiam.core.valuetype import dataclass, field
from enum import Enum

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # a protocol is for type checkers; at run time a plain base

RouteStep = str | int
Route = tuple[RouteStep, ...]


def last_key(route: Route) -> str:
    """The innermost mapping key on a route (what names the value there), or "" when none."""
    for step in reversed(route):
        if isinstance(step, str):
            return step
    return ""


def format_route(route: Route) -> str:
    """Render a route as a JSON pointer, e.g. ``/mcpServers/github/env/GITHUB_TOKEN``."""
    if not route:
        return ""
    parts = []
    for step in route:
        text = str(step)
        parts.append(text.replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts)


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Where a node sits in its file: 1-based lines and columns, end exclusive."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    @staticmethod
    def point(line: int, column: int) -> "Span":
        return Span(line, column, line, column + 1)


class SpanLocator(Protocol):
    def span(self, start: int, end: int) -> Span:
        """The file span of characters ``start`` (inclusive) to ``end`` (exclusive) of a value."""
        ...


@dataclass(frozen=True, slots=True)
class Scalar:
    """A string, number, boolean or null, with its span."""

    value: str | int | float | bool | None
    span: Span
    # A string value that itself holds JSON (e.g. OPENAPI_MCP_HEADERS) parsed, with spans in the file.
    embedded: "Node | None" = None
    # Where each character of a string sits in the file, set when the value is not written
    # verbatim (escapes, doubled quotes, block scalars, JSON inside a string): a secret inside
    # the value is then located exactly. None: the value's text is its source text.
    source: SpanLocator | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Entry:
    """One key of a mapping: the key as written, where it is, and its value."""

    key: str
    key_span: Span
    value: "Node"


@dataclass(frozen=True, slots=True)
class Mapping:
    """An object (JSON), table (TOML) or mapping (YAML), entries in file order."""

    entries: tuple[Entry, ...]
    span: Span

    def entry(self, key: str) -> Entry | None:
        """The last entry with this key (duplicate keys: the last one wins, as in most parsers)."""
        found = None
        for item in self.entries:
            if item.key == key:
                found = item
        return found

    def get(self, key: str) -> "Node | None":
        item = self.entry(key)
        return item.value if item is not None else None

    def keys(self) -> list[str]:
        return [item.key for item in self.entries]


@dataclass(frozen=True, slots=True)
class Sequence:
    """An array or list, items in file order."""

    items: tuple["Node", ...]
    span: Span


Node = Scalar | Mapping | Sequence


def plain(node: Node | None) -> object:
    """The node as plain Python data (dicts, lists, scalars); embedded JSON is not expanded."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, Mapping):
        return {item.key: plain(item.value) for item in node.entries}
    return [plain(item) for item in node.items]


def lookup(node: Node | None, route: Route) -> Node | None:
    """Follow a route from a node; string steps into a string's embedded JSON descend into it."""
    current = node
    for step in route:
        if isinstance(current, Scalar) and current.embedded is not None:
            current = current.embedded
        if isinstance(current, Mapping) and isinstance(step, str):
            current = current.get(step)
        elif isinstance(current, Sequence) and isinstance(step, int) and 0 <= step < len(current.items):
            current = current.items[step]
        else:
            return None
    return current


def walk(node: Node, route: Route = (), budget: int = 200_000) -> Iterator[tuple[Route, Node]]:
    """Every node under ``node`` with its route, depth first, embedded JSON included.

    The budget bounds the walk so a pathological tree cannot make a scan hang.
    """
    stack: list[tuple[Route, Node]] = [(route, node)]
    seen = 0
    while stack and seen < budget:
        here, current = stack.pop()
        seen += 1
        yield here, current
        if isinstance(current, Mapping):
            for item in reversed(current.entries):
                stack.append((here + (item.key,), item.value))
        elif isinstance(current, Sequence):
            for index in range(len(current.items) - 1, -1, -1):
                stack.append((here + (index,), current.items[index]))
        elif current.embedded is not None:
            stack.append((here, current.embedded))


class ProblemLevel(str, Enum):
    ERROR = "error"  # the file (or part of it) could not be parsed
    WARNING = "warning"  # the file was skipped or read only in part
    INFO = "info"  # something worth knowing that did not stop the scan


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the reader met in a file: a syntax error, a BOM, binary content, a size cap."""

    level: ProblemLevel
    code: str
    message: str
    span: Span = field(default_factory=lambda: Span(1, 1, 1, 1))


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment in the source, kept for inline suppressions."""

    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Label:
    """A name the source gives a node that is not a key (a YAML anchor), kept so that a token
    written there is found and reported at its place like one in a value."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed file: its roots (several for multi-document YAML), comments and problems."""

    format: str  # json | yaml | toml | markdown | dotenv
    roots: tuple[Node, ...]
    problems: tuple[Problem, ...] = ()
    comments: tuple[Comment, ...] = ()
    labels: tuple[Label, ...] = ()
    # The text the spans index (BOM removed), kept so a report can show the line a finding points
    # at; None when the file was not read. Only ever shown through the output gate.
    text: str | None = field(default=None, repr=False, compare=False)

    @property
    def root(self) -> Node | None:
        return self.roots[0] if self.roots else None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level is ProblemLevel.ERROR)
