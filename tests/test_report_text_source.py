"""The full text report's source lines: the caret under the value, every credential on the line
masked whole, long lines cut around the caret, grouping under one location, and the width."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mcpiam.core.document import Span
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.report import OutputFormat, render
from mcpiam.report.text import shown_source_line
from mcpiam.secrets.families import expand_example

# A password no token family knows and the output gate alone would show (not token-shaped):
# only the scan's own verdict masks it. Built at run time, like every secret in the tests.
PASSWORD = "-".join(["hunter2", "correct", "horse"])
SNIPPET = re.compile(r"^\s*(\d+) \| (.*)$")


def snippet_lines(output: str) -> list[str]:
    """The source lines the report shows (``N | text``)."""
    return [match.group(2) for line in output.splitlines() if (match := SNIPPET.match(line))]


def carets(output: str) -> list[tuple[int, int]]:
    """(start, length) of every caret run, counted from the start of the snippet text."""
    found = []
    for line in output.splitlines():
        match = re.match(r"^(\s*\|) (\s*)(\^+)$", line)
        if match:
            found.append((len(match.group(2)), len(match.group(3))))
    return found


def write_config(root: Path, text: str, name: str = ".cursor/mcp.json") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scan_text(root: Path, width: int = 100, **settings: object) -> str:
    result = scan_paths([root], ScanSettings(**settings), root=root)
    return render(result, OutputFormat.TEXT, width=width)


def test_the_caret_sits_under_the_value_and_the_secret_is_masked_whole(tmp_path: Path) -> None:
    token = expand_example("ghp_{github_crc:30}")
    line = f'  "env": {{"GITHUB_TOKEN": "{token}", "DB_PASSWORD": "{PASSWORD}"}}'
    write_config(tmp_path, '{"mcpServers": {"gh": {"command": "npx",\n' + line + "}}}\n")
    output = scan_text(tmp_path)
    shown = snippet_lines(output)
    assert shown and all(PASSWORD not in text and token not in text for text in shown)
    # Never a part of it either: no four characters of either secret in any source line.
    for secret in (PASSWORD, token):
        pieces = {secret[i:i + 4] for i in range(len(secret) - 3)} - {"ghp_", '"GIT'}
        assert not any(piece in text for piece in pieces for text in shown)
    expected = '  "env": {"GITHUB_TOKEN": "***", "DB_PASSWORD": "***"}}}}'
    assert expected in shown
    # Each embedded-secret caret runs under its own "***", exactly.
    starts = {expected.index('"***"') + 1, expected.rindex('"***"') + 1}
    assert {start for start, length in carets(output) if length == 3} == starts


def test_a_line_is_shown_only_when_the_scan_looked_for_credentials(tmp_path: Path) -> None:
    write_config(tmp_path, f'{{"mcpServers": {{"db": {{"command": "db-mcp", "env": {{"DB_PASSWORD": "{PASSWORD}"}}}}}}}}\n')
    (tmp_path / ".mcpiam.yaml").write_text("owners: []\n", encoding="utf-8")  # missing-owner reports
    selected = scan_text(tmp_path, select=("missing-owner",))
    assert "missing-owner" in selected and snippet_lines(selected) == []
    assert PASSWORD not in selected
    # A rule that needs credentials ran, so their places are known even though the finding that
    # names the password is not reported: the line shows, the password masked.
    ignored = scan_text(tmp_path, ignore=("embedded-secret",))
    assert any("***" in text for text in snippet_lines(ignored))
    assert PASSWORD not in ignored


def test_a_suppressed_secret_is_still_masked_on_another_findings_line(tmp_path: Path) -> None:
    write_config(tmp_path, '{"mcpServers": {"db": {"command": "npx", "args": ["-y", "db-mcp"], '
                           f'"env": {{"DB_PASSWORD": "{PASSWORD}"}}}}}}}}\n')
    (tmp_path / ".mcpiam.yaml").write_text("owners: []\n", encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(ignore=("embedded-secret",)), root=tmp_path)
    assert {f.rule_id for f in result.findings} >= {"unpinned-server"}
    output = render(result, OutputFormat.TEXT)
    assert PASSWORD not in output and '"DB_PASSWORD": "***"' in output


def test_long_lines_are_cut_around_the_caret_to_the_width(tmp_path: Path) -> None:
    filler = ", ".join(f'"ARG_{n}": "value-{n}"' for n in range(30))
    write_config(tmp_path, '{"mcpServers": {"web": {"env": {' + filler + '}, '
                           '"url": "http://mcp.example.com/mcp"}}}\n')
    for width in (60, 100, 160):
        output = scan_text(tmp_path, width=width, select=("insecure-transport", "embedded-secret"))
        assert all(len(line) <= width for line in output.splitlines()
                   if SNIPPET.match(line) or re.match(r"^\s*\|", line))
        shown = next(text for text in snippet_lines(output) if "http://" in text)
        assert shown.startswith("…")  # cut on the left; the value is near the line's end
        start, length = next((s, n) for s, n in carets(output) if n > 3)
        assert shown[start:start + length] == '"http://mcp.example.com/mcp"'


def test_tabs_and_wide_indents_keep_the_caret_aligned() -> None:
    text = '\t\t"url": "http://x.example/mcp"'
    shown, starts, ends = shown_source_line(text, [])
    column = text.index("http")
    assert shown[starts[column]:starts[column] + 4] == "http"
    assert shown.startswith("        ")  # two tabs, four spaces each


def test_a_secret_going_on_to_the_next_line_is_masked_to_the_end_of_this_one() -> None:
    text = 'key: "begin-of-a-long-secret'
    shown, starts, _ = shown_source_line(text, [(5, None)])
    assert shown == "key: ***"


def test_an_escape_or_withheld_word_maps_every_character_to_its_replacement() -> None:
    token = expand_example("ghp_{github_crc:30}")
    text = f'x\x1b"{token}" y'
    shown, starts, ends = shown_source_line(text, [])
    assert shown == 'x\\x1b"***" y'
    at = text.index(token)
    assert (starts[at], ends[at + len(token) - 1]) == (shown.index("***"), shown.index("***") + 3)


def test_several_rules_at_one_value_share_its_location_and_source_line(tmp_path: Path) -> None:
    token = expand_example("ghp_{github_crc:30}")
    write_config(tmp_path, json.dumps({"mcpServers": {"gh": {"command": "npx", "args": ["-y", "gh-mcp@1.0.0"],
                                                             "env": {"GITHUB_TOKEN": token}}}}, indent=2))
    output = scan_text(tmp_path)
    block = output.split(": critical embedded-secret [", 1)[1].split("\n\n", 1)[0]
    assert "\n  + high unscoped-token [" in block
    assert len(snippet_lines(block)) == 1


def test_each_finding_says_what_to_type_next(tmp_path: Path) -> None:
    token = expand_example("ghp_{github_crc:30}")
    write_config(tmp_path, json.dumps({"mcpServers": {"gh": {"command": "npx", "env": {"GITHUB_TOKEN": token}}}}))
    result = scan_paths([tmp_path], ScanSettings(), root=tmp_path)
    output = render(result, OutputFormat.TEXT)
    for finding in result.findings:
        assert f"{finding.location.path}:{finding.location.span.start_line}:" in output
        assert f"[{finding.fingerprint[:8]}]" in output
        assert f"  = see: mcpiam explain {finding.rule_id}" in output
    assert "  = help: Reference it instead as ${env:GITHUB_TOKEN}" in output


def test_the_concise_form_is_one_line_per_finding_with_its_remedy(tmp_path: Path) -> None:
    token = expand_example("ghp_{github_crc:30}")
    write_config(tmp_path, json.dumps({"mcpServers": {"gh": {"command": "npx", "env": {"GITHUB_TOKEN": token}}}}))
    result = scan_paths([tmp_path], ScanSettings(), root=tmp_path)
    lines = render(result, OutputFormat.CONCISE).splitlines()
    first = next(line for line in lines if " embedded-secret " in line)
    assert first.startswith(".cursor/mcp.json:1:") and first.endswith("and keep the value in a secret store.")
    assert "${env:GITHUB_TOKEN}" in first
    assert not any(SNIPPET.match(line) for line in lines)


@pytest.mark.parametrize("span, caret", [
    (Span(1, 1, 1, 1), (0, 1)),  # an empty value: one caret
    (Span(1, 4, 2, 3), (3, 3)),  # goes on to the next line: to the end of this one
    (Span(1, 99, 1, 120), (6, 1)),  # past the end (a value at the end of a file): after the text
])
def test_the_caret_is_at_least_one_character_wide(span: Span, caret: tuple[int, int]) -> None:
    from mcpiam.report.text import _caret_range

    shown, starts, ends = shown_source_line("abcdef", [])
    begin, finish = _caret_range(span, 1, 6, starts, ends)
    assert (begin, finish - begin) == caret


def test_a_word_the_window_would_cut_is_judged_whole_or_left_out() -> None:
    from mcpiam.report.text import _snippet

    for length in (60, 400):  # reachable from the window's edge, and too long to reach
        word = ("Ab3" * length)[:length]  # token-shaped: the gate withholds it whole
        text = "x " + word + " " * 20 + '"http://mcp.example.com/mcp"'
        column = text.index('"http') + 1
        lines = _snippet([text], Span(1, column, 1, column + 28), [], 60, "", False)
        shown = lines[0]
        assert not any(word[i:i + 6] in shown for i in range(len(word) - 5))
        assert '"http://mcp.example.com/mcp"' in shown


def test_many_findings_on_one_long_line_each_show_a_short_window(tmp_path: Path) -> None:
    servers = {f"s{n}": {"command": "npx", "args": ["-y", f"pkg-{n}"]} for n in range(2000)}
    write_config(tmp_path, json.dumps({"mcpServers": servers}))
    output = scan_text(tmp_path, width=80, select=("unpinned-server", "embedded-secret"))
    shown = snippet_lines(output)
    assert len(shown) == 2000 and all(len(text) <= 80 for text in shown)
    assert all('"pkg-' in text for text in shown)
