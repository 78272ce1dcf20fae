"""MCP servers recognised by their shape wherever they are: a file that is one server, a flat map
in a per-tool folder, servers listed under another key (hub files); and the files that only look
similar (package.json, Compose, workflows, Kubernetes, editor tasks, language servers) never are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.catalogue import UNKNOWN_KIND_ID, default_catalogue
from mcpiam.cli.main import main
from mcpiam.discover.walk import discover
from mcpiam.engine.scan import scan_paths
from mcpiam.model.extract import extract_servers, recognise_by_content
from mcpiam.parse import parse_text

CATALOGUE = default_catalogue()
# A connection-string password: a plainly fake credential the detector recognises.
PASSWORD = "Pq7Rz2Lm9Xw4"
DSN = f"postgresql://orders_ro:{PASSWORD}@orders.db.internal/orders"

FOUND = {
    "single stdio server (mcp.config.json)": (
        "json", '{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],\n'
                ' "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}"}}', ["server"]),
    "single server with its own name": (
        "json", '{"name": "orders", "command": "uvx", "env": {"DB": "x"}}', ["orders"]),
    "single remote server with headers": (
        "json", '{"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer ${T}"}}', ["server"]),
    "single OpenCode-style server": (
        "json", '{"type": "local", "command": ["npx", "-y", "srv"]}', ["server"]),
    "single server in YAML": (
        "yaml", "command: docker\nargs: [run, -i, --rm, ghcr.io/github/github-mcp-server]\n", ["server"]),
    "flat map in .claude/mcp.json": (
        "json", '{"github": {"command": "npx", "args": ["-y", "srv"]}, "docs": {"url": "https://d.example"}}',
        ["docs", "github"]),
    "YAML hub, servers under another root key": (
        "yaml", "hub:\n  servers:\n    github:\n      command: npx\n      args: [-y, srv]\n"
                "    remote:\n      type: http\n      url: https://x.example/mcp\n", ["github", "remote"]),
    "YAML hub, a key naming MCP": (
        "yaml", "version: 2\nmcp_hub:\n  github:\n    command: npx\n    env: {A: b}\n", ["github"]),
    "YAML hub, a named list": (
        "yaml", "gateway:\n  mcpList:\n    - name: github\n      command: npx\n      args: [srv]\n", ["github"]),
    "a server with a transport object": (
        "json", '{"name": "k", "transport": {"type": "stdio"}, "command": "npx", "args": ["srv"]}', ["k"]),
    "TOML hub": (
        "toml", '[proxy.mcp.github]\ncommand = "npx"\nargs = ["srv"]\n', ["github"]),
}

DECOYS = {
    "package.json": ("json", '{"name": "app", "version": "1.0.0", "scripts": {"start": "node ."},'
                             ' "dependencies": {"express": "4"}}'),
    "tsconfig.json": ("json", '{"compilerOptions": {"target": "es2022", "module": "nodenext"}}'),
    "docker-compose.yml": ("yaml", "services:\n  web:\n    image: node:20\n    command: npm start\n"
                                   "    environment:\n      A: b\n  worker:\n    build: .\n"
                                   "    command: [\"node\", \"worker.js\"]\n"),
    "a Compose service at the root": ("yaml", "image: node\ncommand: npm start\nenv: {A: b}\n"),
    "GitHub workflow": ("yaml", "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                                "      - run: npm test\n        env: {CI: 'true'}\n"),
    "Kubernetes pod": ("yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n"
                               "      image: app:1\n      command: [node]\n      args: [server.js]\n"
                               "      env:\n        - name: A\n          value: b\n"),
    "Kubernetes container list under a key": ("yaml", "containers:\n  - name: app\n    image: app:1\n"
                                                      "    command: [node]\n    args: [x]\n"),
    "VS Code tasks.json": ("json", '{"version": "2.0.0", "tasks": [{"label": "build", "type": "shell",'
                                   ' "command": "npm", "args": ["run", "build"]}]}'),
    "VS Code launch.json": ("json", '{"configurations": [{"type": "node", "request": "launch",'
                                    ' "name": "x", "program": "a.js", "args": [], "env": {}}]}'),
    "coc.nvim language servers": ("json", '{"languageserver": {"go": {"command": "gopls",'
                                          ' "args": ["serve"], "filetypes": ["go"]}}}'),
    "Helix language servers": ("toml", '[language-server.rust]\ncommand = "rust-analyzer"\nargs = ["--stdio"]\n'),
    "a language-server map with nothing MCP on the way": (
        "yaml", "lsp:\n  servers:\n    go:\n      command: gopls\n      args: [serve]\n"),
    "a command with nothing else": ("json", '{"command": "make"}'),
    "a hook command": ("json", '{"type": "command", "command": "./check.sh", "env": {"A": "b"}}'),
    "a process manager app": ("json", '{"apps": [{"name": "api", "script": "server.js", "env": {"A": "b"}}]}'),
    "nx project targets": ("json", '{"name": "app", "targets": {"serve": {"executor": "nx:run-commands",'
                                   ' "options": {"command": "node x", "env": {"A": "b"}}}}}'),
    "a webhook with headers": ("json", '{"url": "https://hooks.example.com/x", "method": "POST",'
                                       ' "headers": {"X-Token": "t"}}'),
    "a report listing servers (absent fields as null)": (
        "json", '{"cursor": {"kind": "cursor-project", "servers": [{"name": "local", "transport": "stdio",'
                ' "command": "node", "url": null}, {"name": "c7", "transport": "http",'
                ' "command": null, "url": "https://mcp.example.com/mcp"}]}}'),
    "an env given as a list": ("yaml", "deploy:\n  mcp_apps:\n    app:\n      type: stdio\n      command: node\n      env:\n"
                                       "        - name: A\n          value: b\n"),
    "a URL that is not http": ("json", '{"url": "file:///tmp/x", "headers": {"A": "b"}}'),
}


@pytest.mark.parametrize("case", sorted(FOUND))
def test_servers_are_recognised_by_their_shape(case: str) -> None:
    fmt, text, names = FOUND[case]
    document = parse_text(text, fmt)
    assert not document.errors, case
    kind = recognise_by_content(document, CATALOGUE)
    assert kind is not None and kind.id == UNKNOWN_KIND_ID, case
    assert sorted(server.name for server in extract_servers(document, kind, CATALOGUE)) == names


@pytest.mark.parametrize("case", sorted(DECOYS))
def test_files_that_only_look_similar_are_not_mcp_configs(case: str) -> None:
    fmt, text = DECOYS[case]
    document = parse_text(text, fmt)
    assert not document.errors, case
    assert recognise_by_content(document, CATALOGUE) is None, case


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


SINGLE = (
    '{\n'
    '  "command": "npx",\n'
    f'  "args": ["-y", "pg-mcp", "{DSN}"]\n'
    '}\n'
)
PASSWORD_POSITION = (3, SINGLE.splitlines()[2].index(PASSWORD) + 1)  # where the password starts


def project(root: Path) -> Path:
    """A folder (no git) with the missed shapes and the decoys side by side."""
    write(root / "mcp.config.json", SINGLE)
    write(root / ".claude" / "mcp.json", '{"github": {"command": "npx", "args": ["-y", "srv"]}}')
    write(root / ".windsurf" / "mcp_config.json", '{"docs": {"url": "https://d.example", "headers": {"A": "b"}}}')
    write(root / "deploy" / "hub.yaml", "hub:\n  servers:\n    github:\n      command: npx\n      args: [srv]\n")
    for index, (fmt, text) in enumerate(DECOYS[name] for name in sorted(DECOYS)):
        write(root / "decoys" / f"decoy{index}.{fmt}", text)
    write(root / "package.json", DECOYS["package.json"][1])
    write(root / "docker-compose.yml", DECOYS["docker-compose.yml"][1])
    write(root / ".github" / "workflows" / "ci.yml", DECOYS["GitHub workflow"][1])
    write(root / ".vscode" / "tasks.json", DECOYS["VS Code tasks.json"][1])
    return root


def test_a_walk_finds_the_missed_files_and_no_decoy(tmp_path: Path) -> None:
    root = project(tmp_path / "p")
    result = scan_paths([root], root=root)
    assert sorted((c.path, c.client, c.recognised_by) for c in result.configs) == [
        (".claude/mcp.json", "unknown", "content"),
        (".windsurf/mcp_config.json", "unknown", "content"),
        ("deploy/hub.yaml", "unknown", "content"),
        ("mcp.config.json", "unknown", "content"),
    ]
    # Decoys are parsed or skipped silently: no note calls them anything.
    assert not [note for note in result.notes if note.path.startswith(("decoys", "package", "docker", ".github"))]


def test_a_single_server_file_is_scanned_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path / "p")
    monkeypatch.chdir(root)
    line, column = PASSWORD_POSITION
    main(["scan", "--color", "never", "--fail-on", "critical", "."])
    text = capsys.readouterr().out
    assert f"mcp.config.json:{line}:{column}:" in text and PASSWORD not in text

    main(["scan", "--format", "json", "--fail-on", "critical", "."])
    report = json.loads(capsys.readouterr().out)
    secrets = [f for f in report["findings"] if f["rule_id"] == "embedded-secret"]
    assert [(f["path"], f["line"], f["column"]) for f in secrets] == [
        ("mcp.config.json", line, column)]

    main(["scan", "--format", "sarif", "--fail-on", "critical", "."])
    sarif = json.loads(capsys.readouterr().out)
    regions = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["locations"][0]["physicalLocation"]["region"]["startColumn"])
               for r in sarif["runs"][0]["results"] if r["ruleId"] == "embedded-secret"]
    assert regions == [("mcp.config.json", line, column)]


def test_a_file_named_for_mcp_is_parsed_even_without_any_hint_in_it(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(root / "tools" / "mcp-servers.yml", "github:\n  cmd: npx\n")  # no wrapper, no args or env
    write(root / "tools" / "other.yml", "github:\n  cmd: npx\n")  # the same, named for nothing
    found = discover([root], CATALOGUE, root=root)
    assert [c.display for c in found.candidates] == ["tools/mcp-servers.yml"]
