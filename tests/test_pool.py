"""The per-file stage spread over worker processes gives exactly what a serial scan gives.

The workers are forked copies of this process (no program is executed); the outcomes come back
in candidate order and the cross-file rules run in the parent, so the reports of a serial scan,
a pooled one and an automatic one are byte-identical, here over every rule's fixtures plus a
generated tree where the same secrets and accounts recur across hundreds of files (so that
``shared-credential`` and ``shared-account`` compare files read by different workers).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.discover.walk import Candidate
from mcpiam.engine import pool as engine_pool
from mcpiam.engine.per_file import FileOutcome, FileWork
from mcpiam.engine.scan import POOL_THRESHOLD, ScanSettings, jobs_for, scan_paths
from mcpiam.core.notes import Note
from mcpiam.secrets.families import expand_example

ROOT = Path(__file__).resolve().parents[1]

needs_fork = pytest.mark.skipif(sys.platform == "win32" or not engine_pool.forkable(),
                                reason="workers are forked, never spawned")


def build(base: Path) -> Path:
    """Every rule's fixtures, and a generated tree large enough for the automatic pool."""
    root = base / "tree"
    shutil.copytree(ROOT / "testdata" / "rules", root / "rules")
    tokens = [expand_example("ghp_{github_crc:30}"), expand_example("sk_live_{alnum:24}")]
    for n in range(POOL_THRESHOLD + 40):
        app = root / "apps" / f"app-{n:03d}"
        servers = {
            f"gh-{n}": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                        "env": {"GITHUB_TOKEN": tokens[n % 2] if n % 7 == 0 else "${env:GITHUB_TOKEN}"}},
            f"db-{n}": {"command": "npx", "args": ["-y", "pg-mcp",
                                                   f"postgresql://{'admin' if n % 5 == 0 else 'svc'}:"
                                                   "${env:PGPASSWORD}@db.internal/app"]},
            f"docs-{n}": {"url": f"http://docs-{n}.example.com/mcp"},
        }
        app.joinpath(".cursor").mkdir(parents=True)
        app.joinpath(".cursor", "mcp.json").write_text(json.dumps({"mcpServers": servers}, indent=2),
                                                       encoding="utf-8")
        if n % 11 == 0:  # a file that does not parse, with a token in its text
            app.joinpath(".vscode").mkdir()
            app.joinpath(".vscode", "mcp.json").write_text(
                '{"servers": {"x": {"env": {"T": "%s"}}' % tokens[0], encoding="utf-8")
        if n % 13 == 0:  # a suppression comment, read against the document by triage
            app.joinpath(".codex").mkdir()
            app.joinpath(".codex", "config.toml").write_text(
                '[mcp_servers.orders]\ncommand = "npx"\n'
                '# mcpiam: ignore[unpinned-server] reason: pinned by the lock file\n'
                'args = ["-y", "orders-mcp"]\n', encoding="utf-8")
    return root


def report(root: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str]:
    code = main(["scan", "--format", "json", *options, str(root)])
    captured = capsys.readouterr()
    assert "internal error" not in captured.err, captured.err
    return code, captured.out


@needs_fork
def test_pooled_scan_reports_exactly_what_a_serial_scan_reports(tmp_path: Path, capsys) -> None:
    root = build(tmp_path)
    serial = report(root, capsys, "--jobs", "1")
    data = json.loads(serial[1])
    rules_seen = set(data["summary"]["by_rule"])
    assert {"shared-credential", "shared-account", "embedded-secret", "config-parse-error"} <= rules_seen
    assert data["summary"]["by_rule"]["shared-credential"] > 0
    assert data["triage"]["suppressed"] > 0
    assert report(root, capsys, "--jobs", "2") == serial
    assert report(root, capsys, "--jobs", "3") == serial
    assert report(root, capsys) == serial  # automatic: above the threshold, every usable core


@needs_fork
def test_workers_are_forked_and_nothing_is_executed(tmp_path: Path, monkeypatch) -> None:
    root = build(tmp_path)
    serial = scan_paths([root], ScanSettings(jobs=1), root=root)
    forks: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        forks.append(1)
        return real_fork()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("mcpiam tried to execute a program")

    monkeypatch.setattr(os, "fork", counting_fork)
    for name in ("execv", "execve", "execvp", "execvpe", "posix_spawn", "posix_spawnp", "system"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)
    import _posixsubprocess
    import subprocess

    monkeypatch.setattr(_posixsubprocess, "fork_exec", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    pooled = scan_paths([root], ScanSettings(jobs=2), root=root)
    assert len(forks) == 2
    assert pooled.findings == serial.findings
    assert pooled.notes == serial.notes
    assert [c.path for c in pooled.configs] == [c.path for c in serial.configs]


def _pid_reader(candidate: Candidate, work: FileWork) -> FileOutcome:
    return FileOutcome(None, (Note(candidate.display, "info", "pid", str(os.getpid())),))


@needs_fork
def test_outcomes_come_back_in_candidate_order_from_other_processes(tmp_path: Path) -> None:
    from mcpiam.catalogue import default_catalogue
    from mcpiam.checks.base import ScanOptions

    candidates = [Candidate(str(tmp_path / f"f{n}.json"), f"f{n}.json", (), named=False) for n in range(300)]
    work = FileWork(default_catalogue(), (), (), ScanOptions())
    outcomes = engine_pool.pooled_outcomes(candidates, work, 2, _pid_reader)
    assert outcomes is not None
    notes = [outcome.notes[0] for outcome in outcomes]
    assert [note.path for note in notes] == [c.display for c in candidates]
    assert str(os.getpid()) not in {note.message for note in notes}


def test_a_serial_read_lets_each_candidate_go_once_read(tmp_path: Path) -> None:
    """A large scan holds only the candidates not read yet (issue 15: memory flat in the files)."""
    from mcpiam.catalogue import default_catalogue
    from mcpiam.checks.base import ScanOptions
    from mcpiam.engine.scan import read_candidates

    for n in range(3):
        tmp_path.joinpath(f"f{n}.json").write_text('{"mcpServers": {}}', encoding="utf-8")
    candidates = [Candidate(str(tmp_path / f"f{n}.json"), f"f{n}.json", (), named=True) for n in range(3)]
    unread = list(candidates)
    outcomes = read_candidates(unread, FileWork(default_catalogue(), (), (), ScanOptions()), 1)
    seen = []
    for outcome in outcomes:
        seen.append([note.path for note in outcome.notes])
        assert len(unread) == len(candidates) - len(seen)
    assert len(seen) == 3 and not unread


def test_small_scans_stay_in_this_process() -> None:
    assert jobs_for(None, POOL_THRESHOLD - 1) == 1
    assert jobs_for(0, 3) == 1
    assert jobs_for(1, 100_000) == 1
    assert jobs_for(4, 2) == 2  # never more workers than files
    assert jobs_for(None, POOL_THRESHOLD) == engine_pool.usable_cores()


def test_a_one_file_scan_does_not_import_multiprocessing(tmp_path: Path) -> None:
    import subprocess

    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir()
    config.write_text('{"mcpServers": {"a": {"command": "npx", "args": ["-y", "a@1.0.0"]}}}', encoding="utf-8")
    probe = ("import sys; from pathlib import Path; from mcpiam.engine.scan import scan_paths; "
             f"scan_paths([Path({str(config)!r})]); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('multiprocessing', 'pickle')"
             " or m == 'mcpiam.engine.pool'))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_jobs_is_checked(tmp_path: Path, capsys) -> None:
    assert main(["scan", "--jobs", "-1", str(tmp_path)]) == 2
    assert "--jobs" in capsys.readouterr().err


def _noisy_tree(base: Path) -> Path:
    """The pooled tree plus what discovery must judge file by file: unrelated JSON and YAML that
    are sniffed and rejected, content-only configs, a link out of the tree, a git-less walk."""
    root = build(base)
    for n in range(60):
        folder = root / "src" / f"mod-{n}"
        folder.mkdir(parents=True)
        folder.joinpath(f"data-{n}.json").write_text('{"name": "pkg", "version": "1.0.0"}\n', encoding="utf-8")
        folder.joinpath(f"ci-{n}.yml").write_text("on: push\n", encoding="utf-8")
        if n % 10 == 0:  # a config only its content names
            folder.joinpath(f"agents-{n}.json").write_text(
                json.dumps({"mcpServers": {f"s{n}": {"command": "npx", "args": ["-y", "x-mcp"]}}}), encoding="utf-8")
    outside = base / "outside.json"
    outside.write_text('{"mcpServers": {}}', encoding="utf-8")
    (root / "src" / "linked.json").symlink_to(outside)
    return root


@needs_fork
def test_discovery_spread_over_workers_finds_what_a_serial_walk_finds(tmp_path: Path, capsys, monkeypatch) -> None:
    from mcpiam.engine import scan as engine_scan

    root = _noisy_tree(tmp_path)
    serial = report(root, capsys, "--jobs", "1")
    spread_used: list[int] = []
    real_spread = engine_pool.spread_over

    def counting(jobs: int):
        spread_used.append(jobs)
        return real_spread(jobs)

    monkeypatch.setattr(engine_scan, "SPREAD_THRESHOLD", 1)  # every walk judged by workers...
    monkeypatch.setattr(engine_pool, "JUDGE_CHUNK", 7)  # ...in many small ranges
    monkeypatch.setattr(engine_pool, "spread_over", counting)
    spread = report(root, capsys, "--jobs", "2")
    assert spread_used == [2]
    assert spread == serial
    data = json.loads(serial[1])
    assert any(note["code"] == "link-outside-tree" for note in data["notes"])
    assert any("src/mod-" in config["path"] for config in data["configs"])


@needs_fork
def test_discovery_candidates_are_the_catalogues_own_kinds(tmp_path: Path, monkeypatch) -> None:
    from mcpiam.catalogue import default_catalogue
    from mcpiam.discover.walk import discover

    root = _noisy_tree(tmp_path)
    catalogue = default_catalogue()
    monkeypatch.setattr(engine_pool, "JUDGE_CHUNK", 5)
    serial = discover([root], catalogue, root=root)
    spread = discover([root], catalogue, root=root, spread=engine_pool.spread_over(2))
    assert spread == serial
    known = {id(kind) for kind in catalogue.file_kinds()}
    assert all(id(kind) in known for candidate in spread.candidates for kind in candidate.kinds)
