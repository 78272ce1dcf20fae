"""Benchmark: throughput and memory of `mcpiam scan` over many config files of realistic size.

Writes ``--configs`` MCP configs (default 5,000; Cursor JSON, VS Code JSONC, Continue YAML and
Codex TOML in turn, each with four servers: pinned packages, env references, a remote server
with a header, about 1 KB) and scans them twice: whole process (configs/s, and the child's peak
resident memory from ``getrusage``), at a fifth of the count and at the full count, so the
growth per config shows; and in process under ``tracemalloc`` (peak Python allocations, and what
the result keeps per config: the parsed model the inventory and reports read):

    python bench/throughput.py                  # 1,000 and 5,000 configs, 3 runs
    python bench/throughput.py --configs 2000 --runs 5
    python bench/throughput.py --sizes 1000,5000,20000 --runs 1   # memory flat in the configs?
    python bench/throughput.py --sizes 1000,20000 --runs 1 --sweep-homes 200   # and a 200-home sweep

The last line of the table compares the largest size's peak resident memory with the smallest's
(the goal: 20,000 configs within twice the peak of 1,000). The scans run with ``--jobs 1`` by
default, so the peak is that of the one process doing all the work (``--jobs 0``: mcpiam's
default, worker processes from 256 candidates; the peak is then the largest of the processes).
CPU time is user + system of the scan and its workers. tracemalloc slows a scan several times, so
the in-process rows are measured only up to ``--traced-max`` configs.

From 256 candidates a scan keeps each config and its findings packed (pickled and compressed)
once the file is judged and writes the JSON report item by item, so memory grows by about 1.5 KB
per config found, never with the files merely looked at or rejected. ``--sweep-homes N`` adds the
sweep of N small homes from ``bench/sweep_large_home.py`` (time per home, time of the JSON report).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "scanner") not in sys.path:
    sys.path.insert(0, str(ROOT / "scanner"))

# (relative path of the n-th config, format); every one a catalogue location.
LAYOUTS = (
    ("apps/app-{n}/.cursor/mcp.json", "json"),
    ("apps/app-{n}/.vscode/mcp.json", "jsonc"),
    ("apps/app-{n}/.continue/mcpServers/tools.yaml", "yaml"),
    ("apps/app-{n}/.codex/config.toml", "toml"),
)


def servers(n: int) -> dict[str, dict]:
    return {
        f"github-{n}": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GITHUB_TOKEN}"}},
        f"postgres-{n}": {"command": "docker",
                          "args": ["run", "-i", "--rm", "-e", "DATABASE_URL",
                                   "mcp/postgres@sha256:" + "0123456789abcdef" * 4],
                          "env": {"DATABASE_URL": "${env:DATABASE_URL}"}},
        f"files-{n}": {"command": "uvx", "args": ["mcp-server-filesystem==0.6.2", f"/srv/project-{n}"]},
        f"docs-{n}": {"url": f"https://mcp-{n}.example.com/mcp",
                      "headers": {"Authorization": "Bearer ${env:DOCS_TOKEN}"}},
    }


def render(fmt: str, n: int) -> str:
    entries = servers(n)
    if fmt == "json":
        return json.dumps({"mcpServers": entries}, indent=2) + "\n"
    if fmt == "jsonc":
        body = json.dumps({"servers": entries, "inputs": []}, indent=2)
        return f"// workspace MCP servers for app {n}\n{body}\n"
    if fmt == "yaml":
        lines = ["name: tools", "version: 0.0.1", "schema: v1", "mcpServers:"]
        for name, server in entries.items():
            lines.append(f"  - name: {name}")
            for key, value in server.items():
                if isinstance(value, list):
                    lines.append(f"    {key}:")
                    lines += [f"      - {json.dumps(item)}" for item in value]
                elif isinstance(value, dict):
                    lines.append(f"    {key}:")
                    lines += [f"      {k}: {json.dumps(v)}" for k, v in value.items()]
                else:
                    lines.append(f"    {key}: {json.dumps(value)}")
        return "\n".join(lines) + "\n"
    lines = []
    for name, server in entries.items():
        lines.append(f"[mcp_servers.{json.dumps(name)}]")
        for key, value in server.items():
            if key == "headers":
                key = "http_headers"
            if isinstance(value, dict):
                pairs = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items())
                lines.append(f"{key} = {{ {pairs} }}")
            else:
                lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    return "\n".join(lines)


def write_configs(root: Path, count: int) -> int:
    """Write ``count`` configs under ``root``; returns the bytes written."""
    total = 0
    for n in range(count):
        pattern, fmt = LAYOUTS[n % len(LAYOUTS)]
        path = root / pattern.format(n=n)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render(fmt, n)
        path.write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


@dataclass(frozen=True)
class ProcessRow:
    configs: int
    median_seconds: float
    peak_rss_mb: float
    configs_found: int
    servers: int
    cpu_seconds: float = 0.0  # median user + system of the scan and its workers

    @property
    def configs_per_second(self) -> float:
        return self.configs / self.median_seconds


@dataclass(frozen=True)
class MemoryRow:
    configs: int
    peak_mb: float  # tracemalloc peak during the scan
    kept_mb: float  # still allocated while the result is held
    findings: int


# Runs mcpiam as its own child and prints that child's peak resident set (KiB on Linux, bytes on
# macOS), so each measurement is one fresh process.
TRAMPOLINE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(f"PEAK {usage.ru_maxrss} {'bytes' if sys.platform == 'darwin' else 'KiB'} "
                 f"{usage.ru_utime + usage.ru_stime}\\n")
sys.stdout.buffer.write(done.stdout)
raise SystemExit(done.returncode)
"""


def child_env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "scanner"), env.get("PYTHONPATH")]))
    return env


def scan_command() -> list[str]:
    installed = Path(sys.executable).parent / "mcpiam"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "mcpiam"]


def run_process(tree: Path, env: dict[str, str], jobs: int = 1) -> tuple[float, float, dict, float]:
    """Wall seconds, peak RSS in MB, the JSON report, CPU seconds."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", TRAMPOLINE, *scan_command(), "scan", ".", "--format", "json",
                           "--exit-zero", "--jobs", str(jobs)], cwd=tree, env=env, capture_output=True,
                          text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"mcpiam scan failed ({done.returncode}): {done.stderr.strip()}")
    value, unit, cpu = done.stderr.strip().splitlines()[-1].split()[1:4]
    peak_mb = int(value) / (1024 * 1024 if unit == "bytes" else 1024)
    return elapsed, peak_mb, json.loads(done.stdout), float(cpu)


def measure_process(tree: Path, count: int, runs: int, env: dict[str, str], jobs: int = 1) -> ProcessRow:
    run_process(tree, env, jobs)  # warm: byte code and file cache
    timings, peaks, cpus, report = [], [], [], {}
    for _ in range(runs):
        elapsed, peak, report, cpu = run_process(tree, env, jobs)
        timings.append(elapsed)
        peaks.append(peak)
        cpus.append(cpu)
    summary = report["summary"]
    return ProcessRow(count, statistics.median(timings), statistics.median(peaks), summary["configs"],
                      summary["servers"], statistics.median(cpus))


def measure_memory(tree: Path, count: int) -> MemoryRow:
    """tracemalloc around one in-process scan (catalogue and token families loaded beforehand)."""
    from mcpiam.engine.scan import scan_paths

    scan_paths([tree / "apps" / "app-0"])  # warm the caches, so only the scan itself is counted
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = scan_paths([tree])
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(result.configs) == count, (len(result.configs), count)
    return MemoryRow(count, (peak - before) / 2**20, (current - before) / 2**20, len(result.findings))


def table(process_rows: list[ProcessRow], memory_rows: list[MemoryRow], runs: int, size: int) -> str:
    """The two tables, and how the peak resident memory grew from the smallest size to the largest."""
    text = _tables(process_rows, memory_rows, runs, size)
    if len(process_rows) > 1:
        small, large = process_rows[0], process_rows[-1]
        text += (f"\n\nPeak RSS at {large.configs:,} configs is {large.peak_rss_mb / small.peak_rss_mb:.2f}x "
                 f"that at {small.configs:,} ({large.configs // small.configs}x the configs).")
    return text


def _tables(process_rows: list[ProcessRow], memory_rows: list[MemoryRow], runs: int, size: int) -> str:
    lines = [f"Throughput: configs of about {size / 1024:.1f} KB (4 servers each), whole process, "
             f"median of {runs} runs",
             "",
             "| configs | servers | wall time | CPU time | configs/s (CPU) | peak RSS |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in process_rows:
        per_cpu_second = f"{row.configs / row.cpu_seconds:,.0f}" if row.cpu_seconds else "-"
        lines.append(f"| {row.configs:,} | {row.servers:,} | {row.median_seconds:.2f} s | {row.cpu_seconds:.2f} s "
                     f"| {per_cpu_second} | {row.peak_rss_mb:.0f} MB |")
    lines += ["", "In process (tracemalloc, the scan alone):", "",
              "| configs | findings | peak | kept by the result | kept per config |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    for row in memory_rows:
        lines.append(f"| {row.configs:,} | {row.findings:,} | {row.peak_mb:.1f} MB | {row.kept_mb:.1f} MB "
                     f"| {row.kept_mb * 1024 / row.configs:.1f} KB |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=5_000, help="configs at full size (default 5,000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per size (default 3)")
    parser.add_argument("--sizes", help="comma-separated config counts (default: a fifth of --configs, and --configs)")
    parser.add_argument("--traced-max", type=int, default=5_000,
                        help="largest size also measured in process under tracemalloc (default 5,000)")
    parser.add_argument("--jobs", type=int, default=1, help="mcpiam's --jobs (default 1: one process)")
    parser.add_argument("--sweep-homes", type=int, default=0, metavar="N",
                        help="also sweep N small homes (bench/sweep_large_home.py), e.g. 200")
    args = parser.parse_args(argv)
    if args.sizes:
        counts = sorted({int(size) for size in args.sizes.split(",")})
    else:
        counts = sorted({max(1, args.configs // 5), args.configs})
    process_rows, memory_rows = [], []
    with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
        env = child_env(Path(tmp) / "pycache")
        size = 0
        for count in counts:
            tree = Path(tmp) / f"tree-{count}"
            size = write_configs(tree, count) // count
            process_rows.append(measure_process(tree, count, args.runs, env, args.jobs))
            if count <= args.traced_max:
                memory_rows.append(measure_memory(tree, count))
    print(table(process_rows, memory_rows, args.runs, size))
    if args.sweep_homes:
        import sweep_large_home

        with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
            homes = sweep_large_home.build_homes(Path(tmp), args.sweep_homes)
            print()
            print(sweep_large_home.homes_table(sweep_large_home.measure_homes(homes, runs=1), 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
