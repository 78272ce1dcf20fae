"""Benchmark: mcpiam's embedded-secret against detect-secrets' own CLI on one generated corpus.

Writes the test suite's secret corpus (every token family in every place and format, plus
reference and placeholder decoys; see tests/secret_corpus.py) into a temporary directory, runs
``mcpiam scan -f json`` and ``detect-secrets scan --all-files`` on it, and prints for each tool:
recall (planted secrets whose line the tool reports), false positives (reported lines that hold no
planted secret, and how many of those are decoy lines), exact-position recall where the tool
reports columns, and the median wall time of a few runs. Both run as subprocesses from the same
environment as this interpreter.

    pip install -e '.[test]'
    python bench/secrets_vs_detect_secrets.py [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for entry in (REPO / "scanner", REPO / "tests"):  # a fresh clone: the package and the corpus generator
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from mcpiam.secrets.families import TokenFamily  # noqa: E402
from secret_corpus import Corpus, build_corpus  # noqa: E402

Line = tuple[str, int]  # (path relative to the corpus root, 1-based line)


@dataclass(frozen=True, slots=True)
class ToolRun:
    """What one tool reported: lines, and exact start positions when it gives columns."""

    lines: frozenset[Line]
    positions: frozenset[tuple[str, int, int]] | None  # None: the tool reports no columns
    seconds: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Row:
    tool: str
    planted: int
    found: int  # planted secrets whose line is reported
    exact: int | None  # planted secrets reported at their exact line and column
    false_positives: int  # reported lines holding no planted secret
    on_decoys: int  # of those, lines holding a decoy
    median_seconds: float

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 0.0


def _executable(name: str) -> list[str] | None:
    """A console script installed next to this interpreter (same venv), if there is one."""
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.exists():
            return [str(candidate)]
    return None


def mcpiam_command() -> list[str]:
    return (_executable("mcpiam") or [sys.executable, "-m", "mcpiam"]) + ["scan", "-f", "json", "."]


def detect_secrets_command() -> list[str]:
    base = _executable("detect-secrets") or [sys.executable, "-m", "detect_secrets"]
    return base + ["scan", "--all-files", "--no-verify"]


def _timed(command: Sequence[str], cwd: Path) -> tuple[str, float]:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                               env=_environment())
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"{command[0]} exited {completed.returncode}: {completed.stderr.strip()[-500:]}")
    return completed.stdout, elapsed


def _environment() -> dict[str, str]:
    import os

    env = dict(os.environ)
    # A fresh clone without an editable install still imports the scanner from the checkout.
    env["PYTHONPATH"] = str(REPO / "scanner") + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_mcpiam(root: Path, runs: int) -> ToolRun:
    outputs = [_timed(mcpiam_command(), root) for _ in range(runs)]
    report = json.loads(outputs[-1][0])
    findings = [f for f in report["findings"] if f["rule_id"] == "embedded-secret"]
    lines = frozenset((_relative(f["path"]), f["line"]) for f in findings)
    positions = frozenset((_relative(f["path"]), f["line"], f["column"]) for f in findings)
    return ToolRun(lines, positions, tuple(seconds for _, seconds in outputs))


def run_detect_secrets(root: Path, runs: int) -> ToolRun:
    outputs = [_timed(detect_secrets_command(), root) for _ in range(runs)]
    baseline = json.loads(outputs[-1][0])
    lines = frozenset((_relative(path), item["line_number"])
                      for path, items in baseline.get("results", {}).items() for item in items)
    return ToolRun(lines, None, tuple(seconds for _, seconds in outputs))


def _relative(path: str) -> str:
    return Path(path).as_posix().removeprefix("./")


def score(tool: str, corpus: Corpus, run: ToolRun) -> Row:
    planted_lines = {(p.position.path, p.position.line) for p in corpus.plants}
    decoy_lines = {(d.position.path, d.position.line) for d in corpus.decoys}
    found = sum(1 for p in corpus.plants if (p.position.path, p.position.line) in run.lines)
    exact = None
    if run.positions is not None:
        exact = sum(1 for p in corpus.plants
                    if (p.position.path, p.position.line, p.position.column) in run.positions)
    unplanted = run.lines - planted_lines
    return Row(tool, len(corpus.plants), found, exact, len(unplanted), len(unplanted & decoy_lines),
               statistics.median(run.seconds))


def compare(root: Path, runs: int = 3,
            families: Sequence[TokenFamily] | None = None) -> tuple[Corpus, list[Row]]:
    """Generate the corpus under ``root``, run both tools ``runs`` times, and score them."""
    corpus = build_corpus(root, families)
    return corpus, [score("mcpiam", corpus, run_mcpiam(root, runs)),
                    score("detect-secrets", corpus, run_detect_secrets(root, runs))]


def table(rows: Sequence[Row], corpus_summary: str) -> str:
    header = ("tool", "recall (line)", "exact line+column", "false positives", "of which decoys",
              "median wall time")
    body = [(r.tool, f"{r.found}/{r.planted} ({r.recall:.1%})",
             f"{r.exact}/{r.planted}" if r.exact is not None else "n/a (no columns)",
             str(r.false_positives), str(r.on_decoys), f"{r.median_seconds:.2f} s") for r in rows]
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    lines = [corpus_summary, ""]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.extend("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in body)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per tool; the median time is shown")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="mcpiam-secret-bench-"))
    try:
        root.mkdir(parents=True, exist_ok=True)
        runs = max(1, args.runs)
        corpus, rows = compare(root, runs)
        families = len({p.family_id for p in corpus.plants})
        summary = (f"Corpus: {len(corpus.plants)} planted secrets ({families} token families x "
                   f"{len({p.place for p in corpus.plants})} places x their formats) and "
                   f"{len(corpus.decoys)} decoys in {len(corpus.files)} files; {runs} run(s) per tool.")
        print(table(rows, summary))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
