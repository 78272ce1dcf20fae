"""Markdown files with YAML front matter (Claude Code subagents, Copilot agents, Cursor rules).

Only the block between a first line ``---`` and the next ``---`` (or ``...``) line is read, as
YAML, with positions in the Markdown file; the Markdown body is not configuration.
"""

from __future__ import annotations

import re

from mcpiam.core.document import Document, Problem, ProblemLevel, Span
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.parse.positions import ShiftedLocator, TextIndex
from mcpiam.parse.yaml_parser import parse_yaml

_OPENING = lazy_compile(r"---[ \t]*\r?(?:\n|$)")
_CLOSING = lazy_compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


def front_matter_end(text: str) -> int:
    """Where the front matter ends (the start of its closing line); 0 when it has none."""
    opening = _OPENING.match(text)
    closing = _CLOSING.search(text, opening.end()) if opening is not None else None
    return closing.start() if closing is not None else 0


def parse_markdown(text: str) -> Document:
    opening = _OPENING.match(text)
    if opening is None:
        return Document("markdown", ())
    body_start = opening.end()
    closing = _CLOSING.search(text, body_start)
    if closing is None:
        return Document("markdown", (), (Problem(
            ProblemLevel.WARNING, "unclosed-frontmatter",
            "front matter starts with '---' but has no closing '---' line; not read", Span.point(1, 1),
        ),))
    locator = ShiftedLocator(TextIndex.of(text), body_start, len(text))
    return parse_yaml(text[body_start:closing.start()], locator, format_name="markdown")
