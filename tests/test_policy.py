"""The policy file: schema, loader errors at line/column/field, matching, CODEOWNERS, and what the
engine does with it (rule switches, severities, ignored paths, allow-list, shared accounts)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mcpiam.engine import scan as engine
from mcpiam.checks import all_rules
from mcpiam.checks.base import Rule, ScanInput
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.core.findings import Finding, Severity
from mcpiam.model.identity import Package
from mcpiam.policy import (
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
    policy_schema,
    starter_policy,
)
from mcpiam.policy.apply import path_matches
from mcpiam.policy.codeowners import codeowners_match, codeowners_of, load_codeowners, parse_codeowners
from mcpiam.policy import ServerMatch
from mcpiam.policy.matching import ServerFacts, package_matches, server_matches, url_matches

RULE_IDS = [rule.info.id for rule in all_rules()]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, ".mcpiam.yaml", RULE_IDS)
    return [str(problem) for problem in caught.value.problems]


# --- schema and loader -------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(policy_schema())


def test_the_schema_ships_inside_the_package() -> None:
    package_dir = Path(__import__("mcpiam.policy", fromlist=["x"]).__file__).parent
    assert json.loads((package_dir / "policy.schema.json").read_text(encoding="utf-8")) == policy_schema()


def test_a_full_policy_loads() -> None:
    policy = parse_policy(
        "version: 1\n"
        "owners:\n"
        "  - match: {package: \"@modelcontextprotocol/server-github\"}\n"
        "    owner: \"@acme/platform-security\"\n"
        "    purpose: triage\n"
        "    secret_source: \"1Password: Engineering/github-mcp\"\n"
        "    revocation: https://wiki.acme.dev/runbooks/github-mcp#revoke\n"
        "  - match: {name: [\"db-*\", analytics], path: \"services/**\"}\n"
        "    owner: \"@acme/data\"\n"
        "owners_from_codeowners: true\n"
        "approved_servers:\n"
        "  - match: {url: api.githubcopilot.com/mcp}\n"
        "    note: SEC-1\n"
        "rules:\n"
        "  insecure-transport: {severity: critical}\n"
        "  incomplete-ownership: {enabled: false}\n"
        "ignore_paths: [\"examples/**\"]\n"
        "allowlist:\n"
        "  - {fingerprint: 0123456789abcdef0123456789abcdef, reason: fake token in a fixture}\n"
        "shared_accounts: [svc-ci, robot]\n",
        ".mcpiam.yaml", RULE_IDS,
    )
    assert [(o.owner, o.line, o.missing_fields) for o in policy.owners] == [
        ("@acme/platform-security", 3, ()),
        ("@acme/data", 8, ("purpose", "secret_source", "revocation")),
    ]
    assert policy.owners[1].match.names == ("db-*", "analytics")
    assert policy.owners[1].match.paths == ("services/**",)
    assert policy.owners_from_codeowners is True
    assert policy.approved_servers[0].match.urls == ("api.githubcopilot.com/mcp",)
    assert policy.severity_for("insecure-transport") is Severity.CRITICAL
    assert policy.severity_for("missing-owner") is None
    assert policy.disabled_rules == ("incomplete-ownership",)
    assert policy.ignore_paths == ("examples/**",)
    assert policy.allowed_fingerprints == {"0123456789abcdef0123456789abcdef"}
    assert policy.shared_accounts == ("svc-ci", "robot")


def test_allowlist_entries_keep_their_rule_path_and_position() -> None:
    policy = parse_policy(
        "version: 1\n"
        "allowlist:\n"
        "  - fingerprint: 0123456789abcdef0123456789abcdef\n"
        "    reason: fake token in a fixture\n"
        "    rule: embedded-secret\n"
        "    path: ./.cursor/mcp.json\n"
        "  - {fingerprint: fedcba9876543210fedcba9876543210, reason: old}\n",
        ".mcpiam.yaml", RULE_IDS,
    )
    first, second = policy.allowlist
    assert (first.rule, first.path, first.span.start_line, first.span.start_column) == (
        "embedded-secret", ".cursor/mcp.json", 3, 5)
    assert first.span.end_line == 6
    assert (second.rule, second.path, second.span.start_line, second.span.start_column) == (None, None, 7, 5)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "~\n", "{}\n"])
def test_an_empty_policy_is_valid(text: str) -> None:
    assert parse_policy(text) == Policy(source=".mcpiam.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("owners:\n  - match: {package: x}\n    owner: 3\n",
         [".mcpiam.yaml:3:12: owners[0].owner: must be a string"]),
        ("owners:\n  - match: {package: x}\n",
         [".mcpiam.yaml:2:5: owners[0].owner: missing required field"]),
        ("owners:\n  - match: {}\n    owner: a\n",
         [".mcpiam.yaml:2:12: owners[0].match: must set at least one of: name, package, path, url"]),
        ("owners:\n  - match: {pkg: x}\n    owner: a\n",
         [".mcpiam.yaml:2:13: owners[0].match.pkg: unknown field; expected one of: name, package, path, url"]),
        ("owners:\n  - match: {package: [x, 3]}\n    owner: a\n",
         [".mcpiam.yaml:2:26: owners[0].match.package[1]: must be a string"]),
        ("owners:\n  - match: {package: []}\n    owner: a\n",
         [".mcpiam.yaml:2:22: owners[0].match.package: must not be an empty list"]),
        ("owners:\n  - match: {name: x}\n    owner: ''\n",
         [".mcpiam.yaml:3:12: owners[0].owner: must not be empty"]),
        ("owner: []\n",
         [".mcpiam.yaml:1:1: owner: unknown field; expected one of: allowlist, approved_servers, dormant_days, ignore_paths, "
          "owners, owners_from_codeowners, rules, shared_accounts, version"]),
        ("version: 2\n", [".mcpiam.yaml:1:10: version: must be 1"]),
        ("owners_from_codeowners: sometimes\n", [".mcpiam.yaml:1:25: owners_from_codeowners: must be true or false"]),
        ("rules:\n  missing-owner: {severity: urgent}\n",
         [".mcpiam.yaml:2:29: rules.missing-owner.severity: must be one of: critical, high, medium, low, info"]),
        ("rules:\n  missing-owner: {}\n", [".mcpiam.yaml:2:18: rules.missing-owner: must set at least one of: enabled, severity"]),
        ("rules:\n  no-such-rule: {enabled: false}\n",
         [".mcpiam.yaml:2:3: rules.no-such-rule: unknown rule; `mcpiam rules` lists them"]),
        ("allowlist:\n  - fingerprint: ABC\n    reason: x\n",
         [".mcpiam.yaml:2:18: allowlist[0].fingerprint: must be a finding's fingerprint: 32 lower-case hex digits"]),
        ("allowlist:\n  - fingerprint: 0123456789abcdef0123456789abcdef\n",
         [".mcpiam.yaml:2:5: allowlist[0].reason: missing required field"]),
        ("allowlist:\n  - {fingerprint: 0123456789abcdef0123456789abcdef, reason: x, rule: no-such-rule}\n",
         [".mcpiam.yaml:2:70: allowlist[0].rule: unknown rule; `mcpiam rules` lists them"]),
        ("allowlist:\n  - {fingerprint: 0123456789abcdef0123456789abcdef, reason: x, path: ''}\n",
         [".mcpiam.yaml:2:70: allowlist[0].path: must not be empty"]),
        ("shared_accounts: svc-ci\n", [".mcpiam.yaml:1:18: shared_accounts: must be a list"]),
        ("- owners\n", [".mcpiam.yaml:1:1: (top level): must be a mapping"]),
        ("owners: []\nowners: []\n", [".mcpiam.yaml:2:1: owners: duplicate field"]),
        ("a: 1\n---\nb: 2\n", [".mcpiam.yaml:3:1: a policy file holds one YAML document, not several"]),
    ],
)
def test_invalid_policies_name_line_column_and_field(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_every_problem_is_reported_in_file_order() -> None:
    found = problems("owners:\n  - match: {name: x}\n    owner: 1\nversion: 3\nextra: true\n")
    assert [p.split(": ", 1)[0] for p in found] == [".mcpiam.yaml:3:12", ".mcpiam.yaml:4:10", ".mcpiam.yaml:5:1"]


def test_a_yaml_syntax_error_names_its_position() -> None:
    (only,) = problems("owners:\n  - match: {name: [x\n")
    assert re.match(r"\.mcpiam\.yaml:\d+:\d+: invalid YAML: ", only)


def test_error_messages_never_quote_the_value() -> None:
    token = "tok" + "en-" + "q" * 8 + "7Zx"  # built at run time; not a real secret
    for text in (f"owners:\n  - match: {{name: x}}\n    owner: [{token}]\n",
                 f"allowlist:\n  - {{fingerprint: {token}, reason: x}}\n",
                 f"rules:\n  missing-owner: {{severity: {token}}}\n",
                 f"version: {token}\n"):
        assert token not in "\n".join(problems(text))


def test_load_policy_reports_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.yaml:1:1: cannot read the policy file: not found"):
        load_policy(tmp_path / "nope.yaml", "nope.yaml")
    with pytest.raises(PolicyError, match="is a directory"):
        load_policy(tmp_path, "dir")


def test_the_starter_policy_validates_and_its_commented_examples_do_too() -> None:
    text = starter_policy()
    assert parse_policy(text, ".mcpiam.yaml", RULE_IDS) == Policy(source=".mcpiam.yaml")
    # Uncomment the examples (lines "#  key" / "#    key") in place of the empty values.
    uncommented = re.sub(r"^#(  (?:  )?\S.*)$", r"\1", text, flags=re.MULTILINE)
    uncommented = re.sub(r": (\[\]|\{\})$", ":", uncommented, flags=re.MULTILINE)
    policy = parse_policy(uncommented, ".mcpiam.yaml", RULE_IDS)
    assert policy.owners[0].owner == "@acme/platform-security" and not policy.owners[0].missing_fields
    assert policy.approved_servers and policy.rules and policy.ignore_paths and policy.allowlist
    assert policy.shared_accounts == ("svc-ci",)


# --- matching ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "package", "matches"),
    [
        ("@modelcontextprotocol/server-github", Package("npm", "@modelcontextprotocol/server-github", "1.0"), True),
        ("npm:@modelcontextprotocol/server-github", Package("npm", "@modelcontextprotocol/server-github"), True),
        ("pypi:@modelcontextprotocol/server-github", Package("npm", "@modelcontextprotocol/server-github"), False),
        ("@modelcontextprotocol/*", Package("npm", "@modelcontextprotocol/server-slack"), True),
        ("@ModelContextProtocol/Server-GitHub", Package("npm", "@modelcontextprotocol/server-github"), True),
        ("mcp_server_git", Package("pypi", "mcp-server-git"), True),
        ("pypi:Mcp.Server.Git", Package("pypi", "mcp-server-git"), True),
        ("ghcr.io/github/github-mcp-server", Package("docker", "ghcr.io/github/github-mcp-server", "v1"), True),
        ("docker.io/mcp/github", Package("docker", "mcp/github"), True),
        ("docker:mcp/*", Package("docker", "mcp/github"), True),
        ("github-mcp-server", Package("command", "github-mcp-server"), True),
        ("command:github-mcp-server", Package("docker", "github-mcp-server"), False),
        ("server-github", Package("npm", "@modelcontextprotocol/server-github"), False),
        ("anything", None, False),
        # go run and deno run packages (jsr names are lower-case; Go paths keep their case)
        ("jsr:@acme/*", Package("jsr", "@acme/mcp-server", "1.0.0"), True),
        ("JSR:@acme/mcp-server", Package("jsr", "@acme/mcp-server"), False),  # the prefix is lower-case
        ("@Acme/MCP-server", Package("jsr", "@acme/mcp-server"), True),
        ("npm:@acme/mcp-server", Package("jsr", "@acme/mcp-server"), False),
        ("go:github.com/acme/*", Package("go", "github.com/acme/mcp/cmd/server", "v1.2.3"), True),
        ("github.com/acme/mcp/cmd/server", Package("go", "github.com/acme/mcp/cmd/server"), True),
        ("go:github.com/Acme/*", Package("go", "github.com/acme/mcp/cmd/server"), False),
        ("command:go", Package("go", "github.com/acme/mcp/cmd/server"), False),
    ],
)
def test_package_matching(pattern: str, package: Package | None, matches: bool) -> None:
    assert package_matches(pattern, package) is matches


@pytest.mark.parametrize(
    ("pattern", "url", "matches"),
    [
        ("api.githubcopilot.com/mcp", "api.githubcopilot.com/mcp", True),
        ("https://api.githubcopilot.com/mcp/", "api.githubcopilot.com/mcp", True),
        ("API.githubcopilot.com", "api.githubcopilot.com/mcp", True),  # host only: any path
        ("*.example.com", "mcp.example.com/v1/sse", True),
        ("*.example.com", "example.com/v1/sse", False),
        ("mcp.example.com/v1/*", "mcp.example.com/v1/sse", True),
        ("mcp.example.com/v2/*", "mcp.example.com/v1/sse", False),
        ("mcp.example.com", "mcp.example.com.evil.test/x", False),
        ("mcp.example.com", None, False),
    ],
)
def test_url_matching(pattern: str, url: str | None, matches: bool) -> None:
    assert url_matches(pattern, url) is matches


def test_a_match_needs_every_field_it_gives() -> None:
    facts = ServerFacts("github", ".cursor/mcp.json", Package("npm", "@modelcontextprotocol/server-github"), None)
    assert server_matches(ServerMatch(names=("git*",), paths=(".cursor/*",)), facts)
    assert not server_matches(ServerMatch(names=("git*",), paths=(".vscode/*",)), facts)
    assert server_matches(ServerMatch(packages=("nope", "@modelcontextprotocol/*")), facts)  # any glob of a list
    assert not server_matches(ServerMatch(urls=("*",)), facts)  # no URL: a url match never fits
    assert not server_matches(ServerMatch(), facts)  # an empty match covers nothing


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("examples/**", "examples/a/.cursor/mcp.json", True),
        ("examples", "examples/a/.cursor/mcp.json", True),
        ("examples/", "examples/.cursor/mcp.json", True),
        ("/examples", "examples/.cursor/mcp.json", True),
        ("examples", "src/examples/.cursor/mcp.json", True),  # a bare name matches at any depth
        ("examples/*.json", "examples/a/mcp.json", False),
        ("mcp.json", ".cursor/mcp.json", True),
        (".cursor/mcp.json", "sub/.cursor/mcp.json", False),
        ("**/.cursor/mcp.json", "sub/.cursor/mcp.json", True),
    ],
)
def test_path_matching(pattern: str, path: str, matches: bool) -> None:
    assert path_matches(pattern, path) is matches


# The example CODEOWNERS file in GitHub's "About code owners" docs, with what its comments say.
GITHUB_DOCS_EXAMPLES = [
    ("*", "any/file.md", True),
    ("*.js", "src/app.js", True),
    ("*.js", "src/app.jsx", False),
    ("/build/logs/", "build/logs/today.txt", True),  # "at the root ... and any of its subdirectories"
    ("/build/logs/", "build/logs/deep/today.txt", True),
    ("/build/logs/", "src/build/logs/today.txt", False),
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),  # "but not further nested files"
    ("apps/", "apps/web.js", True),  # "an apps directory anywhere in your repository"
    ("apps/", "src/deep/apps/web.js", True),
    ("/docs/", "docs/a/b.md", True),
    ("/docs/", "src/docs/a.md", False),
    ("**/logs", "build/logs/a.txt", True),  # "/build/logs, /scripts/logs, and /deeply/nested/logs"
    ("**/logs", "scripts/logs/a.txt", True),
    ("**/logs", "deeply/nested/logs/a.txt", True),
    ("**/logs", "logs/a.txt", True),
    ("**/logs", "build/logsx/a.txt", False),
]


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*", ".cursor/mcp.json", True),
        ("*.json", ".cursor/mcp.json", True),
        ("/.cursor/", ".cursor/mcp.json", True),
        (".cursor/", "apps/.cursor/mcp.json", True),
        ("/.cursor/", "apps/.cursor/mcp.json", False),
        ("apps/*", "apps/mcp.json", True),
        ("apps/*", "apps/web/.cursor/mcp.json", False),  # a lone "*" last: not below (GitHub's docs)
        ("/*", "mcp.json", True),
        ("/*", ".cursor/mcp.json", False),
        ("apps/*/", "apps/web/.cursor/mcp.json", True),
        ("apps/w*", "apps/web/.cursor/mcp.json", True),  # not a lone "*": apps/web is covered
        ("apps/*.json", "apps/web/mcp.json", False),
        ("apps/**/mcp.json", "apps/web/.cursor/mcp.json", True),
        ("docs/**", "docs/a/b.json", True),
        ("/mcp.json", "sub/mcp.json", False),
        *GITHUB_DOCS_EXAMPLES,
    ],
)
def test_codeowners_patterns_follow_gitignore_semantics(pattern: str, path: str, matches: bool) -> None:
    assert codeowners_match(pattern, path) is matches


def test_codeowners_docs_example_of_an_unowned_subdirectory() -> None:
    rules = parse_codeowners("*.js    @js-owner #This is an inline comment.\n/apps/ @octocat\n/apps/github\n")
    assert codeowners_of(rules, "apps/web/x.md").owners == ("@octocat",)
    assert codeowners_of(rules, "apps/github/x.md").owners == ()
    assert codeowners_of(rules, "lib/x.js").owners == ("@js-owner",)


def test_codeowners_wildcards_span_any_character_of_a_name() -> None:
    assert codeowners_match("docs/**", "docs/a\nb/c.md")  # "**" spans a newline in a name too
    assert codeowners_match("docs/*.md", "docs/a\nb.md")
    # A last, lone backslash escapes nothing: such a pattern matches nothing, as in git.
    assert not codeowners_match("docs\\", "docs\\")
    assert not codeowners_match("docs\\", "docs")


def test_codeowners_last_matching_line_wins_and_unowned_lines_count() -> None:
    rules = parse_codeowners(
        "# comment\n\n*  @acme/all\n.cursor/  @acme/cursor @acme/devex  # inline comment\n"
        "/.cursor/private.json\n"
    )
    assert [(r.pattern, r.owners, r.line) for r in rules] == [
        ("*", ("@acme/all",), 3), (".cursor/", ("@acme/cursor", "@acme/devex"), 4), ("/.cursor/private.json", (), 5),
    ]
    assert codeowners_of(rules, ".cursor/mcp.json").owners == ("@acme/cursor", "@acme/devex")
    assert codeowners_of(rules, ".vscode/mcp.json").owners == ("@acme/all",)
    assert codeowners_of(rules, ".cursor/private.json").owners == ()


def test_codeowners_locations_in_github_order(tmp_path: Path) -> None:
    assert load_codeowners(tmp_path) == (None, ())
    write(tmp_path / "docs/CODEOWNERS", "* @docs\n")
    assert load_codeowners(tmp_path)[0] == "docs/CODEOWNERS"
    write(tmp_path / "CODEOWNERS", "* @root\n")
    assert load_codeowners(tmp_path)[0] == "CODEOWNERS"
    write(tmp_path / ".github/CODEOWNERS", "* @github\n")
    source, rules = load_codeowners(tmp_path)
    assert (source, rules[0].owners) == (".github/CODEOWNERS", ("@github",))


# --- the policy in a scan ----------------------------------------------------------------------

CONFIGS = {
    ".cursor/mcp.json": '{"mcpServers": {\n'
                        '  "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"]},\n'
                        '  "linear": {"url": "https://mcp.linear.app/sse"},\n'
                        '  "notes": {"command": "uvx", "args": ["notes-mcp"]}\n}}\n',
    "services/api/.vscode/mcp.json": '{"servers": {"db-main": {"command": "docker",'
                                     ' "args": ["run", "-i", "--rm", "ghcr.io/acme/db-mcp:2"]}}}\n',
}


def tree(tmp_path: Path, policy: str | None, configs: dict[str, str] = CONFIGS) -> Path:
    for relative, text in configs.items():
        write(tmp_path / relative, text)
    if policy is not None:
        write(tmp_path / ".mcpiam.yaml", policy)
    return tmp_path


def findings(root: Path, *rule_ids: str, **settings: object) -> list[tuple[str, str, int, str]]:
    result = scan_paths([root], ScanSettings(select=rule_ids, **settings), root=root)  # type: ignore[arg-type]
    return [(f.rule_id, f.location.path, f.location.span.start_line, f.server or "") for f in result.findings]


def test_without_a_policy_every_server_is_missing_an_owner(tmp_path: Path) -> None:
    root = tree(tmp_path, None)
    assert [f[3] for f in findings(root, "missing-owner")] == ["github", "linear", "notes", "db-main"]
    assert findings(root, "unapproved-server", "incomplete-ownership") == []


def test_owners_match_by_package_url_name_and_path(tmp_path: Path) -> None:
    root = tree(tmp_path, (
        "owners:\n"
        "  - {match: {package: \"@modelcontextprotocol/server-github\"}, owner: a}\n"
        "  - {match: {url: mcp.linear.app}, owner: b}\n"
        "  - {match: {name: \"db-*\", path: \"services/**\"}, owner: c}\n"
    ))
    assert findings(root, "missing-owner") == [("missing-owner", ".cursor/mcp.json", 4, "notes")]


def test_every_field_of_a_match_must_fit(tmp_path: Path) -> None:
    root = tree(tmp_path, "owners:\n  - {match: {name: \"db-*\", path: \".cursor/**\"}, owner: c}\n")
    assert "db-main" in [f[3] for f in findings(root, "missing-owner")]


def test_the_first_matching_owners_entry_wins(tmp_path: Path) -> None:
    root = tree(tmp_path, (
        "owners:\n"
        "  - {match: {name: github}, owner: first}\n"
        "  - {match: {name: \"*\"}, owner: second, purpose: p, secret_source: s, revocation: r}\n"
    ))
    assert findings(root, "missing-owner") == []
    assert findings(root, "incomplete-ownership") == [("incomplete-ownership", ".cursor/mcp.json", 2, "github")]


def test_codeowners_owns_what_the_registry_does_not(tmp_path: Path) -> None:
    root = tree(tmp_path, "owners_from_codeowners: true\n")
    write(tmp_path / ".github/CODEOWNERS", "/services/ @acme/data\n/.cursor/mcp.json\n")
    # services/ has an owner; .cursor/mcp.json is explicitly unowned (a pattern with no owner).
    assert [f[3] for f in findings(root, "missing-owner")] == ["github", "linear", "notes"]
    result = scan_paths([root], ScanSettings(select=("incomplete-ownership",)), root=root)
    (only,) = result.findings
    assert only.server == "db-main" and "@acme/data through .github/CODEOWNERS" in only.message


def test_codeowners_ignored_unless_the_policy_asks(tmp_path: Path) -> None:
    root = tree(tmp_path, "owners: []\n")
    write(tmp_path / "CODEOWNERS", "* @acme/all\n")
    assert len(findings(root, "missing-owner")) == 4


def test_unapproved_servers_only_when_the_policy_lists_approved_ones(tmp_path: Path) -> None:
    root = tree(tmp_path, "approved_servers: []\n")
    assert findings(root, "unapproved-server") == []
    write(tmp_path / ".mcpiam.yaml", (
        "approved_servers:\n"
        "  - match: {package: [\"npm:@modelcontextprotocol/*\", \"ghcr.io/acme/*\"]}\n"
        "  - match: {url: \"*.linear.app/*\"}\n"
    ))
    assert findings(root, "unapproved-server") == [("unapproved-server", ".cursor/mcp.json", 4, "notes")]


def test_rule_switches_and_severity_overrides(tmp_path: Path) -> None:
    root = tree(tmp_path, "rules:\n  missing-owner: {severity: critical}\n")
    result = scan_paths([root], ScanSettings(), root=root)
    assert {f.severity for f in result.findings if f.rule_id == "missing-owner"} == {Severity.CRITICAL}
    assert len(result.failing) == 4
    write(tmp_path / ".mcpiam.yaml", "rules:\n  missing-owner: {enabled: false}\n")
    result = scan_paths([root], ScanSettings(), root=root)
    assert "missing-owner" not in {rule.id for rule in result.rules}
    assert not [f for f in result.findings if f.rule_id == "missing-owner"]


def test_ignored_paths_are_not_read(tmp_path: Path) -> None:
    root = tree(tmp_path, "ignore_paths: [services]\n")
    result = scan_paths([root], ScanSettings(), root=root)
    assert [c.path for c in result.configs] == [".cursor/mcp.json"]
    assert [(n.path, n.code) for n in result.notes] == [("services/api/.vscode/mcp.json", "ignored-by-policy")]


def test_allow_listed_fingerprints_are_dropped_and_counted(tmp_path: Path) -> None:
    root = tree(tmp_path, None)
    before = scan_paths([root], ScanSettings(select=("missing-owner",)), root=root)
    accepted = [f for f in before.findings if f.server in ("github", "notes")]
    write(tmp_path / ".mcpiam.yaml", "allowlist:\n" + "".join(
        f"  - {{fingerprint: {f.fingerprint}, reason: accepted}}\n" for f in accepted))
    after = scan_paths([root], ScanSettings(select=("missing-owner",)), root=root)
    assert [f.server for f in after.findings] == ["linear", "db-main"]
    assert (after.allowlisted, after.policy) == (2, ".mcpiam.yaml")
    assert before.allowlisted == 0 and before.policy is None


def test_the_policy_file_itself_is_not_scanned(tmp_path: Path) -> None:
    root = tree(tmp_path, "approved_servers:\n  - match: {name: github}\n")
    result = scan_paths([root, root / ".mcpiam.yaml"], ScanSettings(), root=root)
    assert ".mcpiam.yaml" not in [c.path for c in result.configs] + [n.path for n in result.notes]


def test_policy_lookup_explicit_path_and_base_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tree(tmp_path / "repo", "owners:\n  - {match: {path: \"services/**\"}, owner: c}\n")
    monkeypatch.chdir(tmp_path)
    # Scanning repo/ from its parent: the policy in repo/ applies, its paths relative to repo/.
    result = scan_paths([Path("repo")], ScanSettings(select=("missing-owner",)))
    assert result.policy == "repo/.mcpiam.yaml"
    assert "db-main" not in [f.server for f in result.findings]
    # --policy: paths are relative to the scan root (here the parent folder).
    elsewhere = write(tmp_path / "central.yaml", "owners:\n  - {match: {path: \"repo/services/**\"}, owner: c}\n")
    result = scan_paths([Path("repo")], ScanSettings(select=("missing-owner",), policy_path=elsewhere))
    assert result.policy == "central.yaml"
    assert "db-main" not in [f.server for f in result.findings]


def test_an_invalid_policy_stops_the_scan(tmp_path: Path) -> None:
    root = tree(tmp_path, "owners:\n  - match: {name: x}\n")
    with pytest.raises(PolicyError, match=r"\.mcpiam\.yaml:2:5: owners\[0\]\.owner: missing required field"):
        scan_paths([root], ScanSettings(), root=root)


def test_shared_account_names_and_the_policy_reach_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path, "shared_accounts: [svc-ci]\n")
    seen: list[ScanInput] = []

    def spy_check(scan: ScanInput) -> Iterator[Finding]:
        seen.append(scan)
        return iter(())

    spy = Rule(info=all_rules()[0].info, check=spy_check)
    monkeypatch.setattr(engine, "selected_rules", lambda *args, **kwargs: (spy,))
    settings = ScanSettings(options=replace(ScanSettings().options, extra_shared_accounts=("robot",)))
    scan_paths([root], settings, root=root)
    assert seen[0].options.extra_shared_accounts == ("robot", "svc-ci")
    assert seen[0].options.policy.source == ".mcpiam.yaml"
    assert seen[0].options.policy.base_dir == str(root.resolve())


def test_a_token_like_package_name_is_not_echoed_in_messages(tmp_path: Path) -> None:
    token_like = "Zx9" * 10  # built at run time: mixed case and digits, 30 characters
    write(tmp_path / ".cursor/mcp.json", '{"mcpServers": {"odd": {"command": "%s"}}}' % token_like)
    result = scan_paths([tmp_path], ScanSettings(select=("missing-owner",)), root=tmp_path)
    (only,) = result.findings
    assert token_like not in only.message and "(package command:(name not shown))" in only.message


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("owners:match{}[]-, \n'\"#&*!|>name: x123@/")), max_size=120))
def test_any_text_gives_a_policy_or_a_policy_error(text: str) -> None:
    try:
        parse_policy(text, ".mcpiam.yaml", RULE_IDS)
    except PolicyError as error:
        assert error.problems and all(re.match(r"\.mcpiam\.yaml:\d+:\d+: ", str(p)) for p in error.problems)
