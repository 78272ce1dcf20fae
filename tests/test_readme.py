"""The README's two commands are the ones CI runs; the README and the docs pages name only real
commands and variables; their generated blocks (the demo's output, the clients table) and the
policy page's worked example are what the code gives."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

import pytest

from docs_blocks import check_or_update, clients_table, demo_output
from mcpiam.cli.main import cli, main

ROOT = Path(__file__).resolve().parents[1]
# The README and the pages under docs/ that its text moved to (the rule pages are generated).
DOC_PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


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


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.name)
def test_every_subcommand_named_exists(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    named = set(re.findall(r"`mcpiam (\w[\w-]*)", text))
    assert named <= set(cli.commands), named - set(cli.commands)


def test_the_readme_names_every_visible_command() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`mcpiam (\w[\w-]*)", text))
    visible = {name for name, command in cli.commands.items() if not command.hidden}
    assert visible <= named, visible - named


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.name)
def test_every_environment_variable_named_is_an_option(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    named = set(re.findall(r"`(MCPIAM_[A-Z_]+)`", text))
    declared = {
        param.envvar
        for command in _all_commands(cli)
        for param in command.params
        if isinstance(getattr(param, "envvar", None), str)
    }
    assert named <= declared, named - declared


def _all_commands(group):  # type: ignore[no-untyped-def]
    for command in group.commands.values():
        yield command
        if hasattr(command, "commands"):
            yield from _all_commands(command)


def test_every_relative_link_of_a_page_points_at_a_file() -> None:
    for page in DOC_PAGES:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_help_runs() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "scan" in result.output and "inventory" in result.output


def test_the_ownership_worked_example_gives_the_report_shown(
    tmp_path: Path, monkeypatch, capsys,  # type: ignore[no-untyped-def]
) -> None:
    """The policy page's worked example is built from its own code blocks and scanned; the report
    must be exactly the one the page shows, so the example cannot drift."""
    text = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
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


def _clean_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in [name for name in os.environ if name.startswith("MCPIAM_")] + ["NO_COLOR", "FORCE_COLOR"]:
        monkeypatch.delenv(name, raising=False)


def test_the_quick_start_shows_the_demo_output_exactly(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The README's main command scans examples/demo-repo; the block under it is that scan's
    exact output (``UPDATE=1`` rewrites it), short enough for a first run, and the exit status
    the README states."""
    monkeypatch.chdir(ROOT)
    _clean_environment(monkeypatch)

    def run(args: list[str]) -> tuple[int, str]:
        code = main(args)
        return code, capsys.readouterr().out

    code, block = demo_output(run)
    assert readme_commands()["main"].endswith(".venv/bin/mcpiam scan examples/demo-repo")
    assert code == 1, block
    assert len(block.splitlines()) - 3 < 20, "a first run should print fewer than 20 lines"
    # One literal credential and one unowned server; the clean server has no finding.
    assert "embedded-secret" in block and "missing-owner" in block
    assert "'github'" not in block
    assert "mcpiam-demo-not-a-real-password" not in block
    check_or_update(ROOT / "README.md", "demo-output", block)


def test_the_clients_table_is_the_catalogue(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    table = clients_table()
    assert "| Claude Code | `.mcp.json`" in table and "| Cursor | `.cursor/mcp.json`" in table
    check_or_update(ROOT / "README.md", "clients", table)


def test_the_readme_and_the_skip_message_say_where_the_optional_corpus_is() -> None:
    from corpus_location import CORPUS, CORPUS_MISSING

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert CORPUS == ROOT.parent / "shared" / "corpus"
    assert "conformance tests read an optional corpus" in readme and "`../shared/corpus`" in readme
    assert "conformance tests" in CORPUS_MISSING and "beside the checkout" in CORPUS_MISSING


def test_the_pre_commit_snippet_names_the_shipped_hook() -> None:
    import yaml

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### pre-commit"):text.index("### GitHub Action")]
    snippet = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1))
    shipped = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    [repo] = snippet["repos"]
    assert {hook["id"] for hook in repo["hooks"]} <= shipped
    assert repo["rev"] == f"v{__import__('mcpiam').__version__}"
