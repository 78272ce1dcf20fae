"""A record file read line by line, never whole, through ``mcpiam.core.safe_open``.

Clients append to these files while they run, so the last line may be partly written: it is
reported as a partial line (a note, not an error). A line longer than ``MAX_LINE_BYTES`` is
skipped unread beyond that bound, so peak memory stays independent of the file's size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from mcpiam.core.document import Span
from mcpiam.core.notes import Note
from mcpiam.core.safe_open import FileIdentity, Fence, Refusal, open_file
from mcpiam.core.valuetype import dataclass

MAX_LINE_BYTES = 16 << 20  # a tool result inlined in one JSONL line can be megabytes; not more
_BUFFER = 1 << 20


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a record file: its 1-based number, its text (UTF-8, undecodable bytes replaced,
    no line end), and whether it ended with a newline (False only for the last)."""

    number: int
    text: str
    complete: bool


class LineReader:
    """The lines of one admitted file; ``notes`` collects what could not be read, without content."""

    def __init__(self, path: str, display: str, fence: Fence | None, identity: FileIdentity | None) -> None:
        self.path, self.display, self.fence, self.identity = path, display, fence, identity
        self.notes: list[Note] = []
        self.bytes_read = 0

    def note(self, level: str, code: str, message: str, line: int | None = None) -> None:
        span = Span.point(line, 1) if line is not None else None
        self.notes.append(Note(self.display, level, code, message, span))

    def lines(self) -> Iterator[Line]:
        descriptor = open_file(self.path, self.fence, self.identity)
        if isinstance(descriptor, Refusal):
            self.note("warning", descriptor.code, f"activity record skipped: {descriptor.message}")
            return
        try:
            stream = os.fdopen(descriptor, "rb", buffering=_BUFFER)
        except OSError:
            os.close(descriptor)
            raise
        with stream:
            number = 0
            while True:
                try:
                    raw = stream.readline(MAX_LINE_BYTES)
                except OSError as error:
                    self.note("warning", "unreadable", f"activity record not read to its end ({type(error).__name__})",
                              number + 1)
                    return
                if not raw:
                    return
                number += 1
                self.bytes_read += len(raw)
                if not raw.endswith(b"\n") and len(raw) >= MAX_LINE_BYTES:
                    self._skip_rest(stream)
                    self.note("warning", "long-record-line",
                              f"line longer than {MAX_LINE_BYTES} bytes; not read", number)
                    continue
                complete = raw.endswith(b"\n")
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                yield Line(number, text, complete)

    def _skip_rest(self, stream) -> None:  # type: ignore[no-untyped-def]
        """Read past the rest of an overlong line in bounded pieces."""
        while True:
            piece = stream.readline(_BUFFER)
            self.bytes_read += len(piece)
            if not piece or piece.endswith(b"\n"):
                return


def pretty_array_items(lines: Iterator[Line]) -> Iterator[tuple[list[Line], bool]]:
    """The items of a top-level array in a file written with ``JSON.stringify(value, null, 2)``,
    read from the line after its ``  "key": [`` up to its closing ``  ]``: each item is an object
    at indent 4, given as its lines and whether it is whole (the last item of a file a client was
    still writing can be cut off). The caller's iterator resumes after the array."""
    block: list[Line] = []
    for line in lines:
        text = line.text
        if text == "    {":
            block = [line]
        elif block:
            block.append(line)
            if text in ("    }", "    },"):
                yield block, True
                block = []
        elif text.startswith("  ]"):
            return
    if block:
        yield block, False
