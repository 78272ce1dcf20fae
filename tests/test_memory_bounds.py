"""Memory does not grow with the files a scan looks at, only with what it reports.

Files that are read and parsed but turn out not to be MCP configs (a structured file whose head
mentions "servers" but holds no server map) must leave nothing behind: scanning four times as
many of them keeps the same memory, and the peak grows by no more than discovery's bookkeeping
(a path per candidate), far less than the parsed documents would take. What the result keeps
per config found (its servers, for the inventory and the reports) is bounded per config. Parsing
keeps nothing per file at any size: py-tree-sitter 0.26 keeps whatever a read callback returns,
so the parse step must hand it nothing that belongs to one file (scanner/mcpiam/parse/treesitter.py).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcpiam.engine.scan import scan_paths
from mcpiam.parse import treesitter

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


# Sources below and above 128 KB, the size up to which sources were once handed to tree-sitter as
# bytes (larger ones leaked through the read callback, a whole source per file).
SOURCE_SIZES = (16 * 1024, 64 * 1024, 160 * 1024, 320 * 1024)


def source_of(n: int, size: int) -> bytes:
    """About ``size`` bytes of JSON, different for each ``n``."""
    rows, total = [], 0
    while total < size:
        row = json.dumps({"id": f"row-{n}-{len(rows)}", "tags": ["alpha", f"t{len(rows)}"]})
        rows.append(row)
        total += len(row) + 2
    return ("[" + ",\n".join(rows) + "]").encode()


def sources(start: int, count: int) -> Iterator[bytes]:
    """Made one at a time, so only the parse can keep one alive."""
    for n in range(start, start + count):
        yield source_of(n, SOURCE_SIZES[n % len(SOURCE_SIZES)])


def parse_all(start: int, count: int) -> None:
    for source in sources(start, count):
        assert not treesitter.parse("json", source).root_node.has_error
    gc.collect()


def kept_by_parsing(start: int, count: int) -> int:
    """Python memory still allocated after parsing ``count`` sources and dropping their trees."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        parse_all(start, count)
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_parsing_keeps_nothing_per_file_at_any_size() -> None:
    parse_all(0, len(SOURCE_SIZES))  # grammar loaded, read window made
    few = kept_by_parsing(100, 4)
    many = kept_by_parsing(200, 12)
    # Eight more files, four of them above 128 KB: keeping their sources would be about 1.9 MB,
    # keeping one small object per file (an empty bytearray is 57 bytes) some hundreds of bytes.
    assert many - few < 8 * 8, (few, many)
    assert many < 1024, many


def resident_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# Run in a fresh interpreter: in this one, memory freed by earlier tests would absorb a leak.
RESIDENT_PROBE = """
from test_memory_bounds import parse_all, resident_bytes
parse_all(0, 16)  # grammar loaded, the allocator's arenas at their working size
before = resident_bytes()
parse_all(16, 16)
print("GROWN", resident_bytes() - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_resident_memory_does_not_grow_with_files_parsed() -> None:
    # tree-sitter's own allocations (its trees) are invisible to tracemalloc; the resident set
    # sees both. Sixteen more files of the same sizes must fit in the same memory.
    here = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent / "scanner"), str(here)])}
    done = subprocess.run([sys.executable, "-c", RESIDENT_PROBE], cwd=here.parent, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    grown = int(done.stdout.split("GROWN")[1])
    # Keeping the eight sources above 128 KB would add about 1.9 MB.
    assert grown < 512 * 1024, grown


def big_rejected_file(n: int) -> str:
    """About 200 KB of JSON with the content hint but no server map: read, parsed, rejected."""
    notes = " ".join(f"note-{n}-{i}" for i in range(20_000))
    return json.dumps({"servers": f"see inventory {n}", "notes": notes})


def test_rejected_files_above_128_kb_leave_nothing_behind(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    for root, count in ((small, 2), (large, 8)):
        build(root, 0, configs=2)
        for n in range(count):
            path = root / "data" / f"notes-{n}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(big_rejected_file(n), encoding="utf-8")
    size = len(big_rejected_file(0))
    assert size > 128 * 1024
    peak_small, kept_small, found_small = measure(small)
    peak_large, kept_large, found_large = measure(large)
    assert found_small == found_large == 2
    # Six more files of 200 KB each: their sources would be 1.2 MB.
    assert kept_large - kept_small < 6 * 1024, (kept_small, kept_large)
    # One file at a time: the peak is one file's work, whatever the number of files.
    assert peak_large - peak_small < size // 2, (peak_small, peak_large)
