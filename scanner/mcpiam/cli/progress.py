"""A progress line on standard error for a scan or sweep that takes more than a second.

Shown only when standard error is a terminal (the caller decides), rewritten in place, and
cleared when the run ends, so nothing of it stays in the scrollback or reaches a log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import TextIO

from mcpiam.core.redact import shown_on_terminal

DELAY_SECONDS = 1.0  # a run shorter than this shows no progress at all
_CLEAR_LINE = "\r\x1b[2K"


class ProgressLine:
    """Callable with a message (``reading 120/800 files``); writes it over the previous one once
    ``delay`` seconds have passed since the run started, cut to ``width``."""

    __slots__ = ("_stream", "_clock", "_started", "_delay", "_width", "_shown")

    def __init__(self, stream: TextIO, width: int, *, delay: float = DELAY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._delay = delay
        self._width = max(width - 1, 10)  # the last column would wrap on some terminals
        self._shown = False

    def __call__(self, message: str) -> None:
        if self._clock() - self._started < self._delay:
            return
        line = f"mcpiam: {shown_on_terminal(message)}"[:self._width]
        self._stream.write(_CLEAR_LINE + line)
        self._stream.flush()
        self._shown = True

    def finish(self) -> None:
        """Clear the line, when one was shown, before the report or summary is written."""
        if self._shown:
            self._stream.write(_CLEAR_LINE)
            self._stream.flush()
            self._shown = False
