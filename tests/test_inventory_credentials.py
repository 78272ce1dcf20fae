"""The inventory lists credentials, not variables: where each sits (with its position), reference or
literal, family, and the fingerprint the findings carry; settings such as AWS_REGION are not listed;
the table fits a width; the JSON inventory is versioned and validates against its schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from inventory_repo import IMAGE_DIGEST, position_of, write_inventory_repo
from mcpiam.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "scanner" / "mcpiam" / "report" / "inventory.schema.json").read_text(encoding="utf-8"))
RULE_FIXTURES = sorted(path for path in (ROOT / "testdata" / "rules").glob("*/*") if path.is_dir())
CORPUS = ROOT.parent / "shared" / "corpus"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    planted = write_inventory_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    return planted


def inventory_json(capsys, *args: str) -> dict:
    return json.loads(run(capsys, "inventory", "--format", "json", *args))


def by_server(document: dict) -> dict[str, dict]:
    return {record["server"]: record for record in document["servers"]}


def test_each_credential_is_listed_where_it_sits(repo, capsys) -> None:
    servers = by_server(inventory_json(capsys))
    config = Path(".mcp.json")
    github = servers["github"]["credentials"]
    assert [(c["place"], c["name"], c["source"], c["variable"], c["fingerprint"]) for c in github] == [
        ("env", "GITHUB_PERSONAL_ACCESS_TOKEN", "reference", "GITHUB_PAT", None)]
    assert (github[0]["line"], github[0]["column"]) == position_of(config, "${GITHUB_PAT}")
    payments = servers["payments"]["credentials"]
    assert [(c["place"], c["source"], c["family"]) for c in payments] == [("arg", "literal", "stripe-live-secret-key")]
    assert (payments[0]["line"], payments[0]["column"]) == position_of(config, repo["stripe"])
    db = servers["db"]["credentials"]
    assert [(c["place"], c["source"], c["family"]) for c in db] == [
        ("connection-string", "literal", "postgres-connection-string")]
    assert (db[0]["line"], db[0]["column"]) == position_of(config, repo["db"])
    remote = servers["remote"]["credentials"]
    assert [(c["place"], c["name"], c["source"]) for c in remote] == [
        ("url", "token", "literal"), ("header", "Authorization", "reference")]
    assert remote[1]["variable"] == "API_TOKEN"
    image = servers["github-image"]["credentials"]
    assert [(c["place"], c["source"], c["family"]) for c in image] == [("env", "literal", "github-classic-pat")]
    assert servers["notes"]["credentials"] == []


def test_settings_are_not_credentials(repo, capsys) -> None:
    output = run(capsys, "inventory", "--format", "json")
    for setting in ("AWS_REGION", "SLACK_TEAM_ID", "GRAFANA_URL"):
        assert setting not in output
    assert "GRAFANA_URL" not in run(capsys, "inventory", "--format", "csv")


def test_literal_fingerprints_are_the_ones_the_findings_carry(repo, capsys) -> None:
    key = "org-wide-key"
    servers = by_server(inventory_json(capsys, "--fingerprint-key", key))
    main(["scan", "--format", "json", "--fingerprint-key", key])
    report = json.loads(capsys.readouterr().out)
    finding_prints = {finding["properties"]["fingerprint"] for finding in report["findings"]
                      if finding["rule_id"] == "embedded-secret"}
    literal_prints = {c["fingerprint"] for record in servers.values() for c in record["credentials"]
                      if c["source"] == "literal"}
    assert len(literal_prints) == 4 and literal_prints <= finding_prints
    assert inventory_json(capsys, "--fingerprint-key", key)["fingerprint_key_id"] == report["fingerprint_key"]["id"]
    default = {c["fingerprint"] for record in inventory_json(capsys)["servers"] for c in record["credentials"]}
    assert not (default & literal_prints)  # another key, other fingerprints


def test_scope_findings_and_owner_record_per_server(repo, capsys) -> None:
    servers = by_server(inventory_json(capsys))
    assert [f["rule_id"] for f in servers["payments"]["scope_findings"]] == ["unscoped-token"]
    assert [f["rule_id"] for f in servers["github-image"]["scope_findings"]] == ["excessive-scope", "unscoped-token"]
    github = servers["github"]
    assert (github["owner"], github["purpose"], github["secret_source"]) == (
        "@acme/platform-security", "triage issues in acme repositories", "1Password: Engineering/github-mcp")
    assert servers["db"]["owner"] is None and servers["db"]["revocation"] is None


def test_no_output_format_carries_a_planted_secret(repo, capsys) -> None:
    for fmt in ("table", "json", "csv", "cyclonedx", "review", "review-md"):
        for extra in ((), ("--spreadsheet-safe",)):
            output = run(capsys, "inventory", "--format", fmt, *extra)
            for name, secret in repo.items():
                assert secret not in output, (fmt, name)


def test_json_inventory_is_versioned_and_validates(repo, capsys) -> None:
    document = inventory_json(capsys)
    assert document["version"] == 1 and document["tool"]["name"] == "mcpiam"
    jsonschema.validate(document, SCHEMA)


@pytest.mark.parametrize("fixture", RULE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_rule_fixture_inventory_validates(fixture: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(fixture)
    jsonschema.validate(inventory_json(capsys), SCHEMA)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus (optional) sits beside the checkout")
def test_corpus_inventory_validates(capsys, monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    document = inventory_json(capsys)
    jsonschema.validate(document, SCHEMA)
    assert len(document["servers"]) > 10


def test_a_schema_violation_is_caught() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": 1, "tool": {"name": "mcpiam", "version": "0"},
                             "servers": [{"credentials": ["GITHUB_TOKEN"]}]}, SCHEMA)


def table_cells(table: str, headers: list[str]) -> list[dict[str, str]]:
    """Read a wrapped table back: column starts from the first line (where each header's first
    piece begins), a new row where the LINE column holds a number; each cell's pieces joined
    without spaces (wrapping drops the space it breaks at)."""
    lines = table.splitlines()
    starts, position = [], 0
    for header in headers:
        piece = header.split()[0][:4]
        position = lines[0].index(piece, position)
        starts.append(position)
        position += len(piece)
    bounds = list(zip(starts, starts[1:] + [None]))
    rows: list[dict[str, list[str]]] = []
    for line in lines:
        cells = [line[start:end].strip() for start, end in bounds]
        if cells[headers.index("LINE")].isdigit():
            rows.append({header: [] for header in headers})
        if rows:
            for header, cell in zip(headers, cells):
                rows[-1][header].append(cell)
    return [{header: "".join("".join(parts).split()) for header, parts in row.items()} for row in rows]


HEADERS = ["CLIENT", "FILE", "LINE", "SERVER", "SCOPE", "TRANSPORT", "COMMAND/URL", "CREDENTIALS", "OWNER",
           "OWNER SOURCE"]


@pytest.mark.parametrize("width", [80, 100, 140])
def test_the_table_fits_the_width_and_keeps_every_cell(repo, capsys, width: int) -> None:
    wide = table_cells(run(capsys, "inventory"), HEADERS)
    table = run(capsys, "inventory", "--width", str(width))
    assert max(len(line) for line in table.splitlines()) <= width
    assert table_cells(table, HEADERS) == wide  # wrapped, never dropped
    assert [row["SERVER"] for row in wide] == ["github", "payments", "db", "remote", "github-image", "notes"]


def test_without_a_width_the_table_is_one_line_per_credential(repo, capsys) -> None:
    lines = run(capsys, "inventory").splitlines()
    assert len(lines) == 1 + 6 + 1  # header, six servers, the second credential of remote
    payments = by_server(inventory_json(capsys))["payments"]["credentials"][0]["fingerprint"]
    assert f"fp:{payments[:12]} " in lines[2] + " " and payments[:13] not in lines[2]  # short form
    assert lines[4].split()[3] == "remote" and "Authorization (header" in lines[5]
    assert IMAGE_DIGEST[7:19] + "..." in lines[6]  # the image digest, shortened


def test_table_golden_at_a_fixed_width(repo, capsys) -> None:
    from test_report_common import assert_golden

    assert_golden("inventory-width-100.txt", run(capsys, "inventory", "--width", "100").rstrip("\n"))


@pytest.mark.parametrize("reference,name", [
    ("${GITHUB_TOKEN}", "GITHUB_TOKEN"), ("${env:GITHUB_TOKEN}", "GITHUB_TOKEN"),
    ("${GITHUB_TOKEN:-fallback}", "GITHUB_TOKEN"), ("${GITHUB_TOKEN:?unset}", "GITHUB_TOKEN"),
    ("${localEnv:GITHUB_TOKEN:fallback}", "GITHUB_TOKEN"), ("${input:github_pat}", "github_pat"),
    ("$GITHUB_TOKEN", "GITHUB_TOKEN"), ("%GITHUB_TOKEN%", "GITHUB_TOKEN"),
])
def test_the_variable_a_reference_names(reference: str, name: str) -> None:
    from mcpiam.report.credentials import variable_of

    assert variable_of(reference) == name


def test_a_reference_with_a_default_is_listed_by_its_variable(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"gh": {
        "command": "npx", "args": ["-y", "gh-mcp", "--token", "${GH_TOKEN:-}"],
        "env": {"API_KEY": "${ACME_KEY:-none}", "REGION": "${AWS_REGION}"}}}}), encoding="utf-8")
    credentials = inventory_json(capsys)["servers"][0]["credentials"]
    assert [(c["place"], c["name"], c["variable"]) for c in credentials] == [
        ("arg", "--token", "GH_TOKEN"), ("env", "API_KEY", "ACME_KEY")]
