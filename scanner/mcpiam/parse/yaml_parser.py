"""YAML into located nodes, from PyYAML's event stream (libyaml when available).

Composing from events instead of ``compose_all`` keeps the work iterative (no recursion on deep
nesting), lets aliases be counted as they expand (a "billion laughs" file stops at a budget) and
keeps everything read before a syntax error. Decisions:

* An alias is the anchored node itself, so its values carry the anchor's spans.
* Merge keys (``<<``) are resolved as PyYAML's SafeLoader does: merged entries come first, the
  mapping's own keys override them, and of several merged mappings the first listed wins.
* Scalars get SafeLoader's types for null, booleans, integers and floats; every other tag
  (timestamps, binary, custom ``!Tags``) keeps its text. Keys keep their text as written
  (``1: x`` has key ``"1"``, ``? [a, b]`` has key ``"[a, b]"``).
* Comments come from tree-sitter-yaml, which knows a ``#`` inside a quoted or block scalar is text.
"""

from __future__ import annotations

import re
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass, field

import yaml
from yaml.constructor import SafeConstructor
from yaml.error import Mark
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from mcpiam.core.document import (
    Comment, Document, Entry, Label, Mapping, Node, Problem, ProblemLevel, Scalar, Sequence, Span,
)
from mcpiam.parse import treesitter
from mcpiam.parse.common import MAX_ALIAS_EXPANSION, MAX_DEPTH, Budget, point, safe_message
from mcpiam.parse.json_parser import looks_like_json, parse_embedded
from mcpiam.parse.positions import FixedLocator, Locator, MappedLocator, ShiftedLocator, TextIndex
from mcpiam.parse.strings import (
    YAML_DOUBLE_RULES, Decoded, decode, decode_yaml_single, identity, without_lone_surrogates,
)

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml is 25x faster but stricter than PyYAML in places (it rejects "\ud83d" escapes); a file
# it rejects is read again with PyYAML, whose verdict and messages count, unless that is too slow.
_REREAD_LIMIT = 256 * 1024
# YAML forbids these characters; PyYAML would refuse the whole stream. They become U+FFFD (same
# length, so positions hold) after being reported once.
_NON_PRINTABLE = lazy_compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
_OTHER_LINE_BREAKS = lazy_compile("\r(?!\n)|[\x85\u2028\u2029]")
_TAB_INDENT = lazy_compile(r"^[ ]*\t", re.MULTILINE)
_FLOW_BRACKETS = lazy_compile(r"[\[\]{}]")
# libyaml (and PyYAML) slow down quadratically with flow nesting ([[[[...); past this it is refused.
_MAX_FLOW_NESTING = 1000
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_KEY_TEXT = 200
# Syntax errors read past (each costs one more reading of the file), and at most this many
# characters read again in all, so a large file full of errors costs a few readings, not 32;
# the rest of a file that needs more is what the last reading recovered.
_MAX_RECOVERIES = 32
_MAX_RECOVERY_CHARACTERS = 4 * 1024 * 1024
_CONSTRUCTORS = {
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
}

_COMMENT_START = lazy_compile(rb"#")


@dataclass(slots=True)
class _Frame:
    """A collection being read (mutable while its events arrive)."""

    kind: str  # "mapping", "sequence", or "skip" for one nested beyond MAX_DEPTH
    start: Mark
    flow: bool
    anchor: str | None
    items: list[Node] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    merges: list[Node] = field(default_factory=list)
    pending_key: tuple[str, Span, bool] | None = None  # text, span, is a merge key
    last_end: Mark | None = None
    size: int = 1  # nodes this collection expands to
    skipped_levels: int = 0


@dataclass(slots=True)
class _Composer:
    """Builds nodes from events for one parse."""

    text: str
    locator: Locator
    budget: Budget
    # Marks' own (line, column) are ours when the text has no line breaks other than LF and CRLF.
    direct: bool = False
    resolver: Resolver = field(default_factory=Resolver)
    constructor: SafeConstructor = field(default_factory=SafeConstructor)
    stack: list[_Frame] = field(default_factory=list)
    roots: list[Node] = field(default_factory=list)
    anchors: dict[str, tuple[Node | None, int]] = field(default_factory=dict)  # None: still open
    alias_expansion: int = 0
    labels: list[Label] = field(default_factory=list)  # anchor names where they are written
    unread: tuple[int, int] | None = None  # after a syntax error: the text to blank to read on

    def span(self, start: Mark, end: Mark) -> Span:
        # At the end of the stream libyaml reports a line break the text may not have.
        if self.direct and end.index < len(self.text):
            return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
        return self.locator.span(start.index, end.index)

    def label(self, anchor: str, start: Mark, sigil: str = "&") -> None:
        """Keep an anchor's name with its span: ``&name`` is written at the node's start, before
        or after its tag; an alias ``*name`` where it is used."""
        at = self.text.find(sigil + anchor, start.index, start.index + len(anchor) + 1024)
        if at >= 0:
            self.labels.append(Label(anchor, self.locator.span(at + 1, at + 1 + len(anchor))))

    def error(self, code: str, message: str, start: Mark) -> None:
        self.budget.report_once(ProblemLevel.ERROR, code, message, point(self.locator, start.index))

    # Delivering a finished node to whatever is being built around it.
    def deliver(
        self, node: Node, size: int, start: Mark, end: Mark, key_text: str | None, is_merge_key: bool = False
    ) -> None:
        if not self.stack:
            self.roots.append(node)
            return
        frame = self.stack[-1]
        frame.size += size
        frame.last_end = end
        if frame.kind == "sequence":
            frame.items.append(node)
        elif frame.pending_key is None:
            text = key_text if key_text is not None else self.key_text(node, start, end)
            frame.pending_key = (text, self.span(start, end), is_merge_key)
        else:
            text, key_span, merge = frame.pending_key
            frame.pending_key = None
            if merge and isinstance(node, (Mapping, Sequence)):
                frame.merges.append(node)
            else:
                frame.entries.append(Entry(text, key_span, node))

    def key_text(self, node: Node, start: Mark, end: Mark) -> str:
        """A key that is not a plain scalar: an aliased scalar's value, else the text as written.

        The source text, not a rendering of the node: nested collection keys would otherwise grow
        exponentially with each level of quoting.
        """
        if isinstance(node, Scalar):
            if isinstance(node.value, bool):
                return "true" if node.value else "false"
            return "null" if node.value is None else str(node.value)
        return " ".join(self.text[start.index:end.index].split())[:_MAX_KEY_TEXT]

    def scalar(self, event: yaml.ScalarEvent) -> None:
        if self.stack and self.stack[-1].kind == "skip":
            return
        start, end = event.start_mark, event.end_mark
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
        if not self.budget.take():
            return
        span = self.span(start, end)
        value = _construct(self.constructor, tag, without_lone_surrogates(event.value))
        embedded = None
        if isinstance(value, str) and looks_like_json(value):
            embedded = self.embedded(value, event, span)
        node = Scalar(value, span, embedded, self.source(value, event))
        if event.anchor:
            self.anchors[event.anchor] = (node, 1)
            self.label(event.anchor, start)
        self.deliver(node, 1, start, end, event.value, tag == _MERGE_TAG)

    def mapped(self, value: str, event: yaml.ScalarEvent) -> Locator | None:
        """Where each character of a string value sits in the file, when that can be traced."""
        source = _source_map(self.text, event)
        if source is not None and source.offsets is not None and source.text[: len(value)] == value:
            return MappedLocator(self.locator, source.offsets[: len(value) + 1])
        return None

    def source(self, value: object, event: yaml.ScalarEvent) -> Locator | None:
        """A source map for a string not written verbatim (escapes, doubled quotes, a block)."""
        if not isinstance(value, str) or not event.style:
            return None
        start, end = event.start_mark.index, event.end_mark.index
        if event.style in "'\"" and end - start == len(value) + 2 and "\n" not in self.text[start:end]:
            return None  # quoted, one line, no escape: columns follow the text
        return self.mapped(value, event)

    def embedded(self, value: str, event: yaml.ScalarEvent, span: Span) -> Node | None:
        locator = self.mapped(value, event) or FixedLocator(span)
        return parse_embedded(value, locator, 1, self.budget, len(self.stack) + 1)

    def alias(self, event: yaml.AliasEvent) -> None:
        if self.stack and self.stack[-1].kind == "skip":
            return
        start, end = event.start_mark, event.end_mark
        self.label(event.anchor, start, "*")
        anchored = self.anchors.get(event.anchor)
        node: Node
        size = 1
        if anchored is None:
            self.error("syntax", "found undefined alias", start)
            node = Scalar(None, self.span(start, end))
        elif anchored[0] is None:
            self.error("recursive-alias", "an alias refers to the collection that contains it", start)
            node = Scalar(None, self.span(start, end))
        elif self.alias_expansion + anchored[1] > MAX_ALIAS_EXPANSION:
            self.error(
                "alias-bomb",
                f"aliases expand to more than {MAX_ALIAS_EXPANSION} values (a 'billion laughs' pattern); "
                "further aliases were not expanded",
                start,
            )
            node = Scalar(None, self.span(start, end))
        else:
            node, size = anchored
            self.alias_expansion += size
        self.deliver(node, size, start, end, None)

    def open(self, event: yaml.CollectionStartEvent, kind: str) -> None:
        start = event.start_mark
        if self.stack and self.stack[-1].kind == "skip":
            self.stack[-1].skipped_levels += 1
            return
        if len(self.stack) >= MAX_DEPTH:
            self.budget.too_deep(point(self.locator, start.index))
            self.stack.append(_Frame("skip", start, False, None))
            return
        if event.anchor:
            self.anchors[event.anchor] = (None, 0)
            self.label(event.anchor, start)
        self.stack.append(_Frame(kind, start, bool(event.flow_style), event.anchor))

    def close(self, end: Mark) -> None:
        frame = self.stack[-1]
        if frame.kind == "skip":
            if frame.skipped_levels:
                frame.skipped_levels -= 1
                return
            self.stack.pop()
            self.deliver(Scalar(None, self.span(frame.start, end)), 1, frame.start, end, None)
            return
        self.stack.pop()
        if not frame.flow and frame.last_end is not None:
            end = frame.last_end  # a block collection ends with its last value, not at the next token
        span = self.span(frame.start, end)
        node: Node
        if frame.kind == "sequence":
            node = Sequence(tuple(frame.items), span)
        else:
            node = Mapping(tuple(_merged(frame.merges, frame.entries) + frame.entries), span)
        if not self.budget.take():
            return
        if frame.anchor:
            self.anchors[frame.anchor] = (node, frame.size)
        self.deliver(node, frame.size, frame.start, end, None)

    def close_all(self, end: Mark) -> None:
        """After a syntax error: keep the collections read so far."""
        while self.stack:
            frame = self.stack[-1]
            frame.pending_key = None
            frame.skipped_levels = 0
            self.close(end)

    def run(self, events: object) -> None:
        for event in events:  # type: ignore[attr-defined]
            if self.budget.exhausted:
                break
            if isinstance(event, yaml.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, yaml.MappingStartEvent):
                self.open(event, "mapping")
            elif isinstance(event, yaml.SequenceStartEvent):
                self.open(event, "sequence")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                if self.stack:
                    self.close(event.end_mark)
            elif isinstance(event, yaml.DocumentStartEvent):
                self.anchors.clear()  # anchors do not cross documents


def _construct(constructor: SafeConstructor, tag: str, value: str) -> str | int | float | bool | None:
    make = _CONSTRUCTORS.get(tag)
    if make is None:
        return value
    try:
        result = make(constructor, ScalarNode(tag, value))
    except (ValueError, TypeError, yaml.YAMLError):  # e.g. `!!int abc`, or too many digits
        return value
    return result if isinstance(result, (bool, int, float)) or result is None else value




def _merged(merges: list[Node], own: list[Entry]) -> list[Entry]:
    """Entries merged in by ``<<`` keys that the mapping's own keys do not override, as SafeLoader."""
    if not merges:
        return []
    sources: list[Entry] = []
    for value in merges:
        if isinstance(value, Mapping):
            sources.extend(value.entries)
        elif isinstance(value, Sequence):
            for mapping in reversed(value.items):
                if isinstance(mapping, Mapping):
                    sources.extend(mapping.entries)
    seen = {entry.key for entry in own}
    kept: list[Entry] = []
    for entry in reversed(sources):
        if entry.key not in seen:
            seen.add(entry.key)
            kept.append(entry)
    return kept[::-1]


def _literal_block_map(text: str, start: int, end: int) -> Decoded | None:
    """Line-by-line source map of a ``|`` block scalar: each line minus the block's indentation."""
    header_end = text.find("\n", start, end)
    if header_end < 0:
        return None
    lines: list[tuple[int, int]] = []  # (start, end) of each content line in the text
    position = header_end + 1
    while position < end:
        line_end = text.find("\n", position, end)
        if line_end < 0:
            line_end = end
        lines.append((position, line_end))
        position = line_end + 1
    indent = None
    for line_start, line_end in lines:
        content = text[line_start:line_end]
        if content.strip():
            indent = len(content) - len(content.lstrip(" "))
            break
    if indent is None:
        return None
    pieces: list[str] = []
    offsets: list[int] = []
    for line_start, line_end in lines:
        begin = min(line_start + indent, line_end)
        pieces.append(text[begin:line_end] + "\n")
        offsets.extend(range(begin, line_end + 1))
    offsets.append(end)
    return Decoded("".join(pieces), offsets, True)


def _source_map(text: str, event: yaml.ScalarEvent) -> Decoded | None:
    """Where each character of a scalar sits in the text; None when it cannot be traced."""
    start, end = event.start_mark.index, event.end_mark.index
    style = event.style or ""
    if style == "|":
        return _literal_block_map(text, start, end)
    source = text[start:end]
    if "\n" in source or "\r" in source:
        return None  # folded lines: several source characters per value character
    if style == "":
        return identity(source, start)
    if style == "'":
        return decode_yaml_single(source[1:-1], start + 1)
    if style == '"':
        return decode(source[1:-1], YAML_DOUBLE_RULES, start + 1, with_offsets=True)
    return None


def _comments(text: str, locator: Locator) -> tuple[Comment, ...]:
    if "#" not in text:
        return ()
    index = TextIndex.of(text)
    try:
        tree = treesitter.parse("yaml", index.utf8)
    except treesitter.ParseTimeout:
        return ()  # comments only serve inline suppressions; the values are already read
    comments = []
    for node in treesitter.comment_nodes(tree.root_node, index.utf8, _COMMENT_START):
        start, end = index.byte_span(node.start_byte, node.end_byte)
        comments.append(Comment(locator.span(start, end), text[start:end]))
    return tuple(comments)


def _flow_too_deep(text: str) -> int | None:
    """Where brackets first nest past _MAX_FLOW_NESTING (quotes ignored: an over-estimate is fine)."""
    if text.count("[") + text.count("{") <= _MAX_FLOW_NESTING:
        return None
    depth = 0
    for match in _FLOW_BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > _MAX_FLOW_NESTING:
                return match.start()
        elif depth:
            depth -= 1
    return None


def _mark(text: str, offset: int) -> Mark:
    """A mark for an offset, for closing collections at a syntax error."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    return Mark("", offset, line, offset - (text.rfind("\n", 0, offset) + 1), None, None)


def parse_yaml(text: str, locator: Locator | None = None, format_name: str = "yaml") -> Document:
    """Parse a YAML stream; ``locator`` places the text in its file (front matter is a slice)."""
    if text.startswith("\ufeff"):
        # libyaml leaves a byte order mark out of its offsets, PyYAML counts it: avoid both.
        outer = locator if locator is not None else TextIndex.of(text)
        return parse_yaml(text[1:], ShiftedLocator(outer, 1, len(text)), format_name)
    where: Locator = locator if locator is not None else TextIndex.of(text)
    direct = locator is None and _OTHER_LINE_BREAKS.search(text) is None
    problems: list[Problem] = []
    bad_character = _NON_PRINTABLE.search(text)
    if bad_character is not None:
        position = bad_character.start()
        problems.append(Problem(
            ProblemLevel.ERROR, "syntax",
            f"special characters are not allowed (#x{ord(bad_character.group()):04x})",
            point(where, position),
        ))
        text = _NON_PRINTABLE.sub("\ufffd", text)
    too_deep = _flow_too_deep(text)
    if too_deep is not None:
        budget = Budget()
        budget.too_deep(point(where, too_deep))
        return Document(format_name, (), tuple(problems + budget.problems))
    composer, errors = _compose(text, where, direct, _FAST_LOADER)
    if errors and _FAST_LOADER is not yaml.SafeLoader and len(text) <= _REREAD_LIMIT:
        composer, errors = _compose(text, where, direct, yaml.SafeLoader)
    problems.extend(errors)
    problems.extend(composer.budget.problems)
    roots = composer.roots
    if composer.unread is not None:
        roots = _recover(text, where, direct, composer.unread) or roots
    return Document(format_name, tuple(roots), tuple(problems), _comments(text, where),
                    tuple(composer.labels))


def _blanked(text: str, start: int, end: int) -> str:
    """``text`` with ``start:end`` turned to spaces (line breaks kept): every offset, line and
    column after it stays where it was."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _recover(text: str, where: Locator, direct: bool, unread: tuple[int, int]) -> list[Node] | None:
    """What follows a syntax error, as JSON and TOML recover it: the offending text is blanked
    and the file read again, until it parses or nothing is left to blank. Only the first error
    is reported (the others may be echoes of it); the nodes are those of the last reading."""
    roots: list[Node] | None = None
    for _ in range(min(_MAX_RECOVERIES, max(1, _MAX_RECOVERY_CHARACTERS // max(len(text), 1)))):
        if not text[unread[0]:unread[1]].strip():
            unread = (text.rfind("\n", 0, unread[0]) + 1, unread[1])  # the rest of the line is blank: all of it
            if not text[unread[0]:unread[1]].strip():
                break  # nothing left to blank there: no progress possible
        text = _blanked(text, *unread)
        composer, _ = _compose(text, where, direct, _FAST_LOADER)
        if composer.budget.exhausted:
            break
        roots = composer.roots
        if composer.unread is None:
            break
        unread = composer.unread
    return roots


def _unread_region(text: str, error: yaml.MarkedYAMLError) -> tuple[int, int]:
    """The text a syntax error makes unreadable: from an unclosed quote, flow collection or key
    to the end of its line; else from the error to the end of its line."""
    problem = error.problem_mark.index if error.problem_mark is not None else len(text)
    context = error.context_mark
    if (context is not None and context.index < problem
            and any(word in (error.context or "") for word in ("scalar", "flow", "simple key"))):
        start = context.index
    else:
        start = min(problem, len(text))
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def _compose(text: str, where: Locator, direct: bool, loader: type) -> tuple[_Composer, list[Problem]]:
    """Read the events of ``text`` with ``loader``; the syntax error, if any, is returned."""
    composer = _Composer(text, where, Budget(), direct)
    problems: list[Problem] = []
    try:
        composer.run(yaml.parse(text, Loader=loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = mark.index if mark is not None else len(text)
        message = safe_message(error.problem or error.context or "invalid YAML")
        problems.append(Problem(ProblemLevel.ERROR, "syntax", message, point(where, position)))
        if _TAB_INDENT.search(text):
            problems.append(Problem(
                ProblemLevel.INFO, "tabs", "tabs are used for indentation; YAML allows only spaces",
                point(where, position),
            ))
        composer.close_all(_mark(text, position))
        composer.unread = _unread_region(text, error)
    except yaml.YAMLError:
        problems.append(Problem(ProblemLevel.ERROR, "syntax", "invalid YAML", point(where, 0)))
        composer.close_all(_mark(text, len(text)))
    return composer, problems
