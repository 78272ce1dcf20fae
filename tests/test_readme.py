"""The README's two commands are the ones CI runs, and the README names only real commands."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

from mcpiam.cli.main import cli, main

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- readme-command: (\w+) -->\s*```sh\n(.+?)\n```", text)
    return dict(found)


def test_readme_gives_exactly_two_commands() -> None:
    assert sorted(readme_commands()) == ["main", "test"]


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for name, command in readme_commands().items():
        assert command in ci_lines, f"README {name} command is not a line of .ci/run"


def test_every_subcommand_in_the_readme_table_exists() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`mcpiam (\w[\w-]*)", text))
    assert named, "README names no subcommand"
    assert named <= set(cli.commands), named - set(cli.commands)


def test_every_environment_variable_in_the_readme_is_an_option() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(MCPIAM_[A-Z_]+)`", text))
    declared = {
        param.envvar
        for command in cli.commands.values()
        for param in command.params
        if isinstance(getattr(param, "envvar", None), str)
    }
    assert named <= declared, named - declared


def test_help_runs() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "scan" in result.output and "inventory" in result.output


def test_the_ownership_worked_example_gives_the_report_shown(
    tmp_path: Path, monkeypatch, capsys,  # type: ignore[no-untyped-def]
) -> None:
    """The README's worked example is built from its own code blocks and scanned; the report
    must be exactly the one the README shows, so the example cannot drift."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"<!-- worked-example: (\S+) -->\s*```\w+\n(.*?)```", text, re.DOTALL))
    assert sorted(blocks) == [".mcp.json", ".mcpiam.yaml", "report"]
    for name in (".mcp.json", ".mcpiam.yaml"):
        (tmp_path / name).write_text(blocks[name], encoding="utf-8")
    command, _, shown = blocks["report"].partition("\n")
    assert command == "$ mcpiam scan ."
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.startswith("MCPIAM_")] + ["NO_COLOR"]:
        monkeypatch.delenv(name, raising=False)
    code = main(command.removeprefix("$ mcpiam ").split())
    assert capsys.readouterr().out == shown
    assert code == 1
