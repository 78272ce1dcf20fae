"""JSON and JSONC into located nodes, with tree-sitter-json; also JSON embedded in strings.

Comments and trailing commas are accepted in every JSON file (clients read JSONC and published
snippets use it); in a strict ``json`` file they are noted once as INFO ``jsonc-syntax``. A README
fragment such as ``"mcp": {...}`` without outer braces is read as a mapping (INFO ``fragment``).
Any other syntax error is reported once, where strict JSON first fails (with the ``json`` module's
fixed message), and every value tree-sitter recovered is still returned; a truncated file is read
as if its open strings and brackets were closed.

Any string value of any format that holds a JSON object or array (``OPENAPI_MCP_HEADERS``) gets it
parsed as ``Scalar.embedded``, at most three strings deep. Its spans are exact wherever each
decoded character can be traced to the file (escapes included); otherwise (YAML folded or
multi-line flow scalars) every embedded node carries the span of the string that holds it.
"""

from __future__ import annotations

import json
import re
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass, field

from mcpiam.core.document import (
    Comment, Document, Entry, Mapping, Node, Problem, ProblemLevel, Scalar, Sequence, Span,
)
from mcpiam.parse import treesitter
from mcpiam.parse.common import MAX_DEPTH, MAX_EMBEDDED_DEPTH, Budget, describe_token, point
from mcpiam.parse.positions import FixedLocator, Locator, MappedLocator, ShiftedLocator, TextIndex
from mcpiam.parse.strings import JSON_RULES, decode, without_lone_surrogates

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from tree_sitter import Node as TSNode, Tree

_INTEGER = lazy_compile(r"-?(?:0|[1-9][0-9]*)")
_SCALAR_TYPES = frozenset({"string", "number", "true", "false", "null"})
_CONSTANTS = {"true": True, "false": False, "null": None}
_COMMENT_START = lazy_compile(rb"/[/*]")
# Strings, comments and brackets: enough to tell which brackets a truncated file leaves open.
_BRACKET_TOKENS = lazy_compile(
    r'"(?:[^"\\\n]|\\.)*(?P<close>")?|//[^\n]*|/\*.*?(?:\*/|\Z)|[\[\]{}]', re.DOTALL
)
_TIMEOUT = Problem(
    ProblemLevel.ERROR, "parse-timeout", "so many syntax errors that reading the file was abandoned"
)
_FRAGMENT_PREFIX = "{\n"
_FRAGMENT_SUFFIX = "\n}"


@dataclass(frozen=True, slots=True)
class _SyntaxScan:
    """What the error nodes of one tree say: the first real error, and the JSONC leniencies."""

    first_error: "TSNode | None"
    lenient_ranges: tuple[tuple[int, int], ...]  # byte ranges of tolerated trailing commas


def _scan_errors(tree: "Tree") -> _SyntaxScan:
    root = tree.root_node
    if not root.has_error:
        return _SyntaxScan(None, ())
    lenient: list[tuple[int, int]] = []
    first_error = None
    # Neighbours travel with each node: tree-sitter's sibling and parent lookups crash the
    # process on trees nested tens of thousands deep.
    stack: list[tuple[TSNode, TSNode | None, TSNode | None]] = [(root, None, None)]
    while stack:
        node, previous, following = stack.pop()
        if node.is_missing:
            # `[1, 2,]` recovers as a MISSING value between the trailing comma and the bracket.
            closing = following is None or following.type in ("]", "}")
            if previous is not None and previous.type == "," and closing:
                lenient.append((previous.start_byte, previous.end_byte))
            elif first_error is None:
                first_error = node
            continue
        if node.is_error:
            if node.child_count and all(child.type == "," for child in node.children):
                lenient.append((node.start_byte, node.end_byte))
            elif first_error is None:
                first_error = node
            continue
        children = node.children
        for position in range(len(children) - 1, -1, -1):
            child = children[position]
            if child.has_error or child.is_missing:
                before = children[position - 1] if position else None
                after = children[position + 1] if position + 1 < len(children) else None
                stack.append((child, before, after))
    return _SyntaxScan(first_error, tuple(lenient))


def _fragment_start(tree: "Tree", data: bytes) -> int | None:
    """Where ``"key": value, ...`` starts at top level, as READMEs publish parts of a settings file."""
    for child in tree.root_node.children:
        if child.type == "comment":
            continue
        if child.type == "string" and data[child.end_byte:child.end_byte + 64].lstrip()[:1] == b":":
            return child.start_byte
        return None
    return None


def _completed(text: str) -> str | None:
    """A truncated text with the quote and brackets it still needs appended, or None."""
    closers: list[str] = []
    unterminated = False
    for match in _BRACKET_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            closers.append("]" if token == "[" else "}")
        elif token in "]}":
            if closers and closers[-1] == token:
                closers.pop()
        elif token[0] == '"':
            unterminated = match.group("close") is None and match.end() == len(text)
    if not closers and not unterminated:
        return None
    return text + ('"' if unterminated else "") + "".join(reversed(closers))


def _describe(node: "TSNode", index: TextIndex) -> str:
    if node.is_missing:
        expected = node.type if node.type in ("}", "]", ":", ",", '"') else "a value"
        return f"expected {describe_token(expected) if len(expected) == 1 else expected}"
    leaf = node
    while leaf.child_count:
        leaf = leaf.children[0]
    token = index.node_text(leaf)
    return f"unexpected {describe_token(token)}"


def _blank(text: str, ranges: list[tuple[int, int]]) -> str:
    """The text with comments and tolerated commas turned into spaces, so offsets stay put."""
    if not ranges:
        return text
    pieces = []
    position = 0
    for start, end in sorted(ranges):
        if start < position:
            continue
        pieces.append(text[position:start])
        pieces.append(re.sub(r"[^\n]", " ", text[start:end]))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _strict_error(text: str, ranges: list[tuple[int, int]]) -> tuple[int, str] | None:
    """Where and why strict JSON rejects the text once comments are blanked (fixed messages only)."""
    try:
        json.loads(_blank(text, ranges))
    except json.JSONDecodeError as error:
        return error.pos, error.msg
    except (RecursionError, ValueError):
        return None
    return None


def _decode_string(raw: str) -> str:
    if "\\" not in raw:
        return raw
    try:  # the C decoder, for speed on escape-heavy strings
        value = json.loads('"' + raw + '"', strict=False)
    except ValueError:
        return decode(raw, JSON_RULES).text
    return without_lone_surrogates(value) if isinstance(value, str) else raw


def _number(text: str) -> int | float | str:
    try:
        if _INTEGER.fullmatch(text):
            return int(text)
        return float(text)
    except ValueError:  # over-long integers, and number forms JSON does not have
        return text


@dataclass(slots=True)
class _Builder:
    """Turns one tree-sitter tree into nodes (per call: holds the budget and positions)."""

    index: TextIndex  # of the parsed text, for byte -> character offsets
    locator: Locator  # parsed-text characters -> file span
    budget: Budget
    embedded_depth: int = 0
    roots: list[Node] = field(default_factory=list)

    def span(self, node: "TSNode") -> Span:
        if self.locator is self.index:
            return self.index.point_span(node)
        start, end = self.index.byte_span(node.start_byte, node.end_byte)
        return self.locator.span(start, end)

    def members(self, node: "TSNode") -> list["TSNode"]:
        """Named children with ERROR nodes opened up, so values in a damaged region still count."""
        children = node.named_children
        if not node.has_error:
            return [child for child in children if child.type != "comment"]
        found: list[TSNode] = []
        stack = list(reversed(children))
        while stack:
            child = stack.pop()
            if child.is_error:
                stack.extend(reversed(child.named_children))
            elif not child.is_missing and child.type != "comment":
                found.append(child)
        return found

    def value(self, node: "TSNode", depth: int) -> Node | None:
        kind = node.type
        if kind == "object":
            if not self.enter(node, depth):
                return None
            return self.mapping(node, depth)
        if kind == "array":
            if not self.enter(node, depth):
                return None
            items = []
            for child in self.members(node):
                item = self.value(child, depth + 1)
                if item is not None:
                    items.append(item)
                elif self.budget.exhausted:
                    break
            return Sequence(tuple(items), self.span(node))
        if kind not in _SCALAR_TYPES or node.is_missing or not self.budget.take():
            return None
        if kind == "string":
            return self.string(node, depth)
        if kind == "number":
            return Scalar(_number(self.index.node_text(node)), self.span(node))
        return Scalar(_CONSTANTS[kind], self.span(node))

    def enter(self, node: "TSNode", depth: int) -> bool:
        """Whether a collection is read: within the depth limit and the node budget."""
        if depth > MAX_DEPTH:
            self.budget.too_deep(self.span(node))
            return False
        return self.budget.take()

    def mapping(self, node: "TSNode", depth: int) -> Mapping:
        entries = []
        for member in self.members(node):
            if member.type != "pair":
                continue
            key_node = member.child_by_field_name("key")
            value_node = member.child_by_field_name("value")
            if key_node is None or value_node is None:
                continue
            item = self.value(value_node, depth + 1)
            if item is None:
                if self.budget.exhausted:
                    break
                continue
            entries.append(Entry(self.key_text(key_node), self.span(key_node), item))
        return Mapping(tuple(entries), self.span(node))

    def raw_string(self, node: "TSNode") -> tuple[str, int]:
        """The characters between the quotes and the offset of the first one."""
        start, end = self.index.byte_span(node.start_byte, node.end_byte)
        text = self.index.text
        inner_end = end - 1 if end - start >= 2 and text[end - 1] == '"' else end
        return text[start + 1:inner_end], start + 1

    def key_text(self, node: "TSNode") -> str:
        if node.type == "string":
            raw, _ = self.raw_string(node)
            return _decode_string(raw)
        return self.index.node_text(node)

    def string(self, node: "TSNode", depth: int) -> Scalar:
        raw, base = self.raw_string(node)
        value = _decode_string(raw)
        span = self.span(node)
        embedded = None
        source: Locator | None = None
        wants_json = self.embedded_depth < MAX_EMBEDDED_DEPTH and looks_like_json(value)
        # Escapes, or a string inside a string: characters no longer sit one per column.
        if wants_json or "\\" in raw or self.locator is not self.index:
            mapped = decode(raw, JSON_RULES, base, with_offsets=True)
            if mapped.text == value and mapped.offsets is not None:
                source = MappedLocator(self.locator, mapped.offsets)
        if wants_json:
            locator: Locator = source if source is not None else FixedLocator(span)
            embedded = parse_embedded(value, locator, self.embedded_depth + 1, self.budget, depth)
        verbatim = self.locator is self.index and "\\" not in raw
        return Scalar(value, span, embedded, None if verbatim else source)

    def build_roots(self, tree: "Tree", depth: int = 1) -> None:
        for child in self.members(tree.root_node):
            node = self.value(child, depth)
            if node is not None:
                self.roots.append(node)
            elif self.budget.exhausted:
                break


def looks_like_json(value: str) -> bool:
    """Cheap test before trying to parse a string as an embedded JSON object or array."""
    stripped = value.strip()
    return len(stripped) >= 2 and stripped[0] + stripped[-1] in ("{}", "[]")


def parse_embedded(value: str, locator: Locator, depth: int, budget: Budget, nesting: int = 1) -> Node | None:
    """A string value's JSON object or array, placed in the file through ``locator``.

    ``depth`` counts strings within strings; ``nesting`` is how deep the string itself sits, so
    MAX_DEPTH bounds the whole tree. Only a clean parse counts (comments and trailing commas
    allowed): a string that merely looks like JSON stays a string.
    """
    if depth > MAX_EMBEDDED_DEPTH or budget.exhausted:
        return None
    index = TextIndex.of(value)
    try:
        tree = treesitter.parse("json", index.utf8)
    except treesitter.ParseTimeout:
        return None
    if _scan_errors(tree).first_error is not None:
        return None
    own_budget = Budget()
    builder = _Builder(index, locator, own_budget, embedded_depth=depth)
    builder.build_roots(tree, nesting)
    if own_budget.problems or len(builder.roots) != 1 or isinstance(builder.roots[0], Scalar):
        return None
    if not budget.take(own_budget.nodes):
        return None
    return builder.roots[0]


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One tree-sitter parse of a text, and how that text's offsets map into the file."""

    index: TextIndex
    locator: Locator
    tree: "Tree"
    scan: _SyntaxScan

    @staticmethod
    def of(text: str, locator: Locator | None = None) -> "_Parsed":
        index = TextIndex.of(text)
        tree = treesitter.parse("json", index.utf8)
        return _Parsed(index, locator if locator is not None else index, tree, _scan_errors(tree))

    def span(self, node: "TSNode") -> Span:
        start, end = self.index.byte_span(node.start_byte, node.end_byte)
        return self.locator.span(start, end)

    def point(self, byte_offset: int) -> Span:
        return point(self.locator, self.index.char_offset(byte_offset))


def _as_fragment(text: str, file_index: TextIndex) -> _Parsed:
    """The text wrapped in braces; offsets shift back by the opening brace and line break."""
    shift = len(_FRAGMENT_PREFIX)
    wrapped = _FRAGMENT_PREFIX + text + _FRAGMENT_SUFFIX
    return _Parsed.of(wrapped, ShiftedLocator(file_index, -shift, len(text)))


def _for_building(parsed: _Parsed) -> _Parsed:
    """For a truncated file, the parse with its missing closers added, if that recovers more."""
    first_error = parsed.scan.first_error
    completed = _completed(parsed.index.text) if first_error is not None else None
    if first_error is None or completed is None:
        return parsed
    # The added closers lie past the end of the text: clamp spans to it.
    try:
        candidate = _Parsed.of(completed, ShiftedLocator(parsed.locator, 0, len(parsed.index.text)))
    except treesitter.ParseTimeout:
        return parsed
    later_error = candidate.scan.first_error
    if later_error is None or later_error.start_byte > first_error.start_byte:
        return candidate
    return parsed


def _syntax_error(parsed: _Parsed, comment_nodes: list["TSNode"]) -> Problem:
    """The first syntax error: strict JSON's message and place when it has one, else tree-sitter's."""
    assert parsed.scan.first_error is not None
    index = parsed.index
    blanked = [index.byte_span(node.start_byte, node.end_byte) for node in comment_nodes]
    blanked += [index.byte_span(start, end) for start, end in parsed.scan.lenient_ranges]
    strict_error = _strict_error(index.text, blanked)
    if strict_error is not None:
        position, message = strict_error
        return Problem(ProblemLevel.ERROR, "syntax", message, point(parsed.locator, position))
    first = parsed.scan.first_error
    return Problem(ProblemLevel.ERROR, "syntax", _describe(first, index), parsed.point(first.start_byte))


def parse_json(text: str, strict: bool) -> Document:
    """Parse JSON (``strict``: comments and trailing commas get an INFO) or JSONC."""
    try:
        parsed = _Parsed.of(text)
    except treesitter.ParseTimeout:
        return Document("json", (), (_TIMEOUT,))
    problems: list[Problem] = []
    fragment = None
    if parsed.scan.first_error is not None:
        fragment = _fragment_start(parsed.tree, parsed.index.utf8)
    if fragment is not None:
        problems.append(Problem(
            ProblemLevel.INFO, "fragment",
            'top level is a list of "key": value pairs without braces; read as an object',
            parsed.point(fragment),
        ))
        try:
            parsed = _as_fragment(text, parsed.index)
        except treesitter.ParseTimeout:
            return Document("json", (), (_TIMEOUT,))

    budget = Budget()
    building = _for_building(parsed)
    builder = _Builder(building.index, building.locator, budget)
    builder.build_roots(building.tree)

    comment_nodes = treesitter.comment_nodes(parsed.tree.root_node, parsed.index.utf8, _COMMENT_START)
    comments = tuple(
        Comment(parsed.span(node), parsed.index.node_text(node)) for node in comment_nodes
    )
    lenient = parsed.scan.lenient_ranges
    if strict and (comment_nodes or lenient):
        first = min([node.start_byte for node in comment_nodes] + [start for start, _ in lenient])
        problems.append(Problem(
            ProblemLevel.INFO, "jsonc-syntax",
            "comments or trailing commas (JSONC) in a JSON file; read leniently",
            parsed.point(first),
        ))

    if parsed.scan.first_error is not None:
        problems.append(_syntax_error(parsed, comment_nodes))
    elif len(builder.roots) > 1:
        second = builder.roots[1].span
        problems.append(Problem(
            ProblemLevel.ERROR, "syntax", "Extra data: more than one top-level value",
            Span.point(second.start_line, second.start_column),
        ))
    problems.extend(budget.problems)
    return Document("json", tuple(builder.roots), tuple(problems), comments)
