"""The SARIF report: golden output, the OASIS schema, and GitHub code scanning's ingestion rules."""

from __future__ import annotations

import json
from dataclasses import replace

import jsonschema
import pytest

from mcpiam.checks.base import RuleInfo
from mcpiam.core.document import Span
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.report import OutputFormat, render
from mcpiam.report.sarif import line_hash
from test_report_common import FINDINGS, REPO, RULES, assert_golden, sample_result

SCHEMA_PATH = REPO / "testdata" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def sarif(**changes: object) -> dict:
    return json.loads(render(sample_result(**changes), OutputFormat.SARIF))


def run_of(**changes: object) -> dict:
    log = sarif(**changes)
    assert len(log["runs"]) == 1
    return log["runs"][0]


def test_sarif_matches_golden() -> None:
    assert_golden("expected.sarif", render(sample_result(), OutputFormat.SARIF))


@pytest.mark.parametrize(
    "changes",
    [{}, {"findings": (), "notes": ()}, {"configs": (), "rules": (), "findings": (), "notes": ()}],
    ids=["sample", "no-findings", "empty"],
)
def test_sarif_is_valid_against_the_oasis_schema(validator: jsonschema.Draft4Validator, changes: dict) -> None:
    errors = sorted(validator.iter_errors(sarif(**changes)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_log_header_and_driver() -> None:
    log = sarif()
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    driver = log["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == (
        "mcpiam", "0.1.0", "https://github.com/mcpiam/mcpiam",
    )


def test_run_declares_columns_and_source_root() -> None:
    run = run_of()
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///home/dev/project/"}}


def test_every_rule_carries_what_github_requires() -> None:
    rules = run_of()["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(rule.id for rule in RULES)
    for descriptor in rules:
        assert descriptor["shortDescription"]["text"] and len(descriptor["shortDescription"]["text"]) <= 1024
        assert descriptor["fullDescription"]["text"] and len(descriptor["fullDescription"]["text"]) <= 1024
        assert descriptor["help"]["text"] and descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning", "note")
        properties = descriptor["properties"]
        assert "security" in properties["tags"] and len(properties["tags"]) <= 20
        assert 0.0 < float(properties["security-severity"]) <= 10.0
        assert properties["precision"] in ("very-high", "high", "medium", "low")
        assert "helpUri" not in descriptor


def test_rule_metadata_from_rule_info() -> None:
    descriptor = next(r for r in run_of()["tool"]["driver"]["rules"] if r["id"] == "shared-credential")
    assert descriptor["name"] == "SharedCredential"
    assert descriptor["shortDescription"]["text"] == "One credential is handed to several MCP servers."
    assert descriptor["fullDescription"]["text"] == (
        "One credential is handed to several MCP servers. The value is reported by its location, never by its content."
    )
    assert descriptor["help"]["markdown"].startswith("## What it flags")
    assert descriptor["defaultConfiguration"] == {"level": "error"}
    assert descriptor["properties"] == {
        # The rule's own controls, then those frameworks.yaml maps to its id.
        "tags": ["security", "credentials", "OWASP-NHI5", "OWASP-ASI03", "MAESTRO-L6", "NIST-CSF-PR.AA-01"],
        "security-severity": "8.0",
        "precision": "high",
    }


def test_long_docs_and_many_tags_are_cut_to_githubs_limits() -> None:
    long_rule = RuleInfo(
        id="long-rule", severity=Severity.LOW, summary="S" * 2000, docs="word " * 600,
        tags=tuple(f"tag{i}" for i in range(30)),
    )
    descriptor = run_of(rules=(long_rule,), findings=())["tool"]["driver"]["rules"][0]
    assert len(descriptor["shortDescription"]["text"]) == 1024
    assert len(descriptor["fullDescription"]["text"]) == 1024
    assert len(descriptor["properties"]["tags"]) == 20 and descriptor["properties"]["tags"][0] == "security"


def test_every_result_has_a_github_complete_location_and_fingerprints() -> None:
    run = run_of()
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == len(FINDINGS)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert set(physical["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert physical["artifactLocation"]["uri"]
        assert set(result["partialFingerprints"]) == {"mcpiam/v1", "primaryLocationLineHash"}


def test_result_location_logical_location_and_properties() -> None:
    result = next(r for r in run_of()["results"] if r["ruleId"] == "hardcoded-secret")
    assert result["level"] == "error"
    location = result["locations"][0]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": ".mcp.json", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 6, "startColumn": 41, "endLine": 6, "endColumn": 60},
    }
    assert location["logicalLocations"] == [
        {"name": "github", "fullyQualifiedName": "/mcpServers/github/env/GITHUB_PERSONAL_ACCESS_TOKEN"}
    ]
    assert result["properties"] == {
        "client": "claude-code", "server": "github", "severity": "critical", "security-severity": "9.5",
        "token_family": "github-pat", "preview": "fake…x9",
    }


def test_level_is_written_even_when_it_equals_the_sarif_default() -> None:
    """sarif_om's default level is "warning"; dropping it would make this result inherit "error"."""
    run = run_of()
    result = next(r for r in run["results"] if r["ruleId"] == "unscoped-token")
    assert result["level"] == "warning"
    descriptor = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert descriptor["defaultConfiguration"]["level"] == "error"


def test_related_locations_have_ids_messages_and_file_uris_outside_the_root() -> None:
    result = next(r for r in run_of()["results"] if r["ruleId"] == "shared-credential")
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert related[0]["message"]["text"] == "Related: .mcp.json /mcpServers/github/env/GITHUB_PERSONAL_ACCESS_TOKEN"
    assert related[1]["physicalLocation"]["artifactLocation"] == {"uri": "file:///home/dev/.cursor/mcp.json"}


def test_fingerprints_survive_line_moves() -> None:
    moved = tuple(
        replace(f, location=replace(f.location, span=Span(f.location.span.start_line + 7, 3, f.location.span.end_line + 7, 9)))
        for f in FINDINGS
    )
    before = [r["partialFingerprints"] for r in run_of()["results"]]
    after = [r["partialFingerprints"] for r in run_of(findings=moved)["results"]]
    assert before == after
    assert before[0]["primaryLocationLineHash"] == line_hash(before[0]["mcpiam/v1"])


def test_fingerprint_changes_with_the_route() -> None:
    elsewhere = replace(FINDINGS[0], location=replace(FINDINGS[0].location, route=("mcpServers", "other", "env", "X")))
    a = run_of(findings=FINDINGS[:1])["results"][0]["partialFingerprints"]
    b = run_of(findings=(elsewhere,))["results"][0]["partialFingerprints"]
    assert a["mcpiam/v1"] != b["mcpiam/v1"] and a["primaryLocationLineHash"] != b["primaryLocationLineHash"]


def test_no_snippet_anywhere() -> None:
    assert '"snippet"' not in render(sample_result(), OutputFormat.SARIF)


def test_notes_become_tool_execution_notifications() -> None:
    invocation = run_of()["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notifications = invocation["toolExecutionNotifications"]
    assert [(n["descriptor"]["id"], n["level"]) for n in notifications] == [
        ("bom", "note"), ("duplicate-key", "warning"), ("size-cap", "warning"),
    ]
    assert notifications[1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 11, "startColumn": 5, "endLine": 11, "endColumn": 12,
    }
    assert "region" not in notifications[2]["locations"][0]["physicalLocation"]


def test_finding_of_an_unlisted_rule_gets_placeholder_metadata(validator: jsonschema.Draft4Validator) -> None:
    stray = Finding(
        rule_id="internal-check", severity=Severity.MEDIUM, message="Something.",
        location=Location(path="a b/ü.json", span=Span(1, 1, 1, 2)),
    )
    log = sarif(findings=(stray,), rules=())
    assert validator.is_valid(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["id"] == "internal-check"
    assert run["results"][0]["ruleIndex"] == 0
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b/%C3%BC.json"
    assert "logicalLocations" not in run["results"][0]["locations"][0]


def test_empty_scan_still_has_results_array() -> None:
    run = run_of(findings=(), notes=())
    assert run["results"] == []
    assert "toolExecutionNotifications" not in run["invocations"][0]
