"""A secret in a config that does not parse, or that carries NUL bytes, is still reported (issue 13, item 5).

Each case is a good config and the same config broken in one way; the token is built at test time
and written where ``@T@`` stands. The broken file must give the same ``embedded-secret`` finding as
the good one (severity, fingerprint) at the token's exact position, fail the scan at the default
``--fail-on high``, and never print the token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.parse import parse_source
from mcpiam.secrets.families import expand_example, expand_example_with_span

MARK = "@T@"
TOKEN_TEMPLATE = "ghp_{github_crc:30}"  # GitHub classic personal access token: critical

JSON_GOOD = ('{\n  "mcpServers": {\n    "gh": {\n      "command": "npx",\n      "env": {\n'
             '        "GITHUB_TOKEN": "@T@"\n      }\n    }\n  }\n}\n')
TOML_GOOD = '[mcp_servers.gh]\ncommand = "npx"\n\n[mcp_servers.gh.env]\nGITHUB_TOKEN = "@T@"\n'
YAML_GOOD = ("name: demo\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: gh\n    command: npx\n"
             "    args: [serve]\n    env:\n      GITHUB_TOKEN: @T@\n")


@dataclass(frozen=True)
class Case:
    id: str
    path: str  # where a client reads it
    good: str
    broken: str | bytes  # bytes: written as they are (NUL bytes)


CASES = [
    # Two NUL bytes at the end: the file was skipped as binary.
    Case("json-nul-bytes", ".cursor/mcp.json", JSON_GOOD, JSON_GOOD.encode() + b"\x00\x00"),
    Case("yaml-nul-bytes", ".continue/mcpServers/gh.yaml", YAML_GOOD, YAML_GOOD.encode() + b"\x00\x00"),
    Case("toml-nul-bytes", ".codex/config.toml", TOML_GOOD, TOML_GOOD.encode() + b"\x00\x00"),
    # A YAML syntax error before the secret: PyYAML stops there.
    Case("yaml-error-before", ".continue/mcpServers/gh.yaml", YAML_GOOD,
         YAML_GOOD.replace("args: [serve]", "args: [serve")),
    Case("yaml-tab-before", ".continue/mcpServers/gh.yaml", YAML_GOOD,
         YAML_GOOD.replace("    args: [serve]", "\targs: [serve]")),
    # An unterminated string or quote, before the secret or around it.
    Case("json-unterminated-before", ".cursor/mcp.json", JSON_GOOD,
         JSON_GOOD.replace('"npx",', '"npx,')),
    Case("yaml-unterminated-before", ".continue/mcpServers/gh.yaml", YAML_GOOD,
         YAML_GOOD.replace("command: npx", 'command: "npx')),
    Case("yaml-unterminated-secret", ".continue/mcpServers/gh.yaml", YAML_GOOD,
         YAML_GOOD.replace("GITHUB_TOKEN: @T@", 'GITHUB_TOKEN: "@T@')),
    Case("toml-unterminated-secret", ".codex/config.toml", TOML_GOOD,
         TOML_GOOD.replace('"@T@"', '"@T@')),
    # An unquoted token in TOML.
    Case("toml-unquoted-secret", ".codex/config.toml", TOML_GOOD, TOML_GOOD.replace('"@T@"', "@T@")),
    # A bad escape: a Windows path's last backslash escapes the closing quote.
    Case("json-bad-escape-before", ".cursor/mcp.json", JSON_GOOD,
         JSON_GOOD.replace('"npx",', '"C:\\\\tools\\\\npx\\",')),
    Case("yaml-bad-escape-before", ".continue/mcpServers/gh.yaml", YAML_GOOD,
         YAML_GOOD.replace("command: npx", 'command: "C:\\Users\\me\\npx"')),
]


def token() -> str:
    return expand_example(TOKEN_TEMPLATE)


def place(text: str | bytes, secret: str) -> tuple[str | bytes, tuple[int, int]]:
    """The text with the token written at the mark, and the mark's 1-based line and column."""
    raw = text.decode() if isinstance(text, bytes) else text
    at = raw.index(MARK)
    line = raw.count("\n", 0, at) + 1
    column = at - (raw.rfind("\n", 0, at) + 1) + 1
    filled = raw.replace(MARK, secret)
    return (filled.encode() if isinstance(text, bytes) else filled), (line, column)


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def scan(capsys: pytest.CaptureFixture[str], root: Path, *options: str) -> tuple[int, str]:
    code = main(["scan", str(root), *options])
    return code, capsys.readouterr().out


def secret_findings(output: str) -> list[dict]:
    return [f for f in json.loads(output)["findings"] if f["rule_id"] == "embedded-secret"]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_secret_in_a_broken_file_is_reported_as_in_the_good_file(
        case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    secret = token()
    good_root, broken_root = tmp_path / "good", tmp_path / "broken"
    good_text, good_at = place(case.good, secret)
    broken_text, broken_at = place(case.broken, secret)
    write(good_root, case.path, good_text)
    write(broken_root, case.path, broken_text)

    monkeypatch.chdir(good_root)
    _, out = scan(capsys, good_root, "--format", "json")
    (good,) = secret_findings(out)
    monkeypatch.chdir(broken_root)
    code, out = scan(capsys, broken_root, "--format", "json")
    assert secret not in out
    (broken,) = secret_findings(out)  # exactly one: never reported twice

    assert code == 1  # the default --fail-on high
    assert (broken["line"], broken["column"]) == broken_at
    assert (broken["end_line"], broken["end_column"]) == (broken_at[0], broken_at[1] + len(secret))
    assert broken["severity"] == good["severity"] == "critical"
    assert broken["fingerprint"] == good["fingerprint"]  # a baseline made from either matches both
    assert broken["route"] == good["route"]
    assert dict(broken["properties"])["fingerprint"] == dict(good["properties"])["fingerprint"]
    # The good file's position differs only where the breakage sits before the token on its line.
    assert good_at[0] == broken_at[0]

    for options in ((), ("--format", "sarif")):
        code, out = scan(capsys, broken_root, *options)
        assert code == 1
        assert secret not in out


def test_a_config_that_does_not_parse_still_reports_its_parse_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    secret = token()
    text, (line, column) = place(TOML_GOOD.replace('"@T@"', "@T@"), secret)
    write(tmp_path, ".codex/config.toml", text)
    monkeypatch.chdir(tmp_path)
    code, out = scan(capsys, tmp_path, "--format", "concise")
    assert code == 1
    assert f".codex/config.toml:{line}:{column}: critical embedded-secret" in out
    assert f".codex/config.toml:{line}:{column}: medium config-parse-error" in out
    assert "written literally in an unparsed value 'GITHUB_TOKEN' of server 'gh'" in out
    assert secret not in out
    code, out = scan(capsys, tmp_path)  # the full form shows the broken line: the token masked
    assert code == 1 and secret not in out and "GITHUB_TOKEN = ***" in out


def test_a_token_the_recovered_parse_found_is_not_reported_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The error is after the token: the parser reads the token, the text search must not add it."""
    first, second = token(), expand_example_with_span(TOKEN_TEMPLATE, "another")[0]
    text = JSON_GOOD.replace("@T@", first).replace('"env": {', f'"env": {{\n        "OTHER": "{second}",')
    write(tmp_path, ".cursor/mcp.json", text + "}\n")  # one brace too many, after both tokens
    monkeypatch.chdir(tmp_path)
    code, out = scan(capsys, tmp_path, "--format", "json")
    assert code == 1
    findings = secret_findings(out)
    assert sorted((f["line"], f["route"]) for f in findings) == [
        (6, "/mcpServers/gh/env/OTHER"), (7, "/mcpServers/gh/env/GITHUB_TOKEN")]


def test_a_binary_file_with_no_token_stays_a_note(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, ".cursor/mcp.json", b"\x00\x01\x02binary\x00")
    monkeypatch.chdir(tmp_path)
    code, out = scan(capsys, tmp_path)
    assert code == 0
    assert ".cursor/mcp.json:1:1: warning [binary]" in out


def test_a_named_binary_file_of_unknown_name_is_searched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The pre-commit hook names the files it scans: one it cannot parse is still searched."""
    secret = token()
    text, (line, column) = place(JSON_GOOD, secret)
    path = write(tmp_path, "team-mcp.json", text.encode() + b"\x00\x00")
    code = main(["scan", str(path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"team-mcp.json:{line}:{column}: critical embedded-secret" in out
    assert secret not in out


def test_markdown_front_matter_is_searched_but_not_the_body(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    in_front, in_body = token(), expand_example_with_span(TOKEN_TEMPLATE, "body")[0]
    text, (line, column) = place(
        "---\nname: helper\nmcpServers:\n  - gh:\n      command: \"npx\n      env:\n"
        "        GITHUB_TOKEN: @T@\n---\n\nAn example in prose: " + in_body + "\n", in_front)
    write(tmp_path, ".claude/agents/helper.md", text)
    monkeypatch.chdir(tmp_path)
    code, out = scan(capsys, tmp_path, "--format", "json")
    assert code == 1
    assert in_front not in out and in_body not in out
    assert [(f["line"], f["column"]) for f in secret_findings(out)] == [(line, column)]


def test_a_token_used_as_the_key_is_not_echoed_as_its_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    as_key, as_value = token(), expand_example_with_span(TOKEN_TEMPLATE, "value")[0]
    write(tmp_path, ".codex/config.toml",
          f'[mcp_servers.gh]\ncommand = "npx\n[mcp_servers.gh.env]\n{as_key} = {as_value}\n')
    monkeypatch.chdir(tmp_path)
    code, out = scan(capsys, tmp_path)
    assert code == 1
    assert as_value not in out
    assert f"'{as_key}'" not in out


def test_parse_source_hands_back_the_text_only_of_a_file_it_could_not_fully_read(tmp_path: Path) -> None:
    good = write(tmp_path, "good.json", '{"a": 1}\n')
    broken = write(tmp_path, "broken.json", '{"a": 1 "b": "x"}\n')
    binary = write(tmp_path, "binary.json", b'{"a": "x"}\n\x00\x00')
    assert parse_source(good, "json")[1] is None
    assert parse_source(broken, "json")[1] == '{"a": 1 "b": "x"}\n'
    document, text = parse_source(binary, "json")
    assert [problem.code for problem in document.problems] == ["binary"] and not document.roots
    assert text == '{"a": "x"}\n\x00\x00'


MANY_JSON = ('{\n  "mcpServers": {\n    "a": {\n      "command": "npx",\n      "args": ["--token", "@1@"]},\n'
             '    "b": {"url": "https://x.example", "headers": {"X-Key": "@2@"}},\n'
             '    "c": {"command": "npx", "env": {"T": "@3@"}}\n  }\n}\n')
MANY_YAML = ("name: demo\nversion: 0.0.1\nschema: v1\nmcpServers:\n"
             "  - name: a\n    command: npx\n    args: [--token, @1@]\n"
             "  - name: b\n    url: https://x.example\n    requestOptions:\n      headers:\n        X-Key: @2@\n"
             "  - name: c\n    command: npx\n    env:\n      T: @3@\n")
MANY_TOML = ('[mcp_servers.a]\ncommand = "npx"\nenv = { T = "@1@" }\n\n[mcp_servers.b.env]\nT = "@2@"\n\n'
             '[mcp_servers.c]\ncommand = "npx"\n[mcp_servers.c.env]\nT = "@3@"\n')


@pytest.mark.parametrize(("path", "good", "broken"), [
    (".cursor/mcp.json", MANY_JSON, MANY_JSON.encode() + b"\x00"),
    (".continue/mcpServers/many.yaml", MANY_YAML, MANY_YAML.replace("command: npx", "command: [npx", 1)),
    (".continue/mcpServers/many.yaml", MANY_YAML, MANY_YAML.replace("command: npx", 'command: "npx', 1)),
    (".codex/config.toml", MANY_TOML, MANY_TOML.replace('"@1@"', "@1@").replace('"@2@"', "@2@")
     .replace('"@3@"', "@3@")),
], ids=["json-nul", "yaml-error", "yaml-unterminated", "toml-unquoted"])
def test_every_token_after_the_breakage_keeps_its_good_file_fingerprint(
        path: str, good: str, broken: str | bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = [expand_example_with_span(TOKEN_TEMPLATE, f"many-{n}")[0] for n in (1, 2, 3)]

    def filled(text: str | bytes) -> str | bytes:
        raw = text.decode() if isinstance(text, bytes) else text
        for n, secret in enumerate(secrets, 1):
            raw = raw.replace(f"@{n}@", secret)
        return raw.encode() if isinstance(text, bytes) else raw

    write(tmp_path / "good", path, filled(good))
    write(tmp_path / "broken", path, filled(broken))
    results = {}
    for name in ("good", "broken"):
        monkeypatch.chdir(tmp_path / name)
        code, out = scan(capsys, tmp_path / name, "--format", "json")
        assert code == 1 and not any(secret in out for secret in secrets)
        results[name] = sorted((f["route"], f["fingerprint"]) for f in secret_findings(out))
    assert len(results["good"]) == 3
    assert results["broken"] == results["good"]


def test_a_jwt_in_a_broken_file_is_judged_by_its_claims_as_in_a_good_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The text search builds its credential as the parse does: a service_role JWT is also
    `unscoped-token` (its role claim), and embedded-secret reads its lifetime from the claims."""
    jwt = expand_example('{jwt:{"iss":"supabase","ref":"demoref","role":"service_role",'
                         '"iat":1700000000,"exp":2015000000}}')
    good = JSON_GOOD.replace("GITHUB_TOKEN", "SUPABASE_SERVICE_ROLE_KEY")
    got = {}
    for name, text in (("good", good), ("broken", good.encode() + b"\x00\x00")):
        root = tmp_path / name
        written, _ = place(text, jwt)
        path = root / ".cursor" / "mcp.json"
        path.parent.mkdir(parents=True)
        path.write_bytes(written if isinstance(written, bytes) else written.encode())
        main(["scan", "-f", "json", "--ignore", "missing-owner", str(root)])
        out = capsys.readouterr().out
        assert jwt not in out
        got[name] = sorted((f["rule_id"], f["severity"]) for f in json.loads(out)["findings"]
                           if f["rule_id"] != "config-parse-error")
    assert ("unscoped-token", "high") in got["good"]
    assert got["broken"] == got["good"]
