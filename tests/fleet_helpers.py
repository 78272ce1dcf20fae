"""A small fleet of sweeps whose answers are known, for the fleet database's tests and docs.

Tokens are made at test time from the families' example templates (no real-looking credential
is written in the repository). Every sweep is a real ``run_sweep`` of a generated home.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from mcpiam.checks.base import ScanOptions
from mcpiam.discover.homes import Home, SweepPlan
from mcpiam.engine.scan import ScanSettings
from mcpiam.engine.sweep import run_sweep
from mcpiam.report.sweep import render_sweep
from mcpiam.secrets.families import expand_example_with_span

KEY = b"acme-fleet-key"
WEEK_1 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
WEEK_2 = datetime(2026, 11, 10, 9, 0, tzinfo=timezone.utc)


def classic_pat(salt: str) -> str:
    return expand_example_with_span("ghp_{github_crc:30}", salt)[0]


def github_server(token: str) -> dict:
    return {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": token}}


def write_home(home: Path, servers: dict[str, dict]) -> None:
    config = home / ".cursor" / "mcp.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"mcpServers": servers}, indent=2), encoding="utf-8")
    config.chmod(0o600)


def sweep_file(home: Path, host: str, out: Path, when: datetime, key: bytes = KEY) -> Path:
    settings = ScanSettings(options=ScanOptions(fingerprint_key=key))
    result = run_sweep(SweepPlan("linux", (Home(home, home.name),)), settings, hostname=host, now=when)
    out.write_text(render_sweep(result, "json"), encoding="utf-8")
    return out


def small_fleet(base: Path) -> dict[str, list[Path]]:
    """Week 1: ana (lap-ana), bob (lap-bob) and dan (lap-dan) share one classic PAT; carol
    (build-1) has her own and an unpinned time server. Week 2: bob's laptop swept again: the
    time server he added, a new PAT of his own replacing the shared one (fixed there), the github
    server kept. Teams (teams.csv): ana, bob and dan are red, carol is blue."""
    shared, carols, bobs_new = classic_pat("shared"), classic_pat("carol"), classic_pat("bob-new")
    time_server = {"command": "uvx", "args": ["mcp-server-time"]}
    write_home(base / "ana", {"github": github_server(shared)})
    write_home(base / "bob", {"github": github_server(shared)})
    write_home(base / "dan", {"github": github_server(shared)})
    write_home(base / "carol", {"github": github_server(carols), "time": time_server})
    week_1 = [sweep_file(base / name, host, base / f"{host}.week1.json", WEEK_1)
              for name, host in (("ana", "lap-ana"), ("bob", "lap-bob"), ("carol", "build-1"), ("dan", "lap-dan"))]
    write_home(base / "bob", {"github": github_server(bobs_new), "time": time_server})
    week_2 = [sweep_file(base / "bob", "lap-bob", base / "lap-bob.week2.json", WEEK_2)]
    (base / "teams.csv").write_text("user,team\nana,red\nbob,red\ndan,red\ncarol,blue\n", encoding="utf-8")
    return {"week_1": week_1, "week_2": week_2}
