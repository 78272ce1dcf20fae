"""One reader per record format: ``read(lines, context)`` yields the MCP tool calls in a file.

A reader counts each call once (by the client's own call id), leaves the client's built-in tools
out, and keeps no text of the records.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator

from mcpiam.activity.calls import Call, ReadContext
from mcpiam.activity.lines import Line

Reader = Callable[[Iterable[Line], ReadContext], Iterator[Call]]
LINE_READERS = ("claude_code", "codex", "gemini", "claude_desktop", "prompt_history", "vscode_chat")
DATABASE_READERS = ("cursor",)  # read_database(found, context, search): a SQLite file, not lines
# Files of a format mcpiam does not read (Codex's zstd rollouts): each found one is a warning, so a
# record that holds calls and credentials is never skipped without a word.
NOT_READ = "not_read"
READERS = LINE_READERS + DATABASE_READERS + (NOT_READ,)


def reader(name: str) -> Reader:
    """The ``read`` function of a line reader."""
    if name not in LINE_READERS:
        raise KeyError(name)
    return importlib.import_module(f"mcpiam.activity.readers.{name}").read  # type: ignore[no-any-return]
