"""Every command runs with sockets disabled and process creation forbidden, and still works.

mcpiam never touches the network and never starts a process (not even git): any attempt here
raises, and the command would then exit 3 instead of 0 or 1.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from mcpiam.cli.main import cli, main
from mcpiam.secrets.families import expand_example, load_families


class Forbidden(Exception):
    pass


def _refuse(*_args: object, **_kwargs: object) -> None:
    raise Forbidden("mcpiam tried to reach the network or start a process")


@pytest.fixture()
def sandbox(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(name: str):
        def _blocked(*args: object, **kwargs: object) -> None:
            attempts.append(name)
            _refuse()
        return _blocked

    for name in ("create_connection", "getaddrinfo", "gethostbyname", "socketpair"):
        monkeypatch.setattr(socket, name, refuse(f"socket.{name}"))
    # The class stays a class (ssl subclasses it at import); reaching anyone is refused. (A bind
    # to ::1 port 0 is how urllib3, imported by detect-secrets, probes for IPv6 at import: local,
    # not network, so it is allowed.)
    for name in ("connect", "connect_ex", "sendto", "send", "sendall"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.socket.{name}"))
    monkeypatch.setattr(subprocess, "Popen", refuse("subprocess.Popen"))
    for name in ("system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp", "execv",
                 "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe", "spawnv",
                 "spawnve", "spawnvp", "spawnvpe"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse(f"os.{name}"))
    return attempts


@pytest.fixture()
def repository(tmp_path: Path) -> Path:
    """A git work tree (so discovery reads the index) with a secret, a reference and a policy."""
    family = next(f for f in load_families() if f.id == "github-classic-pat")
    secret = expand_example(family.examples.positive[0].template)
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("ignored/\n", encoding="utf-8")
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": secret}},
        "docs": {"url": "http://docs.example.com/mcp"}}}), encoding="utf-8")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "mcp.json").write_text('{"mcpServers": {}}', encoding="utf-8")
    return tmp_path


# Each command with arguments that make it do real work; a new command must be added here.
def invocations(root: Path, out: Path) -> dict[str, list[list[str]]]:
    return {
        "scan": [["scan", str(root)], ["scan", "-f", "json", str(root)],
                 ["scan", "-f", "sarif", "-o", str(out / "r.sarif"), str(root)],
                 ["scan", "--summary", "frameworks", str(root)]],
        "inventory": [["inventory", str(root)], ["inventory", "-f", "csv", str(root)]],
        "rules": [["rules"]],
        "explain": [["explain", "embedded-secret"]],
        "generate-docs": [["generate-docs", "--output", str(out / "docs")]],
        "policy": [["policy", "init", str(out / "starter.yaml")],
                   ["policy", "check", str(out / "starter.yaml")],
                   ["scan", "--policy", str(out / "starter.yaml"), str(root)]],
        "baseline": [["baseline", "create", "-b", str(out / "b.json"), str(root)],
                     ["baseline", "update", "-b", str(out / "b.json"), str(root)],
                     ["scan", "--baseline", str(out / "b.json"), str(root)]],
        "generate-hooks": [["generate-hooks", "--output", str(out / "hooks.yaml")]],
        "generate-snapshots": [["generate-snapshots", "--check"]],  # writes into the package otherwise
        "sweep": [["sweep", "--home", str(root), "--platform", "linux", "--projects"],
                  ["sweep", "--home", str(root), "--system-root", str(root), "-f", "sarif"],
                  ["sweep", "--all-users", "--system-root", str(root), "--platform", "windows"],
                  ["sweep", "--home", str(root), "-f", "json", "-o", str(out / "sweep.json")]],
        "merge": [["merge", str(out / "sweep.json"), str(out / "sweep.json")],
                  ["merge", "-f", "sarif", str(out / "sweep.json")],
                  ["merge", "-f", "markdown", str(out / "sweep.json")]],
    }


def test_every_command_is_exercised(tmp_path: Path) -> None:
    assert sorted(invocations(tmp_path, tmp_path)) == sorted(cli.commands)


def test_every_command_works_without_network_or_processes(repository, sandbox, tmp_path_factory,
                                                          capsys) -> None:
    out = tmp_path_factory.mktemp("out")
    for command, runs in invocations(repository, out).items():
        for args in runs:
            code = main(args)
            captured = capsys.readouterr()
            assert "internal error" not in captured.err, (args, captured.err)
            assert code in (0, 1), (args, code, captured.err)
    assert sandbox == []


def test_the_sandbox_itself_catches_a_process(sandbox) -> None:
    with pytest.raises(Forbidden):
        subprocess.run(["true"], check=False)
    with pytest.raises(Forbidden):
        socket.create_connection(("example.com", 443))
    assert sandbox == ["subprocess.Popen", "socket.create_connection"]
