"""mcpiam merge over the fleet database: inputs from folders, lists and standard input, skip-invalid,
--db, GitHub-complete SARIF, large groups capped where people or GitHub read them, and the key
warning naming which hosts used which key."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest

from mcpiam.checks.base import ScanOptions
from mcpiam.cli.main import main
from mcpiam.core.findings import Severity
from mcpiam.fleet.merge import FleetFinding, FleetLocation, FleetReport, merge_files
from mcpiam.fleet.render import SARIF_RELATED_CAP, SHOWN_PLACES, render_merge

from fleet_helpers import WEEK_1, classic_pat, github_server, small_fleet, sweep_file, write_home

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = json.loads((ROOT / "testdata" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


@pytest.fixture
def fleet(tmp_path: Path) -> dict[str, list[Path]]:
    return small_fleet(tmp_path)


def test_merge_reads_a_folder_a_list_and_standard_input_alike(fleet, tmp_path: Path, capsys, monkeypatch) -> None:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    for path in fleet["week_1"]:
        (uploads / path.name).write_text(path.read_text(), encoding="utf-8")
    (tmp_path / "list.txt").write_text("\n".join(map(str, fleet["week_1"])), encoding="utf-8")
    outputs = []
    for args in ([str(uploads)], [f"@{tmp_path / 'list.txt'}"], ["-"]):
        monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(map(str, fleet["week_1"]))))
        assert main(["merge", *args, "-f", "csv"]) == 1  # the shared PAT
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert "lap-ana:~/.cursor/mcp.json:10:42 lap-bob:~/.cursor/mcp.json:10:42 lap-dan:~/.cursor/mcp.json:10:42" \
        in outputs[0]


def test_one_malformed_upload_no_longer_aborts_with_skip_invalid(fleet, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "lap-zed.json"
    bad.write_text('{"version": 1, "tool": {"name": "mcpiam"', encoding="utf-8")
    args = ["merge", *map(str, fleet["week_1"]), str(bad), "-f", "json"]
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "lap-zed.json:1:41: not JSON" in captured.err
    assert main([*args, "--skip-invalid"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [m["hostname"] for m in report["machines"]] == ["build-1", "lap-ana", "lap-bob", "lap-dan"]
    assert any("lap-zed.json:1:41: not JSON" in warning for warning in report["warnings"])


def test_merge_with_a_database_reports_all_it_holds(fleet, tmp_path: Path, capsys) -> None:
    db = tmp_path / "fleet.duckdb"
    assert main(["fleet", "ingest", *map(str, fleet["week_1"]), "--db", str(db)]) == 0
    assert main(["merge", str(fleet["week_2"][0]), "--db", str(db), "-f", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert len(report["machines"]) == 4
    # bob's week-2 result replaced his week-1 one: ana and dan still share the PAT.
    assert [(f["host"], [r["host"] for r in f["related"]]) for f in report["findings"]] == [("lap-ana", ["lap-dan"])]
    assert main(["merge", "--db", str(db), "-f", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["findings"] == report["findings"]


def test_the_same_host_twice_keeps_the_newest(fleet) -> None:
    report = merge_files([fleet["week_1"][1], fleet["week_2"][0]])
    assert [m.time for m in report.machines] == ["2026-11-10T09:00:00Z"]
    assert any("several inputs name the same host (lap-bob): the newest result of each is kept" in w
               for w in report.warnings)


def test_the_key_warning_names_which_hosts_used_which_key(tmp_path: Path) -> None:
    token = classic_pat("keys")
    for name in ("ana", "bob", "cy"):
        write_home(tmp_path / name, {"github": github_server(token)})
    files = [sweep_file(tmp_path / "ana", "lap-ana", tmp_path / "a.json", WEEK_1),
             sweep_file(tmp_path / "bob", "lap-bob", tmp_path / "b.json", WEEK_1),
             sweep_file(tmp_path / "cy", "lap-cy", tmp_path / "c.json", WEEK_1, key=ScanOptions().fingerprint_key)]
    report = merge_files(files)
    assert report.key_status == "different" and report.findings == ()
    warning = next(w for w in report.warnings if "different fingerprint keys" in w)
    (org_key,) = {json.loads(f.read_text())["fingerprint_key"]["id"] for f in files[:2]}
    default_key = json.loads(files[2].read_text())["fingerprint_key"]["id"]
    assert f"key {org_key} on lap-ana, lap-bob" in warning
    assert f"key {default_key} (the public built-in key) on lap-cy" in warning


def test_sarif_rules_carry_what_github_requires(fleet) -> None:
    sarif = json.loads(render_merge(merge_files(fleet["week_1"]), "sarif"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]:
        for field in ("shortDescription", "fullDescription"):
            assert 0 < len(rule[field]["text"]) <= 1024
        assert rule["help"]["text"] and rule["help"]["markdown"]


def place(index: int) -> FleetLocation:
    return FleetLocation(f"lap-{index:05d}", f"u{index}", "~/.cursor/mcp.json", 10, 42, 10, 82, "/mcpServers/gh/env/T")


def test_a_fleet_wide_token_is_capped_where_people_and_github_read_it() -> None:
    related = tuple(place(i) for i in range(1, 1501))
    finding = FleetFinding("shared-credential", Severity.HIGH, "The same credential is used on 1501 hosts.",
                           place(0), related, "ab" * 32,
                           (("fingerprint", "ab" * 32), ("family", "github-classic-pat"), ("preview", "ghp_…x"),
                            ("hosts", "1501"), ("accounts", "1501")))
    report = FleetReport(machines=(), key_status="same", key_ids=("0123456789abcdef",), warnings=(),
                         findings=(finding,), servers=(), ownership=(), rules=())
    result = json.loads(render_merge(report, "sarif"))["runs"][0]["results"][0]
    assert len(result["relatedLocations"]) == SARIF_RELATED_CAP
    assert result["properties"]["relatedLocationsOmitted"] == 1500 - SARIF_RELATED_CAP
    text = render_merge(report, "text")
    assert text.count("    also ") == SHOWN_PLACES and f"... and {1500 - SHOWN_PLACES} more places" in text
    assert "… and 1481 more" in render_merge(report, "markdown")
    rows = [row for row in csv.reader(io.StringIO(render_merge(report, "csv"))) if row[0] == "shared-credential"]
    assert len(rows[0][7].split(" ")) == 1501  # every place
    assert len(json.loads(render_merge(report, "json"))["findings"][0]["related"]) == 1500
