"""A note: a message about the input that is not a finding (a skipped file, a refused link)."""

from __future__ import annotations

from mcpiam.core.valuetype import dataclass

from mcpiam.core.document import Span


@dataclass(frozen=True, slots=True)
class Note:
    """A message about input that is not a finding: a skipped binary file, a BOM, a link loop."""

    path: str
    level: str  # warning | info
    code: str
    message: str
    span: Span | None = None


# A git-ignored file the catalogue claims, left out of a scan that follows git's view (the text
# summary counts these notes even when info notes are hidden).
GIT_IGNORED_NOTE = "git-ignored-config"

# The one note that stands for the missing-owner findings of a scan with no policy file (an owner
# registry is a choice to make once, not a finding per server); the text report shows it above
# its summary line.
UNOWNED_SERVERS_NOTE = "unowned-servers"

# Note codes that mean "something that may hold a config was not read" (a folder that could not be
# listed, a file that could not be opened or was skipped unread); ``--strict`` makes any of them exit 2.
UNREAD_NOTE_CODES = frozenset({
    "unreadable-directory", "unreadable-home", "unreadable-path", "unreadable", "not-found",
    "special-file", "too-large", "internal-read-error",
    # refused by the file-opening fence (core.safe_open) or the git index check: not read either
    "link-outside-tree", "file-changed", "foreign-owner", "foreign-hard-link", "directory",
    "unsafe-index-entry",
})
