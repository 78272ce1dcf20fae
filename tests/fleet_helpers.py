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


# --- agent activity (sweep --activity) ----------------------------------------------------------------

GITHUB_PACKAGE = "@modelcontextprotocol/server-github"


def write_claude_home(home: Path, servers: dict[str, str], calls: list[tuple[str, str, str, str]]) -> None:
    """Claude Code's ~/.claude.json with ``servers`` (config key -> npm package) and one session whose
    ``calls`` are (time, config key, tool, outcome: success | error | denied), in Claude Code's format."""
    config = {"mcpServers": {name: {"command": "npx", "args": ["-y", package]} for name, package in servers.items()}}
    (home / ".claude.json").parent.mkdir(parents=True, exist_ok=True)
    (home / ".claude.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (home / ".claude.json").chmod(0o600)
    base = {"cwd": "/home/u/src/app", "sessionId": "sess-1", "version": "2.1.59", "isSidechain": False}
    lines = []
    for number, (at, server, tool, outcome) in enumerate(calls):
        tool_id = f"toolu_{number}"
        lines.append({**base, "type": "assistant", "uuid": f"a{number}", "timestamp": at,
                      "message": {"id": f"msg_{number}", "role": "assistant", "content": [
                          {"type": "tool_use", "id": tool_id, "name": f"mcp__{server}__{tool}", "input": {}}]}})
        result = {"tool_use_id": tool_id, "type": "tool_result", "content": [{"type": "text", "text": "ok"}]}
        extra = {}
        if outcome != "success":
            result["is_error"] = True
            if outcome == "denied":
                result["content"] = [{"type": "text", "text": "The user doesn't want to proceed with this tool "
                                                              "use. The tool use was rejected."}]
                extra = {"toolUseResult": "User rejected tool use"}
        lines.append({**base, "type": "user", "uuid": f"u{number}", "timestamp": at,
                      "message": {"role": "user", "content": [result]}, **extra})
    session = home / ".claude" / "projects" / "-home-u-src-app" / "sess-1.jsonl"
    session.parent.mkdir(parents=True, exist_ok=True)
    session.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def activity_sweep(home: Path, host: str, out: Path, when: datetime) -> Path:
    settings = ScanSettings(options=ScanOptions(fingerprint_key=KEY))
    result = run_sweep(SweepPlan("linux", (Home(home, home.name),)), settings, hostname=host, now=when,
                       activity=True)
    out.write_text(render_sweep(result, "json"), encoding="utf-8")
    return out


def activity_fleet(base: Path) -> list[Path]:
    """Four laptops swept with --activity on 10 November (WEEK_2), GitHub's server configured on all:
    ana (lap-ana) deleted a repository on 1 November, created an issue, and called a puppeteer
    server no config defines; bob (lap-bob) deleted a file on 1 September (more than a month before);
    dan (lap-dan) has GitHub and Slack configured and called nothing; eve (lap-eve) calls GitHub's
    server "gh" and deleted a branch on 5 November (the user denied a second try). Slack is
    configured on ana's and dan's laptops and never used. A fifth laptop (lap-old) was swept
    without --activity: GitHub configured, use unknown."""
    homes = {
        "lap-ana": ("ana", {"github": GITHUB_PACKAGE, "slack": "@modelcontextprotocol/server-slack"}, [
            ("2026-11-01T10:00:00.000Z", "github", "delete_repository", "success"),
            ("2026-11-02T10:00:00.000Z", "github", "create_issue", "success"),
            ("2026-11-03T10:00:00.000Z", "puppeteer", "navigate", "error")]),
        "lap-bob": ("bob", {"github": GITHUB_PACKAGE}, [
            ("2026-09-01T10:00:00.000Z", "github", "delete_file", "success")]),
        "lap-dan": ("dan", {"github": GITHUB_PACKAGE, "slack": "@modelcontextprotocol/server-slack"}, []),
        "lap-eve": ("eve", {"gh": GITHUB_PACKAGE}, [
            ("2026-11-05T10:00:00.000Z", "gh", "delete_branch", "success"),
            ("2026-11-05T11:00:00.000Z", "gh", "delete_branch", "denied")]),
    }
    sweeps = []
    for host, (user, servers, calls) in homes.items():
        write_claude_home(base / user, servers, calls)
        sweeps.append(activity_sweep(base / user, host, base / f"{host}.json", WEEK_2))
    write_claude_home(base / "old", {"github": GITHUB_PACKAGE}, [])
    sweeps.append(sweep_file(base / "old", "lap-old", base / "lap-old.json", WEEK_2))
    return sweeps
