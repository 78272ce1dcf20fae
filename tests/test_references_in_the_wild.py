"""Placeholders and references from the wild: a Docker MCP catalog entry's ``example:`` fields are
documentation, and a dev container's ``${localEnv:X}`` / ``${containerEnv:X}`` are references
whose advice names only syntaxes a dev container expands."""

from __future__ import annotations

import json
from pathlib import Path

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example

SECRETS = ScanSettings(select=("embedded-secret", "unexpanded-reference"))
GITHUB = "ghp_{github_crc:30}"


def _findings(root: Path) -> list[tuple[str, int, int, str]]:
    result = scan_paths([root], SECRETS, root=root)
    assert result.configs, "the file was not read as a config"
    return [(f.rule_id, f.location.span.start_line, f.location.span.start_column,
             dict(f.properties).get("family", "")) for f in result.findings]


def _at(text: str, needle: str) -> tuple[int, int]:
    before = text[:text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


# --- Docker MCP catalog entries ---------------------------------------------------------------------

def _catalog_entry(root: Path, secret_example: str, env_example: str, env_value: str) -> str:
    text = (
        "name: acme\nimage: mcp/acme\ntype: server\nconfig:\n  secrets:\n"
        "    - name: acme.api_token\n      env: ACME_API_TOKEN\n"
        f"      example: {secret_example}\n"
        "  env:\n    - name: ACME_SIGNING_KEY\n"
        f"      example: {env_example}\n"
        f"      value: {json.dumps(env_value)}\n"
    )
    file = root / "servers" / "acme" / "server.yaml"
    file.parent.mkdir(parents=True)
    file.write_text(text, encoding="utf-8")
    return text


def test_docker_catalog_example_fields_are_never_judged(tmp_path: Path) -> None:
    # A real-shaped token and a high-entropy value, where the catalog prints what to paste.
    _catalog_entry(tmp_path, expand_example(GITHUB), expand_example("{alnum:32}"), "{{acme.signing_key}}")
    assert _findings(tmp_path) == []


def test_a_docker_catalog_value_field_is_still_configuration(tmp_path: Path) -> None:
    token = expand_example(GITHUB)
    text = _catalog_entry(tmp_path, "<YOUR_TOKEN>", "<KEY>", token)
    assert _findings(tmp_path) == [("embedded-secret", *_at(text, token), "github-classic-pat")]


# --- dev containers ------------------------------------------------------------------------------------

def _devcontainer(root: Path, env: dict[str, str]) -> str:
    text = json.dumps({"name": "dev", "image": "mcr.microsoft.com/devcontainers/base:ubuntu",
                       "customizations": {"vscode": {"mcp": {"servers": {"github": {
                           "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"],
                           "env": env}}}}}}, indent=2)
    file = root / ".devcontainer" / "devcontainer.json"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text + "\n", encoding="utf-8")
    return text


def test_dev_container_variables_are_references(tmp_path: Path) -> None:
    _devcontainer(tmp_path, {"GITHUB_TOKEN": "${localEnv:GITHUB_TOKEN}",
                             "API_SECRET": "${containerEnv:API_SECRET}",
                             "SERVICE_PASSWORD": "${localEnv:SERVICE_PASSWORD:}",
                             "WORKDIR_SECRET": "${containerWorkspaceFolder}/secrets/key.txt"})
    assert _findings(tmp_path) == []


def test_a_literal_default_of_a_dev_container_variable_is_judged(tmp_path: Path) -> None:
    token = expand_example(GITHUB)
    text = _devcontainer(tmp_path, {"GITHUB_TOKEN": "${localEnv:GITHUB_TOKEN:" + token + "}"})
    assert _findings(tmp_path) == [("embedded-secret", *_at(text, token), "github-classic-pat")]


def test_advice_in_a_dev_container_names_only_what_a_dev_container_expands(tmp_path: Path) -> None:
    _devcontainer(tmp_path, {"GITHUB_TOKEN": expand_example(GITHUB)})
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    [finding] = result.findings
    assert "${localEnv:GITHUB_TOKEN}" in finding.full_message
    assert "${input:" not in finding.full_message


def test_dev_container_variables_are_not_expanded_in_a_vscode_mcp_json(tmp_path: Path) -> None:
    text = json.dumps({"servers": {"github": {"command": "npx", "args": ["-y", "gh-mcp@1.0.0"],
                                              "env": {"GITHUB_TOKEN": "${localEnv:GITHUB_TOKEN}"}}}})
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "mcp.json").write_text(text, encoding="utf-8")
    assert _findings(tmp_path) == [("unexpanded-reference", *_at(text, "${localEnv"), "")]
