"""Helpers shared by the parser tests: spans of values and keys as tuples, problem codes."""

from __future__ import annotations

from mcpiam.core.document import Document, Mapping, Scalar, lookup

SpanTuple = tuple[int, int, int, int]


def span(document: Document, *route: str | int, root: int = 0) -> SpanTuple:
    """The span of the value at ``route`` in root number ``root``."""
    node = lookup(document.roots[root], route)
    assert node is not None, route
    return (node.span.start_line, node.span.start_column, node.span.end_line, node.span.end_column)


def key_span(document: Document, *route: str | int, root: int = 0) -> SpanTuple:
    """The span of the last key of ``route`` (inside embedded JSON when the parent holds it)."""
    parent = lookup(document.roots[root], route[:-1])
    if isinstance(parent, Scalar) and parent.embedded is not None:
        parent = parent.embedded
    assert isinstance(parent, Mapping), route
    entry = parent.entry(str(route[-1]))
    assert entry is not None, route
    found = entry.key_span
    return (found.start_line, found.start_column, found.end_line, found.end_column)


def codes(document: Document) -> list[tuple[str, str]]:
    return [(problem.level.value, problem.code) for problem in document.problems]
