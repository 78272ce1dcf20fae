"""Reading activity records keeps memory independent of a file's size: a transcript four times as
long (same sessions, same servers, more lines) peaks at about the same traced memory."""

from __future__ import annotations

import gc
import json
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

from mcpiam.activity.read import read_activity
from mcpiam.catalogue import default_catalogue
from mcpiam.discover.homes import Home, SweepPlan
from mcpiam.secrets.families import load_families

FILLER = "a tool result line of ordinary words that the credential search reads and forgets " * 40


def transcript(path: Path, turns: int) -> None:
    """One session repeating the same two MCP calls: only the file's length grows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for turn in range(turns):
            tool_id = f"toolu_{turn % 2}"  # the same two calls again: the reader's per-call state stays two
            out.write(json.dumps({"type": "assistant", "sessionId": "s", "cwd": "/p", "timestamp": "2026-10-20T09:00:00Z",
                                  "message": {"id": f"m{turn}", "content": [{"type": "tool_use", "id": tool_id,
                                                                             "name": "mcp__github__get_me"}]}}) + "\n")
            out.write(json.dumps({"type": "user", "sessionId": "s", "message": {"content": [
                {"type": "tool_result", "tool_use_id": tool_id, "content": FILLER}]}}) + "\n")


def peak_reading(home: Path) -> int:
    plan = SweepPlan("linux", (Home(home, "u"),))
    families = load_families(check_examples=False)
    catalogue = default_catalogue()
    gc.collect()
    tracemalloc.start()
    activity = read_activity(plan, catalogue, families, b"k", now=datetime(2026, 10, 31, tzinfo=timezone.utc))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert activity.tools[0].calls == 2
    return peak


def test_peak_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    transcript(small / ".claude/projects/-p/s.jsonl", 200)  # ~0.7 MB
    transcript(large / ".claude/projects/-p/s.jsonl", 800)  # ~2.9 MB
    peak_reading(small)  # the first run pays for compiled patterns and caches
    small_peak, large_peak = peak_reading(small), peak_reading(large)
    size = (large / ".claude/projects/-p/s.jsonl").stat().st_size
    assert large_peak < small_peak * 1.25 + (1 << 20), (small_peak, large_peak)
    assert large_peak < size / 2
