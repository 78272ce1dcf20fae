"""A dotenv file named by a server's envFile is read, and its secrets reported at their own lines."""

from __future__ import annotations

import json
from pathlib import Path

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.model.env_files import resolve_env_file, workspace_folder
from mcpiam.secrets.families import expand_example

TOKEN = expand_example("ghp_{github_crc:30}")


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def config(env_file: str) -> str:
    return json.dumps({"servers": {"gh": {"command": "npx", "envFile": env_file}}}, indent=2)


def secret_findings(root: Path) -> list[tuple[str, int, int]]:
    result = scan_paths([root], ScanSettings(select=("embedded-secret",)), root=root)
    return [(f.location.path, f.location.span.start_line, f.location.span.start_column)
            for f in result.findings]


def test_workspace_folder_is_the_parent_of_the_client_directory(tmp_path: Path) -> None:
    assert workspace_folder(tmp_path / ".vscode" / "mcp.json") == tmp_path
    assert workspace_folder(tmp_path / "mcp.json") == tmp_path


def test_resolution_expands_only_the_workspace_folder(tmp_path: Path) -> None:
    cfg = tmp_path / "app" / ".vscode" / "mcp.json"
    assert resolve_env_file("${workspaceFolder}/.env", cfg) == tmp_path / "app" / ".env"
    assert resolve_env_file("secrets/mcp.env", cfg) == tmp_path / "app" / "secrets" / "mcp.env"
    assert resolve_env_file("${userHome}/.env", cfg) is None
    assert resolve_env_file("${env:ENV_FILE}", cfg) is None
    assert resolve_env_file("~/.env", cfg) is None


def test_secrets_in_the_named_file_are_reported_at_their_line(tmp_path: Path) -> None:
    write(tmp_path, ".vscode/mcp.json", config("${workspaceFolder}/.env.mcp"))
    write(tmp_path, ".env.mcp", f"# tokens\nGITHUB_URL=https://api.github.com\nGITHUB_TOKEN={TOKEN}\n")
    assert secret_findings(tmp_path) == [(".env.mcp", 3, 14)]


def test_an_env_file_is_read_by_the_clients_that_load_it(tmp_path: Path) -> None:
    """Cursor and VS Code read envFile (catalogue data); Claude Code does not."""
    write(tmp_path, ".cursor/mcp.json", json.dumps({"mcpServers": {"gh": {"command": "x",
                                                                           "envFile": "a.env"}}}))
    write(tmp_path, ".mcp.json", json.dumps({"mcpServers": {"gh": {"command": "x", "envFile": "b.env"}}}))
    write(tmp_path, "a.env", f"T={TOKEN}\n")
    write(tmp_path, "b.env", f"T={TOKEN}\n")
    assert secret_findings(tmp_path) == [("a.env", 1, 3)]


def test_a_file_outside_the_scanned_tree_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.env"
    outside.write_text(f"T={TOKEN}\n", encoding="utf-8")
    root = tmp_path / "repo"
    write(root, ".vscode/mcp.json", config("../outside.env"))
    assert secret_findings(root) == []


def test_a_missing_file_is_a_note_not_an_error(tmp_path: Path) -> None:
    write(tmp_path, ".vscode/mcp.json", config("${workspaceFolder}/.env"))
    result = scan_paths([tmp_path], ScanSettings(ignore=("missing-owner",)), root=tmp_path)
    assert [n.code for n in result.notes] == ["env-file-missing"]
    assert result.findings == ()


def test_a_file_already_scanned_is_read_once(tmp_path: Path) -> None:
    write(tmp_path, ".vscode/mcp.json", config("${workspaceFolder}/.continue/.env"))
    write(tmp_path, ".continue/.env", f"T={TOKEN}\n")
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    assert [c.path for c in result.configs].count(".continue/.env") == 1
    assert len(result.findings) == 1


def test_a_directory_given_to_the_scan_is_the_tree(tmp_path: Path, monkeypatch) -> None:
    """Scanning a directory elsewhere (the root stays the working directory) reads its env files."""
    repo = tmp_path / "repo"
    write(repo, ".vscode/mcp.json", config("${workspaceFolder}/.env"))
    write(repo, ".env", f"T={TOKEN}\n")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = scan_paths([repo], ScanSettings(select=("embedded-secret",)))
    assert [(Path(f.location.path).name, f.location.span.start_line) for f in result.findings] == [(".env", 1)]
