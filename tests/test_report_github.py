"""GitHub annotations (``--format github`` and ``python -m mcpiam.report.github SARIF FAIL_ON``):
workflow commands for the findings at or above fail-on, escaped as GitHub's toolkit escapes
them, most severe first, capped at GitHub's per-step limit with a notice counting the rest, the
same from a scan result as from its SARIF file, and never a secret."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.core.findings import Severity
from mcpiam.report import OutputFormat, render
from mcpiam.report import github
from mcpiam.report.github import ANNOTATION_LIMIT, Annotation, annotation_lines, escape_data, escape_property
from mcpiam.secrets.families import expand_example
from test_report_common import sample_result

COMMAND = re.compile(r"^::(error|warning|notice) ?([^:]*)::(.*)$")


def unescape(text: str) -> str:
    """What the runner does to a property or message (actions/runner ``ActionCommand.Unescape``)."""
    for escaped, plain in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, plain)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """One workflow command as the runner reads it: the command, its properties, its message."""
    found = COMMAND.match(line)
    assert found, line
    properties = dict(part.split("=", 1) for part in found.group(2).split(",") if part)
    return found.group(1), {key: unescape(value) for key, value in properties.items()}, unescape(found.group(3))


def annotation(severity: Severity = Severity.HIGH, path: str = "a/.mcp.json", line: int = 3,
               message: str = "a finding", rule_id: str = "embedded-secret") -> Annotation:
    return Annotation(path, line, 7, line, 19, severity, rule_id, message)


def test_message_and_properties_escape_what_would_end_them() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("C:\\a,b%") == "C%3A\\a%2Cb%25"
    awkward = annotation(path="dir,with:odd%name/.mcp.json", message="50% of it:\nsecond line, here")
    [line] = annotation_lines([awkward], Severity.HIGH)
    assert "\n" not in line
    command, properties, message = parse(line)
    assert command == "error"
    assert properties == {"file": "dir,with:odd%name/.mcp.json", "line": "3", "col": "7", "endLine": "3",
                          "endColumn": "19", "title": "mcpiam embedded-secret (high)"}
    # The output gate shows a control character as an escape before GitHub's escaping applies.
    assert message == "50% of it:\\x0asecond line, here"


def test_only_findings_at_or_above_fail_on_most_severe_first() -> None:
    given = [annotation(Severity.MEDIUM, line=1), annotation(Severity.CRITICAL, line=9),
             annotation(Severity.HIGH, line=2), annotation(Severity.LOW, line=3)]
    lines = annotation_lines(given, Severity.HIGH)
    assert [parse(line)[1]["line"] for line in lines] == ["9", "2"]
    assert annotation_lines(given, Severity.CRITICAL) == lines[:1]
    assert annotation_lines([annotation(Severity.LOW)], Severity.HIGH) == []


def test_at_most_githubs_limit_then_one_notice_counting_the_rest() -> None:
    given = [annotation(line=n) for n in range(1, ANNOTATION_LIMIT + 4)]
    lines = annotation_lines(given, Severity.HIGH)
    assert ANNOTATION_LIMIT == 10  # "up to 10 warning annotations and 10 error annotations" per step
    assert [parse(line)[0] for line in lines] == ["error"] * ANNOTATION_LIMIT + ["notice"]
    assert parse(lines[-1])[2].startswith(f"{ANNOTATION_LIMIT + 3} findings at or above high")
    assert "3 more" in lines[-1]
    assert len(annotation_lines(given[:ANNOTATION_LIMIT], Severity.HIGH)) == ANNOTATION_LIMIT


def test_a_token_in_a_path_or_message_is_withheld() -> None:
    token = expand_example("ghp_{github_crc:30}")
    [line] = annotation_lines([annotation(path=f"{token}/.mcp.json", message=f"server {token} leaks")],
                              Severity.HIGH)
    assert token not in line and "***" in line


def test_a_scan_result_renders_its_failing_findings() -> None:
    result = sample_result()
    lines = render(result, OutputFormat.GITHUB).splitlines()
    failing = [f for f in result.findings if f.severity.rank >= result.fail_on.rank]
    assert failing and len(lines) == min(len(failing), ANNOTATION_LIMIT)
    everything = render(replace(result, fail_on=Severity.INFO), OutputFormat.GITHUB).splitlines()
    assert len([line for line in everything if line.startswith("::error")]) == min(len(result.findings),
                                                                                  ANNOTATION_LIMIT)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    token = expand_example("ghp_{github_crc:30}")
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "gh-mcp@1.0.0"], "env": {"GITHUB_TOKEN": token}},
        "tickets": {"url": "http://tickets.example.com/mcp"},
    }}, indent=2), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_sarif_file_and_the_scan_give_the_same_annotations(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scan", "-f", "github", "--fail-on", "medium", "--ignore", "missing-owner",
                 "--sarif-output", "out.sarif"]) == 1
    direct = capsys.readouterr().out
    assert direct.count("::error file=.cursor/mcp.json,line=") == 3
    assert github.main(["out.sarif", "medium"]) == 0
    assert capsys.readouterr().out == direct


def test_one_scan_writes_the_chosen_format_and_sarif(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scan", "-f", "json", "--ignore", "missing-owner", "--sarif-output", "out.sarif"]) == 1
    report = json.loads(capsys.readouterr().out)
    sarif = json.loads((project / "out.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == report["summary"]["findings"] == 3


@pytest.mark.parametrize(("content", "said"), [
    (None, "cannot read"), (b"{not json", "is not a SARIF file"), (b'{"runs": [{"results": [{}]}]}', "is not a SARIF file"),
])
def test_an_unreadable_or_foreign_sarif_file_is_exit_2_with_its_name(
        tmp_path: Path, capsys, content: bytes | None, said: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "in.sarif"
    if content is not None:
        path.write_bytes(content)
    assert github.main([str(path), "high"]) == 2
    error = capsys.readouterr().err
    assert said in error and "in.sarif" in error
    assert github.main([str(path), "severe"]) == 2 and "unknown severity" in capsys.readouterr().err
    assert github.main([str(path)]) == 2


def test_summary_frameworks_is_not_a_github_report(project: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scan", "-f", "github", "--summary", "frameworks"]) == 2
    assert "not github" in capsys.readouterr().err
