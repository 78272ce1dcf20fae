"""Hostile homes and repositories (issue 13, item 1 and the symlink bullet of item 6): every file is
opened through ``mcpiam.core.safe_open``; these tests check what was *read* (every ``os.open``
is recorded), not only what was reported."""

from __future__ import annotations

import json
import os
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpiam.core.safe_open import FileIdentity, Fence, Refusal, admit, open_file, read_prefix
from mcpiam.discover.gitfiles import unsafe_entry
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.discover.homes import Home, SweepPlan, sweep
from mcpiam.engine.sweep import make_plan, run_sweep
from mcpiam.policy import PolicyError
from mcpiam.triage.baseline import BaselineError
from mcpiam.triage.baseline import load as load_baseline
from mcpiam.catalogue import default_catalogue
from mcpiam.report import render
from mcpiam.report.sweep import render_sweep

ROOT = Path(__file__).resolve().parents[1]
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not AS_ROOT, reason="setting file owners (os.lchown) needs root")
ALICE, BOB = 4101, 4102  # uids of the fake users; no account needs to exist for them
FORMATS = ("text", "json", "sarif")


def config_naming(server: str) -> str:
    return json.dumps({"mcpServers": {server: {"command": "npx", "args": ["-y", f"{server}-pkg@1.0.0"]}}})


def write(path: Path, text: str, owner: int | None = None, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    if owner is not None:
        os.lchown(path, owner, owner)
    return path


def chown_tree(top: Path, owner: int) -> None:
    """Give a fake user her home: every folder and file under it (links themselves included)."""
    for folder, subfolders, files in os.walk(top):
        for name in (*subfolders, *files):
            os.lchown(os.path.join(folder, name), owner, owner)
    os.lchown(top, owner, owner)


@pytest.fixture()
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The real path of every file mcpiam opens during the test."""
    seen: list[str] = []
    real_open = os.open

    def recording_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        descriptor = real_open(path, flags, *args, **kwargs)
        try:
            seen.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        except OSError:
            seen.append(os.path.realpath(path))
        return descriptor

    monkeypatch.setattr(os, "open", recording_open)
    return seen


def outputs_of_sweep(result) -> Iterator[str]:  # type: ignore[no-untyped-def]
    for fmt in FORMATS:
        yield render_sweep(result, fmt)


def outputs_of_scan(result) -> Iterator[str]:  # type: ignore[no-untyped-def]
    for fmt in FORMATS:
        yield render(result, fmt)


def under(paths: list[str], forbidden: Path) -> list[str]:
    fence = os.path.realpath(forbidden)
    return [path for path in paths if path == fence or path.startswith(fence + os.sep)]


# --- the primitive ---------------------------------------------------------------------------------


def test_a_link_swapped_to_the_outside_after_admission_is_refused(tmp_path: Path) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    write(tree / "real.json", "{}")
    secret = write(outside / "secret.json", config_naming("outside-marker"))
    link = tree / "mcp.json"
    link.symlink_to(tree / "real.json")
    fence = Fence.around(tree)
    admitted = admit(link, fence)
    assert isinstance(admitted, FileIdentity)
    # The attacker's move between the walk and the read, made deterministic: the link now leads out.
    swapped = tree / "swap.tmp"
    swapped.symlink_to(secret)
    os.replace(swapped, link)
    refused = read_prefix(link, 1 << 20, whole=True, fence=fence, expected=admitted)
    assert isinstance(refused, Refusal) and refused.code == "link-outside-tree"


def test_a_link_swapped_to_another_file_inside_is_refused_by_its_identity(tmp_path: Path) -> None:
    write(tmp_path / "admitted.json", "{}")
    write(tmp_path / "other.json", "{}")
    link = tmp_path / "mcp.json"
    link.symlink_to(tmp_path / "admitted.json")
    fence = Fence.around(tmp_path)
    admitted = admit(link, fence)
    assert isinstance(admitted, FileIdentity)
    link.unlink()
    link.symlink_to(tmp_path / "other.json")
    refused = open_file(link, fence, admitted)
    assert isinstance(refused, Refusal) and refused.code == "file-changed"
    assert isinstance(descriptor := open_file(tmp_path / "admitted.json", fence, admitted), int)
    os.close(descriptor)


def test_a_link_out_is_refused_before_anything_about_its_target_is_told(tmp_path: Path) -> None:
    big = write(tmp_path / "outside" / "big.json", " " * 5000)
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "mcp.json").symlink_to(big)
    refused = read_prefix(tmp_path / "tree" / "mcp.json", 1000, whole=True, fence=Fence.around(tmp_path / "tree"))
    assert isinstance(refused, Refusal) and refused.code == "link-outside-tree"  # not "too-large"


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path, opened: list[str]) -> None:
    os.mkfifo(tmp_path / "mcp.json")
    refused = open_file(tmp_path / "mcp.json", Fence.around(tmp_path))
    assert isinstance(refused, Refusal) and refused.code == "special-file"
    assert opened == []


@needs_root
def test_owner_rules_in_a_home_fence(tmp_path: Path) -> None:
    home = tmp_path / "alice"
    fence = Fence.around(home, ALICE)
    hers = write(home / "hers.json", "{}", ALICE)
    bobs = write(home / "bobs.json", "{}", BOB)
    roots = write(tmp_path / "root-only.json", "{}", 0)
    os.link(roots, home / "linked-root.json")
    os.link(hers, home / "hers-again.json")
    assert isinstance(admit(hers, fence), FileIdentity)
    assert isinstance(admit(home / "hers-again.json", fence), FileIdentity)  # her own hard link
    assert admit(bobs, fence) == Refusal("foreign-owner", "belongs to another user than the home's; not read")
    refused = admit(home / "linked-root.json", fence)
    assert isinstance(refused, Refusal) and refused.code == "foreign-hard-link"
    refused_open = open_file(home / "linked-root.json", fence)
    assert isinstance(refused_open, Refusal) and refused_open.code == "foreign-hard-link"


# --- git index entries -----------------------------------------------------------------------------


def index_bytes(names: list[str]) -> bytes:
    """A version 2 git index listing ``names`` as regular files (built here: no git process)."""
    entries = b""
    for name in names:
        raw = name.encode("utf-8", "surrogateescape")
        fields = struct.pack(">10I", 0, 0, 0, 0, 0, 0, 0o100644, 0, 0, 0) + b"\0" * 20
        entry = fields + struct.pack(">H", min(len(raw), 0xFFF)) + raw + b"\0"
        entries += entry + b"\0" * (-len(entry) % 8)
    return b"DIRC" + struct.pack(">II", 2, len(names)) + entries + b"\0" * 20


@pytest.mark.parametrize(("name", "unsafe"), [
    ("../../etc/x.json", True), ("/etc/x.json", True), ("a/../b.json", True), ("a/.git/config", True),
    (".GIT/hooks/x", True), ("./a.json", True), ("a//b.json", True),
    (".cursor/mcp.json", False), ("a..b/.gitx/c.json", False), ("..x.json", False),
])
def test_index_entries_that_leave_the_work_tree_are_unsafe(name: str, unsafe: bool) -> None:
    assert unsafe_entry(name) is unsafe


def test_a_scan_neither_reads_index_entries_leading_out_nor_links_committed_out(tmp_path: Path,
                                                                                 opened: list[str]) -> None:
    outside = tmp_path / "outside"
    secret = write(outside / "mcp.json", config_naming("outside-marker"))
    repo = tmp_path / "work" / "repo"
    write(repo / "good" / ".mcp.json", config_naming("inside-server"))
    (repo / ".cursor").mkdir()
    (repo / ".cursor" / "mcp.json").symlink_to(secret)  # a link committed to git, out of the tree
    (repo / ".git").mkdir()
    (repo / ".git" / "index").write_bytes(index_bytes([
        ".cursor/mcp.json", "good/.mcp.json", "../../outside/mcp.json", str(secret), "sub/.git/x.json",
    ]))
    result = scan_paths([repo], ScanSettings(), root=repo)
    assert [config.path for config in result.configs] == ["good/.mcp.json"]
    notes = {(note.path, note.code) for note in result.notes}
    assert (".cursor/mcp.json", "link-outside-tree") in notes
    assert {note.message for note in result.notes if note.code == "unsafe-index-entry"} == {
        f"index entry not read: {name!r} leaves the work tree or names .git"
        for name in ("../../outside/mcp.json", str(secret), "sub/.git/x.json")}
    assert under(opened, outside) == []
    for output in outputs_of_scan(result):
        assert "outside-marker" not in output and "inside-server" in output


def test_a_scan_does_not_follow_a_link_out_of_the_scanned_tree(tmp_path: Path, opened: list[str]) -> None:
    outside = write(tmp_path / "runner" / "settings.json", config_naming("runner-marker"))
    tree = tmp_path / "checkout"
    (tree / ".vscode").mkdir(parents=True)
    (tree / ".vscode" / "mcp.json").symlink_to(outside)
    (tree / "data.json").symlink_to(outside)  # an unknown name: not even sniffed
    write(tree / ".cursor" / "mcp.json", config_naming("inside-server"))
    (tree / "inside-link.json").symlink_to(tree / ".cursor" / "mcp.json")  # inside: still followed
    result = scan_paths([tree], ScanSettings(), root=tree)
    assert sorted(config.path for config in result.configs) == [".cursor/mcp.json", "inside-link.json"]
    assert [(note.path, note.code) for note in result.notes] == [
        (".vscode/mcp.json", "link-outside-tree"), ("data.json", "link-outside-tree")]
    assert under(opened, outside.parent) == []
    for output in outputs_of_scan(result):
        assert "runner-marker" not in output


# --- sweeps ----------------------------------------------------------------------------------------


def test_readme_links_are_never_followed_out_of_the_home(tmp_path: Path, opened: list[str]) -> None:
    """README: "links are never followed out of the home", for project folders (--projects) too."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "links are never followed out of the home" in readme
    system_root = tmp_path / "system"
    outside = write(system_root / "etc" / "secret.json", config_naming("etc-marker"))
    home = system_root / "home" / "me"
    write(home / ".claude.json", json.dumps({"projects": {"/home/me/proj": {}}}))
    write(home / "proj" / "ok" / ".mcp.json", config_naming("inside-server"))
    (home / "proj" / ".mcp.json").symlink_to(outside)
    (home / "proj" / ".cursor").mkdir()
    (home / "proj" / ".cursor" / "mcp.json").symlink_to("../../../../etc/secret.json")
    (home / ".cursor").mkdir()
    (home / ".cursor" / "mcp.json").symlink_to(outside)
    plan, _ = make_plan(home=home, platform="linux", all_users=False, projects=True, system_root=None,
                        environ={}, catalogue=default_catalogue())
    result = run_sweep(plan, hostname="test-host")
    assert sorted(config.path for config in result.scan.configs) == ["~/.claude.json", "~/proj/ok/.mcp.json"]
    refused = {(note.path, note.code) for note in result.scan.notes}
    assert {("~/proj/.mcp.json", "link-outside-tree"), ("~/proj/.cursor/mcp.json", "link-outside-tree"),
            ("~/.cursor/mcp.json", "link-outside-home")} <= refused
    assert under(opened, system_root / "etc") == []
    for output in outputs_of_sweep(result):
        assert "etc-marker" not in output and "inside-server" in output


@pytest.fixture()
def machine(tmp_path: Path) -> Path:
    """A fake system root: alice and bob with homes of their own, root's home, and /etc."""
    system_root = tmp_path / "system"
    write(system_root / "etc" / "secret.json", config_naming("etc-marker"), 0)
    write(system_root / "root" / "private.json", config_naming("root-marker"), 0)
    bob = system_root / "home" / "bob"
    write(bob / ".cursor" / "mcp.json", config_naming("bob-marker"))
    write(bob / ".env", "BOB_ONLY=bob-env-marker\n")
    chown_tree(bob, BOB)
    return system_root


@needs_root
def test_all_users_sweep_reads_no_other_users_or_roots_file(machine: Path, opened: list[str]) -> None:
    alice = machine / "home" / "alice"
    write(alice / ".claude.json", json.dumps({"projects": {"/home/alice/proj": {}}}))
    write(alice / "proj" / "ok" / ".mcp.json", json.dumps({"mcpServers": {"alice-server": {
        "command": "npx", "args": ["x@1.0.0"], "envFile": "/home/bob/.env"}}}))
    write(alice / "proj" / ".vscode" / "mcp.json", json.dumps({"servers": {"alice-vscode": {
        "command": "npx", "args": ["x@1.0.0"], "envFile": "${workspaceFolder}/../../bob/.env"}}}))
    (alice / "proj" / ".mcp.json").symlink_to(machine / "home" / "bob" / ".cursor" / "mcp.json")
    (alice / "proj" / ".cursor").mkdir()
    (alice / "proj" / ".cursor" / "mcp.json").symlink_to(machine / "etc" / "secret.json")
    # A root-only file hard-linked into her home (macOS allows it), and one she hands to bob.
    (alice / ".codeium" / "windsurf").mkdir(parents=True)
    os.link(machine / "root" / "private.json", alice / ".codeium" / "windsurf" / "mcp_config.json")
    write(alice / ".gemini" / "settings.json", config_naming("given-to-bob"))
    (alice / "proj" / ".git").mkdir()
    (alice / "proj" / ".git" / "index").write_bytes(index_bytes(
        ["ok/.mcp.json", "../../bob/.cursor/mcp.json", str(machine / "etc" / "secret.json")]))
    chown_tree(alice, ALICE)
    os.lchown(alice / ".gemini" / "settings.json", BOB, BOB)
    os.lchown(alice / ".codeium" / "windsurf" / "mcp_config.json", 0, 0)  # the hard link is root's

    plan, _ = make_plan(home=None, platform="linux", all_users=True, projects=True, system_root=machine,
                        environ={}, catalogue=default_catalogue())
    result = run_sweep(plan, hostname="test-host")
    configs = sorted(config.path for config in result.scan.configs)
    assert configs == ["~alice/.claude.json", "~alice/proj/.vscode/mcp.json", "~alice/proj/ok/.mcp.json",
                       "~bob/.cursor/mcp.json"]
    notes = {(note.path, note.code) for note in result.scan.notes}
    assert {("~alice/proj/.mcp.json", "link-outside-tree"),
            ("~alice/proj/.cursor/mcp.json", "link-outside-tree"),
            ("~alice/.codeium/windsurf/mcp_config.json", "foreign-hard-link"),
            ("~alice/.gemini/settings.json", "foreign-owner")} <= notes
    assert ("~alice/proj/.git/index", "unsafe-index-entry") in notes
    # What was read: nothing of root's, nothing of /etc; bob's files only as bob's own.
    assert under(opened, machine / "etc") == [] and under(opened, machine / "root") == []
    assert under(opened, machine / "home" / "bob" / ".env") == []  # alice's envFile into bob's home
    assert all(config.path.startswith("~bob/") for config in result.scan.configs
               if os.path.realpath(config.absolute_path).startswith(os.path.realpath(machine / "home" / "bob")))
    for output in outputs_of_sweep(result):
        for marker in ("etc-marker", "root-marker", "given-to-bob", "bob-env-marker", "BOB_ONLY"):
            assert marker not in output, marker
    # bob's server appears once, as bob's: never as alice's project file.
    inventory = json.loads(render_sweep(result, "json"))
    owners = {(server["server"], server["user"]) for client in inventory["clients"] for server in client["servers"]}
    assert ("bob-marker", "bob") in owners and ("bob-marker", "alice") not in owners


# --- the other readers: policy, CODEOWNERS, baselines -------------------------------------------


def test_a_policy_found_in_the_tree_is_not_read_through_a_link_out_of_it(tmp_path: Path,
                                                                         opened: list[str]) -> None:
    outside = write(tmp_path / "runner" / "policy.yaml", "version: 1\n")
    tree = tmp_path / "checkout"
    write(tree / ".cursor" / "mcp.json", config_naming("inside-server"))
    (tree / ".mcpiam.yaml").symlink_to(outside)
    with pytest.raises(PolicyError) as raised:
        scan_paths([tree], ScanSettings(), root=tree)
    assert "a link that leads out of the scanned folder or home" in str(raised.value)
    assert under(opened, outside.parent) == []


def test_codeowners_is_not_read_through_a_link_out_of_the_tree(tmp_path: Path, opened: list[str]) -> None:
    outside = write(tmp_path / "runner" / "CODEOWNERS", "* @someone-elses-team\n")
    tree = tmp_path / "checkout"
    write(tree / ".mcpiam.yaml", "version: 1\nowners_from_codeowners: true\n")
    write(tree / ".cursor" / "mcp.json", config_naming("inside-server"))
    (tree / "CODEOWNERS").symlink_to(outside)
    with pytest.raises(PolicyError) as raised:
        scan_paths([tree], ScanSettings(), root=tree)
    assert "cannot read CODEOWNERS" in str(raised.value)
    assert under(opened, outside.parent) == []


def test_a_baseline_that_is_a_fifo_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "baseline.json"
    os.mkfifo(fifo)
    errors: list[str] = []

    def load_it() -> None:
        try:
            load_baseline(fifo)
        except BaselineError as error:
            errors.append(str(error))

    worker = threading.Thread(target=load_it, daemon=True)
    worker.start()
    worker.join(10)  # a guard against hanging the suite, not a timing assertion
    assert not worker.is_alive(), "loading a FIFO baseline blocked"
    assert errors and "named pipe (FIFO)" in errors[0]


# --- hostile link layouts, generated ----------------------------------------------------------


LINK_TARGETS = st.sampled_from(["inside-file", "outside-file", "outside-dir", "inside-dir", "dangling",
                                "self", "fifo-inside", "parent-of-tree"])
CONFIG_NAMES = st.sampled_from([".mcp.json", ".cursor/mcp.json", ".vscode/mcp.json", "x/servers.json",
                                ".roo/mcp.json", "a/b/.mcp.json", "conf.yaml"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.lists(st.tuples(CONFIG_NAMES, LINK_TARGETS), min_size=1, max_size=6, unique_by=lambda x: x[0]))
def test_no_hostile_link_layout_reads_outside_the_scanned_tree(tmp_path_factory: pytest.TempPathFactory,
                                                                layout: list[tuple[str, str]]) -> None:
    base = tmp_path_factory.mktemp("links")
    outside = write(base / "outside" / "mcp.json", config_naming("outside-marker"))
    tree = base / "tree"
    write(tree / "real" / "mcp.json", config_naming("inside-server"))
    os.mkfifo(tree / "real" / "pipe.json")
    targets = {"inside-file": tree / "real" / "mcp.json", "outside-file": outside, "outside-dir": outside.parent,
               "inside-dir": tree / "real", "dangling": tree / "missing.json", "fifo-inside": tree / "real" / "pipe.json",
               "parent-of-tree": base}
    for name, target in layout:
        link = tree / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(link if target == "self" else targets[target])
    seen: list[str] = []
    real_open = os.open

    def recording_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        descriptor = real_open(path, flags, *args, **kwargs)
        seen.append(os.path.realpath(f"/proc/self/fd/{descriptor}") if os.path.exists("/proc/self/fd")
                    else os.path.realpath(path))
        return descriptor

    os.open = recording_open  # type: ignore[assignment]
    try:
        result = scan_paths([tree], ScanSettings(), root=tree)
    finally:
        os.open = real_open  # type: ignore[assignment]
    assert under(seen, base / "outside") == []
    for config in result.configs:
        assert os.path.realpath(config.absolute_path).startswith(os.path.realpath(tree) + os.sep)
    for output in outputs_of_scan(result):
        assert "outside-marker" not in output
    # (A link to a directory is never walked into, inside the tree or out: nothing to note.)
    expected_refusals = {name for name, target in layout if target == "outside-file"}
    assert expected_refusals <= {note.path for note in result.notes if note.code == "link-outside-tree"}


def test_a_home_link_swapped_between_the_sweep_walk_and_the_read_is_not_read(tmp_path: Path,
                                                                             opened: list[str]) -> None:
    """The race of issue 13, made deterministic: discovery admits a link, the user swaps it."""
    outside = write(tmp_path / "other-user" / "mcp.json", config_naming("other-marker"))
    home = tmp_path / "home" / "me"
    write(home / "real.json", config_naming("mine"))
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").symlink_to(home / "real.json")
    plan = SweepPlan("linux", (Home(home, "me", "~"),))
    found = sweep(plan, default_catalogue())
    assert [candidate.display for candidate in found.candidates] == ["~/.cursor/mcp.json"]
    (home / ".cursor" / "swap").symlink_to(outside)
    os.replace(home / ".cursor" / "swap", home / ".cursor" / "mcp.json")
    result = scan_paths([], ScanSettings(), default_catalogue(), discovery=found)
    assert [config.servers for config in result.configs] == [()]  # listed as skipped, nothing read
    assert [(note.path, note.code) for note in result.notes] == [("~/.cursor/mcp.json", "link-outside-tree")]
    assert under(opened, outside.parent) == []
    for output in outputs_of_scan(result):
        assert "other-marker" not in output


def test_a_link_swapped_after_the_read_does_not_lend_its_target_mode(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """world-readable-secrets judges the mode of the file that was read: when the link is swapped
    between the read and the mode check, the other file's mode is not reported as this config's."""
    from mcpiam.discover.walk import Candidate
    from mcpiam.engine import scan as engine_scan

    home = tmp_path / "home"
    (home / ".cursor").mkdir(parents=True)
    private = home / "private.json"
    private.write_text('{"mcpServers": {"a": {"command": "npx", "args": ["a@1.0.0"]}}}\n', encoding="utf-8")
    private.chmod(0o600)
    public = home / "public.json"
    public.write_text("{}\n", encoding="utf-8")
    public.chmod(0o644)
    link = home / ".cursor" / "mcp.json"
    link.symlink_to(private)
    fence = Fence.around(home)
    admitted = admit(link, fence)
    assert isinstance(admitted, FileIdentity)
    catalogue = default_catalogue()
    kinds = tuple(catalogue.claim_home_path(".cursor/mcp.json"))
    candidate = Candidate(str(link), "~/.cursor/mcp.json", kinds, named=False, fence=fence, identity=admitted)

    real_read = engine_scan.read_source  # the file is read once; parsed from what was read

    def read_then_swap(*args, **kwargs):  # type: ignore[no-untyped-def]
        parsed = real_read(*args, **kwargs)
        link.unlink()
        link.symlink_to(public)
        return parsed

    monkeypatch.setattr(engine_scan, "read_source", read_then_swap)
    config, _ = engine_scan.load_config(candidate, catalogue)
    assert config is not None and [s.name for s in config.servers] == ["a"]
    assert config.mode is None  # not public.json's 0644

    link.unlink()
    link.symlink_to(private)
    monkeypatch.setattr(engine_scan, "read_source", real_read)
    config, _ = engine_scan.load_config(candidate, catalogue)
    assert config is not None and config.mode == 0o600
