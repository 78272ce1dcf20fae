"""excessive-scope: which settings lift a limit, how severe each is, and the exact token reported."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rule_helpers import located_server, scan_files, scan_text
from mcpiam.checks._grants import (
    Grant,
    Reach,
    agent_tool_grant,
    claude_rule_grant,
    url_pattern_allows_any_host,
)
from mcpiam.checks._privilege import mount_source, path_reach
from mcpiam.checks.excessive_scope import server_lifts
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.report.json_report import render as render_json

RULE = "excessive-scope"
FS = "@modelcontextprotocol/server-filesystem@2025.8.21"


def flagged(tmp_path: Path, server: dict, path: str = ".cursor/mcp.json") -> list[tuple[str, str]]:
    """(token without JSON quotes, severity) for one server written on one line."""
    text = json.dumps({"mcpServers": {"s": server}})
    return [(f.token.strip('"'), f.severity) for f in scan_text(tmp_path, path, text, RULE)]


# --- filesystem ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "directory,expected",
    [
        ("/", [("/", "high")]),
        ("C:\\", [("C:\\\\", "high")]),
        ("~", [("~", "medium")]),
        ("~/", [("~/", "medium")]),
        ("$HOME", [("$HOME", "medium")]),
        ("${userHome}", [("${userHome}", "medium")]),
        ("%USERPROFILE%", [("%USERPROFILE%", "medium")]),
        ("/Users/alice", [("/Users/alice", "medium")]),
        ("/home/u/", [("/home/u/", "medium")]),
        ("/root", [("/root", "medium")]),
        ("C:\\Users\\bob", [("C:\\\\Users\\\\bob", "medium")]),
        ("/home", [("/home", "medium")]),
        ("/home/u/projects/app", []),
        ("~/projects", []),
        ("${workspaceFolder}", []),
        ("/tmp", []),
    ],
)
def test_filesystem_server_directories(tmp_path: Path, directory: str, expected: list) -> None:
    assert flagged(tmp_path, {"command": "npx", "args": ["-y", FS, directory]}) == expected


def test_only_filesystem_servers_are_judged_on_directories(tmp_path: Path) -> None:
    assert flagged(tmp_path, {"command": "npx", "args": ["-y", "acme-search@1.0.0", "/"]}) == []
    assert flagged(tmp_path, {"command": "mcp-server-filesystem", "args": ["/"]}) == [("/", "high")]
    assert flagged(tmp_path, {"command": "node", "args": ["/opt/server-filesystem/dist/index.js", "~"]}) == [
        ("~", "medium")
    ]


# --- approvals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra,expected",
    [
        ({"trust": True}, [("true", "high")]),
        ({"trust": False}, []),
        ({"autoApprove": ["read", "*"]}, [("*", "medium")]),
        ({"autoApprove": ["read", "list"]}, []),
        ({"autoApprove": "*"}, [("*", "medium")]),
        ({"alwaysAllow": True}, [("true", "medium")]),
        ({"alwaysAllow": ["*"]}, [("*", "medium")]),
        ({"tools": ["*"]}, [("*", "medium")]),
        ({"tools": ["search"]}, []),
    ],
)
def test_approval_keys(tmp_path: Path, extra: dict, expected: list) -> None:
    assert flagged(tmp_path, {"command": "x", **extra}) == expected


def test_trust_in_gemini_jsonc_points_at_the_value(tmp_path: Path) -> None:
    text = '{\n  // comment\n  "mcpServers": {"s": {"command": "x",\n    "trust": true}}\n}\n'
    (found,) = scan_text(tmp_path, ".gemini/settings.json", text, RULE)
    span = found.finding.location.span
    assert (span.start_line, span.start_column, found.token) == (4, 14, "true")
    assert found.finding.location.pointer == "/mcpServers/s/trust"
    assert "trust: true" in found.message


def test_enable_all_project_servers_in_settings_and_claude_json(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            ".claude/settings.json": '{"enableAllProjectMcpServers": true}',
            ".claude/settings.local.json": '{"enableAllProjectMcpServers": false}',
            ".claude.json": '{"projects": {"/w/app": {"enableAllProjectMcpServers": true, "mcpServers": {}}}}',
        },
        RULE,
    )
    assert sorted((f.finding.location.path, f.finding.location.pointer, f.severity) for f in found) == [
        (".claude.json", "/projects/~1w~1app/enableAllProjectMcpServers", "high"),
        (".claude/settings.json", "/enableAllProjectMcpServers", "high"),
    ]
    assert all(f.token == "true" for f in found)


def test_vscode_global_auto_approve(tmp_path: Path) -> None:
    (found,) = scan_text(tmp_path, ".vscode/settings.json", '{\n  "chat.tools.autoApprove": true\n}', RULE)
    assert (found.token, found.severity) == ("true", "high")


# --- GitHub --------------------------------------------------------------------------------------

IMAGE = "ghcr.io/github/github-mcp-server:v0.20.1"


@pytest.mark.parametrize(
    "server,expected",
    [
        ({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"]},
         ["@modelcontextprotocol/server-github@2025.4.8"]),
        ({"command": "docker", "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", IMAGE]}, [IMAGE]),
        ({"command": "docker", "args": ["run", "-i", "-e", "GITHUB_TOOLSETS=repos", IMAGE]}, []),
        ({"command": "docker", "args": ["run", "-i", "-e", "GITHUB_TOOLSETS", IMAGE],
          "env": {"GITHUB_TOOLSETS": "all"}}, ["all"]),
        ({"command": "docker", "args": ["run", "-i", "-e", "GITHUB_TOOLSETS", IMAGE]}, []),
        ({"command": "docker", "args": ["run", "-i", "-e", "GITHUB_READ_ONLY=1", IMAGE]}, []),
        ({"command": "docker", "args": ["run", "-i", "-e", "GITHUB_READ_ONLY=0", IMAGE]}, [IMAGE]),
        ({"command": "docker", "args": ["run", "-i", IMAGE, "stdio", "--toolsets=repos,issues"]}, []),
        ({"command": "docker", "args": ["run", "-i", IMAGE, "stdio", "--read-only"]}, []),
        ({"command": "github-mcp-server", "args": ["stdio"]}, ["github-mcp-server"]),
        ({"command": "github-mcp-server", "args": ["stdio", "--toolsets", "all"]}, ["all"]),
        ({"command": "github-mcp-server", "args": ["stdio", "--toolsets", "default"]}, ["github-mcp-server"]),
        ({"command": "github-mcp-server", "args": ["stdio", "--tools=get_me"]}, []),
        ({"command": "github-mcp-server", "args": ["stdio"], "env": {"GITHUB_READ_ONLY": "true"}}, []),
        ({"command": "github-mcp-server", "args": ["stdio"], "env": {"GITHUB_TOOLSETS": "${env:SETS}"}}, []),
        ({"url": "https://api.githubcopilot.com/mcp/"}, ["https://api.githubcopilot.com/mcp/"]),
        ({"url": "https://api.githubcopilot.com/mcp/x/repos"}, []),
        ({"url": "https://api.githubcopilot.com/mcp/readonly"}, []),
        ({"url": "https://api.githubcopilot.com/mcp/x/all"}, ["https://api.githubcopilot.com/mcp/x/all"]),
        ({"url": "https://api.githubcopilot.com/mcp/x/all/readonly"}, []),
        ({"url": "https://api.githubcopilot.com/mcp/", "headers": {"X-MCP-Toolsets": "issues"}}, []),
        ({"url": "https://api.githubcopilot.com/mcp/", "headers": {"X-MCP-Readonly": "true"}}, []),
        ({"url": "https://api.githubcopilot.com/mcp/", "headers": {"X-MCP-Toolsets": "all"}}, ["all"]),
        ({"url": "https://mcp.example.com/mcp/"}, []),
    ],
)
def test_github_server_restrictions(tmp_path: Path, server: dict, expected: list[str]) -> None:
    found = flagged(tmp_path, server)
    assert [token for token, _ in found] == expected
    assert all(severity == "medium" for _, severity in found)


def test_registry_manifest_of_the_github_server_is_not_judged(tmp_path: Path) -> None:
    text = json.dumps({
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.github/github-mcp-server", "description": "x", "version": "1.0.0",
        "remotes": [{"type": "streamable-http", "url": "https://api.githubcopilot.com/mcp/"}],
    })
    assert scan_text(tmp_path, "server.json", text, RULE) == []


# --- databases -----------------------------------------------------------------------------------


def password() -> str:
    return "Pw" + "-".join(["k3", "9z", "Qm"])  # built at test time; must never be printed


@pytest.mark.parametrize(
    "server,expected",
    [
        ({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2",
                                     "postgresql://postgres:{pw}@db:5432/app"]},
         ["postgresql://postgres:{pw}@db:5432/app"]),
        ({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2",
                                     "postgresql://app_reader:{pw}@db:5432/app"]}, []),
        ({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2",
                                     "postgres://postgres:{pw}@db/app?options=-c%20default_transaction_read_only%3Don"]},
         []),
        ({"command": "uvx", "args": ["postgres-mcp==0.3.0", "--access-mode=restricted"],
          "env": {"DATABASE_URI": "postgresql://postgres:{pw}@db/app"}}, []),
        ({"command": "uvx", "args": ["postgres-mcp==0.3.0", "--access-mode", "unrestricted"],
          "env": {"DATABASE_URI": "postgresql://postgres:{pw}@db/app"}}, ["postgresql://postgres:{pw}@db/app"]),
        ({"command": "uvx", "args": ["mysql-mcp==0.2.2"], "env": {"MYSQL_USER": "root", "MYSQL_PASSWORD": "{pw}"}},
         ["root"]),
        ({"command": "uvx", "args": ["mysql-mcp==0.2.2", "--read-only"], "env": {"MYSQL_USER": "root"}}, []),
        ({"command": "uvx", "args": ["mysql-mcp==0.2.2"], "env": {"MYSQL_USER": "root", "READ_ONLY": "true"}}, []),
        ({"command": "docker", "args": ["run", "-i", "-e", "PGUSER=postgres", "mcp/postgres:1"]}, ["PGUSER=postgres"]),
        ({"command": "x", "env": {"MSSQL_CONNECTION": "Server=db;User Id=sa;Password={pw}"}},
         ["Server=db;User Id=sa;Password={pw}"]),
        ({"command": "x", "env": {"MSSQL_CONNECTION": "Server=db;User Id=sa;ApplicationIntent=ReadOnly"}}, []),
        ({"command": "x", "env": {"MONGODB_URI": "mongodb+srv://admin:{pw}@cluster0.example.net/app"}},
         ["mongodb+srv://admin:{pw}@cluster0.example.net/app"]),
    ],
)
def test_database_superusers(tmp_path: Path, server: dict, expected: list[str]) -> None:
    secret = password()
    server = json.loads(json.dumps(server).replace("{pw}", secret))
    found = scan_text(tmp_path, ".cursor/mcp.json", json.dumps({"mcpServers": {"s": server}}), RULE)
    assert [f.token.strip('"') for f in found] == [e.replace("{pw}", secret) for e in expected]
    for item in found:
        assert item.severity == "high"
        assert secret not in item.message
        assert "superuser" in item.message


def test_database_password_never_reaches_any_report(tmp_path: Path) -> None:
    secret = password()
    server = {"command": "x", "args": [f"postgresql://postgres:{secret}@db/app"]}
    scan_text(tmp_path, ".cursor/mcp.json", json.dumps({"mcpServers": {"s": server}}), RULE)
    result = scan_paths([tmp_path], ScanSettings(select=(RULE,)), root=tmp_path)
    assert result.findings and "'postgres'" in result.findings[0].message
    assert secret not in render_json(result)


# --- containers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options,expected",
    [
        (["--privileged"], [("--privileged", "high")]),
        (["--network", "host"], [("host", "medium")]),
        (["--network=host"], [("--network=host", "medium")]),
        (["--net", "host"], [("host", "medium")]),
        (["--network", "bridge"], []),
        (["--pid=host"], [("--pid=host", "medium")]),
        (["--cap-add", "SYS_ADMIN"], [("SYS_ADMIN", "high")]),
        (["--cap-add", "NET_BIND_SERVICE"], []),
        (["--security-opt", "seccomp=unconfined"], [("seccomp=unconfined", "medium")]),
        (["-v", "/:/host"], [("/:/host", "high")]),
        (["-v", "/:/host:ro"], [("/:/host:ro", "high")]),
        (["--mount", "type=bind,source=/,target=/host"], [("type=bind,source=/,target=/host", "high")]),
        (["-v", "/var/run/docker.sock:/var/run/docker.sock"], [("/var/run/docker.sock:/var/run/docker.sock", "high")]),
        (["-v", "${HOME}:/data"], [("${HOME}:/data", "medium")]),
        (["-v", "C:\\Users\\bob:/data"], [("C:\\\\Users\\\\bob:/data", "medium")]),
        (["-v", "/home/u/projects/app:/workspace"], []),
        (["-v", "cache:/cache"], []),
        (["-v", "/data"], []),
        (["-e", "MODE=/"], []),
    ],
)
def test_container_options(tmp_path: Path, options: list[str], expected: list) -> None:
    server = {"command": "docker", "args": ["run", "-i", "--rm", *options, "acme/mcp:1.0"]}
    assert flagged(tmp_path, server) == expected


def test_container_paths_after_the_image_are_not_host_paths(tmp_path: Path) -> None:
    server = {"command": "docker", "args": ["run", "-i", "-v", "/home/u/src:/projects", "mcp/filesystem:1", "/"]}
    assert flagged(tmp_path, server) == []


def test_settings_in_yaml_and_toml_point_at_the_token(tmp_path: Path) -> None:
    files = {
        ".continue/mcpServers/a.yaml": (
            "name: a\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: a\n    command: docker\n"
            "    args: [run, -i, --privileged, acme/mcp:1.0]\n"
        ),
        ".codex/config.toml": f'[mcp_servers.files]\ncommand = "npx"\nargs = ["-y", "{FS}", "/"]\n',
    }
    found = scan_files(tmp_path, files, RULE)
    located = sorted(
        (f.finding.location.path, f.finding.location.span.start_line, f.finding.location.span.start_column, f.token)
        for f in found
    )
    assert located == [
        (".codex/config.toml", 3, 68, '"/"'),
        (".continue/mcpServers/a.yaml", 7, 21, "--privileged"),
    ]


# --- helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flag,text,source",
    [("-v", "/a:/b", "/a"), ("-v", "/a:/b:ro", "/a"), ("-v", "C:\\x:/b", "C:\\x"), ("-v", "/only", None),
     ("--mount", "type=bind,src=/s,dst=/d", "/s"), ("--mount", "type=volume,target=/d", None)],
)
def test_mount_source(flag: str, text: str, source: str | None) -> None:
    assert mount_source(flag, text) == source


@pytest.mark.parametrize(
    "text,reach",
    [("/", "root"), ("//", "root"), ("D:/", "root"), ("~", "home"), ("/Users/a/", "home"), ("/Users", "homes"),
     ("/Users/a/b", None), ("/var", None), ("relative", None)],
)
def test_path_reach(text: str, reach: str | None) -> None:
    assert path_reach(text) == reach


@pytest.mark.parametrize(
    "relative,text,expected",
    [
        (".zed/settings.json", '{"agent": {"tool_permissions": {"default": "allow"}}}', ['"allow"']),
        (".zed/settings.json", '{"agent": {"tool_permissions": {"default": "confirm"}}}', []),
        (".zed/settings.json", '{"agent": {"always_allow_tool_actions": true}}', ["true"]),
        (".config/goose/config.yaml", "GOOSE_MODE: auto\nextensions: {}\n", ["auto"]),
        (".config/goose/config.yaml", "GOOSE_MODE: smart_approve\nextensions: {}\n", []),
        (".vscode/settings.json", '{"chat.tools.autoApprove": 1}', []),
        (".vscode/settings.json", '{"chat.permissions.default": "autoApprove"}', ['"autoApprove"']),
        (".vscode/settings.json", '{"chat.permissions.default": "autopilot"}', ['"autopilot"']),
        (".vscode/settings.json", '{"chat.permissions.default": "default"}', []),
        (".vscode/settings.json", '{"chat.permissions.default": "assisted"}', []),
        (".claude/settings.json", '{"permissions": {"defaultMode": "bypassPermissions"}}',
         ['"bypassPermissions"']),
        (".claude/settings.json", '{"permissions": {"defaultMode": "acceptEdits"}}', []),
        (".claude/settings.json", '{"permissions": ["defaultMode"]}', []),
    ],
)
def test_client_wide_approval_switches(tmp_path: Path, relative: str, text: str, expected: list[str]) -> None:
    found = scan_text(tmp_path, relative, text, RULE)
    assert [f.token for f in found] == expected
    assert all(f.severity == "high" and f.finding.server is None for f in found)


# --- allow-lists -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule,expected",
    [
        ("mcp__github", Grant(Reach.SERVER, "github")),
        ("mcp__github__*", Grant(Reach.SERVER, "github")),
        ("mcp__plugin_acme_db", Grant(Reach.SERVER, "plugin_acme_db")),
        (" mcp__github ", Grant(Reach.SERVER, "github")),
        ("mcp__github__get_issue", None),
        ("mcp__github__get_*", None),
        ("mcp__*", None),  # an unanchored allow glob is skipped by Claude Code
        ("mcp__git*__*", None),
        ("*", None),
        ("mcp__github(owner:acme)", None),  # parentheses: skipped when the settings load
        ("mcp__", None),
        ("Bash", None),
        ("Read(~/.ssh/**)", None),
    ],
)
def test_claude_permission_rules(rule: str, expected: Grant | None) -> None:
    assert claude_rule_grant(rule) == expected


@pytest.mark.parametrize(
    "pattern,expected",
    [
        ("@fetch", Grant(Reach.SERVER, "fetch")),
        ("@fetch/*", Grant(Reach.SERVER, "fetch")),
        ("@git-*", Grant(Reach.MATCHING_SERVERS, "git-*")),
        ("@git-*/*", Grant(Reach.MATCHING_SERVERS, "git-*")),
        ("@*", Grant(Reach.EVERY_SERVER, "*")),
        ("@*/*", Grant(Reach.EVERY_SERVER, "*")),
        ("@fetch/fetch_url", None),
        ("@server/read_*", None),
        ("@*/status", None),
        ("@builtin", None),
        ("*", None),  # not supported in allowedTools: approves nothing
        ("fs_*", None),
        ("@", None),
        ("@/x", None),
    ],
)
def test_agent_allowed_tools(pattern: str, expected: Grant | None) -> None:
    assert agent_tool_grant(pattern) == expected


def test_allow_lists_point_at_the_entry(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            ".claude/settings.local.json": '{"permissions": {\n  "allow": ["Read", "mcp__github"]}}',
            ".kiro/agents/a.json": '{"allowedTools": ["@fetch/fetch_url", "@*"]}',
            ".amazonq/cli-agents/b.json": '{"allowedTools": ["@git"]}',
        },
        RULE,
    )
    assert sorted((f.finding.location.path, f.finding.location.pointer, f.token, f.severity) for f in found) == [
        (".amazonq/cli-agents/b.json", "/allowedTools/0", '"@git"', "medium"),
        (".claude/settings.local.json", "/permissions/allow/1", '"mcp__github"', "medium"),
        (".kiro/agents/a.json", "/allowedTools/1", '"@*"', "high"),
    ]
    messages = {f.finding.location.path: f.message for f in found}
    assert "every tool of MCP server 'github'" in messages[".claude/settings.local.json"]
    assert "mcp__github__<tool>" in messages[".claude/settings.local.json"]
    assert "every tool of every MCP server" in messages[".kiro/agents/a.json"]
    assert all(f.finding.server is None for f in found)


def test_allow_lists_are_read_only_in_their_clients_files(tmp_path: Path) -> None:
    found = scan_files(
        tmp_path,
        {
            # allowedTools is not a Claude Code setting, nor permissions.allow a Kiro one
            ".claude/settings.json": '{"allowedTools": ["@fetch"]}',
            ".kiro/agents/a.json": '{"permissions": {"allow": ["mcp__github"]}}',
            ".cursor/mcp.json": '{"permissions": {"allow": ["mcp__github"]}, "allowedTools": ["@x"], '
                                '"mcpServers": {}}',
        },
        RULE,
    )
    assert found == []


@settings(max_examples=150, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8)
        | st.sampled_from(["mcp__x", "@x", "@*", "*", ""]),
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["allow", "serverUrl", "x"]), inner, max_size=2),
        max_leaves=8,
    )
)
def test_wrong_shaped_allow_lists_never_fail(value: object) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        files = {
            ".claude/settings.json": json.dumps({"permissions": value, "allowedMcpServers": value}),
            ".claude/settings.local.json": json.dumps({"permissions": {"allow": value, "defaultMode": value}}),
            ".kiro/agents/a.json": json.dumps({"allowedTools": value}),
        }
        for found in scan_files(root, files, RULE):
            entry = json.loads(found.token)
            assert claude_rule_grant(entry) or agent_tool_grant(entry) or url_pattern_allows_any_host(entry)


@pytest.mark.parametrize(
    "pattern,any_host",
    [
        ("*", True),
        ("https://*", True),
        ("https://*/*", True),
        ("*://*:443/*", True),
        ("h*", True),
        (" https://*/* ", True),
        ("https://mcp.example.com/*", False),
        ("https://*.internal.example.com/*", False),
        ("http://localhost:*/*", False),
        ("https://", False),
        ("", False),
    ],
)
def test_server_url_patterns(pattern: str, any_host: bool) -> None:
    assert url_pattern_allows_any_host(pattern) is any_host


def test_server_allow_list_points_at_the_catch_all_url(tmp_path: Path) -> None:
    text = (
        '{"allowedMcpServers": [{"serverUrl": "https://mcp.example.com/*"}, "x", {"serverUrl": 1},\n'
        '  {"serverCommand": ["npx"]}, {"serverUrl": "https://*"}],\n'
        ' "deniedMcpServers": [{"serverUrl": "*"}]}'
    )
    (found,) = scan_text(tmp_path, "managed-settings.json", text, RULE)
    assert (found.token, found.severity, found.finding.location.pointer) == (
        '"https://*"', "medium", "/allowedMcpServers/4/serverUrl"
    )
    assert scan_text(tmp_path / "other", ".kiro/agents/a.json", text, RULE) == []


# --- sandboxed servers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "server,expected",
    [
        ({"sandboxEnabled": True, "sandbox": {"filesystem": {"allowWrite": ["${workspaceFolder}", "/"]}}},
         [("/", "high")]),
        ({"sandboxEnabled": True, "sandbox": {"filesystem": {"allowWrite": ["${userHome}"]}}},
         [("${userHome}", "medium")]),
        ({"sandboxEnabled": True, "sandbox": {"filesystem": {"allowWrite": ["${workspaceFolder}"]}}}, []),
        ({"sandboxEnabled": False, "sandbox": {"filesystem": {"allowWrite": ["/"]}}}, []),
        ({"sandboxEnabled": "true", "sandbox": {"filesystem": {"allowWrite": ["/"]}}}, []),
        ({"sandbox": {"filesystem": {"allowWrite": ["/"]}}}, []),
        ({"sandboxEnabled": True, "sandbox": {"filesystem": {"allowWrite": "/"}}}, []),
        ({"sandboxEnabled": True, "sandbox": ["/"]}, []),
        ({"sandboxEnabled": True, "sandbox": {"filesystem": {"allowWrite": [1, None, {"x": "/"}]}}}, []),
    ],
)
def test_sandboxed_server_writes(tmp_path: Path, server: dict, expected: list) -> None:
    body = {"type": "stdio", "command": "npx", "args": ["-y", "@acme/notes-mcp@2.0.1"], **server}
    text = json.dumps({"servers": {"s": body}})
    found = scan_text(tmp_path, ".vscode/mcp.json", text, RULE)
    assert [(f.token.strip('"'), f.severity) for f in found] == expected
    assert all(f.finding.location.pointer.startswith("/servers/s/sandbox/filesystem/allowWrite/") for f in found)


# --- robustness ----------------------------------------------------------------------------------

WORDS = ["run", "-v", "-e", "--mount", "--network", "host", "/", "~", "--privileged", "--cap-add", "ALL", "npx",
         "-y", "uvx", "--from", "docker", "=", ":", "/:/h", "postgres://root@h/d", "Server=;User Id=sa",
         "github-mcp-server", "--toolsets", "all", "--read-only", "cmd", "/c", "ghcr.io/github/github-mcp-server",
         "@modelcontextprotocol/server-filesystem", "type=bind,source=/", "-", "--", ""]


@settings(max_examples=300, deadline=None)
@given(
    command=st.sampled_from(WORDS) | st.text(max_size=12),
    args=st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=10),
    env=st.dictionaries(st.sampled_from(["PGUSER", "GITHUB_TOOLSETS", "READ_ONLY", "X"]),
                        st.sampled_from(WORDS) | st.text(max_size=8), max_size=3),
)
def test_any_command_line_is_judged_without_error(command: str, args: list[str], env: dict[str, str]) -> None:
    server = located_server(command, args, env)
    for lift in server_lifts(server):
        assert lift.value.route[: len(server.route)] == server.route
        assert lift.severity.value in {"high", "medium"}
