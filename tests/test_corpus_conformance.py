"""Conformance with the shared corpus: 80 real published MCP snippets, read in place, never copied.

Each corpus file is given the catalogue kind its folder and name stand for, parsed with the real
parser and extracted. Nothing may raise; every file the corpus INDEX calls parseable must yield a
server (unless it holds none by design); snippets the INDEX calls unparseable (fragments, prose,
crushrc, URLs) may yield none. Per-client server counts are printed in the terminal summary.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus_location import CORPUS_MISSING

from mcpiam.catalogue import default_catalogue
from mcpiam.core.document import Document
from mcpiam.model.extract import extract_servers, recognise_by_content
from mcpiam.parse import FORMATS, parse_file, sniff_format

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
if not CORPUS.is_dir():
    pytest.skip(CORPUS_MISSING, allow_module_level=True)

CATALOGUE = default_catalogue()
INDEX = "INDEX.md"
UNPARSEABLE = "not parseable as-is"

# Corpus folder -> the catalogue kind its snippets belong to (None: judged by content alone).
FOLDER_KINDS: dict[str, str | None] = {
    "amazon-q": "amazonq-cli-agent",
    "amp": "amp-vscode-settings-workspace",
    "antigravity": "antigravity-config",
    "anythingllm": "anythingllm-config",
    "augment": "auggie-settings",
    "claude-code": "claude-code-project",
    "claude-desktop": "claude-desktop-config",
    "cline": "cline-settings",
    "codex": "codex-config",
    "continue": "continue-config-yaml",
    "copilot-cli": "copilot-cli-user",
    "copilot-coding-agent": "copilot-coding-agent-settings",
    "copilot-jetbrains": "copilot-jetbrains-config",
    "crush": "crush-json",
    "cursor": "cursor-project",
    "deeplinks": None,  # install URLs: no catalogue kind
    "docker-mcp": None,  # the client entry sits in another client's file
    "gemini-cli": "gemini-settings-project",
    "goose": "goose-config",
    "hermes": "hermes-config",
    "jetbrains": "junie-project",
    "kilo-code": "kilo-config",
    "kiro": "kiro-workspace",
    "lm-studio": "lmstudio-config",
    "mcp-registry": "registry-server-json",
    "mcpb": "mcpb-manifest",
    "opencode": "opencode-project",
    "qwen-code": "qwen-settings-project",
    "roo-code": "roo-code-project",
    "smithery": "smithery-yaml",
    "trae": "trae-project",
    "visual-studio": "visual-studio-solution",
    "vscode": "vscode-workspace",
    "warp": "warp-mcp",
    "windsurf": "windsurf-config",
    "zed": "zed-settings-project",
}
# Files whose name says more than their folder.
FILE_KINDS: dict[str, str] = {
    "claude-code/2.claude.json": "claude-code-user",
    "claude-code/5.managed-mcp.json": "claude-code-managed",
    "claude-code/6.managed-settings.json": "claude-code-managed-settings",
    "claude-code/7.plugin.mcp.json": "claude-code-plugin-mcp",
    "claude-code/8.subagent.md": "claude-code-subagent",
    "claude-code/10.plugin-flat.mcp.json": "claude-code-plugin-mcp",
    "claude-code/11.xcode-claude.json": "claude-code-user",
    "codex/5.codex-plugin.json": "codex-plugin-manifest",
    "continue/1.playwright-mcp.yaml": "continue-block",
    "copilot-cli/3.plugin.mcp.json": "copilot-cli-plugin-mcp",
    "crush/3.crushrc": "crushrc",
    "docker-mcp/2.server.yaml": "docker-mcp-catalog-entry",
    "gemini-cli/5.gemini-extension.json": "gemini-extension",
    "gemini-cli/6.gemini-extension.json": "gemini-extension",
    "opencode/5.agents-mcp.json": "opencode-agents-mcp",
    "vscode/2.settings.json": "vscode-settings-workspace",
    "vscode/6.devcontainer.json": "vscode-devcontainer",
}
# Corpus folders named differently from the catalogue client.
FOLDER_CLIENTS = {"jetbrains": "jetbrains-junie"}
# Valid configs that define no server by design.
NO_SERVERS = {
    "claude-code/6.managed-settings.json": "policy keys only (allowedMcpServers / deniedMcpServers)",
    "codex/5.codex-plugin.json": "mcpServers is a path to another file",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What reading one corpus file gave."""

    name: str  # folder/file
    parses_as: str  # the INDEX column
    kind: str | None  # the kind used (given, or recognised by content)
    client: str | None
    servers: int
    errors: int  # parse errors reported by the parser
    parsed: bool  # False when no parser reads the format (crushrc) or the file is not structured


def indexed() -> dict[str, str]:
    """INDEX.md rows: file -> its "Parses as" column."""
    rows: dict[str, str] = {}
    for line in (CORPUS / INDEX).read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*\d+\s*\|\s*`([^`]+)`\s*\|[^|]*\|\s*([^|]+?)\s*\|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def corpus_files() -> list[str]:
    return sorted(
        path.relative_to(CORPUS).as_posix()
        for path in CORPUS.rglob("*")
        if path.is_file() and path.name != INDEX
    )


def read(name: str, parses_as: str) -> Outcome:
    path = CORPUS / name
    kind_id = FILE_KINDS.get(name, FOLDER_KINDS.get(name.split("/", 1)[0]))
    kind = CATALOGUE.file_kind(kind_id) if kind_id else None
    document: Document | None = None
    if kind is not None and kind.format in FORMATS:
        document = parse_file(path, kind.format)
    elif kind is None:
        fmt = sniff_format(path.name, path.read_bytes()[:4096])
        document = parse_file(path, fmt) if fmt in FORMATS else None
        kind = recognise_by_content(document, CATALOGUE) if document is not None else None
    servers = extract_servers(document, kind, CATALOGUE) if document is not None and kind else ()
    return Outcome(
        name=name,
        parses_as=parses_as,
        kind=kind.id if kind else None,
        client=kind.client if kind else None,
        servers=len(servers),
        errors=len(document.errors) if document is not None else 0,
        parsed=document is not None,
    )


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    rows = indexed()
    return {name: read(name, rows.get(name, "")) for name in corpus_files()}


class CorpusSummary:
    """A pytest plugin that prints the per-client counts after the run (visible without -s)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        terminalreporter.section("corpus conformance")
        for line in self.lines:
            terminalreporter.write_line(line)


# --- tests -------------------------------------------------------------------------------------------


def test_index_and_files_agree() -> None:
    assert sorted(indexed()) == corpus_files()


def test_every_corpus_folder_maps_to_a_catalogue_kind() -> None:
    folders = {name.split("/", 1)[0] for name in corpus_files()}
    assert sorted(folders - set(FOLDER_KINDS)) == []
    for name, kind_id in list(FILE_KINDS.items()) + [(f"{f}/", k) for f, k in FOLDER_KINDS.items() if k]:
        folder = name.split("/", 1)[0]
        client = CATALOGUE.file_kind(kind_id).client
        assert client == FOLDER_CLIENTS.get(folder, folder), (name, kind_id)


@pytest.mark.parametrize("name", corpus_files())
def test_corpus_file_is_read(name: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[name]
    if outcome.parses_as == UNPARSEABLE:
        return  # may yield nothing, but reading it must not raise (it did not)
    assert outcome.parsed, outcome
    if name in NO_SERVERS:
        assert outcome.servers == 0, NO_SERVERS[name]
    else:
        assert outcome.servers >= 1, outcome
        assert outcome.errors == 0, outcome


def test_unknown_names_are_recognised_by_content(outcomes: dict[str, Outcome]) -> None:
    """Every parseable snippet, read with no file name to go by, is still found to be MCP config."""
    missed = []
    for name, outcome in outcomes.items():
        if outcome.parses_as == UNPARSEABLE or name in NO_SERVERS or not outcome.parsed:
            continue
        path = CORPUS / name
        fmt = sniff_format(path.name, path.read_bytes()[:4096])
        document = parse_file(path, fmt) if fmt else None
        kind = recognise_by_content(document, CATALOGUE) if document else None
        if kind is None or not extract_servers(document, kind, CATALOGUE):  # type: ignore[arg-type]
            missed.append(name)
    # Goose built-in extensions have no command or URL: nothing marks them as servers by content.
    assert missed == ["goose/2.config.yaml"]


def test_corpus_summary(outcomes: dict[str, Outcome], request: pytest.FixtureRequest) -> None:
    per_client: Counter[str] = Counter()
    files: Counter[str] = Counter()
    for outcome in outcomes.values():
        label = outcome.client or "(no kind)"
        per_client[label] += outcome.servers
        files[label] += 1
    lines = [f"{len(outcomes)} corpus files, {sum(per_client.values())} servers"]
    lines += [f"  {client:<24} {files[client]:>2} files {per_client[client]:>3} servers" for client in sorted(files)]
    unparseable = [o for o in outcomes.values() if o.parses_as == UNPARSEABLE]
    lines.append("not parseable as-is (per INDEX):")
    for outcome in sorted(unparseable, key=lambda o: o.name):
        state = "not parsed" if not outcome.parsed else f"{outcome.servers} servers recovered"
        lines.append(f"  {outcome.name:<40} {state}")
    print("\n".join(lines))
    name = "mcpiam-corpus-summary"
    if not request.config.pluginmanager.has_plugin(name):
        request.config.pluginmanager.register(CorpusSummary(lines), name)
    assert sum(per_client.values()) > 0
