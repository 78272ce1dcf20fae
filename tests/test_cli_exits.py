"""Mistakes that must not look like success: missing or unreadable named paths, unreadable folders
under --strict, and report, policy and baseline files written only as regular files, never
through a final symbolic link, a FIFO or a device."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.core.safe_write import WriteRefused, write_text_safely
from mcpiam.discover.arguments import unreadable_reason

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
CLEAN_CONFIG = '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "fs-mcp@1.0.0"]}}}\n'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(CLEAN_CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- paths named on the command line ------------------------------------------------------------

@pytest.mark.parametrize("command", [["scan"], ["inventory"], ["baseline", "create"], ["baseline", "update"]])
def test_a_missing_named_path_is_exit_2_naming_it(project: Path, capsys, command: list[str]) -> None:
    if command == ["baseline", "update"]:
        assert run(capsys, "baseline", "create")[0] == 0
    code, out, err = run(capsys, *command, ".", "confgs/mcp.json")
    assert code == 2, out + err
    assert "cannot scan confgs/mcp.json: no such file or folder" in err
    assert "No findings" not in out and "No MCP servers" not in out


def test_baseline_create_on_a_missing_path_writes_nothing(project: Path, capsys) -> None:
    code, _, err = run(capsys, "baseline", "create", "no/such/path")
    assert code == 2 and "no such file or folder" in err
    assert not (project / ".mcpiam-baseline.json").exists()


def test_unscannable_named_paths_each_say_why(project: Path, capsys) -> None:
    (project / "loop.json").symlink_to(project / "loop.json")
    (project / "dangling.json").symlink_to(project / "gone.json")
    assert unreadable_reason(project / "loop.json") == "symbolic link loop"
    assert unreadable_reason(project / "dangling.json") == "dangling symbolic link"
    assert unreadable_reason(project / ".cursor" / "mcp.json" / "x").startswith("no such file or folder")
    assert unreadable_reason(project / ".cursor") is None
    assert unreadable_reason(project / ".cursor" / "mcp.json") is None
    for name in ("loop.json", "dangling.json"):
        code, _, err = run(capsys, "scan", name)
        assert code == 2 and f"cannot scan {name}:" in err


@needs_fifo
def test_a_named_fifo_is_exit_2_and_never_opened(project: Path, capsys) -> None:
    os.mkfifo(project / "pipe.json")
    code, _, err = run(capsys, "scan", "pipe.json")  # would hang if it were opened for reading
    assert code == 2 and "pipe.json: not a regular file or folder" in err


@pytest.mark.skipif(AS_ROOT, reason="root can read a chmod 000 file")
def test_a_named_file_without_read_permission_is_exit_2(project: Path, capsys) -> None:
    locked = project / ".cursor" / "mcp.json"
    locked.chmod(0)
    try:
        code, _, err = run(capsys, "scan", str(locked))
    finally:
        locked.chmod(0o600)
    assert code == 2 and "permission denied" in err


def test_a_named_folder_that_cannot_be_listed_is_exit_2(project: Path, capsys, monkeypatch) -> None:
    real_scandir = os.scandir

    def refusing(path):  # root may list anything, so the refusal is simulated
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    (project / "locked").mkdir()
    monkeypatch.setattr(os, "scandir", refusing)
    code, _, err = run(capsys, "scan", "locked")
    assert code == 2 and "cannot scan locked: folder cannot be listed: Permission denied" in err


def test_an_undecodable_or_control_character_name_is_shown_escaped(project: Path, capsys) -> None:
    code, _, err = run(capsys, "scan", os.fsdecode(b"missing-\xff\x1b[31m.json"))
    assert code == 2
    assert "missing-\\xff\\x1b[31m.json" in err and "\x1b" not in err


def test_a_folder_where_a_file_is_expected_is_exit_2(project: Path, capsys) -> None:
    for args in (["scan", "--policy", ".cursor"], ["scan", "--baseline", ".cursor"],
                 ["policy", "check", ".cursor"], ["scan", "-o", ".cursor"], ["merge", ".cursor"]):
        code, out, err = run(capsys, *args)
        assert code == 2, (args, out, err)
        assert "No findings" not in out


def test_sweep_named_homes_must_exist(project: Path, capsys) -> None:
    code, _, err = run(capsys, "sweep", "--home", "no-such-home")
    assert code == 2 and "no-such-home" in err


# --- --strict: what a walk could not read --------------------------------------------------------

def test_an_unreadable_folder_in_a_walk_is_a_warning_and_exit_2_under_strict(
        project: Path, capsys, monkeypatch) -> None:
    real_scandir = os.scandir

    def refusing(path):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    (project / "locked").mkdir()
    monkeypatch.setattr(os, "scandir", refusing)
    code, out, err = run(capsys, "scan", ".")
    assert code == 0, err
    assert "locked: warning [unreadable-directory] directory skipped: Permission denied" in out
    code, out, err = run(capsys, "scan", "--strict", ".")
    assert code == 2
    assert "locked: warning [unreadable-directory]" in out  # the report is still written
    assert "--strict: 1 path(s) could not be read: locked" in err
    monkeypatch.setenv("MCPIAM_STRICT", "1")
    assert run(capsys, "scan", ".")[0] == 2
    assert run(capsys, "inventory", ".")[0] == 2


@needs_fifo
def test_strict_counts_a_config_skipped_unread_and_nothing_else(project: Path, capsys) -> None:
    assert run(capsys, "scan", "--strict", ".")[0] == 0  # info notes and findings are not "unread"
    (project / ".vscode").mkdir()
    os.mkfifo(project / ".vscode" / "mcp.json")
    code, out, err = run(capsys, "scan", "--strict", "-f", "json", ".")
    assert code == 2 and "could not be read: .vscode/mcp.json" in err
    assert json.loads(out)["notes"]


@pytest.mark.skipif(AS_ROOT, reason="root can read a chmod 000 folder")
def test_strict_with_a_real_unreadable_folder(project: Path, capsys) -> None:
    locked = project / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert run(capsys, "scan", ".")[0] == 0
        assert run(capsys, "scan", "--strict", ".")[0] == 2
    finally:
        locked.chmod(0o700)


def test_sweep_strict(tmp_path: Path, capsys) -> None:
    home = tmp_path / "me"
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").write_text(CLEAN_CONFIG, encoding="utf-8")
    assert run(capsys, "sweep", "--home", str(home), "--strict", "--platform", "linux")[0] in (0, 1)
    if hasattr(os, "mkfifo"):
        (home / ".codex").mkdir()
        os.mkfifo(home / ".codex" / "config.toml")
        assert run(capsys, "sweep", "--home", str(home), "--platform", "linux")[0] in (0, 1)
        code, _, err = run(capsys, "sweep", "--home", str(home), "--strict", "--platform", "linux")
        assert code == 2 and "~/.codex/config.toml" in err


# --- writing: -o, policy init, baseline create ----------------------------------------------------

WRITERS = {
    "-o": lambda target: ["scan", "-o", target, "."],
    "policy init --force": lambda target: ["policy", "init", "--force", target],
    "baseline create --force": lambda target: ["baseline", "create", "--force", "-b", target, "."],
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_dangling_link_is_not_followed_out_of_the_tree(project: Path, tmp_path_factory, capsys,
                                                         writer: str) -> None:
    outside = tmp_path_factory.mktemp("outside") / "planted.txt"
    (project / "report.txt").symlink_to(outside)
    code, _, err = run(capsys, *WRITERS[writer]("report.txt"))
    assert code == 2 and "cannot write report.txt: is a symbolic link, which is not followed" in err
    assert not outside.exists()


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_link_to_an_existing_file_is_not_written_through(project: Path, tmp_path_factory, capsys,
                                                           writer: str) -> None:
    outside = tmp_path_factory.mktemp("outside") / "kept.txt"
    outside.write_text("kept\n", encoding="utf-8")
    (project / "report.txt").symlink_to(outside)
    assert run(capsys, *WRITERS[writer]("report.txt"))[0] == 2
    assert outside.read_text(encoding="utf-8") == "kept\n"


@needs_fifo
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_fifo_target_is_refused_without_hanging(project: Path, capsys, writer: str) -> None:
    os.mkfifo(project / "pipe")
    code, _, err = run(capsys, *WRITERS[writer]("pipe"))
    assert code == 2 and "cannot write pipe: is a named pipe (FIFO); mcpiam writes only regular files" in err


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_target_is_refused(project: Path, capsys) -> None:
    code, _, err = run(capsys, "scan", "-o", "/dev/null", ".")
    assert code == 2 and "is a device" in err


def test_regular_targets_are_written_and_overwritten(project: Path, capsys) -> None:
    (project / "report.txt").write_text("old and much longer than the new report\n" * 50, encoding="utf-8")
    assert run(capsys, "scan", "-o", "report.txt", ".")[0] == 0
    assert (project / "report.txt").read_text(encoding="utf-8").startswith("1 server has no owner")
    assert "old and much longer" not in (project / "report.txt").read_text(encoding="utf-8")
    assert run(capsys, "policy", "init")[0] == 0 and (project / ".mcpiam.yaml").is_file()
    assert run(capsys, "baseline", "create")[0] == 0
    assert run(capsys, "baseline", "create", "--force")[0] == 0
    assert run(capsys, "baseline", "update")[0] == 0


def test_policy_init_and_baseline_create_refuse_an_existing_link_without_force(project: Path, capsys) -> None:
    (project / ".mcpiam.yaml").symlink_to(project / "elsewhere.yaml")  # dangling: exists() says False
    code, _, err = run(capsys, "policy", "init")
    assert code == 2 and "already exists" in err and not (project / "elsewhere.yaml").exists()
    (project / ".mcpiam-baseline.json").symlink_to(project / "elsewhere.json")
    code, _, err = run(capsys, "baseline", "create")
    assert code == 2 and "exists" in err and not (project / "elsewhere.json").exists()


def test_write_primitive(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    write_text_safely(target, "one\n", create_new=True)
    assert target.read_text(encoding="utf-8") == "one\n"
    with pytest.raises(WriteRefused, match="already exists"):
        write_text_safely(target, "two\n", create_new=True)
    write_text_safely(target, "two\n")
    assert target.read_text(encoding="utf-8") == "two\n"
    os.link(target, tmp_path / "other-name.txt")
    with pytest.raises(WriteRefused, match="other hard links"):
        write_text_safely(target, "three\n")
    assert (tmp_path / "other-name.txt").read_text(encoding="utf-8") == "two\n"
    with pytest.raises(WriteRefused, match="a directory"):
        write_text_safely(tmp_path, "x")
    with pytest.raises(WriteRefused, match="No such file or directory"):
        write_text_safely(tmp_path / "missing" / "x.txt", "x")


def test_strict_counts_a_link_refused_by_the_fence(project: Path, tmp_path_factory, capsys) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path_factory.mktemp("outside") / "mcp.json"
    outside.write_text(CLEAN_CONFIG, encoding="utf-8")
    (project / ".vscode").mkdir()
    (project / ".vscode" / "mcp.json").symlink_to(outside)
    code, _, _ = run(capsys, "scan", ".")
    assert code == 0
    code, _, err = run(capsys, "scan", "--strict", ".")
    assert code == 2 and ".vscode/mcp.json" in err
