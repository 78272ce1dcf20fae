"""Every `mcpiam` command line in the shell blocks of the README and of the docs pages it points
to is a real command with real options; the ones that can run here (baselines) are run as
written."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest

from mcpiam.cli.main import cli, main
from mcpiam.secrets.families import expand_example

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCKS = [block for page in PAGES
                for block in re.findall(r"```sh\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)]
OPERATORS = {";", "&&", "||", "|", "&", ">", "<", "(", ")", "$(", "`"}


def invocations() -> list[list[str]]:
    """The arguments after each ``mcpiam`` word (a path ending in /mcpiam counts), up to the end
    of that shell command; quoted commands (``ansible -a '... mcpiam sweep ...'``) included."""
    found: list[list[str]] = []
    for block in SHELL_BLOCKS:
        for line in block.replace("\\\n", " ").splitlines():
            if not line.lstrip().startswith("#"):
                found.extend(_in_line(line))
    return found


def _in_line(line: str) -> list[list[str]]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return []
    found = []
    for index, token in enumerate(tokens):
        if " " in token and "mcpiam " in token:
            found.extend(_in_line(token))  # a command quoted inside another one
        elif token == "mcpiam" and index and tokens[index - 1] == "install":
            continue  # `pip install mcpiam`: the package, not the command (.ci/run installs it)
        elif token == "mcpiam" or token.endswith("/mcpiam"):
            args = []
            for word in tokens[index + 1:]:
                if word in OPERATORS or word.startswith("#"):
                    break
                args.append(word)
            found.append(args)
    return found


def resolve(args: list[str]) -> tuple[click.Command, list[str], str]:
    command: click.Command = cli
    path = "mcpiam"
    rest = list(args)
    while isinstance(command, click.Group):
        assert rest, f"{path}: no subcommand"
        name = rest.pop(0)
        assert name in command.commands, f"README runs unknown command `{path} {name}`"
        command = command.commands[name]
        path += f" {name}"
    return command, rest, path


def check_options(command: click.Command, args: list[str], path: str) -> None:
    options = {opt: param for param in command.params if isinstance(param, click.Option)
               for opt in (*param.opts, *param.secondary_opts)}
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if not word.startswith("-") or word == "-":
            continue
        name, equals, inline = word.partition("=")
        assert name in options, f"README uses unknown option `{path} {name}`"
        param = options[name]
        if param.is_flag or param.count:
            continue
        value = inline if equals else (args[index] if index < len(args) else None)
        if not equals:
            index += 1
        assert value is not None, f"`{path} {name}` needs a value in the README"
        if isinstance(param.type, click.Choice):
            assert value in param.type.choices, f"`{path} {name} {value}`: not a valid choice"


def test_the_readme_has_mcpiam_command_lines() -> None:
    assert len(invocations()) >= 7  # README and docs pages together: the regex still finds them


@pytest.mark.parametrize("args", invocations(), ids=lambda args: " ".join(args)[:60])
def test_each_readme_command_names_real_options(args: list[str]) -> None:
    command, rest, path = resolve(args)
    check_options(command, rest, path)


def test_the_baseline_block_runs_as_written(tmp_path: Path, monkeypatch, capsys) -> None:
    block = next(b for b in SHELL_BLOCKS if b.lstrip().startswith("mcpiam baseline create"))
    token = expand_example("ghp_{github_crc:30}")
    (tmp_path / ".cursor").mkdir()
    config = tmp_path / ".cursor" / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"gh": {"command": "npx", "args": ["-y", "gh-mcp@1.0.0"],
                                                        "env": {"GITHUB_TOKEN": token}}}}, indent=2),
                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    codes = []
    for line in block.splitlines():
        command = line.split("#", 1)[0].strip()
        if command.startswith("mcpiam "):
            codes.append(main(shlex.split(command)[1:]))
            if "create" in command:  # an edit elsewhere in the file: still baselined
                config.write_text("\n\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    output = capsys.readouterr()
    assert codes == [0, 0, 0], output.err
    assert (tmp_path / ".mcpiam-baseline.json").is_file()
    assert token not in output.out + output.err
