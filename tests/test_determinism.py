"""The same inputs give byte-identical reports, so CI diffs mean something: scan (JSON, SARIF),
inventory (JSON, CSV), sweep (JSON, SARIF) and merge, run twice and once more from a copy of
the tree elsewhere. Two fields are not content: the scan root, an absolute path (the copy's
output differs by exactly that path), and a sweep's host time (fixed by SOURCE_DATE_EPOCH;
without it, that field is the only difference).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.secrets.families import expand_example

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
EPOCH_TEXT = "2026-01-01T00:00:00Z"


def build(base: Path) -> None:
    """A repository with configs in several formats and findings of several rules, and a home."""
    token, other = expand_example("ghp_{github_crc:30}"), expand_example("sk_live_{alnum:24}")
    repo, home = base / "repo", base / "home"
    files = {
        repo / ".cursor" / "mcp.json": json.dumps({"mcpServers": {
            "zeta": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                     "env": {"GITHUB_TOKEN": token}},
            "alpha": {"url": "http://alpha.example.com/mcp", "headers": {"X-Key": other}},
            "mid": {"command": "uvx", "args": ["tool==1.0"]}}}, indent=2),
        repo / ".vscode" / "mcp.json": '// workspace\n{"servers": {"b": {"command": "docker", "args": '
                                       '["run", "-i", "mcp/fetch"]}, "a": {"type": "http", "url": '
                                       '"https://a.example.com/mcp"}}}\n',
        repo / ".continue" / "mcpServers" / "db.yaml": "name: db\nversion: 0.0.1\nschema: v1\nmcpServers:\n"
                                                       "  - name: pg\n    command: npx\n    args: [\"-y\", "
                                                       "\"pg-mcp\", \"postgresql://u:Zx8Kq2Wm7Rt4@db.internal/x\"]\n",
        repo / "apps" / "one" / ".codex" / "config.toml": f'[mcp_servers.gh]\ncommand = "npx"\nargs = ["-y", '
                                                          f'"gh-mcp"]\nenv = {{ GITHUB_TOKEN = "{token}" }}\n',
        home / ".cursor" / "mcp.json": json.dumps({"mcpServers": {"gh": {"command": "npx", "args": ["x"],
                                                                         "env": {"GITHUB_TOKEN": token}}}}),
        home / ".codex" / "config.toml": '[mcp_servers.orders]\ncommand = "npx"\nargs = ["-y", "pg-mcp", '
                                         '"postgresql://orders_ro:Zx8Kq2Wm7Rt4@orders.db.internal/orders"]\n',
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)


COMMANDS = {
    "scan.json": ["scan", "--format", "json"],
    "scan.sarif": ["scan", "--format", "sarif"],
    "summary.json": ["scan", "--summary", "frameworks", "--format", "json"],
    "inventory.json": ["inventory", "--format", "json"],
    "inventory.csv": ["inventory", "--format", "csv"],
    "sweep.json": ["sweep", "--home", "../home", "--platform", "linux", "--hostname", "host-a",
                   "--format", "json"],
    "sweep.sarif": ["sweep", "--home", "../home", "--platform", "linux", "--hostname", "host-a",
                    "--format", "sarif"],
}
MERGES = {f"merge.{fmt}": ["merge", "../sweep.json", "../scan.json", "--format", fmt]
          for fmt in ("json", "sarif", "csv", "markdown", "text")}


def outputs(base: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every report of the tree under ``base``, written next to it (merge reads two of them)."""
    monkeypatch.chdir(base / "repo")
    texts = {}
    for name, args in {**COMMANDS, **MERGES}.items():
        target = base / name
        assert main([*args, "--output", str(target)]) in (0, 1), name
        texts[name] = target.read_text(encoding="utf-8")
    return texts


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("NO_COLOR", "1")


def test_two_runs_are_byte_identical(tmp_path: Path, monkeypatch, fixed_clock) -> None:
    build(tmp_path)
    first = outputs(tmp_path, monkeypatch)
    second = outputs(tmp_path, monkeypatch)
    assert first == second
    scan = json.loads(first["scan.json"])
    assert {f["rule_id"] for f in scan["findings"]} >= {"embedded-secret", "insecure-transport"}
    assert [n["code"] for n in scan["notes"]].count("unowned-servers") == 1  # missing-owner, no policy
    assert len(scan["configs"]) == 4
    assert EPOCH_TEXT in first["sweep.json"] and EPOCH_TEXT in first["sweep.sarif"]


def test_a_copy_elsewhere_differs_only_by_its_root(tmp_path: Path, monkeypatch, fixed_clock) -> None:
    build(tmp_path / "one")
    first = outputs(tmp_path / "one", monkeypatch)
    shutil.copytree(tmp_path / "one", tmp_path / "elsewhere" / "two", symlinks=True)
    for name in [*COMMANDS, *MERGES]:
        (tmp_path / "elsewhere" / "two" / name).unlink()
    second = outputs(tmp_path / "elsewhere" / "two", monkeypatch)
    old, new = str(tmp_path / "one"), str(tmp_path / "elsewhere" / "two")
    for name, text in first.items():
        assert second[name] == text.replace(old, new), name
    assert old in first["scan.json"]  # the root is there, and is the only path that moved


def test_findings_and_configs_are_sorted(tmp_path: Path, monkeypatch, fixed_clock) -> None:
    build(tmp_path)
    report = json.loads(outputs(tmp_path, monkeypatch)["scan.json"])
    keys = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in report["findings"]]
    assert len(keys) > 5 and keys == sorted(keys)
    paths = [config["path"] for config in report["configs"]]
    assert paths == sorted(paths)


def test_without_a_fixed_clock_only_the_host_time_varies(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    build(tmp_path)
    monkeypatch.chdir(tmp_path / "repo")
    moments = iter(["2026-03-01T10:00:00Z", "2026-03-01T10:00:07Z"])
    import mcpiam.engine.sweep as host
    from datetime import datetime

    monkeypatch.setattr(host, "sweep_time", lambda: datetime.fromisoformat(next(moments).replace("Z", "+00:00")))
    reports = []
    for _ in range(2):
        assert main([*COMMANDS["sweep.json"], "--output", str(tmp_path / "s.json")]) in (0, 1)
        reports.append(json.loads((tmp_path / "s.json").read_text(encoding="utf-8")))
    times = [report["host"].pop("time") for report in reports]
    assert times == ["2026-03-01T10:00:00Z", "2026-03-01T10:00:07Z"]
    assert reports[0] == reports[1]


def test_source_date_epoch_sets_the_sweep_time() -> None:
    from mcpiam.engine.sweep import sweep_time

    assert sweep_time({"SOURCE_DATE_EPOCH": EPOCH}).isoformat() == "2026-01-01T00:00:00+00:00"
    assert sweep_time({"SOURCE_DATE_EPOCH": "not a number"}).year >= 2026
