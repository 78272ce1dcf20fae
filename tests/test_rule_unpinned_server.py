"""unpinned-server: which package and image arguments float, and exactly where each is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rule_helpers import located_server, scan_files, scan_text
from mcpiam.checks.unpinned_server import floating_packages
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.model.package_refs import image_ref, npm_ref, pypi_ref

RULE = "unpinned-server"


def flagged_args(tmp_path: Path, command: str, args: list[str]) -> list[str]:
    """The flagged tokens (without JSON quotes) for one server written on one line."""
    server = {"command": command, "args": args}
    text = json.dumps({"mcpServers": {"s": server}})
    return [f.token.strip('"') for f in scan_text(tmp_path, ".cursor/mcp.json", text, RULE)]


@pytest.mark.parametrize(
    "command,args,expected",
    [
        ("npx", ["-y", "pkg"], ["pkg"]),
        ("npx", ["--yes", "pkg@1.2.3"], []),
        ("npx", ["-y", "@scope/pkg@1.2.3"], []),
        ("npx", ["-y", "@scope/pkg"], ["@scope/pkg"]),
        ("npx", ["-y", "@scope/pkg@latest", "--port", "3000"], ["@scope/pkg@latest"]),
        ("npx", ["-p", "pkg@1.0.0", "cmd"], []),
        ("npx", ["-p", "pkg@latest", "cmd"], ["pkg@latest"]),
        ("npx", ["--package=pkg", "cmd"], ["--package=pkg"]),
        ("npx", ["-y", "pkg@next"], ["pkg@next"]),
        ("npx", ["-y", "pkg@^1.2.0"], []),
        ("npx", ["-y", "pkg@>=1.0.0"], ["pkg@>=1.0.0"]),
        ("npx", ["./server.js"], []),
        ("npx", ["github:owner/repo"], []),
        ("npx", ["-y", "${PACKAGE}"], []),
        ("npm", ["exec", "--", "pkg"], ["pkg"]),
        ("bunx", ["pkg"], ["pkg"]),
        ("bun", ["x", "pkg@2.0.0"], []),
        ("pnpm", ["dlx", "pkg"], ["pkg"]),
        ("yarn", ["dlx", "pkg@1.0.0"], []),
        ("/usr/local/bin/npx", ["-y", "pkg"], ["pkg"]),
        ("npx.cmd", ["-y", "pkg"], ["pkg"]),
        ("cmd", ["/c", "npx", "-y", "pkg"], ["pkg"]),
        ("uvx", ["pkg==1.2"], []),
        ("uvx", ["pkg"], ["pkg"]),
        ("uvx", ["pkg@latest"], ["pkg@latest"]),
        ("uvx", ["pkg@1.4.0"], []),
        ("uvx", ["pkg[extra]==1.0"], []),
        ("uvx", ["--from", "pkg==1.0", "cmd"], []),
        ("uvx", ["--from", "pkg", "cmd"], ["pkg"]),
        ("uvx", ["--python", "3.12", "pkg"], ["pkg"]),
        ("uvx", ["--from", "git+https://github.com/o/r", "cmd"], []),
        ("uvx", ["pkg>=1.0"], ["pkg>=1.0"]),
        ("uvx", ["pkg>=1.0,<2"], []),
        ("uv", ["tool", "run", "pkg"], ["pkg"]),
        ("uv", ["run", "server.py"], []),
        ("pipx", ["run", "pkg==1"], []),
        ("pipx", ["run", "--spec", "pkg==1", "cmd"], []),
        ("pipx", ["run", "--spec", "pkg", "cmd"], ["pkg"]),
        ("pipx", ["run", "pkg"], ["pkg"]),
        ("docker", ["run", "-i", "--rm", "-e", "K=V", "--name", "x", "-v", "a:b", "img"], ["img"]),
        ("docker", ["run", "-i", "--rm", "-e", "K=V", "--name", "x", "-v", "a:b", "img:1.2"], []),
        ("docker", ["run", "-i", "--env=K=V", "--network", "bridge", "img:latest", "--flag"], ["img:latest"]),
        ("docker", ["run", "-i", "img@sha256:" + "a" * 64], []),
        ("docker", ["run", "-i", "localhost:5000/img"], ["localhost:5000/img"]),
        ("docker", ["run", "-i", "localhost:5000/img:1.0"], []),
        ("docker", ["container", "run", "-i", "mcp/fetch"], ["mcp/fetch"]),
        ("podman", ["run", "-i", "mcp/fetch"], ["mcp/fetch"]),
        ("docker", ["run", "-i", "${IMAGE}"], []),
        ("docker", ["mcp", "gateway", "run"], []),
        ("node", ["build/index.js"], []),
        ("python", ["-m", "server"], []),
    ],
)
def test_which_argument_is_flagged(tmp_path: Path, command: str, args: list[str], expected: list[str]) -> None:
    assert flagged_args(tmp_path, command, args) == expected


def test_finding_points_at_the_package_in_every_format(tmp_path: Path) -> None:
    files = {
        ".codex/config.toml": '[mcp_servers.a]\ncommand = "npx"\nargs = ["-y", "pkg@latest"]\n',
        ".continue/mcpServers/a.yaml": (
            "name: a\nversion: 0.0.1\nschema: v1\nmcpServers:\n"
            "  - name: a\n    command: uvx\n    args:\n      - mcp-server-git\n"
        ),
        ".vscode/mcp.json": '{\n  // jsonc\n  "servers": {"a": {"command": "docker", "args": ["run", "img"],},},\n}\n',
    }
    found = scan_files(tmp_path, files, RULE)
    located = sorted(
        (f.finding.location.path, f.finding.location.span.start_line, f.finding.location.span.start_column, f.token)
        for f in found
    )
    assert located == [
        (".codex/config.toml", 3, 15, '"pkg@latest"'),
        (".continue/mcpServers/a.yaml", 8, 9, "mcp-server-git"),
        (".vscode/mcp.json", 3, 58, '"img"'),
    ]
    assert all(f.severity == "low" for f in found)


def test_message_names_the_package_and_the_fix(tmp_path: Path) -> None:
    (found,) = scan_text(
        tmp_path, ".cursor/mcp.json",
        '{"mcpServers": {"browser": {"command": "npx", "args": ["-y", "@playwright/mcp@latest"]}}}', RULE,
    )
    assert "'@playwright/mcp'" in found.message and "@latest" in found.message
    assert "@playwright/mcp@X.Y.Z" in found.message
    assert found.finding.location.pointer == "/mcpServers/browser/args/1"


REGISTRY = """{{
  "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
  "name": "io.example/acme", "description": "x", "version": "1.0.0",
  "packages": [{{"registryType": "npm", "identifier": "@acme/mcp", {version}
                "runtimeHint": "npx", "transport": {{"type": "stdio"}}}}]
}}"""


@pytest.mark.parametrize("version,expected", [('"version": "1.0.0",', []), ("", ['"@acme/mcp"'])])
def test_registry_package_is_judged_by_its_version_field(tmp_path: Path, version: str, expected: list[str]) -> None:
    found = scan_text(tmp_path, "server.json", REGISTRY.format(version=version), RULE)
    assert [f.token for f in found] == expected


def test_docker_catalog_image_is_judged(tmp_path: Path) -> None:
    text = "name: acme\nimage: mcp/acme\ntype: server\nrun:\n  command: [--stdio]\n"
    target = tmp_path / "catalog" / "server.yaml"
    target.parent.mkdir()
    target.write_text(text, encoding="utf-8")
    result = scan_paths([target], ScanSettings(select=(RULE,)), root=tmp_path)
    assert [(f.location.span.start_line, f.location.span.start_column) for f in result.findings] == [(2, 8)]


@pytest.mark.parametrize(
    "spec,name,version",
    [("pkg", "pkg", ""), ("@s/p@1.0.0", "@s/p", "1.0.0"), ("@s/p", "@s/p", ""), ("p@latest", "p", "latest")],
)
def test_npm_package_spec(spec: str, name: str, version: str) -> None:
    ref = npm_ref(spec)
    assert ref is not None and (ref.name, ref.version) == (name, version)


@pytest.mark.parametrize("spec", ["./x.js", "/abs/x", "owner/repo", "https://x/y.tgz", "file:../x", "C:\\x\\y.js"])
def test_npm_non_registry_specs(spec: str) -> None:
    assert npm_ref(spec) is None


@pytest.mark.parametrize(
    "spec,operator,version",
    [("pkg", "", ""), ("pkg==1.2", "==", "1.2"), ("pkg[a,b]==1", "==", "1"), ("pkg@latest", "@", "latest"),
     ("pkg>=1", ">=", ">=1")],
)
def test_pypi_package_spec(spec: str, operator: str, version: str) -> None:
    ref = pypi_ref(spec)
    assert ref is not None and (ref.name, ref.operator, ref.version) == ("pkg", operator, version)


@pytest.mark.parametrize(
    "text,repository,tag,digest",
    [
        ("img", "img", "", False),
        ("localhost:5000/img", "localhost:5000/img", "", False),
        ("localhost:5000/img:2", "localhost:5000/img", "2", False),
        ("ghcr.io/o/i:latest", "ghcr.io/o/i", "latest", False),
        ("i@sha256:" + "b" * 64, "i", "", True),
    ],
)
def test_image_reference(text: str, repository: str, tag: str, digest: bool) -> None:
    ref = image_ref(text)
    assert ref is not None and (ref.name, ref.version, bool(ref.digest)) == (repository, tag, digest)


WORDS = ["run", "-v", "-e", "--name", "-p", "--package", "--from", "--spec", "npx", "uvx", "pipx", "bunx", "dlx",
         "exec", "x", "tool", "docker", "pnpm", "cmd", "/c", "img", "img:latest", "a@latest", "@s/p", "@s/p@1",
         "pkg==1", "pkg>=1", "--", "-", "", "@", "==", ":", "localhost:5000/i"]


@settings(max_examples=300, deadline=None)
@given(
    command=st.sampled_from(WORDS) | st.text(max_size=12),
    args=st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=10),
)
def test_any_command_line_is_judged_without_error(command: str, args: list[str]) -> None:
    server = located_server(command, args)
    for value, kind, name, why in floating_packages(server):
        assert value.text is not None and value.route[:2] == server.route
        assert kind in {"npm package", "pypi package", "image"} and name and why
