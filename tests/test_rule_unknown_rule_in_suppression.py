"""unknown-rule-in-suppression: a directive naming a rule that does not exist is reported, with a
"did you mean" for a near miss; and comments in plain .json files carry directives (JSONC clients
accept them), as docs/usage.md says."""

from __future__ import annotations

import json
from pathlib import Path

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example
from rule_helpers import scan_files

RULE = "unknown-rule-in-suppression"
CONFIG = (
    '{{\n  "mcpServers": {{\n    "tickets": {{\n      // mcpiam: ignore[{ids}] lab network only, see SEC-142\n'
    '      "url": "http://tickets.internal.example/mcp"\n    }}\n  }}\n}}\n'
)


def messages(tmp_path: Path, ids: str) -> list[str]:
    found = scan_files(tmp_path, {".cursor/mcp.json": CONFIG.format(ids=ids)}, RULE)
    assert all(f.finding.location.span.start_line == 4 for f in found)
    return [f.message for f in found]


def test_a_near_miss_gets_a_suggestion(tmp_path: Path) -> None:
    assert messages(tmp_path, "insecure-transprot") == [
        "suppression names unknown rule 'insecure-transprot', so it suppresses nothing "
        "(did you mean 'insecure-transport'?)"
    ]


def test_a_far_miss_points_at_the_rule_list_and_known_ids_pass(tmp_path: Path) -> None:
    assert messages(tmp_path, "insecure-transport, line-too-long") == [
        "suppression names unknown rule 'line-too-long', so it suppresses nothing; see `mcpiam rules`"
    ]
    assert messages(tmp_path, "insecure-transport, missing-owner") == []


def test_a_name_not_shaped_like_a_rule_id_is_never_echoed(tmp_path: Path) -> None:
    token = expand_example("ghp_{github_crc:30}")  # something pasted into the comment
    [message] = messages(tmp_path, token)
    assert token not in message and "ghp_" not in message
    assert message.startswith("suppression names a rule id that does not exist")


def test_the_known_ids_of_a_mixed_directive_still_suppress(tmp_path: Path) -> None:
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(CONFIG.format(ids="insecure-transport, insecure-transprot"),
                                                  encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(select=("insecure-transport", RULE)), root=tmp_path)
    assert [f.rule_id for f in result.findings] == [RULE]
    assert len(result.triage.suppressed) == 1


def test_comments_in_a_plain_json_file_carry_directives(tmp_path: Path) -> None:
    """Claude Code, Cursor and VS Code read their .json configs as JSONC, so a directive there is
    honoured (and the comment is noted at INFO as jsonc-syntax, for clients that are strict)."""
    (tmp_path / ".mcp.json").write_text(CONFIG.format(ids="insecure-transport"), encoding="utf-8")
    settings = ScanSettings(select=("insecure-transport",))
    result = scan_paths([tmp_path], settings, root=tmp_path)
    assert result.findings == () and len(result.triage.suppressed) == 1
    assert [(n.code, n.span.start_line) for n in result.notes if n.code == "jsonc-syntax"] == [("jsonc-syntax", 4)]
    plain = json.dumps({"mcpServers": {"tickets": {"url": "http://tickets.internal.example/mcp"}}})
    (tmp_path / ".mcp.json").write_text(plain, encoding="utf-8")
    assert [f.rule_id for f in scan_paths([tmp_path], settings, root=tmp_path).findings] == ["insecure-transport"]


def test_readme_says_json_comments_carry_directives() -> None:
    # The README's suppression text moved to docs/usage.md.
    readme = (Path(__file__).resolve().parents[1] / "docs" / "usage.md").read_text(encoding="utf-8")
    assert "Plain JSON has no comments" not in readme
    assert "comments in a `.json` file are read too" in readme
