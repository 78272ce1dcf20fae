"""Memory does not grow with the files a scan looks at, only with what it reports.

Files that are read and parsed but turn out not to be MCP configs (a structured file whose head
mentions "servers" but holds no server map) must leave nothing behind: scanning four times as
many of them keeps the same memory, and the peak grows by no more than discovery's bookkeeping
(a path per candidate), far less than the parsed documents would take. What the result keeps
per config found (its servers, for the inventory and the reports) is bounded per config.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path

from scanner.engine import scan_paths

BASE = 60  # rejected files in the small tree; the large one has four times as many


def rejected_file(n: int) -> str:
    """About 3 KB of JSON that passes the content hint ("servers":) but is no MCP config."""
    rows = [{"id": f"row-{n}-{i}", "value": i * n, "tags": ["alpha", "beta", f"t{i}"]} for i in range(30)]
    return json.dumps({"servers": f"see inventory {n}", "rows": rows}, indent=1)


def config_file(n: int) -> str:
    return json.dumps({"mcpServers": {f"s{n}-{i}": {"command": "uvx", "args": [f"tool-{i}==1.0"]}
                                      for i in range(4)}})


def build(root: Path, rejected: int, configs: int) -> None:
    for n in range(rejected):
        path = root / "data" / f"d{n // 50}" / f"inventory-{n}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rejected_file(n), encoding="utf-8")
    for n in range(configs):
        path = root / "apps" / f"a{n}" / ".cursor" / "mcp.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config_file(n), encoding="utf-8")


def measure(root: Path) -> tuple[int, int, int]:
    """(peak, kept while the result is held, configs found), in bytes, caches warmed first."""
    scan_paths([root])  # a first scan fills every cache (catalogue, families, memoised values)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = scan_paths([root])
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before, current - before, len(result.configs)


def test_rejected_files_leave_nothing_behind(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    build(small, BASE, configs=5)
    build(large, 4 * BASE, configs=5)
    peak_small, kept_small, found_small = measure(small)
    peak_large, kept_large, found_large = measure(large)
    assert found_small == found_large == 5
    extra = 3 * BASE
    document_bytes = len(rejected_file(0))  # a parsed document takes several times its text
    # Kept: the same result (five configs); nothing per rejected file.
    assert kept_large - kept_small < extra * 64, (kept_small, kept_large)
    # Peak: discovery's list of candidates grows (a path each), the documents do not pile up.
    assert peak_large - peak_small < extra * document_bytes // 2, (peak_small, peak_large)


def test_what_the_result_keeps_per_config_is_bounded(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    build(small, 0, configs=20)
    build(large, 0, configs=80)
    _, kept_small, found_small = measure(small)
    _, kept_large, found_large = measure(large)
    assert (found_small, found_large) == (20, 80)
    per_config = (kept_large - kept_small) / 60
    # Four servers, their model and findings: a few tens of KB at most, and linear in configs.
    assert 0 < per_config < 64 * 1024, per_config
    assert kept_large < 4 * kept_small * 1.25
