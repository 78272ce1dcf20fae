"""shared-credential and shared-account end to end: reuse across files, clients and formats, SARIF
related locations, account extraction, and no value ever printed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonschema
import pytest

from mcpiam.model.accounts import AccountKind, account_mentions
from mcpiam.checks.base import ScanOptions
from mcpiam.cli.main import main
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example, load_families

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = json.loads((ROOT / "testdata" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
FAMILIES = {family.id: family for family in load_families()}


def token(family_id: str, index: int = 0) -> str:
    return expand_example(FAMILIES[family_id].examples.positive[index].template)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def reuse_repo(root: Path, secret: str) -> Path:
    """One GitHub token in Claude Code's .mcp.json, VS Code's mcp.json and a Continue block."""
    write(root / ".mcp.json", json.dumps({"mcpServers": {"github": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": secret}}}}, indent=2))
    write(root / ".vscode" / "mcp.json", "{\n  // team copy\n  \"servers\": {\n    \"gh\": {\n"
          f"      \"command\": \"npx\",\n      \"env\": {{\"GITHUB_TOKEN\": \"{secret}\"}},\n    }},\n  }},\n}}\n")
    write(root / ".continue" / "mcpServers" / "github.yaml",
          "name: GitHub\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: github-continue\n"
          f"    command: npx\n    env:\n      GITHUB_TOKEN: {secret}\n")
    return root


def position_of(path: Path, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of ``needle`` in a file (test-side truth)."""
    text = path.read_text(encoding="utf-8")
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def findings(root: Path, rule: str, options: ScanOptions = ScanOptions()) -> list:
    result = scan_paths([root], ScanSettings(select=(rule,), options=options), root=root)
    return [f for f in result.findings if f.rule_id == rule]


def test_one_token_in_three_clients_is_one_finding_with_related_locations(tmp_path: Path) -> None:
    secret = token("github-classic-pat")
    root = reuse_repo(tmp_path, secret)
    found = findings(root, "shared-credential")
    assert len(found) == 1
    finding = found[0]
    assert (finding.location.path, finding.location.span.start_line,
            finding.location.span.start_column) == (
        ".continue/mcpServers/github.yaml", *position_of(root / ".continue/mcpServers/github.yaml", secret))
    assert sorted((r.path, r.span.start_line, r.span.start_column) for r in finding.related) == [
        (".mcp.json", *position_of(root / ".mcp.json", secret)),
        (".vscode/mcp.json", *position_of(root / ".vscode/mcp.json", secret))]
    assert "3 servers in 3 files across 3 clients" in finding.message
    assert secret not in finding.message and secret not in json.dumps(finding.properties)


def test_shared_credential_sarif_validates_and_carries_related_locations(tmp_path, capsys,
                                                                        monkeypatch) -> None:
    secret = token("github-classic-pat")
    reuse_repo(tmp_path, secret)
    monkeypatch.chdir(tmp_path)
    outputs = {}
    for fmt in ("sarif", "json", "text"):
        main(["scan", "--format", fmt])
        captured = capsys.readouterr()
        outputs[fmt] = captured.out + captured.err
    assert all(secret not in text for text in outputs.values())
    log = json.loads(outputs["sarif"])
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    results = [r for r in log["runs"][0]["results"] if r["ruleId"] == "shared-credential"]
    assert len(results) == 1
    related = results[0]["relatedLocations"]
    assert sorted(r["physicalLocation"]["artifactLocation"]["uri"] for r in related) == [
        ".mcp.json", ".vscode/mcp.json"]


def test_the_same_token_twice_in_one_server_is_not_reuse(tmp_path: Path) -> None:
    secret = token("github-classic-pat")
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {"gh": {
        "command": "npx", "args": ["-y", "gh-mcp", f"--token={secret}"],
        "env": {"GITHUB_TOKEN": secret}}}}))
    assert findings(tmp_path, "shared-credential") == []


def test_different_tokens_are_not_shared(tmp_path: Path) -> None:
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "a": {"command": "x", "env": {"GITHUB_TOKEN": token("github-classic-pat", 0)}},
        "b": {"command": "y", "env": {"GITHUB_TOKEN": token("github-fine-grained-pat", 0)}}}}))
    assert findings(tmp_path, "shared-credential") == []


def test_one_password_in_two_connection_strings(tmp_path: Path) -> None:
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "orders": {"command": "pg", "args": ["postgresql://orders:Zq4vT8mLw2Rx@orders.internal/o"]},
        "billing": {"command": "my", "env": {"DSN": "mysql://billing:Zq4vT8mLw2Rx@billing.internal/b"}}}},
        indent=2))
    found = findings(tmp_path, "shared-credential")
    assert len(found) == 1 and len(found[0].related) == 1
    assert "Zq4vT8mLw2Rx" not in found[0].message
    assert "2 servers in 1 file across 1 client" in found[0].message


def test_fingerprints_group_only_under_one_key(tmp_path: Path) -> None:
    secret = token("github-classic-pat")
    root = reuse_repo(tmp_path, secret)
    default = findings(root, "shared-credential")[0]
    keyed = findings(root, "shared-credential", ScanOptions(fingerprint_key=b"org"))[0]
    assert default.subject_key != keyed.subject_key


# --- shared-account ---------------------------------------------------------------------------


def test_a_service_account_key_family_is_a_shared_identity(tmp_path: Path) -> None:
    secret = token("openai-service-account-key")
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {"ai": {
        "command": "ai-mcp", "env": {"OPENAI_API_KEY": secret}}}}))
    found = findings(tmp_path, "shared-account")
    assert len(found) == 1
    assert "service-account credential" in found[0].message
    assert secret not in found[0].message


def test_policy_names_extend_the_generic_account_list(tmp_path: Path) -> None:
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "ci": {"command": "ci-mcp", "env": {"CI_USER": "jenkins-deploy"}},
        "etl": {"command": "etl-mcp", "args": ["--user=etl_loader"]}}}))
    assert findings(tmp_path, "shared-account") == []
    options = ScanOptions(extra_shared_accounts=("jenkins-*", "ETL_LOADER"))
    found = findings(tmp_path, "shared-account", options)
    assert sorted(f.properties[0][1] for f in found) == ["etl_loader", "jenkins-deploy"]


def mentions(tmp_path: Path, servers: dict) -> list[tuple[str, str, int, int]]:
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": servers}, indent=2))
    config = scan_paths([tmp_path], ScanSettings(select=("shared-account",)), root=tmp_path).configs[0]
    return sorted((m.kind.value, m.name, m.span.start_line, m.span.start_column)
                  for m in account_mentions(config))


def test_accounts_are_read_from_every_place_with_exact_positions(tmp_path: Path) -> None:
    basic = base64.b64encode(b"deploy-bot:not-a-real-password").decode()
    found = mentions(tmp_path, {"s": {
        "command": "docker",
        "args": ["run", "-e", "PGUSER=report_ro", "-U", "postgres", "--profile", "prod-admin",
                 "mongodb://svc_app@mongo.internal/db"],
        "env": {"DB": "Server=x;User Id=sa;Encrypt=true", "AWS_PROFILE": "default",
                "KEY": "/keys/app.json", "GOOGLE_APPLICATION_CREDENTIALS": "/keys/app.json"},
        "headers": {"Authorization": f"Basic {basic}"}}})
    config = tmp_path / ".cursor" / "mcp.json"
    assert found == sorted([
        (AccountKind.USER_SETTING.value, "report_ro", *position_of(config, "report_ro")),
        (AccountKind.USER_SETTING.value, "postgres", *position_of(config, "postgres")),
        (AccountKind.AWS_PROFILE.value, "prod-admin", *position_of(config, "prod-admin")),
        (AccountKind.CONNECTION_USER.value, "svc_app", *position_of(config, "svc_app")),
        (AccountKind.USER_SETTING.value, "sa", *position_of(config, "=sa;")[:1],
         position_of(config, "=sa;")[1] + 1),
        (AccountKind.AWS_PROFILE.value, "default", *position_of(config, "default")),
        # the key file, not the same path under an unrelated key
        (AccountKind.GOOGLE_KEY_FILE.value, "/keys/app.json", *position_of(config, "/keys/app.json", 1)),
        (AccountKind.BASIC_AUTH.value, "deploy-bot", *position_of(config, basic)),
    ])


@pytest.mark.parametrize("value", ["${env:PGUSER}", "$PGUSER", "{env:PGUSER}", "<your-user>"])
def test_references_name_no_account(tmp_path: Path, value: str) -> None:
    assert mentions(tmp_path, {"s": {"command": "x", "env": {"PGUSER": value}}}) == []


def test_basic_auth_password_is_never_reported(tmp_path: Path) -> None:
    basic = base64.b64encode(b"admin:Hx9Kp2Lq7Zv4").decode()
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {"j": {
        "url": "https://jenkins.internal/mcp", "headers": {"Authorization": f"Basic {basic}"}}}}))
    found = findings(tmp_path, "shared-account")
    assert len(found) == 1 and "'admin'" in found[0].message
    text = found[0].message + json.dumps(found[0].properties)
    assert "Hx9Kp2Lq7Zv4" not in text and basic not in text


def test_one_account_across_servers_of_different_owners(tmp_path: Path) -> None:
    from mcpiam.policy import parse_policy

    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "sales": {"command": "pg", "args": ["postgresql://etl_user@sales.internal/s"]},
        "hr": {"command": "my", "env": {"DB_USER": "etl_user"}},
        "sales-2": {"command": "pg", "args": ["postgresql://etl_user@sales2.internal/s"]}}}, indent=2))

    def across_owners(policy_text: str | None) -> list:
        settings = ScanSettings(select=("shared-account",),
                                policy=parse_policy(policy_text) if policy_text else None)
        result = scan_paths([tmp_path], settings, root=tmp_path)
        return [f for f in result.findings if "different owners" in f.message]

    assert across_owners(None) == []  # no owners registry: nothing to compare
    same_team = "owners:\n  - match: {name: '*'}\n    owner: '@acme/data'\n"
    assert across_owners(same_team) == []
    two_teams = ("owners:\n  - match: {name: 'sales*'}\n    owner: '@acme/sales'\n"
                 "  - match: {name: hr}\n    owner: '@acme/people'\n")
    found = across_owners(two_teams)
    assert len(found) == 1 and len(found[0].related) == 1
    assert "'etl_user'" in found[0].message and "@acme/people" in found[0].message


def test_a_generic_user_in_a_connection_string_inside_a_longer_value(tmp_path: Path) -> None:
    # The URL does not start the value, so only the secret scan's connection-string family sees it.
    write(tmp_path / ".cursor" / "mcp.json", json.dumps({"mcpServers": {"db": {
        "command": "db-mcp", "env": {"DB_NOTE": "connect with postgresql://root:Qm7xTz2Lw9Rk@db.internal/app"}}}},
        indent=2))
    found = findings(tmp_path, "shared-account")
    assert [(f.properties, f.location.span.start_column) for f in found] == [
        ((("account", "root"), ("kind", "connection-string user")),
         position_of(tmp_path / ".cursor" / "mcp.json", "root:")[1])]
    assert "Qm7xTz2Lw9Rk" not in found[0].message
