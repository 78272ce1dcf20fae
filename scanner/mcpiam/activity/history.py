"""Literal credentials in the clients' records: the configs' token families, run over every line.

The same families, validators, placeholder filter, keyed fingerprint and redacted preview as a
config scan. Lines are searched in blocks of about a megabyte (a family's pattern runs once per
block, not once per line) and each match is placed at its line and its column in that line.
JSON string escapes (``\\n``, ``\\"``) are read as blanks of the same width first, so a token right
after an escaped line break is still found and its column is that of the file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from mcpiam.activity.lines import Line
from mcpiam.core.document import Span
from mcpiam.core.findings import Severity
from mcpiam.core.valuetype import dataclass
from mcpiam.secrets.detect import keyed_fingerprint, redact
from mcpiam.secrets.families import TokenFamily
from mcpiam.secrets.references import is_placeholder
from mcpiam.secrets.text_search import searchable_families, token_matches

BLOCK_CHARACTERS = 1 << 16  # small blocks: a rare family prefix is skipped in most of them
_JSON_ESCAPE = re.compile(r'\\[\\"/bfnrt]')


@dataclass(frozen=True, slots=True)
class HistoryCredential:
    """A literal credential in a client's activity record; the value itself is not kept."""

    client: str
    file: str  # displayed path
    record: str  # what the file holds: "session transcript", "prompt history", "MCP server log"...
    cleanup: str  # how long the client keeps the file
    span: Span
    family_id: str
    family_name: str
    severity: Severity
    fingerprint: str  # keyed HMAC-SHA256 of the value, as for configs
    preview: str  # the family prefix and the last four characters at most
    # In a database (Cursor's state.vscdb): the table and key of the value; the span is then a
    # line and column in that value's text. Empty for a text file.
    route: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordKind:
    client: str
    record: str
    cleanup: str


class CredentialSearch:
    """Fed the lines of one file; ``found`` holds its credentials once ``finish`` ran."""

    def __init__(self, families: Sequence[TokenFamily], fingerprint_key: bytes, kind: RecordKind,
                 display: str) -> None:
        self.families = families
        self.key = fingerprint_key
        self.kind = kind
        self.display = display
        self.found: list[HistoryCredential] = []
        self._lines: list[Line] = []
        self._size = 0

    def add(self, line: Line) -> None:
        self._lines.append(line)
        self._size += len(line.text) + 1
        if self._size >= BLOCK_CHARACTERS:
            self._search()

    def finish(self) -> list[HistoryCredential]:
        self._search()
        return self.found

    def search_value(self, route: tuple[str, ...], text: str) -> None:
        """One value of a database (no file lines): positions are lines and columns in its text."""
        self._search(tuple(Line(number, line, True) for number, line in enumerate(text.split("\n"), 1)), route)

    def _search(self, lines: Sequence[Line] | None = None, route: tuple[str, ...] = ()) -> None:
        if lines is None:
            lines, self._lines, self._size = self._lines, [], 0
        if not lines:
            return
        text = "\n".join(line.text for line in lines)
        blanked = _JSON_ESCAPE.sub("  ", text) if "\\" in text else text
        starts: list[int] = []
        offset = 0
        for line in lines:
            starts.append(offset)
            offset += len(line.text) + 1
        for match in token_matches(self.families, blanked):
            secret = text[match.start:match.end]
            if match.rejected or is_placeholder(secret):
                continue
            index = bisect.bisect_right(starts, match.start) - 1
            line = lines[index]
            column = match.start - starts[index] + 1
            end_index = bisect.bisect_right(starts, match.end) - 1
            end_column = match.end - starts[end_index] + 1
            family = match.family
            self.found.append(HistoryCredential(
                self.kind.client, self.display, self.kind.record, self.kind.cleanup,
                Span(line.number, column, lines[end_index].number, end_column), family.id, family.name,
                family.severity, keyed_fingerprint(secret, self.key), redact(secret, family), route))


def history_families(families: Sequence[TokenFamily]) -> list[TokenFamily]:
    """The families that stand on their own in free text (no key name needed as context)."""
    return searchable_families(families)
