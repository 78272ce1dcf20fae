"""Discovery: git-aware listing, dependency folders skipped, content hints, named files, odd paths."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mcpiam.catalogue import build_catalogue
from mcpiam.discover.walk import discover

CATALOGUE = build_catalogue(
    {
        "defaults": {"fields": {"command": ["command"], "args": ["args"], "env": ["env"], "url": ["url"],
                                "headers": ["headers"], "transport": ["type"], "auth": ["oauth"],
                                "name": ["name"]}},
        "transports": {"stdio": "stdio"},
        "content_keys": ["mcpServers"],
        "references": [],
        "clients": [
            {"id": "cursor", "name": "Cursor", "files": [
                {"id": "cursor-project", "scope": "project", "format": "json",
                 "project": ["**/.cursor/mcp.json"], "servers": [{"at": ["mcpServers"], "shape": "map"}]}]},
            {"id": "vscode", "name": "VS Code", "files": [
                {"id": "vscode-settings", "scope": "project", "format": "jsonc",
                 "project": ["**/.vscode/settings.json"], "servers": [{"at": ["mcp", "servers"], "shape": "map"}]}]},
            {"id": "continue", "name": "Continue", "files": [
                {"id": "continue-block", "scope": "project", "format": "yaml",
                 "project": [".continue/mcpServers/*.yaml"], "servers": [{"at": ["mcpServers"], "shape": "list"}]}]},
        ],
    }
)

HAS_GIT = shutil.which("git") is not None


def write(path: Path, text: str = "{}") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def displays(result) -> list[str]:
    return [c.display for c in result.candidates]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})


def test_walk_finds_catalogue_paths_and_skips_dependency_folders(tmp_path: Path) -> None:
    write(tmp_path / ".cursor/mcp.json")
    write(tmp_path / "apps/web/.cursor/mcp.json")
    write(tmp_path / ".vscode/settings.json")
    write(tmp_path / "src/settings.json")  # not a VS Code settings file
    write(tmp_path / "node_modules/pkg/.cursor/mcp.json")
    write(tmp_path / ".venv/lib/.cursor/mcp.json")
    write(tmp_path / ".continue/mcpServers/db.yaml", "mcpServers: []\n")
    result = discover([tmp_path], CATALOGUE, root=tmp_path)
    assert displays(result) == [
        ".continue/mcpServers/db.yaml",
        ".cursor/mcp.json",
        ".vscode/settings.json",
        "apps/web/.cursor/mcp.json",
    ]
    kinds = {c.display: [k.id for k in c.kinds] for c in result.candidates}
    assert kinds[".vscode/settings.json"] == ["vscode-settings"]


def test_unknown_names_become_candidates_only_with_an_mcp_hint(tmp_path: Path) -> None:
    write(tmp_path / "team-mcp.json", '{"mcpServers": {"a": {"command": "x"}}}')
    write(tmp_path / "config/mcp.yaml", "mcpServers:\n  a:\n    command: x\n")
    write(tmp_path / "package.json", '{"name": "x", "dependencies": {}}')
    write(tmp_path / "notes.txt", "mcpServers")  # not a structured format
    result = discover([tmp_path], CATALOGUE, root=tmp_path)
    assert displays(result) == ["config/mcp.yaml", "team-mcp.json"]
    assert all(c.kinds == () for c in result.candidates)


def test_named_files_are_always_candidates(tmp_path: Path) -> None:
    named = write(tmp_path / "whatever.txt", "hello")
    result = discover([named], CATALOGUE, root=tmp_path)
    assert [(c.display, c.named) for c in result.candidates] == [("whatever.txt", True)]


def test_named_special_paths_are_noted_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    dangling = tmp_path / "gone.json"
    dangling.symlink_to(tmp_path / "missing.json")
    result = discover([fifo, loop, dangling], CATALOGUE, root=tmp_path)
    assert result.candidates == ()
    reasons = {n.path: n.message for n in result.notes}
    assert "FIFO" in reasons["pipe.json"]
    assert "loop" in reasons["loop.json"]
    assert "dangling" in reasons["gone.json"]


def test_walk_notes_a_catalogue_path_that_is_a_fifo(tmp_path: Path) -> None:
    (tmp_path / ".cursor").mkdir()
    os.mkfifo(tmp_path / ".cursor/mcp.json")
    result = discover([tmp_path], CATALOGUE, root=tmp_path)
    assert result.candidates == ()
    assert [(n.path, n.code) for n in result.notes] == [(".cursor/mcp.json", "unreadable-path")]


def test_walk_does_not_follow_directory_links(tmp_path: Path) -> None:
    write(tmp_path / "real/.cursor/mcp.json")
    (tmp_path / "real/again").symlink_to(tmp_path / "real", target_is_directory=True)
    result = discover([tmp_path], CATALOGUE, root=tmp_path)
    assert displays(result) == ["real/.cursor/mcp.json"]


@pytest.mark.skipif(not HAS_GIT, reason="git not installed")
def test_git_checkout_lists_tracked_and_untracked_but_not_ignored(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path / ".gitignore", "ignored/\n")
    write(tmp_path / ".cursor/mcp.json")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "init")
    write(tmp_path / "local/.cursor/mcp.json")  # untracked, not ignored: seen
    write(tmp_path / "ignored/.cursor/mcp.json")  # ignored: not seen
    result = discover([tmp_path], CATALOGUE, root=tmp_path)
    assert displays(result) == [".cursor/mcp.json", "local/.cursor/mcp.json"]


@pytest.mark.skipif(not HAS_GIT, reason="git not installed")
def test_git_checkout_subdirectory_matches_patterns_from_the_repository_root(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path / "pkg/.continue/mcpServers/db.yaml", "mcpServers: []\n")
    write(tmp_path / ".continue/mcpServers/db.yaml", "mcpServers: []\n")
    result = discover([tmp_path], CATALOGUE, root=tmp_path)
    # The Continue block pattern is anchored at the repository root.
    assert [c.display for c in result.candidates if c.kinds] == [".continue/mcpServers/db.yaml"]
