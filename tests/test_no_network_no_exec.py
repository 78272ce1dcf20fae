"""Every command runs with sockets disabled and process creation forbidden, and still works.

mcpiam never touches the network and never starts a process (not even git): any attempt here
raises, and the command would then exit 3 instead of 0 or 1. Not even a socket is created: a
child process refuses socket creation before anything is imported, so import-time sockets (such
as urllib3's IPv6 probe, pulled in through detect-secrets) are caught as well.
"""

from __future__ import annotations

import json
import os
import random
import socket
import string
import subprocess
import sys
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
    # The class stays a class (ssl subclasses it at import); creating one is refused.
    monkeypatch.setattr(socket.socket, "__init__", refuse("socket.socket"))
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
        "docs": {"url": "http://docs.example.com/mcp"},
        # No token family knows this one: only the generic detector (detect-secrets) finds it.
        "db": {"command": "db-mcp", "env": {"DB_PASSWORD": generic_password()}}}}),
        encoding="utf-8")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "mcp.json").write_text('{"mcpServers": {}}', encoding="utf-8")
    return tmp_path


def generic_password() -> str:
    """A password no token family matches, built at test time."""
    return "".join(random.Random(13).choices(string.ascii_letters + string.digits, k=24))


def history_repository(root: Path, out: Path) -> tuple[Path, str]:
    """A real git repository (built in-process) whose history holds the work tree's secret config."""
    from git_repos import RepoBuilder

    repo = RepoBuilder(out / "history-repo")
    source = root / ".cursor" / "mcp.json"
    config = source.read_bytes() if source.is_file() else b'{"mcpServers": {}}'
    base = repo.commit({"README.md": "x\n"})
    repo.commit({".cursor/mcp.json": config})
    repo.commit({".cursor/mcp.json": None})
    repo.checkout()
    repo.repo.object_store.pack_loose_objects()  # the packed-object reader runs too
    return repo.path, base.decode()


# Each command with arguments that make it do real work; a new command must be added here.
def invocations(root: Path, out: Path) -> dict[str, list[list[str]]]:
    history, base = history_repository(root, out)
    return {
        "scan": [["scan", str(root)], ["scan", "-f", "json", str(root)],
                 ["scan", "--history", str(history)],
                 ["scan", "--range", f"{base}..HEAD", "-f", "sarif", str(history)],
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
                  ["sweep", "--home", str(root), "-f", "json", "-o", str(out / "sweep.json")],
                  ["sweep", "--home", str(root), "--platform", "linux", "--activity", "-f", "json"]],
        "activity": [["activity", "--home", str(root), "--platform", "linux"],
                     ["activity", "--home", str(root), "--platform", "linux", "-f", "json", "--since", "2026-01-01"]],
        "merge": [["merge", str(out / "sweep.json"), str(out / "sweep.json")],
                  ["merge", "-f", "sarif", str(out / "sweep.json")],
                  ["merge", "-f", "markdown", str(out / "sweep.json")]],
        "fleet": [["fleet", "ingest", str(out / "sweep.json"), "--db", str(out / "fleet.duckdb")],
                  ["fleet", "query", "--db", str(out / "fleet.duckdb"), "SELECT * FROM fleet_servers"],
                  ["merge", "--db", str(out / "fleet.duckdb"), "-f", "csv"]],
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


# Run in a fresh interpreter: the guard is in place before mcpiam or any library is imported,
# so a socket created at import time is caught (in this process they are imported already).
CHILD = """
import contextlib, io, json, os, socket, subprocess, sys, traceback
attempts = []

def refuse(name):
    def blocked(*args, **kwargs):
        origin = next((f"{frame.filename}:{frame.lineno}" for frame in
                       reversed(traceback.extract_stack()[:-1])), "?")
        attempts.append(f"{name} from {origin}")
        raise OSError(f"forbidden: {name}")
    return blocked

socket.socket.__init__ = refuse("socket.socket")
for name in ("socketpair", "create_connection", "getaddrinfo", "gethostbyname", "fromfd"):
    setattr(socket, name, refuse(f"socket.{name}"))
subprocess.Popen = refuse("subprocess.Popen")
for name in ("system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp", "execv",
             "execve"):
    if hasattr(os, name):
        setattr(os, name, refuse(f"os.{name}"))

from mcpiam.cli.main import main

codes = []
for args in json.loads(sys.argv[2]):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(args)
    codes.append([args, code, "internal error" in err.getvalue()])
with open(sys.argv[1], "w", encoding="utf-8") as report:
    json.dump({"attempts": attempts, "codes": codes,
               "loaded": sorted(m for m in ("detect_secrets.plugins.keyword", "requests", "urllib3")
                                if m in sys.modules)}, report)
"""


def test_no_socket_is_created_even_while_importing(repository, tmp_path_factory) -> None:
    out = tmp_path_factory.mktemp("out")
    report = out / "child.json"
    runs = [args for command_runs in invocations(repository, out).values() for args in command_runs]
    child = subprocess.run([sys.executable, "-c", CHILD, str(report), json.dumps(runs)],
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr
    seen = json.loads(report.read_text(encoding="utf-8"))
    assert seen["attempts"] == []
    for args, code, internal_error in seen["codes"]:
        assert code in (0, 1) and not internal_error, (args, code)
    # The generic detector really ran (the DB_PASSWORD above needs it), without the HTTP stack.
    assert seen["loaded"] == ["detect_secrets.plugins.keyword"]


def test_the_child_sandbox_catches_an_import_time_socket(tmp_path: Path) -> None:
    """The guard itself works: a module that opens a socket while being imported is caught."""
    (tmp_path / "opens_a_socket.py").write_text(
        "import socket\ntry:\n    socket.socket(socket.AF_INET6).close()\nexcept OSError:\n"
        "    pass\n", encoding="utf-8")
    probe = CHILD.replace("from mcpiam.cli.main import main",
                          "sys.path.insert(0, sys.argv[3])\nimport opens_a_socket\n"
                          "from mcpiam.cli.main import main")
    report = tmp_path / "child.json"
    subprocess.run([sys.executable, "-c", probe, str(report), "[]", str(tmp_path)], check=True,
                   timeout=120)
    attempts = json.loads(report.read_text(encoding="utf-8"))["attempts"]
    assert len(attempts) == 1 and attempts[0].startswith("socket.socket from ")
    assert "opens_a_socket.py" in attempts[0]


STAND_IN_PROBE = """
import sys
already = sys.argv[1] == "already"
if already:
    import requests
from mcpiam.secrets.generic import _plugins
_plugins()
import detect_secrets.plugins.base as base
stand_in_left = "requests" in sys.modules and not hasattr(sys.modules["requests"], "get")
import requests
print(already, base.requests is requests, stand_in_left, requests.get.__module__)
"""


@pytest.mark.parametrize("state", ["fresh", "already"])
def test_requests_stand_in_is_only_there_while_detect_secrets_loads(state: str) -> None:
    """detect-secrets gets a stand-in for requests only when requests is not loaded yet, and the
    stand-in leaves sys.modules afterwards: a later ``import requests`` gets the real one."""
    probe = subprocess.run([sys.executable, "-c", STAND_IN_PROBE, state], capture_output=True,
                           text=True, timeout=120, check=True)
    already, shares_it, stand_in_left, real = probe.stdout.split()
    assert shares_it == already  # the real module when it was there first, else the stand-in
    assert stand_in_left == "False"
    assert real == "requests.api"


def test_the_sandbox_itself_catches_a_process(sandbox) -> None:
    with pytest.raises(Forbidden):
        subprocess.run(["true"], check=False)
    with pytest.raises(Forbidden):
        socket.create_connection(("example.com", 443))
    with pytest.raises(Forbidden):
        socket.socket(socket.AF_INET6)
    assert sandbox == ["subprocess.Popen", "socket.create_connection", "socket.socket"]
