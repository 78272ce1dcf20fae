"""Resource bombs found by discovery, not named: a 1 GB file at a config path (sparse, so no disk
is used) and /dev/zero behind a symbolic link named .cursor/mcp.json. Each scan finishes within
a bounded time (a thread with a timeout), allocates little (tracemalloc) and says why in a note.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import tracemalloc
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.engine.scan import scan_paths
from mcpiam.engine.result import ScanResult

ONE_GIB = 1 << 30
TIME_LIMIT = 60  # seconds; a scan that reads 1 GB or blocks on /dev/zero never comes back in time
MEMORY_LIMIT = 64 * 2**20  # bytes allocated at peak: reading the file whole would be 1 GiB


def scan_bounded(paths: list[Path], root: Path) -> tuple[ScanResult, int]:
    """Scan in a daemon thread; fails if it does not return in time. Returns the tracemalloc peak."""
    outcome: list[object] = []

    def work() -> None:
        try:
            outcome.append(scan_paths(paths, root=root))
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    tracemalloc.start()
    try:
        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        worker.join(TIME_LIMIT)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not worker.is_alive(), "the scan did not finish in bounded time"
    assert len(outcome) == 1 and isinstance(outcome[0], ScanResult), outcome
    return outcome[0], peak


def sparse_gib(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(ONE_GIB)  # a hole: no disk blocks are written


def notes_for(result: ScanResult, display: str) -> list[tuple[str, str]]:
    return [(note.level, note.code) for note in result.notes if note.path == display]


@pytest.mark.parametrize("layout", ["walk", "git"])
def test_a_one_gib_config_found_by_discovery_is_skipped_with_a_note(tmp_path: Path, layout: str) -> None:
    sparse_gib(tmp_path / ".cursor" / "mcp.json")
    sparse_gib(tmp_path / "apps" / "one" / "settings.json")  # an unknown name: content sniffing
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "mcp.json").write_text(json.dumps(
        {"servers": {"ok": {"command": "uvx", "args": ["tool==1.0"]}}}), encoding="utf-8")
    if layout == "git":  # the big files stay untracked (git would hash them): listed as untracked
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
        subprocess.run(["git", "add", ".vscode"], cwd=tmp_path, check=True)
    assert (tmp_path / ".cursor" / "mcp.json").stat().st_size == ONE_GIB
    result, peak = scan_bounded([tmp_path], tmp_path)
    assert peak < MEMORY_LIMIT
    assert notes_for(result, ".cursor/mcp.json") == [("warning", "too-large")]
    message = next(n.message for n in result.notes if n.path == ".cursor/mcp.json")
    assert "larger than" in message and "skipped" in message
    assert [config.path for config in result.configs if config.servers] == [".vscode/mcp.json"]


def test_a_one_gib_file_named_on_the_command_line(tmp_path: Path, capsys, monkeypatch) -> None:
    sparse_gib(tmp_path / ".cursor" / "mcp.json")
    monkeypatch.chdir(tmp_path)
    result, peak = scan_bounded([Path(".cursor/mcp.json")], tmp_path)
    assert peak < MEMORY_LIMIT
    assert notes_for(result, ".cursor/mcp.json") == [("warning", "too-large")]
    assert main(["scan", ".cursor/mcp.json"]) == 0
    assert "too-large" in capsys.readouterr().out


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("layout", ["walk", "git"])
def test_dev_zero_behind_a_config_link_in_a_scanned_tree(tmp_path: Path, layout: str) -> None:
    (tmp_path / ".cursor").mkdir()
    os.symlink("/dev/zero", tmp_path / ".cursor" / "mcp.json")
    (tmp_path / "data").mkdir()
    os.symlink("/dev/zero", tmp_path / "data" / "servers.json")  # an unknown name: sniffed first
    if layout == "git":
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
        subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    result, peak = scan_bounded([tmp_path], tmp_path)
    assert peak < MEMORY_LIMIT
    # /dev/zero lies outside the scanned tree: the link is refused before anything is opened, and
    # noted even for a name that is not a config's (a link out of the tree is worth knowing).
    assert notes_for(result, ".cursor/mcp.json") == [("warning", "link-outside-tree")]
    assert notes_for(result, "data/servers.json") == [("warning", "link-outside-tree")]
    assert result.configs == ()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_behind_a_link_named_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / ".cursor").mkdir()
    os.symlink("/dev/zero", tmp_path / ".cursor" / "mcp.json")
    result, peak = scan_bounded([tmp_path / ".cursor" / "mcp.json"], tmp_path)
    assert peak < MEMORY_LIMIT
    assert notes_for(result, ".cursor/mcp.json") == [("warning", "unreadable-path")]
    assert result.configs == ()
