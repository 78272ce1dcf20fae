"""References a client does not expand: reported once, low, at the reference; never mistaken for
a secret, and never hiding one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.catalogue import default_catalogue
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example, load_families
from mcpiam.secrets.references import check_references

CATALOGUE = default_catalogue()
RULES = ("embedded-secret", "unexpanded-reference")


def token(family_id: str) -> str:
    family = next(f for f in load_families() if f.id == family_id)
    return expand_example(family.examples.positive[0].template)


def desktop_findings(tmp_path: Path, env: dict[str, str]) -> list[tuple[str, int, int, str]]:
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(json.dumps({"mcpServers": {"s": {"command": "srv", "env": env}}}, indent=2),
                      encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(select=RULES), root=tmp_path)
    return [(f.rule_id, f.location.span.start_line, f.location.span.start_column, f.message)
            for f in result.findings]


@pytest.mark.parametrize("text, syntax", [
    ("${GITHUB_TOKEN}", "dollar-brace"),
    ("$GITHUB_TOKEN", "dollar"),
    ("Bearer ${TICKETS_TOKEN}", "dollar-brace"),
    ("${env:JIRA_TOKEN}", "vscode-env"),
    ("{env:JIRA_TOKEN}", "opencode-env"),
    ("%SEARCH_KEY%", "percent"),
    ("postgres://app:$DB_PASSWORD@db:5432/app", "dollar"),
])
def test_references_a_client_does_not_expand_are_found(text: str, syntax: str) -> None:
    refs = check_references(text, (), CATALOGUE)
    assert [o.syntax for o in refs.unexpanded] == [syntax]
    assert text[refs.unexpanded[0].start:].startswith(refs.unexpanded[0].text)


@pytest.mark.parametrize("text", [
    "Pa$sw0rdQx",  # a "$" inside a password is not a reference
    "hunter$two",
    "$lowercase_is_not_an_env_var",
    "{x7Qp2Z9mK4vR8tL1}",  # a random string in braces is a literal
    "price: 5$",
])
def test_dollar_inside_a_literal_is_not_a_reference(text: str) -> None:
    assert check_references(text, (), CATALOGUE).unexpanded == ()


def test_expanded_syntax_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / ".mcp.json").write_text('{"mcpServers": {"s": {"command": "x", '
                                        '"env": {"T": "${GITHUB_TOKEN}"}}}}', encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(select=RULES), root=tmp_path)
    assert result.findings == ()


def test_wholly_unexpanded_reference_is_low_and_not_a_secret(tmp_path: Path) -> None:
    found = desktop_findings(tmp_path, {"GITHUB_TOKEN": "${GITHUB_TOKEN}"})
    assert [(rule, line, column) for rule, line, column, _ in found] == [
        ("unexpanded-reference", 6, 26)]
    assert "Claude Desktop does not expand" in found[0][3]


def test_one_finding_per_reference_even_when_the_value_is_split(tmp_path: Path) -> None:
    found = desktop_findings(tmp_path, {"AUTH": "Bearer ${API_TOKEN}"})
    assert [(rule, column) for rule, _, column, _ in found] == [("unexpanded-reference", 25)]


def test_a_secret_beside_an_unexpanded_reference_is_still_found(tmp_path: Path) -> None:
    secret = token("github-classic-pat")
    found = desktop_findings(tmp_path, {"MIXED": f"$GITHUB_USER:{secret}"})
    rules = sorted(rule for rule, *_ in found)
    assert rules == ["embedded-secret", "unexpanded-reference"]
    assert all(secret not in message for *_, message in found)


def test_a_token_in_reference_like_braces_is_a_secret_not_a_reference(tmp_path: Path) -> None:
    secret = token("github-classic-pat")
    found = desktop_findings(tmp_path, {"GITHUB_TOKEN": "{" + secret + "}"})
    assert [rule for rule, *_ in found] == ["embedded-secret"]
    assert all(secret not in message for *_, message in found)


def test_password_with_a_dollar_is_judged_as_a_secret(tmp_path: Path) -> None:
    found = desktop_findings(tmp_path, {"DB_PASSWORD": "Xq7$Lm9vR2kTz8wP"})
    assert [rule for rule, *_ in found] == ["embedded-secret"]
    assert "Lm9v" not in found[0][3]


def test_a_syntax_nested_in_an_expanded_reference_is_not_reported() -> None:
    # Cursor expands ${env:X}; the {env:X} inside it is not a separate (OpenCode) reference.
    refs = check_references("Bearer ${env:TICKETS_TOKEN}", ("vscode-env",), CATALOGUE)
    assert refs.expanded == ("vscode-env",) and refs.unexpanded == ()
