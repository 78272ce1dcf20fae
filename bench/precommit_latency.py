"""Benchmark: pre-commit cost, whole process from start to exit, mcpiam against two secret hooks.

A pre-commit hook hands each tool the staged file names; what the developer waits for is the
whole process: interpreter start, imports, reading, scanning, exit. This bench stages MCP configs
in a fresh git repository and runs, in three cases (one clean config that only references its
credentials, one config with 5 literal secrets, ten configs in one run):

- ``mcpiam scan <files>``;
- ``mcp-secret-sentinel scan <files>``, a peer built for MCP configs (``pip install
  mcp-secret-sentinel``; found beside the Python running this bench, on ``PATH``, or given with
  ``--sentinel PATH``; when it is not installed the bench says so and leaves it out);
- ``detect-secrets-hook <files>``, the generic hook mcpiam builds on.

The tools take turns (round-robin, case after case, round after round) so that the machine's load
falls on all alike; the first rounds (byte-code compiling, cold caches) are dropped. Each run's CPU
time is the child's own user + system time from the kernel (``os.wait4``): what the tool costs,
which a busy machine sways less than the wall time, also shown. The table puts the three cases
side by side: each tool's CPU and wall medians, and mcpiam's medians divided by each peer's:

    python bench/precommit_latency.py             # 15 runs each
    python bench/precommit_latency.py --runs 31 --sentinel /path/to/mcp-secret-sentinel

Byte code is cached under a temporary ``PYTHONPYCACHEPREFIX`` for every tool (as an installed
package has it), so none pays for compiling, whatever ``PYTHONDONTWRITEBYTECODE`` says. The
secrets are generated from mcpiam's token-family examples at run time: nothing real, nothing kept.
"""

from __future__ import annotations

import argparse
import json
import os
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

# The families of the 5 secrets written literally into the second case's config.
SECRET_FAMILIES = ("github-classic-pat", "aws-access-key-id", "aws-secret-access-key", "slack-bot-token",
                   "stripe-live-secret-key")
CASES = ("one clean config", "one config, 5 secrets", "ten configs")
PEER = "mcp-secret-sentinel"


@dataclass(frozen=True)
class Row:
    case: str
    tool: str
    command: str
    median_ms: float
    min_ms: float
    max_ms: float
    cpu_median_ms: float  # user + system time of the child: what the tool itself costs
    exit_codes: tuple[int, ...]


@dataclass(frozen=True)
class Tool:
    name: str
    command: tuple[str, ...]  # the program and its fixed arguments; the staged files follow


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


def sentinel_command(given: str | None = None) -> list[str] | None:
    """The peer's command, or None when it is not installed (the bench then leaves it out)."""
    candidates = [given] if given else [str(BIN / PEER), shutil.which(PEER)]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return [candidate]
    if given:
        raise SystemExit(f"--sentinel {given}: not an executable file")
    return None


def _secret_servers() -> dict[str, object]:
    from mcpiam.secrets.families import expand_example, load_families

    families = {family.id: family for family in load_families(check_examples=False)}
    token = {name: expand_example(families[name].examples.positive[0].template) for name in SECRET_FAMILIES}
    return {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": token["github-classic-pat"]}},
        "aws": {"command": "uvx", "args": ["awslabs.aws-api-mcp-server==1.0.0"],
                "env": {"AWS_ACCESS_KEY_ID": token["aws-access-key-id"],
                        "AWS_SECRET_ACCESS_KEY": token["aws-secret-access-key"]}},
        "slack": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"],
                  "env": {"SLACK_BOT_TOKEN": token["slack-bot-token"]}},
        "stripe": {"url": "https://mcp.stripe.com",
                   "headers": {"Authorization": f"Bearer {token['stripe-live-secret-key']}"}},
    }


def make_repo(base: Path) -> tuple[Path, dict[str, list[str]]]:
    """A git repository with every case's configs staged (the bench runs git; mcpiam never does),
    and the files each case hands the tools."""
    repo = base / "repo"
    secret_config = json.dumps({"mcpServers": _secret_servers()}, indent=2) + "\n"
    files = {CASES[0]: [".cursor/mcp.json"], CASES[1]: ["secrets/.cursor/mcp.json"],
             CASES[2]: [f"packages/p{index}/.vscode/mcp.json" if index % 2 else f"packages/p{index}/.mcp.json"
                        for index in range(10)]}
    texts = {".cursor/mcp.json": CONFIG, "secrets/.cursor/mcp.json": secret_config}
    for index, name in enumerate(files[CASES[2]]):
        # Four of the ten carry the secrets; VS Code's files name their servers under "servers".
        text = secret_config if index % 3 == 0 else CONFIG
        texts[name] = text.replace('"mcpServers"', '"servers"') if ".vscode" in name else text
    for name, text in texts.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    (repo / "README.md").write_text("# demo\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    return repo, files


def child_env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "scanner"), env.get("PYTHONPATH")]))
    env["NO_COLOR"] = "1"
    return env


def run_once(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system of this child, from ``os.wait4``) and exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return elapsed, usage.ru_utime + usage.ru_stime, process.returncode


def tools(sentinel: list[str] | None) -> list[Tool]:
    found = [Tool("mcpiam", (*mcpiam_command(), "scan"))]
    if sentinel is not None:
        found.append(Tool(PEER, (*sentinel, "scan")))
    found.append(Tool("detect-secrets", tuple(detect_secrets_command())))
    return found


def measure(base: Path, runs: int, warmup: int = 2, sentinel: list[str] | None = None) -> list[Row]:
    """Runs every tool on every case in turn, round after round, so that a change in the machine's
    load falls on all alike; the first ``warmup`` rounds are dropped."""
    repo, files = make_repo(base)
    env = child_env(base / "pycache")
    measured = tools(sentinel)
    timings: dict[tuple[str, str], list[tuple[float, float, int]]] = {
        (case, tool.name): [] for case in CASES for tool in measured}
    for round_index in range(warmup + runs):
        for case in CASES:
            for tool in measured:
                result = run_once([*tool.command, *files[case]], repo, env)
                if round_index >= warmup:
                    timings[case, tool.name].append(result)
    rows = []
    for case in CASES:
        for tool in measured:
            done = timings[case, tool.name]
            wall = [elapsed * 1000 for elapsed, _, _ in done]
            cpu = [used * 1000 for _, used, _ in done]
            shown_files = files[case][0] if len(files[case]) == 1 else f"<{len(files[case])} files>"
            shown = " ".join([Path(tool.command[0]).name, *tool.command[1:], shown_files])
            rows.append(Row(case, tool.name, shown, statistics.median(wall), min(wall), max(wall),
                            statistics.median(cpu), tuple(sorted({code for _, _, code in done}))))
    return rows


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs else "n/a"


def table(rows: list[Row], runs: int, load: tuple[float, float] | None = None) -> str:
    """The three cases side by side: each tool's CPU and wall medians, then mcpiam's medians
    divided by each peer's (below 1.00: mcpiam costs less), then the commands and exit codes."""
    names = list(dict.fromkeys(row.tool for row in rows))
    peers = [name for name in names if name != "mcpiam"]
    by = {(row.case, row.tool): row for row in rows}
    cases = list(dict.fromkeys(row.case for row in rows))
    lines = [f"Pre-commit cost: whole process, median of {runs} warm runs, the tools in turns. CPU is the "
             "child's user + system time (os.wait4), which the machine's load sways less than wall time."]
    if load is not None:
        lines.append(f"Load average (1 min) on this machine: {load[0]:.1f} before, {load[1]:.1f} after.")
    lines += ["",
              "| case | " + " | ".join(f"{name} CPU (wall)" for name in names) + " | "
              + " | ".join(f"mcpiam ÷ {name}: CPU (wall)" for name in peers) + " |",
              "| --- |" + " ---: |" * (len(names) + len(peers))]
    for case in cases:
        ours = by[case, "mcpiam"]
        cells = [f"{by[case, name].cpu_median_ms:.0f} ms ({by[case, name].median_ms:.0f} ms)" for name in names]
        cells += [f"{_ratio(ours.cpu_median_ms, by[case, name].cpu_median_ms)} "
                  f"({_ratio(ours.median_ms, by[case, name].median_ms)})" for name in peers]
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines += ["", "| case | tool | command | wall min | wall max | exit |", "| --- | --- | --- | ---: | ---: | --- |"]
    for row in rows:
        codes = ",".join(str(code) for code in row.exit_codes)
        lines.append(f"| {row.case} | {row.tool} | `{row.command}` | {row.min_ms:.0f} ms | {row.max_ms:.0f} ms "
                     f"| {codes} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per tool and case (default 15)")
    parser.add_argument("--sentinel", default=None, metavar="PATH",
                        help=f"the {PEER} executable (default: beside this Python, or on PATH)")
    args = parser.parse_args(argv)
    sentinel = sentinel_command(args.sentinel)
    if sentinel is None:
        print(f"{PEER} is not installed (pip install {PEER}, or --sentinel PATH): measuring without it\n")
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
        rows = measure(Path(tmp), args.runs, sentinel=sentinel)
    print(table(rows, args.runs, (before, os.getloadavg()[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
