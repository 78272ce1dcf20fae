"""mcpiam merge: three machines' sweeps correlated into one fleet report, key checks, bad input."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import jsonschema
import pytest

from mcpiam.checks.base import ScanOptions
from mcpiam.cli.main import main
from mcpiam.engine.scan import ScanSettings
from mcpiam.engine.sweep import run_sweep
from mcpiam.fleet.merge import merge_files
from mcpiam.fleet.render import CSV_COLUMNS, render_merge
from mcpiam.report.sweep import render_sweep
from mcpiam.discover.homes import Home, SweepPlan, all_user_homes

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = json.loads((ROOT / "testdata" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
MERGE_SCHEMA = json.loads((ROOT / "scanner" / "mcpiam" / "fleet" / "merge-report.schema.json").read_text(encoding="utf-8"))
# Plainly fake connection-string passwords the detector recognises.
SHARED = "postgresql://orders_ro:Zx8Kq2Wm7Rt4@orders.db.internal/orders"
OTHER = "postgresql://search:Jn3Vb6Hs9Qp1@search.db.internal/search"
SECRETS = ("Zx8Kq2Wm7Rt4", "Jn3Vb6Hs9Qp1")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


def cursor(dsn: str, name: str = "orders") -> str:
    return json.dumps({"mcpServers": {name: {"command": "npx", "args": ["-y", "pg-mcp", dsn]}}})


def sweep_to_file(home: Path, host: str, out: Path, key: bytes = b"acme-org-key") -> Path:
    settings = ScanSettings(options=ScanOptions(fingerprint_key=key))
    result = run_sweep(SweepPlan("linux", (Home(home, home.name),)), settings, hostname=host)
    out.write_text(render_sweep(result, "json"), encoding="utf-8")
    return out


@pytest.fixture
def fleet(tmp_path: Path) -> list[Path]:
    """host-a and host-b hold the same credential; host-c holds another."""
    write(tmp_path / "a" / ".cursor" / "mcp.json", cursor(SHARED))
    write(tmp_path / "b" / ".codex" / "config.toml",
          f'[mcp_servers.orders]\ncommand = "npx"\nargs = ["-y", "pg-mcp", "{SHARED}"]\n')
    write(tmp_path / "c" / ".cursor" / "mcp.json", cursor(OTHER, "search"))
    return [sweep_to_file(tmp_path / name, f"host-{name}", tmp_path / f"{name}.json") for name in "abc"]


def test_a_credential_on_two_machines_is_one_shared_credential_finding(fleet: list[Path]) -> None:
    report = merge_files(fleet)
    assert report.key_status == "same" and report.warnings == ()
    assert len(report.findings) == 1
    finding = report.findings[0]
    assert finding.rule_id == "shared-credential" and finding.severity.value == "high"
    assert (finding.location.host, finding.location.path, finding.location.user) == ("host-a", "~/.cursor/mcp.json", "a")
    assert [(loc.host, loc.path, loc.line, loc.user) for loc in finding.related] == [
        ("host-b", "~/.codex/config.toml", 3, "b")]
    assert dict(finding.properties)["hosts"] == "2"
    assert not any(secret in finding.message for secret in SECRETS)


def test_servers_ownership_and_rule_counts(fleet: list[Path]) -> None:
    report = merge_files(fleet)
    assert [(s.identity, s.hosts, s.clients) for s in report.servers] == [
        ("npx pg-mcp", ("host-a", "host-b", "host-c"), ("codex", "cursor"))]
    assert report.servers[0].occurrences == 3
    assert report.coverage == (0, 3)  # no policy anywhere: missing-owner reports every server
    counts = {r.rule_id: (r.findings, r.hosts) for r in report.rules}
    assert counts["embedded-secret"] == (3, 3) and counts["world-readable-secrets"] == (0, 0)


def as_written_before_owner_fields(path: Path, *, without_missing_owner: bool = False) -> None:
    """Rewrite a result as an older mcpiam wrote it: servers without owner fields (and, optionally,
    a scan with the missing-owner rule turned off)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for config in data["configs"]:
        for server in config["servers"]:
            del server["owner"], server["owner_source"]
    if without_missing_owner:
        data["rules"] = [r for r in data["rules"] if r["id"] != "missing-owner"]
        data["findings"] = [f for f in data["findings"] if f["rule_id"] != "missing-owner"]
    path.write_text(json.dumps(data), encoding="utf-8")


def test_ownership_coverage_of_older_results_from_missing_owner_findings(fleet: list[Path]) -> None:
    # Results without owner fields: host-a ran missing-owner (every server unowned: no policy);
    # host-b and host-c were scanned with the rule turned off, so their coverage is unknown rather
    # than zero.
    as_written_before_owner_fields(fleet[0])
    for path in fleet[1:]:
        as_written_before_owner_fields(path, without_missing_owner=True)
    report = merge_files(fleet)
    assert [(o.host, o.servers, o.owned, o.basis) for o in report.ownership] == [
        ("host-a", 1, 0, "missing-owner-findings"), ("host-b", 1, None, None), ("host-c", 1, None, None)]
    assert report.coverage == (0, 1) and report.owners == ()


def test_owner_fields_give_coverage_even_without_the_missing_owner_rule(fleet: list[Path]) -> None:
    # The owner fields are written whatever rules ran: no policy anywhere, so nothing is owned.
    for path in fleet:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["rules"] = [r for r in data["rules"] if r["id"] != "missing-owner"]
        data["findings"] = [f for f in data["findings"] if f["rule_id"] != "missing-owner"]
        path.write_text(json.dumps(data), encoding="utf-8")
    report = merge_files(fleet)
    assert [(o.host, o.servers, o.owned, o.basis) for o in report.ownership] == [
        ("host-a", 1, 0, "owner-fields"), ("host-b", 1, 0, "owner-fields"), ("host-c", 1, 0, "owner-fields")]
    assert report.coverage == (0, 3)


def test_a_result_without_servers_has_nothing_to_own(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = merge_files([scan_to_file(tmp_path / "empty", tmp_path / "empty.json")])
    assert [(o.servers, o.owned, o.basis) for o in report.ownership] == [(0, 0, "owner-fields")]
    assert "without owner fields" not in render_merge(report, "text")


def scan_to_file(tree: Path, out: Path, *args: str) -> Path:
    assert main(["scan", str(tree), "-f", "json", "-o", str(out), "--fingerprint-key", "acme", *args]) in (0, 1)
    return out


@pytest.fixture
def owned_fleet(tmp_path: Path) -> list[Path]:
    """Two projects with owners: by policy entries (one with spaces in the owner) and by a
    CODEOWNERS line naming two teams."""
    github = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}
    write(tmp_path / "ana" / ".cursor" / "mcp.json", json.dumps({"mcpServers": {
        "github": github, "warehouse": {"command": "uvx", "args": ["mcp-server-warehouse"]},
        "scratch": {"command": "npx", "args": ["-y", "scratch-mcp"]}}}))
    write(tmp_path / "ana" / ".mcpiam.yaml",
          "owners:\n  - {match: {package: '@modelcontextprotocol/server-github'}, owner: '@acme/sec'}\n"
          "  - {match: {package: 'pypi:mcp-server-warehouse'}, owner: Data Platform Team}\n")
    write(tmp_path / "box" / ".vscode" / "mcp.json", json.dumps({"servers": {
        "github": github, "fs": {"command": "npx", "args": ["-y", "fs-mcp"]}}}))
    write(tmp_path / "box" / ".mcpiam.yaml", "owners_from_codeowners: true\n"
          "owners:\n  - {match: {package: '@modelcontextprotocol/server-github'}, owner: '@acme/sec'}\n")
    write(tmp_path / "box" / "CODEOWNERS", "/.vscode/ @acme/editors @acme/sec\n")
    return [scan_to_file(tmp_path / "ana", tmp_path / "ana.json"),
            scan_to_file(tmp_path / "box", tmp_path / "box.json", "--ignore", "missing-owner")]


def test_owners_and_coverage_from_owner_fields(owned_fleet: list[Path]) -> None:
    report = merge_files(owned_fleet)
    assert [(o.host, o.servers, o.owned, o.basis, o.owners) for o in report.ownership] == [
        ("ana", 3, 2, "owner-fields", (("@acme/sec", 1), ("Data Platform Team", 1))),
        ("box", 2, 2, "owner-fields", (("@acme/editors", 1), ("@acme/sec", 2)))]
    assert report.coverage == (4, 5)
    # Each owner of a CODEOWNERS line counts; a policy owner is one owner, spaces and all.
    assert [(o.owner, o.servers, o.hosts) for o in report.owners] == [
        ("@acme/sec", 3, ("ana", "box")), ("@acme/editors", 1, ("box",)), ("Data Platform Team", 1, ("ana",))]


def test_owner_fields_win_over_findings_a_suppression_hid(owned_fleet: list[Path], tmp_path: Path) -> None:
    # The scratch server's missing-owner finding is baselined: the findings alone would count it
    # as owned; its owner field says it has none.
    ana = tmp_path / "ana"
    assert main(["baseline", "create", str(ana), "--baseline", str(tmp_path / "b.json"),
                 "--fingerprint-key", "acme"]) == 0
    scan_to_file(ana, owned_fleet[0], "--baseline", str(tmp_path / "b.json"))
    assert not any(f["rule_id"] == "missing-owner" for f in json.loads(owned_fleet[0].read_text())["findings"])
    assert merge_files(owned_fleet[:1]).ownership[0].owned == 2
    as_written_before_owner_fields(owned_fleet[0])
    assert merge_files(owned_fleet[:1]).ownership[0].owned == 3


def test_owners_in_every_format(owned_fleet: list[Path]) -> None:
    # box: an older result (missing-owner ran this time), counted from its findings
    scan_to_file(owned_fleet[1].parent / "box", owned_fleet[1])
    as_written_before_owner_fields(owned_fleet[1])
    report = merge_files(owned_fleet)
    data = json.loads(render_merge(report, "json"))
    jsonschema.Draft202012Validator(MERGE_SCHEMA).validate(data)
    assert data["ownership"]["owners"] == [
        {"owner": "@acme/sec", "servers": 1, "hosts": ["ana"]},
        {"owner": "Data Platform Team", "servers": 1, "hosts": ["ana"]}]
    assert [(h["host"], h["owned"], h["basis"]) for h in data["ownership"]["by_host"]] == [
        ("ana", 2, "owner-fields"), ("box", 2, "missing-owner-findings")]
    text = render_merge(report, "text")
    assert "Owners (hosts, servers owned, owner):\n     1      1  @acme/sec\n" in text
    assert "1 input without owner fields (written by an older mcpiam) counted from missing-owner findings; " \
           "2 owned servers there are not in the owners list" in text
    markdown = render_merge(report, "markdown")
    assert "| Owner | Hosts | Servers owned |\n|---|---|---|\n| @acme/sec | 1 | 1 |\n" in markdown
    rows = [row for row in csv.reader(io.StringIO(render_merge(report, "csv"))) if row[0] == "owner"]
    assert rows == [["owner", "'@acme/sec", "", "1", "ana", "", "", ""],
                    ["owner", "Data Platform Team", "", "1", "ana", "", "", ""]]
    sarif = json.loads(render_merge(report, "sarif"))
    assert sarif["runs"][0]["properties"]["fleet"]["ownership"] == data["ownership"]


def test_different_fingerprint_keys_are_refused_for_correlation(tmp_path: Path, fleet: list[Path]) -> None:
    other_key = sweep_to_file(tmp_path / "b", "host-b", tmp_path / "b2.json", key=b"another-key")
    report = merge_files([fleet[0], other_key])
    assert report.key_status == "different" and report.findings == ()
    assert any("different fingerprint keys" in w for w in report.warnings)
    assert "acme-org-key" not in json.dumps(render_merge(report, "json"))


def test_the_built_in_key_is_warned_about(tmp_path: Path) -> None:
    write(tmp_path / "a" / ".cursor" / "mcp.json", cursor(SHARED))
    write(tmp_path / "b" / ".cursor" / "mcp.json", cursor(SHARED))
    files = [sweep_to_file(tmp_path / n, f"h{n}", tmp_path / f"{n}.json",
                           key=ScanOptions().fingerprint_key) for n in "ab"]
    report = merge_files(files)
    assert len(report.findings) == 1
    assert any("built-in fingerprint key" in w for w in report.warnings)


def test_two_users_of_one_machine_sharing_a_credential(tmp_path: Path) -> None:
    system = tmp_path / "system"
    write(system / "home" / "alice" / ".cursor" / "mcp.json", cursor(SHARED))
    write(system / "home" / "bob" / ".kiro" / "settings" / "mcp.json", cursor(SHARED))
    homes, _ = all_user_homes(system, "linux")
    result = run_sweep(SweepPlan("linux", tuple(homes), system), hostname="build-box")
    out = tmp_path / "box.json"
    out.write_text(render_sweep(result, "json"), encoding="utf-8")
    report = merge_files([out])
    assert [(f.location.user, [loc.user for loc in f.related]) for f in report.findings] == [("alice", ["bob"])]


def test_every_format(fleet: list[Path]) -> None:
    report = merge_files(fleet)
    data = json.loads(render_merge(report, "json"))
    jsonschema.Draft202012Validator(MERGE_SCHEMA).validate(data)
    assert [m["hostname"] for m in data["machines"]] == ["host-a", "host-b", "host-c"]
    assert data["findings"][0]["related"][0]["host"] == "host-b"
    sarif = json.loads(render_merge(report, "sarif"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    result = sarif["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "HOST_host_a"
    assert result["relatedLocations"][0]["properties"]["host"] == "host-b"
    rows = list(csv.reader(io.StringIO(render_merge(report, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row[0] for row in rows[1:]].count("shared-credential") == 1
    markdown = render_merge(report, "markdown")
    assert markdown.startswith("# MCP fleet report")
    for heading in ("## Credentials reused across machines or users", "## Servers across the fleet",
                    "## Ownership coverage", "## Findings by rule"):
        assert heading in markdown
    text = render_merge(report, "text")
    for output in (json.dumps(data), json.dumps(sarif), markdown, text):
        assert not any(secret in output for secret in SECRETS)


def test_cli_merge(fleet: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fleet.md"
    assert main(["merge", *map(str, fleet), "-f", "markdown", "-o", str(out)]) == 1
    assert "host-b:~/.codex/config.toml:3" in out.read_text(encoding="utf-8")
    assert main(["merge", str(fleet[2])]) == 0


@pytest.mark.parametrize(("content", "expected"), [
    ("not json {", "not JSON"),
    ('{"version": 1}', "not an mcpiam JSON result"),
    ('{"version": 1, "tool": {"name": "mcpiam", "version": "Zx8Kq2Wm7Rt4"}, "root": 5}', "not an mcpiam JSON result"),
])
def test_bad_input_exits_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           content: str, expected: str, fleet: list[Path]) -> None:
    bad = tmp_path / "laptop-9.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["merge", str(fleet[0]), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "laptop-9.json" in err and expected in err
    assert "Traceback" not in err and "Zx8Kq2Wm7Rt4" not in err


def test_scan_results_merge_named_after_their_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("ci-runner", "dev-box"):
        write(tmp_path / name / ".cursor" / "mcp.json", cursor(SHARED))
        assert main(["scan", str(tmp_path / name), "-f", "json", "-o", str(tmp_path / f"{name}.json"),
                     "--fingerprint-key", "acme"]) == 1
    report = merge_files([tmp_path / "ci-runner.json", tmp_path / "dev-box.json"])
    assert [m.hostname for m in report.machines] == ["ci-runner", "dev-box"]
    assert [(f.location.host, f.related[0].host) for f in report.findings] == [("ci-runner", "dev-box")]
    assert any("no host identity" in w for w in report.warnings)


def test_fleet_servers_are_grouped_by_what_runs(tmp_path: Path) -> None:
    # The grouping key is the inventory's command, read by mcpiam.model.launch: a `cmd /c` wrapper is
    # stepped over (Windows and Linux run the same package), and exact pip pins keep the package
    # (they once all showed as the bare "uvx").
    servers = {"a": {"gh": ["cmd", "/c", "npx", "-y", "gh-mcp"], "git": ["uvx", "mcp-server-git==2025.1.14"]},
               "b": {"gh": ["npx", "-y", "gh-mcp"], "time": ["uvx", "mcp-server-time==2025.8.4"]}}
    for host, entries in servers.items():
        config = {"mcpServers": {name: {"command": line[0], "args": line[1:]} for name, line in entries.items()}}
        write(tmp_path / host / ".cursor" / "mcp.json", json.dumps(config))
    report = merge_files([sweep_to_file(tmp_path / h, f"host-{h}", tmp_path / f"{h}.json") for h in servers])
    assert [(s.identity, s.hosts) for s in report.servers] == [
        ("npx gh-mcp", ("host-a", "host-b")),
        ("uvx mcp-server-git==2025.1.14", ("host-a",)),
        ("uvx mcp-server-time==2025.8.4", ("host-b",)),
    ]


# --- goldens: testdata/merge/*.json are scan results of three projects with owners (policy entries,
# a CODEOWNERS line naming two teams); ci-runner.json was stripped of its owner fields, as an older
# mcpiam wrote it. Regenerate the outputs with UPDATE=1.

GOLDEN_DIR = ROOT / "testdata" / "merge"
GOLDEN_INPUTS = ("build-box.json", "ci-runner.json", "laptop-ana.json")


@pytest.mark.parametrize("fmt,name", [("text", "fleet.txt"), ("markdown", "fleet.md"), ("csv", "fleet.csv"),
                                      ("json", "fleet.out.json")])
def test_fleet_report_matches_golden(fmt: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOLDEN_DIR)  # inputs are named by their relative paths
    output = render_merge(merge_files([Path(n) for n in GOLDEN_INPUTS]), fmt)
    if fmt == "json":
        data = json.loads(output)
        jsonschema.Draft202012Validator(MERGE_SCHEMA).validate(data)
        data["tool"]["version"] = "VERSION"  # the golden outlives version bumps
        output = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True)
    golden = GOLDEN_DIR / name
    if os.environ.get("UPDATE") == "1":
        golden.write_text(output + "\n", encoding="utf-8", newline="\n")
    assert output + "\n" == golden.read_text(encoding="utf-8")
