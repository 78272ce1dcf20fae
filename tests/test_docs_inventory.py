"""docs/inventory.md runs as written: its example config is written to a fresh folder, each
`mcpiam` command of its shell blocks runs there in order (and writes what it says), and the
output shown after a command is the output it gives."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from mcpiam.cli.main import EXIT_CLEAN, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "inventory.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", PAGE, re.DOTALL)


def commands() -> list[list[str]]:
    found = []
    for language, body in BLOCKS:
        if language == "sh":
            for line in body.splitlines():
                words = shlex.split(line)
                assert words and words[0] == "mcpiam", f"docs/inventory.md: not an mcpiam command: {line}"
                found.append(words[1:])
    return found


@pytest.fixture()
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = next(body for language, body in BLOCKS if language == "json")
    (tmp_path / ".mcp.json").write_text(config, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_page_shows_every_inventory_format() -> None:
    shown = {args[args.index("--format") + 1] for args in commands() if "--format" in args}
    assert shown == {"json", "csv", "cyclonedx", "review", "review-md"}
    assert ["policy", "init", "--from-scan", "."] in commands()


def test_every_command_runs_as_written(example: Path, capsys) -> None:
    for args in commands():
        code = main(args)
        captured = capsys.readouterr()
        if args[:2] == ["policy", "check"]:
            # The starter's owners are still "": policy check names each one, then passes once filled.
            assert code == EXIT_USAGE and captured.err.count('owner: must not be empty') == 3, captured.err
            policy = example / ".mcpiam.yaml"
            policy.write_text(policy.read_text(encoding="utf-8").replace('owner: ""', 'owner: "@acme/x"'),
                              encoding="utf-8")
            assert main(args) == EXIT_CLEAN
        else:
            assert code == EXIT_CLEAN, (args, captured.err)
        if "--output" in args:
            assert (example / args[args.index("--output") + 1]).stat().st_size > 0
    assert json.loads((example / "inventory.json").read_text(encoding="utf-8"))["version"] == 1
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(
        (example / "ai-bom.cdx.json").read_text(encoding="utf-8")) is None
    assert "2026-01-31T12:00:00" in (example / "ai-bom.cdx.json").read_text(encoding="utf-8")
    review = list(csv.DictReader(io.StringIO((example / "access-review.csv").read_text(encoding="utf-8"))))
    assert [row["server"] for row in review] == ["github", "db", "linear"]
    assert len(yaml.safe_load((example / ".mcpiam.yaml").read_text(encoding="utf-8"))["owners"]) == 3


def test_the_output_shown_is_the_output_given(example: Path, capsys) -> None:
    pairs = [(BLOCKS[i][1], BLOCKS[i + 1][1]) for i in range(len(BLOCKS) - 1)
             if BLOCKS[i][0] == "sh" and BLOCKS[i + 1][0] == "text"]
    assert pairs
    for command, shown in pairs:
        assert main(shlex.split(command)[1:]) == EXIT_CLEAN
        assert capsys.readouterr().out == shown
