"""The process entry point: a plain ``mcpiam scan FILE...`` (the hook's form) skips click and must
print, byte for byte, what the click command prints, with the same exit code; anything else goes
to click. The process exits without teardown, so it must flush what it wrote first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcpiam.secrets.families import expand_example, load_families

ROOT = Path(__file__).resolve().parents[1]

# The click command line, as a library caller runs it (main() returns the code).
CLICK = "import sys; from mcpiam.cli.main import main; sys.exit(main(sys.argv[1:]))"
# The console entry point, and whether it scanned without loading click.
ENTRY = """
import sys
import mcpiam.cli.entry as entry
sys.argv[0] = "mcpiam"
scan = entry.plain_scan
def probe(argv):
    code = scan(argv)
    sys.stderr.write(f"PLAIN {code is not None and 'click' not in sys.modules}\\n")
    return code
entry.plain_scan = probe
entry.console_main()
"""


def _env(**extra: str) -> dict[str, str]:
    # Buffered output, as a hook's process has it, so that a missing flush shows.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("MCPIAM_") and key != "PYTHONUNBUFFERED"}
    env.update({"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", **extra})
    return env


def _run(code: str, args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def _token(family_id: str) -> str:
    family = next(f for f in load_families(check_examples=False) if f.id == family_id)
    return expand_example(family.examples.positive[0].template)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    clean = {"mcpServers": {"gh": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.2.3"],
                                   "env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}}
    leaky = {"mcpServers": {"gh": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                                   "env": {"GITHUB_TOKEN": _token("github-classic-pat")}},
                            "pay": {"url": "http://mcp.example.com/mcp",
                                    "headers": {"Authorization": "Bearer " + _token("stripe-live-secret-key")}}}}
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps(clean, indent=2), encoding="utf-8")
    (tmp_path / "leaky").mkdir()
    (tmp_path / "leaky" / ".mcp.json").write_text(json.dumps(leaky, indent=2), encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / ".mcp.json").write_text('{"mcpServers": {"x": {"command": "npx",,}', encoding="utf-8")
    return tmp_path


PLAIN_CASES = {
    "clean": [".cursor/mcp.json"],
    "secrets": ["leaky/.mcp.json"],
    "several": [".cursor/mcp.json", "leaky/.mcp.json", "broken/.mcp.json"],
    "folder": ["."],
}


@pytest.mark.parametrize("files", PLAIN_CASES.values(), ids=PLAIN_CASES.keys())
def test_the_plain_path_prints_what_click_prints(project: Path, files: list[str]) -> None:
    plain = _run(ENTRY, ["scan", *files], project, _env())
    through_click = _run(CLICK, ["scan", *files], project, _env())
    assert plain.stderr.splitlines()[0] == "PLAIN True"  # it really skipped click
    assert plain.returncode == through_click.returncode
    assert plain.stdout == through_click.stdout and plain.stdout.strip()
    assert "\n".join(plain.stderr.splitlines()[1:]) == through_click.stderr.rstrip("\n")


def test_a_policy_file_at_the_root_is_applied_alike(project: Path) -> None:
    (project / ".mcpiam.yaml").write_text('version: 1\nowners:\n  - match: {package: "@modelcontextprotocol/'
                                          'server-github"}\n    owner: "@acme/sec"\n', encoding="utf-8")
    plain = _run(ENTRY, ["scan", "."], project, _env())
    through_click = _run(CLICK, ["scan", "."], project, _env())
    assert plain.stderr.startswith("PLAIN True")
    assert (plain.returncode, plain.stdout) == (through_click.returncode, through_click.stdout)
    assert "missing-owner Server 'gh'" not in plain.stdout  # the policy's owner was applied


@pytest.mark.parametrize(("args", "env"), [
    (["scan", "--format", "json", ".cursor/mcp.json"], {}),  # an option
    (["scan", "missing.json"], {}),  # a usage error click words
    (["scan", ".cursor/mcp.json"], {"MCPIAM_FAIL_ON": "medium"}),  # an option from the environment
    (["scan", ".cursor/mcp.json"], {"PYTHONIOENCODING": "ascii"}),  # a stream click re-encodes
    (["scan"], {}),  # no path: the current folder, click's default
    (["list-rules"], {}),
])
def test_everything_else_goes_through_click_with_the_same_result(project: Path, args: list[str],
                                                                  env: dict[str, str]) -> None:
    plain = _run(ENTRY, args, project, _env(**env))
    through_click = _run(CLICK, args, project, _env(**env))
    assert plain.stderr.splitlines()[0] == "PLAIN False"
    assert (plain.returncode, plain.stdout) == (through_click.returncode, through_click.stdout)


def test_an_invalid_policy_is_reported_by_click_as_a_usage_error(project: Path) -> None:
    (project / ".mcpiam.yaml").write_text("version: 1\nowners: 7\n", encoding="utf-8")
    plain = _run(ENTRY, ["scan", "."], project, _env())
    through_click = _run(CLICK, ["scan", "."], project, _env())
    assert plain.returncode == through_click.returncode == 2
    assert plain.stderr.splitlines()[1:] == through_click.stderr.splitlines()


def test_the_console_exit_flushes_a_long_report_into_a_pipe(project: Path) -> None:
    """os._exit skips the interpreter's flush: without console_main's own, a piped report that
    did not fill the buffer would be lost (and a JSON report cut short)."""
    for index in range(40):
        (project / f"p{index}").mkdir()
        (project / f"p{index}" / ".mcp.json").write_text((project / "leaky" / ".mcp.json").read_text("utf-8"),
                                                          encoding="utf-8")
    for args in (["scan", "."], ["scan", "--format", "json", "."]):
        done = subprocess.run([sys.executable, "-m", "mcpiam", *args], cwd=project, env=_env(),
                              capture_output=True, timeout=120)
        assert done.returncode == 1, done.stderr
        text = done.stdout.decode("utf-8")
        if "--format" in args:
            assert len(json.loads(text)["configs"]) > 40
        else:
            assert text.rstrip().endswith("failing)") and text.count("embedded-secret") >= 80


def test_main_returns_its_code_to_a_library_caller(project: Path) -> None:
    from mcpiam.cli.main import main

    cwd = Path.cwd()
    os.chdir(project)
    try:
        assert main(["scan", "--format", "json", "-o", str(project / "out.json"), "leaky/.mcp.json"]) == 1
    finally:
        os.chdir(cwd)
    assert json.loads((project / "out.json").read_text("utf-8"))["summary"]["servers"] == 2
