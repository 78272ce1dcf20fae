"""One finding per credential: `unscoped-token` means the token's type grants broad, user or admin
access; lifetime is a fact of `embedded-secret`. A scoped key gives exactly one finding, and the
text report never prints two location lines for one value at one position."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.engine.scan import ScanSettings, scan_paths
from secret_corpus import specimens

SPECIMENS = {s.family_id: s for s in specimens()}
# Deliberately scoped token types (issue: a repository of real scoped tokens was called "unscoped").
SCOPED = ["stripe-live-restricted-key", "openai-project-key", "slack-bot-token",
          "notion-integration-token", "anthropic-api-key"]
UNSCOPED = {"github-classic-pat": "high", "slack-user-token": "medium", "openai-admin-key": "high", "stripe-live-secret-key": "high"}


def _config(tmp_path: Path, family_id: str) -> Path:
    specimen = SPECIMENS[family_id]
    config = {"mcpServers": {"svc": {"command": "npx", "args": ["-y", "svc-mcp@1.0.0"],
                                     "env": {specimen.key: specimen.text}}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("family_id", SCOPED)
def test_a_scoped_key_yields_exactly_one_finding(tmp_path: Path, family_id: str) -> None:
    root = _config(tmp_path, family_id)
    result = scan_paths([root], ScanSettings(ignore=("missing-owner",)), root=root)
    assert [f.rule_id for f in result.findings] == ["embedded-secret"]
    properties = dict(result.findings[0].properties)
    assert properties["family"] == family_id
    assert properties["lifetime"] == "no-expiry"
    assert "does not expire" in result.findings[0].message


@pytest.mark.parametrize(("family_id", "severity"), sorted(UNSCOPED.items()))
def test_a_user_admin_or_broad_token_is_also_unscoped(tmp_path: Path, family_id: str, severity: str) -> None:
    root = _config(tmp_path, family_id)
    result = scan_paths([root], ScanSettings(ignore=("missing-owner",)), root=root)
    by_rule = {f.rule_id: f for f in result.findings}
    assert sorted(by_rule) == ["embedded-secret", "unscoped-token"]
    assert by_rule["unscoped-token"].severity.value == severity
    assert "never expires" not in by_rule["unscoped-token"].message
    assert by_rule["embedded-secret"].location == by_rule["unscoped-token"].location


def test_the_text_report_prints_one_location_line_per_value(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = _config(tmp_path, "github-classic-pat")
    monkeypatch.chdir(root)
    assert main(["scan", "--ignore", "missing-owner", "."]) == 1
    out = capsys.readouterr().out
    located = [line for line in out.splitlines() if line.startswith(".mcp.json:")]
    assert len(located) == 1, out
    assert "embedded-secret" in located[0]
    also = [line for line in out.splitlines() if "unscoped-token [" in line]  # under that one location
    assert len(also) == 1 and also[0].startswith("  + high unscoped-token") and ".mcp.json:" not in also[0], out
    assert SPECIMENS["github-classic-pat"].secret not in out
