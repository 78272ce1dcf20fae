"""Prompt histories (Claude Code and Codex ``history.jsonl``, Gemini ``logs.json``): no tool call,
read for the credentials users paste into prompts only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from mcpiam.activity.calls import Call, ReadContext
from mcpiam.activity.lines import Line


def read(lines: Iterable[Line], context: ReadContext) -> Iterator[Call]:
    for _ in lines:  # each line passes the credential search on its way here
        pass
    yield from ()
