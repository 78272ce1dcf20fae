"""The command line's manners: colour and width decisions, the summary on standard error with
``-o``, progress on a terminal, "did you mean", help text, ``--suggest-allowlist`` and the
missing-owner summary without a policy file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import click
import jsonschema
import pytest

from mcpiam.cli import main as cli_module
from mcpiam.cli.main import cli, main
from mcpiam.cli.progress import ProgressLine
from mcpiam.cli.terminal import UNKNOWN_WIDTH, colour_wanted, output_width
from mcpiam.secrets.families import expand_example

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = json.loads((ROOT / "testdata" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two servers without owners (no policy file), one of them with a literal token."""
    token = expand_example("ghp_{github_crc:30}")
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {
        "gh": {"command": "npx", "args": ["-y", "gh-mcp@1.0.0"], "env": {"GITHUB_TOKEN": token}},
        "docs": {"command": "npx", "args": ["-y", "docs-mcp@2.0.0"]}}}, indent=2), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- colour and width --------------------------------------------------------------------------


@pytest.mark.parametrize("choice, environ, terminal, to_file, expected", [
    ("auto", {}, True, False, True),
    ("auto", {}, False, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False, False),
    ("auto", {"NO_COLOR": ""}, True, False, True),  # empty: not set (no-color.org)
    ("auto", {"FORCE_COLOR": "1"}, False, False, True),
    ("auto", {"FORCE_COLOR": ""}, False, False, False),
    ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False, True),  # force-color.org's order
    ("auto", {"FORCE_COLOR": "1"}, True, True, False),  # a report file gets no colour from the env
    ("never", {"FORCE_COLOR": "1"}, True, False, False),
    ("always", {"NO_COLOR": "1"}, False, True, True),
])
def test_colour_decision(choice: str, environ: dict, terminal: bool, to_file: bool, expected: bool) -> None:
    stream = Terminal() if terminal else io.StringIO()
    assert colour_wanted(choice, stream, environ, to_file=to_file) is expected


def test_width_is_columns_then_the_terminal_and_100_off_a_terminal() -> None:
    assert output_width(Terminal(), {"COLUMNS": "72"}) == 72
    assert output_width(Terminal(), {"COLUMNS": "wide"}) == UNKNOWN_WIDTH  # StringIO: no size to ask
    assert output_width(io.StringIO(), {"COLUMNS": "72"}) == UNKNOWN_WIDTH  # a pipe: always 100
    assert output_width(io.StringIO(), {}) == UNKNOWN_WIDTH


def test_force_color_colours_a_piped_report_and_no_color_does_not(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(capsys, "scan")[1]
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "scan", "--color", "auto")[1]


def test_a_piped_report_is_the_full_form_at_width_100_without_colour(project: Path, capsys) -> None:
    out = run(capsys, "scan")[1]
    assert "\x1b" not in out and "  = see: mcpiam explain embedded-secret" in out
    assert max(len(line) for line in out.splitlines()[:-1]) <= 100


# --- standard error: the summary with -o, progress ---------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_the_summary_goes_to_stderr_when_the_report_goes_to_a_file(project: Path, capsys, fmt: str) -> None:
    code, out, err = run(capsys, "scan", "--format", fmt, "-o", "report.out")
    assert code == 1 and out == ""
    assert err.startswith("mcpiam: 2 findings (1 critical, 1 high) in 1 config file, 2 servers")
    assert err.rstrip().endswith("; written to report.out")
    assert (project / "report.out").stat().st_size > 0


def test_no_summary_on_stderr_when_the_report_is_on_stdout(project: Path, capsys) -> None:
    assert run(capsys, "scan")[2] == ""


def test_progress_waits_a_second_then_rewrites_one_line_and_clears_it() -> None:
    now = [100.0]
    stream = Terminal()
    progress = ProgressLine(stream, 30, clock=lambda: now[0])
    progress("reading 1/9 files")
    assert stream.getvalue() == ""  # under a second: nothing
    now[0] += 1.5
    progress("reading 5/9 files")
    progress("checking 9 config files in a very long folder name")
    assert stream.getvalue() == "\r\x1b[2Kmcpiam: reading 5/9 files\r\x1b[2Kmcpiam: checking 9 config fil"
    progress.finish()
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_progress_only_when_stderr_is_a_terminal(monkeypatch) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert cli_module._progress() is None
    monkeypatch.setattr("sys.stderr", Terminal())
    assert isinstance(cli_module._progress(), ProgressLine)


def test_a_scan_on_a_terminal_reports_progress_after_a_second(project: Path, monkeypatch) -> None:
    stderr = Terminal()
    monkeypatch.setattr("sys.stderr", stderr)
    # The second is injected away: the decision to show progress is what is under test.
    monkeypatch.setattr(cli_module, "_progress", lambda: ProgressLine(stderr, 80, delay=0.0))
    main(["scan", "-o", str(project / "r.txt")])
    written = stderr.getvalue()
    assert "mcpiam: reading 1/1 files" in written and "\r\x1b[2K" in written


# --- did you mean, help ------------------------------------------------------------------------


@pytest.mark.parametrize("args, suggestion", [
    (["scan", "--format", "jsn"], "did you mean 'json'?"),
    (["scan", "--format", "consise"], "did you mean 'concise'?"),
    (["scan", "--select", "embeded-secret"], "did you mean 'embedded-secret'?"),
    (["scan", "--ignore", "missing-ownr"], "did you mean 'missing-owner'?"),
    (["explain", "insecure-transprt"], "did you mean 'insecure-transport'?"),
    (["inventory", "--format", "cvs"], "did you mean 'csv'?"),
    (["scan", "--fail-on", "hihg"], "did you mean 'high'?"),
])
def test_did_you_mean(project: Path, capsys, args: list[str], suggestion: str) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2 and suggestion in err


def test_no_suggestion_when_nothing_is_close(project: Path, capsys) -> None:
    code, _, err = run(capsys, "scan", "--format", "xml")
    assert code == 2 and "did you mean" not in err


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_environment_variable_is_shown_in_help(capsys) -> None:
    shown = 0
    for path, command in _commands(cli):
        if command.hidden:
            continue
        code, out, _ = run(capsys, *path, "--help")
        assert code == 0
        text = " ".join(out.split())
        for param in command.params:
            if isinstance(param, click.Option) and param.envvar:
                assert f"env var: {param.envvar}" in text, (path, param.name)
                shown += 1
    assert shown > 30


def test_the_command_list_shows_full_descriptions(capsys) -> None:
    code, out, _ = run(capsys, "--help")
    listing = " ".join(out.split("Commands:", 1)[1].split())
    assert code == 0 and "..." not in listing
    assert "Record the findings a repository already has, so that scans report only new ones." in listing


# --- --suggest-allowlist -----------------------------------------------------------------------


def test_suggested_allowlist_loads_once_each_reason_is_written(project: Path, capsys) -> None:
    code, snippet, _ = run(capsys, "scan", "--suggest-allowlist")
    assert code == 1  # the exit code is the scan's, as with --summary
    assert snippet.count('reason: ""') == 2 and "allowlist:" in snippet
    policy = project / ".mcpiam.yaml"
    policy.write_text(snippet, encoding="utf-8")
    code, _, err = run(capsys, "policy", "check", str(policy))
    assert code == 2 and "reason" in err  # an empty reason is refused: nothing accepted unexplained
    policy.write_text(snippet.replace('reason: ""', 'reason: "test fixture"'), encoding="utf-8")
    code, out, _ = run(capsys, "policy", "check", str(policy))
    assert code == 0 and "2 allow-listed findings" in out
    code, out, _ = run(capsys, "scan")
    assert code == 0 and "2 findings allow-listed" in out


def test_suggested_allowlist_names_a_path_only_when_the_policy_can_use_it(project: Path, capsys) -> None:
    snippet = run(capsys, "scan", "--suggest-allowlist")[1]
    assert 'path: ".cursor/mcp.json"' in snippet and 'rule: "embedded-secret"' in snippet


# --- missing-owner without a policy file -------------------------------------------------------

SUMMARY = "2 servers have no owner; `mcpiam policy init --from-scan` writes a starter registry"


def test_without_a_policy_unowned_servers_are_one_line(project: Path, capsys) -> None:
    out = run(capsys, "scan")[1]
    assert SUMMARY in out and " missing-owner [" not in out


def test_selected_by_name_or_with_a_policy_each_server_is_a_finding(project: Path, capsys) -> None:
    out = run(capsys, "scan", "--select", "missing-owner", "--format", "concise")[1]
    assert out.count(" medium missing-owner ") == 2 and SUMMARY not in out
    assert "`mcpiam policy init --from-scan` writes a starter registry." in out
    (project / ".mcpiam.yaml").write_text("owners: []\n", encoding="utf-8")
    out = run(capsys, "scan", "--format", "concise")[1]
    assert out.count(" medium missing-owner ") == 2 and SUMMARY not in out


def test_json_and_sarif_carry_the_same_summary_note(project: Path, capsys) -> None:
    report = json.loads(run(capsys, "scan", "--format", "json")[1])
    jsonschema.validate(report, json.loads((ROOT / "scanner/mcpiam/report/json-report.schema.json").read_text("utf-8")))
    assert not [f for f in report["findings"] if f["rule_id"] == "missing-owner"]
    notes = [n for n in report["notes"] if n["code"] == "unowned-servers"]
    assert [n["message"].split(" (")[0] for n in notes] == [SUMMARY] and notes[0]["path"] == ""
    log = json.loads(run(capsys, "scan", "--format", "sarif")[1])
    jsonschema.validate(log, SARIF_SCHEMA)
    notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    unowned = [n for n in notifications if n["descriptor"]["id"] == "unowned-servers"]
    assert len(unowned) == 1 and "locations" not in unowned[0]
