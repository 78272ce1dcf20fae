"""No output format, note or error path ever prints a planted secret of any token family."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.secrets.families import expand_example_with_span, load_families

FAMILIES = load_families()


def planted() -> list[tuple[str, str, str]]:
    """(family id, key name, secret) for the first positive example of every family."""
    out = []
    for family in FAMILIES:
        example = family.examples.positive[0]
        value, (start, end) = expand_example_with_span(example.template)
        out.append((family.id, example.key or f"{family.id.upper().replace('-', '_')}_KEY", value))
    return out


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str, str]]]:
    root = tmp_path_factory.mktemp("leaks")
    secrets = planted()
    servers = {}
    for index, (family_id, key, value) in enumerate(secrets):
        servers[f"s{index}"] = {"command": "npx", "args": ["-y", f"pkg-{index}", f"--token={value}"],
                                "env": {key: value}}
    (root / ".cursor").mkdir()
    (root / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": servers}, indent=2),
                                               encoding="utf-8")
    return root, secrets


@pytest.mark.parametrize("args", [
    ["scan"], ["scan", "--format", "json"], ["scan", "--format", "sarif"], ["scan", "-v"],
    ["inventory"], ["inventory", "--format", "json"], ["inventory", "--format", "csv"],
])
def test_no_planted_secret_in_any_output(tree, args, capsys, monkeypatch) -> None:
    root, secrets = tree
    monkeypatch.chdir(root)
    code = main(args + ["--output", "report.out"]) if "--output" in args else main(args)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code in (0, 1)
    leaked = [family_id for family_id, _, value in secrets if value in text]
    assert leaked == [], f"values of these families leaked: {leaked}"


def test_every_planted_family_is_found(tree, capsys, monkeypatch) -> None:
    root, secrets = tree
    monkeypatch.chdir(root)
    main(["scan", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    found = {f["properties"].get("family") for f in report["findings"] if f["rule_id"] == "embedded-secret"}
    expected = {family_id for family_id, _, _ in secrets}
    missing = sorted(expected - found)
    # Info-severity public identifiers (e.g. publishable keys) are families too; every one must be typed.
    assert missing == [], f"families not reported: {missing}"
