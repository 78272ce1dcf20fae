"""TOML into located nodes: positions from tree-sitter-toml, values from tomli.

tree-sitter gives every key segment and value its place; the tree is built the way TOML defines
tables (``[a.b]`` headers, dotted keys, inline tables, ``[[arrays]]`` of tables). When tomli
accepts the file, its values are laid over that tree, so types and escapes are exactly tomli's
(dates and times keep their text). When it does not, the ERROR says where, and the values are
decoded from the tree-sitter tree as well as they can be.
"""

from __future__ import annotations

import datetime
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass, field
from typing import TYPE_CHECKING, Union

import tomli

from mcpiam.core.document import (
    Comment, Document, Entry, Mapping, Node, Problem, ProblemLevel, Scalar, Sequence, Span,
)
from mcpiam.parse import treesitter
from mcpiam.parse.common import MAX_DEPTH, MAX_NODES, Budget, point, safe_message
from mcpiam.parse.json_parser import looks_like_json, parse_embedded
from mcpiam.parse.positions import FixedLocator, Locator, MappedLocator, TextIndex
from mcpiam.parse.strings import TOML_MULTILINE_RULES, TOML_RULES, Decoded, decode, identity

if TYPE_CHECKING:
    from tree_sitter import Node as TSNode

_KEY_TYPES = frozenset({"bare_key", "quoted_key", "dotted_key"})
_TIME_TYPES = frozenset({"offset_date_time", "local_date_time", "local_date", "local_time"})

_COMMENT_START = lazy_compile(rb"#")
_DECIMAL = lazy_compile(r"[+-]?(?:0|[1-9](?:_?[0-9]){0,30})")


@dataclass(slots=True)
class _Table:
    """A table while the file is read: headers and dotted keys can add to it later."""

    span: Span
    entries: list[tuple[str, Span, "_Value"]] = field(default_factory=list)
    latest: dict[str, "_Value"] = field(default_factory=dict)  # key -> its last value, for lookups

    def add(self, key: str, key_span: Span, value: "_Value") -> None:
        self.entries.append((key, key_span, value))
        self.latest[key] = value


@dataclass(slots=True)
class _TableArray:
    span: Span
    tables: list[_Table] = field(default_factory=list)


_Value = Union[_Table, _TableArray, Node]


def _join(first: Span, last: Span) -> Span:
    """From the start of ``first`` to the end of ``last``."""
    return Span(first.start_line, first.start_column, last.end_line, last.end_column)


def _freeze(value: _Value) -> Node:
    if isinstance(value, _Table):
        entries = [Entry(key, span, _freeze(item)) for key, span, item in value.entries]
        return Mapping(tuple(entries), value.span)
    if isinstance(value, _TableArray):
        return Sequence(tuple([_freeze(table) for table in value.tables]), value.span)
    return value


@dataclass(slots=True)
class _Builder:
    """Reads one tree-sitter tree into tables (per call)."""

    index: TextIndex
    budget: Budget

    def span(self, node: "TSNode") -> Span:
        return self.index.point_span(node)

    def key_segments(self, node: "TSNode", depth: int) -> list[tuple[str, Span]] | None:
        """The parts of a (dotted) key, or None when they would nest deeper than MAX_DEPTH."""
        segments: list[tuple[str, Span]] = []
        stack = [node]
        while stack:  # dotted keys nest to the left: a.b.c is ((a.b).c)
            current = stack.pop()
            if current.type == "dotted_key":
                stack.extend(reversed([child for child in current.children if child.type in _KEY_TYPES]))
                continue
            raw = self.index.node_text(current)
            if current.type == "quoted_key" and len(raw) >= 2:
                text = decode(raw[1:-1], TOML_RULES).text if raw[0] == '"' else raw[1:-1]
            else:
                text = raw
            segments.append((text, self.span(current)))
            if depth + len(segments) > MAX_DEPTH:
                self.budget.too_deep(self.span(node))
                return None
        return segments

    def descend(self, table: _Table, key: str, key_span: Span, implicit_span: Span) -> _Table:
        """The sub-table ``key`` of ``table`` (the last one of an array of tables), made if absent."""
        existing = table.latest.get(key)
        if isinstance(existing, _Table):
            return existing
        if isinstance(existing, _TableArray) and existing.tables:
            return existing.tables[-1]
        created = _Table(implicit_span)
        table.add(key, key_span, created)
        return created

    def header(self, root: _Table, node: "TSNode") -> _Table | None:
        key_node = closing = last_pair = None
        for child in node.children:
            kind = child.type
            if kind in _KEY_TYPES and key_node is None:
                key_node = child
            elif kind in ("]", "]]") and closing is None:
                closing = child
            elif kind == "pair":
                last_pair = child
        if key_node is None:
            return None
        closing = closing or key_node
        segments = self.key_segments(key_node, 1)
        if not segments:
            return None
        start = self.span(node)
        header_span = _join(start, self.span(closing))
        current = root
        for key, key_span in segments[:-1]:
            current = self.descend(current, key, key_span, header_span)
        key, key_span = segments[-1]
        body_span = _join(start, self.span(last_pair or closing))
        if node.type == "table_array_element":
            existing = current.latest.get(key)
            table = _Table(body_span)
            if isinstance(existing, _TableArray):
                existing.tables.append(table)
                existing.span = _join(existing.span, body_span)
            else:
                current.add(key, key_span, _TableArray(body_span, [table]))
            return table
        existing = current.latest.get(key)
        if isinstance(existing, _Table):
            existing.span = body_span  # an implicit table now defined explicitly
            return existing
        table = _Table(body_span)
        current.add(key, key_span, table)
        return table

    def pair(self, table: _Table, node: "TSNode", depth: int) -> None:
        key_node = value_node = None
        seen_equals = False
        for child in node.children:
            kind = child.type
            if kind == "=":
                seen_equals = True
            elif not seen_equals:
                if kind in _KEY_TYPES and key_node is None:
                    key_node = child
            elif child.is_named and kind != "comment" and not child.is_missing:
                value_node = child
                break
        if key_node is None or value_node is None:
            return
        segments = self.key_segments(key_node, depth)
        if not segments:
            return
        value = self.value(value_node, depth + len(segments) - 1)
        if value is None:
            return
        current = table
        if len(segments) > 1:
            pair_span = self.span(node)
            for key, key_span in segments[:-1]:
                current = self.descend(current, key, key_span, pair_span)
        key, key_span = segments[-1]
        current.add(key, key_span, value)

    def fill(self, table: _Table, node: "TSNode", depth: int) -> None:
        """Add the pairs under ``node`` (a table body, an inline table, or ERROR) to ``table``."""
        stack = list(reversed(node.children))
        while stack and not self.budget.exhausted:
            child = stack.pop()
            if child.type == "pair":
                self.pair(table, child, depth)
            elif child.is_error:
                stack.extend(reversed(child.children))

    def value(self, node: "TSNode", depth: int) -> Node | None:
        if depth > MAX_DEPTH:
            self.budget.too_deep(self.span(node))
            return None
        if not self.budget.take():
            return None
        kind = node.type
        span = self.span(node)
        if kind == "inline_table":
            table = _Table(span)
            self.fill(table, node, depth + 1)
            return _freeze(table)
        if kind == "array":
            items = []
            for child in node.children:
                if child.is_named and child.type != "comment" and not child.is_missing and not child.is_error:
                    item = self.value(child, depth + 1)
                    if item is not None:
                        items.append(item)
            return Sequence(tuple(items), span)
        raw = self.index.node_text(node)
        if kind == "string":
            value = _decode_string(raw, 0, with_offsets=False).text
            embedded = None
            source: Locator | None = None
            wants_json = looks_like_json(value)
            verbatim = len(raw) == len(value) + 2  # one-line, quoted, no escape
            if wants_json or not verbatim:
                located = _decode_string(raw, self.index.char_offset(node.start_byte), with_offsets=True)
                if located.offsets is not None and located.text == value:
                    source = MappedLocator(self.index, located.offsets)
                if wants_json:
                    embedded = self.embedded(located, value, span, depth)
            return Scalar(value, span, embedded, None if verbatim else source)
        return Scalar(_scalar(kind, raw), span)

    def embedded(self, located: Decoded, value: str, span: Span, depth: int) -> Node | None:
        if located.offsets is not None and located.text == value:
            locator: Locator = MappedLocator(self.index, located.offsets)
        else:
            locator = FixedLocator(span)
        return parse_embedded(value, locator, 1, self.budget, depth)

    def document(self, root_node: "TSNode") -> Mapping:
        root = _Table(self.index.span(0, len(self.index.text)))
        current = root
        stack = list(reversed(root_node.children))
        while stack and not self.budget.exhausted:
            child = stack.pop()
            if child.type == "pair":
                self.pair(current, child, 1)
            elif child.type in ("table", "table_array_element"):
                table = self.header(root, child)
                if table is not None:
                    self.fill(table, child, 1)
            elif child.is_error:
                stack.extend(reversed(child.children))
        return _freeze(root)  # type: ignore[return-value]


def _decode_string(raw: str, start: int, with_offsets: bool) -> Decoded:
    """A TOML string token (quotes included) decoded, with each character's source offset."""
    for delimiter in ('"""', "'''"):
        if raw.startswith(delimiter) and len(raw) >= 6 and raw.endswith(delimiter):
            body, base = raw[3:-3], start + 3
            for newline in ("\r\n", "\n"):  # a break right after the opening quotes is dropped
                if body.startswith(newline):
                    body, base = body[len(newline):], base + len(newline)
                    break
            if delimiter == "'''":
                return _literal(body, base, with_offsets)
            return decode(body, TOML_MULTILINE_RULES, base, with_offsets)
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return _literal(raw[1:-1], start + 1, with_offsets)
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return decode(raw[1:-1], TOML_RULES, start + 1, with_offsets)
    return _literal(raw, start, with_offsets)


def _literal(body: str, base: int, with_offsets: bool) -> Decoded:
    return identity(body, base) if with_offsets else Decoded(body, None, True)


def _scalar(kind: str, raw: str) -> str | int | float | bool | None:
    if kind == "boolean":
        return raw == "true"
    if kind in _TIME_TYPES:
        return raw
    if _DECIMAL.fullmatch(raw):
        return int(raw.replace("_", ""))
    try:
        return tomli.loads("v = " + raw)["v"]
    except (tomli.TOMLDecodeError, RecursionError):
        return raw


@dataclass(slots=True)
class _Graft:
    """Lays tomli's values over the located tree; nodes tomli has but the tree lacks take the
    nearest enclosing span."""

    budget: int = MAX_NODES

    def node(self, value: object, located: Node | None, fallback: Span, depth: int = 0) -> Node | None:
        self.budget -= 1
        if self.budget < 0 or depth > MAX_DEPTH:
            return None
        span = located.span if located is not None else fallback
        if isinstance(value, dict):
            entries = []
            by_key = {entry.key: entry for entry in located.entries} if isinstance(located, Mapping) else {}
            unchanged = isinstance(located, Mapping) and len(by_key) == len(located.entries) == len(value)
            for key, item in value.items():
                entry = by_key.get(key)
                child = self.node(item, entry.value if entry else None, span, depth + 1)
                if child is not None:
                    entries.append(Entry(key, entry.key_span if entry else span, child))
                unchanged = unchanged and entry is not None and child is entry.value
            if unchanged:  # the common case: reuse the located tree as it is
                return located
            return Mapping(tuple(entries), span)
        if isinstance(value, list):
            items = []
            matches = located.items if isinstance(located, Sequence) else ()
            for position, item in enumerate(value):
                match = matches[position] if position < len(matches) else None
                child = self.node(item, match, span, depth + 1)
                if child is not None:
                    items.append(child)
            if len(items) == len(matches) and all(child is match for child, match in zip(items, matches)):
                return located
            return Sequence(tuple(items), span)
        if isinstance(value, (datetime.date, datetime.time)):
            if isinstance(located, Scalar) and isinstance(located.value, str):
                return located
            return Scalar(value.isoformat(), span)
        if isinstance(located, Scalar) and type(located.value) is type(value):
            if located.value == value or (value != value and located.value != located.value):
                return located  # the same value (nan is the one value unequal to itself)
        if isinstance(value, (str, int, float, bool)):
            return Scalar(value, span)
        return Scalar(str(value), span)


def parse_toml(text: str) -> Document:
    """Parse a TOML document; its root is always a mapping, even when the file is broken."""
    index = TextIndex.of(text)
    problems: list[Problem] = []
    budget = Budget()
    values: dict[str, object] | None = None
    try:
        values = tomli.loads(text)
    except tomli.TOMLDecodeError as error:
        position = getattr(error, "pos", 0) or 0
        message = safe_message(getattr(error, "msg", "") or "invalid TOML")
        problems.append(Problem(ProblemLevel.ERROR, "syntax", message, point(index, position)))
    except RecursionError:
        budget.too_deep(point(index, 0))

    whole_file = index.span(0, len(text))
    try:
        tree = treesitter.parse("toml", index.utf8)
    except treesitter.ParseTimeout:
        problems.append(Problem(
            ProblemLevel.WARNING, "parse-timeout",
            "positions could not be worked out in time; values are placed on the whole file", whole_file,
        ))
        root = _Graft().node(values, None, whole_file) if values is not None else None
        return Document("toml", (root,) if root is not None else (), tuple(problems + budget.problems))
    located = _Builder(index, budget).document(tree.root_node)
    root: Node | None = located
    if values is not None and not budget.exhausted:
        root = _Graft().node(values, located, located.span)
    comments = []
    for node in treesitter.comment_nodes(tree.root_node, index.utf8, _COMMENT_START):
        start, end = index.byte_span(node.start_byte, node.end_byte)
        comments.append(Comment(index.span(start, end), text[start:end].rstrip("\r")))
    problems.extend(budget.problems)
    roots = (root,) if root is not None else ()
    return Document("toml", roots, tuple(problems), tuple(comments))
