"""The advice in an embedded-secret finding names a reference the reading client expands."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mcpiam.engine.scan import scan_paths
from mcpiam.secrets.families import expand_example
from mcpiam.catalogue import default_catalogue, union_expands
from mcpiam.secrets.advice import reference_advice, variable_name

CATALOGUE = default_catalogue()


@pytest.mark.parametrize("path, form", [
    (".mcp.json", "${NAME}"),  # Claude Code first, though Visual Studio also reads it
    (".vscode/mcp.json", "${input:ID}"),
    (".cursor/mcp.json", "${env:NAME}"),
    (".continue/mcpServers/x.yaml", "${{ secrets.NAME }}"),
    (".gemini/settings.json", "$NAME"),
    (".devcontainer/devcontainer.json", "${localEnv:NAME}"),  # not ${input:ID}
])
def test_advice_uses_the_primary_clients_syntax(path: str, form: str) -> None:
    expands = union_expands(CATALOGUE.claim_project_path(path))
    assert f"Reference it instead as {form}" in reference_advice(expands)


def test_a_client_that_expands_nothing_gets_a_wrapper_advice() -> None:
    expands = union_expands(CATALOGUE.claim_project_path("claude_desktop_config.json"))
    assert expands == ()
    assert "op run" in reference_advice(expands)


def test_unknown_client_gets_a_generic_advice() -> None:
    assert "syntax the reading client expands" in reference_advice(("*",))


@pytest.mark.parametrize("path, advised", [
    (".mcp.json", "${GITHUB_PERSONAL_ACCESS_TOKEN}"),
    (".cursor/mcp.json", "${env:GITHUB_PERSONAL_ACCESS_TOKEN}"),
    (".continue/mcpServers/x.yaml", "${{ secrets.GITHUB_PERSONAL_ACCESS_TOKEN }}"),
])
def test_advice_names_the_actual_variable(path: str, advised: str) -> None:
    expands = union_expands(CATALOGUE.claim_project_path(path))
    assert f"Reference it instead as {advised}" in reference_advice(expands, "GITHUB_PERSONAL_ACCESS_TOKEN")


@pytest.mark.parametrize("context, name", [
    ("GITHUB_TOKEN", "GITHUB_TOKEN"), ("--api-key", "API_KEY"), ("X-Api-Key", "X_API_KEY"),
    ("Authorization Bearer", "AUTHORIZATION"), ("", "NAME"), ("--", "NAME"), ("1password", "NAME"),
])
def test_variable_name_from_the_secrets_context(context: str, name: str) -> None:
    assert variable_name(context) == name


def test_a_header_name_becomes_a_variable_name() -> None:
    assert variable_name("Authorization", env_key=False) == "AUTHORIZATION"
    assert variable_name("api_key", env_key=False) == "API_KEY"


def _git(repo: Path, *args: str) -> None:
    environment = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=environment)


@pytest.mark.skipif(shutil.which("git") is None, reason="git makes the index (mcpiam only reads it)")
def test_a_secret_in_a_file_git_tracks_is_to_be_rotated(tmp_path: Path) -> None:
    token = expand_example("ghp_{github_crc:30}")
    config = '{"mcpServers": {"gh": {"command": "npx", "env": {"GITHUB_TOKEN": "%s"}}}}\n' % token
    for folder in ("tracked", "untracked"):
        (tmp_path / folder / ".cursor").mkdir(parents=True)
        (tmp_path / folder / ".cursor" / "mcp.json").write_text(config, encoding="utf-8")
    (tmp_path / "tracked" / ".cursor" / "other.json").write_text("{}", encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "tracked/.cursor/mcp.json")
    helps = {finding.location.path: finding.help for finding in scan_paths([tmp_path], root=tmp_path).findings
             if finding.rule_id == "embedded-secret"}
    assert helps["tracked/.cursor/mcp.json"].endswith("Rotate it: it stays in git history.")
    assert "git history" not in helps["untracked/.cursor/mcp.json"]
    assert "${env:GITHUB_TOKEN}" in helps["untracked/.cursor/mcp.json"]
