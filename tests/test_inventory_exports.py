"""The inventory's exports: clean and spreadsheet-safe CSV read back with Python's csv module, the
CycloneDX 1.6 AI-BOM validated against the CycloneDX schema (offline, the library's own copy),
and the access-review sheet as CSV and Markdown."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from inventory_repo import IMAGE_DIGEST, write_inventory_repo
from mcpiam.cli.main import main
from mcpiam.report.inventory import FORMULA_TRIGGERS, csv_text
from mcpiam.report.review import REVIEW_KEYS
from test_report_common import assert_golden

ROOT = Path(__file__).resolve().parents[1]
RULE_FIXTURES = sorted(path for path in (ROOT / "testdata" / "rules").glob("*/*") if path.is_dir())


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


def records(capsys) -> dict[str, dict]:
    return {r["server"]: r for r in json.loads(run(capsys, "inventory", "--format", "json"))["servers"]}


# --- CSV -----------------------------------------------------------------------------------------


def test_clean_csv_round_trips_exactly(repo, capsys) -> None:
    text = run(capsys, "inventory", "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    again = io.StringIO()
    csv.writer(again, lineterminator="\n").writerows(rows)
    assert again.getvalue() == text  # RFC 4180 as Python writes it: reading and writing changes nothing
    by_server = {row["server"]: row for row in csv.DictReader(io.StringIO(text))}
    json_records = records(capsys)
    for name, row in by_server.items():
        record = json_records[name]
        assert (row["file"], row["line"], row["owner"]) == (record["file"], str(record["line"]), record["owner"] or "")
    assert by_server["github"]["owner"] == "@acme/platform-security"  # as written, no quote mark
    assert by_server["remote"]["owner"] == "=ops+oncall@acme.example"
    literal = json_records["payments"]["credentials"][0]
    assert by_server["payments"]["credentials"].endswith(f"fp:{literal['fingerprint']}")  # full fingerprint
    assert by_server["remote"]["credentials"].count("; ") == 1  # two credentials, one cell


def test_spreadsheet_safe_csv_defuses_formula_cells(repo, capsys) -> None:
    text = run(capsys, "inventory", "--format", "csv", "--spreadsheet-safe")
    rows = {row["server"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["github"]["owner"] == "'@acme/platform-security"
    assert rows["remote"]["owner"] == "'=ops+oncall@acme.example"
    assert rows["db"]["owner"] == "" and rows["github"]["client"] == "claude-code"
    assert all(line.startswith('"') for line in text.splitlines())  # every cell quoted


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_each_owasp_trigger_is_neutralised_and_only_in_the_safe_form(trigger: str) -> None:
    cells = [f"{trigger}cmd|' /C calc'!A0", f"plain {trigger} inside", "ok"]
    safe = list(csv.reader(io.StringIO(csv_text(["a", "b", "c"], [cells], spreadsheet=True))))[1]
    assert safe == ["'" + cells[0], cells[1], cells[2]]
    clean = list(csv.reader(io.StringIO(csv_text(["a", "b", "c"], [cells]))))[1]
    assert clean == cells


def test_csv_cells_pass_the_output_gate() -> None:
    token_shaped = "A1b2C3d4E5f6G7h8I9j0K1"  # what the gate withholds, built here, not a credential
    for spreadsheet in (False, True):
        row = list(csv.reader(io.StringIO(csv_text(["a"], [[f"name {token_shaped}"]], spreadsheet=spreadsheet))))[1]
        assert row == ["name ***"]


# --- CycloneDX -----------------------------------------------------------------------------------


def validate_bom(text: str) -> dict:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, error
    return json.loads(text)


def test_the_bom_validates_and_describes_each_server(repo, capsys) -> None:
    bom = validate_bom(run(capsys, "inventory", "--format", "cyclonedx"))
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    components = {c["bom-ref"]: c for c in bom["components"]}
    assert set(components) == {f".mcp.json#/mcpServers/{name}" for name in
                               ("github", "payments", "db", "github-image", "notes")}
    purls = {ref.rpartition("/")[2]: c.get("purl") for ref, c in components.items()}
    assert purls == {
        "github": "pkg:npm/%40modelcontextprotocol/server-github",
        "payments": "pkg:npm/%40acme/payments-mcp@1.2.0",
        "db": "pkg:pypi/mcp-server-postgres",
        "github-image": f"pkg:oci/github-mcp-server@{IMAGE_DIGEST}"
                        "?repository_url=ghcr.io/github/github-mcp-server",
        "notes": None,
    }
    services = bom["services"]
    assert [(s["name"], s["endpoints"], s["authenticated"]) for s in services] == [
        ("remote", ["https://mcp.example.com/mcp?token=***"], True)]
    github = components[".mcp.json#/mcpServers/github"]
    assert github["authors"] == [{"name": "@acme/platform-security"}]
    properties = [(p["name"], p["value"]) for p in github["properties"]]
    for expected in [("mcpiam:client", "claude-code"), ("mcpiam:config-file", ".mcp.json"),
                     ("mcpiam:config-position", "3:5"), ("mcpiam:owner", "@acme/platform-security"),
                     ("mcpiam:revocation", "https://wiki.acme.example/runbooks/github-mcp#revoke")]:
        assert expected in properties
    credentials = [p["value"] for c in bom["components"] + services for p in c["properties"]
                   if p["name"] == "mcpiam:credential"]
    fingerprints = {c["fingerprint"] for r in records(capsys).values() for c in r["credentials"] if c["fingerprint"]}
    assert len(credentials) == 6 and {v.rpartition("fingerprint=")[2] for v in credentials if "fingerprint=" in v} \
        == fingerprints


def test_the_bom_is_deterministic_and_its_serial_follows_its_content(repo, capsys, tmp_path) -> None:
    first = run(capsys, "inventory", "--format", "cyclonedx")
    assert run(capsys, "inventory", "--format", "cyclonedx") == first
    assert "timestamp" not in json.loads(first)["metadata"]
    config = Path(".mcp.json")
    config.write_text(config.read_text(encoding="utf-8").replace('"notes"', '"notes2"'), encoding="utf-8")
    changed = run(capsys, "inventory", "--format", "cyclonedx")
    assert json.loads(changed)["serialNumber"] != json.loads(first)["serialNumber"]


def test_the_bom_timestamp_is_an_option(repo, capsys) -> None:
    bom = validate_bom(run(capsys, "inventory", "--format", "cyclonedx", "--bom-timestamp", "2026-01-31T12:00:00Z"))
    assert bom["metadata"]["timestamp"] == "2026-01-31T12:00:00+00:00"
    assert main(["inventory", "--format", "cyclonedx", "--bom-timestamp", "last tuesday"]) == 2
    assert "--bom-timestamp" in capsys.readouterr().err


def test_bom_golden(repo, capsys) -> None:
    assert_golden("inventory.cdx.json", run(capsys, "inventory", "--format", "cyclonedx").rstrip("\n"))


@pytest.mark.parametrize("fixture", RULE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_rule_fixture_bom_validates(fixture: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(fixture)
    validate_bom(run(capsys, "inventory", "--format", "cyclonedx"))


def test_a_scan_does_not_import_the_cyclonedx_library(tmp_path: Path) -> None:
    """The pre-commit path stays light: the library is imported for the AI-BOM only."""
    write_inventory_repo(tmp_path)
    probe = ("import sys\nfrom mcpiam.cli.main import main\nmain(['scan', sys.argv[1]])\n"
             "main(['inventory', '--format', 'json'])\n"
             "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in ('cyclonedx', 'packageurl'))))\n"
             "main(['inventory', '--format', 'cyclonedx'])\n"
             "sys.stderr.write(' ' + repr('cyclonedx' in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.stderr.strip().endswith("[] True"), done.stderr


# --- access review -------------------------------------------------------------------------------


def test_review_csv_has_one_row_per_server_with_empty_decision(repo, capsys) -> None:
    text = run(capsys, "inventory", "--format", "review")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == REVIEW_KEYS
    assert [row["server"] for row in rows] == ["github", "payments", "db", "remote", "github-image", "notes"]
    assert all(row["decision"] == "" and row["reviewer"] == "" for row in rows)
    github = {row["server"]: row for row in rows}["github"]
    assert (github["owner"], github["purpose"], github["secret_source"], github["revocation"]) == (
        "@acme/platform-security", "triage issues in acme repositories", "1Password: Engineering/github-mcp",
        "https://wiki.acme.example/runbooks/github-mcp#revoke")
    assert github["credentials"] == "GITHUB_PAT: reference (env GITHUB_PERSONAL_ACCESS_TOKEN 10:42)"
    assert github["literal_credentials"] == "no" and github["scope_findings"] == "excessive-scope (medium) 7:9"
    payments = {row["server"]: row for row in rows}["payments"]
    assert payments["credentials"].startswith("stripe-live-secret-key: literal (arg")
    assert payments["literal_credentials"] == "yes" and payments["scope_findings"].startswith("unscoped-token (high)")


def test_review_markdown_golden_and_escaping(repo, capsys) -> None:
    assert_golden("inventory-review.md", run(capsys, "inventory", "--format", "review-md").rstrip("\n"))
    config = Path(".mcp.json")
    config.write_text(config.read_text(encoding="utf-8").replace('"notes"', '"a|b <img src=x>"'), encoding="utf-8")
    text = run(capsys, "inventory", "--format", "review-md")
    row = next(line for line in text.splitlines() if "a\\|b" in line)
    assert "&lt;img src=x&gt;" in row and row.count(" | ") == 12  # 13 cells: the name broke no cell


def test_review_leaves_out_reference_only_entries(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".claude" / "agents").mkdir(parents=True)
    (tmp_path / ".mcp.json").write_text('{"mcpServers": {"gh": {"command": "npx", "args": ["-y", "gh-mcp"]}}}',
                                        encoding="utf-8")
    (tmp_path / ".claude" / "agents" / "triage.md").write_text("---\nname: triage\nmcpServers:\n  - gh\n---\nBody\n",
                                                              encoding="utf-8")
    inventory = json.loads(run(capsys, "inventory", "--format", "json"))["servers"]
    assert [r["reference_only"] for r in inventory].count(True) == 1
    rows = list(csv.DictReader(io.StringIO(run(capsys, "inventory", "--format", "review"))))
    assert [row["server"] for row in rows] == ["gh"]


def test_an_endpoint_that_is_no_uri_goes_to_a_property_not_a_crash(tmp_path: Path) -> None:
    """Found by the fuzz test: a URL template with a stray '%' is refused by the BOM library."""
    import json as json_module

    from mcpiam.cli.main import main as cli_main

    (tmp_path / ".mcp.json").write_text(json_module.dumps({"mcpServers": {
        "api": {"url": "${API_BASE_URL:-https://a%i.example.com}/mcp"}}}), encoding="utf-8")
    out = tmp_path / "bom.json"
    assert cli_main(["inventory", "--format", "cyclonedx", "-o", str(out), str(tmp_path)]) == 0
    bom = json_module.loads(out.read_text(encoding="utf-8"))
    [service] = bom["services"]
    assert "endpoints" not in service
    assert any(p["name"] == "mcpiam:endpoint" for p in service["properties"])


@pytest.mark.parametrize("package", ["@scope/", "registry.example.com/", "acme/"])
def test_a_package_name_no_purl_can_hold_gives_a_component_without_one(tmp_path: Path, package: str) -> None:
    """Found by the fuzz test: a name ending in '/' has no purl name; the BOM is still written."""
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {
        "odd": {"command": "npx", "args": ["-y", package]},
        "img": {"command": "docker", "args": ["run", "-i", package]}}}), encoding="utf-8")
    out = tmp_path / "bom.json"
    assert main(["inventory", "--format", "cyclonedx", "-o", str(out), str(tmp_path)]) == 0
    bom = json.loads(out.read_text(encoding="utf-8"))
    components = bom.get("components", [])
    assert len(components) == 2 and all("purl" not in component for component in components)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.read_text(encoding="utf-8")) is None
    JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.read_text(encoding="utf-8"))
