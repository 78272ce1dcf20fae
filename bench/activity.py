"""Benchmark: reading a synthetic home of agent records, mcpiam activity vs mcp-secret-sentinel.

Generates a home of Claude Code session transcripts and Codex rollouts (``--size-mb`` in total,
200 MB by default, in files of ``--file-mb``; their real shapes: prompts, split assistant lines
with MCP ``tool_use`` calls, ``tool_result`` lines with long outputs, Codex ``function_call`` and
``mcp_tool_call_end`` events; a fake token, built here at run time, pasted into a few prompts and
results), then runs, alternated in one loop, ``mcpiam activity --home H -f json`` and
mcp-secret-sentinel's transcript scan of the same home (``HOME=H mcp-secret-sentinel agents
--no-user --transcripts``; it reads Claude Code and Codex transcripts up to 50 MB each, the 200
newest). Each run is measured from a fresh wrapper process: CPU time (user + sys) and peak RSS of
the command's process tree (``getrusage(RUSAGE_CHILDREN)``), and wall time. Medians are printed.
``--single-file`` also times mcpiam on one file of the whole size (the peer skips files over 50 MB),
to show peak memory does not grow with a file's size. Not run in CI.

    python bench/activity.py --sentinel /tmp/sentinel-act/bin/mcp-secret-sentinel [--size-mb 200]
        [--file-mb 2] [--rounds 3] [--single-file | --single-file-only] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "scanner") not in sys.path:  # a fresh clone: the package itself
    sys.path.insert(0, str(REPO / "scanner"))

from mcpiam.secrets.families import expand_example  # noqa: E402

WORDS = ("the build fails when the cache is cold so we retry the step with a clean tree and compare "
         "timings across runners before we change the pipeline configuration or the lock file").split()
MEASURE = ("import resource, subprocess, sys, time\n"
           "start = time.perf_counter()\n"
           "done = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,"
           " env=dict(__import__('os').environ, HOME=sys.argv[1]) if sys.argv[1] else None)\n"
           "wall = time.perf_counter() - start\n"
           "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
           "print(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, done.returncode)\n")


def _text(rng: random.Random, size: int) -> str:
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def _claude_lines(rng: random.Random, session: str, token: str, budget: int) -> list[str]:
    base = {"cwd": f"/home/u/src/app{rng.randrange(8)}", "sessionId": session, "version": "2.1.59",
            "isSidechain": False, "userType": "external", "gitBranch": "main"}
    lines, size, turn = [], 0, 0
    while size < budget:
        turn += 1
        at = f"2026-10-{1 + turn % 28:02d}T{turn % 24:02d}:00:00.000Z"
        prompt = _text(rng, rng.randrange(100, 1500)) + (f" {token}" if rng.random() < 0.002 else "")
        server = rng.choice(("github", "linear", "slack", "sentry"))
        tool_id = f"toolu_{session}_{turn}"
        output = _text(rng, rng.randrange(500, 8000)) + (f" {token}" if rng.random() < 0.002 else "")
        for record in (
            {**base, "type": "user", "uuid": f"u{turn}", "timestamp": at, "message": {"role": "user", "content": prompt}},
            {**base, "type": "assistant", "uuid": f"a{turn}", "timestamp": at, "requestId": f"req_{turn}",
             "message": {"id": f"msg_{turn}", "role": "assistant", "model": "claude-sonnet-4-5",
                         "content": [{"type": "text", "text": _text(rng, 300)}]}},
            {**base, "type": "assistant", "uuid": f"b{turn}", "timestamp": at, "requestId": f"req_{turn}",
             "message": {"id": f"msg_{turn}", "role": "assistant", "model": "claude-sonnet-4-5",
                         "content": [{"type": "tool_use", "id": tool_id, "name": f"mcp__{server}__search",
                                      "input": {"query": _text(rng, 80)}}]}},
            {**base, "type": "user", "uuid": f"r{turn}", "timestamp": at,
             "message": {"role": "user", "content": [{"tool_use_id": tool_id, "type": "tool_result",
                                                      "content": [{"type": "text", "text": output}]}]},
             "toolUseResult": [{"type": "text", "text": output}]},
        ):
            line = json.dumps(record)
            lines.append(line)
            size += len(line) + 1
    return lines


def _codex_lines(rng: random.Random, session: str, token: str, budget: int) -> list[str]:
    lines = [json.dumps({"timestamp": "2026-10-01T10:00:00.000Z", "type": "session_meta",
                         "payload": {"id": session, "cwd": "/home/u/src/api", "cli_version": "0.140.0",
                                     "base_instructions": {"text": _text(rng, 20000)}}})]
    size, turn = len(lines[0]), 0
    while size < budget:
        turn += 1
        at = f"2026-10-{1 + turn % 28:02d}T10:00:00.000Z"
        prompt = _text(rng, rng.randrange(100, 1500)) + (f" {token}" if rng.random() < 0.002 else "")
        call_id = f"call_{session}_{turn}"
        output = _text(rng, rng.randrange(500, 8000))
        for record in (
            {"timestamp": at, "type": "response_item", "payload": {"type": "message", "role": "user",
                                                                   "content": [{"type": "input_text", "text": prompt}]}},
            {"timestamp": at, "type": "event_msg", "payload": {"type": "user_message", "message": prompt}},
            {"timestamp": at, "type": "response_item", "payload": {"type": "function_call", "namespace": "mcp__docs__",
                                                                   "name": "search", "call_id": call_id,
                                                                   "arguments": json.dumps({"q": _text(rng, 60)})}},
            {"timestamp": at, "type": "event_msg", "payload": {"type": "mcp_tool_call_end", "call_id": call_id,
                                                               "invocation": {"server": "docs", "tool": "search"},
                                                               "result": {"Ok": {"content": [{"type": "text", "text": output}],
                                                                                 "isError": False}}}},
            {"timestamp": at, "type": "response_item", "payload": {"type": "function_call_output", "call_id": call_id,
                                                                   "output": output}},
        ):
            line = json.dumps(record)
            lines.append(line)
            size += len(line) + 1
    return lines


def generate(home: Path, size_mb: float, file_mb: float, seed: int = 7) -> int:
    """Write the records; returns the bytes written."""
    rng = random.Random(seed)
    token = expand_example("ghp_{github_crc:30}")
    total, budget, index = 0, int(size_mb * 2**20), 0
    while total < budget:
        index += 1
        this = min(int(file_mb * 2**20), budget - total)
        if index % 5 in (1, 3):
            path = home / f".codex/sessions/2026/10/{1 + index % 28:02d}/rollout-2026-10-01T10-00-00-{index:08d}.jsonl"
            lines = _codex_lines(rng, f"codex-{index}", token, this)
        else:
            path = home / f".claude/projects/-home-u-src-app{index % 8}/session-{index:06d}.jsonl"
            lines = _claude_lines(rng, f"s{index}", token, this)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = "\n".join(lines) + "\n"
        path.write_text(data, encoding="utf-8")
        total += len(data.encode())
    (home / ".claude.json").write_text(json.dumps({"mcpServers": {
        name: {"command": "npx", "args": ["-y", f"{name}-mcp"]} for name in ("github", "linear", "slack", "sentry")}}),
        encoding="utf-8")
    return total


def measure(home: str, command: list[str]) -> tuple[float, float, int, int]:
    out = subprocess.run([sys.executable, "-c", MEASURE, home, *command], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), int(out[3])


def _mcpiam() -> list[str]:
    found = shutil.which("mcpiam", path=str(Path(sys.executable).parent)) or shutil.which("mcpiam")
    return [found] if found else [sys.executable, "-m", "mcpiam"]


def _table(rows: list[tuple[str, list[tuple[float, float, int, int]]]]) -> None:
    print(f"{'tool':<46} {'CPU s (median)':>14} {'wall s':>8} {'peak RSS MiB':>13} {'exit':>5}")
    for name, runs in rows:
        cpu = statistics.median(run[0] for run in runs)
        wall = statistics.median(run[1] for run in runs)
        rss = statistics.median(run[2] for run in runs) / 1024
        print(f"{name:<46} {cpu:>14.2f} {wall:>8.2f} {rss:>13.1f} {runs[-1][3]:>5}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentinel", help="mcp-secret-sentinel executable (skipped when not given)")
    parser.add_argument("--size-mb", type=float, default=200)
    parser.add_argument("--file-mb", type=float, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single-file", action="store_true")
    parser.add_argument("--single-file-only", action="store_true", help="skip the home comparison")
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mcpiam-activity-bench-"))
    try:
        home = work / "home"
        home.mkdir(parents=True, exist_ok=True)
        if not args.single_file_only:
            written = generate(home, args.size_mb, args.file_mb)
            files = sum(1 for _ in home.rglob("*.jsonl"))
            print(f"synthetic home: {written / 2**20:.0f} MiB in {files} record files", flush=True)
        empty = work / "empty-project"
        empty.mkdir(exist_ok=True)
        mcpiam = [*_mcpiam(), "activity", "--home", str(home), "--platform", "linux", "-f", "json"]
        commands = [] if args.single_file_only else [("mcpiam activity", "", mcpiam)]
        if args.sentinel and not args.single_file_only:
            commands.append(("mcp-secret-sentinel agents --transcripts", str(home),
                             [args.sentinel, "agents", "--no-user", "--transcripts", "--format", "json", str(empty)]))
        results: dict[str, list] = {name: [] for name, _, _ in commands}
        for _ in range(args.rounds):  # alternated, so load from other work hits both alike
            for name, env_home, command in commands:
                results[name].append(measure(env_home, command))
                cpu, wall, rss, code = results[name][-1]
                print(f"  run: {name}: CPU {cpu:.2f} s, wall {wall:.2f} s, peak RSS {rss / 1024:.1f} MiB, exit {code}",
                      flush=True)
        rows = [(name, results[name]) for name, _, _ in commands]
        if args.single_file or args.single_file_only:
            for size in (args.size_mb / 10, args.size_mb):
                one = work / f"one-{size:g}"
                one.mkdir(exist_ok=True)
                path = one / ".claude/projects/-home-u-src-app/big.jsonl"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("\n".join(_claude_lines(random.Random(3), "big", expand_example("ghp_{github_crc:30}"),
                                                        int(size * 2**20))) + "\n", encoding="utf-8")
                runs = [measure("", [*_mcpiam(), "activity", "--home", str(one), "--platform", "linux", "-f", "json"])
                        for _ in range(args.rounds)]
                for cpu, wall, rss, code in runs:
                    print(f"  run: one {size:g} MiB file: CPU {cpu:.2f} s, wall {wall:.2f} s, "
                          f"peak RSS {rss / 1024:.1f} MiB, exit {code}", flush=True)
                rows.append((f"mcpiam activity, one {size:g} MiB file", runs))
                shutil.rmtree(one)
        _table(rows)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
