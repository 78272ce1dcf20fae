"""Framework mapping: every rule names known controls; the CSA MAESTRO and NIST controls cite
their source and name real rules, each with a reason; explain, docs, JSON and SARIF show them;
the per-control summary counts findings correctly; the JSON and SARIF paths read the mapping from
its snapshot, without a YAML parser."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcpiam.checks import all_rules
from mcpiam.cli.main import main
from mcpiam.report.frameworks import controls, controls_of, describe, summarise
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


def test_control_catalogue_has_both_top_tens_and_the_mapped_frameworks() -> None:
    by_framework: dict[str, list[str]] = {}
    for item in controls():
        by_framework.setdefault(item.framework.split(" (")[0], []).append(item.code)
    assert by_framework["OWASP Top 10 Non-Human Identities Risks"] == [f"NHI{i}" for i in range(1, 11)]
    assert by_framework["OWASP Top 10 for Agentic Applications"] == [f"ASI{i:02d}" for i in range(1, 11)]
    assert by_framework["CSA MAESTRO agentic AI threat modelling framework"] == ["L3", "L4", "L6", "L7"]
    assert by_framework["NIST AI Risk Management Framework 1.0"] == [
        "GOVERN 1.6", "GOVERN 2.1", "GOVERN 6.1", "MANAGE 3.1"]
    assert by_framework["NIST Cybersecurity Framework 2.0"] == [
        "ID.AM-02", "ID.AM-08", "PR.AA-01", "PR.AA-05", "PR.DS-01", "PR.DS-02", "PR.PS-01"]
    assert describe("OWASP-NHI9") == "NHI9 NHI Reuse"
    assert describe("OWASP-ASI04") == "ASI04 Agentic Supply Chain Vulnerabilities"
    assert describe("NIST-CSF-PR.DS-02").startswith("PR.DS-02 The confidentiality")


def test_every_mapped_control_cites_its_source_and_names_real_rules_with_a_reason() -> None:
    rule_ids = {rule.info.id for rule in all_rules()}
    mapped = [item for item in controls() if not item.id.startswith("OWASP-")]
    assert mapped
    for item in mapped:
        assert item.source.startswith("https://"), item.id
        assert item.evidence, f"{item.id} lists no rule: a control without evidence is not mapped"
        for rule_id, why in item.evidence:
            assert rule_id in rule_ids, f"{item.id} names unknown rule {rule_id}"
            assert len(why.split()) >= 5, f"{item.id} / {rule_id}: say why"
    # OWASP mappings stay with the rules; the YAML adds no OWASP evidence beside them.
    assert all(not item.evidence for item in controls() if item.id.startswith("OWASP-"))


def test_controls_of_joins_the_rules_own_and_the_yaml_mapping() -> None:
    rules = {rule.info.id: rule.info for rule in all_rules()}
    assert controls_of(rules["insecure-transport"]) == ("OWASP-NHI2", "MAESTRO-L4", "NIST-CSF-PR.DS-02")
    assert controls_of(rules["config-parse-error"]) == ()
    for info in rules.values():
        assert len(set(controls_of(info))) == len(controls_of(info))
        assert 1 + len(info.tags) + len(controls_of(info)) <= 20  # GitHub keeps 20 tags per rule


def test_json_and_sarif_read_the_mapping_without_yaml(tmp_path: Path) -> None:
    """The snapshot is current, and a SARIF or JSON report (which tag every rule) uses it."""
    from mcpiam.report import frameworks

    assert frameworks.SNAPSHOT_PATH.read_text(encoding="utf-8") == frameworks.snapshot_of_frameworks()
    probe = ("import sys\nfrom mcpiam.cli.main import main\nmain(['scan', '-f', sys.argv[1], sys.argv[2]])\n"
             "print('YAML' if 'yaml' in sys.modules else 'NO-YAML')\n")
    for fmt in ("json", "sarif"):
        done = subprocess.run([sys.executable, "-c", probe, fmt, str(tmp_path)], cwd=ROOT, capture_output=True,
                              text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "scanner")})
        assert done.stdout.rstrip().endswith("NO-YAML"), done.stderr
        assert "NIST-CSF" in done.stdout or fmt == "json"


def test_explain_and_sarif_show_the_controls(capsys, tmp_path: Path, monkeypatch) -> None:
    assert main(["explain", "shared-credential"]) == 0
    out = capsys.readouterr().out
    assert "OWASP-NHI9 (NHI9 NHI Reuse)" in out
    assert "MAESTRO-L6 (L6 Security and Compliance)" in out and "NIST-CSF-PR.AA-01 (PR.AA-01 " in out
    monkeypatch.chdir(tmp_path)
    main(["scan", "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "OWASP-NHI9" in rules["shared-credential"]["properties"]["tags"]
    assert "NIST-CSF-PR.AA-01" in rules["shared-credential"]["properties"]["tags"]


def test_summary_counts_each_finding_under_each_of_its_rules_controls() -> None:
    tree = FIXTURES / "shared-account" / "bad"
    result = scan_paths([tree], ScanSettings(select=("shared-account",)), root=tree)
    counts = {c.control.code: c for c in summarise(result.findings, result.rules)}
    assert set(counts) == {"NHI9", "NHI10", "ASI03", "L6", "PR.AA-01"}
    assert counts["NHI9"].findings == len(result.findings) > 0
    assert counts["NHI9"].rules == ("shared-account",)
    assert sum(n for _, n in counts["NHI9"].by_severity) == len(result.findings)


def test_summary_lists_checked_controls_with_zero_findings(tmp_path: Path) -> None:
    result = scan_paths([tmp_path], ScanSettings(select=("unscoped-token",)), root=tmp_path)
    counts = summarise(result.findings, result.rules)
    assert [(c.control.code, c.findings) for c in counts] == [("NHI5", 0), ("ASI03", 0), ("PR.AA-05", 0)]


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
    # PR.AA-01 is evidenced by shared-credential and by other rules that fire on this fixture too.
    assert by_code["PR.AA-01"]["framework"].startswith("NIST Cybersecurity Framework 2.0")
    assert "shared-credential" in by_code["PR.AA-01"]["rules"] and by_code["PR.AA-01"]["findings"] >= 3
    assert main(["scan", "--format", "sarif"]) == 2
