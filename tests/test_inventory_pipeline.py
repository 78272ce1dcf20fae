"""``mcpiam inventory`` runs the engine's pipeline with credential detection and the scope rules
only: same servers, owners, credentials and notes as a full scan; no other rule runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mcpiam.engine import scan as engine
from mcpiam.checks import all_rules
from mcpiam.cli.main import main
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.report import InventoryFormat, render_inventory_of
from mcpiam.report.inventory import SCOPE_RULES

ROOT = Path(__file__).resolve().parents[1]
RULE_FIXTURES = sorted(path for path in (ROOT / "testdata" / "rules").glob("*/*") if path.is_dir())
CORPUS = ROOT.parent / "shared" / "corpus"
RULE_MADE_NOTE_CODES = {"file-mode-not-checked", "unused-allowlist-entry"}  # from rules, not from reading


def inventory_output(capsys: pytest.CaptureFixture[str], fmt: InventoryFormat, *paths: str) -> str:
    assert main(["inventory", "--format", fmt.value, *paths]) == 0
    return capsys.readouterr().out


def full_scan_inventory(fmt: InventoryFormat, path: Path) -> str:
    result = scan_paths([path])
    return render_inventory_of(result, fmt) + "\n"


@pytest.mark.parametrize("fixture", RULE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_inventory_is_the_one_a_full_scan_gives(fixture: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(fixture)  # the fixture's own .mcpiam.yaml (owners, CODEOWNERS) applies
    for fmt in InventoryFormat:
        assert inventory_output(capsys, fmt) == full_scan_inventory(fmt, Path("."))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus sits beside the checkout")
def test_inventory_of_the_corpus_is_the_one_a_full_scan_gives(capsys, monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    output = inventory_output(capsys, InventoryFormat.JSON)
    assert output == full_scan_inventory(InventoryFormat.JSON, Path("."))
    assert output.count('"server":') > 10  # the corpus really has servers to list


def _trap(*_args: object) -> None:
    raise AssertionError("the inventory must run no rule but the scope rules")


@pytest.fixture()
def trapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule but the scope rules fails when called; the rule ids stay, so a policy file is
    still validated against them."""
    rules = tuple(rule if rule.info.id in SCOPE_RULES else replace(rule, check=_trap, notes=_trap)
                  for rule in all_rules())
    monkeypatch.setattr(engine, "all_rules", lambda: rules)


def test_inventory_runs_only_the_scope_rules(trapped, capsys, monkeypatch) -> None:
    fixture = ROOT / "testdata" / "rules" / "missing-owner" / "good"  # a policy with owners and CODEOWNERS
    monkeypatch.chdir(fixture)
    output = inventory_output(capsys, InventoryFormat.JSON)
    assert '"kind": "codeowners"' in output and '"kind": "policy"' in output
    with pytest.raises(AssertionError, match="must run no rule"):
        scan_paths([Path(".")])  # the trap is live: a full scan trips it


def test_inventory_detects_credentials_even_when_the_policy_turns_the_scope_rules_off(tmp_path, capsys,
                                                                                      monkeypatch) -> None:
    from mcpiam.secrets.families import expand_example

    monkeypatch.chdir(tmp_path)
    token = expand_example("ghp_{github_crc:30}")
    (tmp_path / ".mcp.json").write_text('{"mcpServers": {"gh": {"command": "npx", "args": ["-y", "gh-mcp"], '
                                        f'"env": {{"GITHUB_TOKEN": "{token}"}}}}}}}}', encoding="utf-8")
    (tmp_path / ".mcpiam.yaml").write_text("version: 1\nrules:\n  unscoped-token: {enabled: false}\n"
                                           "  excessive-scope: {enabled: false}\n", encoding="utf-8")
    output = inventory_output(capsys, InventoryFormat.JSON)
    assert '"family": "github-classic-pat"' in output and token not in output


def test_a_scan_without_rules_has_configs_and_policy_but_no_rule_or_finding(monkeypatch) -> None:
    import mcpiam.secrets.detect

    monkeypatch.setattr(mcpiam.secrets.detect, "find_credentials", _trap)
    fixture = ROOT / "testdata" / "rules" / "embedded-secret" / "bad"
    result = scan_paths([fixture], ScanSettings(run_rules=False))
    assert result.configs and result.rules == () and result.findings == ()
    assert result.triage.suppressed == () and result.allowlisted == 0


def test_notes_are_the_ones_a_full_scan_gives(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_bytes(b'\xef\xbb\xbf{"mcpServers": {"a": {"command": "npx"}}}')
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "mcp.json").write_bytes(b'{"servers": {\x00}}')
    (tmp_path / ".codex").mkdir()
    (tmp_path / ".codex" / "config.toml").write_text('[mcp_servers.docs]\ncommand = "npx"\n', encoding="utf-8")
    (tmp_path / ".mcpiam.yaml").write_text("ignore_paths: [.codex]\n", encoding="utf-8")
    paths = [Path("."), Path("missing.json")]
    full = scan_paths(paths, ScanSettings(policy_path=Path(".mcpiam.yaml")))
    inventory_only = scan_paths(paths, ScanSettings(policy_path=Path(".mcpiam.yaml"), run_rules=False))
    assert {"bom", "binary", "ignored-by-policy", "unreadable-path"} <= {note.code for note in inventory_only.notes}
    assert inventory_only.notes == tuple(note for note in full.notes if note.code not in RULE_MADE_NOTE_CODES)
    assert inventory_only.configs == full.configs and inventory_only.applied_policy == full.applied_policy
