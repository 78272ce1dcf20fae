"""The JSON report: golden output, its published schema, and what the fields say."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from mcpiam.core.findings import Severity
from mcpiam.report import OutputFormat, render
from test_report_common import REPO, SECRET, assert_golden, sample_result

SCHEMA_PATH = REPO / "scanner" / "mcpiam" / "report" / "json-report.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def report(**changes: object) -> dict:
    return json.loads(render(sample_result(**changes), OutputFormat.JSON))


def test_json_report_matches_golden() -> None:
    assert_golden("expected.json", render(sample_result(), OutputFormat.JSON))


@pytest.mark.parametrize(
    "changes",
    [{}, {"findings": (), "notes": ()}, {"configs": (), "rules": (), "findings": (), "notes": ()},
     {"policy": "config/.mcpiam.yaml", "allowlisted": 3}],
    ids=["sample", "no-findings", "empty", "policy"],
)
def test_json_report_is_valid_against_its_schema(validator: jsonschema.Draft202012Validator, changes: dict) -> None:
    errors = sorted(validator.iter_errors(report(**changes)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_schema_pins_the_version(validator: jsonschema.Draft202012Validator) -> None:
    data = report()
    data["version"] = 2
    assert not validator.is_valid(data)


def test_summary_counts() -> None:
    summary = report()["summary"]
    assert summary == {
        "findings": 5,
        "by_severity": {"critical": 1, "high": 2, "medium": 1, "low": 1, "info": 0},
        "by_rule": {
            "hardcoded-secret": 1,
            "secret-in-url": 1,
            "server-without-owner": 1,
            "shared-credential": 1,
            "unscoped-token": 1,
        },
        "fail_on": "high",
        "failing": 3,
        "configs": 3,
        "servers": 7,
        "files_considered": 14,
        "notes": {"warning": 2, "info": 1},
        "policy": None,
        "allowlisted": 0,
    }


def test_summary_names_the_policy_and_counts_allow_listed_findings(
    validator: jsonschema.Draft202012Validator,
) -> None:
    data = report(policy=".mcpiam.yaml", allowlisted=2)
    assert (data["summary"]["policy"], data["summary"]["allowlisted"]) == (".mcpiam.yaml", 2)
    assert data["summary"]["findings"] == 5  # allow-listed findings are not counted as findings
    assert validator.is_valid(data)


def test_finding_record() -> None:
    finding = next(f for f in report()["findings"] if f["rule_id"] == "shared-credential")
    assert finding["route"] == "/servers/acme/env/ACME_TOKEN"
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (10, 23, 10, 42)
    assert finding["failing"] is True
    assert [(r["path"], r["route"]) for r in finding["related"]] == [
        (".mcp.json", "/mcpServers/github/env/GITHUB_PERSONAL_ACCESS_TOKEN"),
        ("~/.cursor/mcp.json", "/mcpServers/local/args/0"),
    ]


def test_failing_follows_fail_on() -> None:
    data = report(fail_on=Severity.CRITICAL)
    assert [f["rule_id"] for f in data["findings"] if f["failing"]] == ["hardcoded-secret"]
    assert data["summary"]["failing"] == 1


def test_configs_carry_inventory_records_without_values() -> None:
    configs = report()["configs"]
    assert [c["path"] for c in configs] == [".mcp.json", ".vscode/mcp.json", "~/.cursor/mcp.json"]
    remote = next(s for s in configs[0]["servers"] if s["server"] == "remote-api")
    assert remote["credentials"] == ["Authorization", "X-Api-Key"]
    assert remote["url"] == "https://***@api.example.com/mcp?api_key=***&region=***"
    assert SECRET not in json.dumps(configs)


def test_output_is_ascii_so_no_raw_control_or_bidi_character_reaches_a_terminal() -> None:
    assert render(sample_result(), OutputFormat.JSON).isascii()
