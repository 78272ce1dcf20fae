"""Where a secret hides in a config value: the places to look, each with the key that names it.

Every string in a config file is a candidate, and so are the parts of it that carry a credential:
the token after ``Bearer``, the value of ``--api-key=V`` or of the argument after ``--token``,
``K=V`` pairs (docker ``-e``), ``Header: value`` strings, URL user info and query parameters,
``${VAR:-default}`` defaults, and JSON inside a string (walked by the document itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from scanner.document import Mapping, Node, Route, Scalar, Sequence, Span, walk
from scanner.model import Value

# A flag that takes a credential as its next argument or after "=".
SECRET_FLAG = re.compile(
    r"^--?(?:[a-z0-9]+[-_])*(?:api[-_]?key|apikey|key|token|access[-_]token|auth[-_]token|"
    r"secret|client[-_]secret|password|passwd|pass|pat|bearer|auth|credentials?|private[-_]key)$",
    re.IGNORECASE,
)
AUTH_SCHEME = re.compile(r"^\s*(Bearer|Basic|Token|token|Bot|ApiKey|Api-Key|Key|Digest)\s+(\S.*?)\s*$")
HEADER_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_-]*)\s*:\s*(\S.*?)\s*$")
KEY_VALUE = re.compile(r"^\s*(--?)?([A-Za-z_][A-Za-z0-9_.-]*)=(.+?)\s*$", re.DOTALL)
DEFAULT_EXPR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]+)\}")
URL_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


@dataclass(frozen=True, slots=True)
class SecretCandidate:
    value: Value  # the scalar the candidate sits in
    text: str  # the candidate secret (a substring of the scalar's text, or decoded from it)
    start: int  # offset of ``text`` in the scalar's text; -1 when decoded (no exact offset)
    context: str  # the name that labels it: env var, header, flag, query parameter, key
    place: str  # field | env | header | arg | flag-value | pair | url-password | url-query | default

    @property
    def span(self) -> Span:
        return substring_span(self.value, self.start, len(self.text))


def substring_span(value: Value, start: int, length: int) -> Span:
    """The span of part of a scalar when the source text equals its value, else the whole value.

    Exact when the scalar sits on one line and is written plainly or in simple quotes (its width
    is the text's length, or that plus two); escapes or multi-line forms keep the value's span.
    """
    span = value.span
    text = value.text
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


def _last_key(route: Route) -> str:
    for step in reversed(route):
        if isinstance(step, str):
            return step
    return ""


def split_value(value: Value, text: str, base: int, context: str, place: str,
                depth: int = 0) -> Iterator[SecretCandidate]:
    """The candidate itself and every credential-bearing part inside it."""
    yield SecretCandidate(value, text, base, context, place)
    if depth > 3 or len(text) > 100_000:
        return
    match = AUTH_SCHEME.match(text)
    if match:
        yield SecretCandidate(value, match.group(2), base + match.start(2),
                              f"{context} {match.group(1)}".strip(), place)
    match = HEADER_LINE.match(text)
    if match and not URL_START.match(text):
        yield from split_value(value, match.group(2), base + match.start(2), match.group(1),
                               "header", depth + 1)
    match = KEY_VALUE.match(text)
    if match and not URL_START.match(text):
        yield from split_value(value, match.group(3), base + match.start(3), match.group(2),
                               "pair", depth + 1)
    for default in DEFAULT_EXPR.finditer(text):
        yield SecretCandidate(value, default.group(2), base + default.start(2), default.group(1),
                              "default")
    if URL_START.match(text):
        yield from _url_parts(value, text, base, context)


def _url_parts(value: Value, text: str, base: int, context: str) -> Iterator[SecretCandidate]:
    try:
        parts = urlsplit(text.strip())
        password = parts.password
        query = parts.query
    except ValueError:
        return
    if password:
        raw = text.find(":" + password + "@") if password in text else -1
        start = base + raw + 1 if raw >= 0 else -1
        yield SecretCandidate(value, unquote(password) if raw < 0 else password, start,
                              f"{context} password".strip(), "url-password")
    if query:
        query_start = text.find("?")
        for name, param in parse_qsl(query, keep_blank_values=False):
            located = text.find("=" + param, query_start) if query_start >= 0 else -1
            start = base + located + 1 if located >= 0 else -1
            yield SecretCandidate(value, param, start, name, "url-query")


def _place(route: Route) -> str:
    keys = [step for step in route if isinstance(step, str)]
    lowered = [k.lower() for k in keys]
    for marker, place in (("headers", "header"), ("env", "env"), ("envs", "env"),
                          ("environment", "env"), ("args", "arg")):
        if marker in lowered[:-1] or (place == "arg" and marker in lowered):
            return place
    return "field"


# Keys whose value is labelled by the object holding it rather than by the key itself: by the
# object's ``name`` (Docker catalog config.env[], registry environmentVariables[] / headers[] /
# named arguments: ``{name: X, value: V}``), else by the object's own key (MCPB
# ``user_config.api_key.default``, registry ``variables.token.default``, a JSON Schema
# ``properties.apiKey.default``).
NAMED_ENTRY_VALUES = frozenset({"value", "default", "example"})


def candidates_in(root: Node) -> Iterator[SecretCandidate]:
    """Every candidate in a document tree: all string scalars, split, with argument-flag context."""
    entry_names: dict[Route, str] = {}
    for route, node in walk(root):
        if isinstance(node, Sequence):
            yield from _flag_values(route, node)
            continue
        if isinstance(node, Mapping):
            name = node.get("name")
            if isinstance(name, Scalar) and isinstance(name.value, str) and name.value.strip():
                entry_names[route] = name.value.strip().lstrip("-")
            continue
        if not isinstance(node, Scalar) or not isinstance(node.value, str):
            continue
        value = Value(route, node)
        yield from split_value(value, node.value, 0, _context(route, entry_names), _place(route))


def _context(route: Route, entry_names: dict[Route, str]) -> str:
    """The name labelling the value at ``route`` (``entry_names``: routes of objects with a name)."""
    key = _last_key(route)
    if not route or route[-1] != key or key not in NAMED_ENTRY_VALUES:
        return key
    if route[:-1] in entry_names:
        return entry_names[route[:-1]]
    return route[-2] if len(route) >= 2 and isinstance(route[-2], str) else key


def _flag_values(route: Route, node: Sequence) -> Iterator[SecretCandidate]:
    """Arguments that follow a flag: ``--token V`` labels V with the flag's name."""
    items = node.items
    for index in range(len(items) - 1):
        flag, following = items[index], items[index + 1]
        if not (isinstance(flag, Scalar) and isinstance(flag.value, str)):
            continue
        if not (isinstance(following, Scalar) and isinstance(following.value, str)):
            continue
        name = flag.value.strip()
        if SECRET_FLAG.match(name):
            yield SecretCandidate(Value(route + (index + 1,), following), following.value, 0,
                                  name.lstrip("-"), "flag-value")
