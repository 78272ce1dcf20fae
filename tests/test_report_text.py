"""The text report: golden output, grouping, notes, colour and terminal safety."""

from __future__ import annotations

import re
from dataclasses import replace

from mcpiam.core.document import Span
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.report import OutputFormat, render
from mcpiam.engine.result import Note
from test_report_common import FINDINGS, assert_golden, sample_result

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_text_report_matches_golden() -> None:
    assert_golden("expected.txt", render(sample_result(), OutputFormat.TEXT))


def test_concise_report_matches_golden() -> None:
    assert_golden("expected-concise.txt", render(sample_result(), OutputFormat.CONCISE))


def test_verbose_text_report_matches_golden() -> None:
    assert_golden("expected-verbose.txt", render(sample_result(), OutputFormat.TEXT, verbose=True))


def test_concise_finding_line_is_path_line_column_severity_rule_message() -> None:
    lines = render(sample_result(), OutputFormat.CONCISE).splitlines()
    assert (
        '.mcp.json:10:14: high secret-in-url The URL of server "remote-api" carries a password and a query '
        "parameter api_key." in lines
    )


def test_related_locations_are_indented_under_their_finding() -> None:
    lines = render(sample_result(), OutputFormat.CONCISE).splitlines()
    start = next(i for i, line in enumerate(lines) if " shared-credential " in line)
    assert lines[start + 1] == "    related: .mcp.json:6:41 /mcpServers/github/env/GITHUB_PERSONAL_ACCESS_TOKEN"
    assert lines[start + 2] == "    related: ~/.cursor/mcp.json:6:16 /mcpServers/local/args/0"


def test_info_notes_only_when_verbose_and_warnings_always() -> None:
    quiet = render(sample_result(), OutputFormat.TEXT)
    verbose = render(sample_result(), OutputFormat.TEXT, verbose=True)
    assert "[bom]" not in quiet and "1 info note hidden (shown in verbose mode)" in quiet
    assert ".mcp.json:1:1: info [bom]" in verbose and "hidden" not in verbose
    assert "big/servers.json: warning [size-cap]" in quiet


def test_summary_counts_severities_configs_servers_and_failing() -> None:
    last = render(sample_result(), OutputFormat.TEXT).splitlines()[-1]
    assert last.startswith(
        "5 findings (1 critical, 2 high, 1 medium, 1 low) in 3 config files, 7 servers; fail-on: high (3 failing)"
    )


def test_no_findings_says_so() -> None:
    output = render(sample_result(findings=(), notes=()), OutputFormat.TEXT)
    assert output == "No findings in 3 config files, 7 servers; fail-on: high"


def test_summary_names_the_policy_and_allow_listed_findings() -> None:
    without = render(sample_result(findings=(), notes=(), policy=".mcpiam.yaml"), OutputFormat.TEXT)
    assert without == "No findings in 3 config files, 7 servers; fail-on: high; policy: .mcpiam.yaml"
    last = render(sample_result(notes=(), policy=".mcpiam.yaml", allowlisted=1), OutputFormat.TEXT).splitlines()[-1]
    assert last.endswith("(3 failing); policy: .mcpiam.yaml (1 finding allow-listed)")


def test_singular_wording() -> None:
    result = sample_result(findings=FINDINGS[:1], notes=(), configs=sample_result().configs[:1])
    assert render(result, OutputFormat.TEXT).splitlines()[-1] == (
        "1 finding (1 critical) in 1 config file, 3 servers; fail-on: high (1 failing)"
    )


def test_colour_only_when_asked_and_only_adds_styling() -> None:
    plain = render(sample_result(), OutputFormat.TEXT, verbose=True)
    coloured = render(sample_result(), OutputFormat.TEXT, verbose=True, color=True)
    assert "\x1b" not in plain
    assert "\x1b[1;35mcritical\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_control_and_bidi_characters_in_untrusted_text_are_escaped() -> None:
    hostile = Finding(
        rule_id="hardcoded-secret",
        severity=Severity.HIGH,
        message="Server \x1b[2Jevil\u202e named.",
        location=Location(path="evil\x1b]0;title\x07.json", span=Span(1, 1, 1, 2)),
    )
    note = Note(path="x\n.json", level="warning", code="size-cap", message="line\rbreak")
    result = sample_result(findings=(hostile,), notes=(note,))
    assert "\x1b[2J" not in render(result, OutputFormat.TEXT, color=True)
    output = render(result, OutputFormat.TEXT)
    assert "\x1b" not in output and "\x07" not in output and "\u202e" not in output and "\r" not in output
    assert "evil\\x1b]0;title\\x07.json:1:1:" in output
    assert "Server \\x1b[2Jevil\\u202e named." in output
    assert "x\\x0a.json: warning [size-cap] line\\x0dbreak" in output


def test_findings_in_files_without_a_config_get_a_plain_header() -> None:
    orphan = replace(FINDINGS[2], location=Location(path="other.json", span=Span(2, 3, 2, 9)))
    output = render(sample_result(findings=(orphan,), notes=()), OutputFormat.TEXT)
    assert output.splitlines()[0] == "other.json"
