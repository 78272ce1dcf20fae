"""``.env`` files: ``KEY=VALUE`` lines into one mapping of strings.

Accepted: ``export`` prefixes, spaces around ``=``, single quotes (literal), double quotes
(``\\n``-style escapes, may span lines), unquoted values ending at `` #`` comments, blank lines.
A quoted value's span includes its quotes, as in the other formats.
"""

from __future__ import annotations

import re

from mcpiam.core.document import Comment, Document, Entry, Mapping, Problem, ProblemLevel, Scalar, Span
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.parse.common import Budget
from mcpiam.parse.json_parser import looks_like_json, parse_embedded
from mcpiam.parse.positions import MappedLocator, TextIndex
from mcpiam.parse.strings import DOTENV_DOUBLE_RULES, Decoded, decode, identity

_ASSIGNMENT = lazy_compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*=[ \t]*")
_DOUBLE_QUOTED = lazy_compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_INLINE_COMMENT = lazy_compile(r"[ \t]#")


def _line_end(text: str, position: int) -> int:
    end = text.find("\n", position)
    return len(text) if end < 0 else end


def parse_dotenv(text: str) -> Document:
    index = TextIndex.of(text)
    budget = Budget()
    entries: list[Entry] = []
    comments: list[Comment] = []
    problems: list[Problem] = []
    position = 0
    line_number = 1  # of the line starting at ``position``; spans on it need no search

    def span(start: int, end: int) -> Span:
        if end <= line_end:
            return Span(line_number, start - position + 1, line_number, end - position + 1)
        return index.span(start, end)

    while position < len(text) and not budget.exhausted:
        line_end = _line_end(text, position)
        line = text[position:line_end]
        stripped = line.strip()
        next_position = line_end + 1
        match = None if not stripped or stripped[0] == "#" else _ASSIGNMENT.match(text, position, line_end)
        if stripped.startswith("#"):
            start = position + line.index("#")
            comments.append(Comment(span(start, line_end), text[start:line_end].rstrip("\r")))
        elif stripped and match is None:
            if not problems:
                first = position + len(line) - len(line.lstrip())
                problems.append(
                    Problem(ProblemLevel.ERROR, "syntax", "expected KEY=VALUE", span(first, first + 1))
                )
        elif match is not None:
            value_start = match.end()
            decoded, value_end, rest_start = _value(text, value_start, line_end)
            if decoded is None:
                if not problems:
                    problems.append(Problem(ProblemLevel.ERROR, "syntax", "unterminated quoted value",
                                            span(value_start, value_start + 1)))
                decoded = Decoded(text[value_start:line_end].rstrip("\r"), None, True)
                value_end, rest_start = value_start + len(decoded.text), line_end
            rest_end = _line_end(text, rest_start)
            rest = text[rest_start:rest_end]
            if "#" in rest:
                start = rest_start + rest.index("#")
                comments.append(Comment(index.span(start, rest_end), text[start:rest_end].rstrip("\r")))
            value_span = span(value_start, value_end)
            embedded = None
            source = None
            wants_json = looks_like_json(decoded.text)
            # Escapes or a multi-line value: characters no longer sit one per column.
            verbatim = value_end - value_start in (len(decoded.text), len(decoded.text) + 2) and (
                "\n" not in text[value_start:value_end])
            if wants_json or not verbatim:
                located = _value(text, value_start, line_end, with_offsets=True)[0]
                if located is not None and located.offsets is not None and located.text == decoded.text:
                    source = MappedLocator(index, located.offsets)
                if wants_json and source is not None:
                    embedded = parse_embedded(decoded.text, source, 1, budget)
            if not budget.take():
                break
            key_start, key_end = match.span(1)
            value = Scalar(decoded.text, value_span, embedded, None if verbatim else source)
            entries.append(Entry(match.group(1), span(key_start, key_end), value))
            next_position = rest_end + 1
        line_number += text.count("\n", position, next_position)
        position = next_position
    root = Mapping(tuple(entries), index.span(0, len(text)))
    return Document("dotenv", (root,), tuple(problems + budget.problems), tuple(comments))


def _value(
    text: str, start: int, line_end: int, with_offsets: bool = False
) -> tuple[Decoded | None, int, int]:
    """The value at ``start``: decoded text, where its token ends, where the rest of its line starts."""
    quote = text[start:start + 1]
    if quote == "'":
        close = text.find("'", start + 1)
        if close < 0:
            return None, start, line_end
        return _plain(text[start + 1:close], start + 1, with_offsets), close + 1, close + 1
    if quote == '"':
        match = _DOUBLE_QUOTED.match(text, start)
        if match is None:
            return None, start, line_end
        return decode(match.group(1), DOTENV_DOUBLE_RULES, start + 1, with_offsets), match.end(), match.end()
    raw = text[start:line_end]
    comment = _INLINE_COMMENT.search(raw)
    if comment is not None:
        raw = raw[:comment.start()]
    raw = raw.rstrip(" \t\r")
    return _plain(raw, start, with_offsets), start + len(raw), start + len(raw)


def _plain(raw: str, start: int, with_offsets: bool) -> Decoded:
    return identity(raw, start) if with_offsets else Decoded(raw, None, True)
