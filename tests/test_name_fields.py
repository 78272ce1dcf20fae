"""Name fields: values that are env-var or secret NAMES are never called secrets, by catalogue data.

Each scan plants a literal credential next to the names, built at test time, so every test shows
both halves: the names are skipped and the literal beside them is still found.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mcpiam.catalogue import build_catalogue, load_raw
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.report.inventory import records
from mcpiam.secrets.families import expand_example

SETTINGS = ScanSettings(select=("embedded-secret",))
# Built at test time: a GitHub classic PAT (valid checksum) and a random hex secret.
GITHUB_PAT = expand_example("ghp_{github_crc:30}")
HEX_SECRET = expand_example("{hex:40}")


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def flagged(root: Path, catalogue=None) -> list[tuple[tuple, str]]:
    """(route, family) of every embedded-secret finding."""
    result = scan_paths([root], SETTINGS, catalogue=catalogue, root=root)
    return [(f.location.route, dict(f.properties)["family"]) for f in result.findings]


@pytest.fixture
def flag_every_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the generic detector call every value a secret, so only the name-field gate decides."""
    from mcpiam.secrets import generic

    monkeypatch.setattr(generic, "classify", lambda key, value, entropy_allowed: "keyword")


def catalogue_without_name_fields():
    raw = copy.deepcopy(load_raw())
    for client in raw["clients"]:
        client.pop("name_fields", None)
        for kind in client["files"]:
            kind.pop("name_fields", None)
    return build_catalogue(raw)


# Lower-case names on purpose: the ALL_CAPS fallback in generic.py does not cover them, so only the
# catalogue keeps them from being reported.
CODEX = f"""\
[mcp_servers.github]
url = "https://api.githubcopilot.com/mcp/"
bearer_token_env_var = "GITHUB_PAT_TOKEN"
env_http_headers = {{ "Authorization" = "svc_github_token_var", "X-Api-Key" = "context7_api_key" }}
http_headers = {{ "X-Api-Key" = "{HEX_SECRET}" }}

[mcp_servers.linear]
command = "npx"
args = ["-y", "linear-mcp"]
env_vars = ["linear_api_token_name", "SENTRY_AUTH_TOKEN"]
env = {{ LINEAR_API_KEY = "{GITHUB_PAT}" }}
"""


def test_codex_name_fields_are_skipped_and_the_literals_beside_them_found(tmp_path: Path) -> None:
    write(tmp_path, ".codex/config.toml", CODEX)
    assert flagged(tmp_path) == [
        (("mcp_servers", "github", "http_headers", "X-Api-Key"), "generic-keyword"),
        (("mcp_servers", "linear", "env", "LINEAR_API_KEY"), "github-classic-pat"),
    ]


def test_without_the_catalogue_data_the_codex_names_would_be_reported(tmp_path: Path) -> None:
    write(tmp_path, ".codex/config.toml", CODEX)
    routes = {route for route, _ in flagged(tmp_path, catalogue_without_name_fields())}
    assert ("mcp_servers", "github", "env_http_headers", "Authorization") in routes


def test_every_codex_name_field_is_gated_by_the_catalogue(tmp_path: Path, flag_every_value) -> None:
    write(tmp_path, ".codex/config.toml", CODEX)
    names = {("mcp_servers", "github", "bearer_token_env_var"),
             ("mcp_servers", "github", "env_http_headers", "Authorization"),
             ("mcp_servers", "github", "env_http_headers", "X-Api-Key"),
             ("mcp_servers", "linear", "env_vars", 0), ("mcp_servers", "linear", "env_vars", 1)}
    with_data = {route for route, _ in flagged(tmp_path)}
    without_data = {route for route, _ in flagged(tmp_path, catalogue_without_name_fields())}
    assert with_data & names == set()
    assert names <= without_data
    assert ("mcp_servers", "github", "http_headers", "X-Api-Key") in with_data


def test_a_token_written_in_a_name_field_is_still_reported(tmp_path: Path) -> None:
    write(tmp_path, ".codex/config.toml",
          f'[mcp_servers.github]\nurl = "https://api.githubcopilot.com/mcp/"\n'
          f'bearer_token_env_var = "{GITHUB_PAT}"\n')
    assert flagged(tmp_path) == [
        (("mcp_servers", "github", "bearer_token_env_var"), "github-classic-pat"),
    ]


GOOSE = f"""\
extensions:
  github:
    type: stdio
    cmd: npx
    args: [-y, server-github]
    env_keys: [github_token_secret_name, GITHUB_PERSONAL_ACCESS_TOKEN]
    envs:
      SERVICE_API_SECRET: {HEX_SECRET}
"""


def test_goose_env_keys_are_names_and_a_literal_in_envs_is_found(tmp_path: Path) -> None:
    write(tmp_path, ".config/goose/config.yaml", GOOSE)
    assert flagged(tmp_path) == [
        (("extensions", "github", "envs", "SERVICE_API_SECRET"), "generic-keyword"),
    ]


def test_goose_env_keys_are_gated_by_the_catalogue(tmp_path: Path, flag_every_value) -> None:
    write(tmp_path, ".config/goose/config.yaml", GOOSE)
    names = {("extensions", "github", "env_keys", 0), ("extensions", "github", "env_keys", 1)}
    assert {route for route, _ in flagged(tmp_path)} & names == set()
    assert names <= {route for route, _ in flagged(tmp_path, catalogue_without_name_fields())}


DOCKER_ENTRY = f"""\
name: github-official
image: ghcr.io/github/github-mcp-server
type: server
config:
  secrets:
    - name: github.personal_access_token
      env: GITHUB_PERSONAL_ACCESS_TOKEN
      example: <YOUR_TOKEN>
  env:
    - name: GITHUB_API_SECRET
      value: {HEX_SECRET}
oauth:
  - provider: github
    secret: github.personal_access_token
    env: GITHUB_PERSONAL_ACCESS_TOKEN
"""


def test_docker_catalog_secret_names_are_not_secrets(tmp_path: Path) -> None:
    # oauth[].secret names an entry of the Docker secret store (the corpus' github-official entry
    # was reported before name fields existed).
    write(tmp_path, "servers/github/server.yaml", DOCKER_ENTRY)
    assert flagged(tmp_path) == [(("config", "env", 0, "value"), "generic-keyword")]
    routes = {route for route, _ in flagged(tmp_path, catalogue_without_name_fields())}
    assert ("oauth", 0, "secret") in routes


def test_docker_catalog_name_fields_are_gated_by_the_catalogue(tmp_path: Path, flag_every_value) -> None:
    write(tmp_path, "servers/github/server.yaml", DOCKER_ENTRY)
    names = {("config", "secrets", 0, "name"), ("config", "secrets", 0, "env"),
             ("config", "env", 0, "name"), ("oauth", 0, "secret"), ("oauth", 0, "env")}
    assert {route for route, _ in flagged(tmp_path)} & names == set()
    assert names <= {route for route, _ in flagged(tmp_path, catalogue_without_name_fields())}


def test_gemini_extension_setting_names_are_gated_from_the_root(tmp_path: Path, flag_every_value) -> None:
    write(tmp_path, "gemini-extension.json", json.dumps({
        "name": "ctx", "version": "1.0.0",
        "settings": [{"name": "API Key", "description": "the key", "envVar": "CTX_API_KEY"}],
        "mcpServers": {"ctx": {"command": "npx", "args": ["ctx-mcp"]}}}))
    route = ("settings", 0, "envVar")
    assert route not in {r for r, _ in flagged(tmp_path)}
    assert route in {r for r, _ in flagged(tmp_path, catalogue_without_name_fields())}


UNKNOWN_CLIENT_FILE = json.dumps({"mcpServers": {"github": {
    "url": "https://api.githubcopilot.com/mcp/",
    "bearer_token_env_var": "svc_github_token_var",
    "headers": {"X-Api-Key": HEX_SECRET}}}}, indent=2)


def test_a_file_of_an_unknown_client_keeps_every_clients_names(tmp_path: Path) -> None:
    # An mcpServers map at an unrecognised path is the unknown client's, which declares every
    # client's name fields ("*"), as it expands every reference syntax.
    write(tmp_path, "docs/example-mcp.json", UNKNOWN_CLIENT_FILE)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert {f.client for f in result.findings} == {"unknown"}
    assert flagged(tmp_path) == [(("mcpServers", "github", "headers", "X-Api-Key"), "generic-keyword")]


def test_the_unknown_clients_names_are_gated_by_the_catalogue(tmp_path: Path, flag_every_value) -> None:
    write(tmp_path, "docs/example-mcp.json", UNKNOWN_CLIENT_FILE)
    route = ("mcpServers", "github", "bearer_token_env_var")
    assert route not in {r for r, _ in flagged(tmp_path)}
    assert route in {r for r, _ in flagged(tmp_path, catalogue_without_name_fields())}


def test_name_fields_of_one_client_do_not_apply_to_another(tmp_path: Path) -> None:
    # Claude Code has no env_keys field: a literal there is a value like any other.
    write(tmp_path, ".mcp.json", json.dumps({"mcpServers": {"s": {
        "command": "npx", "env_keys": {"API_SECRET": HEX_SECRET}}}}))
    assert flagged(tmp_path) == [(("mcpServers", "s", "env_keys", "API_SECRET"), "generic-keyword")]


def test_inventory_lists_the_names_held_in_name_fields(tmp_path: Path) -> None:
    write(tmp_path, ".codex/config.toml", CODEX)
    write(tmp_path, ".config/goose/config.yaml", GOOSE)
    result = scan_paths([tmp_path], ScanSettings(), root=tmp_path)
    credentials = {(r["client"], r["server"]): r["credentials"] for r in records(result.configs)}
    assert credentials == {
        ("codex", "github"): ["X-Api-Key", "GITHUB_PAT_TOKEN", "svc_github_token_var",
                              "context7_api_key"],
        ("codex", "linear"): ["LINEAR_API_KEY", "linear_api_token_name", "SENTRY_AUTH_TOKEN"],
        ("goose", "github"): ["SERVICE_API_SECRET", "github_token_secret_name",
                              "GITHUB_PERSONAL_ACCESS_TOKEN"],
    }


def test_inventory_never_shows_a_token_written_in_a_name_field(tmp_path: Path) -> None:
    write(tmp_path, ".codex/config.toml",
          f'[mcp_servers.github]\nurl = "https://x.example/mcp"\nbearer_token_env_var = "{GITHUB_PAT}"\n')
    result = scan_paths([tmp_path], ScanSettings(), root=tmp_path)
    assert [r["credentials"] for r in records(result.configs)] == [["***"]]
