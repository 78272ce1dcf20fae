"""Benchmark: pre-commit latency, whole process from start to exit, mcpiam against detect-secrets.

A pre-commit hook hands each tool the staged file names; what the developer waits for is the
whole process: interpreter start, imports, reading, scanning, exit. This bench stages one MCP
config in a fresh git repository and runs, side by side and warm (byte-code cached, first runs
discarded), ``mcpiam scan <file>`` and ``detect-secrets-hook <file>``, both from the Python
environment running the bench (executables beside ``sys.executable``; mcpiam as
``python -m mcpiam`` from this checkout when no ``mcpiam`` is installed there), in turns, round
after round, so that the machine's load falls on both alike. Besides wall time it reports each
tool's CPU time (user + system), which a busy machine sways less:

    python bench/precommit_latency.py             # 15 runs each, median and spread
    python bench/precommit_latency.py --runs 31

Byte code is cached under a temporary ``PYTHONPYCACHEPREFIX`` for both tools (as an installed
package has it), so neither pays for compiling, whatever ``PYTHONDONTWRITEBYTECODE`` says.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# One realistic project config: a pinned package, an env reference, a remote server with a header.
CONFIG = """{
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GITHUB_TOKEN}"}
    },
    "docs": {
      "url": "https://mcp.example.com/sse",
      "headers": {"Authorization": "Bearer ${env:DOCS_TOKEN}"}
    }
  }
}
"""


@dataclass(frozen=True)
class Row:
    tool: str
    command: str
    median_ms: float
    min_ms: float
    max_ms: float
    cpu_median_ms: float  # user + system time: what the tool itself costs, less swayed by load
    exit_codes: tuple[int, ...]


def mcpiam_command() -> list[str]:
    installed = BIN / "mcpiam"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "mcpiam"]


def detect_secrets_command() -> list[str]:
    hook = BIN / "detect-secrets-hook"
    if hook.exists():
        return [str(hook)]
    found = shutil.which("detect-secrets-hook")
    if found is None:
        raise SystemExit("detect-secrets-hook not found beside the Python running this bench")
    return [found]


def make_repo(base: Path) -> Path:
    """A git repository with one staged config (the bench runs git; mcpiam never does)."""
    repo = base / "repo"
    (repo / ".cursor").mkdir(parents=True)
    (repo / ".cursor" / "mcp.json").write_text(CONFIG, encoding="utf-8")
    (repo / "README.md").write_text("# demo\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    return repo


def child_env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "scanner"), env.get("PYTHONPATH")]))
    env["NO_COLOR"] = "1"
    return env


def run_once(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, from the kernel's child accounting) and exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.returncode


def measure(base: Path, runs: int, warmup: int = 2) -> list[Row]:
    """Runs the tools in turn, round after round, so that a change in the machine's load falls
    on both alike; the first ``warmup`` rounds (byte-code compiling, cold caches) are dropped."""
    repo = make_repo(base)
    env = child_env(base / "pycache")
    target = ".cursor/mcp.json"
    tools = (("mcpiam", [*mcpiam_command(), "scan", target]),
             ("detect-secrets", [*detect_secrets_command(), target]))
    timings: dict[str, list[tuple[float, float, int]]] = {tool: [] for tool, _ in tools}
    for round_index in range(warmup + runs):
        for tool, command in tools:
            measured = run_once(command, repo, env)
            if round_index >= warmup:
                timings[tool].append(measured)
    rows = []
    for tool, command in tools:
        wall = [elapsed * 1000 for elapsed, _, _ in timings[tool]]
        cpu = [used * 1000 for _, used, _ in timings[tool]]
        shown = " ".join([Path(command[0]).name, *command[1:]])
        rows.append(Row(tool, shown, statistics.median(wall), min(wall), max(wall),
                        statistics.median(cpu), tuple(sorted({code for _, _, code in timings[tool]}))))
    return rows


def table(rows: list[Row], runs: int) -> str:
    lines = [f"Pre-commit latency: one staged config, whole process, median of {runs} warm runs",
             "",
             "| tool | command | median | min | max | CPU (median) | exit |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for row in rows:
        codes = ",".join(str(code) for code in row.exit_codes)
        lines.append(f"| {row.tool} | `{row.command}` | {row.median_ms:.0f} ms | {row.min_ms:.0f} ms "
                     f"| {row.max_ms:.0f} ms | {row.cpu_median_ms:.0f} ms | {codes} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per tool (default 15)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
        rows = measure(Path(tmp), args.runs)
    print(table(rows, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
