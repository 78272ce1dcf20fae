"""Inline suppressions, the fingerprint list and baselines, in every format mcpiam reads.

Secrets are fake GitHub tokens built at test time from the token-family example language; no
test prints or stores one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from mcpiam.triage.baseline import BaselineError, load
from mcpiam.cli.main import main
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example
from mcpiam.model.suppressions import parse_directive
from mcpiam.triage.apply import TriageSettings

ROOT = Path(__file__).resolve().parents[1]
REPORT_SCHEMA = json.loads((ROOT / "scanner/mcpiam/report/json-report.schema.json").read_text(encoding="utf-8"))
SECRET = expand_example("ghp_{github_crc:30}")
OTHER_SECRET = expand_example("x{<}ghp_{github_crc:30}{>}")[1:]
RULES = ("embedded-secret", "suppression-without-reason")


@dataclass(frozen=True)
class Format:
    name: str
    path: str
    template: str  # {above} is a line of its own before the secret's line; {after} ends that line
    comment: str  # how a comment starts in this format

    def text(self, secret: str = SECRET, above: str = "", after: str = "", padding: int = 0) -> str:
        above_line = f"{above}\n" if above else ""
        body = self.template.format(secret=secret, above=above_line, after=f" {after}" if after else "")
        return "\n" * padding + body if self.name != "toml" else "# padding\n" * padding + body


FORMATS = [
    Format("json", ".cursor/mcp.json",
           '{{\n  "mcpServers": {{\n    "github": {{\n      "command": "npx",\n      "env": {{\n'
           '{above}        "GITHUB_TOKEN": "{secret}"{after}\n      }}\n    }}\n  }}\n}}\n', "//"),
    Format("jsonc", ".vscode/mcp.json",
           '{{\n  // servers for this workspace\n  "servers": {{\n    "github": {{\n      "command": "npx",\n'
           '      "env": {{\n{above}        "GITHUB_TOKEN": "{secret}"{after}\n      }}\n    }}\n  }}\n}}\n', "//"),
    Format("yaml", ".continue/mcpServers/github.yaml",
           "name: github\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: github\n    command: npx\n"
           "    env:\n{above}      GITHUB_TOKEN: {secret}{after}\n", "#"),
    Format("toml", ".codex/config.toml",
           '[mcp_servers.github]\ncommand = "npx"\n{above}env = {{ GITHUB_TOKEN = "{secret}" }}{after}\n', "#"),
]
COMMENT_FORMATS = [f for f in FORMATS if f.name != "json"]
BY_NAME = {f.name: f for f in FORMATS}


def write(root: Path, fmt: Format, text: str) -> Path:
    path = root / fmt.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scan(root: Path, **triage) -> tuple:
    result = scan_paths([root], ScanSettings(select=RULES, triage=TriageSettings(**triage)), root=root)
    return [(f.rule_id, f.location.span.start_line) for f in result.findings], result


# --- inline suppressions --------------------------------------------------------------------------


def test_directive_parsing() -> None:
    assert parse_directive("# mcpiam: ignore[embedded-secret] test fixture") == (("embedded-secret",), "test fixture")
    assert parse_directive("/* mcpiam: ignore[a, b] - why */") == (("a", "b"), "why")
    assert parse_directive("// mcpiam:ignore[a]") == (("a",), "")
    assert parse_directive("# mcpiam ignore a") is None


@pytest.mark.parametrize("fmt", COMMENT_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("placement", ["after", "above"])
def test_a_directive_with_a_reason_suppresses_the_finding(tmp_path: Path, fmt: Format, placement: str) -> None:
    directive = f"{fmt.comment} mcpiam: ignore[embedded-secret] rotated test token, see SEC-7"
    write(tmp_path, fmt, fmt.text(**{placement: directive}))
    findings, result = scan(tmp_path)
    assert findings == []
    [suppressed] = result.triage.suppressed
    assert (suppressed.finding.rule_id, suppressed.source) == ("embedded-secret", "inline")
    assert suppressed.reason == "rotated test token, see SEC-7"
    # --no-ignores shows everything for audits.
    findings, result = scan(tmp_path, inline_ignores=False)
    assert [rule for rule, _ in findings] == ["embedded-secret"]
    assert result.triage.suppressed == ()


@pytest.mark.parametrize("fmt", COMMENT_FORMATS, ids=lambda f: f.name)
def test_a_directive_without_a_reason_is_reported_and_not_applied(tmp_path: Path, fmt: Format) -> None:
    write(tmp_path, fmt, fmt.text(above=f"{fmt.comment} mcpiam: ignore[embedded-secret]"))
    findings, result = scan(tmp_path)
    secret_line = next(line for rule, line in findings if rule == "embedded-secret")
    assert ("suppression-without-reason", secret_line - 1) in findings
    assert result.triage.suppressed == ()


@pytest.mark.parametrize("fmt", COMMENT_FORMATS, ids=lambda f: f.name)
def test_a_directive_for_another_rule_or_another_line_does_not_apply(tmp_path: Path, fmt: Format) -> None:
    write(tmp_path, fmt, fmt.text(above=f"{fmt.comment} mcpiam: ignore[insecure-transport] not this one"))
    assert [rule for rule, _ in scan(tmp_path)[0]] == ["embedded-secret"]
    # A blank line between the comment and the value breaks the link.
    write(tmp_path, fmt, fmt.text(above=f"{fmt.comment} mcpiam: ignore[embedded-secret] reason\n"))
    assert [rule for rule, _ in scan(tmp_path)[0]] == ["embedded-secret"]


def test_a_directive_covers_the_value_below_a_run_of_comment_lines(tmp_path: Path) -> None:
    fmt = BY_NAME["yaml"]
    write(tmp_path, fmt, fmt.text(above="      # mcpiam: ignore[embedded-secret] fixture\n      # owner: platform"))
    assert scan(tmp_path)[0] == []


def test_a_trailing_directive_covers_only_its_own_line(tmp_path: Path) -> None:
    fmt = BY_NAME["jsonc"]
    text = fmt.text(above='        "DEBUG": "1", // mcpiam: ignore[embedded-secret] for the line above only')
    write(tmp_path, fmt, text)
    assert [rule for rule, _ in scan(tmp_path)[0]] == ["embedded-secret"]


def test_plain_json_is_suppressed_through_the_fingerprint_list(tmp_path: Path) -> None:
    fmt = BY_NAME["json"]
    write(tmp_path, fmt, fmt.text())
    findings, result = scan(tmp_path)
    [finding] = result.findings
    findings, result = scan(tmp_path, allowed_fingerprints=((finding.fingerprint, "accepted in SEC-9"),))
    assert findings == []
    [suppressed] = result.triage.suppressed
    assert (suppressed.source, suppressed.reason) == ("policy", "accepted in SEC-9")
    assert scan(tmp_path, inline_ignores=False,
                allowed_fingerprints=((finding.fingerprint, "accepted"),))[0] == findings_of(finding)


def findings_of(finding) -> list[tuple[str, int]]:
    return [(finding.rule_id, finding.location.span.start_line)]


def test_suppressions_appear_in_the_json_report(tmp_path: Path, capsys, monkeypatch) -> None:
    fmt = BY_NAME["yaml"]
    write(tmp_path, fmt, fmt.text(after="# mcpiam: ignore[embedded-secret] fixture"))
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "--format", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["triage"]["suppressed"] == 1
    assert report["triage"]["suppressions"][0]["reason"] == "fixture"
    assert all(f["rule_id"] != "embedded-secret" for f in report["findings"])
    assert SECRET not in json.dumps(report)


# --- baselines -------------------------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_a_baselined_finding_stays_hidden_after_a_line_shift(tmp_path: Path, fmt: Format, capsys,
                                                              monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, fmt, fmt.text())
    selected = ["--select", ",".join(RULES)]
    assert run(capsys, "scan", *selected)[0] == 1
    code, out, _ = run(capsys, "baseline", "create", *selected)
    assert code == 0 and "1 finding(s) recorded" in out
    baseline_text = (tmp_path / ".mcpiam-baseline.json").read_text(encoding="utf-8")
    assert SECRET not in baseline_text and '"line"' not in baseline_text

    write(tmp_path, fmt, fmt.text(padding=3))  # every line moves down by three
    code, out, _ = run(capsys, "scan", *selected, "--baseline", ".mcpiam-baseline.json")
    assert code == 0, out
    assert "No findings" in out and "1 baselined" in out

    # A new secret in the same file is reported; the baselined one is not.
    write(tmp_path, fmt, fmt.text(secret=OTHER_SECRET, padding=3))
    code, out, _ = run(capsys, "scan", *selected, "--baseline", ".mcpiam-baseline.json", "--format", "json")
    report = json.loads(out)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert code == 1
    assert [f["rule_id"] for f in report["findings"]] == ["embedded-secret"]
    assert report["triage"]["baselined"] == 0
    # The old secret is gone: its entry is stale, and update drops it and records the new one.
    assert [e["path"] for e in report["triage"]["stale_baseline_entries"]] == [fmt.path]
    code, out, _ = run(capsys, "baseline", "update", *selected)
    assert code == 0 and "1 added, 1 stale removed, 0 kept" in out
    assert run(capsys, "scan", *selected, "--baseline", ".mcpiam-baseline.json")[0] == 0


def test_baseline_paths_are_relative_to_the_baseline_file(tmp_path: Path, capsys, monkeypatch) -> None:
    fmt = BY_NAME["yaml"]
    write(tmp_path, fmt, fmt.text())
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "baseline", "create", "--select", ",".join(RULES))[0] == 0
    monkeypatch.chdir(tmp_path / ".continue")
    code, out, _ = run(capsys, "scan", "--select", ",".join(RULES), "--baseline", "../.mcpiam-baseline.json")
    assert code == 0 and "1 baselined" in out


def test_entries_for_files_not_scanned_are_not_stale(tmp_path: Path, capsys, monkeypatch) -> None:
    for fmt in (BY_NAME["yaml"], BY_NAME["toml"]):
        write(tmp_path, fmt, fmt.text())
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "baseline", "create", "--select", ",".join(RULES))[0] == 0
    entries = load(tmp_path / ".mcpiam-baseline.json").entries
    assert sorted(e.path for e in entries) == sorted([BY_NAME["yaml"].path, BY_NAME["toml"].path])
    # As a pre-commit hook does: one file named on the command line.
    code, out, _ = run(capsys, "scan", "--select", ",".join(RULES), "--baseline", ".mcpiam-baseline.json",
                       BY_NAME["toml"].path)
    assert code == 0 and "stale" not in out


def test_a_baseline_made_with_another_fingerprint_key_is_flagged(tmp_path: Path, capsys, monkeypatch) -> None:
    fmt = BY_NAME["toml"]
    write(tmp_path, fmt, fmt.text())
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "baseline", "create", "--select", ",".join(RULES))[0] == 0
    code, out, _ = run(capsys, "scan", "--select", ",".join(RULES), "--baseline", ".mcpiam-baseline.json",
                       "--fingerprint-key", "another-key")
    assert code == 1 and "different fingerprint key" in out


def test_baseline_errors_are_usage_errors(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "scan", "--baseline", "missing.json")
    assert code == 2 and "no such file" in err
    (tmp_path / "bad.json").write_text('{"tool": "other"}', encoding="utf-8")
    code, _, err = run(capsys, "scan", "--baseline", "bad.json")
    assert code == 2 and "not an mcpiam baseline" in err
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(BaselineError, match="not a JSON baseline"):
        load(tmp_path / "broken.json")
    (tmp_path / ".mcpiam-baseline.json").write_text("{}", encoding="utf-8")
    code, _, err = run(capsys, "baseline", "create")
    assert code == 2 and "exists" in err
    assert run(capsys, "baseline", "create", "--force")[0] == 0


def test_baseline_output_is_stable(tmp_path: Path, capsys, monkeypatch) -> None:
    for fmt in FORMATS:
        write(tmp_path, fmt, fmt.text())
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "baseline", "create")[0] == 0
    first = (tmp_path / ".mcpiam-baseline.json").read_bytes()
    code, out, _ = run(capsys, "baseline", "update")
    assert code == 0 and " 0 added, 0 stale removed" in out
    assert (tmp_path / ".mcpiam-baseline.json").read_bytes() == first


# --- selection and exit codes ----------------------------------------------------------------------


def test_select_ignore_and_exit_zero(tmp_path: Path, capsys, monkeypatch) -> None:
    fmt = BY_NAME["json"]
    write(tmp_path, fmt, fmt.text())
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "scan", "--select", "embedded-secret")[0] == 1
    assert run(capsys, "scan", "--select", "insecure-transport")[0] == 0
    assert run(capsys, "scan", "--ignore", "embedded-secret", "--ignore", "unscoped-token")[0] == 0
    code, _, err = run(capsys, "scan", "--select", "no-such-rule")
    assert code == 2 and "unknown rule no-such-rule" in err
    assert run(capsys, "scan", "--exit-zero")[0] == 0
    monkeypatch.setenv("MCPIAM_SELECT", "insecure-transport config-parse-error")
    assert run(capsys, "scan")[0] == 0
    monkeypatch.delenv("MCPIAM_SELECT")
    monkeypatch.setenv("MCPIAM_IGNORE", "nonsense")
    assert run(capsys, "scan")[0] == 2
    monkeypatch.delenv("MCPIAM_IGNORE")
    monkeypatch.setenv("MCPIAM_EXIT_ZERO", "1")
    assert run(capsys, "scan")[0] == 0
    monkeypatch.setenv("MCPIAM_EXIT_ZERO", "0")
    assert run(capsys, "scan")[0] == 1


def test_baseline_and_no_ignores_from_the_environment(tmp_path: Path, capsys, monkeypatch) -> None:
    fmt = BY_NAME["toml"]
    write(tmp_path, fmt, fmt.text(after="# mcpiam: ignore[embedded-secret] fixture"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCPIAM_SELECT", ",".join(RULES))
    assert run(capsys, "scan")[0] == 0
    monkeypatch.setenv("MCPIAM_NO_IGNORES", "1")
    code, out, _ = run(capsys, "scan")
    assert code == 1 and "suppressions off" in out
    assert run(capsys, "baseline", "create")[0] == 0  # with ignores off: the finding is recorded
    monkeypatch.setenv("MCPIAM_BASELINE", ".mcpiam-baseline.json")
    code, out, _ = run(capsys, "scan")
    assert code == 0 and "1 baselined" in out


def test_the_policy_files_allowlist_suppresses_plain_json_and_no_ignores_shows_it(
        tmp_path: Path, capsys, monkeypatch) -> None:
    fmt = BY_NAME["json"]
    write(tmp_path, fmt, fmt.text())
    monkeypatch.chdir(tmp_path)
    main(["scan", "--format", "json", "--select", "embedded-secret"])
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    (tmp_path / ".mcpiam.yaml").write_text(
        f"allowlist:\n  - fingerprint: {finding['fingerprint']}\n    reason: rotated, SEC-9\n",
        encoding="utf-8")
    assert main(["scan", "--format", "json", "--select", "embedded-secret"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == [] and report["summary"]["allowlisted"] == 1
    assert report["triage"]["suppressions"][0]["reason"] == "rotated, SEC-9"
    assert main(["scan", "--format", "json", "--select", "embedded-secret", "--no-ignores"]) == 1
    assert len(json.loads(capsys.readouterr().out)["findings"]) == 1


# --- unused allow-list entries -------------------------------------------------------------------

GONE = "0123456789abcdef" * 2  # fingerprints no finding has; shaped as a policy requires
GONE_TOO = "fedcba9876543210" * 2
ELSEWHERE = "00112233445566778899aabbccddeeff"


def _allowlist_repo(root: Path, extra_entries: str = "") -> str:
    """A plain JSON config with one secret, and a policy whose first entry accepts it; returns the
    accepted finding's fingerprint."""
    fmt = BY_NAME["json"]
    write(root, fmt, fmt.text())
    result = scan_paths([root], ScanSettings(select=("embedded-secret",)), root=root)
    [finding] = result.findings
    (root / ".mcpiam.yaml").write_text(
        "allowlist:\n"
        f"  - fingerprint: {finding.fingerprint}\n    reason: rotated, SEC-9\n"  # line 2: used
        f"  - fingerprint: {GONE}\n    reason: fixed in SEC-10\n    rule: embedded-secret\n"  # line 4
        f"  - {{fingerprint: {GONE_TOO}, reason: old, path: ./.cursor/mcp.json}}\n"  # line 7
        f"  - {{fingerprint: {ELSEWHERE}, reason: another file, path: services/mcp.json}}\n"  # line 8: not read
        + extra_entries, encoding="utf-8")
    return finding.fingerprint


def _unused(result) -> list[tuple[str, int, int]]:
    return [(n.path, n.span.start_line, n.span.start_column) for n in result.notes
            if n.code == "unused-allowlist-entry"]


def test_an_allowlist_entry_that_matches_no_finding_is_a_warning_at_the_entry(tmp_path: Path) -> None:
    used = _allowlist_repo(tmp_path, f"  - {{fingerprint: {'ab' * 16}, reason: names neither}}\n")  # line 9
    result = scan_paths([tmp_path], ScanSettings(), root=tmp_path)
    assert _unused(result) == [(".mcpiam.yaml", 4, 5), (".mcpiam.yaml", 7, 5), (".mcpiam.yaml", 9, 5)]
    notes = {n.span.start_line: n for n in result.notes if n.code == "unused-allowlist-entry"}
    assert notes[4].level == "warning"
    assert notes[4].message.startswith("allowlist[1] (rule embedded-secret) matches no finding in this scan")
    assert notes[7].message.startswith("allowlist[2] (path .cursor/mcp.json) matches no finding")
    assert notes[9].message.startswith("allowlist[4] matches no finding")
    # The entry for a file this scan did not read is not judged; the used entry still applies.
    assert result.allowlisted == 1 and "embedded-secret" not in [f.rule_id for f in result.findings]
    everything = "".join(n.message for n in result.notes)
    assert used not in everything and GONE not in everything and SECRET not in everything


def test_a_broken_file_cannot_vouch_that_an_entrys_finding_is_gone(tmp_path: Path) -> None:
    _allowlist_repo(tmp_path, f"  - {{fingerprint: {'ab' * 16}, reason: names neither}}\n")  # line 9
    assert _unused(scan_paths([tmp_path], ScanSettings(), root=tmp_path))  # judged while it parses
    config = tmp_path / ".cursor" / "mcp.json"
    config.write_text(config.read_text(encoding="utf-8").rstrip().rstrip("}") + ",\n", encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(), root=tmp_path)
    assert "config-parse-error" in [f.rule_id for f in result.findings]
    # Its entry (line 7) and the entries naming no file (lines 4, 9) wait until it parses again.
    assert _unused(result) == []


def test_unused_allowlist_entries_reach_every_format_without_fingerprints_or_secrets(
        tmp_path: Path, capsys, monkeypatch) -> None:
    _allowlist_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["scan", "--select", "embedded-secret"]) == 0  # a note never fails a scan
    assert "[unused-allowlist-entry] allowlist[1]" in capsys.readouterr().out
    main(["scan"])
    text = capsys.readouterr().out
    assert ".mcpiam.yaml:4:5: warning [unused-allowlist-entry] allowlist[1] (rule embedded-secret)" in text
    assert ".mcpiam.yaml:7:5: warning [unused-allowlist-entry] allowlist[2]" in text
    main(["scan", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert [(n["path"], n["line"], n["column"], n["end_line"]) for n in report["notes"]
            if n["code"] == "unused-allowlist-entry"] == [(".mcpiam.yaml", 4, 5, 6), (".mcpiam.yaml", 7, 5, 7)]
    main(["scan", "--format", "sarif"])
    sarif_text = capsys.readouterr().out
    notifications = json.loads(sarif_text)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    regions = [(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                n["locations"][0]["physicalLocation"]["region"]["startLine"])
               for n in notifications if n["descriptor"]["id"] == "unused-allowlist-entry"]
    assert regions == [(".mcpiam.yaml", 4), (".mcpiam.yaml", 7)]
    for output in (text, json.dumps(report), sarif_text):
        assert GONE not in output and GONE_TOO not in output and SECRET not in output


@pytest.mark.parametrize("settings,judged", [
    ({}, [4, 7, 9]),
    ({"select": ("embedded-secret",)}, [4]),  # entries naming no rule cannot be judged
    ({"select": ("insecure-transport",)}, []),  # embedded-secret did not run: its entries are not judged
    ({"ignore": ("embedded-secret",)}, []),
    ({"ignore": ("insecure-transport",)}, [4]),
])
def test_only_entries_whose_rule_ran_are_judged(tmp_path: Path, settings: dict, judged: list[int]) -> None:
    _allowlist_repo(tmp_path, f"  - {{fingerprint: {'ab' * 16}, reason: no rule}}\n")
    result = scan_paths([tmp_path], ScanSettings(**settings), root=tmp_path)
    assert [line for _, line, _ in _unused(result)] == judged


def test_a_rule_the_policy_turns_off_cannot_judge_its_entries(tmp_path: Path) -> None:
    _allowlist_repo(tmp_path)
    policy = tmp_path / ".mcpiam.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "rules:\n  embedded-secret: {enabled: false}\n",
                      encoding="utf-8")
    assert _unused(scan_paths([tmp_path], ScanSettings(), root=tmp_path)) == []


def test_a_scan_of_some_files_judges_only_entries_naming_one_of_them(tmp_path: Path, monkeypatch) -> None:
    _allowlist_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    # As a pre-commit hook runs it: the named file only. Entry 1 names no path: not judged.
    result = scan_paths([Path(".cursor/mcp.json")], ScanSettings(), root=tmp_path)
    assert [line for _, line, _ in _unused(result)] == [7]
    # A sub-folder that does not hold the policy's folder judges no path-less entry either.
    (tmp_path / "services").mkdir()
    assert _unused(scan_paths([Path("services")], ScanSettings(), root=tmp_path)) == []


def test_no_ignores_still_judges_unused_entries(tmp_path: Path) -> None:
    _allowlist_repo(tmp_path)
    result = scan_paths([tmp_path], ScanSettings(triage=TriageSettings(inline_ignores=False)), root=tmp_path)
    assert [line for _, line, _ in _unused(result)] == [4, 7]
    assert "embedded-secret" in [f.rule_id for f in result.findings]
