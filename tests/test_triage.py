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

from scanner.baseline import BaselineError, load
from scanner.cli import main
from scanner.engine import ScanSettings, scan_paths
from scanner.secrets.families import expand_example
from scanner.suppressions import parse_directive
from scanner.triage import TriageSettings

ROOT = Path(__file__).resolve().parents[1]
REPORT_SCHEMA = json.loads((ROOT / "scanner/report/json-report.schema.json").read_text(encoding="utf-8"))
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
