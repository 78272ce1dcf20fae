"""The command line end to end: exit codes, output files, formats, hostile input, golden outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from mcpiam.cli import main as cli_module
from mcpiam.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "testdata" / "cli"
SARIF_SCHEMA = json.loads((ROOT / "testdata" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project: one insecure remote server, one broken file, one clean file."""
    write(tmp_path / ".cursor/mcp.json",
          '{\n  "mcpServers": {\n    "tickets": {\n      "url": "http://mcp.example.com/mcp",\n'
          '      "headers": {"Authorization": "Bearer ${env:TICKETS_TOKEN}"}\n    }\n  }\n}\n')
    write(tmp_path / ".vscode/mcp.json", '{"servers": {"fs": {"command": "npx", "args": ["-y", "fs-mcp"]}}}\n')
    write(tmp_path / ".codex/config.toml", '[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "docs"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_exit_1_when_a_finding_reaches_fail_on(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "scan")
    assert code == 1
    assert ".cursor/mcp.json:4:14: high insecure-transport" in out
    assert ".codex/config.toml:4:1: medium config-parse-error" in out


def test_exit_0_when_findings_stay_below_fail_on(repo: Path, capsys) -> None:
    code, _, _ = run(capsys, "scan", "--fail-on", "critical")
    assert code == 0


def test_exit_0_on_a_clean_tree(tmp_path: Path, capsys, monkeypatch) -> None:
    write(tmp_path / ".vscode/mcp.json", '{"servers": {"fs": {"command": "npx"}}}')
    write(tmp_path / ".mcpiam.yaml", 'owners:\n  - {match: {name: fs}, owner: "@acme/devex", purpose: files,'
          ' secret_source: none, revocation: "not needed"}\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "scan")
    assert code == 0
    assert "No findings" in out


def test_fail_on_from_the_environment(repo: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MCPIAM_FAIL_ON", "medium")
    code, _, _ = run(capsys, "scan", str(repo / ".codex/config.toml"))
    assert code == 1


def test_exit_2_on_usage_errors(repo: Path, capsys) -> None:
    assert run(capsys, "scan", "--format", "xml")[0] == 2
    assert run(capsys, "scan", "--no-such-option")[0] == 2
    code, _, err = run(capsys, "explain", "no-such-rule")
    assert code == 2 and "unknown rule" in err
    code, _, err = run(capsys, "scan", "-o", str(repo / "missing-dir" / "out.json"))
    assert code == 2 and "cannot write" in err


def test_exit_3_on_an_internal_error_without_the_exception_text(repo: Path, capsys, monkeypatch) -> None:
    def explode(*_args, **_kwargs):
        raise RuntimeError("fake-secret-in-message-123")

    import mcpiam.engine.scan

    monkeypatch.setattr(mcpiam.engine.scan, "scan_paths", explode)
    code, out, err = run(capsys, "scan")
    assert code == 3
    assert "internal error: RuntimeError" in err
    assert "fake-secret-in-message-123" not in out + err


def test_output_file_and_formats(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "scan", "--format", "sarif", "-o", "report.sarif")
    assert code == 1 and out == ""
    sarif = json.loads((repo / "report.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    results = sarif["runs"][0]["results"]
    regions = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["locations"][0]["physicalLocation"]["region"]["startColumn"]) for r in results}
    assert ("insecure-transport", ".cursor/mcp.json", 4, 14) in regions
    code, out, _ = run(capsys, "scan", "--format", "json")
    report = json.loads(out)
    assert report["version"] == 1
    assert report["summary"]["failing"] == 1


def test_inventory_formats(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "inventory")
    assert code == 0
    assert "tickets" in out and "Authorization" in out and "fs" in out
    code, out, _ = run(capsys, "inventory", "--format", "json")
    names = sorted(record["server"] for record in json.loads(out)["servers"])
    assert names == ["docs", "fs", "tickets"]  # the broken TOML still yields what it recovered
    code, out, _ = run(capsys, "inventory", "--format", "csv")
    assert out.splitlines()[0].lower().startswith("client")


def test_single_named_file_as_a_pre_commit_hook_passes_it(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "scan", ".cursor/mcp.json")
    assert code == 1
    assert "config.toml" not in out


def test_unknown_named_file_recognised_by_content(tmp_path: Path, capsys, monkeypatch) -> None:
    write(tmp_path / "team-mcp.json", '{"mcpServers": {"x": {"url": "http://tools.example.org/mcp"}}}')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "scan", "--fail-on", "medium")
    assert code == 1
    assert "team-mcp.json:1:30: medium insecure-transport" in out


def test_hostile_inputs_give_notes_not_tracebacks(tmp_path: Path, capsys, monkeypatch) -> None:
    write(tmp_path / ".cursor/mcp.json", b"\x00\x01\x02binary\x00")
    write(tmp_path / ".vscode/mcp.json", b'{"servers": {"a": {"command": "caf\xe9"}}}')
    write(tmp_path / ".roo/mcp.json", b"{" + b'"a":' * 0 + b" " * (3 * 1024 * 1024) + b"}")
    (tmp_path / ".gemini").mkdir()
    os.mkfifo(tmp_path / ".gemini/settings.json")
    (tmp_path / ".mcp.json").symlink_to(tmp_path / ".mcp.json")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "scan", ".")
    assert code == 0, err
    assert "Traceback" not in out + err
    assert ".cursor/mcp.json:1:1: warning [binary]" in out
    assert ".roo/mcp.json:1:1: warning [too-large]" in out
    assert ".vscode/mcp.json:1:35: warning [non-utf8]" in out
    assert ".gemini/settings.json: warning [unreadable-path]" in out
    assert ".mcp.json: warning [unreadable-path]" in out


def test_rules_and_explain(capsys) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "insecure-transport" in out and "config-parse-error" in out
    code, out, _ = run(capsys, "explain", "insecure-transport")
    assert code == 0 and "## What it flags" in out and "## Use instead" in out


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("concise", "concise.txt"), ("json", "json"),
                                        ("sarif", "sarif")])
def test_golden_outputs(repo: Path, capsys, fmt: str, suffix: str) -> None:
    code, out, _ = run(capsys, "scan", "--format", fmt, "--color", "never")
    assert code == 1
    # The scan root is a temporary folder: replace it so the golden file is stable.
    out = out.replace(repo.as_uri(), "file:///SCANROOT").replace(str(repo), "/SCANROOT")
    golden = GOLDEN / f"scan.{suffix}"
    if os.environ.get("UPDATE"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_color_only_when_asked_or_on_a_terminal(repo: Path, capsys) -> None:
    assert "\x1b[" not in run(capsys, "scan")[1]
    assert "\x1b[" in run(capsys, "scan", "--color", "always")[1]


def test_module_entry_point_is_the_cli() -> None:
    assert cli_module.main is main


# --- policy ------------------------------------------------------------------------------------

INVALID_POLICY = "owners:\n  - match: {package: \"@modelcontextprotocol/server-github\"}\n    owner: 42\n"


def test_policy_init_writes_a_starter_that_policy_check_accepts(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "policy", "init")
    assert code == 0 and "wrote .mcpiam.yaml" in out
    assert (tmp_path / ".mcpiam.yaml").read_text(encoding="utf-8").startswith("# mcpiam policy")
    code, out, _ = run(capsys, "policy", "check")
    assert code == 0 and out.startswith(".mcpiam.yaml: valid policy (0 owners entries,")


def test_policy_init_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    target = write(tmp_path / "team" / ".mcpiam.yaml", "owners: []\n")
    code, _, err = run(capsys, "policy", "init", str(tmp_path / "team"))  # a folder gets .mcpiam.yaml inside
    assert code == 2 and "already exists; use --force" in err
    assert target.read_text(encoding="utf-8") == "owners: []\n"
    assert run(capsys, "policy", "init", "--force", str(target))[0] == 0
    assert target.read_text(encoding="utf-8").startswith("# mcpiam policy")


def test_policy_check_names_file_line_column_and_field(tmp_path: Path, capsys) -> None:
    policy = write(tmp_path / "policy.yaml", INVALID_POLICY)
    code, out, err = run(capsys, "policy", "check", str(policy))
    assert code == 2 and out == ""
    assert f"{policy}:3:12: owners[0].owner: must be a string" in err


def test_policy_check_counts_what_a_valid_policy_holds(tmp_path: Path, capsys) -> None:
    policy = write(tmp_path / "p.yaml", "owners:\n  - {match: {name: a}, owner: b}\nshared_accounts: [svc]\n")
    code, out, _ = run(capsys, "policy", "check", str(policy))
    assert code == 0
    assert "(1 owners entry, 0 approved servers, 0 rule overrides, 0 ignored paths, 0 allow-listed findings, " \
           "1 shared-account name)" in out


def test_scan_with_an_invalid_policy_exits_2(repo: Path, capsys, monkeypatch) -> None:
    write(repo / "bad-policy.yaml", INVALID_POLICY)
    code, out, err = run(capsys, "scan", "--policy", "bad-policy.yaml")
    assert code == 2 and out == ""
    assert "invalid policy file" in err and "bad-policy.yaml:3:12: owners[0].owner: must be a string" in err
    monkeypatch.setenv("MCPIAM_POLICY", "bad-policy.yaml")
    assert run(capsys, "scan")[0] == 2
    assert run(capsys, "inventory")[0] == 2
    assert run(capsys, "policy", "check")[0] == 2
    monkeypatch.delenv("MCPIAM_POLICY")
    write(repo / ".mcpiam.yaml", INVALID_POLICY)  # found at the scan root: the same error
    code, _, err = run(capsys, "scan")
    assert code == 2 and ".mcpiam.yaml:3:12: owners[0].owner: must be a string" in err


def test_scan_with_a_missing_policy_file_exits_2(repo: Path, capsys) -> None:
    code, _, err = run(capsys, "scan", "--policy", "missing.yaml")
    assert code == 2 and "missing.yaml:1:1: cannot read the policy file: not found" in err


def test_scan_and_inventory_apply_the_policy(repo: Path, capsys) -> None:
    write(repo / "team.yaml", "ignore_paths: [.codex]\nrules:\n  missing-owner: {enabled: false}\n")
    code, out, _ = run(capsys, "scan", "--policy", "team.yaml")
    assert code == 1
    assert "missing-owner" not in out and ".codex/config.toml" not in out
    assert "(1 failing); policy: team.yaml; 1 info note hidden" in out  # the ignored file is an info note
    code, out, _ = run(capsys, "inventory", "--policy", "team.yaml", "--format", "csv")
    assert code == 0 and "docs" not in out and "tickets" in out


def test_inventory_owners_are_the_ones_missing_owner_judges_by(repo: Path, capsys) -> None:
    write(repo / "team.yaml", "owners_from_codeowners: true\nowners:\n"
                              "  - {match: {url: mcp.example.com}, owner: help-desk}\n")
    write(repo / "CODEOWNERS", "# owners\n/.vscode/ @acme/editors\n")
    code, out, _ = run(capsys, "inventory", "--policy", "team.yaml", "--format", "json")
    records = {record["server"]: record for record in json.loads(out)["servers"]}
    assert code == 0
    assert (records["tickets"]["owner"], records["tickets"]["owner_source"]) == (
        "help-desk", {"kind": "policy", "file": "team.yaml", "line": 3, "matched_by": ["url"]})
    assert (records["fs"]["owner"], records["fs"]["owner_source"]) == (
        "@acme/editors", {"kind": "codeowners", "file": "CODEOWNERS", "line": 2, "matched_by": ["path"]})
    assert (records["docs"]["owner"], records["docs"]["owner_source"]) == (None, None)
    _, out, _ = run(capsys, "scan", "--policy", "team.yaml", "--select", "missing-owner", "--format", "json")
    report = json.loads(out)
    assert [f["server"] for f in report["findings"]] == [r["server"] for r in records.values() if r["owner"] is None]
    shared = ("client", "file", "server", "route", "line", "column", "owner", "owner_source")
    assert [{k: s[k] for k in shared} for c in report["configs"] for s in c["servers"]] == sorted(
        ({k: r[k] for k in shared} for r in records.values()), key=lambda r: r["file"])  # the same servers and owners
    _, out, _ = run(capsys, "inventory", "--policy", "team.yaml")
    assert "OWNER SOURCE" in out and "policy (url) team.yaml:3" in out and "codeowners (path) CODEOWNERS:2" in out
