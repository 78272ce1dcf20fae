"""Discovery never opens a file under a dependency or build folder (node_modules, vendor, target...)
to sniff it, in a git work tree as in a plain walk: only a path the catalogue claims is read there.
A large tree's time goes to such files (tens of thousands of package.json and friends)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mcpiam.discover.walk as walk
from mcpiam.catalogue import default_catalogue

SERVER_MAP = json.dumps({"mcpServers": {"a": {"command": "npx", "args": ["-y", "a@1.0.0"]}}})


def tree(root: Path, git: bool) -> Path:
    if git:  # a work tree without an index: every file git does not ignore is listed
        (root / ".git").mkdir(parents=True)
        (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    for folder in ("node_modules/pkg", "node_modules/@scope/pkg/dist", "vendor/lib", "target/out"):
        (root / folder).mkdir(parents=True)
        for n in range(5):
            (root / folder / f"servers-{n}.json").write_text(SERVER_MAP, encoding="utf-8")
    (root / "node_modules" / "pkg" / ".cursor").mkdir()
    (root / "node_modules" / "pkg" / ".cursor" / "mcp.json").write_text(SERVER_MAP, encoding="utf-8")
    (root / "tools").mkdir()
    (root / "tools" / "servers.json").write_text(SERVER_MAP, encoding="utf-8")
    return root


@pytest.mark.parametrize("git", [True, False], ids=["git work tree", "plain folder"])
def test_dependency_folders_are_not_sniffed(tmp_path: Path, monkeypatch, git: bool) -> None:
    root = tree(tmp_path, git)
    sniffed: list[str] = []
    real_hint = walk.content_hint

    def counting_hint(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        sniffed.append(str(path))
        return real_hint(path, *args, **kwargs)

    monkeypatch.setattr(walk, "content_hint", counting_hint)
    found = walk.discover([root], default_catalogue(), root=root)
    displays = [candidate.display for candidate in found.candidates]
    assert "tools/servers.json" in displays  # sniffed, and an MCP config by its content
    assert [path for path in sniffed if "servers-" in path] == []
    assert not any(display.endswith(".json") and "/servers-" in display for display in displays)
    if git:
        assert found.files_considered >= 22  # git lists them: each is counted, none is opened


def test_a_catalogue_path_under_node_modules_is_still_read_in_a_git_work_tree(tmp_path: Path) -> None:
    root = tree(tmp_path, git=True)
    found = walk.discover([root], default_catalogue(), root=root)
    assert "node_modules/pkg/.cursor/mcp.json" in [candidate.display for candidate in found.candidates]
