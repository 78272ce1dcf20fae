"""Git-ignored MCP configs: a scan follows git's view but counts them, ``--include-ignored`` reads
them, and a workstation sweep of project folders always reads them. The repositories are made by
hand (a ``.git`` folder with no index: nothing tracked yet), so no git process is started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.catalogue import default_catalogue
from mcpiam.cli.main import main
from mcpiam.core.notes import GIT_IGNORED_NOTE
from mcpiam.discover.gitfiles import IgnoredWanted, listing
from mcpiam.discover.walk import discover
from mcpiam.engine.scan import ScanSettings
from mcpiam.engine.sweep import run_sweep
from mcpiam.discover.homes import Home, SweepPlan

CATALOGUE = default_catalogue()
# A connection-string password: a plainly fake credential the detector recognises.
DSN = "postgresql://orders_ro:Pq7Rz2Lm9Xw4@orders.db.internal/orders"
IGNORED = [".cursor/mcp.json", ".vscode/mcp.json", "tools/.claude/settings.local.json"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config(name: str, arg: str = "--verbose") -> str:
    return json.dumps({"mcpServers": {name: {"command": "npx", "args": ["-y", "pg-mcp@1.2.3", arg]}}})


def make_repo(root: Path) -> Path:
    """A work tree whose developer keeps editor configs (with a token) out of git."""
    (root / ".git").mkdir(parents=True)
    write(root / ".gitignore", ".cursor/\n.vscode/mcp.json\nnode_modules/\ndist/\n*.local.json\n")
    write(root / ".mcp.json", config("shared"))  # not ignored: read
    write(root / ".cursor" / "mcp.json", config("orders", DSN))
    write(root / ".vscode" / "mcp.json", json.dumps({"servers": {"local": {"url": "https://a.example"}}}))
    write(root / "tools" / ".claude" / "settings.local.json", json.dumps({"env": {"DEBUG": "1"}}))
    # Ignored, but no MCP config by path: never counted (a dependency's own .cursor is not opened).
    write(root / "node_modules" / "pkg" / ".cursor" / "mcp.json", config("dependency"))
    write(root / "dist" / "settings.json", "{}")
    write(root / "notes.local.json", "{}")
    return root


def shown(result) -> list[str]:
    return [candidate.display for candidate in result.candidates]


def test_a_scan_follows_gits_view_and_notes_each_ignored_config(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    result = discover([repo], CATALOGUE, root=repo)
    assert shown(result) == [".mcp.json"]
    assert sorted((n.path, n.level) for n in result.notes if n.code == GIT_IGNORED_NOTE) == [
        (path, "info") for path in IGNORED]


def test_include_ignored_reads_them(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    result = discover([repo], CATALOGUE, root=repo, include_ignored=True)
    assert shown(result) == sorted([".mcp.json", *IGNORED])
    assert not [n for n in result.notes if n.code == GIT_IGNORED_NOTE]


def test_a_subdirectory_scan_counts_only_its_own_ignored_configs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    result = discover([repo / "tools"], CATALOGUE, root=repo)
    assert [n.path for n in result.notes if n.code == GIT_IGNORED_NOTE] == ["tools/.claude/settings.local.json"]


def test_an_ignored_folder_is_probed_not_walked(tmp_path: Path) -> None:
    """Only the catalogue's own paths are looked for in an ignored folder: its other files are
    never listed, and a glob with ``**`` inside the folder is not walked."""
    repo = make_repo(tmp_path / "repo")
    write(repo / "dist" / ".cursor" / "mcp.json", config("built"))  # a leading ** one level down
    write(repo / "dist" / "deep" / "er" / ".cursor" / "mcp.json", config("deeper"))  # not probed
    asked: list[str] = []

    def claims(relative: str) -> bool:
        asked.append(relative)
        return relative.endswith(".cursor/mcp.json")

    ignored: list[str] = []
    listed = listing(repo, repo, {}, wanted=IgnoredWanted(claims, ("**/.cursor/mcp.json",)), ignored=ignored)
    assert listed is not None and ".cursor/mcp.json" not in listed
    assert sorted(ignored) == [".cursor/mcp.json", "dist/.cursor/mcp.json"]
    assert not [path for path in asked if path.startswith(("node_modules/pkg", "dist/deep"))]


def scan_text(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["scan", "--color", "never", *args])
    return code, capsys.readouterr().out


def test_every_format_says_how_many_were_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    code, text = scan_text(capsys, ".")
    assert code == 0
    assert "3 git-ignored MCP configs not read (--include-ignored reads them)" in text.splitlines()[-1]
    assert DSN.split(":")[2].split("@")[0] not in text

    main(["scan", "--format", "json", "."])
    report = json.loads(capsys.readouterr().out)
    assert sorted(n["path"] for n in report["notes"] if n["code"] == GIT_IGNORED_NOTE) == IGNORED

    main(["scan", "--format", "sarif", "."])
    sarif = json.loads(capsys.readouterr().out)
    notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert len([n for n in notifications if n["descriptor"]["id"] == GIT_IGNORED_NOTE]) == 3


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_include_ignored_flag_and_its_environment_variable(tmp_path: Path, how: str,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    if how == "flag":
        args: tuple[str, ...] = ("--include-ignored",)
    else:
        monkeypatch.setenv("MCPIAM_INCLUDE_IGNORED", "1")
        args = ()
    code = main(["scan", "--format", "json", *args, "."])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert ("embedded-secret", ".cursor/mcp.json") in {(f["rule_id"], f["path"]) for f in report["findings"]}
    assert sorted(c["path"] for c in report["configs"]) == sorted([".mcp.json", *IGNORED])
    assert not [n for n in report["notes"] if n["code"] == GIT_IGNORED_NOTE]


def test_a_clean_tree_says_nothing_about_ignored_configs(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / ".mcp.json", config("shared"))
    monkeypatch.chdir(repo)
    _, text = scan_text(capsys, ".")
    assert "git-ignored" not in text


def test_a_sweep_of_project_folders_reads_ignored_configs(tmp_path: Path) -> None:
    home = tmp_path / "me"
    make_repo(home / "src" / "repo")
    write(home / ".claude.json", json.dumps({"projects": {str(home / "src" / "repo"): {}}}))
    plan = SweepPlan("linux", (Home(home, "me", "~"),), None, projects=True)
    result = run_sweep(plan, ScanSettings(), hostname="test-host").scan
    paths = sorted(c.path for c in result.configs)
    assert paths == sorted(["~/.claude.json", "~/src/repo/.mcp.json", *(f"~/src/repo/{p}" for p in IGNORED)])
    assert ("~/src/repo/.cursor/mcp.json", "embedded-secret") in {(f.location.path, f.rule_id)
                                                                   for f in result.findings}
    assert not [n for n in result.notes if n.code == GIT_IGNORED_NOTE]
