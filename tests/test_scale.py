"""Big trees stay cheap per file: what a walk does for each file it looks at, counted, not timed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mcpiam.catalogue import default_catalogue
from mcpiam.discover.walk import discover

CATALOGUE = default_catalogue()
UNRELATED = json.dumps({"name": "pkg", "rows": [1, 2, 3]})  # its head is read: no MCP root named


def tree(root: Path, sniffed: int) -> Path:
    for n in range(sniffed):
        path = root / "src" / f"m{n % 7}" / f"data-{n}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(UNRELATED, encoding="utf-8")
    config = root / "tools" / "servers.json"  # unknown name, found by its content
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"mcpServers": {"a": {"command": "uvx", "args": ["x==1"]}}}), encoding="utf-8")
    return root


def realpath_calls(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, tuple[str, ...]]:
    calls = []
    real = os.path.realpath

    def counting(path, *args, **kwargs):
        calls.append(path)
        return real(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(os.path, "realpath", counting)
        found = discover([root], CATALOGUE, root=root)
    return len(calls), tuple(c.display for c in found.candidates)


def test_a_walk_resolves_no_path_per_file_it_sniffs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Resolving each structured file (an lstat per path component, twice: to admit and to read its
    # head) dominated a 200,000-file tree; the walk knows a regular file's real path already.
    small_calls, small = realpath_calls(tree(tmp_path / "small", 5), monkeypatch)
    large_calls, large = realpath_calls(tree(tmp_path / "large", 60), monkeypatch)
    assert small == large == ("tools/servers.json",)
    assert large_calls == small_calls


def test_a_walk_started_through_a_link_reads_the_real_files(tmp_path: Path) -> None:
    real = tree(tmp_path / "real", 3)
    linked = tmp_path / "linked"
    linked.symlink_to(real, target_is_directory=True)
    found = discover([linked], CATALOGUE, root=tmp_path)
    assert [c.display for c in found.candidates] == ["linked/tools/servers.json"]
    assert found.notes == ()


def test_a_link_inside_the_walk_is_still_resolved_and_fenced(tmp_path: Path) -> None:
    root = tree(tmp_path / "repo", 1)
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"mcpServers": {}}), encoding="utf-8")
    (root / "src" / "escape.json").symlink_to(outside)
    found = discover([root], CATALOGUE, root=root)
    assert [(n.path, n.code) for n in found.notes] == [("src/escape.json", "link-outside-tree")]
    assert [c.display for c in found.candidates] == ["tools/servers.json"]


def test_a_sweep_report_looks_each_file_owner_up_without_scanning_every_home(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from mcpiam.discover.homes import Home, SweepPlan
    from mcpiam.engine import sweep as engine_sweep
    from mcpiam.report.sweep import clients_data

    sys.path.insert(0, str(Path(__file__).parent))
    import fake_homes

    homes = []
    for index in range(6):
        home = tmp_path / "home" / f"user{index}"
        for fixture in fake_homes.locations(CATALOGUE, "linux", home, tmp_path / "system").values():
            if fixture.path.is_relative_to(home):
                fake_homes.write(fixture)
        homes.append(Home(home, f"user{index}", prefix=f"~user{index}"))
    result = engine_sweep.run_sweep(SweepPlan("linux", tuple(homes), None), catalogue=CATALOGUE, hostname="h")
    expected = clients_data(result)
    looked_up: list[str] = []
    real = engine_sweep.user_of
    monkeypatch.setattr(engine_sweep, "user_of", lambda path, pairs: looked_up.append(path) or real(path, pairs))
    assert clients_data(result) == expected  # the same owners
    servers = [server for client in expected for server in client["servers"]]
    assert {server["user"] for server in servers} == {f"user{index}" for index in range(6)}
    # Every file is under a home's prefix: found in the table, no walk over the homes per file.
    assert looked_up == []
