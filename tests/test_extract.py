"""Extraction: golden fixtures per client (testdata/clients), and focused tests of every shape and rule.

Golden files: each ``testdata/clients/<client>/expected.json`` lists, per fixture file, the kind
that claims it and the servers extracted. ``UPDATE=1 pytest tests/test_extract.py`` rewrites them
(review the diff before keeping it).
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcpiam.catalogue import UNKNOWN_KIND_ID, Catalogue, FileKind, build_catalogue, default_catalogue, load_raw
from mcpiam.core.document import Document, Entry, Mapping, Node, Scalar, Sequence, Span
from mcpiam.model.extract import (
    confirm_content,
    extract_claim,
    extract_servers,
    recognise_by_content,
    resolve_field,
)
from mcpiam.model.servers import Scope, Server, Transport
from mcpiam.parse import FORMATS, parse_file, parse_text, sniff_format

CATALOGUE = default_catalogue()
FIXTURES = Path(__file__).resolve().parents[1] / "testdata" / "clients"
EXPECTED = "expected.json"
HOME = "home/"


# --- helpers --------------------------------------------------------------------------------------


def build(data: Any) -> Node:
    """Plain data as a node tree; every node and key gets its own line, so spans are distinct."""
    lines = itertools.count(1)

    def make(value: Any) -> Node:
        line = next(lines)
        span = Span(line, 1, line, 2)
        if isinstance(value, dict):
            entries = []
            for key, inner in value.items():
                key_line = next(lines)
                entries.append(Entry(key, Span(key_line, 1, key_line, 2), make(inner)))
            return Mapping(tuple(entries), span)
        if isinstance(value, list):
            return Sequence(tuple(make(item) for item in value), span)
        return Scalar(value, span)

    return make(data)


def doc(data: Any, fmt: str = "json") -> Document:
    return Document(fmt, (build(data),))


def kind(kind_id: str) -> FileKind:
    return CATALOGUE.file_kind(kind_id)


def summary(server: Server, primary_client: str) -> dict[str, Any]:
    """The golden-file view of one server."""
    row: dict[str, Any] = {
        "name": server.name,
        "transport": server.transport.value,
        "command": server.command_text,
        "url": server.url_text,
        "env": [item.name for item in server.env],
        "headers": [item.name for item in server.headers],
    }
    if server.client != primary_client:
        row["client"] = server.client
    if server.reference_only:
        row["reference_only"] = True
    return row


def fixture_files(client_dir: Path) -> list[str]:
    return sorted(
        path.relative_to(client_dir).as_posix()
        for path in client_dir.rglob("*")
        if path.is_file() and path.name != EXPECTED
    )


def claim_fixture(client_dir: Path, relative: str) -> tuple[FileKind, ...]:
    """The kinds claiming a fixture by path: home/... as a user path, anything else as a project path."""
    if relative.startswith(HOME):
        return CATALOGUE.claim_home_path(relative[len(HOME):])
    return CATALOGUE.claim_project_path(relative, exists=lambda path: (client_dir / path).exists())


def read_fixture(client_dir: Path, relative: str) -> dict[str, Any]:
    """Claim, parse and extract one fixture file as the scanner would."""
    path = client_dir / relative
    kinds = claim_fixture(client_dir, relative)
    document: Document | None = None
    if kinds and kinds[0].format in FORMATS:
        document = parse_file(path, kinds[0].format)
        kinds = tuple(k for k in kinds if confirm_content(document, k, CATALOGUE))
    if not kinds:
        fmt = sniff_format(path.name, path.read_bytes()[:4096])
        document = parse_file(path, fmt) if fmt else None
        recognised = recognise_by_content(document, CATALOGUE) if document else None
        kinds = (recognised,) if recognised else ()
    if not kinds:
        return {"kind": None, "servers": []}
    servers = extract_claim(document, kinds, CATALOGUE) if document is not None else ()
    record: dict[str, Any] = {"kind": kinds[0].id}
    if len(kinds) > 1:
        record["also"] = [k.id for k in kinds[1:]]
    record["servers"] = [summary(server, kinds[0].client) for server in servers]
    return record


def client_dirs() -> list[Path]:
    return sorted(path for path in FIXTURES.iterdir() if path.is_dir())


# --- golden fixtures ----------------------------------------------------------------------------


@pytest.mark.parametrize("client_dir", client_dirs(), ids=lambda p: p.name)
def test_fixture_extraction_matches_expected(client_dir: Path) -> None:
    actual = {relative: read_fixture(client_dir, relative) for relative in fixture_files(client_dir)}
    expected_path = client_dir / EXPECTED
    if os.environ.get("UPDATE") == "1":
        expected_path.write_text(json.dumps(actual, indent=2) + "\n", encoding="utf-8")
    assert expected_path.exists(), f"{expected_path} missing (run with UPDATE=1 and review)"
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


def test_every_catalogue_client_has_a_fixture() -> None:
    covered: set[str] = set()
    for client_dir in client_dirs():
        expected = json.loads((client_dir / EXPECTED).read_text(encoding="utf-8"))
        for record in expected.values():
            if record["kind"] is not None:
                covered.add(CATALOGUE.file_kind(record["kind"]).client)
    missing = [client.id for client in CATALOGUE.clients if client.id not in covered]
    assert missing == []


def test_fixture_folders_are_named_after_clients() -> None:
    ids = {client.id for client in CATALOGUE.clients}
    assert [p.name for p in client_dirs() if p.name not in ids] == []


REAL_TOKEN_PREFIX = re.compile(r"\b(?:ghp_|gho_|github_pat_|sk-|xox[abp]-|AKIA|ASIA|ntn_|glpat-)")


def test_fixtures_hold_no_real_looking_tokens() -> None:
    for path in FIXTURES.rglob("*"):
        if path.is_file():
            assert REAL_TOKEN_PREFIX.search(path.read_text(encoding="utf-8")) is None, path


# --- exact routes and spans (real parser) -------------------------------------------------------


def test_local_scope_env_value_has_exact_route_and_span() -> None:
    path = FIXTURES / "claude-code/home/.claude.json"
    servers = extract_servers(parse_file(path, "json"), kind("claude-code-user"), CATALOGUE)
    github = next(s for s in servers if s.name == "github")
    assert github.route == ("projects", "/home/dev/work/app", "mcpServers", "github")
    token = github.env[0]
    assert token.name == "GITHUB_TOKEN"
    assert token.value.route == ("projects", "/home/dev/work/app", "mcpServers", "github", "env", "GITHUB_TOKEN")
    assert token.name_span == Span(18, 13, 18, 27)
    assert token.value.span == Span(18, 29, 18, 47)  # the quoted value, end exclusive
    assert github.name_span == Span(13, 9, 13, 17)


def test_toml_inline_table_env_has_exact_span() -> None:
    path = FIXTURES / "codex/home/.codex/config.toml"
    servers = extract_servers(parse_file(path, "toml"), kind("codex-config"), CATALOGUE)
    github = next(s for s in servers if s.name == "github")
    token = github.env[0]
    assert token.value.route == ("mcp_servers", "github", "env", "GITHUB_PERSONAL_ACCESS_TOKEN")
    assert token.value.span == Span(4, 40, 4, 58)
    assert [a.text for a in github.args][-1] == "ghcr.io/github/github-mcp-server"


def test_frontmatter_servers_keep_positions_in_the_markdown_file() -> None:
    path = FIXTURES / "claude-code/.claude/agents/browser-tester.md"
    servers = extract_servers(parse_file(path, "markdown"), kind("claude-code-subagent"), CATALOGUE)
    assert [(s.name, s.route, s.reference_only) for s in servers] == [
        ("playwright", ("mcpServers", 0, "playwright"), False),
        ("github", ("mcpServers", 1), True),
        ("fetch", ("mcpServers", 2), False),
    ]
    assert servers[0].command is not None and servers[0].command.span == Span(8, 16, 8, 19)
    assert servers[1].name_span == Span(11, 5, 11, 11)


def test_header_under_request_init_has_its_nested_route() -> None:
    path = FIXTURES / "copilot-jetbrains/home/.config/github-copilot/intellij/mcp.json"
    (server,) = extract_servers(parse_file(path, "json"), kind("copilot-jetbrains-config"), CATALOGUE)
    assert server.headers[0].value.route == ("servers", "github", "requestInit", "headers", "Authorization")


# --- shapes ------------------------------------------------------------------------------------


def test_map_shape_names_routes_and_key_spans() -> None:
    document = doc({"mcpServers": {"a": {"command": "x"}, "b": {"url": "https://b.example"}}})
    servers = extract_servers(document, kind("claude-desktop-config"), CATALOGUE)
    assert [(s.name, s.route, s.client, s.scope) for s in servers] == [
        ("a", ("mcpServers", "a"), "claude-desktop", Scope.USER),
        ("b", ("mcpServers", "b"), "claude-desktop", Scope.USER),
    ]
    root = document.root
    assert isinstance(root, Mapping)
    inner = root.get("mcpServers")
    assert isinstance(inner, Mapping)
    assert servers[0].name_span == inner.entries[0].key_span
    assert servers[0].body is inner.entries[0].value


@pytest.mark.parametrize("weird", ["a string", None, [1, 2], 42, True, {}])
def test_map_shape_skips_entries_that_are_not_objects(weird: Any) -> None:
    document = doc({"mcpServers": {"odd": weird, "ok": {"command": "x"}}})
    names = [s.name for s in extract_servers(document, kind("cursor-project"), CATALOGUE)]
    assert names == (["odd", "ok"] if weird == {} else ["ok"])


@pytest.mark.parametrize(
    "data",
    [None, "text", 3, [], [{"mcpServers": {}}], {"mcpServers": "x"}, {"mcpServers": [1, None]},
     {"mcpServers": None}, {"projects": [1]}, {"projects": {"p": None}}, {"projects": {"p": {"mcpServers": [1]}}}],
)
def test_unexpected_containers_yield_nothing(data: Any) -> None:
    assert extract_servers(doc(data), kind("claude-code-user"), CATALOGUE) == ()


def test_wildcard_location_reads_every_project() -> None:
    document = doc({"projects": {
        "/a": {"mcpServers": {"x": {"command": "x"}}},
        "/b": {"mcpServers": {"y": {"url": "u"}}},
    }})
    servers = extract_servers(document, kind("claude-code-user"), CATALOGUE)
    assert [s.route for s in servers] == [("projects", "/a", "mcpServers", "x"), ("projects", "/b", "mcpServers", "y")]


def test_list_shape_named_inline_reference_and_unnamed_items() -> None:
    document = doc(
        {"mcpServers": [
            {"name": "named", "command": "a"},
            {"inline": {"command": "b"}},
            "configured-elsewhere",
            None,
            7,
            {"neither": 1, "nor": 2},
            "",
        ]}
    )
    servers = extract_servers(document, kind("claude-code-subagent"), CATALOGUE)
    assert [(s.name, s.route, s.reference_only, s.command_text) for s in servers] == [
        ("named", ("mcpServers", 0), False, "a"),
        ("inline", ("mcpServers", 1, "inline"), False, "b"),
        ("configured-elsewhere", ("mcpServers", 2), True, None),
    ]
    reference = servers[2]
    assert reference.transport is Transport.UNKNOWN and reference.body is not None


def test_list_item_name_span_is_the_name_value() -> None:
    document = doc({"mcpServers": [{"name": "db", "command": "x"}]})
    (server,) = extract_servers(document, kind("continue-block"), CATALOGUE)
    name_node = resolve_field(server.body, ("name",), ())  # type: ignore[arg-type]
    assert name_node is not None and server.name_span == name_node.node.span


def test_continue_legacy_items_are_read_through_their_transport_object() -> None:
    document = doc(
        {"experimental": {"modelContextProtocolServers": [
            {"transport": {"type": "stdio", "command": "uvx", "args": ["srv"], "env": {"K": "v"}}},
            {"transport": {"type": "sse", "url": "https://x.example/sse", "requestOptions": {"headers": {"H": "v"}}}},
        ]}}
    )
    servers = extract_servers(document, kind("continue-config-json"), CATALOGUE)
    rows = [(s.name, s.transport, s.command_text, [e.name for e in s.env], [h.name for h in s.headers]) for s in servers]
    assert rows == [
        ("modelContextProtocolServers[0]", Transport.STDIO, "uvx", ["K"], []),
        ("modelContextProtocolServers[1]", Transport.SSE, None, [], ["H"]),
    ]
    assert servers[0].env[0].value.route == (
        "experimental", "modelContextProtocolServers", 0, "transport", "env", "K",
    )


def test_flat_shape_takes_only_server_like_entries() -> None:
    document = doc({"jira": {"type": "remote", "url": "https://j.example"}, "$schema": "x", "meta": {"a": 1}})
    servers = extract_servers(document, kind("opencode-agents-mcp"), CATALOGUE)
    assert [s.name for s in servers] == ["jira"]


def test_plugin_flat_and_wrapped_forms_do_not_double_count() -> None:
    document = doc({"mcpServers": {"a": {"command": "x"}}})
    servers = extract_servers(document, kind("claude-code-plugin-mcp"), CATALOGUE)
    assert [s.route for s in servers] == [("mcpServers", "a")]


def test_path_valued_mcp_servers_yields_no_servers() -> None:
    document = doc({"name": "context7", "mcpServers": "./.mcp.json"})
    assert extract_servers(document, kind("codex-plugin-manifest"), CATALOGUE) == ()
    assert extract_servers(document, kind("claude-code-plugin-manifest"), CATALOGUE) == ()


def test_registry_shape_one_server_per_package_and_remote() -> None:
    document = doc({
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.example/srv",
        "packages": [
            {
                "registryType": "oci",
                "identifier": "ghcr.io/example/srv:1",
                "transport": {"type": "stdio"},
                "runtimeArguments": [{"type": "named", "name": "-e", "value": "TOKEN={token}"}],
                "packageArguments": [{"type": "positional", "value": "serve"}],
                "environmentVariables": [
                    {"name": "A", "value": "literal"},
                    {"name": "B", "default": "dflt"},
                    {"name": "C", "isSecret": True},
                ],
            },
            "not an object",
        ],
        "remotes": [
            {"type": "streamable-http", "url": "https://srv.example/mcp",
             "headers": [{"name": "Authorization", "isSecret": True}]},
            {"type": "sse", "url": "wss://srv.example/ws"},
        ],
    })
    servers = extract_servers(document, kind("registry-server-json"), CATALOGUE)
    package, remote, socket = servers
    assert package.name == "io.github.example/srv (ghcr.io/example/srv:1)"
    assert package.route == ("packages", 0) and package.transport is Transport.STDIO
    assert package.command is None
    assert package.arg_texts == ["-e", "TOKEN={token}", "ghcr.io/example/srv:1", "serve"]
    assert [(e.name, e.value.route) for e in package.env] == [
        ("A", ("packages", 0, "environmentVariables", 0, "value")),
        ("B", ("packages", 0, "environmentVariables", 1, "default")),
        ("C", ("packages", 0, "environmentVariables", 2)),  # no value: the input object itself
    ]
    assert remote.name == "io.github.example/srv (https://srv.example/mcp)"
    assert remote.transport is Transport.HTTP and remote.url_text == "https://srv.example/mcp"
    assert [(h.name, h.value.route) for h in remote.headers] == [("Authorization", ("remotes", 0, "headers", 0))]
    assert socket.transport is Transport.SSE  # the written type wins over the URL scheme


def test_registry_snake_case_schema_is_read_too() -> None:
    document = doc({"name": "io.example/old", "packages": [
        {"identifier": "old-pkg", "runtime_hint": "uvx", "environment_variables": [{"name": "K", "value": "v"}]},
    ]})
    (server,) = extract_servers(document, kind("registry-server-json"), CATALOGUE)
    assert (server.command_text, [e.name for e in server.env]) == ("uvx", ["K"])


def test_mcpb_shape_names_the_server_after_the_manifest() -> None:
    document = doc({"manifest_version": "0.3", "name": "hello", "server": {"mcp_config": {
        "command": "node", "args": ["${__dirname}/index.js"], "env": {"API_KEY": "${user_config.api_key}"}}}})
    (server,) = extract_servers(document, kind("mcpb-manifest"), CATALOGUE)
    assert (server.name, server.route, server.command_text, server.transport) == (
        "hello", ("server", "mcp_config"), "node", Transport.STDIO,
    )
    assert server.env[0].value.route == ("server", "mcp_config", "env", "API_KEY")


def test_smithery_shape_records_the_start_type_and_keeps_the_example_in_the_body() -> None:
    document = doc({"startCommand": {"type": "stdio", "commandFunction": "(c) => ({command: 'node'})",
                                     "exampleConfig": {"apiKey": "fake-token-value"}}})
    (server,) = extract_servers(document, kind("smithery-yaml"), CATALOGUE)
    assert (server.name, server.transport, server.command, server.route) == (
        "startCommand", Transport.STDIO, None, ("startCommand",),
    )
    assert isinstance(server.body, Mapping) and server.body.get("exampleConfig") is not None


def test_docker_catalog_shape_runs_the_image_with_docker() -> None:
    document = doc({"name": "gh", "image": "ghcr.io/x/gh", "config": {"secrets": [
        {"name": "gh.pat", "env": "GH_PAT", "example": "<YOUR_TOKEN>"}, {"name": "no-env"}]}})
    (server,) = extract_servers(document, kind("docker-mcp-catalog-entry"), CATALOGUE)
    image = resolve_field(document.root, ("image",), ())  # type: ignore[arg-type]
    assert image is not None
    assert server.command_text == "docker" and server.command is not None
    assert server.command.span == image.node.span  # positioned at the image, never computed
    assert server.arg_texts == ["ghcr.io/x/gh"]
    assert [(e.name, e.value.route) for e in server.env] == [("GH_PAT", ("config", "secrets", 0, "example"))]


def test_a_remote_docker_catalog_entry_is_confirmed_and_read() -> None:
    # docker/mcp-registry servers/<name>/server.yaml of type remote: no image, a remote URL.
    entry = {"name": "nexus", "type": "remote", "about": {"title": "Nexus"},
             "remote": {"transport_type": "streamable-http", "url": "https://mcp.example.com/mcp",
                        "headers": {"Authorization": "Bearer ${NEXUS_TOKEN}"}}}
    document = doc(entry)
    catalog_entry = kind("docker-mcp-catalog-entry")
    assert confirm_content(document, catalog_entry, CATALOGUE)
    (server,) = extract_servers(document, catalog_entry, CATALOGUE)
    assert (server.name, server.url_text, server.transport) == (
        "nexus", "https://mcp.example.com/mcp", Transport.HTTP)
    assert [header.name for header in server.headers] == ["Authorization"]
    # Neither a remote without a URL nor a plain "type: remote" document is a catalog entry.
    assert not confirm_content(doc({"type": "remote", "remote": {"transport_type": "sse"}}),
                               catalog_entry, CATALOGUE)
    assert not confirm_content(doc({"type": "remote", "url": "https://rules.example.com/x.srs"}),
                               catalog_entry, CATALOGUE)


# --- field resolution -----------------------------------------------------------------------------


def test_first_present_field_wins_and_null_counts_as_absent() -> None:
    document = doc({"mcpServers": {"g": {"serverUrl": None, "url": "https://u.example",
                                         "httpUrl": "https://h.example"}}})
    (server,) = extract_servers(document, kind("windsurf-config"), CATALOGUE)
    assert server.url_text == "https://u.example"
    (server,) = extract_servers(document, kind("gemini-settings-project"), CATALOGUE)
    assert server.url_text == "https://h.example"


def test_literal_dotted_key_is_tried_before_a_nested_path() -> None:
    obj = build({"requestInit.headers": {"A": "1"}, "requestInit": {"headers": {"B": "2"}}})
    assert isinstance(obj, Mapping)
    found = resolve_field(obj, ("requestInit.headers",), ("s",))
    assert found is not None and found.route == ("s", "requestInit.headers")
    nested_only = build({"requestInit": {"headers": {"B": "2"}}})
    assert isinstance(nested_only, Mapping)
    found = resolve_field(nested_only, ("requestInit.headers",), ("s",))
    assert found is not None and found.route == ("s", "requestInit", "headers")


def test_dotted_location_key_is_literal() -> None:
    document = doc({"amp.mcpServers": {"p": {"command": "npx"}}, "amp": {"mcpServers": {"q": {"command": "x"}}}})
    servers = extract_servers(document, kind("amp-vscode-settings-workspace"), CATALOGUE)
    assert [s.route for s in servers] == [("amp.mcpServers", "p")]


def test_client_field_overrides_are_used() -> None:
    goose = doc({"extensions": {"gh": {"cmd": "npx", "envs": {"T": "v"}}, "r": {"uri": "https://r.example"}}})
    servers = extract_servers(goose, kind("goose-config"), CATALOGUE)
    assert [(s.command_text, [e.name for e in s.env], s.url_text) for s in servers] == [
        ("npx", ["T"], None), (None, [], "https://r.example"),
    ]
    codex = doc({"mcp_servers": {"c": {"url": "https://c.example", "http_headers": {"Authorization": "x"}}}})
    (server,) = extract_servers(codex, kind("codex-config"), CATALOGUE)
    assert [h.name for h in server.headers] == ["Authorization"]
    continue_yaml = doc({"mcpServers": [
        {"name": "r", "url": "https://r.example", "requestOptions": {"headers": {"H": "v"}}},
    ]})
    (server,) = extract_servers(continue_yaml, kind("continue-config-yaml"), CATALOGUE)
    assert [h.name for h in server.headers] == ["H"]


def test_command_array_is_split_into_command_and_args() -> None:
    document = doc({"mcp": {"l": {"type": "local", "command": ["npx", "-y", "pkg"], "args": ["--more"],
                                  "environment": {"E": "v"}}}})
    (server,) = extract_servers(document, kind("opencode-project"), CATALOGUE)
    assert server.command_text == "npx" and server.command is not None
    assert server.command.route == ("mcp", "l", "command", 0)
    assert server.arg_texts == ["-y", "pkg", "--more"]
    assert [e.name for e in server.env] == ["E"]
    assert server.transport is Transport.STDIO


def test_empty_command_array_is_no_command() -> None:
    document = doc({"mcp": {"l": {"command": []}}})
    (server,) = extract_servers(document, kind("opencode-project"), CATALOGUE)
    assert (server.command, server.args, server.transport) == (None, (), Transport.UNKNOWN)


def test_command_object_is_unpacked() -> None:
    document = doc({"context_servers": {"n": {"command": {"path": "npx", "args": ["-y", "pkg"], "env": {"H": "{}"}}}}})
    (server,) = extract_servers(document, kind("zed-settings-project"), CATALOGUE)
    assert server.command_text == "npx" and server.arg_texts == ["-y", "pkg"]
    assert server.env[0].value.route == ("context_servers", "n", "command", "env", "H")


def test_headers_and_env_as_lists() -> None:
    document = doc({"mcpServers": {"s": {
        "url": "https://s.example",
        "headers": ["Authorization: Bearer x", {"name": "X-Key", "value": "v"}, "no separator here", 5],
        "env": ["TOKEN=abc", "=nameless"],
    }}})
    (server,) = extract_servers(document, kind("cursor-project"), CATALOGUE)
    assert [(h.name, h.value.route) for h in server.headers] == [
        ("Authorization", ("mcpServers", "s", "headers", 0)),
        ("X-Key", ("mcpServers", "s", "headers", 1, "value")),
    ]
    assert [(e.name, e.value.text) for e in server.env] == [("TOKEN", "TOKEN=abc")]


def test_args_as_a_single_string() -> None:
    document = doc({"extensions": {"g": {"cmd": "npx", "args": "-y pkg"}}})
    (server,) = extract_servers(document, kind("goose-config"), CATALOGUE)
    assert server.arg_texts == ["-y pkg"]


def test_auth_block_is_kept_as_written() -> None:
    document = doc({"mcp": {"g": {"type": "http", "url": "u", "oauth": True, "oauth_client_secret": "$S"}}})
    (server,) = extract_servers(document, kind("crush-json"), CATALOGUE)
    assert server.auth is not None and server.auth.route == ("mcp", "g", "oauth_client_secret")


# --- transport --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind_id", "server", "transport"),
    [
        ("claude-code-project", {"type": "http", "url": "u"}, Transport.HTTP),
        ("claude-code-project", {"type": "streamable-http", "url": "u"}, Transport.HTTP),
        ("claude-code-project", {"type": "SSE", "url": "u"}, Transport.SSE),  # case-insensitive
        ("claude-code-project", {"type": "ws", "url": "u"}, Transport.WEBSOCKET),
        ("cline-settings", {"type": "streamableHttp", "url": "u"}, Transport.HTTP),
        ("opencode-project", {"type": "remote", "url": "u"}, Transport.HTTP),
        ("opencode-project", {"type": "local", "command": ["x"]}, Transport.STDIO),
        ("cursor-project", {"url": "https://u.example"}, Transport.HTTP),
        ("cursor-project", {"url": "wss://u.example"}, Transport.WEBSOCKET),
        ("cursor-project", {"type": "mystery", "command": "x"}, Transport.STDIO),
        ("cursor-project", {"command": "x"}, Transport.STDIO),
        ("cursor-project", {"disabled": True}, Transport.UNKNOWN),
        ("gemini-settings-project", {"httpUrl": "https://u.example"}, Transport.HTTP),
        ("gemini-settings-project", {"url": "https://u.example/sse"}, Transport.SSE),
        ("gemini-settings-project", {"url": "https://u.example", "type": "http"}, Transport.HTTP),
        ("gemini-settings-project", {"tcp": "localhost:9000"}, Transport.WEBSOCKET),
        ("windsurf-config", {"serverUrl": "https://u.example"}, Transport.HTTP),
        ("augment-vscode-settings-workspace", {"name": "r", "url": "u", "transport": "sse"}, Transport.SSE),
    ],
)
def test_transport_is_inferred(kind_id: str, server: dict[str, Any], transport: Transport) -> None:
    target = kind(kind_id)
    location = target.servers[0]
    container: Any = {server.get("name", "s"): server} if location.shape in ("map", "flat") else [server]
    data: Any = container
    for step in reversed(location.at):
        data = {step: data}
    (found,) = extract_servers(doc(data), target, CATALOGUE)
    assert found.transport is transport


# --- claims across kinds -------------------------------------------------------------------------


def test_claimed_file_extracts_each_route_once_for_the_first_kind_that_reads_it() -> None:
    document = doc({"mcpServers": {"a": {"command": "x"}}, "servers": {"b": {"url": "https://b.example"}}})
    kinds = CATALOGUE.claim_project_path("sln/.mcp.json")
    servers = extract_claim(document, kinds, CATALOGUE)
    assert [(s.name, s.client) for s in servers] == [("a", "claude-code"), ("b", "visual-studio")]


def test_settings_json_servers_belong_to_the_client_that_reads_each_key() -> None:
    path = FIXTURES / "vscode/.vscode/settings.json"
    kinds = CATALOGUE.claim_project_path(".vscode/settings.json")
    servers = extract_claim(parse_file(path, kinds[0].format), kinds, CATALOGUE)
    assert [(s.name, s.client) for s in servers] == [
        ("github", "vscode"), ("sqlite", "augment"), ("playwright", "amp"),
    ]


# --- content recognition -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "fmt", "expected"),
    [
        ({"$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
          "name": "x/y", "packages": [{"identifier": "p"}]}, "json", "registry-server-json"),
        ({"name": "io.github.a/b", "remotes": [{"url": "u"}]}, "json", "registry-server-json"),
        ({"manifest_version": "0.3", "server": {"mcp_config": {"command": "node"}}}, "json", "mcpb-manifest"),
        ({"dxt_version": "0.1", "server": {"mcp_config": {"command": "node"}}}, "json", "mcpb-manifest"),
        ({"startCommand": {"type": "stdio"}}, "yaml", "smithery-yaml"),
        ({"image": "mcp/x", "run": {"command": []}}, "yaml", "docker-mcp-catalog-entry"),
        ({"context_servers": {"a": {"command": "x"}}}, "json", "zed-settings-project"),
        ({"mcp_servers": {"a": {"command": "x"}}}, "toml", "codex-project-config"),
        ({"mcp_servers": {"a": {"command": "x"}}}, "yaml", UNKNOWN_KIND_ID),  # Hermes: too uncertain
        ({"mcpServers": [{"name": "a", "command": "x"}]}, "yaml", "continue-config-yaml"),
        ({"projects": {"/p": {"mcpServers": {"a": {"url": "u"}}}}}, "json", "claude-code-user"),
        ({"amp.mcpServers": {"a": {"command": "x"}}}, "json", "amp-vscode-settings-workspace"),
        ({"mcp": {"servers": {"a": {"command": "x"}}}}, "json", "vscode-settings-workspace"),
        ({"mcpServers": {"a": {"command": "x"}}}, "json", UNKNOWN_KIND_ID),
        ({"mcpServers": {"a": {"command": "x"}}}, "yaml", UNKNOWN_KIND_ID),
        ({"servers": {"a": {"url": "https://a.example"}}}, "json", UNKNOWN_KIND_ID),
        ({"mcp": {"a": {"type": "remote", "url": "u"}}}, "json", UNKNOWN_KIND_ID),
        ({"a": {"command": "x"}, "b": {"url": "u"}}, "json", UNKNOWN_KIND_ID),
    ],
)
def test_recognise_by_content(data: Any, fmt: str, expected: str) -> None:
    recognised = recognise_by_content(doc(data, fmt), CATALOGUE)
    assert recognised is not None and recognised.id == expected


@pytest.mark.parametrize(
    "data",
    [
        {"name": "pkg", "version": "1.0.0", "dependencies": {"a": "1"}},
        {"scripts": {"build": "make"}},
        {"a": {"command": "x"}, "version": "2"},  # a flat map needs every entry to be a server
        {"mcpServers": {"a": {"disabled": True}}},
        {"servers": {"web": {"port": 80}}},
        {"manifest_version": 3, "name": "chrome-extension"},
        {"name": "a/b", "version": "1"},
        [{"command": "x"}],
        "text",
    ],
)
def test_recognise_by_content_rejects_other_files(data: Any) -> None:
    assert recognise_by_content(doc(data), CATALOGUE) is None


def test_unknown_kind_expands_every_reference_syntax() -> None:
    unknown = kind(UNKNOWN_KIND_ID)
    assert set(unknown.expands) == {syntax.id for syntax in CATALOGUE.references}
    assert unknown.client == "unknown" and unknown.scope == "unknown"


def test_generic_file_names_need_fitting_content() -> None:
    registry = kind("registry-server-json")
    assert not confirm_content(doc({"port": 8080, "host": "0.0.0.0"}), registry, CATALOGUE)
    assert not confirm_content(doc({"name": "io.x/y", "version": "1"}), registry, CATALOGUE)
    assert confirm_content(doc({"name": "io.x/y", "packages": []}), registry, CATALOGUE)  # remotes only
    assert confirm_content(doc({"name": "io.x/y", "packages": [{"identifier": "p"}]}), registry, CATALOGUE)
    manifest = kind("mcpb-manifest")
    assert not confirm_content(doc({"manifest_version": 3, "name": "ext"}), manifest, CATALOGUE)
    assert confirm_content(doc({}), kind("cursor-project"), CATALOGUE)  # specific names need nothing


# --- robustness --------------------------------------------------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["command", "url", "name", "mcpServers", "servers", "type", "*", "stdio", "ws://x"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(["mcpServers", "servers", "mcp", "context_servers", "mcp_servers", "extensions",
                         "command", "args", "env", "url", "headers", "type", "name", "projects", "packages",
                         "remotes", "server", "mcp_config", "startCommand", "image", "config", "secrets",
                         "transport", "requestInit", "amp.mcpServers", "a", "b"]),
        inner, max_size=5,
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(JSONISH)
def test_no_shape_crashes_extraction_or_recognition(data: Any) -> None:
    document = doc(data)
    for file_kind in CATALOGUE.file_kinds():
        extract_servers(document, file_kind, CATALOGUE)
    recognise_by_content(document, CATALOGUE)
    recognise_by_content(doc(data, "yaml"), CATALOGUE)


def test_empty_document_yields_nothing() -> None:
    empty = Document("json", ())
    assert extract_servers(empty, kind("cursor-project"), CATALOGUE) == ()
    assert recognise_by_content(empty, CATALOGUE) is None
    broken = parse_text("{ not json", "json")
    assert extract_servers(broken, kind("cursor-project"), CATALOGUE) == ()


def test_extraction_reads_only_the_catalogue(tmp_path: Path) -> None:
    """A made-up client in a made-up catalogue is read with no code change."""
    raw = load_raw()
    raw["clients"] = [{
        "id": "madeup", "name": "Made Up", "expands": [], "sources": [],
        "fields": {"command": ["exec"], "env": ["vars"]},
        "files": [{"id": "madeup-config", "scope": "project", "format": "json",
                   "project": ["**/.madeup/tools.json"], "servers": [{"at": ["tools", "mcp"], "shape": "map"}]}],
    }]
    catalogue: Catalogue = build_catalogue(raw)
    document = doc({"tools": {"mcp": {"t": {"exec": "run-it", "vars": {"K": "v"}}}}})
    (server,) = extract_servers(document, catalogue.file_kind("madeup-config"), catalogue)
    assert (server.client, server.command_text, [e.name for e in server.env]) == ("madeup", "run-it", ["K"])
