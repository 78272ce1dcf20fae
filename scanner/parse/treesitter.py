"""Lazily loaded tree-sitter grammars, so importing the parse package costs nothing until used.

The compiled ``Language`` and comment ``Query`` objects are immutable and cached once per process;
a ``Parser`` is cheap (microseconds) and made per call so no parser state is ever shared.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Tree


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


def parse(name: str, source: bytes) -> "Tree":
    return parser(name).parse(source)


def comment_nodes(root: "Node", source: bytes, starts: "re.Pattern[bytes]") -> list["Node"]:
    """Comment nodes, found from the places a comment could start (``starts`` matches there).

    Asking the tree about each candidate is far cheaper than a query over every node of a big file.
    """
    found = []
    for match in starts.finditer(source):
        node = root.descendant_for_byte_range(match.start(), match.start() + 1)
        while node is not None and node.type != "comment" and node.start_byte == match.start() and node.parent:
            node = node.parent
        if node is not None and node.type == "comment" and node.start_byte == match.start():
            found.append(node)
    return found
