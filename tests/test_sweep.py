"""mcpiam sweep: fake homes built from the catalogue for every platform, plus hand-written hazards
(permission denied, link loops, dangling links, links out of the home, FIFOs, huge files)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

import fake_homes
from mcpiam.catalogue import default_catalogue, home_relative
from mcpiam.cli.main import main
from mcpiam.engine.scan import ScanSettings
from mcpiam.engine.sweep import make_plan, run_sweep
from mcpiam.parse import FORMATS, MAX_BYTES
from mcpiam.report.sweep import clients_data, render_sweep
from mcpiam.discover.homes import SYSTEM_USER, Home, SweepPlan, all_user_homes, project_folder, sweep

CATALOGUE = default_catalogue()
ROOT = Path(__file__).resolve().parents[1]
REPORT_SCHEMA = json.loads((ROOT / "scanner" / "mcpiam" / "report" / "json-report.schema.json").read_text(encoding="utf-8"))
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# A connection-string password: a plainly fake credential the detector recognises.
DSN = "postgresql://orders_ro:Pq7Rz2Lm9Xw4@orders.db.internal/orders"


def cursor_config(arg: str = DSN) -> str:
    return json.dumps({"mcpServers": {"orders": {"command": "npx", "args": ["-y", "pg-mcp@1.2.3", arg]}}})


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def sweep_home(home: Path, platform: str = "linux", system_root: Path | None = None,
               env: tuple[tuple[str, str], ...] = (), projects: bool = False, **settings):
    plan = SweepPlan(platform, (Home(home, "me", "~", env),), system_root, projects)
    return run_sweep(plan, ScanSettings(**settings), hostname="test-host")


# --- every catalogue location, on every platform ---------------------------------------------------


@pytest.mark.parametrize("platform", ["linux", "macos", "windows"])
def test_fake_home_has_every_catalogue_location_and_the_sweep_reads_exactly_them(platform: str,
                                                                                   tmp_path: Path) -> None:
    home, system_root = tmp_path / "home" / "me", tmp_path / "system"
    fixtures = fake_homes.build(CATALOGUE, platform, home, system_root)  # one file per location
    result = sweep_home(home, platform, system_root).scan

    readable = {d: f for d, f in fixtures.items() if f.kinds[0].format in FORMATS}
    unsupported = set(fixtures) - set(readable)
    configs = {config.path: config for config in result.configs}
    assert set(configs) == set(readable)
    for display, fixture in readable.items():
        config = configs[display]
        assert {server.name for server in config.servers} == fixture.server_names(), display
        assert config.file_kind in {kind.id for kind in fixture.kinds}, display
        if display.startswith("~/"):  # the sweep claims a path as the catalogue does
            assert config.file_kind == CATALOGUE.claim_home_path(display[2:])[0].id, display
    # Findings: exactly the credential stores' one literal credential each (private files: no mode
    # finding); a database URL is a service account's credential, not an unscoped token.
    stores = {d for d, f in readable.items() if f.holds_credential}
    assert stores, "every platform has credential stores"
    # (Without a policy every server also has no owner: missing-owner is asserted separately.)
    assert sorted((f.location.path, f.rule_id) for f in result.findings
                  if f.rule_id != "missing-owner") == sorted(
        [(d, "embedded-secret") for d in stores])
    unowned = {(f.location.path, f.server) for f in result.findings if f.rule_id == "missing-owner"}
    assert unowned == {(config.path, server.name) for config in result.configs
                       for server in config.servers if not server.reference_only
                       and config.scope.value != "server-manifest"}
    # Notes: the formats mcpiam does not parse, and on Windows the permissions it cannot judge.
    unjudged = {(d, "file-mode-not-checked") for d in stores} if platform == "windows" else set()
    assert {(n.path, n.code) for n in result.notes} == {(d, "unsupported-format") for d in unsupported} | unjudged


@pytest.mark.parametrize("platform", ["linux", "macos", "windows"])
def test_managed_locations_need_a_system_root(platform: str, tmp_path: Path) -> None:
    home, system_root = tmp_path / "home" / "me", tmp_path / "system"
    fixtures = fake_homes.build(CATALOGUE, platform, home, system_root)
    managed = {d for d, f in fixtures.items() if not d.startswith("~")}
    assert managed, "every platform has managed locations"
    result = sweep_home(home, platform, system_root=None).scan
    assert not managed & {config.path for config in result.configs}


def test_sweep_paths_are_home_relative_and_vs_code_family_variants_are_found(tmp_path: Path) -> None:
    home = tmp_path / "me"
    for variant in ("Code", "Code - Insiders", "VSCodium"):
        write(home / ".config" / variant / "User" / "profiles" / "work" / "mcp.json",
              json.dumps({"servers": {f"{variant}-srv": {"url": "https://a.example.com/mcp"}}}))
    for host in ("Cursor", "Windsurf"):
        write(home / ".config" / host / "User" / "globalStorage" / "saoudrizwan.claude-dev" / "settings"
              / "cline_mcp_settings.json", json.dumps({"mcpServers": {f"{host}-cline": {"url": "https://b.example.com"}}}))
    write(home / ".vscode-server" / "data" / "User" / "mcp.json",
          json.dumps({"servers": {"remote-srv": {"url": "https://c.example.com/mcp"}}}))
    result = sweep_home(home).scan
    assert sorted((c.path, c.client) for c in result.configs) == [
        ("~/.config/Code - Insiders/User/profiles/work/mcp.json", "vscode"),
        ("~/.config/Code/User/profiles/work/mcp.json", "vscode"),
        ("~/.config/Cursor/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json", "cline"),
        ("~/.config/VSCodium/User/profiles/work/mcp.json", "vscode"),
        ("~/.config/Windsurf/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json", "cline"),
        ("~/.vscode-server/data/User/mcp.json", "vscode"),
    ]
    assert all(str(tmp_path) not in config.path for config in result.configs)



def test_flatpak_editor_locations_are_swept(tmp_path: Path) -> None:
    """Flatpak VS Code, VSCodium and Code - OSS keep their user-data dir under ~/.var/app/<id>/config."""
    home = tmp_path / "me"
    apps = {"com.visualstudio.code": "Code", "com.vscodium.codium": "VSCodium",
            "com.visualstudio.code-oss": "Code - OSS"}
    for app, product in apps.items():
        user = home / ".var" / "app" / app / "config" / product / "User"
        write(user / "mcp.json", json.dumps({"servers": {f"{product}-srv": {"url": "https://a.example.com/mcp"}}}))
    flatpak_code = home / ".var" / "app" / "com.visualstudio.code" / "config" / "Code" / "User"
    write(flatpak_code / "profiles" / "work" / "mcp.json",
          json.dumps({"servers": {"profile-srv": {"url": "https://a.example.com/mcp"}}}))
    write(flatpak_code / "settings.json", json.dumps({"mcp": {"servers": {"legacy": {"url": "https://b.example.com"}}}}))
    write(flatpak_code / "globalStorage" / "saoudrizwan.claude-dev" / "settings" / "cline_mcp_settings.json",
          json.dumps({"mcpServers": {"cline-srv": {"url": "https://c.example.com"}}}))
    result = sweep_home(home).scan
    flatpak = "~/.var/app/com.visualstudio.code/config/Code/User"
    assert sorted((c.path, c.file_kind) for c in result.configs) == sorted([
        (f"{flatpak}/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json", "cline-settings"),
        (f"{flatpak}/mcp.json", "vscode-user"),
        (f"{flatpak}/profiles/work/mcp.json", "vscode-user"),
        (f"{flatpak}/settings.json", "vscode-settings-user"),
        ("~/.var/app/com.visualstudio.code-oss/config/Code - OSS/User/mcp.json", "vscode-user"),
        ("~/.var/app/com.vscodium.codium/config/VSCodium/User/mcp.json", "vscode-user"),
    ])

# --- path-variable overrides ---------------------------------------------------------------------


def test_xdg_and_claude_config_dir_overrides_add_locations(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "me", tmp_path / "srv-config"
    write(home / ".config" / "zed" / "settings.json", json.dumps({"context_servers": {"default-zed": {"url": "https://z"}}}))
    write(home / "cfg" / "zed" / "settings.json", json.dumps({"context_servers": {"xdg-zed": {"url": "https://z"}}}))
    write(elsewhere / ".claude.json", json.dumps({"mcpServers": {"moved": {"url": "https://m.example.com"}}}))
    write(elsewhere / "settings.json", "{}")
    env = (("XDG_CONFIG_HOME", str(home / "cfg")), ("CLAUDE_CONFIG_DIR", str(elsewhere)))
    result = sweep_home(home, env=env).scan
    assert sorted((c.path, c.file_kind, tuple(s.name for s in c.servers)) for c in result.configs) == [
        ("$CLAUDE_CONFIG_DIR/.claude.json", "claude-code-user", ("moved",)),
        ("$CLAUDE_CONFIG_DIR/settings.json", "claude-code-user-settings", ()),
        ("~/.config/zed/settings.json", "zed-settings-user", ("default-zed",)),
        ("~/cfg/zed/settings.json", "zed-settings-user", ("xdg-zed",)),
    ]


def test_appdata_override_on_windows(tmp_path: Path) -> None:
    home = tmp_path / "me"
    roaming = home / "Roaming2"
    write(roaming / "Claude" / "claude_desktop_config.json", json.dumps({"mcpServers": {"x": {"command": "npx"}}}))
    result = sweep_home(home, "windows", env=(("APPDATA", str(roaming)),)).scan
    assert [c.path for c in result.configs] == ["~/Roaming2/Claude/claude_desktop_config.json"]


def test_live_plan_takes_overrides_from_the_environment_and_a_home_plan_does_not(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "x"), "PATH": "/bin"}
    live, _ = make_plan(home=None, platform="linux", all_users=False, projects=False, system_root=None,
                        environ=environ, catalogue=CATALOGUE)
    assert live.homes[0].env == (("XDG_CONFIG_HOME", str(tmp_path / "x")),)
    assert live.system_root is not None
    mounted, _ = make_plan(home=tmp_path, platform="macos", all_users=False, projects=False,
                           system_root=None, environ=environ, catalogue=CATALOGUE)
    assert mounted.homes[0].env == () and mounted.system_root is None and mounted.platform == "macos"


# --- hazards ----------------------------------------------------------------------------------------


def notes_of(result) -> list[tuple[str, str]]:
    return sorted((note.path, note.code) for note in result.notes)


def test_link_loops_dangling_links_and_links_out_of_the_home_are_noted_and_skipped(tmp_path: Path) -> None:
    home, outside = tmp_path / "me", tmp_path / "outside"
    write(outside / "mcp.json", cursor_config(), 0o644)
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").symlink_to(home / ".cursor" / "loop")
    (home / ".cursor" / "loop").symlink_to(home / ".cursor" / "mcp.json")
    (home / ".codeium" / "windsurf").mkdir(parents=True)
    (home / ".codeium" / "windsurf" / "mcp_config.json").symlink_to(home / "nowhere.json")
    (home / ".kiro" / "settings").mkdir(parents=True)
    (home / ".kiro" / "settings" / "mcp.json").symlink_to(outside / "mcp.json")
    (home / ".config").symlink_to(outside, target_is_directory=True)  # a whole folder out of the home
    (home / ".claude" / "plugins" / "market").mkdir(parents=True)
    (home / ".claude" / "plugins" / "market" / "self").symlink_to(home / ".claude", target_is_directory=True)
    result = sweep_home(home).scan
    assert result.configs == () and result.findings == ()
    assert notes_of(result) == [
        ("~/.codeium/windsurf/mcp_config.json", "dangling-link"),
        ("~/.config", "link-outside-home"),
        ("~/.cursor/mcp.json", "link-loop"),
        ("~/.kiro/settings/mcp.json", "link-outside-home"),
    ]


def test_a_link_inside_the_home_is_followed_and_shown_where_the_client_reads_it(tmp_path: Path) -> None:
    home = tmp_path / "me"
    target = write(home / "dotfiles" / "cursor-mcp.json", cursor_config("--verbose"))
    (home / ".cursor").mkdir()
    (home / ".cursor" / "mcp.json").symlink_to(target)
    result = sweep_home(home).scan
    assert [c.path for c in result.configs] == ["~/.cursor/mcp.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_never_opened(tmp_path: Path) -> None:
    home = tmp_path / "me"
    (home / ".continue").mkdir(parents=True)
    os.mkfifo(home / ".continue" / "config.yaml")
    result = sweep_home(home).scan
    assert result.configs == ()
    assert notes_of(result) == [("~/.continue/config.yaml", "special-file")]


def test_a_huge_file_is_noted_not_read(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".gemini" / "settings.json", '{"mcpServers": {}, "pad": "' + "x" * (MAX_BYTES + 10) + '"}')
    result = sweep_home(home).scan
    assert [(c.path, c.servers) for c in result.configs] == [("~/.gemini/settings.json", ())]
    assert [(n.path, n.level, n.code) for n in result.notes] == [("~/.gemini/settings.json", "warning", "too-large")]


@pytest.mark.skipif(AS_ROOT, reason="root can read a chmod 000 folder")
def test_permission_denied_is_noted_and_the_rest_is_swept(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", cursor_config("--verbose"))
    locked = home / ".codex"
    write(locked / "config.toml", '[mcp_servers.x]\ncommand = "npx"\n')
    write(home / ".config" / "Code" / "User" / "globalStorage" / "x.json", "{}")
    storage = home / ".config" / "Code" / "User"
    locked.chmod(0)
    storage.chmod(0)
    try:
        result = sweep_home(home).scan
    finally:
        locked.chmod(0o700)
        storage.chmod(0o700)
    assert [c.path for c in result.configs] == ["~/.cursor/mcp.json"]
    codes = notes_of(result)
    assert ("~/.codex/config.toml", "unreadable-path") in codes
    assert any(path.startswith("~/.config/Code/User") and code in ("unreadable-directory", "unreadable-path")
               for path, code in codes)


def test_permission_errors_are_noted_whoever_runs_the_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as above through the OS calls, so it also runs as root (who may read anything)."""
    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", cursor_config("--verbose"))
    write(home / ".codex" / "config.toml", '[mcp_servers.x]\ncommand = "npx"\n')
    write(home / ".config" / "Code" / "User" / "profiles" / "p" / "mcp.json", "{}")
    denied = PermissionError(13, "Permission denied")
    real_lstat, real_scandir = os.lstat, os.scandir

    def lstat(path, *args, **kwargs):
        if str(path).endswith(os.path.join(".codex", "config.toml")):
            raise denied
        return real_lstat(path, *args, **kwargs)

    def scandir(path="."):
        if str(path).endswith(os.path.join("User", "profiles")):
            raise denied
        return real_scandir(path)

    monkeypatch.setattr(os, "lstat", lstat)
    monkeypatch.setattr(os, "scandir", scandir)
    result = sweep_home(home).scan
    assert [c.path for c in result.configs] == ["~/.cursor/mcp.json"]
    assert notes_of(result) == [("~/.codex/config.toml", "unreadable-path"),
                                ("~/.config/Code/User/profiles", "unreadable-directory")]
    assert all("permission denied" in note.message for note in result.notes)


def test_an_unreadable_home_is_one_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    system = tmp_path / "system"
    write(system / "home" / "alice" / ".cursor" / "mcp.json", "{}")
    write(system / "home" / "bob" / ".cursor" / "mcp.json", "{}")
    homes, _ = all_user_homes(system, "linux")
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == system / "home" / "bob":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run_sweep(SweepPlan("linux", tuple(homes), system)).scan
    assert [c.path for c in result.configs] == ["~alice/.cursor/mcp.json"]
    assert notes_of(result) == [("~bob", "unreadable-home")]


# --- findings ---------------------------------------------------------------------------------------


def test_findings_of_a_home_with_a_world_readable_secret(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", cursor_config(), 0o644)
    write(home / ".claude.json", json.dumps({"projects": {"/home/me/app": {"mcpServers": {
        "orders": {"command": "npx", "args": ["-y", "pg-mcp@1.2.3", DSN]}}}}}), 0o600)
    result = sweep_home(home, ignore=("missing-owner",)).scan  # no policy here: every server is unowned
    got = sorted((f.rule_id, f.location.path, f.location.span.start_line, f.severity.value)
                 for f in result.findings)
    assert got == [
        ("embedded-secret", "~/.claude.json", 1, "high"),
        ("embedded-secret", "~/.cursor/mcp.json", 1, "high"),
        ("shared-credential", "~/.claude.json", 1, "high"),
        ("world-readable-secrets", "~/.cursor/mcp.json", 1, "high"),
    ]
    shared = next(f for f in result.findings if f.rule_id == "shared-credential")
    assert [loc.path for loc in shared.related] == ["~/.cursor/mcp.json"]
    readable = next(f for f in result.findings if f.rule_id == "world-readable-secrets")
    assert dict(readable.properties)["mode"] == "0644"
    assert "Pq7Rz2Lm9Xw4" not in readable.message


def test_group_readable_is_medium_and_private_is_clean(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", cursor_config(), 0o640)
    write(home / ".kiro" / "settings" / "mcp.json", cursor_config(), 0o600)
    findings = sweep_home(home, select=("world-readable-secrets",)).scan.findings
    assert [(f.location.path, f.severity.value, dict(f.properties)["readable_by"]) for f in findings] == [
        ("~/.cursor/mcp.json", "medium", "group")]


def test_a_windows_layout_gives_a_note_not_a_mode_finding(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", cursor_config(), 0o644)
    result = sweep_home(home, "windows", select=("world-readable-secrets",)).scan
    assert result.findings == ()
    assert notes_of(result) == [("~/.cursor/mcp.json", "file-mode-not-checked")]
    assert result.configs[0].mode is None


def test_secret_bearing_files_are_read(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".gemini" / "mcp-oauth-tokens.json", json.dumps([{"serverName": "db", "token": {
        "accessToken": DSN}}]))
    write(home / ".config" / "goose" / "secrets.yaml", "DB_URL: " + DSN + "\n")
    write(home / ".continue" / ".env", "DB_URL=" + DSN + "\n")
    write(home / ".local" / "share" / "opencode" / "mcp-auth.json", json.dumps({"db": {"url": DSN}}))
    result = sweep_home(home, select=("embedded-secret",)).scan
    assert sorted((c.path, c.file_kind) for c in result.configs) == [
        ("~/.config/goose/secrets.yaml", "goose-secrets"),
        ("~/.continue/.env", "continue-env-user"),
        ("~/.gemini/mcp-oauth-tokens.json", "gemini-oauth-tokens"),
        ("~/.local/share/opencode/mcp-auth.json", "opencode-mcp-auth"),
    ]
    assert sorted({f.location.path for f in result.findings}) == sorted(c.path for c in result.configs)


# --- all users, projects ---------------------------------------------------------------------------


def test_all_users_attributes_each_file_to_its_user(tmp_path: Path) -> None:
    system = tmp_path / "system"
    write(system / "home" / "alice" / ".cursor" / "mcp.json", cursor_config("--verbose"))
    write(system / "home" / "bob" / ".codex" / "config.toml", '[mcp_servers.search]\nurl = "https://s.example.com"\n')
    write(system / "root" / ".gemini" / "settings.json", '{"mcpServers": {"r": {"httpUrl": "https://r"}}}')
    write(system / "etc" / "claude-code" / "managed-mcp.json", '{"mcpServers": {"corp": {"url": "https://c"}}}')
    homes, notes = all_user_homes(system, "linux")
    assert [(h.user, h.prefix) for h in homes] == [("alice", "~alice"), ("bob", "~bob"), ("root", "~root")]
    result = run_sweep(SweepPlan("linux", tuple(homes), system), hostname="box")
    assert sorted(c.path for c in result.scan.configs) == [
        "/etc/claude-code/managed-mcp.json", "~alice/.cursor/mcp.json", "~bob/.codex/config.toml",
        "~root/.gemini/settings.json"]
    users = {s["server"]: s["user"] for client in clients_data(result) for s in client["servers"]}
    assert users == {"orders": "alice", "search": "bob", "r": "root", "corp": SYSTEM_USER}


def test_projects_listed_in_claude_json_are_scanned_when_inside_the_home(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / "src" / "app" / ".mcp.json", '{"mcpServers": {"app-db": {"url": "https://db"}}}')
    write(tmp_path / "elsewhere" / ".mcp.json", '{"mcpServers": {"x": {"url": "https://x"}}}')
    write(home / ".claude.json", json.dumps({"projects": {
        "/home/someone-else/src/app": {}, str(tmp_path / "elsewhere"): {}, "/home/me": {}}}))
    without = sweep_home(home).scan
    assert [c.path for c in without.configs] == ["~/.claude.json"]
    result = sweep_home(home, projects=True).scan
    assert sorted(c.path for c in result.configs) == ["~/.claude.json", "~/src/app/.mcp.json"]
    assert ("~/.claude.json", "project-is-home") in notes_of(result)


@pytest.mark.parametrize(("recorded", "platform", "expected"), [
    ("/home/alice/src/app", "linux", "src/app"),
    ("/Users/alice/code/x", "macos", "code/x"),
    ("C:\\Users\\alice\\repo", "windows", "repo"),
    ("/srv/app", "linux", None),
])
def test_project_folders_recorded_on_another_machine_map_into_the_home(recorded: str, platform: str,
                                                                        expected: str | None, tmp_path: Path) -> None:
    folder = project_folder(recorded, Home(tmp_path, "alice"), platform)
    assert folder == (tmp_path / expected if expected else None)


# --- output ----------------------------------------------------------------------------------------


def test_json_and_sarif_carry_the_host_and_the_inventory_by_client(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", cursor_config(), 0o644)
    result = sweep_home(home)
    data = json.loads(render_sweep(result, "json"))
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["host"]["hostname"] == "test-host" and data["host"]["platform"] == "linux"
    assert data["host"]["homes"] == [{"prefix": "~", "user": "me"}]
    assert data["clients"][0]["client"] == "cursor" and data["clients"][0]["servers"][0]["user"] == "me"
    assert len(data["fingerprint_key"]["id"]) == 16 and data["fingerprint_key"]["default"] is True
    sarif = json.loads(render_sweep(result, "sarif"))
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["machine"] == "test-host" and invocation["startTimeUtc"].endswith("Z")
    text = render_sweep(result, "text")
    assert text.startswith("mcpiam sweep of test-host") and "Cursor (cursor): 1 file, 1 server" in text
    for output in (json.dumps(data), json.dumps(sarif), text):
        assert "Pq7Rz2Lm9Xw4" not in output


def test_cli_sweep_of_a_mounted_home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", cursor_config(), 0o644)
    out = tmp_path / "sweep.json"
    code = main(["sweep", "--home", str(home), "--platform", "linux", "--hostname", "laptop-7",
                 "-f", "json", "-o", str(out), "--fingerprint-key", "acme"])
    assert code == 1
    err = capsys.readouterr().err  # no progress when standard error is not a terminal: the summary only
    assert err.startswith("mcpiam: ") and err.rstrip().endswith(f"written to {out}") and err.count("\n") == 1
    data = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["host"]["hostname"] == "laptop-7" and data["fingerprint_key"]["default"] is False
    assert main(["sweep", "--home", str(home), "--all-users"]) == 2


def test_progress_goes_to_standard_error_on_a_terminal(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    home = tmp_path / "me"
    write(home / ".cursor" / "mcp.json", "{}")
    from mcpiam.cli import main as cli_module
    from mcpiam.cli.progress import ProgressLine

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    real = cli_module._progress
    assert isinstance(real(), ProgressLine)  # a terminal: progress, shown after a second...
    monkeypatch.setattr(cli_module, "_progress", lambda: ProgressLine(sys.stderr, 100, delay=0.0))  # ...here at once
    assert main(["sweep", "--home", str(home), "--platform", "linux", "-f", "json"]) == 0
    captured = capsys.readouterr()
    assert "mcpiam: sweeping ~ (me)" in captured.err and "found 1 config files" in captured.err
    assert "sweeping" not in captured.out and json.loads(captured.out)["summary"]["configs"] == 1


def test_an_overridden_location_belongs_to_the_swept_user_in_every_output(tmp_path: Path) -> None:
    home, elsewhere = tmp_path / "me", tmp_path / "claude-dir"
    write(elsewhere / ".claude.json", cursor_config())
    result = sweep_home(home, env=(("CLAUDE_CONFIG_DIR", str(elsewhere)),), select=("embedded-secret",))
    assert [s["user"] for c in clients_data(result) for s in c["servers"]] == ["me"]
    sarif = json.loads(render_sweep(result, "sarif"))
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in sarif["runs"][0]["results"]]
    assert artifacts == [{"uri": (elsewhere / ".claude.json").as_uri()}]


def test_opencode_local_servers_list_projects_too(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / "work" / "api" / ".cursor" / "mcp.json", '{"mcpServers": {"api": {"url": "https://api"}}}')
    write(home / ".local" / "share" / "opencode" / "mcp-local.json",
          json.dumps({"/home/me/work/api": {"mcp": {"local-db": {"url": "https://db"}}}}))
    result = sweep_home(home, projects=True).scan
    assert sorted(c.path for c in result.configs) == ["~/.local/share/opencode/mcp-local.json",
                                                      "~/work/api/.cursor/mcp.json"]


def test_sweep_discovery_counts_and_orders_candidates(tmp_path: Path) -> None:
    home = tmp_path / "me"
    write(home / ".kiro" / "settings" / "mcp.json", "{}")
    write(home / ".cursor" / "mcp.json", "{}")
    found = sweep(SweepPlan("linux", (Home(home, "me"),)), CATALOGUE)
    assert [c.display for c in found.candidates] == ["~/.cursor/mcp.json", "~/.kiro/settings/mcp.json"]
    assert found.files_considered == 2
    assert home_relative("$CLAUDE_CONFIG_DIR/settings.json", CATALOGUE.path_variables) == ".claude/settings.json"
