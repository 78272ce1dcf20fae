"""Secrets inside shell command strings: Claude Code settings (permission rules, env, credential
helpers, hook commands) in user, project, local and managed settings, ``sh -c`` scripts and
command lines, each at its exact line and column.

Secrets are built at test time; assertions compare positions and family ids, never values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.catalogue import default_catalogue
from mcpiam.cli.main import main
from mcpiam.discover.homes import Home, SweepPlan
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.engine.sweep import run_sweep
from mcpiam.secrets.detect import SHELL_EXPANDS
from mcpiam.secrets.families import expand_example_with_span

SETTINGS = ScanSettings(select=("embedded-secret", "unexpanded-reference"))


def secret(salt: str) -> str:
    """A random-looking 32-character letters-and-digits secret, different for every salt."""
    return expand_example_with_span("{alnum:32}", salt)[0]


GITHUB = expand_example_with_span("ghp_{github_crc:30}")[0]
S = [secret(f"shell-{index}") for index in range(12)]


def settings_document() -> tuple[str, list[str]]:
    """A settings file with a secret in each place Claude Code keeps a command or a value."""
    document = {
        "permissions": {
            "allow": [f'Bash(JWT_SECRET="{S[0]}" OTHER_KEY={S[1]} ./gradlew:*)', "Read(./src/**)"],
            "deny": [f"Bash(export DB_PASSWORD='{S[2]}' && npm test)"],
            "ask": [f"Bash(env API_TOKEN={S[3]} ./deploy.sh --api-key {S[4]})"],
        },
        "env": {"SERVICE_SECRET": S[5]},
        "apiKeyHelper": f"echo {S[6]}",
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{
            "type": "command",
            "command": f'curl -sf -H "Authorization: Bearer {S[7]}" --password={S[8]} https://hooks.example.test',
        }]}]},
    }
    return json.dumps(document, indent=2) + "\n", S[:9]


def position(text: str, value: str) -> tuple[int, int, int]:
    """(line, start column, end column) of the one occurrence of ``value`` in ``text``."""
    assert text.count(value) == 1
    index = text.index(value)
    line_start = text.rfind("\n", 0, index) + 1
    column = index - line_start + 1
    return text.count("\n", 0, index) + 1, column, column + len(value)


def located(findings) -> list[tuple[str, int, int, int]]:
    return sorted((f.rule_id, f.location.span.start_line, f.location.span.start_column,
                   f.location.span.end_column) for f in findings)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("relative", [".claude/settings.json", ".claude/settings.local.json",
                                      "apps/web/.claude/settings.json", "managed-settings.json",
                                      "it/claude-code/managed-settings.d/10-team.json"])
def test_every_place_in_project_local_and_managed_settings(tmp_path: Path, relative: str) -> None:
    text, secrets = settings_document()
    write(tmp_path / relative, text)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert located(result.findings) == sorted(("embedded-secret", *position(text, s)) for s in secrets)


@pytest.mark.parametrize("relative, display", [
    (("home", "me", ".claude", "settings.json"), "~/.claude/settings.json"),
    (("system", "etc", "claude-code", "managed-settings.json"), "/etc/claude-code/managed-settings.json"),
    (("system", "etc", "claude-code", "managed-settings.d", "10-team.json"),
     "/etc/claude-code/managed-settings.d/10-team.json"),
])
def test_every_place_in_user_and_managed_settings_on_a_machine(tmp_path: Path, relative: tuple[str, ...],
                                                               display: str) -> None:
    text, secrets = settings_document()
    write(tmp_path.joinpath(*relative), text)
    home = tmp_path / "home" / "me"
    home.mkdir(parents=True, exist_ok=True)
    plan = SweepPlan("linux", (Home(home, "me", "~", ()),), tmp_path / "system", False)
    result = run_sweep(plan, SETTINGS, hostname="test-host").scan
    assert {f.location.path for f in result.findings} == {display}
    assert located(result.findings) == sorted(("embedded-secret", *position(text, s)) for s in secrets)


@pytest.mark.parametrize("relative", [".claude.json", "backups/.claude.json.backup.1700000000000"])
def test_approved_tools_of_each_project_in_the_user_file(tmp_path: Path, relative: str) -> None:
    text = json.dumps({"projects": {"/home/me/app": {"allowedTools": [
        "Edit", f"Bash(API_SECRET={S[0]} ./run:*)"]}}}, indent=2)
    write(tmp_path / relative, text)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert located(result.findings) == [("embedded-secret", *position(text, S[0]))]


def hook(command: str) -> str:
    return json.dumps({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": command}]}]}})


@pytest.mark.parametrize("command, expected", [
    (f"A_SECRET={S[0]} B_PASSWORD={S[1]} make deploy", [S[0], S[1]]),
    (f"export SIGNING_SECRET={S[0]}; ./run", [S[0]]),
    (f"env -u HOME SESSION_TOKEN={S[0]} ./run", [S[0]]),
    (f"SESSION_TOKEN='{S[0]}' ./run", [S[0]]),
    (f'SESSION_TOKEN="{S[0]}" ./run', [S[0]]),
    (f"./cli --client-secret {S[0]} --verbose", [S[0]]),
    (f"./cli --client-secret={S[0]}", [S[0]]),
    (f"bash -lc 'SESSION_TOKEN={S[0]} ./run'", [S[0]]),
    (f"./run --token {GITHUB}", [GITHUB]),
], ids=["assignments", "export", "env", "single-quoted", "double-quoted", "flag-value", "flag-equals",
        "bash-lc", "family-token"])
def test_each_shell_form_in_a_hook_command(tmp_path: Path, command: str, expected: list[str]) -> None:
    text = hook(command)
    write(tmp_path / ".claude" / "settings.json", text)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert located(result.findings) == sorted(("embedded-secret", *position(text, s)) for s in expected)


def test_a_value_split_by_quotes_and_escapes_is_located_from_its_first_to_its_last_character(
        tmp_path: Path) -> None:
    head, tail = S[0][:16], S[0][16:]
    # The shell passes head+tail as one value; in the JSON file the quote is written as \".
    text = hook(f'SESSION_TOKEN="{head}"{tail} ./run')
    write(tmp_path / ".claude" / "settings.json", text)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    line, start, _ = position(text, head)
    _, _, end = position(text, tail)
    assert located(result.findings) == [("embedded-secret", line, start, end)]
    assert end - start == len(S[0]) + 2


def test_unbalanced_quotes_do_not_stop_the_reading(tmp_path: Path) -> None:
    text = json.dumps({"permissions": {"allow": [f'Bash(echo "open API_SECRET={S[0]} ./run:*)']}})
    write(tmp_path / ".claude" / "settings.json", text)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert located(result.findings) == [("embedded-secret", *position(text, S[0]))]


@pytest.mark.parametrize("server, where", [
    ({"command": "sh", "args": ["-c", f"API_SECRET={S[0]} exec node server.js"]}, S[0]),
    ({"command": "bash", "args": ["-lc", f"export API_SECRET='{S[0]}' && exec node server.js"]}, S[0]),
    ({"command": f"env API_SECRET={S[0]} npx -y some-mcp-server"}, S[0]),
    ({"command": "npx", "args": ["-y", "some-mcp-server"], "headersHelper": f"./headers.sh --api-key {S[0]}"}, S[0]),
], ids=["sh-c", "bash-lc", "command-line", "headersHelper"])
def test_server_scripts_command_lines_and_helpers(tmp_path: Path, server: dict, where: str) -> None:
    text = json.dumps({"mcpServers": {"s": server}}, indent=2)
    write(tmp_path / ".mcp.json", text)
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    assert located(result.findings) == [("embedded-secret", *position(text, where))]


@pytest.mark.parametrize("command", [
    "GITHUB_TOKEN=$GITHUB_TOKEN ./run",
    "API_SECRET=${API_SECRET} ./run",
    'export API_SECRET="${API_SECRET:-}" && ./run',
    'SESSION_TOKEN="$(op read op://vault/item/token)" ./run',
    "API_KEY=your_api_key_here ./run",
    "DB_PASSWORD=changeme ./run",
    "./run --token $TOKEN",
])
def test_references_and_placeholders_are_not_secrets(tmp_path: Path, command: str) -> None:
    text = json.dumps({"permissions": {"allow": [f"Bash({command}:*)"]}, "hooks": {
        "Stop": [{"hooks": [{"type": "command", "command": command}]}]}, "apiKeyHelper": command})
    write(tmp_path / ".claude" / "settings.json", text)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert located(result.findings) == []


def test_a_bare_dollar_reference_outside_a_shell_is_still_unexpanded(tmp_path: Path) -> None:
    """Claude Code does not expand $VAR in an env value: the shell reading changes only scripts."""
    text = json.dumps({"env": {"API_SECRET": "$API_SECRET"}})
    write(tmp_path / ".claude" / "settings.json", text)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert [f.rule_id for f in result.findings] == ["unexpanded-reference"]


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_no_secret_text_in_any_output(tmp_path: Path, output_format: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    text, secrets = settings_document()
    write(tmp_path / ".claude" / "settings.json", text)
    main(["scan", str(tmp_path), "--format", output_format])
    out, err = capsys.readouterr()
    assert "embedded-secret" in out
    for value in secrets:
        assert value not in out and value not in err
        assert value[4:-4] not in out


def test_what_a_shell_expands_names_reference_syntaxes_of_the_catalogue() -> None:
    assert set(SHELL_EXPANDS) <= {syntax.id for syntax in default_catalogue().references}
