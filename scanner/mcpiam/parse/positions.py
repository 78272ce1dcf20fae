"""Turning offsets into spans: a text's line table, and locators that map a parsed text onto the file.

Parsers work in character (code point) offsets into the text they parsed; a ``Locator`` turns such
an offset range into a ``Span`` of the file. That text may be the file itself, a slice of it (YAML
front matter), a wrapped copy (a JSON fragment) or a decoded string value (embedded JSON).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass

from mcpiam.core.document import Span

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Protocol
    from tree_sitter import Node as TSNode
else:
    Protocol = object  # a protocol is for type checkers; at run time a plain base

# UTF-8 continuation bytes: every other byte starts a code point.
_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))
_CHECKPOINT_SHIFT = 10  # one code point count per KiB keeps byte->char conversion O(1 KiB)
_LINE_BREAK = lazy_compile("\n")


class Locator(Protocol):
    def span(self, start: int, end: int) -> Span:
        """The file span of the characters ``start`` (inclusive) to ``end`` (exclusive)."""
        ...


@dataclass(frozen=True, slots=True)
class TextIndex:
    """Line starts and UTF-8 layout of one text, for offset -> (line, column) conversion.

    Lines end at ``\\n`` only (a ``\\r`` before it stays part of the line), matching tree-sitter
    and what editors show for LF and CRLF files.
    """

    text: str
    utf8: bytes
    line_starts: tuple[int, ...]
    # Code points before each 1 KiB block of ``utf8``; empty when the text is pure ASCII.
    checkpoints: tuple[int, ...]
    # Per line, whether it is pure ASCII (byte column = character column); None: the whole text is.
    ascii_lines: tuple[bool, ...] | None

    @staticmethod
    def of(text: str) -> "TextIndex":
        utf8 = text.encode("utf-8", "surrogatepass")
        starts = [0]
        starts.extend(match.end() for match in _LINE_BREAK.finditer(text))
        checkpoints: list[int] = []
        ascii_lines = None
        if len(utf8) != len(text):
            ascii_lines = tuple(line.isascii() for line in text.split("\n"))
            total = 0
            block = 1 << _CHECKPOINT_SHIFT
            for begin in range(0, len(utf8) + 1, block):
                checkpoints.append(total)
                total += len(utf8[begin:begin + block].translate(None, _CONTINUATION_BYTES))
        return TextIndex(text, utf8, tuple(starts), tuple(checkpoints), ascii_lines)

    def char_offset(self, byte_offset: int) -> int:
        """The code point offset of a UTF-8 byte offset (tree-sitter speaks bytes)."""
        byte_offset = max(0, min(byte_offset, len(self.utf8)))
        if not self.checkpoints:
            return byte_offset
        block = byte_offset >> _CHECKPOINT_SHIFT
        begin = block << _CHECKPOINT_SHIFT
        tail = self.utf8[begin:byte_offset].translate(None, _CONTINUATION_BYTES)
        return self.checkpoints[block] + len(tail)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a code point offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        start_line, start_column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return Span(start_line, start_column, end_line, end_column)

    def point_span(self, node: "TSNode") -> Span:
        """The span of a tree-sitter node of this text, from its (row, byte column) points.

        The hot path of every tree-sitter format: no search, and no byte counting on ASCII lines.
        """
        start_row, start_column = node.start_point
        end_row, end_column = node.end_point
        ascii_lines = self.ascii_lines
        if ascii_lines is not None:
            if not ascii_lines[start_row]:
                start_column = self.char_offset(node.start_byte) - self.line_starts[start_row]
            if not ascii_lines[end_row]:
                end_column = self.char_offset(node.end_byte) - self.line_starts[end_row]
        return Span(start_row + 1, start_column + 1, end_row + 1, end_column + 1)

    def node_text(self, node: "TSNode") -> str:
        """A node's source text. (``Node.text`` would call back into the reader for each node.)"""
        return self.utf8[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def byte_span(self, start_byte: int, end_byte: int) -> tuple[int, int]:
        """A byte range as a code point range."""
        return self.char_offset(start_byte), self.char_offset(end_byte)


@dataclass(frozen=True, slots=True)
class ShiftedLocator:
    """For a text that is a slice or a wrapped copy of the file: offsets move by ``delta``."""

    outer: Locator
    delta: int
    length: int  # length of the outer text, to clamp characters that exist only in the copy

    def span(self, start: int, end: int) -> Span:
        def clamp(offset: int) -> int:
            return max(0, min(offset + self.delta, self.length))

        return self.outer.span(clamp(start), clamp(end))


@dataclass(frozen=True, slots=True)
class MappedLocator:
    """For a decoded string: ``offsets[i]`` is where character ``i`` starts in the outer text.

    ``offsets`` has one more element than the string, the end of its last character.
    """

    outer: Locator
    offsets: Sequence[int]

    def span(self, start: int, end: int) -> Span:
        last = len(self.offsets) - 1
        begin = self.offsets[max(0, min(start, last))]
        finish = self.offsets[max(0, min(end, last))]
        return self.outer.span(begin, max(begin, finish))


@dataclass(frozen=True, slots=True)
class FixedLocator:
    """When characters cannot be traced back: everything is placed on one span."""

    fixed: Span

    def span(self, start: int, end: int) -> Span:
        return self.fixed
