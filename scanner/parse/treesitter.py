"""tree-sitter, loaded lazily and run under a deadline; finding comments in its trees.

Importing the parse package costs nothing until a grammar is needed. A compiled ``Language`` is
immutable and cached once per process; a ``Parser`` is cheap (microseconds) and made per call so
no parser state is ever shared.
"""

from __future__ import annotations

import functools
import re
import time
from typing import TYPE_CHECKING

_CHUNK = 1 << 16

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Tree, TreeCursor


@functools.cache
def language(name: str) -> "Language":
    from tree_sitter import Language

    if name == "json":
        import tree_sitter_json as grammar
    elif name == "toml":
        import tree_sitter_toml as grammar
    elif name == "yaml":
        import tree_sitter_yaml as grammar
    else:
        raise ValueError("unknown grammar")
    return Language(grammar.language())


def parser(name: str) -> "Parser":
    from tree_sitter import Parser

    return Parser(language(name))


class ParseTimeout(Exception):
    """tree-sitter was stopped: its error recovery on this input would take too long."""


# Up to this size a source is handed to tree-sitter as bytes: its worst error recovery takes
# well under a second here. Larger ones go through a read callback, the only way to get a
# progress callback (a deadline), which py-tree-sitter 0.26 ignores for bytes; but it never
# releases what a read callback returns, so every parse that way keeps its source alive
# (tests/test_memory_bounds.py): a cost now paid only by the rare file above this size.
DIRECT_PARSE_LIMIT = 128 * 1024


def parse(name: str, source: bytes) -> "Tree":
    """Parse ``source``, giving up (ParseTimeout) after 1 s plus 1 s per MB.

    A valid 2 MB file parses in about a second, but error recovery grows quadratically with the
    number of errors: a few thousand broken lines would otherwise take minutes.
    """
    if len(source) <= DIRECT_PARSE_LIMIT:
        return parser(name).parse(source)
    deadline = time.monotonic() + 1.0 + len(source) / 1_000_000

    def read(offset: int, _point: object) -> bytes:
        return source[offset:offset + _CHUNK]

    def too_late(_offset: int, _has_error: bool) -> bool:
        return time.monotonic() > deadline

    try:
        tree = parser(name).parse(read, progress_callback=too_late)
    except ValueError:  # "Parsing failed": the callback cancelled it
        raise ParseTimeout from None
    if tree is None:
        raise ParseTimeout
    return tree


def comment_nodes(root: "Node", source: bytes, starts: "re.Pattern[bytes]") -> list["Node"]:
    """Comment nodes, found from the places a comment could start (``starts`` matches there).

    One walk in document order that enters only the nodes holding a candidate, so a flat object
    with thousands of members is crossed once, not once per candidate (a query, or a lookup per
    candidate, would visit every node or every sibling again each time).
    """
    candidates = [match.start() for match in starts.finditer(source)]
    found: list[Node] = []
    if not candidates:
        return found
    cursor = root.walk()
    node = cursor.node
    index = 0
    while node is not None:
        while index < len(candidates) and candidates[index] < node.start_byte:
            index += 1  # fell between nodes: not inside any comment
        if index == len(candidates):
            break
        target = candidates[index]
        if node.end_byte > target and node.type != "comment" and cursor.goto_first_child():
            node = cursor.node
            continue
        if node.end_byte > target:  # a comment, or a leaf holding the candidate
            if node.type == "comment" and node.start_byte == target:
                found.append(node)
            while index < len(candidates) and candidates[index] < node.end_byte:
                index += 1
        node = _next_in_order(cursor)
    return found


def _next_in_order(cursor: "TreeCursor") -> "Node | None":
    """The next node after the cursor's subtree (its sibling, or an ancestor's), or None."""
    while not cursor.goto_next_sibling():
        if not cursor.goto_parent():
            return None
    return cursor.node
