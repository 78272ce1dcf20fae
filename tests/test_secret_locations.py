"""Where embedded-secret points, and what it reports once: escapes, strings in strings, inputs.

Tokens are built at test time from the families' own example templates; assertions compare
positions and family ids, never values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example
from mcpiam.secrets.generic import classify

SETTINGS_SECRETS = ScanSettings(select=("embedded-secret",))
GITHUB = expand_example("ghp_{github_crc:30}")
DATADOG_HEX = expand_example("{hex:32}")
TWILIO_SECRET = expand_example("{alnum:32}")


def findings(root: Path) -> list[tuple[str, int, int, int, str]]:
    result = scan_paths([root], ScanSettings(select=("embedded-secret",)), root=root)
    return [(f.location.path, f.location.span.start_line, f.location.span.start_column,
             f.location.span.end_column, dict(f.properties)["family"]) for f in result.findings]


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def column_of(line: str, needle: str) -> int:
    return line.index(needle) + 1


@pytest.mark.parametrize("path, line", [
    (".cursor/mcp.json",
     '{"mcpServers": {"s": {"command": "x", "env": {"T": "say \\"hi\\"\\tBearer\\t' + GITHUB + '"}}}}'),
    (".codex/config.toml", '[mcp_servers.s]\ncommand = "x"\nenv = { T = "\\u0041\\t' + GITHUB + '" }'),
    (".continue/mcpServers/s.yaml",
     'mcpServers:\n  - name: s\n    command: x\n    env:\n      T: "\\x41\\t' + GITHUB + '"'),
])
def test_a_token_after_escapes_is_located_exactly(tmp_path: Path, path: str, line: str) -> None:
    write(tmp_path, path, line + "\n")
    last = line.split("\n")[-1]
    row = line.count("\n") + 1
    start = column_of(last, "ghp_")
    assert findings(tmp_path) == [(path, row, start, start + len(GITHUB), "github-classic-pat")]


def test_a_token_in_json_inside_a_json_string_is_located_exactly(tmp_path: Path) -> None:
    inner = json.dumps({"Authorization": "Bearer " + GITHUB})
    text = json.dumps({"mcpServers": {"s": {"command": "x", "env": {"HEADERS": inner}}}})
    write(tmp_path, ".cursor/mcp.json", text)
    start = column_of(text, "ghp_")
    assert findings(tmp_path) == [(".cursor/mcp.json", 1, start, start + len(GITHUB), "github-classic-pat")]


def test_a_token_in_a_yaml_block_scalar_is_located_exactly(tmp_path: Path) -> None:
    text = f"mcpServers:\n  - name: s\n    command: x\n    env:\n      T: |\n        first line\n        {GITHUB}\n"
    write(tmp_path, ".continue/mcpServers/s.yaml", text)
    assert findings(tmp_path) == [(".continue/mcpServers/s.yaml", 7, 9, 9 + len(GITHUB), "github-classic-pat")]


def test_a_token_in_an_escaped_dotenv_value_is_located_exactly(tmp_path: Path) -> None:
    line = f'GH="a\\tb {GITHUB}"'
    write(tmp_path, ".continue/.env", line + "\n")
    start = column_of(line, "ghp_")
    assert findings(tmp_path) == [(".continue/.env", 1, start, start + len(GITHUB), "github-classic-pat")]


def test_a_flag_with_its_value_is_one_finding_not_two(tmp_path: Path) -> None:
    arg = f"--twilio-api-secret={TWILIO_SECRET}"
    text = json.dumps({"mcpServers": {"s": {"command": "x", "args": [arg]}}}, indent=1)
    write(tmp_path, ".cursor/mcp.json", text)
    found = findings(tmp_path)
    line = next(line for line in text.split("\n") if TWILIO_SECRET in line)
    assert [(f[2], f[4]) for f in found] == [(column_of(line, TWILIO_SECRET), "twilio-api-key-secret")]


def test_a_named_input_value_is_read_under_the_input_name(tmp_path: Path) -> None:
    """Registry KeyValueInput {name, default} and MCPB user_config {<key>: {default}}."""
    server = {"$schema": "https://static.modelcontextprotocol.io/schemas/2025-09-29/server.schema.json",
              "name": "io.example/dd", "version": "1.0.0",
              "packages": [{"registryType": "npm", "identifier": "dd-mcp", "version": "1",
                            "transport": {"type": "stdio"},
                            "environmentVariables": [{"name": "DD_API_KEY", "isSecret": False,
                                                      "default": DATADOG_HEX}]}]}
    write(tmp_path, "server.json", json.dumps(server, indent=1))
    manifest = {"manifest_version": "0.2", "name": "dd", "version": "1", "description": "d",
                "author": {"name": "a"},
                "server": {"type": "node", "entry_point": "i.js",
                           "mcp_config": {"command": "node", "args": ["i.js"]}},
                "user_config": {"dd_api_key": {"type": "string", "sensitive": False,
                                               "default": DATADOG_HEX}}}
    write(tmp_path, "bundle/manifest.json", json.dumps(manifest, indent=1))
    assert sorted((f[0], f[4]) for f in findings(tmp_path)) == [
        ("bundle/manifest.json", "datadog-api-key"), ("server.json", "datadog-api-key")]


def test_a_basic_authorization_credential_is_flagged_without_a_family() -> None:
    assert classify("Authorization Basic", DATADOG_HEX, True) != ""


def test_an_identifier_key_is_not_a_credential() -> None:
    assert classify("private_key_id", DATADOG_HEX + "abcd1234", True) == ""
    assert classify("clientId", expand_example("{alnum:32}"), True) == ""


def test_a_service_account_json_is_one_finding(tmp_path: Path) -> None:
    account = expand_example(
        '{{"type": "service_account", "project_id": "demo", "private_key_id": "{hex:40}", '
        '"private_key": "{pem_escaped:PRIVATE KEY}\\n", "client_email": "mcp@demo.iam.gserviceaccount.com"}}')
    text = json.dumps({"mcpServers": {"s": {"command": "x", "env": {"GOOGLE_CREDENTIALS": account}}}})
    write(tmp_path, ".cursor/mcp.json", text)
    assert [f[4] for f in findings(tmp_path)] == ["google-service-account-json"]


def test_a_path_is_not_a_secret_but_a_base64_token_starting_with_a_slash_is() -> None:
    assert classify("API_KEY_FILE", "/run/secrets/api_key", True) == ""
    assert classify("TOKEN_PATH", "~/.config/tool/token", True) == ""
    token = "/" + expand_example("{alnum:39}")
    assert classify("Authorization Basic", token, True) != ""


@pytest.mark.parametrize("text, is_reference", [
    ("op://Engineering/GitHub/token", True),
    ("vault:secret/data/mcp/github#token", True),
    ("aws-secretsmanager:prod/mcp/api-key", True),
    ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:mcp-token-AbCdEf", True),
    ("secret:" + "q" * 3 + "Zr81kPw", False),  # a generic word needs "://"
    ("pass:" + "hunter2x", False),
])
def test_secret_manager_references(text: str, is_reference: bool) -> None:
    from mcpiam.secrets.references import is_secret_manager_uri

    assert is_secret_manager_uri(text) is is_reference


def test_a_token_with_an_equals_sign_inside_is_one_finding_and_names_no_part_of_it(tmp_path: Path) -> None:
    token = expand_example("ATCTT3xFfGN0{b64url:171}={upper_hex:8}")
    text = json.dumps({"mcpServers": {"s": {"command": "x", "env": {"JIRA_ADMIN_KEY": token}}}})
    write(tmp_path, ".cursor/mcp.json", text)
    result = scan_paths([tmp_path], SETTINGS_SECRETS, root=tmp_path)
    assert [dict(f.properties)["family"] for f in result.findings] == ["atlassian-admin-api-key"]
    head, _, tail = token.partition("=")
    leaked = any(part in f.message for f in result.findings for part in (head[12:40], tail))
    assert not leaked


def test_a_basic_credential_as_sent_is_named_by_the_token_inside(tmp_path: Path) -> None:
    import base64

    blob = base64.b64encode(f"x-access-token:{GITHUB}".encode()).decode()
    text = json.dumps({"mcpServers": {"s": {"url": "https://mcp.example.com/mcp",
                                            "headers": {"Authorization": f"Basic {blob}"}}}})
    write(tmp_path, ".cursor/mcp.json", text)
    start = column_of(text, blob)
    assert findings(tmp_path) == [(".cursor/mcp.json", 1, start, start + len(blob), "github-classic-pat")]


@pytest.mark.parametrize("arg_prefix", ["TURSO_AUTH_TOKEN=", "--turso-auth-token="])
def test_a_labelled_jwt_in_an_argument_is_named_by_the_family_its_label_selects(
    tmp_path: Path, arg_prefix: str
) -> None:
    """The whole argument reads as a generic JWT first; the K=V part under its label must still
    be judged, and the family that needs the label wins the same secret."""
    token = expand_example('{jwt:{"a":"rw","iat":1700000000}}')
    text = json.dumps({"mcpServers": {"s": {"command": "docker",
                                            "args": ["run", "-e", arg_prefix + token, "img"]}}})
    write(tmp_path, ".cursor/mcp.json", text)
    start = column_of(text, token)
    assert findings(tmp_path) == [
        (".cursor/mcp.json", 1, start, start + len(token), "turso-database-token")]
