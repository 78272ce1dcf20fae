"""``mcpiam sweep --list-locations``: every path the catalogue names for the chosen platform, with
what is there, so "why wasn't my config found?" has an answer. Checked against the sweep itself on
fake homes with a file at every location (tests/fake_homes.py), and through the output gate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import fake_homes
from mcpiam.catalogue import default_catalogue
from mcpiam.cli.main import main
from mcpiam.discover.homes import Home, SweepPlan, is_system_path
from mcpiam.discover.locations import list_locations
from mcpiam.engine.sweep import run_sweep
from mcpiam.secrets.families import expand_example

CATALOGUE = default_catalogue()


def catalogue_paths(platform: str, managed: bool) -> list[str]:
    """The platform's paths in catalogue order: the home's first, then (``managed``) the system's."""
    every = [pattern for kind in CATALOGUE.file_kinds() for pattern in kind.user.get(platform, ())]
    home = [pattern for pattern in every if not is_system_path(pattern, CATALOGUE)]
    return home + ([pattern for pattern in every if is_system_path(pattern, CATALOGUE)] if managed else [])


@pytest.mark.parametrize("platform", ["linux", "macos", "windows"])
def test_every_catalogue_path_is_listed_and_what_it_finds_is_what_the_sweep_reads(
        platform: str, tmp_path: Path) -> None:
    home, system_root = tmp_path / "home" / "me", tmp_path / "system"
    fake_homes.build(CATALOGUE, platform, home, system_root)
    plan = SweepPlan(platform, (Home(home, "me", "~"),), system_root)
    listing = list_locations(plan, CATALOGUE)
    assert [location.pattern for location in listing.locations] == catalogue_paths(platform, managed=True)
    assert all(location.files for location in listing.locations), [
        location.where for location in listing.locations if not location.files]
    listed = {file for location in listing.locations for file in location.files}
    swept = {config.path for config in run_sweep(plan, hostname="test-host").scan.configs}
    assert swept <= listed  # every config the sweep read was at a listed location
    assert listing.notes == ()


def test_an_empty_home_lists_every_location_as_missing(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("MCPIAM_FORMAT", raising=False)
    assert main(["sweep", "--home", str(tmp_path), "--platform", "windows", "--list-locations"]) == 0
    out = capsys.readouterr().out
    rows = [line.split(None, 1) for line in out.splitlines() if line.startswith("  ")]
    assert len(rows) == len(catalogue_paths("windows", managed=False))  # no system root: no managed file
    assert {status for status, _ in rows} == {"missing"}
    assert "  missing   ~/AppData/Roaming/Claude/claude_desktop_config.json" in out
    assert out.splitlines()[0] == "Locations a sweep reads for the windows layout:"
    assert out.rstrip().endswith(f"{len(rows)} locations, 0 with a config (0 files).")


def test_found_globbed_refused_and_json(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "me"
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").write_text("{}", encoding="utf-8")
    for profile in ("work", "play"):
        (home / ".config" / "Code" / "User" / "profiles" / profile).mkdir(parents=True)
        (home / ".config" / "Code" / "User" / "profiles" / profile / "mcp.json").write_text("{}", encoding="utf-8")
    outside = tmp_path / "elsewhere.json"
    outside.write_text("{}", encoding="utf-8")
    (home / ".claude.json").symlink_to(outside)  # a link out of the home: there, but not read
    os.mkfifo(home / ".gemini-fifo")
    args = ["sweep", "--home", str(home), "--platform", "linux", "--list-locations"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "  found     ~/.cursor/mcp.json\n" in out
    assert ("  2 files   ~/.config/Code/User/profiles/*/mcp.json\n"
            "              ~/.config/Code/User/profiles/play/mcp.json\n"
            "              ~/.config/Code/User/profiles/work/mcp.json\n") in out
    assert "  not read  ~/.claude.json\n" in out
    assert "~/.claude.json: warning [link-outside-home]" in out
    assert main([*args, "-f", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    by_location = {entry["location"]: entry for entry in document["locations"]}
    assert by_location["~/.claude.json"]["exists"] and by_location["~/.claude.json"]["not_read"] == ["~/.claude.json"]
    assert by_location["~/.cursor/mcp.json"]["files"] == ["~/.cursor/mcp.json"]
    assert by_location["~/.codeium/windsurf/mcp_config.json"]["exists"] is False
    assert document["platform"] == "linux" and document["version"] == 1


def test_a_token_shaped_folder_name_is_withheld(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    token = expand_example("ghp_{github_crc:30}")
    home = tmp_path / "me"
    profile = home / ".config" / "Code" / "User" / "profiles" / token
    profile.mkdir(parents=True)
    (profile / "mcp.json").write_text("{}", encoding="utf-8")
    for fmt in ("text", "json"):
        assert main(["sweep", "--home", str(home), "--platform", "linux", "--list-locations", "-f", fmt]) == 0
        out = capsys.readouterr().out
        assert token not in out and "profiles/***/mcp.json" in out


def test_other_formats_are_a_usage_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sweep", "--home", str(tmp_path), "--list-locations", "-f", "sarif"]) == 2
    assert "--list-locations prints text or json, not sarif" in capsys.readouterr().err
