"""Shared fixtures for the reporter tests, and the checks every output format must pass.

The sample scan is built directly from the dataclasses (no parser, no rules), with a fake
secret-looking value planted in every place a server can carry one. Golden files live in
``testdata/report``; ``UPDATE=1`` rewrites them.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from mcpiam.checks.base import RuleInfo
from mcpiam.core.document import Document, Route, Scalar, Span
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.model.servers import ConfigFile, NamedValue, Scope, Server, Transport, Value
from mcpiam.policy import CodeOwnersRule, OwnerEntry, Policy, ServerMatch
from mcpiam.report import InventoryFormat, OutputFormat, render, render_inventory
from mcpiam.engine.result import Note, ScanResult

REPO = Path(__file__).resolve().parent.parent
GOLDEN_DIR = REPO / "testdata" / "report"
ROOT = "/home/dev/project"

# Built at run time so no secret-looking literal sits in the source tree.
SECRET = "fake_" + "Q" * 10 + "x9"
SECRET_CORE = "Q" * 10


def assert_golden(name: str, actual: str) -> None:
    """Compare with ``testdata/report/<name>``; with ``UPDATE=1`` write it first."""
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE") == "1":
        path.write_text(actual + "\n", encoding="utf-8", newline="\n")
    assert path.exists(), f"missing golden file {path}; run with UPDATE=1"
    assert actual + "\n" == path.read_text(encoding="utf-8")


def scalar(value: object, line: int, column: int, route: Route) -> Value:
    """A located string value; its span covers the quoted text on one line."""
    width = len(str(value)) + 2 if isinstance(value, str) else len(str(value))
    return Value(route=route, node=Scalar(value, Span(line, column, line, column + width)))


def named(name: str, value: str, line: int, column: int, base: Route) -> NamedValue:
    return NamedValue(
        name=name,
        name_span=Span(line, column, line, column + len(name) + 2),
        value=scalar(value, line, column + len(name) + 4, base + (name,)),
    )


def server(
    name: str,
    line: int,
    *,
    base: Route,
    client: str,
    scope: Scope,
    transport: Transport = Transport.STDIO,
    command: str | None = None,
    args: tuple[str, ...] = (),
    env: tuple[tuple[str, str], ...] = (),
    url: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    reference_only: bool = False,
) -> Server:
    """A server whose name sits at ``line`` column 5 and whose fields follow on the next lines."""
    route = base + (name,)
    next_line = line + 1
    command_value = None
    if command is not None:
        command_value = scalar(command, next_line, 18, route + ("command",))
        next_line += 1
    arg_values = tuple(scalar(a, next_line, 16 + i * 6, route + ("args", i)) for i, a in enumerate(args))
    if args:
        next_line += 1
    env_values = []
    for key, value in env:
        env_values.append(named(key, value, next_line, 9, route + ("env",)))
        next_line += 1
    url_value = None
    if url is not None:
        url_value = scalar(url, next_line, 14, route + ("url",))
        next_line += 1
    header_values = []
    for key, value in headers:
        header_values.append(named(key, value, next_line, 9, route + ("headers",)))
        next_line += 1
    return Server(
        name=name,
        name_span=Span(line, 5, line, 7 + len(name)),
        route=route,
        client=client,
        scope=scope,
        transport=transport,
        command=command_value,
        args=arg_values,
        env=tuple(env_values),
        url=url_value,
        headers=tuple(header_values),
        reference_only=reference_only,
    )


def config(path: str, client: str, kind: str, scope: Scope, servers: tuple[Server, ...], *, absolute: str | None = None) -> ConfigFile:
    return ConfigFile(
        path=path,
        absolute_path=absolute or f"{ROOT}/{path}",
        client=client,
        file_kind=kind,
        scope=scope,
        document=Document(format="json", roots=()),
        servers=servers,
    )


def rule(rule_id: str, severity: Severity, summary: str, *, tags: tuple[str, ...] = (), controls: tuple[str, ...] = ()) -> RuleInfo:
    docs = (
        f"## What it flags\n\n{summary} The value is reported by its location,\nnever by its content.\n\n"
        "## Why it matters\n\nCredentials in config files are copied, synced and committed.\n\n"
        "## Example\n\n```json\n{}\n```\n\n## Use instead\n\nA reference such as `${VAR}`.\n\n"
        "## Options\n\nNone.\n\n## References\n\n- OWASP NHI Top 10"
    )
    return RuleInfo(id=rule_id, severity=severity, summary=summary, docs=docs, tags=tags, controls=controls)


MCP = ("mcpServers",)
VSCODE = ("servers",)

GITHUB = server(
    "github", 3, base=MCP, client="claude-code", scope=Scope.PROJECT,
    command="npx", args=("-y", "@modelcontextprotocol/server-github"),
    env=(("GITHUB_PERSONAL_ACCESS_TOKEN", SECRET),),
)
REMOTE = server(
    "remote-api", 9, base=MCP, client="claude-code", scope=Scope.PROJECT, transport=Transport.HTTP,
    url=f"https://deploy:{SECRET}@api.example.com/mcp?api_key={SECRET}&region=eu",
    headers=(("Authorization", f"Bearer {SECRET}"), ("X-Api-Key", SECRET)),
)
DATABASE = server(
    "db", 14, base=MCP, client="claude-code", scope=Scope.PROJECT,
    command="docker",
    args=("run", "-i", "--rm", "-e", "DB_PASSWORD", "--token", SECRET, "ghcr.io/example/db-mcp:1.2"),
    env=(("DB_PASSWORD", "${DB_PASSWORD}"),),
)
FETCH = server(
    "fetch", 3, base=VSCODE, client="vscode", scope=Scope.PROJECT,
    command="uvx", args=("mcp-server-fetch", "--api-key", SECRET),
)
TOOL = server(
    "acme", 7, base=VSCODE, client="vscode", scope=Scope.PROJECT,
    command="python", args=("-m", "acme_mcp", f"--token={SECRET}"),
    env=(("ACME_TOKEN", SECRET),),
)
LOCAL = server(
    "local", 4, base=MCP, client="cursor", scope=Scope.USER,
    command=f"API_KEY={SECRET} node", args=(SECRET, "/opt/mcp/server.js"),
)
ZAPIER = server(
    "zapier", 8, base=MCP, client="cursor", scope=Scope.USER, transport=Transport.HTTP,
    url=f"https://mcp.zapier.com/api/mcp/s/{SECRET}/mcp#{SECRET}",
)
REFERENCE = server("github", 12, base=("agents", "reviewer", "mcpServers"), client="cursor", scope=Scope.USER,
                   transport=Transport.UNKNOWN, reference_only=True)

CLAUDE = config(".mcp.json", "claude-code", "claude-code-project", Scope.PROJECT, (GITHUB, REMOTE, DATABASE))
VSCODE_CONFIG = config(".vscode/mcp.json", "vscode", "vscode-workspace", Scope.PROJECT, (FETCH, TOOL))
CURSOR = config(
    "~/.cursor/mcp.json", "cursor", "cursor-user", Scope.USER, (LOCAL, ZAPIER, REFERENCE),
    absolute="/home/dev/.cursor/mcp.json",
)

# Owners for some of the sample servers: by package, by name and path, by URL, and by CODEOWNERS;
# db, local, zapier and the reference entry have none.
SAMPLE_POLICY = Policy(
    source=".mcpiam.yaml",
    base_dir=ROOT,
    owners=(
        OwnerEntry(ServerMatch(packages=("@modelcontextprotocol/server-github",)), "@acme/platform-security", line=3),
        OwnerEntry(ServerMatch(names=("fetch",), paths=(".vscode/**",)), "@acme/tools", line=8),
        OwnerEntry(ServerMatch(urls=("api.example.com/mcp",)), "ops@example.com", line=11),
    ),
    owners_from_codeowners=True,
    codeowners_source=".github/CODEOWNERS",
    codeowners=(CodeOwnersRule("/.vscode/", ("@acme/editors", "@acme/security"), 4),),
)

RULES = (
    rule("hardcoded-secret", Severity.CRITICAL, "A literal credential is written in an MCP config.",
         tags=("secrets", "credentials"), controls=("OWASP-NHI2",)),
    rule("shared-credential", Severity.HIGH, "One credential is handed to several MCP servers.",
         tags=("credentials",), controls=("OWASP-NHI5", "OWASP-ASI03")),
    rule("secret-in-url", Severity.HIGH, "A server URL carries a credential in its userinfo or query."),
    rule("unscoped-token", Severity.HIGH, "A token grants more than the server needs."),
    rule("server-without-owner", Severity.LOW, "A server names no owner or purpose."),
)


def location_of(config_file: ConfigFile, value: Value) -> Location:
    return Location(path=config_file.path, span=value.span, route=value.route)


FINDINGS = (
    Finding(
        rule_id="hardcoded-secret", severity=Severity.CRITICAL,
        message='GitHub personal access token written in env GITHUB_PERSONAL_ACCESS_TOKEN of server "github". '
                "Move it to a secret store and reference it.",
        location=location_of(CLAUDE, GITHUB.env[0].value), server="github", client="claude-code",
        subject_key="hmac:3f2a9c", properties=(("token_family", "github-pat"), ("preview", "fake…x9")),
    ),
    Finding(
        rule_id="shared-credential", severity=Severity.HIGH,
        message='The credential in env ACME_TOKEN of server "acme" is also given to 2 other servers.',
        location=location_of(VSCODE_CONFIG, TOOL.env[0].value), server="acme", client="vscode",
        subject_key="hmac:3f2a9c",
        related=(location_of(CURSOR, LOCAL.args[0]), location_of(CLAUDE, GITHUB.env[0].value)),
    ),
    Finding(
        rule_id="secret-in-url", severity=Severity.HIGH,
        message='The URL of server "remote-api" carries a password and a query parameter api_key.',
        location=location_of(CLAUDE, REMOTE.url), server="remote-api", client="claude-code",
    ),
    Finding(
        rule_id="unscoped-token", severity=Severity.MEDIUM,
        message='The token in header X-Api-Key of server "remote-api" may be broader than needed.',
        location=location_of(CLAUDE, REMOTE.headers[1].value), server="remote-api", client="claude-code",
    ),
    Finding(
        rule_id="server-without-owner", severity=Severity.LOW,
        message='Server "zapier" names no owner.',
        location=Location(path=CURSOR.path, span=ZAPIER.name_span, route=ZAPIER.route),
        server="zapier", client="cursor",
    ),
)

NOTES = (
    Note(path=".vscode/mcp.json", level="warning", code="duplicate-key",
         message='Key "fetch" appears twice; the last one is used.', span=Span(11, 5, 11, 12)),
    Note(path="big/servers.json", level="warning", code="size-cap", message="Skipped: the file is larger than 4 MiB."),
    Note(path=".mcp.json", level="info", code="bom", message="The file starts with a UTF-8 byte order mark.",
         span=Span(1, 1, 1, 2)),
)


def sample_result(**changes: object) -> ScanResult:
    """The shared sample scan; keyword arguments replace fields."""
    result = ScanResult(
        root=ROOT,
        findings=FINDINGS,
        notes=NOTES,
        configs=(CLAUDE, VSCODE_CONFIG, CURSOR),
        rules=RULES,
        fail_on=Severity.HIGH,
        tool_version="0.1.0",
        files_considered=14,
        applied_policy=SAMPLE_POLICY,
    )
    return replace(result, **changes)


def shuffled(result: ScanResult, seed: int) -> ScanResult:
    """The same scan with every list in a different order (servers inside configs too)."""
    rng = random.Random(seed)

    def mix(items: tuple) -> tuple:
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    configs = tuple(replace(c, servers=mix(c.servers)) for c in mix(result.configs))
    findings = tuple(replace(f, related=mix(f.related)) for f in mix(result.findings))
    return replace(result, findings=findings, notes=mix(result.notes), configs=configs, rules=mix(result.rules))


ALL_OUTPUTS: dict[str, Callable[[ScanResult], str]] = {
    "text": lambda r: render(r, OutputFormat.TEXT),
    "text-verbose-color": lambda r: render(r, OutputFormat.TEXT, color=True, verbose=True),
    "concise": lambda r: render(r, OutputFormat.CONCISE),
    "json": lambda r: render(r, OutputFormat.JSON),
    "sarif": lambda r: render(r, OutputFormat.SARIF),
    "github": lambda r: render(r, OutputFormat.GITHUB),
    "inventory-table": lambda r: render_inventory(r.configs, InventoryFormat.TABLE, r.applied_policy),
    "inventory-json": lambda r: render_inventory(r.configs, InventoryFormat.JSON, r.applied_policy),
    "inventory-csv": lambda r: render_inventory(r.configs, InventoryFormat.CSV, r.applied_policy),
}


@pytest.mark.parametrize("name", sorted(ALL_OUTPUTS))
def test_output_never_contains_the_secret(name: str) -> None:
    output = ALL_OUTPUTS[name](sample_result())
    assert SECRET not in output
    assert SECRET_CORE not in output


@pytest.mark.parametrize("name", sorted(ALL_OUTPUTS))
def test_output_is_identical_for_identical_and_reordered_input(name: str) -> None:
    render_output = ALL_OUTPUTS[name]
    first = render_output(sample_result())
    assert render_output(sample_result()) == first
    for seed in range(5):
        assert render_output(shuffled(sample_result(), seed)) == first


@pytest.mark.parametrize("name", sorted(ALL_OUTPUTS))
def test_output_has_no_trailing_newline(name: str) -> None:
    assert not ALL_OUTPUTS[name](sample_result()).endswith("\n")


def test_format_is_accepted_as_its_string_value() -> None:
    result = sample_result()
    for fmt in OutputFormat:
        assert render(result, fmt.value) == render(result, fmt)
    for inventory_fmt in InventoryFormat:
        assert render_inventory(result.configs, inventory_fmt.value) == render_inventory(result.configs, inventory_fmt)


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError):
        render(sample_result(), "xml")


def test_text_and_json_paths_do_not_import_sarif_om() -> None:
    """The pre-commit hook renders text; it must not pay for loading the SARIF object model."""
    code = (
        "import sys\n"
        "from mcpiam.report import render, OutputFormat\n"
        "from mcpiam.report import text, json_report, inventory\n"
        "assert 'sarif_om' not in sys.modules, 'sarif_om imported'\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema imported'\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
