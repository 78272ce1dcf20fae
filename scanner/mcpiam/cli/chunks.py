"""A report written in pieces: batched into writes of a useful size, ending in a newline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# About what one write to a pipe or file takes at once; a piece per finding would be a write each.
BATCH_CHARACTERS = 1 << 16


def ending_in_newline(pieces: Iterable[str]) -> Iterator[str]:
    last = ""
    for piece in pieces:
        if piece:
            last = piece
            yield piece
    if not last.endswith("\n"):
        yield "\n"


def batched(pieces: Iterable[str], size: int = BATCH_CHARACTERS) -> Iterator[str]:
    waiting: list[str] = []
    length = 0
    for piece in pieces:
        waiting.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(waiting)
            waiting, length = [], 0
    if waiting:
        yield "".join(waiting)
