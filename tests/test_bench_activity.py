"""The activity benchmark's generator and measurement on a tiny home: the records it writes are
read by mcpiam with the calls and credentials it planted (no timing is asserted)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from bench_loading import load_bench_module

ROOT = Path(__file__).resolve().parents[1]


def load_bench():
    return load_bench_module("activity", "activity_bench")


def test_generated_home_is_read_with_every_planted_call(tmp_path: Path) -> None:
    bench = load_bench()
    home = tmp_path / "home"
    written = bench.generate(home, size_mb=0.5, file_mb=0.1)
    files = sorted(home.rglob("*.jsonl"))
    assert written >= 0.5 * 2**20 and len(files) == 5
    claude_calls = sum(line.count('"type": "tool_use"') for path in files for line in path.read_text().splitlines())
    codex_calls = sum(line.count('"mcp_tool_call_end"') for path in files for line in path.read_text().splitlines())
    out = tmp_path / "view.json"
    cpu, wall, rss, code = bench.measure("", [sys.executable, "-m", "mcpiam", "activity", "--home", str(home),
                                              "--platform", "linux", "-f", "json", "-o", str(out)])
    assert code == 0 and cpu > 0 and wall > 0 and rss > 0
    activity = json.loads(out.read_text())["activity"]
    by_client = {client: sum(t["calls"] for t in activity["tools"] if t["client"] == client)
                 for client in ("claude-code", "codex")}
    assert by_client == {"claude-code": claude_calls, "codex": codex_calls}
