"""Inline suppressions: ``mcpiam: ignore[rule-id] reason`` in a comment, and the lines each one covers.

A directive covers the line it sits on (a trailing comment) and, when its comment is on a line of
its own, the next line holding a key or value, across further comment lines but not across a blank
line or a closing bracket. Several rule ids may be listed, separated by commas. A directive without
a reason is not applied (the ``suppression-without-reason`` rule reports it), nor is a rule id that
does not exist (``unknown-rule-in-suppression``). Every format with comments carries directives:
JSONC, YAML, TOML, dotenv, and ``.json`` files, which are read as JSONC like their clients do.
"""

from __future__ import annotations

from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass

from mcpiam.core.document import Comment, Document, Mapping, walk

DIRECTIVE = lazy_compile(r"mcpiam:\s*ignore\[(?P<rules>[^\]\n]*)\](?P<reason>[^\n]*)")
# Comment closers and separators people put between the rule list and the reason.
# Tried only where a run of spaces starts (the leftmost match starts there anyway): from every
# space of a long run it would be quadratic.
_TRAILER = lazy_compile(r"(?<!\s)\s*(?:\*/|-->)\s*$")
_LEADER = lazy_compile(r"^[\s:;,\-\u2013\u2014]+")


@dataclass(frozen=True, slots=True)
class Directive:
    """One ``mcpiam: ignore[...]`` comment: the rules it names, its reason and the lines it covers."""

    rule_ids: tuple[str, ...]
    reason: str  # empty when none was given: such a directive is reported, never applied
    comment: Comment
    lines: tuple[int, ...]  # the finding start lines it covers

    @property
    def has_reason(self) -> bool:
        return any(ch.isalnum() for ch in self.reason)

    def covers(self, rule_id: str, line: int) -> bool:
        return self.has_reason and rule_id in self.rule_ids and line in self.lines


def parse_directive(text: str) -> tuple[tuple[str, ...], str] | None:
    """The rule ids and reason of a directive in a comment's text, or None when it holds none."""
    found = DIRECTIVE.search(text)
    if found is None:
        return None
    rule_ids = tuple(part.strip() for part in found.group("rules").split(",") if part.strip())
    reason = _LEADER.sub("", _TRAILER.sub("", found.group("reason"))).strip()
    return rule_ids, reason


def _content_starts(document: Document) -> dict[int, int]:
    """For each line, the first column where a key or value starts on it."""
    starts: dict[int, int] = {}

    def note(line: int, column: int) -> None:
        if column < starts.get(line, column + 1):
            starts[line] = column

    for root in document.roots:
        for _, node in walk(root):
            note(node.span.start_line, node.span.start_column)
            if isinstance(node, Mapping):
                for entry in node.entries:
                    note(entry.key_span.start_line, entry.key_span.start_column)
    return starts


def directives(document: Document) -> tuple[Directive, ...]:
    """Every suppression directive in a document's comments, with the lines it covers."""
    found_any = [c for c in document.comments if "mcpiam:" in c.text]
    if not found_any:
        return ()
    starts = _content_starts(document)
    comment_lines = {line for c in document.comments for line in range(c.span.start_line, c.span.end_line + 1)}
    out = []
    for comment in found_any:
        parsed = parse_directive(comment.text)
        if parsed is None:
            continue
        rule_ids, reason = parsed
        lines = [comment.span.start_line]
        own_line = starts.get(comment.span.start_line, comment.span.start_column + 1) > comment.span.start_column
        if own_line:
            line = comment.span.end_line + 1
            while line not in starts and line in comment_lines:
                line += 1
            if line in starts:
                lines.append(line)
        out.append(Directive(rule_ids, reason, comment, tuple(lines)))
    return tuple(out)
