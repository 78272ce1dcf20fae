"""Framework mapping: every rule names known controls; explain, docs and SARIF show them; the
per-control summary counts findings correctly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.checks import all_rules
from mcpiam.cli.main import main
from mcpiam.report.frameworks import controls, describe, summarise
from mcpiam.engine.scan import ScanSettings, scan_paths

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "testdata" / "rules"
# A parse error says nothing about identities or agents: it evidences no control.
# A suppression without a reason is review hygiene: it evidences no control either.
NO_CONTROL = {"config-parse-error", "suppression-without-reason", "unknown-rule-in-suppression"}
KNOWN = {c.id for c in controls()}


@pytest.mark.parametrize("rule", [r.info for r in all_rules()], ids=lambda info: info.id)
def test_every_rule_names_known_controls(rule) -> None:
    assert set(rule.controls) <= KNOWN, f"unknown controls: {set(rule.controls) - KNOWN}"
    if rule.id not in NO_CONTROL:
        assert rule.controls, f"{rule.id} names no control"


def test_control_catalogue_has_both_top_tens() -> None:
    codes = [c.code for c in controls()]
    assert codes == [f"NHI{i}" for i in range(1, 11)] + [f"ASI{i:02d}" for i in range(1, 11)]
    assert describe("OWASP-NHI9") == "NHI9 NHI Reuse"
    assert describe("OWASP-ASI04") == "ASI04 Agentic Supply Chain Vulnerabilities"


def test_explain_and_sarif_show_the_controls(capsys, tmp_path: Path, monkeypatch) -> None:
    assert main(["explain", "shared-credential"]) == 0
    out = capsys.readouterr().out
    assert "OWASP-NHI9 (NHI9 NHI Reuse)" in out
    monkeypatch.chdir(tmp_path)
    main(["scan", "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "OWASP-NHI9" in rules["shared-credential"]["properties"]["tags"]


def test_summary_counts_each_finding_under_each_of_its_rules_controls() -> None:
    tree = FIXTURES / "shared-account" / "bad"
    result = scan_paths([tree], ScanSettings(select=("shared-account",)), root=tree)
    counts = {c.control.code: c for c in summarise(result.findings, result.rules)}
    assert set(counts) == {"NHI9", "NHI10", "ASI03"}
    assert counts["NHI9"].findings == len(result.findings) > 0
    assert counts["NHI9"].rules == ("shared-account",)
    assert sum(n for _, n in counts["NHI9"].by_severity) == len(result.findings)


def test_summary_lists_checked_controls_with_zero_findings(tmp_path: Path) -> None:
    result = scan_paths([tmp_path], ScanSettings(select=("unscoped-token",)), root=tmp_path)
    counts = summarise(result.findings, result.rules)
    assert [(c.control.code, c.findings) for c in counts] == [("NHI5", 0), ("ASI03", 0)]


def test_summary_from_the_command_line(capsys, monkeypatch) -> None:
    tree = FIXTURES / "shared-credential" / "bad"
    monkeypatch.chdir(tree)
    code = main(["scan", "--summary", "frameworks"])
    text = capsys.readouterr().out
    assert code == 1
    nhi9 = next(line for line in text.splitlines() if line.startswith("NHI9"))
    assert "NHI Reuse" in nhi9 and "shared-credential" in nhi9
    monkeypatch.setenv("MCPIAM_SUMMARY", "frameworks")
    main(["scan", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    by_code = {c["code"]: c for c in document["controls"]}
    assert by_code["NHI9"]["findings"] == 3 and by_code["NHI9"]["by_severity"] == {"high": 3}
    assert main(["scan", "--format", "sarif"]) == 2
