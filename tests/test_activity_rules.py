"""The rules that judge activity records, on the generated home: dormant_days from the policy,
credentials grouped by fingerprint, and the approved first hop before an unapproved second hop."""

from __future__ import annotations

from pathlib import Path

import pytest

from activity_records import APP, build_home
from mcpiam.engine.scan import ScanSettings
from mcpiam.secrets.families import expand_example
from test_activity_readers import sweep_home


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "u"
    path.mkdir()
    return build_home(path, expand_example("ghp_{github_crc:30}"))


def findings(home: Path, rule: str) -> list:
    return [f for f in sweep_home(home, settings=ScanSettings(select=(rule,))).scan.findings if f.rule_id == rule]


def dormant(home: Path) -> set[tuple[str, str]]:
    return {(f.client, f.server) for f in findings(home, "dormant-server")}


def test_dormant_days_comes_from_the_policy(home: Path) -> None:
    assert dormant(home) == {("claude-code", "slack"), ("codex", "unused"), ("vscode", "idle")}
    (home / ".mcpiam.yaml").write_text("dormant_days: 5\n", encoding="utf-8")
    # github's last Claude Code call was 8 days before the sweep; the Codex and Gemini ones a month,
    # the VS Code one 22 days.
    assert dormant(home) == {("claude-code", "slack"), ("claude-code", "github"), ("claude-code", "linear"),
                             ("codex", "unused"), ("codex", "my-docs"), ("codex", "github"),
                             ("gemini-cli", "github-tools"), ("gemini-cli", "fs"), ("gemini-cli", "filesystem"),
                             ("claude-desktop", "notes"), ("cursor", "db-tools"), ("vscode", "idle"),
                             ("vscode", "github")}


def test_a_client_without_records_is_not_judged(tmp_path: Path) -> None:
    home = tmp_path / "u"
    (home / ".codex").mkdir(parents=True)
    (home / ".codex/config.toml").write_text('[mcp_servers.docs]\ncommand = "npx"\n', encoding="utf-8")
    assert dormant(home) == set()


def test_copies_of_one_credential_are_each_reported_and_grouped(home: Path) -> None:
    found = findings(home, "credential-in-agent-history")
    fingerprints = {dict(f.properties)["fingerprint"] for f in found}
    assert len(fingerprints) == 1
    assert {dict(f.properties)["copies"] for f in found} == {str(len(found))}
    assert len({(f.location.path, f.location.span, f.location.route) for f in found}) == len(found)
    assert all(f.severity.value in ("high", "critical") for f in found)


def test_an_approved_first_hop_then_an_unapproved_second_hop(home: Path) -> None:
    (home / ".mcpiam.yaml").write_text("approved_servers:\n  - match: {name: github}\n", encoding="utf-8")
    used = [f for f in findings(home, "unapproved-server") if f.subject_key.startswith("in-use/")]
    puppeteer = next(f for f in used if f.server == "puppeteer")
    assert (puppeteer.client, puppeteer.location.path, puppeteer.location.span.start_line) == (
        "claude-code", "~/.claude/projects/-home-u-src-app/sess-1.jsonl", 12)
    assert (f"'puppeteer' (navigate, 2026-10-22T11:00:00Z in {APP}) after approved server "
            f"'github' (create_pull_request, 2026-10-20T09:00:01Z in {APP})") in puppeteer.message
    assert [(r.path, r.span.start_line) for r in puppeteer.related] == [
        ("~/.claude/projects/-home-u-src-app/sess-1.jsonl", 4)]
    # Approved servers in use are not reported; an unapproved one called before any approved call
    # of its session (Codex's my-docs, at 10:00:02, before github at 10:01) has no hop; linear,
    # called by a subagent of the same session after github, has one.
    assert "github" not in {f.server for f in used}
    assert "second hop" not in next(f for f in used if f.server == "my-docs").message
    assert "second hop" in next(f for f in used if f.server == "linear").message
