"""Benchmark: `mcpiam scan` of a large generated repository, whole process, wall time and files/s.

The tree holds ``--files`` files (default 50,000): most are unrelated source (Python, TypeScript,
JSON and YAML that name no MCP root, such as package.json and CI files) and a large
``node_modules``; among them ``--configs`` MCP configs (default 300) at every project location
of the catalogue, in every format mcpiam parses (JSON, JSONC, YAML, TOML, Markdown front matter,
dotenv). It is scanned twice over: as a plain folder (the walk skips dependency folders) and as
a git work tree with a ``.gitignore`` for ``node_modules`` (mcpiam reads git's index itself; the
bench runs ``git add`` to make it). Each row is the median of several warm runs:

    python bench/repo_scan.py                       # 50,000 files, 300 configs, 5 runs
    python bench/repo_scan.py --runs 9 --files 20000
"""

from __future__ import annotations

import argparse
import json
import os
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
    configs_found: int
    median_seconds: float
    min_seconds: float

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


def time_scan(repo: Repo, env: dict[str, str], runs: int, warmup: int = 1) -> tuple[list[float], dict]:
    seconds: list[float] = []
    report: dict = {}
    for index in range(warmup + runs):
        start = time.perf_counter()
        done = subprocess.run([*scan_command(), "scan", ".", "--format", "json", "--exit-zero"],
                              cwd=repo.root, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"mcpiam scan failed ({done.returncode}): {done.stderr.strip()}")
        report = json.loads(done.stdout)
        if index >= warmup:
            seconds.append(elapsed)
    return seconds, report


def measure(repo: Repo, runs: int, pycache: Path) -> list[Row]:
    env = child_env(pycache)
    rows = []
    for layout in ("plain folder (walk)", "git work tree (index, .gitignore)"):
        if layout.startswith("git"):
            make_git_repo(repo)
        seconds, report = time_scan(repo, env, runs)
        rows.append(Row(layout, repo.files, report["summary"]["configs"], statistics.median(seconds),
                        min(seconds)))
    return rows


def table(rows: list[Row], repo: Repo, runs: int) -> str:
    lines = [f"Repository scan: {repo.files:,} files, {repo.configs} MCP configs "
             f"({', '.join(repo.formats)}), whole process, median of {runs} runs",
             "",
             "| layout | files | configs found | wall time (median) | min | files/s |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row.layout} | {row.files:,} | {row.configs_found} | {row.median_seconds:.2f} s "
                     f"| {row.min_seconds:.2f} s | {row.files_per_second:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50_000, help="files in the tree (default 50,000)")
    parser.add_argument("--configs", type=int, default=300, help="MCP configs among them (default 300)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per layout (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
        repo = build_repo(Path(tmp), args.files, args.configs)
        rows = measure(repo, args.runs, Path(tmp) / "pycache")
    print(table(rows, repo, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
